//! `GET /v1/export`: a search's hits as CSV, RIS or JSON Lines, streamed;
//! and the row formats, which `patsearch search --format` writes too.
//!
//! The ranking (numbers and scores, at most `max_export_hits`) is computed
//! first, so a bad request is answered with its 4xx before any byte of the
//! file; the rows are then read in batches ([`patsearch_record::RecordBrief`]:
//! no record's text is built) and sent as each batch is ready, so the rows
//! are never all in memory. The work holds one slot of the search lanes and
//! stops at the request timeout or when the client goes away; a file cut
//! short by either ends without its last chunk, which HTTP clients report
//! as an incomplete body.

use std::str::FromStr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use patsearch_engine::{Engine, EngineError, Ranked, SearchMode, SearchRequest};
use patsearch_record::{Cancellation, Filters, PublicationNumber, RecordBrief};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::search::{check_query_length, default_mode, search_lane};
use crate::state::AppState;

/// The file formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// RFC 4180 (CRLF, fields quoted where they need it), with a header row.
    Csv,
    /// RIS, the reference managers' format (`TY  - PAT` entries, with the
    /// tags Zotero maps to a patent's fields).
    Ris,
    /// One JSON object a line.
    Jsonl,
}

impl FromStr for ExportFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "ris" => Ok(Self::Ris),
            "jsonl" | "ndjson" => Ok(Self::Jsonl),
            other => Err(format!(
                "unknown export format {other:?}: csv, ris or jsonl"
            )),
        }
    }
}

impl ExportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8; header=present",
            Self::Ris => "application/x-research-info-systems; charset=utf-8",
            Self::Jsonl => "application/x-ndjson; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Ris => "ris",
            Self::Jsonl => "jsonl",
        }
    }
}

/// One exported hit.
#[derive(Debug, Clone, Serialize)]
pub struct ExportRow {
    pub rank: usize,
    pub publication_number: String,
    pub title: String,
    pub assignees: Vec<String>,
    pub inventors: Vec<String>,
    pub filing_date: Option<NaiveDate>,
    pub publication_date: Option<NaiveDate>,
    pub priority_date: Option<NaiveDate>,
    pub cpc: Vec<String>,
    pub score: f64,
    /// The publication's page.
    pub url: String,
}

impl ExportRow {
    /// The row of a ranked hit, its page at `url`.
    pub fn new(ranked: &Ranked, brief: &RecordBrief, url: String) -> Self {
        let names = |parties: &[patsearch_record::Party]| -> Vec<String> {
            parties.iter().map(|p| p.name.clone()).collect()
        };
        Self {
            rank: ranked.rank,
            publication_number: brief.publication_number.to_string(),
            title: brief.title.clone(),
            assignees: names(&brief.assignees),
            inventors: names(&brief.inventors),
            filing_date: brief.filing_date(),
            publication_date: brief.publication_date,
            priority_date: brief.priority_date(),
            cpc: brief.cpc.iter().map(|c| c.code.clone()).collect(),
            score: ranked.score,
            url,
        }
    }
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 11] = [
    "rank",
    "publication_number",
    "title",
    "assignees",
    "inventors",
    "filing_date",
    "publication_date",
    "priority_date",
    "cpc",
    "score",
    "url",
];

/// Turns rows into the bytes of one format, a batch at a time.
#[derive(Debug)]
pub struct ExportEncoder {
    format: ExportFormat,
    out: Vec<u8>,
}

impl ExportEncoder {
    pub fn new(format: ExportFormat) -> Self {
        Self {
            format,
            out: Vec::new(),
        }
    }

    /// The header row (CSV only).
    pub fn header(&mut self) {
        if self.format == ExportFormat::Csv {
            self.csv_record(CSV_COLUMNS);
        }
    }

    fn csv_record<I, T>(&mut self, fields: I)
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .buffer_capacity(4096)
            .from_writer(&mut self.out);
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(fields);
        let _ = writer.flush();
    }

    pub fn row(&mut self, row: &ExportRow) {
        match self.format {
            ExportFormat::Csv => {
                let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
                self.csv_record([
                    row.rank.to_string(),
                    row.publication_number.clone(),
                    spreadsheet_text(&row.title),
                    spreadsheet_text(&row.assignees.join("; ")),
                    spreadsheet_text(&row.inventors.join("; ")),
                    date(row.filing_date),
                    date(row.publication_date),
                    date(row.priority_date),
                    row.cpc.join("; "),
                    format_score(row.score),
                    row.url.clone(),
                ]);
            }
            ExportFormat::Ris => ris_entry(&mut self.out, row),
            ExportFormat::Jsonl => {
                // A row of strings, numbers and dates always serialises.
                let _ = serde_json::to_writer(&mut self.out, row);
                self.out.push(b'\n');
            }
        }
    }

    /// The bytes encoded since the last call.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }
}

