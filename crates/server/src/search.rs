//! `POST /v1/search` and `GET /v1/patents/{publication_number}/similar`.

use axum::extract::State;
use axum::Json;
use patsearch_engine::{SearchMode, SearchRequest};
use patsearch_record::Filters;

use crate::api::{
    HitBody, SearchBody, SearchResponse, SimilarParams, SimilarResponse, DEFAULT_LIMIT,
};
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::patents::parse_number;
use crate::state::AppState;
use crate::work::Lane;

/// Search the index: keyword (BM25 over the query language), semantic
/// (the query's embedding against each patent's passages) or hybrid (both,
/// fused), with structured filters and paging.
#[utoipa::path(
    post,
    path = "/v1/search",
    tag = "search",
    request_body = SearchBody,
    responses(
        (status = 200, description = "A page of hits", body = SearchResponse),
        (status = 400, description = "`bad_request`, `invalid_query` (with `position`), `invalid_filter`, `limit_too_large`, `offset_too_large`, `query_too_long`, `semantic_unavailable`, `invalid_json`", body = ErrorBody),
        (status = 401, description = "`unauthorized` (when reads need the API key)", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 422, description = "`unknown_field`, `invalid_body`", body = ErrorBody),
        (status = 429, description = "`overloaded`: the server's queue is full; retry after `Retry-After` seconds", body = ErrorBody),
        (status = 503, description = "`timeout`, `model_unavailable`, `index_unavailable`", body = ErrorBody),
    ),
    security((), ("bearer" = []), ("api_key" = [])),
)]
pub async fn search(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SearchBody>,
) -> Result<Json<SearchResponse>, ApiError> {
    let config = state.config();
    check_query_length(&body.query, config.max_query_chars)?;
    let limit = body.limit.unwrap_or(DEFAULT_LIMIT.min(config.max_limit));
    check_limit(limit, config.max_limit)?;
    if body.offset > config.max_offset {
        return Err(ApiError::new(
            ErrorCode::OffsetTooLarge,
            format!(
                "offset {} is above the maximum of {}",
                body.offset, config.max_offset
            ),
        ));
    }
    let fusion = body.fusion.unwrap_or_default().to_fusion()?;
    let engine = state.engine();
    let mode = body
        .mode
        .map_or_else(|| default_mode(&engine), SearchMode::from);
    let offset = body.offset;
    // Settings the request does not name keep the engine's defaults.
    let mut request = SearchRequest::new(body.query, mode);
    request.filters = Filters::from(body.filters);
    request.limit = limit;
    request.offset = offset;
    request.fusion = fusion;
    request.snippets = body.highlight;
    request.facets = body.facets;
    request.collapse = body.collapse;
    request.detect_language = body.detect_language;
    let lane = search_lane(&request);
    let results = state
        .read(lane, move |cancel| {
            request.cancel = cancel.clone();
            Ok(engine.search(&request)?)
        })
        .await?;
    let mut response = SearchResponse::from_results(results, offset, limit);
    if let Some(facets) = &mut response.facets {
        let titles = state.cpc_titles();
        for subclass in &mut facets.cpc_subclass {
            subclass.title = titles.get(&subclass.value).map(str::to_string);
        }
    }
    Ok(Json(response))
}

pub(crate) fn check_query_length(query: &str, max_chars: usize) -> Result<(), ApiError> {
    let chars = query.chars().count();
    if chars > max_chars {
        return Err(ApiError::new(
            ErrorCode::QueryTooLong,
            format!("the query has {chars} characters; the server accepts at most {max_chars}"),
        ));
    }
    Ok(())
}

/// The mode of a search that names none: hybrid when the index has
/// vectors, else keyword.
pub(crate) fn default_mode(engine: &patsearch_engine::Engine) -> SearchMode {
    if engine.has_vectors() {
        SearchMode::Hybrid
    } else {
        SearchMode::Keyword
    }
}

pub(crate) fn check_limit(limit: usize, max: usize) -> Result<(), ApiError> {
    if limit > max {
        return Err(ApiError::new(
            ErrorCode::LimitTooLarge,
            format!("limit {limit} is above the maximum of {max}"),
        ));
    }
    Ok(())
}

/// The patents nearest to one of the index (by its title-and-abstract
/// vector), itself excluded.
#[utoipa::path(
    get,
    path = "/v1/patents/{publication_number}/similar",
    tag = "patents",
    params(
        ("publication_number" = String, Path, description = "A publication number (`US8752472`, `US8752472B2`)"),
        SimilarParams,
    ),
    responses(
        (status = 200, description = "Nearest neighbours, best first", body = SimilarResponse),
        (status = 400, description = "`bad_request`, `limit_too_large`, `semantic_unavailable`", body = ErrorBody),
        (status = 401, description = "`unauthorized` (when reads need the API key)", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 422, description = "`unknown_field`", body = ErrorBody),
        (status = 429, description = "`overloaded`: the server's queue is full; retry after `Retry-After` seconds", body = ErrorBody),
        (status = 503, description = "`timeout`, `index_unavailable`", body = ErrorBody),
    ),
    security((), ("bearer" = []), ("api_key" = [])),
)]
pub async fn similar(
    State(state): State<AppState>,
    ApiPath(number): ApiPath<String>,
    ApiQuery(params): ApiQuery<SimilarParams>,
) -> Result<Json<SimilarResponse>, ApiError> {
    let number = parse_number(&number)?;
    let limit = params
        .limit
        .unwrap_or(DEFAULT_LIMIT.min(state.config().max_limit));
    check_limit(limit, state.config().max_limit)?;
    let engine = state.engine();
    let response = state
        .read(Lane::Light, move |_cancel| {
            let Some(record) = engine.get(&number)? else {
                return Err(ApiError::not_found(format!("{number} is not in the index")));
            };
            let results = engine.similar(&record.publication_number, limit, &Filters::default())?;
            Ok(SimilarResponse {
                publication_number: record.publication_number.to_string(),
                took_ms: results.took.as_secs_f64() * 1e3,
                hits: results.hits.into_iter().map(HitBody::from).collect(),
            })
        })
        .await?;
    Ok(Json(response))
}

/// Searches whose keyword side expands term patterns (wildcards) can cost
/// far more than the rest, and their cost is the client's to choose: they
/// run in the heavy lane. Semantic search ignores the query syntax.
pub(crate) fn search_lane(request: &SearchRequest) -> Lane {
    let patterns = request.mode != SearchMode::Semantic && request.query.contains(['*', '?']);
    if patterns {
        Lane::Heavy
    } else {
        Lane::Light
    }
}
