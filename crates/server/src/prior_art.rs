//! `POST /v1/prior-art` and `GET /v1/patents/{publication_number}/prior-art`:
//! prior-art search with an element-by-element chart per document, with
//! their wire types.

use axum::extract::State;
use axum::Json;
use chrono::NaiveDate;
use patsearch_engine::{
    DateField, ElementKind, ElementMatch, Engine, EngineError, PassageKind, PriorArtHit,
    PriorArtRequest, PriorArtResults, Split, SplitMode, DEFAULT_PRIOR_ART_LIMIT,
};
use patsearch_record::Filters;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::{FiltersBody, PassageKindBody};
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::patents::parse_number;
use crate::search::check_limit;
use crate::state::AppState;
use crate::work::Lane;

/// The longest text a prior-art search accepts, in characters (a long claim
/// is a few thousand; only the first elements are searched anyway).
pub const MAX_PRIOR_ART_CHARS: usize = 20_000;

/// Which date of a document the cut-off tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DateFieldBody {
    /// The earliest priority date, else the filing date (the default).
    #[default]
    Priority,
    Filed,
    Published,
}

/// How the text is cut into elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SplitBody {
    /// As a claim when it reads as one (one sentence with `comprising`,
    /// `consisting of`, `wherein` ...), else into sentences (the default).
    #[default]
    Auto,
    /// Preamble, then limitations at `;`, `:`, `wherein`.
    Claim,
    /// Sentences (at most 8).
    Sentences,
}

/// `POST /v1/prior-art`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorArtBody {
    /// A claim, or a description of the invention (at most 20,000
    /// characters).
    #[schema(
        example = "A charging pad comprising: a coil; a driver circuit energising the coil; and a sensor detecting a phone placed on the pad."
    )]
    pub text: String,
    /// Only documents dated strictly before this day (`YYYY-MM-DD`).
    #[serde(default)]
    pub before: Option<NaiveDate>,
    /// The date `before` tests (default `priority`).
    #[serde(default)]
    pub date_field: DateFieldBody,
    #[serde(default)]
    pub filters: FiltersBody,
    /// Documents to return (default 10, at most the server's `max_limit`).
    #[serde(default)]
    #[schema(minimum = 0, example = 10)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub split: SplitBody,
}

/// `GET /v1/patents/{publication_number}/prior-art` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PriorArtParams {
    /// Documents to return (default 10, at most the server's `max_limit`).
    pub limit: Option<usize>,
    /// The cut-off (default: the patent's earliest priority or filing date).
    pub before: Option<NaiveDate>,
    /// The date the cut-off tests (default `priority`).
    pub date_field: Option<DateFieldBody>,
}

/// How the text was cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SplitResultBody {
    Claim,
    Sentences,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ElementKindBody {
    Preamble,
    Element,
}

/// One element of the searched text.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ElementBody {
    /// `pre`, `a`, `b` ... for a claim; `1`, `2` ... for sentences.
    pub label: String,
    pub kind: ElementKindBody,
    /// Verbatim: `range` of the text searched.
    pub text: String,
    /// Byte range `[start, end)` in the text searched.
    pub range: [usize; 2],
}

/// The cut-off applied.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CutoffBody {
    /// Documents dated strictly before this day.
    pub before: NaiveDate,
    pub date_field: DateFieldBody,
}

/// A passage of a document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PriorArtPassageBody {
    pub kind: PassageKindBody,
    /// The claim number, or the description paragraph's index (from 0).
    pub number: Option<u32>,
    /// `title and abstract`, `claim 1`.
    pub label: String,
}

/// What a patent's prior-art search searched with.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PriorArtSourceBody {
    pub publication_number: String,
    /// Its first independent claim, or its title and abstract.
    pub basis: PriorArtPassageBody,
    pub text: String,
}

/// A sentence of a passage, verbatim.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteBody {
    pub text: String,
    /// Byte range `[start, end)` in the passage's full text (the abstract,
    /// the claim, the description paragraph).
    pub range: [usize; 2],
    /// Cosine of the element with this sentence.
    pub similarity: f32,
}

/// How a document discloses one element: a row of the claim chart.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ElementMatchBody {
    /// Index into `elements`.
    pub element: usize,
    /// Cosine of the element with its best passage of the document.
    pub similarity: f32,
    /// Whether the similarity reaches the threshold.
    pub covered: bool,
    pub passage: PriorArtPassageBody,
    /// The start of the passage's text.
    pub text: Option<String>,
    /// The passage's sentence (a claim's element) most similar to the
    /// element; given for the first hits only.
    pub quote: Option<QuoteBody>,
}