/// Text a spreadsheet would read as a formula (`=`, `+`, `-`, `@` first:
/// OWASP's CSV injection) gets a leading `'`, which spreadsheets show as
/// text; everything else is unchanged.
fn spreadsheet_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn format_score(score: f64) -> String {
    format!("{score:.6}")
}

/// A RIS entry: `TY  - PAT`, inventors as authors (`AU`), assignees as
/// publisher (`PB`), the publication number (`SN`), filing and publication
/// dates (`C1`, `DA`, `PY`), CPC symbols as keywords (`KW`), the page
/// (`UR`) and the rank and score as a note, each tag on a line of its own.
fn ris_entry(out: &mut Vec<u8>, row: &ExportRow) {
    let mut tag = |tag: &str, value: &str| {
        let value: String = value
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let value = value.trim();
        if !value.is_empty() {
            out.extend_from_slice(format!("{tag}  - {value}\r\n").as_bytes());
        }
    };
    let ris_date = |d: NaiveDate| d.format("%Y/%m/%d").to_string();
    tag("TY", "PAT");
    tag("TI", &row.title);
    for inventor in &row.inventors {
        tag("AU", inventor);
    }
    tag("PB", &row.assignees.join("; "));
    tag("SN", &row.publication_number);
    if let Some(d) = row.filing_date {
        tag("C1", &ris_date(d));
    }
    if let Some(d) = row.publication_date {
        tag("DA", &ris_date(d));
        tag("PY", &d.format("%Y").to_string());
    }
    for code in &row.cpc {
        tag("KW", code);
    }
    tag("UR", &row.url);
    tag(
        "N1",
        &format!(
            "patsearch rank {}, score {}",
            row.rank,
            format_score(row.score)
        ),
    );
    out.extend_from_slice(b"ER  - \r\n\r\n");
}

/// The rows of ranked hits, their pages under `base` (`BASE/patent/NUMBER`);
/// a hit deleted since the ranking is left out.
pub fn rows_of(
    engine: &Engine,
    ranked: &[Ranked],
    base: &str,
    cancel: &Cancellation,
) -> Result<Vec<ExportRow>, EngineError> {
    let ranked: Vec<(&Ranked, PublicationNumber)> = ranked
        .iter()
        .filter_map(|r| Some((r, r.publication_number.parse().ok()?)))
        .collect();
    let numbers: Vec<PublicationNumber> = ranked.iter().map(|(_, n)| n.clone()).collect();
    let briefs = engine.briefs(&numbers, cancel)?;
    Ok(ranked
        .iter()
        .zip(briefs)
        .filter_map(|((ranked, _), brief)| {
            let brief = brief?;
            let url = format!("{base}/patent/{}", brief.publication_number);
            Some(ExportRow::new(ranked, &brief, url))
        })
        .collect())
}

/// An export request, from the query string.
#[derive(Debug, Clone)]
struct ExportParams {
    request: SearchRequest,
    format: ExportFormat,
}

/// Rows read and sent at a time.
const BATCH: usize = 100;

