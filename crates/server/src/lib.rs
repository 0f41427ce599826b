//! The patsearch HTTP server.
//!
//! Serves one index directory through the engine (`patsearch-engine`):
//!
//! - the JSON API under `/v1`: `POST /v1/search`, `GET /v1/export` (a
//!   search's hits as CSV, RIS or JSON Lines), `GET /v1/patents/{number}`,
//!   `GET /v1/patents/{number}/similar`, `GET /v1/patents/{number}/summary`
//!   (grounded summaries), `POST /v1/prior-art` and
//!   `GET /v1/patents/{number}/prior-art` (prior art with claim charts), and
//!   behind the API key
//!   `POST /v1/documents` and `DELETE /v1/patents/{number}`;
//! - operations: `/healthz`, `/readyz`, `/metrics` (Prometheus text),
//!   `/openapi.json` (generated from the handlers with utoipa);
//! - the web page at `/` (and `/patent/{number}`, `/prior-art`), embedded in
//!   the binary.
//!
//! Every error is `{"error": {"code", "message"}}` with a stable code
//! ([`ErrorCode`]). Engine work (searching, embedding, writing) runs in
//! `spawn_blocking`, never on the async workers. Writes publish a new
//! engine atomically, so a search sees the index before or after a write,
//! never half of it (see [`state`]).
//!
//! Not for: indexing logic, ranking or query parsing (the engine's), or
//! command-line parsing (the `patsearch` binary's `serve` subcommand).

mod api;
mod auth;
pub mod config;
mod cpc_titles;
mod error;
mod export;
mod extract;
mod listen;
mod metrics;
mod ops;
mod patents;
mod prior_art;
mod search;
pub mod state;
mod summary;
mod web;
mod work;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{Method, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

pub use config::{Config, ConfigError, Settings};
pub use error::{kind_status, wire_code, ApiError, ErrorBody, ErrorCode};
pub use export::{rows_of, ExportEncoder, ExportFormat, ExportRow, CSV_COLUMNS};
pub use state::{AppState, StartError};
pub use work::PoolLimits;

/// How long a shutdown waits for requests in flight before giving up.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

#[derive(OpenApi)]
#[openapi(
    info(
        title = "patsearch",
        description = "Self-hostable semantic patent search: keyword (BM25), semantic (sentence embeddings) and hybrid search over one index directory. Every error is `{\"error\": {\"code\", \"message\"}}` with a stable code (see the `ErrorCode` schema)."
    ),
    tags(
        (name = "search", description = "Keyword, semantic and hybrid search; prior-art search"),
        (name = "patents", description = "Records, similar patents, summaries and a patent's prior art"),
        (name = "write", description = "Adding, replacing and deleting records (API key)"),
        (name = "operations", description = "Health, readiness, metrics, this document"),
        (name = "web", description = "The web page"),
    ),
    components(schemas(ErrorBody, ErrorCode)),
    modifiers(&SecuritySchemes),
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
        );
    }
}

/// The application and its OpenAPI document. Every route is registered
/// through utoipa's router, from the handler's `#[utoipa::path]`, so the
/// document cannot miss one (a test checks both ways).
pub fn app_with_openapi(state: AppState) -> (Router, OpenApiDoc) {
    let config = state.config().clone();
    let read = |route: UtoipaMethodRouter<AppState>| {
        let (schemas, paths, method_router) = route;
        let method_router = method_router
            .layer(DefaultBodyLimit::max(config.max_search_body_bytes))
            .layer(middleware::from_fn_with_state(
                state.clone(),
                auth::require_read_key,
            ))
            .layer(middleware::from_fn_with_state(
                config.request_timeout,
                timeout,
            ));
        (schemas, paths, method_router)
    };
    let write = |route: UtoipaMethodRouter<AppState>| {
        let (schemas, paths, method_router) = route;
        let method_router = method_router
            .layer(DefaultBodyLimit::max(config.max_body_bytes))
            .layer(middleware::from_fn_with_state(
                state.clone(),
                auth::require_write_key,
            ))
            .layer(middleware::from_fn_with_state(
                config.write_timeout,
                timeout,
            ));
        (schemas, paths, method_router)
    };
    let open = |route: UtoipaMethodRouter<AppState>| {
        let (schemas, paths, method_router) = route;
        let method_router = method_router
            .layer(DefaultBodyLimit::max(config.max_search_body_bytes))
            .layer(middleware::from_fn_with_state(
                config.request_timeout,
                timeout,
            ));
        (schemas, paths, method_router)
    };
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(read(routes!(search::search)))
        .routes(read(routes!(export::export)))
        .routes(read(routes!(patents::get_patent)))
        .routes(read(routes!(search::similar)))
        .routes(read(routes!(summary::summary)))
        .routes(read(routes!(prior_art::prior_art)))
        .routes(read(routes!(prior_art::prior_art_of)))
        .routes(write(routes!(patents::upsert_documents)))
        .routes(write(routes!(patents::delete_patent)))
        .routes(open(routes!(ops::healthz)))
        .routes(open(routes!(ops::readyz)))
        .routes(open(routes!(ops::metrics)))
        .routes(open(routes!(ops::openapi_json)))
        .routes(open(routes!(web::index)))
        .routes(open(routes!(web::patent_page)))
        .routes(open(routes!(web::prior_art_page)))
        .routes(open(routes!(web::app_js)))
        .routes(open(routes!(web::app_css)))
        .split_for_parts();
    let doc_json = Arc::new(doc.to_pretty_json().unwrap_or_else(|_| "{}".to_string()));
    let router = router
        .route_layer(middleware::from_fn(label_route))
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(Extension(doc_json))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state);
    (router, doc)
}

