//! The one error shape on the wire, `{"error": {"code", "message"}}`, and
//! the one table of codes: each [`ErrorCode`] has its HTTP status and says
//! whether it is the client's to fix or a failure inside.
//!
//! Engine errors are mapped here, once, by their [`ErrorKind`] (the
//! classification the command line's exit statuses come from too): the kind
//! decides the status ([`kind_status`]), the error's own code picks among
//! the wire codes of that status. The matches on kinds have no wildcard arm,
//! so a new kind fails to compile until it gets a status.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use patsearch_engine::EngineError;
use patsearch_keyword::KeywordError;
use patsearch_record::error_kind::{ErrorClass, ErrorKind};
use patsearch_record::Cancelled;
use patsearch_vectors::VectorError;
use serde::Serialize;
use utoipa::ToSchema;

/// Stable error codes. Clients may match on them; their statuses never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: a parameter is invalid (a bad publication number, fusion
    /// weights, an empty semantic query, ...).
    BadRequest,
    /// 400: the body is not well-formed JSON.
    InvalidJson,
    /// 422: the JSON is well-formed but not of the expected shape (a wrong
    /// type, a missing field).
    InvalidBody,
    /// 422: the body or query string has a field the endpoint does not know.
    UnknownField,
    /// 400: the keyword query does not parse; `position` says where.
    InvalidQuery,
    /// 400: a structured filter is invalid.
    InvalidFilter,
    /// 400: `limit` is above the server's maximum.
    LimitTooLarge,
    /// 400: `offset` is above the server's maximum.
    OffsetTooLarge,
    /// 400: the query is longer than the server accepts.
    QueryTooLong,
    /// 400: semantic or hybrid search (or `similar`) on an index built
    /// without embeddings.
    SemanticUnavailable,
    /// 401: the API key is missing or wrong.
    Unauthorized,
    /// 403: no API key is configured, so the server accepts no writes.
    WritesDisabled,
    /// 404: no such patent, or no such route.
    NotFound,
    /// 405: the route exists, not with this method.
    MethodNotAllowed,
    /// 413: the body is larger than the server accepts.
    PayloadTooLarge,
    /// 414: the request target (path and query string) is longer than the
    /// server accepts.
    UriTooLong,
    /// 415: the body is declared as something other than JSON.
    UnsupportedMediaType,
    /// 431: the request's header fields are larger than the server accepts.
    HeadersTooLarge,
    /// 429: the server's queue for this kind of request is full; the
    /// response's `Retry-After` says when to try again.
    Overloaded,
    /// 503: the request took longer than the server's timeout.
    Timeout,
    /// 503: the embedding model the request needs is not loaded (none, or
    /// another than the index was built with): the operator's to fix; the
    /// message carries a request id the server's log has the details under.
    ModelUnavailable,
    /// 503: the served index cannot do this with the server's settings (an
    /// index of another format, other passages, documents without vectors):
    /// the operator's to fix; the message carries a request id the server's
    /// log has the details under.
    IndexUnavailable,
    /// 503: the server is shutting down.
    ShuttingDown,
    /// 500: something broke inside; the message carries a request id that
    /// the server's log has the details under.
    Internal,
}

impl ErrorCode {
    /// Every code, for documentation and tests.
    pub const ALL: [ErrorCode; 24] = [
        ErrorCode::BadRequest,
        ErrorCode::InvalidJson,
        ErrorCode::InvalidBody,
        ErrorCode::UnknownField,
        ErrorCode::InvalidQuery,
        ErrorCode::InvalidFilter,
        ErrorCode::LimitTooLarge,
        ErrorCode::OffsetTooLarge,
        ErrorCode::QueryTooLong,
        ErrorCode::SemanticUnavailable,
        ErrorCode::Unauthorized,
        ErrorCode::WritesDisabled,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UriTooLong,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::HeadersTooLarge,
        ErrorCode::Overloaded,
        ErrorCode::Timeout,
        ErrorCode::ModelUnavailable,
        ErrorCode::IndexUnavailable,
        ErrorCode::ShuttingDown,
        ErrorCode::Internal,
    ];

