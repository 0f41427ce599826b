//! Router tests without a socket (tower's `oneshot`) over a small
//! keyword-only index built here: the route table against the OpenAPI
//! document, every error code's status and shape, writes and their
//! atomicity. The end-to-end tests of the binary, with the real model and
//! corpus documents, are in the workspace's `tests/http_api.rs`.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use patsearch_engine::{Engine, Indexer, IndexerOptions};
use patsearch_record::{Claim, PatentRecord, PublicationNumber};
use serde_json::{json, Value};
use tower::ServiceExt;

use super::*;

const KEY: &str = "test-key-123";

fn record(number: &str, title: &str, abstract_text: &str) -> PatentRecord {
    let mut r = PatentRecord::new(number.parse::<PublicationNumber>().unwrap());
    r.title = title.to_string();
    r.abstract_text = abstract_text.to_string();
    r.claims = vec![
        Claim {
            number: 1,
            text: format!("A device for {title}."),
            depends_on: vec![],
        },
        Claim {
            number: 2,
            text: "The device of claim 1, made of steel.".into(),
            depends_on: vec![1],
        },
    ];
    r.publication_date = chrono::NaiveDate::from_ymd_opt(2013, 5, 7);
    let cpc = if title.contains("charging") {
        "H02J7/00"
    } else {
        "F41A21/36"
    };
    r.cpc = vec![patsearch_record::Classification {
        code: cpc.into(),
        main: Some(true),
    }];
    r
}

fn build_index(dir: &Path) -> Engine {
    let mut indexer = Indexer::open_or_create(dir, IndexerOptions::default()).unwrap();
    for r in [
        record(
            "US1000001B2",
            "Wireless charging pad",
            "A pad charges a phone by induction.",
        ),
        record(
            "US1000002B2",
            "Rifle recoil reducer",
            "A spring absorbs the kick of a rifle.",
        ),
        record(
            "US1000003B2",
            "Battery charging circuit",
            "A circuit charges a battery quickly.",
        ),
    ] {
        indexer.upsert(r).unwrap();
    }
    indexer.finish().unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    state: AppState,
    router: Router,
    doc: OpenApiDoc,
}

fn fixture(api_key: Option<&str>, require_key_for_reads: bool) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("idx");
    let engine = build_index(&index);
    let config = Settings {
        index: Some(index),
        api_key: api_key.map(str::to_string),
        require_key_for_reads: Some(require_key_for_reads),
        ..Settings::default()
    }
    .resolve()
    .unwrap();
    let state = AppState::from_engine(config, engine);
    let (router, doc) = app_with_openapi(state.clone());
    Fixture {
        _dir: dir,
        state,
        router,
        doc,
    }
}

struct Reply {
    status: StatusCode,
    body: Value,
    text: String,
}

