//! Operations: liveness, readiness, metrics and the OpenAPI document.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

use crate::api::{HealthResponse, ReadyResponse};
use crate::state::AppState;

/// Liveness: the process answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "The server is alive", body = HealthResponse)),
)]
pub async fn healthz() -> Json<HealthResponse> {
    Json(HealthResponse {
        status: "ok".into(),
    })
}

/// Readiness: the index is open, the model loaded when the index has
/// vectors, and the server is not shutting down.
///
/// Whether the index is complete (every document in the keyword and the
/// vector index, once) is reported beside, not as readiness: an incomplete
/// index (one the start-up repair could not mend, see `AppState::open`)
/// answers every request, keyword search in full, and no restart or wait
/// changes it, so a 503 would take a working server out of rotation for
/// good rather than for a moment. `complete: false` is for alerting.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve every request (`complete` says whether every document has its vectors)", body = ReadyResponse),
        (status = 503, description = "Not ready (shutting down, or the model is missing)", body = ReadyResponse),
    ),
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<ReadyResponse>) {
    let engine = state.engine();
    let readiness = state.readiness();
    let check = engine.index_check();
    let response = ReadyResponse {
        status: if readiness.is_ok() {
            "ready"
        } else {
            "not_ready"
        }
        .into(),
        reason: readiness.as_ref().err().cloned(),
        documents: engine.num_docs(),
        vectors: engine.num_vectors().map(|(_, v)| v as u64),
        model: engine.embedder().map(|e| e.model_id().to_string()),
        writes: state.writes_enabled(),
        complete: check.is_complete(),
        documents_without_vectors: check.missing_vectors.len() as u64,
        incomplete: (!check.is_complete()).then(|| check.summary()),
    };
    let status = if readiness.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(response))
}

/// Metrics in the Prometheus text format: requests by route, method and
/// status, a latency histogram by route, requests in flight, index size.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain; version=0.0.4", body = String)),
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let text = state.metrics().render(state.index_gauges());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document of this server", content_type = "application/json", body = Object)),
)]
pub async fn openapi_json(Extension(doc): Extension<Arc<String>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        doc.as_str().to_owned(),
    )
        .into_response()
}