/// One prior-art document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PriorArtHitBody {
    pub publication_number: String,
    pub rank: usize,
    pub title: String,
    /// The mean of the elements' similarities.
    pub score: f32,
    /// Elements whose similarity reaches the threshold.
    pub covered: usize,
    pub priority_date: Option<NaiveDate>,
    pub filing_date: Option<NaiveDate>,
    pub publication_date: Option<NaiveDate>,
    /// One per element, in order.
    pub mapping: Vec<ElementMatchBody>,
}

/// Prior art, best first: most elements covered, then the highest mean
/// similarity.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PriorArtResponse {
    /// For a patent's prior art: what was searched.
    pub source: Option<PriorArtSourceBody>,
    pub split: SplitResultBody,
    pub elements: Vec<ElementBody>,
    /// Elements beyond the cap (20 of a claim, 8 sentences), not searched.
    pub elements_dropped: usize,
    pub cutoff: Option<CutoffBody>,
    /// The similarity at which an element counts as covered.
    pub threshold: f32,
    pub hits: Vec<PriorArtHitBody>,
    /// Candidate documents ranked.
    pub total: usize,
    pub took_ms: f64,
}

impl From<DateFieldBody> for DateField {
    fn from(d: DateFieldBody) -> Self {
        match d {
            DateFieldBody::Priority => DateField::Priority,
            DateFieldBody::Filed => DateField::Filed,
            DateFieldBody::Published => DateField::Published,
        }
    }
}

impl From<SplitBody> for SplitMode {
    fn from(s: SplitBody) -> Self {
        match s {
            SplitBody::Auto => SplitMode::Auto,
            SplitBody::Claim => SplitMode::Claim,
            SplitBody::Sentences => SplitMode::Sentences,
        }
    }
}

impl From<DateField> for DateFieldBody {
    fn from(d: DateField) -> Self {
        match d {
            DateField::Priority => DateFieldBody::Priority,
            DateField::Filed => DateFieldBody::Filed,
            DateField::Published => DateFieldBody::Published,
        }
    }
}

fn passage_body(kind: PassageKind) -> PriorArtPassageBody {
    let (k, number) = match kind {
        PassageKind::TitleAbstract => (PassageKindBody::TitleAbstract, None),
        PassageKind::Claim(n) => (PassageKindBody::Claim, Some(n)),
        PassageKind::Description(i) => (PassageKindBody::Description, Some(i)),
    };
    PriorArtPassageBody {
        kind: k,
        number,
        label: kind.to_string(),
    }
}

impl From<ElementMatch> for ElementMatchBody {
    fn from(m: ElementMatch) -> Self {
        Self {
            element: m.element,
            similarity: m.similarity,
            covered: m.covered,
            passage: passage_body(m.passage.kind),
            text: m.text,
            quote: m.quote.map(|q| QuoteBody {
                text: q.text,
                range: [q.range.start, q.range.end],
                similarity: q.similarity,
            }),
        }
    }
}

