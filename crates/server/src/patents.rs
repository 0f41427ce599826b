//! Records: `GET` and `DELETE /v1/patents/{publication_number}`, and
//! `POST /v1/documents` (add or replace).

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
    ),
    security((), ("bearer" = []), ("api_key" = [])),
)]
pub async fn get_patent(
    State(state): State<AppState>,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<PatentRecord>, ApiError> {
    let number = parse_number(&number)?;
    let engine = state.engine();
    let record = blocking(move || {
        engine
            .get(&number)?
            .ok_or_else(|| ApiError::not_found(format!("{number} is not in the index")))
    })
    .await?;
    Ok(Json(record))
}

/// Adds canonical records to the index, replacing any with the same
/// publication number, embedding them with the index's model, and commits:
/// all of the request or none of it becomes visible, at once.
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
        (status = 503, description = "`timeout` (the write still completes), `model_unavailable`", body = ErrorBody),
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
        documents: engine.num_docs(),
        took_ms: started.elapsed().as_secs_f64() * 1e3,
    }))
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
