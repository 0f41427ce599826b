//! The web page: one HTML page with its script and style sheet, embedded in
//! the binary (`assets/`), no build step. `/` is the search page,
//! `/patent/{publication_number}` a patent's page (with its summary and key
//! facts) and `/prior-art` the prior-art search; the script tells them apart
//! by the path and talks to the JSON API.

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use crate::extract::ApiPath;

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const APP_CSS: &str = include_str!("../assets/app.css");

/// Headers of every page: the page loads nothing from elsewhere.
const SECURITY_HEADERS: [(header::HeaderName, &str); 3] = [
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
];

fn page() -> Response {
    (SECURITY_HEADERS, Html(INDEX_HTML)).into_response()
}

/// The search page.
#[utoipa::path(
    get,
    path = "/",
    tag = "web",
    responses((status = 200, description = "The search page", content_type = "text/html", body = String)),
)]
pub async fn index() -> Response {
    page()
}

/// A patent's page (summary and key facts, abstract, claims, description,
/// similar patents, prior art).
#[utoipa::path(
    get,
    path = "/patent/{publication_number}",
    tag = "web",
    params(("publication_number" = String, Path, description = "A publication number")),
    responses((status = 200, description = "The patent page (filled in by the script from `/v1/patents/{publication_number}`)", content_type = "text/html", body = String)),
)]
pub async fn patent_page(ApiPath(_number): ApiPath<String>) -> Response {
    page()
}

/// The prior-art search page (a claim or description in, documents with
/// their element-by-element charts out).
#[utoipa::path(
    get,
    path = "/prior-art",
    tag = "web",
    responses((status = 200, description = "The prior-art page (filled in by the script from `POST /v1/prior-art`)", content_type = "text/html", body = String)),
)]
pub async fn prior_art_page() -> Response {
    page()
}

/// The page's script.
#[utoipa::path(
    get,
    path = "/assets/app.js",
    tag = "web",
    responses((status = 200, description = "The page's script", content_type = "text/javascript", body = String)),
)]
pub async fn app_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        APP_JS,
    )
        .into_response()
}

/// The page's style sheet.
#[utoipa::path(
    get,
    path = "/assets/app.css",
    tag = "web",
    responses((status = 200, description = "The page's style sheet", content_type = "text/css", body = String)),
)]
pub async fn app_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        APP_CSS,
    )
        .into_response()
}