    /// The HTTP status of the code.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::BadRequest
            | ErrorCode::InvalidJson
            | ErrorCode::InvalidQuery
            | ErrorCode::InvalidFilter
            | ErrorCode::LimitTooLarge
            | ErrorCode::OffsetTooLarge
            | ErrorCode::QueryTooLong
            | ErrorCode::SemanticUnavailable => StatusCode::BAD_REQUEST,
            ErrorCode::InvalidBody | ErrorCode::UnknownField => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::WritesDisabled => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UriTooLong => StatusCode::URI_TOO_LONG,
            ErrorCode::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Overloaded => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Timeout
            | ErrorCode::ModelUnavailable
            | ErrorCode::IndexUnavailable
            | ErrorCode::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whether the client can fix the request (as opposed to the server
    /// failing or being unable to serve it now).
    pub fn is_user_error(self) -> bool {
        self.status().is_client_error()
    }

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidBody => "invalid_body",
            ErrorCode::UnknownField => "unknown_field",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::InvalidFilter => "invalid_filter",
            ErrorCode::LimitTooLarge => "limit_too_large",
            ErrorCode::OffsetTooLarge => "offset_too_large",
            ErrorCode::QueryTooLong => "query_too_long",
            ErrorCode::SemanticUnavailable => "semantic_unavailable",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::WritesDisabled => "writes_disabled",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UriTooLong => "uri_too_long",
            ErrorCode::HeadersTooLarge => "headers_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::Overloaded => "overloaded",
            ErrorCode::Timeout => "timeout",
            ErrorCode::ModelUnavailable => "model_unavailable",
            ErrorCode::IndexUnavailable => "index_unavailable",
            ErrorCode::ShuttingDown => "shutting_down",
            ErrorCode::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// What went wrong, for a person.
    pub message: String,
    /// `invalid_query`: the character (from 0) where the query goes wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
    /// `internal`, `model_unavailable`, `index_unavailable`: the id the
    /// server's log has the details under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// An error on its way to the client.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub position: Option<usize>,
    pub request_id: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            position: None,
            request_id: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    /// An invalid keyword query, with the character (from 0) where it fails.
    pub fn invalid_query(message: &str, position: usize) -> Self {
        Self {
            position: Some(position),
            ..Self::new(
                ErrorCode::InvalidQuery,
                format!("invalid query: {message} (at character {})", position + 1),
            )
        }
    }

    /// A failure inside: logged with its details under a fresh request id;
    /// the client gets the id and a generic message.
    pub fn internal(error: &dyn std::fmt::Display) -> Self {
        Self::logged(ErrorCode::Internal, "internal error", error)
    }

    /// An error the client cannot fix and should not see the details of
    /// (paths, settings): logged with them under a fresh request id, while
    /// the client gets `summary` and the id.
    fn logged(code: ErrorCode, summary: &str, error: &dyn std::fmt::Display) -> Self {
        let id = request_id();
        tracing::error!(request_id = %id, code = code.as_str(), "{summary}: {error}");
        Self {
            request_id: Some(id.clone()),
            ..Self::new(
                code,
                format!("{summary}; the server log has the details under request id {id}"),
            )
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message.clone(),
                position: self.position,
                request_id: self.request_id.clone(),
            },
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.code.status(), Json(self.body())).into_response();
        if self.code == ErrorCode::Unauthorized {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        // Refused before its body was read: the unread rest of the body
        // would be taken for the next request, so hyper may close the
        // connection after answering, and a client that reused it would
        // see its next request fail without a response. Saying so lets
        // the client open a new one.
        if matches!(
            self.code,
            ErrorCode::Unauthorized
                | ErrorCode::WritesDisabled
                | ErrorCode::PayloadTooLarge
                | ErrorCode::UnsupportedMediaType
        ) {
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        if self.code == ErrorCode::Overloaded {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(crate::work::retry_after().as_secs()),
            );
        }
        response
    }
}

/// A short id, unique within the process and unlikely to repeat across
/// restarts: seconds since the epoch at start-up and a counter.
fn request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    static START: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let start = *START.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    });
    format!("{start:x}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Work stopped by its request's token: at the deadline (the answer is the
/// timeout's), or because the request ended (nobody reads the answer).
impl From<Cancelled> for ApiError {
    fn from(stopped: Cancelled) -> Self {
        match stopped {
            Cancelled::DeadlinePassed | Cancelled::Cancelled => ApiError::new(
                ErrorCode::Timeout,
                format!("the request was stopped before it finished: {stopped}"),
            ),
        }
    }
}

/// The HTTP status of each kind of library error: the one place a kind
/// becomes a status. The operator's mistakes ([`ErrorKind::Misconfigured`])
/// are 503, never 4xx: the client cannot fix them, and the server cannot
/// serve the request until the operator does.
pub fn kind_status(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::InvalidInput | ErrorKind::Unsupported => StatusCode::BAD_REQUEST,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Misconfigured | ErrorKind::Timeout => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The wire code of a library error: its kind decides among codes of the
/// kind's status, its own code ([`ErrorClass::code`]) picks the finer one.
pub fn wire_code(kind: ErrorKind, code: &str) -> ErrorCode {
    match kind {
        ErrorKind::InvalidInput => match code {
            "invalid_query" => ErrorCode::InvalidQuery,
            "invalid_filter" => ErrorCode::InvalidFilter,
            _ => ErrorCode::BadRequest,
        },
        ErrorKind::NotFound => ErrorCode::NotFound,
        ErrorKind::Unsupported => match code {
            "semantic_unavailable" => ErrorCode::SemanticUnavailable,
            _ => ErrorCode::BadRequest,
        },
        ErrorKind::Misconfigured => match code {
            "model_unavailable" | "model_mismatch" | "invalid_model" | "invalid_embed_options" => {
                ErrorCode::ModelUnavailable
            }
            _ => ErrorCode::IndexUnavailable,
        },
        ErrorKind::Timeout => ErrorCode::Timeout,
        ErrorKind::Internal => ErrorCode::Internal,
    }
}

/// The kind picks the code and so the status; the error picks the message.
/// What the client cannot fix is logged, and its details (paths, settings)
/// stay in the log.
impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> Self {
        let code = wire_code(error.kind(), error.code());
        match (code, error) {
            (
                ErrorCode::InvalidQuery,
                EngineError::Keyword(KeywordError::Query(q)),
            ) => ApiError::invalid_query(&q.message, q.position),
            (_, EngineError::InvalidRequest(message)) => ApiError::new(code, message),
            (
                _,
                EngineError::UnknownDocument(number)
                | EngineError::Vectors(VectorError::UnknownDocument(number)),
            ) => ApiError::new(code, format!("{number} is not in the index")),
            (ErrorCode::SemanticUnavailable, _) => semantic_unavailable(),
            (
                _,
                EngineError::Cancelled(stopped)
                | EngineError::Keyword(KeywordError::Cancelled(stopped)),
            ) => stopped.into(),
            (ErrorCode::ModelUnavailable, error) => ApiError::logged(
                code,
                "this needs the embedding model the index was built with, which the server has not loaded",
                &error,
            ),
            (ErrorCode::IndexUnavailable, error) => ApiError::logged(
                code,
                "the served index cannot do this with the server's settings",
                &error,
            ),
            (ErrorCode::Internal, error) => ApiError::internal(&error),
            (code, error) => ApiError::new(code, error.to_string()),
        }
    }
}

fn semantic_unavailable() -> ApiError {
    ApiError::new(
        ErrorCode::SemanticUnavailable,
        "this index was built without embeddings: semantic and hybrid search and similar patents need them; search with \"mode\": \"keyword\"",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_keep_their_statuses() {
        let names: std::collections::HashSet<_> =
            ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        for code in ErrorCode::ALL {
            // The wire name is the serde name.
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::json!(code.as_str())
            );
        }
        let status = |c: ErrorCode| c.status().as_u16();
        assert_eq!(status(ErrorCode::InvalidJson), 400);
        assert_eq!(status(ErrorCode::UnknownField), 422);
        assert_eq!(status(ErrorCode::InvalidQuery), 400);
        assert_eq!(status(ErrorCode::LimitTooLarge), 400);
        assert_eq!(status(ErrorCode::Unauthorized), 401);
        assert_eq!(status(ErrorCode::WritesDisabled), 403);
        assert_eq!(status(ErrorCode::NotFound), 404);
        assert_eq!(status(ErrorCode::PayloadTooLarge), 413);
        assert_eq!(status(ErrorCode::Timeout), 503);
        assert_eq!(status(ErrorCode::Overloaded), 429);
        assert_eq!(status(ErrorCode::UriTooLong), 414);
        assert_eq!(status(ErrorCode::HeadersTooLarge), 431);
        assert_eq!(status(ErrorCode::Internal), 500);
        assert_eq!(status(ErrorCode::ModelUnavailable), 503);
        assert_eq!(status(ErrorCode::IndexUnavailable), 503);
        assert!(!ErrorCode::Internal.is_user_error());
        assert!(ErrorCode::UnknownField.is_user_error());
    }

    #[test]
    fn refusals_before_the_body_is_read_close_the_connection() {
        for code in [ErrorCode::Unauthorized, ErrorCode::PayloadTooLarge] {
            let response = ApiError::new(code, "no").into_response();
            assert_eq!(response.headers()["connection"], "close", "{code}");
        }
        let response = ApiError::new(ErrorCode::NotFound, "no").into_response();
        assert!(response.headers().get("connection").is_none());
    }

    #[test]
    fn internal_errors_hide_their_details() {
        let e = ApiError::internal(&"disk on fire at /secret/path");
        let body = serde_json::to_value(e.body()).unwrap();
        assert_eq!(body["error"]["code"], "internal");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(!message.contains("/secret/path"), "{message}");
        assert!(message.contains(e.request_id.as_deref().unwrap()));
    }

    /// One engine error of each kind the server can meet, with the code it
    /// answers: the status always comes from the kind.
    fn samples() -> Vec<(EngineError, ErrorCode)> {
        let path = std::path::PathBuf::from("/srv/index");
        let number: patsearch_record::PublicationNumber = "US8799651B2".parse().unwrap();
        vec![
            (
                EngineError::Keyword(KeywordError::Query(
                    patsearch_keyword::parse_query("(a", false).unwrap_err(),
                )),
                ErrorCode::InvalidQuery,
            ),
            (
                EngineError::InvalidRequest("weights".into()),
                ErrorCode::BadRequest,
            ),
            (
                EngineError::UnknownDocument(number.clone()),
                ErrorCode::NotFound,
            ),
            (
                EngineError::Vectors(VectorError::UnknownDocument(number)),
                ErrorCode::NotFound,
            ),
            (
                EngineError::NoVectorIndex { path: path.clone() },
                ErrorCode::SemanticUnavailable,
            ),
            (
                EngineError::Vectors(VectorError::NoVectorIndex { path: path.clone() }),
                ErrorCode::SemanticUnavailable,
            ),
            (
                EngineError::Vectors(VectorError::ModelMismatch {
                    path: path.clone(),
                    index_model: "a".into(),
                    index_dimension: 384,
                    model: "b".into(),
                    dimension: 768,
                }),
                ErrorCode::ModelUnavailable,
            ),
            (
                EngineError::NoModel {
                    path: path.clone(),
                    model: "a".into(),
                },
                ErrorCode::ModelUnavailable,
            ),
            (
                EngineError::ModelNeededToIndex {
                    path: path.clone(),
                    model: "a".into(),
                },
                ErrorCode::ModelUnavailable,
            ),
            (
                EngineError::Embed(patsearch_embed::EmbedError::MissingFile { path: path.clone() }),
                ErrorCode::ModelUnavailable,
            ),
            (
                EngineError::DocumentsWithoutVectors {
                    path: path.clone(),
                    documents: 5,
                },
                ErrorCode::IndexUnavailable,
            ),
            (
                EngineError::PassagesMismatch {
                    path: path.clone(),
                    recorded: 3,
                    asked: 4,
                    documents: 5,
                },
                ErrorCode::IndexUnavailable,
            ),
            (
                EngineError::Keyword(KeywordError::SchemaVersion {
                    path: path.clone(),
                    found: 1,
                    expected: 2,
                }),
                ErrorCode::IndexUnavailable,
            ),
            (
                EngineError::Cancelled(Cancelled::DeadlinePassed),
                ErrorCode::Timeout,
            ),
            (
                EngineError::Keyword(KeywordError::Cancelled(Cancelled::Cancelled)),
                ErrorCode::Timeout,
            ),
            (
                EngineError::Vectors(VectorError::Corrupt {
                    path: path.clone(),
                    message: "short".into(),
                }),
                ErrorCode::Internal,
            ),
            (
                EngineError::Keyword(KeywordError::CorruptRecord("bad".into())),
                ErrorCode::Internal,
            ),
        ]
    }

    #[test]
    fn engine_errors_get_the_status_of_their_kind() {
        for (error, expected) in samples() {
            let (kind, what) = (error.kind(), error.to_string());
            let api = ApiError::from(error);
            assert_eq!(api.code, expected, "{what}");
            assert_eq!(api.code.status(), kind_status(kind), "{what}");
            // The operator's mistakes and failures inside are logged, and
            // the client does not see the server's paths.
            assert_eq!(
                api.request_id.is_some(),
                matches!(kind, ErrorKind::Misconfigured | ErrorKind::Internal),
                "{what}"
            );
            assert!(
                !api.message.contains("/srv/index"),
                "{what}: {}",
                api.message
            );
        }
    }

    #[test]
    fn a_model_mismatch_is_the_operators_not_the_clients() {
        let error = EngineError::Vectors(VectorError::ModelMismatch {
            path: "/srv/index".into(),
            index_model: "sentence-transformers/all-MiniLM-L6-v2".into(),
            index_dimension: 384,
            model: "intfloat/multilingual-e5-small".into(),
            dimension: 384,
        });
        assert_eq!(error.kind(), ErrorKind::Misconfigured);
        let api = ApiError::from(error);
        assert_eq!(api.code, ErrorCode::ModelUnavailable);
        assert_eq!(api.code.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(!api.code.is_user_error());
    }

    #[test]
    fn every_wire_code_of_a_kind_has_the_kinds_status() {
        let codes = [
            "invalid_query",
            "invalid_filter",
            "bad_request",
            "not_found",
            "semantic_unavailable",
            "model_unavailable",
            "model_mismatch",
            "invalid_model",
            "invalid_embed_options",
            "index_incompatible",
            "timeout",
            "internal",
        ];
        for kind in ErrorKind::ALL {
            for code in codes {
                assert_eq!(
                    wire_code(kind, code).status(),
                    kind_status(kind),
                    "{kind:?} {code}"
                );
            }
        }
    }

    #[test]
    fn query_errors_carry_their_position() {
        let e: ApiError = EngineError::Keyword(KeywordError::Query(
            patsearch_keyword::parse_query("battery AND (charg*", false).unwrap_err(),
        ))
        .into();
        assert_eq!(e.code, ErrorCode::InvalidQuery);
        assert_eq!(e.position, Some(12));
        assert!(e.message.contains("at character 13"), "{}", e.message);
    }
}