impl From<PriorArtHit> for PriorArtHitBody {
    fn from(h: PriorArtHit) -> Self {
        Self {
            publication_number: h.publication_number,
            rank: h.rank,
            title: h.title,
            score: h.score,
            covered: h.covered,
            priority_date: h.priority_date,
            filing_date: h.filing_date,
            publication_date: h.publication_date,
            mapping: h.mapping.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<PriorArtResults> for PriorArtResponse {
    fn from(r: PriorArtResults) -> Self {
        Self {
            source: r.source.map(|s| PriorArtSourceBody {
                publication_number: s.publication_number.to_string(),
                basis: passage_body(s.basis),
                text: s.text,
            }),
            split: match r.split {
                Split::Claim => SplitResultBody::Claim,
                Split::Sentences => SplitResultBody::Sentences,
            },
            elements: r
                .elements
                .into_iter()
                .map(|e| ElementBody {
                    label: e.label,
                    kind: match e.kind {
                        ElementKind::Preamble => ElementKindBody::Preamble,
                        ElementKind::Element => ElementKindBody::Element,
                    },
                    text: e.text,
                    range: [e.range.start, e.range.end],
                })
                .collect(),
            elements_dropped: r.elements_dropped,
            cutoff: r.cutoff.map(|c| CutoffBody {
                before: c.before,
                date_field: c.date_field.into(),
            }),
            threshold: r.threshold,
            hits: r.hits.into_iter().map(Into::into).collect(),
            total: r.total,
            took_ms: r.took.as_secs_f64() * 1e3,
        }
    }
}

/// Prior art for a claim or an invention description. The text is split
/// into elements (a claim: its preamble, then its limitations at `;`, `:`,
/// `wherein`; other text: its sentences), each element is searched
/// semantically with the filters and the date cut-off, and the documents
/// found are ranked by how many elements they cover (similarity at least
/// `threshold`) and then by their mean similarity. Each hit maps every
/// element to its best passage and, for the first hits, to that passage's
/// best sentence: a claim chart.
#[utoipa::path(
    post,
    path = "/v1/prior-art",
    tag = "search",
    request_body = PriorArtBody,
    responses(
        (status = 200, description = "Prior art with element mappings, best first", body = PriorArtResponse),
        (status = 400, description = "`bad_request` (an empty text), `invalid_filter`, `limit_too_large`, `query_too_long` (text over 20,000 characters), `semantic_unavailable`, `invalid_json`", body = ErrorBody),
        (status = 401, description = "`unauthorized` (when reads need the API key)", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 422, description = "`unknown_field`, `invalid_body`", body = ErrorBody),
        (status = 429, description = "`overloaded`: the server's queue is full; retry after `Retry-After` seconds", body = ErrorBody),
        (status = 503, description = "`timeout`, `model_unavailable`, `index_unavailable`", body = ErrorBody),
    ),
    security((), ("bearer" = []), ("api_key" = [])),
)]
pub async fn prior_art(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<PriorArtBody>,
) -> Result<Json<PriorArtResponse>, ApiError> {
    let chars = body.text.chars().count();
    if chars > MAX_PRIOR_ART_CHARS {
        return Err(ApiError::new(
            ErrorCode::QueryTooLong,
            format!(
                "the text has {chars} characters; the server accepts at most {MAX_PRIOR_ART_CHARS}"
            ),
        ));
    }
    if body.text.trim().is_empty() {
        return Err(ApiError::bad_request(
            "the text is empty: give a claim or a description of the invention",
        ));
    }
    let request = PriorArtRequest {
        limit: page_limit(&state, body.limit)?,
        text: body.text,
        before: body.before,
        date_field: body.date_field.into(),
        filters: Filters::from(body.filters),
        split: body.split.into(),
        ..PriorArtRequest::default()
    };
    run(&state, request, |engine, request| engine.prior_art(request)).await
}

/// Prior art for a patent of the index: its first independent claim (its
/// title and abstract when it has no claims) searched as in
/// `POST /v1/prior-art`, cut off at its earliest priority or filing date
/// (unless `before` says otherwise), the patent itself excluded.
#[utoipa::path(
    get,
    path = "/v1/patents/{publication_number}/prior-art",
    tag = "patents",
    params(
        ("publication_number" = String, Path, description = "A publication number (`US8752472`, `US8752472B2`)"),
        PriorArtParams,
    ),
    responses(
        (status = 200, description = "Prior art with element mappings, best first", body = PriorArtResponse),
        (status = 400, description = "`bad_request`, `limit_too_large`, `semantic_unavailable`", body = ErrorBody),
        (status = 401, description = "`unauthorized` (when reads need the API key)", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 422, description = "`unknown_field`", body = ErrorBody),
        (status = 429, description = "`overloaded`: the server's queue is full; retry after `Retry-After` seconds", body = ErrorBody),
        (status = 503, description = "`timeout`, `model_unavailable`, `index_unavailable`", body = ErrorBody),
    ),
    security((), ("bearer" = []), ("api_key" = [])),
)]
pub async fn prior_art_of(
    State(state): State<AppState>,
    ApiPath(number): ApiPath<String>,
    ApiQuery(params): ApiQuery<PriorArtParams>,
) -> Result<Json<PriorArtResponse>, ApiError> {
    let number = parse_number(&number)?;
    let request = PriorArtRequest {
        limit: page_limit(&state, params.limit)?,
        before: params.before,
        date_field: params.date_field.unwrap_or_default().into(),
        ..PriorArtRequest::default()
    };
    run(&state, request, move |engine, request| {
        engine.prior_art_of(&number, request)
    })
    .await
}

/// The hits a request asks for: `limit`, by default 10 (or the server's
/// `max_limit` when lower), at most `max_limit`.
fn page_limit(state: &AppState, limit: Option<usize>) -> Result<usize, ApiError> {
    let max = state.config().max_limit;
    let limit = limit.unwrap_or(DEFAULT_PRIOR_ART_LIMIT.min(max));
    check_limit(limit, max)?;
    Ok(limit)
}

/// Runs `search` in the heavy lane of the pool, its request cancelled with
/// the HTTP request's (past the server's timeout, or the client gone).
async fn run(
    state: &AppState,
    request: PriorArtRequest,
    search: impl FnOnce(&Engine, &PriorArtRequest) -> Result<PriorArtResults, EngineError>
        + Send
        + 'static,
) -> Result<Json<PriorArtResponse>, ApiError> {
    let engine = state.engine();
    let results = state
        .read(Lane::Heavy, move |cancel| {
            let request = PriorArtRequest {
                cancel: cancel.clone(),
                ..request
            };
            Ok(search(&engine, &request)?)
        })
        .await?;
    Ok(Json(results.into()))
}
