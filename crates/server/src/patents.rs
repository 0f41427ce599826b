//! Records: `GET` and `DELETE /v1/patents/{publication_number}`, and
//! `POST /v1/documents` (add or replace).

use std::collections::HashMap;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::Json;
use patsearch_record::{PatentRecord, PublicationNumber};

use crate::api::{DeleteResponse, DocumentsBody, DocumentsResponse};
use crate::blocking;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{bytes_rejection, check_json_content_type, parse_json, ApiPath};
use crate::state::AppState;
use crate::work::Lane;

/// Reads a publication number from a path (`US8752472`, `US 8,752,472 B2`).
pub(crate) fn parse_number(text: &str) -> Result<PublicationNumber, ApiError> {
    text.parse::<PublicationNumber>()
        .map_err(|e| ApiError::bad_request(format!("{text:?} is not a publication number: {e}")))
}

/// The full canonical record of a patent (a number without kind finds any
/// stored kind).
#[utoipa::path(
    get,
    path = "/v1/patents/{publication_number}",
    tag = "patents",
    params(("publication_number" = String, Path, description = "A publication number (`US8752472`, `US8752472B2`)")),
    responses(
        (status = 200, description = "The canonical record (the JSONL interchange shape of crates/record)", body = Object),
        (status = 400, description = "`bad_request`: not a publication number", body = ErrorBody),
        (status = 401, description = "`unauthorized` (when reads need the API key)", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 429, description = "`overloaded`: the server's queue is full; retry after `Retry-After` seconds", body = ErrorBody),
    ),
    security((), ("bearer" = []), ("api_key" = [])),
)]
pub async fn get_patent(
    State(state): State<AppState>,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<PatentRecord>, ApiError> {
    let number = parse_number(&number)?;
    let engine = state.engine();
    let record = state
        .read(Lane::Light, move |_| {
            engine
                .get(&number)?
                .ok_or_else(|| ApiError::not_found(format!("{number} is not in the index")))
        })
        .await?;
    Ok(Json(record))
}

/// Adds canonical records to the index, replacing any with the same
/// publication number, embedding them with the index's model, and commits:
/// all of the request or none of it becomes visible, at once. When the
/// request has a publication number more than once, the last of those
/// documents is written (`duplicates` counts the others).
#[utoipa::path(
    post,
    path = "/v1/documents",
    tag = "write",
    request_body(content = DocumentsBody, description = "`{\"documents\": [record, ...]}` or a bare array of records"),
    responses(
        (status = 200, description = "Committed and searchable", body = DocumentsResponse),
        (status = 400, description = "`invalid_json`, `bad_request` (no documents)", body = ErrorBody),
        (status = 401, description = "`unauthorized`: missing or wrong API key", body = ErrorBody),
        (status = 403, description = "`writes_disabled`: no API key is configured", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`unknown_field`, `invalid_body` (with the path of the field at fault)", body = ErrorBody),
        (status = 503, description = "`timeout` (the write still completes), `model_unavailable`, `index_unavailable`", body = ErrorBody),
    ),
    security(("bearer" = []), ("api_key" = [])),
)]
pub async fn upsert_documents(
    State(state): State<AppState>,
    request: Request,
) -> Result<Json<DocumentsResponse>, ApiError> {
    let started = Instant::now();
    check_json_content_type(&request)?;
    let bytes = Bytes::from_request(request, &())
        .await
        .map_err(bytes_rejection)?;
    let records = blocking(move || parse_documents(&bytes)).await?;
    if records.is_empty() {
        return Err(ApiError::bad_request("no documents to add"));
    }
    let received = records.len();
    let records = last_of_each(records);
    let numbers: Vec<String> = records
        .iter()
        .map(|r| r.publication_number.to_string())
        .collect();
    let upserted = records.len();
    let ((), engine) = blocking(move || {
        state.write(|indexer| {
            for record in records {
                indexer.upsert(record)?;
            }
            Ok(())
        })
    })
    .await?;
    Ok(Json(DocumentsResponse {
        upserted,
        publication_numbers: numbers,
        duplicates: received - upserted,
        documents: engine.num_docs(),
        took_ms: started.elapsed().as_secs_f64() * 1e3,
    }))
}

/// The records the request leaves in the index, in request order: later
/// documents replace earlier ones as the engine's upsert would in sequence
/// (the same number and kind, or the same number where either has no
/// kind), so the response counts each document written once.
fn last_of_each(records: Vec<PatentRecord>) -> Vec<PatentRecord> {
    let mut kept: Vec<Option<PatentRecord>> = Vec::with_capacity(records.len());
    let mut by_base: HashMap<PublicationNumber, Vec<usize>> = HashMap::new();
    for record in records {
        let number = &record.publication_number;
        let earlier = by_base.entry(number.clone().with_kind(None)).or_default();
        earlier.retain(|&i| {
            let replaced = kept[i].as_ref().is_some_and(|r| {
                let other = &r.publication_number;
                number.kind().is_none() || other.kind().is_none() || other == number
            });
            if replaced {
                kept[i] = None;
            }
            !replaced
        });
        earlier.push(kept.len());
        kept.push(Some(record));
    }
    kept.into_iter().flatten().collect()
}