async fn call(router: &Router, request: Request<Body>) -> Reply {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Reply {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

fn post(uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap()
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
    assert_eq!(reply.body["error"]["code"], code, "{}", reply.text);
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        reply.text
    );
}

/// Every (method, path) of the OpenAPI document.
fn documented(doc: &OpenApiDoc) -> BTreeSet<(String, String)> {
    let value = serde_json::to_value(doc).unwrap();
    let mut routes = BTreeSet::new();
    for (path, item) in value["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch", "head", "options"]
                .contains(&method.as_str())
            {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

/// Whether the router has a route for the request (whatever it answers).
async fn routed(router: &Router, method: &str, path: &str) -> bool {
    let uri = path.replace("{publication_number}", "US1000001B2");
    let request = Request::builder()
        .method(method)
        .uri(&uri)
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let reply = call(router, request).await;
    let unrouted = reply.status == StatusCode::METHOD_NOT_ALLOWED
        || (reply.status == StatusCode::NOT_FOUND
            && reply.body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .starts_with("no route"));
    !unrouted
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_route_is_served() {
    // A deployment without a key, so DELETE answers `writes_disabled`
    // rather than deleting.
    let f = fixture(None, false);
    let doc_routes = documented(&f.doc);
    // What the server serves: the API contract of issue 6, the web page.
    let served: BTreeSet<(String, String)> = [
        ("POST", "/v1/search"),
        ("GET", "/v1/export"),
        ("GET", "/v1/patents/{publication_number}"),
        ("DELETE", "/v1/patents/{publication_number}"),
        ("GET", "/v1/patents/{publication_number}/similar"),
        ("GET", "/v1/patents/{publication_number}/summary"),
        ("GET", "/v1/patents/{publication_number}/prior-art"),
        ("POST", "/v1/prior-art"),
        ("POST", "/v1/documents"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/metrics"),
        ("GET", "/openapi.json"),
        ("GET", "/"),
        ("GET", "/patent/{publication_number}"),
        ("GET", "/prior-art"),
        ("GET", "/assets/app.js"),
        ("GET", "/assets/app.css"),
    ]
    .iter()
    .map(|(m, p)| (m.to_string(), p.to_string()))
    .collect();
    assert_eq!(
        doc_routes, served,
        "the OpenAPI document and the route table differ"
    );
    // Each documented route reaches a handler ...
    for (method, path) in &doc_routes {
        assert!(
            routed(&f.router, method, path).await,
            "{method} {path} is documented but not routed"
        );
    }
    // ... and what is not documented reaches none.
    for (method, path) in [
        ("GET", "/v1/search"),
        ("PUT", "/v1/documents"),
        ("GET", "/v1/nothing"),
        ("POST", "/healthz"),
        ("GET", "/v2/search"),
    ] {
        assert!(
            !routed(&f.router, method, path).await,
            "{method} {path} is routed but not documented"
        );
    }
    // The document served is the one generated.
    let reply = call(&f.router, get("/openapi.json")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, serde_json::to_value(&f.doc).unwrap());
    assert!(reply.body["components"]["schemas"]["ErrorCode"].is_object());
}

#[tokio::test]
async fn cpc_facets_carry_the_titles_the_server_was_given() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("idx");
    let engine = build_index(&index);
    let titles = dir.path().join("titles.tsv");
    std::fs::write(
        &titles,
        "H02J\tCircuit arrangements for supplying electric power\n",
    )
    .unwrap();
    let config = Settings {
        index: Some(index),
        cpc_titles: Some(titles),
        ..Settings::default()
    }
    .resolve()
    .unwrap();
    let router = app(AppState::from_engine(config, engine));
    let reply = call(
        &router,
        post(
            "/v1/search",
            r#"{"query": "charging OR recoil", "facets": true}"#,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let cpc = reply.body["facets"]["cpc_subclass"].as_array().unwrap();
    assert_eq!(cpc[0]["value"], "H02J");
    assert_eq!(cpc[0]["count"], 2);
    assert_eq!(
        cpc[0]["title"],
        "Circuit arrangements for supplying electric power"
    );
    // A subclass without a title has none.
    assert_eq!(cpc[1]["value"], "F41A");
    assert!(cpc[1].get("title").is_none(), "{}", cpc[1]);
    // A server told to read titles that are not there does not start.
    let config = Settings {
        index: Some(dir.path().join("idx")),
        cpc_titles: Some(dir.path().join("missing")),
        ..Settings::default()
    }
    .resolve()
    .unwrap();
    let error = AppState::open(config).unwrap_err();
    assert!(error.to_string().contains("missing"), "{error}");
}

#[tokio::test]
async fn keyword_search_get_and_paging() {
    let f = fixture(None, false);
    // Without vectors, the default mode is keyword.
    let reply = call(
        &f.router,
        post(
            "/v1/search",
            r#"{"query": "charging", "limit": 1, "facets": true}"#,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["mode"], "keyword");
    assert_eq!(reply.body["total"], 2);
    let hits = reply.body["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 1);
    assert!(hits[0]["keyword"]["rank"].is_number());
    assert!(hits[0]["semantic"].is_null());
    assert!(reply.body["facets"].is_object());
    let first = hits[0]["publication_number"].as_str().unwrap().to_string();
    let page2 = call(
        &f.router,
        post(
            "/v1/search",
            r#"{"query": "charging", "limit": 1, "offset": 1}"#,
        ),
    )
    .await;
    let second = page2.body["hits"][0]["publication_number"]
        .as_str()
        .unwrap();
    assert_ne!(first, second);
    assert_eq!(page2.body["hits"][0]["rank"], 2);

    let reply = call(&f.router, get("/v1/patents/US1000002B2")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["title"], "Rifle recoil reducer");
    assert_eq!(reply.body["claims"][1]["depends_on"], json!([1]));
    // Without kind too.
    let reply = call(&f.router, get("/v1/patents/US1000002")).await;
    assert_eq!(reply.body["publication_number"], "US1000002B2");
    assert_error(
        &call(&f.router, get("/v1/patents/US9999999B2")).await,
        404,
        "not_found",
    );
    assert_error(
        &call(&f.router, get("/v1/patents/not-a-number")).await,
        400,
        "bad_request",
    );
    // A keyword-only index has no semantic side.
    assert_error(
        &call(
            &f.router,
            post("/v1/search", r#"{"query": "charging", "mode": "semantic"}"#),
        )
        .await,
        400,
        "semantic_unavailable",
    );
    assert_error(
        &call(&f.router, get("/v1/patents/US1000002B2/similar")).await,
        400,
        "semantic_unavailable",
    );
}

#[tokio::test]
async fn bad_requests_get_their_codes() {
    let f = fixture(None, false);
    let r = &f.router;
    assert_error(
        &call(r, post("/v1/search", "{\"query\": ")).await,
        400,
        "invalid_json",
    );
    assert_error(
        &call(r, post("/v1/search", r#"{"query": "a", "limt": 5}"#)).await,
        422,
        "unknown_field",
    );
    assert_error(
        &call(
            r,
            post(
                "/v1/search",
                r#"{"query": "a", "filters": {"cpcs": ["H02J"]}}"#,
            ),
        )
        .await,
        422,
        "unknown_field",
    );
    assert_error(
        &call(r, post("/v1/search", r#"{"query": 5}"#)).await,
        422,
        "invalid_body",
    );
    assert_error(
        &call(r, post("/v1/search", r#"{"query": "a", "limit": 101}"#)).await,
        400,
        "limit_too_large",
    );
    assert_error(
        &call(r, post("/v1/search", r#"{"query": "a", "offset": 5000}"#)).await,
        400,
        "offset_too_large",
    );
    let long = json!({ "query": "a ".repeat(1500) }).to_string();
    assert_error(
        &call(r, post("/v1/search", long)).await,
        400,
        "query_too_long",
    );
    let reply = call(
        r,
        post(
            "/v1/search",
            r#"{"query": "battery AND (charg*", "mode": "keyword"}"#,
        ),
    )
    .await;
    assert_error(&reply, 400, "invalid_query");
    assert_eq!(reply.body["error"]["position"], 12);
    assert_error(
        &call(
            r,
            post(
                "/v1/search",
                r#"{"query": "a", "fusion": {"method": "rrf", "keyword_weight": -1}}"#,
            ),
        )
        .await,
        400,
        "bad_request",
    );
    assert_error(
        &call(
            r,
            post(
                "/v1/search",
                r#"{"query": "a", "filters": {"filed": {"from": "2013-13-01"}}}"#,
            ),
        )
        .await,
        422,
        "invalid_body",
    );
    let huge = json!({ "query": "a", "filters": { "cpc": vec!["H02J"; 20_000] } }).to_string();
    assert_error(
        &call(r, post("/v1/search", huge)).await,
        413,
        "payload_too_large",
    );
    let form = Request::post("/v1/search")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("query=a"))
        .unwrap();
    assert_error(&call(r, form).await, 415, "unsupported_media_type");
    assert_error(
        &call(r, get("/v1/patents/US1000001B2/similar?limit=5&foo=1")).await,
        422,
        "unknown_field",
    );
    assert_error(&call(r, get("/v1/nothing")).await, 404, "not_found");
    assert_error(&call(r, get("/v1/search")).await, 405, "method_not_allowed");
    // Without a key configured, writes are disabled, key or no key.
    let write = Request::delete("/v1/patents/US1000001B2")
        .header("authorization", format!("Bearer {KEY}"))
        .body(Body::empty())
        .unwrap();
    assert_error(&call(r, write).await, 403, "writes_disabled");
    assert_error(
        &call(r, post("/v1/documents", "[]")).await,
        403,
        "writes_disabled",
    );
}

#[tokio::test]
async fn writes_need_the_key_and_are_visible_at_once() {
    let f = fixture(Some(KEY), false);
    let r = &f.router;
    let doc = json!({"documents": [{
        "publication_number": "US1000009B2",
        "country": "US",
        "title": "Zeppelin mooring mast",
        "abstract": "A mast moors an airship."
    }]})
    .to_string();
    let unauthenticated = post("/v1/documents", doc.clone());
    assert_error(&call(r, unauthenticated).await, 401, "unauthorized");
    let mut wrong = post("/v1/documents", doc.clone());
    wrong
        .headers_mut()
        .insert("x-api-key", "wrong-key".parse().unwrap());
    assert_error(&call(r, wrong).await, 401, "unauthorized");
    let mut good = post("/v1/documents", doc);
    good.headers_mut()
        .insert("authorization", format!("Bearer {KEY}").parse().unwrap());
    let reply = call(r, good).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["upserted"], 1);
    assert_eq!(reply.body["documents"], 4);
    let hits = call(r, post("/v1/search", r#"{"query": "zeppelin"}"#)).await;
    assert_eq!(hits.body["hits"][0]["publication_number"], "US1000009B2");

    // A bad record anywhere refuses the whole request, naming it.
    let mut bad = post(
        "/v1/documents",
        r#"[{"publication_number": "US1000010B2", "country": "US"}, {"publication_number": "US1000011B2", "country": "US", "titel": "x"}]"#,
    );
    bad.headers_mut().insert("x-api-key", KEY.parse().unwrap());
    let reply = call(r, bad).await;
    assert_error(&reply, 422, "unknown_field");
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("[1]"),
        "{}",
        reply.text
    );
    assert_error(
        &call(r, get("/v1/patents/US1000010B2")).await,
        404,
        "not_found",
    );

    let mut delete = Request::delete("/v1/patents/US1000009")
        .body(Body::empty())
        .unwrap();
    delete
        .headers_mut()
        .insert("x-api-key", KEY.parse().unwrap());
    let reply = call(r, delete).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["documents"], 3);
    assert_error(
        &call(r, get("/v1/patents/US1000009B2")).await,
        404,
        "not_found",
    );
    let mut again = Request::delete("/v1/patents/US1000009B2")
        .body(Body::empty())
        .unwrap();
    again
        .headers_mut()
        .insert("x-api-key", KEY.parse().unwrap());
    assert_error(&call(r, again).await, 404, "not_found");

    // Reads stay open without require_key_for_reads.
    assert_eq!(
        call(r, get("/v1/patents/US1000001B2")).await.status,
        StatusCode::OK
    );
    let text = call(r, get("/metrics")).await.text;
    assert!(text.contains(
        "patsearch_http_requests_total{route=\"/v1/documents\",method=\"POST\",status=\"401\"} 2"
    ), "{text}");
    assert!(text.contains("patsearch_index_documents 3"), "{text}");
}

#[tokio::test]
async fn reads_can_require_the_key() {
    let f = fixture(Some(KEY), true);
    let r = &f.router;
    assert_error(
        &call(r, get("/v1/patents/US1000001B2")).await,
        401,
        "unauthorized",
    );
    assert_error(
        &call(r, post("/v1/search", r#"{"query": "charging"}"#)).await,
        401,
        "unauthorized",
    );
    let mut with_key = post("/v1/search", r#"{"query": "charging"}"#);
    with_key
        .headers_mut()
        .insert("x-api-key", KEY.parse().unwrap());
    assert_eq!(call(r, with_key).await.status, StatusCode::OK);
    // Operations and the page stay open.
    assert_eq!(call(r, get("/healthz")).await.status, StatusCode::OK);
    assert_eq!(call(r, get("/readyz")).await.status, StatusCode::OK);
    assert_eq!(call(r, get("/")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn readiness_reports_the_index_and_shutdown() {
    let f = fixture(None, false);
    let reply = call(&f.router, get("/readyz")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["status"], "ready");
    assert_eq!(reply.body["documents"], 3);
    assert_eq!(reply.body["vectors"], Value::Null);
    assert_eq!(reply.body["writes"], false);
    f.state.start_draining();
    let reply = call(&f.router, get("/readyz")).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.body["status"], "not_ready");
    assert_eq!(
        call(&f.router, get("/healthz")).await.status,
        StatusCode::OK
    );
}

/// Searches running while documents are rewritten see each document whole:
/// its title and abstract always from the same version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_during_writes_see_whole_versions() {
    let f = Arc::new(fixture(Some(KEY), false));
    let writer = {
        let f = f.clone();
        tokio::spawn(async move {
            for version in 1..=6 {
                let body = json!([{
                    "publication_number": "US1000020B2",
                    "country": "US",
                    "title": format!("Quokka feeder version{version}"),
                    "abstract": format!("A quokka feeder, revision{version}.")
                }])
                .to_string();
                let mut request = post("/v1/documents", body);
                request
                    .headers_mut()
                    .insert("x-api-key", KEY.parse().unwrap());
                let reply = call(&f.router, request).await;
                assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            }
        })
    };
    let mut seen = BTreeSet::new();
    while !writer.is_finished() {
        let reply = call(&f.router, post("/v1/search", r#"{"query": "quokka"}"#)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let hits = reply.body["hits"].as_array().unwrap();
        assert!(hits.len() <= 1, "{}", reply.text);
        if let Some(hit) = hits.first() {
            let title = hit["title"].as_str().unwrap();
            let version = title.rsplit("version").next().unwrap().to_string();
            seen.insert(version.clone());
            let snippet = hit["snippet"]["text"].as_str().unwrap_or_default();
            if snippet.contains("revision") {
                assert!(
                    snippet.contains(&format!("revision{version}")),
                    "{title} / {snippet}"
                );
            }
        }
        tokio::task::yield_now().await;
    }
    writer.await.unwrap();
    let reply = call(&f.router, get("/v1/patents/US1000020B2")).await;
    assert_eq!(reply.body["title"], "Quokka feeder version6");
    assert!(!seen.is_empty() || f.state.engine().num_docs() == 4);
}

/// Summaries on an index without a model: the lead sentences, verbatim,
/// each with its source; the key facts beside them.
#[tokio::test]
async fn summaries_without_a_model_are_lead_sentences_with_sources() {
    let f = fixture(None, false);
    let r = &f.router;
    let reply = call(r, get("/v1/patents/US1000001/summary?sentences=3")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = &reply.body;
    assert_eq!(body["publication_number"], "US1000001B2");
    assert_eq!(body["method"], "lead");
    let sentences = body["sentences"].as_array().unwrap();
    assert_eq!(sentences.len(), 2, "{}", reply.text);
    assert_eq!(sentences[0]["text"], "A pad charges a phone by induction.");
    assert_eq!(sentences[0]["section"], "abstract");
    assert_eq!(sentences[0]["paragraph"], "abstract");
    assert_eq!(sentences[0]["range"], json!([0, 35]));
    assert!(sentences[0]["relevance"].is_null());
    assert_eq!(sentences[1]["section"], "claims");
    assert_eq!(sentences[1]["paragraph"], "1");
    assert_eq!(sentences[1]["text"], "A device for Wireless charging pad.");
    let facts = &body["key_facts"];
    assert_eq!(facts["first_claim"]["number"], 1);
    assert!(facts["problem"].is_null() && facts["solution"].is_null());
    assert_eq!(
        facts["cpc"],
        json!(["H02J7/00"]),
        "the record's CPC symbols"
    );
    assert!(body["took_ms"].is_number());

    // A query needs the model, which an index without vectors has not.
    assert_error(
        &call(r, get("/v1/patents/US1000001/summary?query=coil")).await,
        400,
        "bad_request",
    );
    assert_error(
        &call(r, get("/v1/patents/US1000001/summary?sentences=0")).await,
        400,
        "bad_request",
    );
    assert_error(
        &call(r, get("/v1/patents/US1000001/summary?sentences=51")).await,
        400,
        "limit_too_large",
    );
    assert_error(
        &call(r, get("/v1/patents/US1000001/summary?n=3")).await,
        422,
        "unknown_field",
    );
    let long = format!("/v1/patents/US1000001/summary?query={}", "a".repeat(2001));
    assert_error(&call(r, get(&long)).await, 400, "query_too_long");
    assert_error(
        &call(r, get("/v1/patents/US9999999/summary")).await,
        404,
        "not_found",
    );
    assert_error(
        &call(r, get("/v1/patents/nope/summary")).await,
        400,
        "bad_request",
    );
}

/// Prior-art requests are checked before any search; an index without
/// vectors cannot answer them.
#[tokio::test]
async fn prior_art_requests_are_checked() {
    let f = fixture(None, false);
    let r = &f.router;
    let claim = r#"{"text": "A pad comprising: a coil under the surface; and a driver energising the coil."}"#;
    assert_error(
        &call(r, post("/v1/prior-art", claim)).await,
        400,
        "semantic_unavailable",
    );
    assert_error(
        &call(r, get("/v1/patents/US1000001/prior-art")).await,
        400,
        "semantic_unavailable",
    );
    assert_error(
        &call(r, post("/v1/prior-art", r#"{"text": "  "}"#)).await,
        400,
        "bad_request",
    );
    assert_error(
        &call(
            r,
            post(
                "/v1/prior-art",
                r#"{"text": "a coil", "befor": "2013-01-01"}"#,
            ),
        )
        .await,
        422,
        "unknown_field",
    );
    assert_error(
        &call(
            r,
            post(
                "/v1/prior-art",
                r#"{"text": "a coil", "before": "2013-02-30"}"#,
            ),
        )
        .await,
        422,
        "invalid_body",
    );
    assert_error(
        &call(
            r,
            post(
                "/v1/prior-art",
                r#"{"text": "a coil", "date_field": "granted"}"#,
            ),
        )
        .await,
        422,
        "invalid_body",
    );
    assert_error(
        &call(
            r,
            post("/v1/prior-art", r#"{"text": "a coil", "limit": 101}"#),
        )
        .await,
        400,
        "limit_too_large",
    );
    let long = json!({ "text": "coil ".repeat(4001) }).to_string();
    assert_error(
        &call(r, post("/v1/prior-art", long)).await,
        400,
        "query_too_long",
    );
    assert_error(
        &call(r, get("/v1/patents/US1000001/prior-art?limit=500")).await,
        400,
        "limit_too_large",
    );
    assert_error(
        &call(r, get("/v1/patents/US1000001/prior-art?claim=2")).await,
        422,
        "unknown_field",
    );
    // The page is served.
    let reply = call(r, get("/prior-art")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.text.contains("prior-art-view"));
}