/// The application: every route, its middleware and its state.
pub fn app(state: AppState) -> Router {
    app_with_openapi(state).0
}

/// Runs the server until `shutdown` completes: opens the index (and model),
/// listens on `config.addr`, prints `patsearch: listening on http://ADDR`
/// on stdout once it accepts requests, and on shutdown stops accepting and
/// lets requests in flight finish (for at most 30 s).
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let addr = config.addr.clone();
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: addr.clone(),
            source,
        })?;
    let started = Instant::now();
    let state = tokio::task::spawn_blocking(move || AppState::open(config))
        .await
        .map_err(|e| StartError::Join(e.to_string()))??;
    let local = listener.local_addr()?;
    let engine = state.engine();
    eprintln!(
        "patsearch: serving {} ({} documents{}{}; writes {}; opened in {:.1} s)",
        state.config().index.display(),
        engine.num_docs(),
        match engine.num_vectors() {
            Some((_, vectors)) => format!(", {vectors} vectors"),
            None => ", keyword only".to_string(),
        },
        match engine.embedder() {
            Some(e) => format!(", model {}", e.model_id()),
            None => String::new(),
        },
        if state.writes_enabled() {
            "enabled (API key set)"
        } else {
            "disabled (no API key)"
        },
        started.elapsed().as_secs_f64(),
    );
    drop(engine);
    println!("patsearch: listening on http://{local}");
    {
        use std::io::Write;
        let _ = std::io::stdout().flush();
    }
    listen::serve(listener, state, shutdown).await?;
    eprintln!("patsearch: stopped");
    Ok(())
}

/// Runs the server on its own tokio runtime until Ctrl-C or SIGTERM.
pub fn serve(config: Config) -> Result<(), StartError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // The handlers are installed before the index opens: a signal that
    // arrives while the server starts, or right after it answers its first
    // request, then shuts it down gracefully instead of killing it.
    let shutdown = {
        let _runtime = runtime.enter();
        shutdown_signal()?
    };
    runtime.block_on(run(config, shutdown))
}

/// Installs the Ctrl-C (SIGINT) and SIGTERM handlers at once (within a tokio
/// runtime) and returns what completes when either signal arrives.
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }
}

/// Runs CPU-bound engine work on tokio's blocking pool.
pub(crate) async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(&e))?
}

/// Answers with `timeout` when the request takes longer than `limit`.
/// Dropping the request's future cancels the token of its engine work (see
/// [`work`]), which stops at its next check; a write, which is not
/// cancellable, still commits.
async fn timeout(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            ErrorCode::Timeout,
            format!(
                "the request took longer than the server's limit of {} ms",
                limit.as_millis()
            ),
        )
        .into_response(),
    }
}

/// The route template a response answered, for the metrics.
#[derive(Debug, Clone)]
struct RouteLabel(String);

async fn label_route(matched: Option<MatchedPath>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if let Some(path) = matched {
        response
            .extensions_mut()
            .insert(RouteLabel(path.as_str().to_string()));
    }
    response
}

/// Decrements the in-flight gauge however a request ends (a dropped
/// connection included).
struct InFlight<'a>(&'a metrics::Metrics, bool);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if !self.1 {
            self.0
                .request_finished(metrics::UNMATCHED, "aborted", 499, Duration::ZERO);
        }
    }
}

async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = match *request.method() {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    };
    let started = Instant::now();
    let metrics = state.metrics();
    metrics.request_started();
    let mut guard = InFlight(metrics, false);
    let response = next.run(request).await;
    let route = response
        .extensions()
        .get::<RouteLabel>()
        .map_or(metrics::UNMATCHED, |r| r.0.as_str());
    metrics.request_finished(route, method, response.status().as_u16(), started.elapsed());
    guard.1 = true;
    response
}

async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("no route for {method} {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!("{} does not accept {method}", uri.path()),
    )
}

#[cfg(test)]
mod tests;