/// A bare array of records, or `{"documents": [...]}`.
fn parse_documents(bytes: &[u8]) -> Result<Vec<PatentRecord>, ApiError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        parse_json::<Vec<PatentRecord>>(bytes)
    } else {
        parse_json::<DocumentsBody>(bytes).map(|b| b.documents)
    }
}

/// Deletes a patent (a number without kind: every stored kind of it) from
/// the keyword and the vector index, and commits.
#[utoipa::path(
    delete,
    path = "/v1/patents/{publication_number}",
    tag = "write",
    params(("publication_number" = String, Path, description = "A publication number; without a kind, every kind of it")),
    responses(
        (status = 200, description = "Deleted and committed", body = DeleteResponse),
        (status = 400, description = "`bad_request`: not a publication number", body = ErrorBody),
        (status = 401, description = "`unauthorized`: missing or wrong API key", body = ErrorBody),
        (status = 403, description = "`writes_disabled`: no API key is configured", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ),
    security(("bearer" = []), ("api_key" = [])),
)]
pub async fn delete_patent(
    State(state): State<AppState>,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<DeleteResponse>, ApiError> {
    let started = Instant::now();
    let number = parse_number(&number)?;
    let response = blocking(move || {
        let not_found = || ApiError::not_found(format!("{number} is not in the index"));
        if state.engine().get(&number)?.is_none() {
            return Err(not_found());
        }
        let (found, engine) = state.write(|indexer| Ok(indexer.delete(&number)?))?;
        if !found {
            return Err(not_found());
        }
        Ok(DeleteResponse {
            deleted: number.to_string(),
            documents: engine.num_docs(),
            took_ms: started.elapsed().as_secs_f64() * 1e3,
        })
    })
    .await?;
    Ok(Json(response))
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use patsearch_engine::{Indexer, IndexerOptions};
    use serde_json::{json, Value};
    use tower::ServiceExt;

    use super::*;
    use crate::config::Settings;

    fn numbers(records: &[PatentRecord]) -> Vec<String> {
        records
            .iter()
            .map(|r| r.publication_number.to_string())
            .collect()
    }

    fn records(numbers: &[&str]) -> Vec<PatentRecord> {
        numbers
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let mut r = PatentRecord::new(n.parse().unwrap());
                r.title = format!("version {i}");
                r
            })
            .collect()
    }

    #[test]
    fn later_documents_replace_earlier_ones_as_the_engine_would() {
        let kept = last_of_each(records(&[
            "US1B2", "US2B2", "US1B2", "US3B1", "US3B2", "US4", "US4B1", "US5B1", "US5",
        ]));
        // Same number and kind: the last one. Other kinds of a number are
        // other documents; a number without a kind replaces, and is
        // replaced by, every kind of it.
        assert_eq!(
            numbers(&kept),
            ["US2B2", "US1B2", "US3B1", "US3B2", "US4B1", "US5"]
        );
        assert_eq!(kept[1].title, "version 2");
    }

    #[tokio::test]
    async fn a_batch_with_a_number_twice_counts_it_once() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join("idx");
        let engine = Indexer::open_or_create(&index, IndexerOptions::default())
            .unwrap()
            .finish()
            .unwrap();
        let config = Settings {
            index: Some(index),
            api_key: Some("k".into()),
            ..Settings::default()
        }
        .resolve()
        .unwrap();
        let app = crate::app(AppState::from_engine(config, engine));
        let body = json!([
            {"publication_number": "US1000001B2", "country": "US", "title": "First draft"},
            {"publication_number": "US1000002B2", "country": "US", "title": "Other"},
            {"publication_number": "US 1,000,001 B2", "country": "US", "title": "Final text"},
        ]);
        let request = axum::http::Request::post("/v1/documents")
            .header("content-type", "application/json")
            .header("x-api-key", "k")
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 200);
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let reply: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(reply["upserted"], 2, "{reply}");
        assert_eq!(reply["duplicates"], 1, "{reply}");
        assert_eq!(
            reply["publication_numbers"],
            json!(["US1000002B2", "US1000001B2"]),
            "{reply}"
        );
        assert_eq!(reply["documents"], 2, "{reply}");
        let request = axum::http::Request::get("/v1/patents/US1000001B2")
            .body(Body::empty())
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let record: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(record["title"], "Final text", "{record}");
    }
}
