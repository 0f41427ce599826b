//! Extractors that reject in the API's error shape: a JSON body, a query
//! string and a path parameter. axum's own `Json`, `Query` and `Path`
//! answer malformed input with plain text; these map every rejection to an
//! [`ApiError`] with a stable code (`invalid_json`, `unknown_field`,
//! `invalid_body`, `payload_too_large`, `unsupported_media_type`,
//! `bad_request`), and name the offending field by its path
//! (`documents[3].titel`).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode};

/// A JSON request body (`Content-Type: application/json`, or none).
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        check_json_content_type(&req)?;
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(bytes_rejection)?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Refuses a body declared as something other than JSON. A request without
/// a content type is read as JSON (`curl --data` users forget it).
pub fn check_json_content_type(req: &Request) -> Result<(), ApiError> {
    let Some(value) = req.headers().get(CONTENT_TYPE) else {
        return Ok(());
    };
    let mime = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json")) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("the body must be JSON (Content-Type: application/json), not {mime:?}"),
        ))
    }
}

/// Maps a failure to read the body: too large, or broken off.
pub fn bytes_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            "the request body is larger than the server accepts",
        )
    } else {
        ApiError::bad_request(format!(
            "cannot read the request body: {}",
            rejection.body_text()
        ))
    }
}

/// Parses a JSON body, mapping serde's errors to codes: syntax errors to
/// `invalid_json`, unknown fields to `unknown_field`, other shape errors
/// to `invalid_body`, each with the path of the field at fault.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        json_error(&inner, &path)
    })?;
    de.end().map_err(|e| json_error(&e, "."))?;
    Ok(value)
}

fn json_error(e: &serde_json::Error, path: &str) -> ApiError {
    use serde_json::error::Category;
    let at = if path == "." || path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    };
    match e.classify() {
        Category::Syntax | Category::Eof => {
            ApiError::new(ErrorCode::InvalidJson, format!("malformed JSON: {e}"))
        }
        Category::Data if e.to_string().starts_with("unknown field") => {
            ApiError::new(ErrorCode::UnknownField, format!("{at}{e}"))
        }
        Category::Data => ApiError::new(ErrorCode::InvalidBody, format!("{at}{e}")),
        Category::Io => ApiError::bad_request(format!("cannot read the request body: {e}")),
    }
}

/// Query-string parameters.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        match Query::<T>::try_from_uri(&parts.uri) {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => {
                let text = rejection.body_text();
                let code = if text.contains("unknown field") {
                    ErrorCode::UnknownField
                } else {
                    ErrorCode::BadRequest
                };
                Err(ApiError::new(code, text))
            }
        }
    }
}

/// A path parameter.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(ApiError::bad_request(rejection.body_text())),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        query: String,
        #[serde(default)]
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        limit: usize,
    }

    #[test]
    fn json_errors_get_their_codes() {
        let code = |s: &str| parse_json::<Body>(s.as_bytes()).unwrap_err().code;
        assert_eq!(code("{\"query\": "), ErrorCode::InvalidJson);
        assert_eq!(code(""), ErrorCode::InvalidJson);
        assert_eq!(code("{\"query\": \"a\"} trailing"), ErrorCode::InvalidJson);
        assert_eq!(
            code("{\"query\": \"a\", \"qeury\": 1}"),
            ErrorCode::UnknownField
        );
        assert_eq!(code("{\"query\": 3}"), ErrorCode::InvalidBody);
        assert_eq!(code("{}"), ErrorCode::InvalidBody);
        let e =
            parse_json::<Body>(br#"{"query": "a", "inner": {"limit": 1, "x": 2}}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::UnknownField);
        assert!(
            e.message.starts_with("inner.x: unknown field `x`"),
            "{}",
            e.message
        );
        assert!(parse_json::<Body>(br#"{"query": "a"}"#).is_ok());
    }
}