/// Export a search's hits as a file: CSV, RIS (reference managers) or JSON
/// Lines, streamed, at most `max_export_hits` (default 1,000).
///
/// Parameters: `query`; `format` (`csv`, `ris`, `jsonl`; default `csv`);
/// `mode` (`keyword`, `semantic`, `hybrid`; default as search);
/// `limit` (hits, default and at most `max_export_hits`); `collapse`
/// (`true`/`false`, default `true`); filters `cpc`, `ipc`, `country`,
/// `kind` (repeated or comma-separated), `assignee` (repeated),
/// `filed_from`, `filed_to`, `published_from`, `published_to`,
/// `priority_from`, `priority_to` (`YYYY-MM-DD`). Columns: rank,
/// publication_number, title, assignees, inventors, filing_date,
/// publication_date, priority_date, cpc, score, url.
#[utoipa::path(
    get,
    path = "/v1/export",
    tag = "search",
    params(
        ("query" = String, Query, description = "The query, as in `POST /v1/search`"),
        ("format" = Option<String>, Query, description = "`csv` (default), `ris` or `jsonl`"),
        ("mode" = Option<String>, Query, description = "`keyword`, `semantic` or `hybrid` (default: hybrid when the index has vectors)"),
        ("limit" = Option<usize>, Query, description = "Hits to export (default and at most `max_export_hits`, 1,000 unless configured)"),
        ("collapse" = Option<bool>, Query, description = "One hit per family (default true)"),
        ("cpc" = Option<String>, Query, description = "CPC prefixes, repeated or comma-separated"),
        ("ipc" = Option<String>, Query, description = "IPC prefixes, repeated or comma-separated"),
        ("country" = Option<String>, Query, description = "Country codes, repeated or comma-separated"),
        ("kind" = Option<String>, Query, description = "Kind codes, repeated or comma-separated"),
        ("assignee" = Option<String>, Query, description = "An assignee name (repeat for several)"),
        ("filed_from" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("filed_to" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("published_from" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("published_to" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("priority_from" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("priority_to" = Option<String>, Query, description = "YYYY-MM-DD"),
    ),
    responses(
        (status = 200, description = "The file, streamed (`Content-Disposition: attachment`)", content_type = "text/csv", body = String),
        (status = 400, description = "`bad_request`, `invalid_query`, `invalid_filter`, `limit_too_large` (the maximum named), `query_too_long`, `semantic_unavailable`", body = ErrorBody),
        (status = 401, description = "`unauthorized` (when reads need the API key)", body = ErrorBody),
        (status = 422, description = "`unknown_field`", body = ErrorBody),
        (status = 429, description = "`overloaded`", body = ErrorBody),
        (status = 503, description = "`timeout`, `model_unavailable`, `index_unavailable`", body = ErrorBody),
    ),
    security((), ("bearer" = []), ("api_key" = [])),
)]
pub async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let engine = state.engine();
    let params = parse_params(query.as_deref().unwrap_or(""), &state, &engine)?;
    let base = page_base(&headers);
    let format = params.format;
    let lane = search_lane(&params.request);
    // The ranking's outcome reaches the handler once, from the work or, when
    // the work never ran (refused, timed out in the queue), from its future.
    let (started_tx, started_rx) = oneshot::channel::<Result<(), ApiError>>();
    let started = Arc::new(Mutex::new(Some(started_tx)));
    let tell = {
        let started = Arc::clone(&started);
        move |outcome: Result<(), ApiError>| {
            if let Some(tx) = started.lock().ok().and_then(|mut tx| tx.take()) {
                let _ = tx.send(outcome);
            }
        }
    };
    let (chunks, body) = mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
    let work = state.read(lane, {
        let tell = tell.clone();
        move |cancel| {
            let mut request = params.request;
            request.cancel = cancel.clone();
            let ranking = match engine.ranking(&request) {
                Ok(ranking) => ranking,
                Err(e) => {
                    tell(Err(e.into()));
                    return Ok(());
                }
            };
            tell(Ok(()));
            let mut encoder = ExportEncoder::new(format);
            encoder.header();
            let mut pending = encoder.take();
            for batch in ranking.ranked.chunks(BATCH) {
                match rows_of(&engine, batch, &base, cancel) {
                    Ok(rows) => rows.iter().for_each(|row| encoder.row(row)),
                    Err(e) => {
                        let _ = chunks.blocking_send(Err(std::io::Error::other(e.to_string())));
                        return Ok(());
                    }
                }
                pending.extend(encoder.take());
                // A closed channel: the client has gone, nothing to send to.
                if chunks
                    .blocking_send(Ok(std::mem::take(&mut pending)))
                    .is_err()
                {
                    return Ok(());
                }
            }
            if !pending.is_empty() {
                let _ = chunks.blocking_send(Ok(pending));
            }
            Ok(())
        }
    });
    tokio::spawn(async move {
        if let Err(e) = work.await {
            tell(Err(e));
        }
    });
    match started_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(_) => return Err(ApiError::internal(&"the export stopped before it started")),
    }
    let stream = futures_util::stream::unfold(body, |mut body| async move {
        body.recv().await.map(|chunk| (chunk, body))
    });
    let filename = format!("patsearch-export.{}", format.extension());
    Ok((
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// Where this server's patent pages are, as the client reached it: the
/// `Host` header, over https when a proxy says so (`X-Forwarded-Proto`);
/// without a `Host`, relative links.
fn page_base(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && !h.contains(['/', ' ', '"', '<', '>']));
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
    match host {
        Some(host) => format!("{}://{host}", if https { "https" } else { "http" }),
        None => String::new(),
    }
}

fn parse_params(query: &str, state: &AppState, engine: &Engine) -> Result<ExportParams, ApiError> {
    let config = state.config();
    let mut text: Option<String> = None;
    let mut format = ExportFormat::Csv;
    let mut mode = None;
    let mut limit = config.max_export_hits;
    let mut collapse = true;
    let mut filters = Filters::default();
    let list = |value: &str, into: &mut Vec<String>| {
        into.extend(
            value
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string),
        );
    };
    let date = |name: &str, value: &str| -> Result<Option<NaiveDate>, ApiError> {
        if value.trim().is_empty() {
            return Ok(None);
        }
        NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                ApiError::new(
                    ErrorCode::InvalidFilter,
                    format!("{name}: {value:?} is not a date (YYYY-MM-DD)"),
                )
            })
    };
    let flag = |name: &str, value: &str| -> Result<bool, ApiError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" => Ok(false),
            _ => Err(ApiError::bad_request(format!(
                "{name}: expected true or false, got {value:?}"
            ))),
        }
    };
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "query" | "q" => text = Some(value.into_owned()),
            "format" => format = value.parse().map_err(ApiError::bad_request)?,
            "mode" => {
                mode = Some(match value.trim().to_ascii_lowercase().as_str() {
                    "keyword" => SearchMode::Keyword,
                    "semantic" => SearchMode::Semantic,
                    "hybrid" => SearchMode::Hybrid,
                    other => {
                        return Err(ApiError::bad_request(format!(
                            "mode: {other:?} is not keyword, semantic or hybrid"
                        )))
                    }
                })
            }
            "limit" => {
                limit = value.trim().parse().map_err(|_| {
                    ApiError::bad_request(format!("limit: {value:?} is not a number"))
                })?
            }
            "collapse" => collapse = flag("collapse", &value)?,
            "cpc" => list(&value, &mut filters.cpc),
            "ipc" => list(&value, &mut filters.ipc),
            "country" => list(&value, &mut filters.country),
            "kind" => list(&value, &mut filters.kind),
            "assignee" => {
                if !value.trim().is_empty() {
                    filters.assignee.push(value.trim().to_string())
                }
            }
            "filed_from" => filters.filed.from = date("filed_from", &value)?,
            "filed_to" => filters.filed.to = date("filed_to", &value)?,
            "published_from" => filters.published.from = date("published_from", &value)?,
            "published_to" => filters.published.to = date("published_to", &value)?,
            "priority_from" => filters.priority.from = date("priority_from", &value)?,
            "priority_to" => filters.priority.to = date("priority_to", &value)?,
            other => {
                return Err(ApiError::new(
                    ErrorCode::UnknownField,
                    format!("unknown parameter {other:?}: query, format, mode, limit, collapse, cpc, ipc, country, kind, assignee, filed_from, filed_to, published_from, published_to, priority_from, priority_to"),
                ))
            }
        }
    }
    let text = text.ok_or_else(|| ApiError::bad_request("missing parameter: query"))?;
    check_query_length(&text, config.max_query_chars)?;
    if limit > config.max_export_hits {
        return Err(ApiError::new(
            ErrorCode::LimitTooLarge,
            format!(
                "limit {limit} is above the export maximum of {} hits (max_export_hits)",
                config.max_export_hits
            ),
        ));
    }
    let mode = mode.unwrap_or_else(|| default_mode(engine));
    let mut request = SearchRequest::new(text, mode);
    request.filters = filters;
    request.limit = limit;
    request.offset = 0;
    request.snippets = false;
    request.facets = false;
    request.collapse = collapse;
    Ok(ExportParams { request, format })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(title: &str, assignees: &[&str]) -> ExportRow {
        ExportRow {
            rank: 3,
            publication_number: "US8752472B2".into(),
            title: title.into(),
            assignees: assignees.iter().map(|a| a.to_string()).collect(),
            inventors: vec!["Ada Lovelace".into(), "Émile Zola".into()],
            filing_date: NaiveDate::from_ymd_opt(2011, 3, 4),
            publication_date: NaiveDate::from_ymd_opt(2014, 6, 10),
            priority_date: NaiveDate::from_ymd_opt(2010, 1, 2),
            cpc: vec!["H02J7/025".into(), "H01F38/14".into()],
            score: 0.5,
            url: "http://127.0.0.1:8080/patent/US8752472B2".into(),
        }
    }

    fn encode(format: ExportFormat, rows: &[ExportRow]) -> String {
        let mut encoder = ExportEncoder::new(format);
        encoder.header();
        let mut out = encoder.take();
        for r in rows {
            encoder.row(r);
        }
        out.extend(encoder.take());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_quotes_commas_quotes_and_newlines_and_reads_back() {
        let tricky = "Charger, \"wireless\"\nfor phones";
        let text = encode(
            ExportFormat::Csv,
            &[row(tricky, &["Samsung Electronics Co., Ltd.", "Ünïcode"])],
        );
        assert!(text.starts_with("rank,publication_number,title,"), "{text}");
        assert!(
            text.contains("\"Charger, \"\"wireless\"\"\nfor phones\""),
            "{text}"
        );
        assert!(text.ends_with("\r\n"));
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().unwrap().clone();
        assert_eq!(headers.iter().collect::<Vec<_>>(), CSV_COLUMNS);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), 1);
        assert_eq!(&records[0][2], tricky);
        assert_eq!(&records[0][3], "Samsung Electronics Co., Ltd.; Ünïcode");
        assert_eq!(&records[0][5], "2011-03-04");
        assert_eq!(&records[0][8], "H02J7/025; H01F38/14");
    }

    #[test]
    fn csv_of_no_rows_is_the_header_alone() {
        assert_eq!(
            encode(ExportFormat::Csv, &[]),
            format!("{}\r\n", CSV_COLUMNS.join(","))
        );
        assert_eq!(encode(ExportFormat::Ris, &[]), "");
        assert_eq!(encode(ExportFormat::Jsonl, &[]), "");
    }

    #[test]
    fn spreadsheet_formulas_are_kept_as_text() {
        let text = encode(ExportFormat::Csv, &[row("=HYPERLINK(\"x\")", &["@corp"])]);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(&record[2], "'=HYPERLINK(\"x\")");
        assert_eq!(&record[3], "'@corp");
    }

    #[test]
    fn ris_entries_carry_a_patents_fields_one_tag_a_line() {
        let text = encode(
            ExportFormat::Ris,
            &[row("Line one\nline two", &["A Co.", "B"])],
        );
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "TY  - PAT");
        assert_eq!(lines[1], "TI  - Line one line two");
        assert_eq!(lines[2], "AU  - Ada Lovelace");
        assert_eq!(lines[3], "AU  - Émile Zola");
        assert!(lines.contains(&"PB  - A Co.; B"));
        assert!(lines.contains(&"SN  - US8752472B2"));
        assert!(lines.contains(&"C1  - 2011/03/04"));
        assert!(lines.contains(&"DA  - 2014/06/10"));
        assert!(lines.contains(&"PY  - 2014"));
        assert!(lines.contains(&"KW  - H02J7/025"));
        assert!(lines.contains(&"UR  - http://127.0.0.1:8080/patent/US8752472B2"));
        assert!(text.ends_with("ER  - \r\n\r\n"));
    }

    #[test]
    fn jsonl_is_one_object_a_line() {
        let text = encode(ExportFormat::Jsonl, &[row("a", &[]), row("b", &["c"])]);
        let rows: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1]["title"], "b");
        assert_eq!(rows[1]["assignees"][0], "c");
        assert_eq!(rows[0]["filing_date"], "2011-03-04");
        assert_eq!(rows[0]["cpc"][1], "H01F38/14");
    }

    #[test]
    fn page_links_follow_the_host_the_client_used() {
        let mut headers = HeaderMap::new();
        assert_eq!(page_base(&headers), "");
        headers.insert(
            header::HOST,
            HeaderValue::from_static("patents.example.org"),
        );
        assert_eq!(page_base(&headers), "http://patents.example.org");
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(page_base(&headers), "https://patents.example.org");
        headers.insert(header::HOST, HeaderValue::from_static("evil/\"x"));
        assert_eq!(page_base(&headers), "");
    }
}
