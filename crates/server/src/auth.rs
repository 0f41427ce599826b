//! The API key: writes always need it (and are disabled without one
//! configured); reads need it when `require_key_for_reads` is set. The key
//! comes as `Authorization: Bearer KEY` or `X-Api-Key: KEY`.

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The key a request presents, if any.
fn presented_key(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get(axum::http::header::AUTHORIZATION) {
        let value = value.to_str().ok()?.trim();
        let (scheme, key) = value.split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then_some(key.trim());
    }
    headers.get("x-api-key")?.to_str().ok().map(str::trim)
}

fn check_key(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    match presented_key(headers) {
        None => Err(ApiError::new(
            ErrorCode::Unauthorized,
            "this needs the API key: send `Authorization: Bearer KEY` or `X-Api-Key: KEY`",
        )),
        Some(key) if state.key_matches(key) => Ok(()),
        Some(_) => Err(ApiError::new(ErrorCode::Unauthorized, "wrong API key")),
    }
}

/// Middleware of the write endpoints.
pub async fn require_write_key(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !state.writes_enabled() {
        return ApiError::new(
            ErrorCode::WritesDisabled,
            "writes are disabled: the server has no API key configured (set PATSEARCH_API_KEY or `api_key` in the configuration file)",
        )
        .into_response();
    }
    match check_key(&state, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

/// Middleware of the read endpoints of the API.
pub async fn require_read_key(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !state.config().require_key_for_reads {
        return next.run(request).await;
    }
    match check_key(&state, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_from_either_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(presented_key(&headers), None);
        headers.insert("x-api-key", "k1".parse().unwrap());
        assert_eq!(presented_key(&headers), Some("k1"));
        headers.insert("authorization", "bearer k2".parse().unwrap());
        assert_eq!(presented_key(&headers), Some("k2"));
        headers.insert("authorization", "Basic abc".parse().unwrap());
        assert_eq!(presented_key(&headers), None);
    }
}
