//! End-to-end tests of `patsearch serve`: the real binary on an ephemeral
//! port over a small index of real documents (the first 120 patents of the
//! benchmark corpus and four full-text USPTO grants, with claims and CPC),
//! embedded with the real model, called over HTTP with a blocking client.
//!
//! The index is built once per test binary; tests that write serve a copy
//! of it. Each test starts its own server (killed when the test ends).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use common::{
    hit_numbers, ingest_corpus_and_grants, largest_family, patsearch, read_json_lines,
    spawn_server, write_corpus_lines, KillOnDrop,
};

use serde_json::{json, Value};

const CORPUS_DOCS: usize = 120;
const KEY: &str = "e2e-secret-key-42";

struct Fixture {
    /// Kept for the life of the test binary.
    _tmp: tempfile::TempDir,
    index: PathBuf,
    /// The canonical records in the index.
    records: Vec<Value>,
    /// Canonical records of corpus documents not in the index.
    extra: Vec<Value>,
}

/// The index, built once per test binary with `patsearch ingest`.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let (index, records) = ingest_corpus_and_grants(tmp.path(), CORPUS_DOCS);
        // Canonical records of three corpus documents beyond the index.
        let extra_input = tmp.path().join("extra.jsonl");
        write_corpus_lines(&extra_input, CORPUS_DOCS, 3);
        let extra_dump = tmp.path().join("extra-records.jsonl");
        let output = patsearch()
            .args(["ingest", "--quiet", "--dump"])
            .arg(&extra_dump)
            .arg(&extra_input)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "dump: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(records.len(), CORPUS_DOCS + 4);
        Fixture {
            index,
            records,
            extra: read_json_lines(&extra_dump),
            _tmp: tmp,
        }
    })
}

/// A copy of the index, for a test that writes.
fn index_copy(tmp: &Path) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else if entry.file_name() != ".tantivy-writer.lock" {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let to = tmp.join("index-copy");
    copy(&fixture().index, &to);
    to
}

/// A running `patsearch serve`, killed when dropped.
struct Server {
    child: KillOnDrop,
    base: String,
    stderr_path: PathBuf,
    _tmp: tempfile::TempDir,
    agent: ureq::Agent,
}

impl Server {
    fn start(index: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let stderr_path = tmp.path().join("stderr.log");
        let (child, base) = spawn_server(index, args, env, &stderr_path);
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        Server {
            child,
            base,
            stderr_path,
            _tmp: tmp,
            agent,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    fn get(&self, path: &str) -> Reply {
        self.get_with(path, &[])
    }

    fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.agent.get(self.url(path));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        Reply::from(request.call().unwrap())
    }

    fn post(&self, path: &str, body: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self
            .agent
            .post(self.url(path))
            .header("content-type", "application/json");
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        Reply::from(request.send(body).unwrap())
    }

    fn delete(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.agent.delete(self.url(path));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        Reply::from(request.call().unwrap())
    }

    fn search(&self, body: Value) -> Value {
        let reply = self.post("/v1/search", &body.to_string(), &[]);
        assert_eq!(reply.status, 200, "search {body}: {}", reply.text);
        reply.json
    }
}

struct Reply {
    status: u16,
    content_type: String,
    text: String,
    json: Value,
}

impl From<ureq::http::Response<ureq::Body>> for Reply {
    fn from(mut response: ureq::http::Response<ureq::Body>) -> Self {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let text = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            content_type,
            text,
            json,
        }
    }
}

fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.json["error"]["code"], code, "{}", reply.text);
    assert!(
        reply.json["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        reply.text
    );
}

#[test]
fn search_in_each_mode_with_filters_and_paging() {
    let f = fixture();
    let server = Server::start(&f.index, &[], &[]);

    // Semantic: a paraphrase finds the patent it describes.
    let semantic = server.search(json!({
        "query": "gauging how full a tank of super-cold fluid is by warming a glass filament and watching it cool",
        "mode": "semantic",
        "limit": 5
    }));
    assert_eq!(semantic["mode"], "semantic");
    assert_eq!(hit_numbers(&semantic)[0], "US9074921", "{semantic}");
    let top = &semantic["hits"][0];
    assert!(top["keyword"].is_null());
    assert!(top["semantic"]["score"].as_f64().unwrap() > 0.3);
    assert_eq!(top["semantic"]["rank"], 1);
    assert!(top["semantic"]["passage"]["label"].is_string());
    assert!(top["semantic"]["passage"]["text"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));

    // Keyword: BM25 with highlighted snippets and facets.
    let keyword = server.search(json!({
        "query": "encrypted file access",
        "mode": "keyword",
        "facets": true
    }));
    assert_eq!(keyword["mode"], "keyword");
    assert_eq!(hit_numbers(&keyword)[0], "US8799651");
    let hit = &keyword["hits"][0];
    assert_eq!(hit["keyword"]["rank"], 1);
    assert!(hit["semantic"].is_null());
    let snippet = &hit["snippet"];
    assert!(
        snippet["html"].as_str().unwrap().contains("<b>"),
        "{snippet}"
    );
    let text = snippet["text"].as_str().unwrap();
    for range in snippet["highlights"].as_array().unwrap() {
        let (a, b) = (
            range[0].as_u64().unwrap() as usize,
            range[1].as_u64().unwrap() as usize,
        );
        let word = text[a..b].to_lowercase();
        assert!(
            ["encrypt", "file", "access"]
                .iter()
                .any(|w| word.starts_with(&w[..4])),
            "highlight {word:?}"
        );
    }
    assert!(keyword["facets"]["assignee"]
        .as_array()
        .is_some_and(|a| !a.is_empty()));
    // Highlighting can be turned off.
    let plain = server
        .search(json!({"query": "encrypted file access", "mode": "keyword", "highlight": false}));
    assert!(plain["hits"][0]["snippet"].is_null());

    // Hybrid is the default: both components where both retrievers found it.
    let hybrid =
        server.search(json!({"query": "encrypted file access by an authorized application"}));
    assert_eq!(hybrid["mode"], "hybrid");
    assert_eq!(hit_numbers(&hybrid)[0], "US8799651");
    assert!(hybrid["hits"][0]["keyword"]["rank"].is_number());
    assert!(hybrid["hits"][0]["semantic"]["rank"].is_number());
    assert!(hybrid["took_ms"].as_f64().is_some());
    // Linear fusion works too.
    let linear = server.search(json!({
        "query": "encrypted file access",
        "fusion": {"method": "linear", "keyword_weight": 2.0, "floor": 0.2}
    }));
    assert_eq!(hit_numbers(&linear)[0], "US8799651");

    // Paging: two pages of 5 are the page of 10, in order, ranks continuing.
    let query = "a method for processing data in a computer network";
    let ten = hit_numbers(&server.search(json!({"query": query, "limit": 10})));
    let first = server.search(json!({"query": query, "limit": 5}));
    let second = server.search(json!({"query": query, "limit": 5, "offset": 5}));
    assert_eq!(ten.len(), 10);
    assert_eq!([hit_numbers(&first), hit_numbers(&second)].concat(), ten);
    assert_eq!(second["hits"][0]["rank"], 6);
    assert_eq!(second["offset"], 5);

    // Filters narrow every mode; keyword and semantic rankings keep their
    // order (hybrid fuses the ranks within the filtered lists).
    let ibm = "International Business Machines";
    for mode in ["keyword", "semantic", "hybrid"] {
        let all = server.search(json!({"query": query, "mode": mode, "limit": 100}));
        let filtered = server.search(json!({
            "query": query, "mode": mode, "limit": 100,
            "filters": {"assignee": [ibm]}
        }));
        let kept = hit_numbers(&filtered);
        assert!(!kept.is_empty(), "{mode}: {filtered}");
        assert!(
            filtered["total"].as_u64() < all["total"].as_u64(),
            "{mode}: the filter did not narrow"
        );
        for n in &kept {
            let record = server.get(&format!("/v1/patents/{n}")).json;
            let assignees = record["assignees"].to_string().to_lowercase();
            assert!(assignees.contains(&ibm.to_lowercase()), "{n}: {assignees}");
        }
        if mode != "hybrid" {
            let unfiltered = hit_numbers(&all);
            let in_both: Vec<&String> = kept.iter().filter(|n| unfiltered.contains(n)).collect();
            let expected: Vec<&String> = unfiltered.iter().filter(|n| kept.contains(n)).collect();
            assert_eq!(in_both, expected, "{mode}: a filter reordered the hits");
        }
    }
    // Dates: the corpus documents were filed between 2013-01-01 and 2013-01-08.
    let early = server.search(json!({
        "query": query, "mode": "keyword", "limit": 100,
        "filters": {"filed": {"from": "2013-01-01", "to": "2013-01-02"}}
    }));
    assert!(early["total"].as_u64().unwrap() > 0);
    for n in hit_numbers(&early) {
        let filed = server.get(&format!("/v1/patents/{n}")).json["application"]["date"].clone();
        assert!(
            filed == "2013-01-01" || filed == "2013-01-02",
            "{n} filed {filed}"
        );
    }
    // CPC: only the full-text grants have classifications.
    let grant = f
        .records
        .iter()
        .find(|r| r["cpc"].as_array().is_some_and(|c| !c.is_empty()))
        .expect("a record with CPC");
    let code = grant["cpc"][0]["code"].as_str().unwrap();
    let subclass: String = code.chars().take(4).collect();
    for mode in ["keyword", "hybrid", "semantic"] {
        let by_cpc = server.search(json!({
            "query": grant["title"], "mode": mode,
            "filters": {"cpc": [subclass]}
        }));
        let hits = hit_numbers(&by_cpc);
        assert!(
            hits.contains(&grant["publication_number"].as_str().unwrap().to_string()),
            "{mode} {subclass}: {by_cpc}"
        );
        assert!(
            hits.len() <= 4,
            "{mode}: only the grants have CPC codes: {hits:?}"
        );
    }
    let none = server.search(json!({"query": query, "filters": {"country": ["EP"]}}));
    assert_eq!(none["total"], 0);
    assert!(none["hits"].as_array().unwrap().is_empty());

    // A query in another script: its language is named, and hybrid ranks
    // it by the semantic side alone, saying so; English keeps both sides.
    let chinese = server.search(json!({"query": "测量低温液体储罐的液位", "mode": "hybrid"}));
    assert_eq!(chinese["language"]["code"], "cmn", "{chinese}");
    assert_eq!(chinese["language"]["keyword_applies"], false);
    assert!(chinese["note"].as_str().unwrap().contains("semantic side"));
    assert!(chinese["hits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["keyword"].is_null()));
    let kept = server.search(json!({"query": "测量低温液体储罐的液位", "detect_language": false}));
    assert!(
        kept["language"].is_null() && kept["note"].is_null(),
        "{kept}"
    );
    let english = server.search(json!({"query": query}));
    assert_eq!(english["language"]["code"], "eng");
    assert!(english["note"].is_null());
    let emoji = server.search(json!({"query": "🔋⚡", "mode": "hybrid"}));
    assert!(
        emoji["language"].is_null() && emoji["hits"].is_array(),
        "{emoji}"
    );
}

#[test]
fn patents_and_similar_ones() {
    let f = fixture();
    let server = Server::start(&f.index, &[], &[]);
    // The full canonical record, as ingested.
    let grant = f
        .records
        .iter()
        .find(|r| r["claims"].as_array().is_some_and(|c| c.len() > 1))
        .expect("a record with claims");
    let number = grant["publication_number"].as_str().unwrap();
    let reply = server.get(&format!("/v1/patents/{number}"));
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.content_type.starts_with("application/json"));
    assert_eq!(&reply.json, grant);
    // Without kind.
    let kind = grant["kind"].as_str().expect("a grant has a kind");
    let base = number.strip_suffix(kind).unwrap();
    let reply = server.get(&format!("/v1/patents/{base}"));
    assert_eq!(
        reply.json["publication_number"], number,
        "{base}: {}",
        reply.text
    );

    let reply = server.get("/v1/patents/US8826599/similar?limit=5");
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["publication_number"], "US8826599");
    let hits = hit_numbers(&reply.json);
    assert_eq!(hits.len(), 5);
    assert!(!hits.contains(&"US8826599".to_string()), "itself: {hits:?}");
    assert_eq!(hits.iter().collect::<BTreeSet<_>>().len(), 5);
    let scores: Vec<f64> = reply.json["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["semantic"]["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let reply = server.get("/v1/patents/US8826599/similar");
    assert_eq!(hit_numbers(&reply.json).len(), 10);

    // A family of the fixture: the corpus patents whose descriptions name
    // one application (read by the ingest from their cross-reference
    // statements). Each lists the others first, saying why.
    let family = largest_family(&f.records);
    assert!(family.len() >= 3, "a family in the fixture: {family:?}");
    let first = family.first().unwrap();
    let reply = server.get(&format!("/v1/patents/{first}/similar?limit=20"));
    assert_eq!(reply.status, 200, "{}", reply.text);
    let hits = reply.json["hits"].as_array().unwrap();
    let related: Vec<&Value> = hits
        .iter()
        .take_while(|h| h.get("related").is_some())
        .collect();
    let related_numbers: BTreeSet<String> = related
        .iter()
        .map(|h| h["publication_number"].as_str().unwrap().to_string())
        .collect();
    let others: BTreeSet<String> = family.iter().filter(|n| *n != first).cloned().collect();
    assert!(
        others.is_subset(&related_numbers),
        "{first}: the family {others:?} first, with why: {}",
        reply.text
    );
    for hit in &related {
        assert!(hit["related"]["hops"].as_u64().unwrap() <= 2, "{hit}");
        assert!(
            !hit["related"]["label"].as_str().unwrap().is_empty(),
            "{hit}"
        );
    }
    let rest = &hits[related.len()..];
    assert!(
        rest.iter().all(|h| h.get("related").is_none()),
        "relatives come first"
    );
    let scores: Vec<f64> = rest
        .iter()
        .map(|h| h["semantic"]["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    assert_error(&server.get("/v1/patents/US1234567B1"), 404, "not_found");
    assert_error(
        &server.get("/v1/patents/US1234567B1/similar"),
        404,
        "not_found",
    );
}

#[test]
fn results_show_a_family_once_unless_asked_for_every_member() {
    let f = fixture();
    let server = Server::start(&f.index, &[], &[]);
    let family = largest_family(&f.records);
    assert!(family.len() >= 3, "a family in the fixture: {family:?}");
    let members: BTreeSet<String> = family.iter().cloned().collect();
    let first = f
        .records
        .iter()
        .find(|r| r["publication_number"] == family[0].as_str())
        .unwrap();
    // The family's own title: every mode finds several members.
    let query = first["title"].as_str().unwrap();
    for mode in ["keyword", "semantic", "hybrid"] {
        let every =
            server.search(json!({"query": query, "mode": mode, "limit": 50, "collapse": false}));
        let shown_every: Vec<String> = hit_numbers(&every)
            .into_iter()
            .filter(|n| members.contains(n))
            .collect();
        assert!(
            shown_every.len() >= 2,
            "{mode}: members uncollapsed: {every}"
        );

        let collapsed = server.search(json!({"query": query, "mode": mode, "limit": 50}));
        let hits = collapsed["hits"].as_array().unwrap();
        let shown: Vec<&Value> = hits
            .iter()
            .filter(|h| members.contains(h["publication_number"].as_str().unwrap()))
            .collect();
        assert_eq!(
            shown.len(),
            1,
            "{mode}: one hit for the family: {collapsed}"
        );
        // The best-ranked member stands for the family, naming the others.
        assert_eq!(shown[0]["publication_number"], shown_every[0].as_str());
        assert!(shown[0]["family_size"].as_u64().unwrap() >= family.len() as u64);
        let named: BTreeSet<String> = shown[0]["family"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect();
        let others: BTreeSet<String> = members
            .iter()
            .filter(|n| **n != shown_every[0])
            .cloned()
            .collect();
        assert!(
            others.is_subset(&named),
            "{mode}: {named:?} names {others:?}"
        );
        assert!(
            collapsed["total"].as_u64() < every["total"].as_u64(),
            "{mode}: the total counts families"
        );
        // Every hit's family is shown once, and a hit alone says so.
        let mut families_seen = BTreeSet::new();
        for hit in hits {
            let mut group: Vec<String> = hit["family"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap().to_string())
                .collect();
            group.push(hit["publication_number"].as_str().unwrap().to_string());
            group.sort();
            assert!(
                hit["family_size"].as_u64().unwrap() as usize >= group.len(),
                "{hit}"
            );
            assert!(
                families_seen.insert(group),
                "{mode}: a family twice: {collapsed}"
            );
        }

        // Paging under collapse: pages of 4 are the page of 12, in order.
        let twelve =
            hit_numbers(&server.search(json!({"query": query, "mode": mode, "limit": 12})));
        let mut paged = Vec::new();
        for offset in [0, 4, 8] {
            let page =
                server.search(json!({"query": query, "mode": mode, "limit": 4, "offset": offset}));
            assert_eq!(page["total"], collapsed["total"], "{mode}");
            paged.extend(hit_numbers(&page));
        }
        assert_eq!(paged, twelve, "{mode}");
    }
    assert_error(
        &server.post("/v1/search", r#"{"query": "x", "collapse": "no"}"#, &[]),
        422,
        "invalid_body",
    );
}

#[test]
fn documents_are_added_and_deleted_with_the_key() {
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let index = index_copy(tmp.path());
    let server = Server::start(&index, &[], &[("PATSEARCH_API_KEY", KEY)]);
    let bearer = format!("Bearer {KEY}");
    let auth = [("authorization", bearer.as_str())];
    let new = &f.extra[0];
    let number = new["publication_number"].as_str().unwrap();
    let title = new["title"].as_str().unwrap();
    assert_error(
        &server.get(&format!("/v1/patents/{number}")),
        404,
        "not_found",
    );

    // No key, a wrong key.
    let body = json!({ "documents": [new] }).to_string();
    assert_error(
        &server.post("/v1/documents", &body, &[]),
        401,
        "unauthorized",
    );
    assert_error(
        &server.post("/v1/documents", &body, &[("x-api-key", "not-the-key")]),
        401,
        "unauthorized",
    );
    assert_error(
        &server.post(
            "/v1/documents",
            &body,
            &[("authorization", "Bearer not-the-key")],
        ),
        401,
        "unauthorized",
    );
    assert_error(
        &server.get(&format!("/v1/patents/{number}")),
        404,
        "not_found",
    );

    // With the key: committed, searchable at once, embedded with the model.
    let reply = server.post("/v1/documents", &body, &auth);
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["upserted"], 1);
    assert_eq!(reply.json["documents"], CORPUS_DOCS + 5);
    let stored = server.get(&format!("/v1/patents/{number}"));
    assert_eq!(stored.status, 200);
    assert_eq!(&stored.json, new);
    let semantic = server.search(json!({"query": title, "mode": "semantic", "limit": 3}));
    assert_eq!(hit_numbers(&semantic)[0], number, "{semantic}");
    let keyword = server.search(json!({"query": format!("title:({title})"), "mode": "keyword"}));
    assert!(hit_numbers(&keyword).contains(&number.to_string()));

    // A bare array, with X-Api-Key; replacing a document keeps one copy.
    let mut changed = new.clone();
    changed["title"] = json!("Quasar-powered marmalade dispenser");
    let others = [changed, f.extra[1].clone()];
    let reply = server.post(
        "/v1/documents",
        &Value::from(others.to_vec()).to_string(),
        &[("x-api-key", KEY)],
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["upserted"], 2);
    assert_eq!(reply.json["documents"], CORPUS_DOCS + 6);
    assert_eq!(
        server.get(&format!("/v1/patents/{number}")).json["title"],
        "Quasar-powered marmalade dispenser"
    );
    let found = server.search(json!({"query": "marmalade quasar", "mode": "keyword"}));
    assert_eq!(hit_numbers(&found), [number]);

    // A bad record refuses the whole request.
    let mut bad = f.extra[2].clone();
    bad["titel"] = json!("typo");
    let reply = server.post(
        "/v1/documents",
        &json!({"documents": [f.extra[2], bad]}).to_string(),
        &auth,
    );
    assert_error(&reply, 422, "unknown_field");
    assert!(reply.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("documents[1]"));
    let third = f.extra[2]["publication_number"].as_str().unwrap();
    assert_error(
        &server.get(&format!("/v1/patents/{third}")),
        404,
        "not_found",
    );

    // Delete: gone from lookups and from both retrievers.
    assert_error(
        &server.delete(&format!("/v1/patents/{number}"), &[]),
        401,
        "unauthorized",
    );
    let reply = server.delete(&format!("/v1/patents/{number}"), &auth);
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["documents"], CORPUS_DOCS + 5);
    assert_error(
        &server.get(&format!("/v1/patents/{number}")),
        404,
        "not_found",
    );
    assert_error(
        &server.get(&format!("/v1/patents/{number}/similar")),
        404,
        "not_found",
    );
    for mode in ["keyword", "semantic", "hybrid"] {
        let results = server
            .search(json!({"query": "marmalade quasar dispenser", "mode": mode, "limit": 100}));
        assert!(
            !hit_numbers(&results).contains(&number.to_string()),
            "{mode}"
        );
    }
    assert_error(
        &server.delete(&format!("/v1/patents/{number}"), &auth),
        404,
        "not_found",
    );
    assert_error(
        &server.delete("/v1/patents/US1234567B1", &auth),
        404,
        "not_found",
    );
}

#[test]
fn bad_inputs_get_the_right_status_and_code() {
    let f = fixture();
    let server = Server::start(&f.index, &[], &[]);
    let post = |body: &str| server.post("/v1/search", body, &[]);
    assert_error(&post("{\"query\": \"battery"), 400, "invalid_json");
    assert_error(&post("not json"), 400, "invalid_json");
    assert_error(
        &post(r#"{"query": "battery", "mdoe": "keyword"}"#),
        422,
        "unknown_field",
    );
    assert_error(
        &post(r#"{"query": "battery", "filters": {"cpc": ["H01M"], "colour": "red"}}"#),
        422,
        "unknown_field",
    );
    assert_error(
        &post(r#"{"query": "battery", "mode": "fuzzy"}"#),
        422,
        "invalid_body",
    );
    assert_error(
        &post(r#"{"query": "battery", "limit": 1000}"#),
        400,
        "limit_too_large",
    );
    assert_error(
        &post(r#"{"query": "battery", "offset": 100000}"#),
        400,
        "offset_too_large",
    );
    let long = json!({"query": "battery ".repeat(400)}).to_string();
    assert_error(&post(&long), 400, "query_too_long");
    let reply =
        post(r#"{"query": "battery AND (charg* OR \"power supply\"~3", "mode": "keyword"}"#);
    assert_error(&reply, 400, "invalid_query");
    assert_eq!(reply.json["error"]["position"], 12, "{}", reply.text);
    assert_error(
        &post(r#"{"query": "title:(wireless", "mode": "hybrid"}"#),
        400,
        "invalid_query",
    );
    // A bad filter value.
    assert_error(
        &post(r#"{"query": "battery", "filters": {"filed": {"from": "2013-02-30"}}}"#),
        422,
        "invalid_body",
    );
    let huge = json!({"query": "battery", "filters": {"assignee": vec!["x"; 20_000]}}).to_string();
    assert_error(&post(&huge), 413, "payload_too_large");
    assert_error(&server.get("/v1/patents/US1234567B1"), 404, "not_found");
    assert_error(
        &server.get("/v1/patents/US8826599/similar?limit=101"),
        400,
        "limit_too_large",
    );
    assert_error(
        &server.get("/v1/patents/US8826599/similar?count=3"),
        422,
        "unknown_field",
    );
    assert_error(&server.get("/v1/nowhere"), 404, "not_found");
    assert_error(&server.get("/v1/search"), 405, "method_not_allowed");
    // No key configured: writes are disabled, whatever is sent.
    assert_error(
        &server.post("/v1/documents", "[]", &[("x-api-key", KEY)]),
        403,
        "writes_disabled",
    );
    assert_error(
        &server.delete("/v1/patents/US8826599", &[("authorization", "Bearer x")]),
        403,
        "writes_disabled",
    );
    assert_eq!(server.get("/v1/patents/US8826599").status, 200);
}

#[test]
fn operations_endpoints_and_the_openapi_document() {
    let f = fixture();
    let server = Server::start(&f.index, &[], &[]);
    let reply = server.get("/healthz");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["status"], "ok");
    let reply = server.get("/readyz");
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["status"], "ready");
    assert_eq!(reply.json["documents"], CORPUS_DOCS + 4);
    assert!(reply.json["vectors"].as_u64().unwrap() >= (CORPUS_DOCS + 4) as u64);
    assert!(reply.json["model"]
        .as_str()
        .unwrap()
        .starts_with("all-MiniLM-L6-v2@"));
    assert_eq!(reply.json["writes"], false);

    server.search(json!({"query": "battery"}));
    server.get("/v1/patents/US1234567B1");
    let reply = server.get("/metrics");
    assert_eq!(reply.status, 200);
    assert!(
        reply.content_type.starts_with("text/plain"),
        "{}",
        reply.content_type
    );
    let text = reply.text;
    for needle in [
        "patsearch_http_requests_total{route=\"/v1/search\",method=\"POST\",status=\"200\"} 1",
        "patsearch_http_requests_total{route=\"/v1/patents/{publication_number}\",method=\"GET\",status=\"404\"} 1",
        "patsearch_http_requests_total{route=\"/readyz\",method=\"GET\",status=\"200\"} 1",
        "patsearch_http_request_duration_seconds_bucket{route=\"/v1/search\",le=\"+Inf\"} 1",
        "# TYPE patsearch_http_request_duration_seconds histogram",
        &format!("patsearch_index_documents {}", CORPUS_DOCS + 4),
    ] {
        assert!(text.contains(needle), "{needle} not in:\n{text}");
    }

    let reply = server.get("/openapi.json");
    assert_eq!(reply.status, 200);
    let doc = reply.json;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths: BTreeSet<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for path in [
        "/v1/search",
        "/v1/patents/{publication_number}",
        "/v1/patents/{publication_number}/similar",
        "/v1/documents",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/",
    ] {
        assert!(paths.contains(path), "{path} missing from {paths:?}");
    }
    assert!(doc["paths"]["/v1/patents/{publication_number}"]["delete"].is_object());
    assert!(doc["components"]["schemas"]["SearchBody"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // Every code the server can answer with, the accept loop's included.
    let codes: BTreeSet<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .expect("ErrorCode is a string enum")
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for code in ["overloaded", "uri_too_long", "headers_too_large", "timeout"] {
        assert!(codes.contains(code), "{code} missing from {codes:?}");
    }
    assert!(doc["paths"]["/v1/search"]["post"]["responses"]["429"].is_object());
}

#[test]
fn the_web_page_is_served_with_its_assets() {
    let f = fixture();
    let server = Server::start(&f.index, &[], &[]);
    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    for id in [
        "id=\"q\"",
        "id=\"mode\"",
        "id=\"search-btn\"",
        "id=\"results\"",
        "id=\"patent-title\"",
        "id=\"claims\"",
    ] {
        assert!(page.text.contains(id), "{id}");
    }
    assert!(
        !page.text.contains("http://") && !page.text.contains("https://"),
        "no external resources"
    );
    let patent = server.get("/patent/US8826599");
    assert_eq!(patent.status, 200);
    assert_eq!(patent.text, page.text);
    let js = server.get("/assets/app.js");
    assert_eq!(js.status, 200);
    assert!(js.content_type.starts_with("text/javascript"));
    assert!(
        !js.text.contains("innerHTML"),
        "the script never parses data as markup"
    );
    let css = server.get("/assets/app.css");
    assert!(css.content_type.starts_with("text/css"));
}

#[test]
fn reads_can_require_the_key_and_settings_layer() {
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("patsearch.toml");
    std::fs::write(
        &config,
        format!(
            "api_key = \"{KEY}\"\nmax_limit = 5\naddr = \"127.0.0.1:1\"\nmax_query_chars = 10\n"
        ),
    )
    .unwrap();
    // The file sets the key, max_limit and an address; the environment
    // overrides max_query_chars; the flags override the address.
    let server = Server::start(
        &f.index,
        &[
            "--config",
            config.to_str().unwrap(),
            "--require-key-for-reads",
        ],
        &[("PATSEARCH_MAX_QUERY_CHARS", "50")],
    );
    let key = [("x-api-key", KEY)];
    assert_error(
        &server.post("/v1/search", r#"{"query": "battery"}"#, &[]),
        401,
        "unauthorized",
    );
    assert_error(
        &server.post(
            "/v1/search",
            r#"{"query": "battery"}"#,
            &[("x-api-key", "nope")],
        ),
        401,
        "unauthorized",
    );
    assert_error(&server.get("/v1/patents/US8826599"), 401, "unauthorized");
    let reply = server.post("/v1/search", r#"{"query": "battery", "limit": 5}"#, &key);
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_error(
        &server.post("/v1/search", r#"{"query": "battery", "limit": 6}"#, &key),
        400,
        "limit_too_large",
    );
    assert_eq!(
        server
            .post(
                "/v1/search",
                r#"{"query": "a battery charger for phones"}"#,
                &key
            )
            .status,
        200
    );
    assert_error(
        &server.post(
            "/v1/search",
            &json!({"query": "b".repeat(51)}).to_string(),
            &key,
        ),
        400,
        "query_too_long",
    );
    assert_eq!(
        server
            .get_with(
                "/v1/patents/US8826599",
                &[("authorization", &format!("bearer {KEY}"))]
            )
            .status,
        200
    );
    assert_eq!(server.get("/healthz").status, 200);
    assert_eq!(server.get("/readyz").json["writes"], true);
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let f = fixture();
    let mut server = Server::start(&f.index, &[], &[]);
    assert_eq!(server.get("/healthz").status, 200);
    let status = Command::new("kill")
        .args(["-TERM", &server.child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = server.child.0.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = exited.expect("the server did not stop within 10 s of SIGTERM");
    assert!(status.success(), "{status}: {}", server.stderr());
    let stderr = server.stderr();
    assert!(
        stderr.contains("shutting down") && stderr.contains("stopped"),
        "{stderr}"
    );
}

#[test]
fn a_missing_model_stops_the_server_with_the_fetch_hint() {
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let output = patsearch()
        .args(["serve", "--addr", "127.0.0.1:0", "--index"])
        .arg(&f.index)
        .arg("--model")
        .arg(tmp.path().join("no-model"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("models/fetch.sh"), "{stderr}");
    let output = patsearch()
        .args(["serve", "--addr", "127.0.0.1:0", "--index"])
        .arg(tmp.path().join("no-index"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}

/// `GET /v1/export`: the hits of the search the same parameters make, in
/// each format, as rows a spreadsheet and a reference manager read; its
/// bounds and bad inputs.
#[test]
fn export_streams_the_searchs_hits_as_csv_ris_and_json_lines() {
    let f = fixture();
    let server = Server::start(&f.index, &[], &[]);
    let by_number: std::collections::HashMap<String, &Value> = f
        .records
        .iter()
        .map(|r| (r["publication_number"].as_str().unwrap().to_string(), r))
        .collect();
    for mode in ["keyword", "semantic", "hybrid"] {
        let query = "wireless charging of a battery";
        let searched = server.search(json!({
            "query": query, "mode": mode, "limit": 30, "filters": {"country": ["US"]}
        }));
        let expected: Vec<String> = hit_numbers(&searched);
        assert!(expected.len() > 5, "{mode}: {searched}");
        let reply = server.get(&format!(
            "/v1/export?query=wireless+charging+of+a+battery&mode={mode}&limit=30&country=US&format=csv"
        ));
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert!(
            reply.content_type.starts_with("text/csv"),
            "{}",
            reply.content_type
        );
        let mut reader = csv::Reader::from_reader(reply.text.as_bytes());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            [
                "rank",
                "publication_number",
                "title",
                "assignees",
                "inventors",
                "filing_date",
                "publication_date",
                "priority_date",
                "cpc",
                "score",
                "url"
            ]
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let numbers: Vec<String> = rows.iter().map(|r| r[1].to_string()).collect();
        assert_eq!(
            numbers, expected,
            "{mode}: the export is the search's ranking"
        );
        for (row, hit) in rows.iter().zip(searched["hits"].as_array().unwrap()) {
            assert_eq!(row[0], hit["rank"].to_string());
            assert_eq!(row[2], *hit["title"].as_str().unwrap());
            let score: f64 = row[9].parse().unwrap();
            assert!(
                (score - hit["score"].as_f64().unwrap()).abs() < 1e-5,
                "{row:?} {hit}"
            );
            let record = by_number[&row[1]];
            let assignees: Vec<&str> = record["assignees"]
                .as_array()
                .map(|a| a.iter().map(|p| p["name"].as_str().unwrap()).collect())
                .unwrap_or_default();
            assert_eq!(row[3], assignees.join("; "));
            assert_eq!(
                row[5],
                *record["application"]["date"].as_str().unwrap_or_default()
            );
            assert_eq!(row[10], server.url(&format!("/patent/{}", &row[1])));
        }
    }
    // JSON Lines and RIS of the same hits.
    let jsonl = server.get("/v1/export?query=battery&mode=keyword&limit=7&format=jsonl");
    assert_eq!(jsonl.status, 200);
    let lines: Vec<Value> = jsonl
        .text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let searched = server.search(json!({"query": "battery", "mode": "keyword", "limit": 7}));
    assert_eq!(
        lines
            .iter()
            .map(|l| l["publication_number"].as_str().unwrap().to_string())
            .collect::<Vec<_>>(),
        hit_numbers(&searched)
    );
    let ris = server.get("/v1/export?query=battery&mode=keyword&limit=7&format=ris");
    assert_eq!(ris.status, 200);
    assert_eq!(ris.text.matches("TY  - PAT\r\n").count(), 7, "{}", ris.text);
    assert_eq!(ris.text.matches("ER  - \r\n").count(), 7);
    for number in hit_numbers(&searched) {
        assert!(
            ris.text.contains(&format!("SN  - {number}\r\n")),
            "{number}"
        );
    }
    // The grants' CPC codes and inventors reach the file.
    let grants = server.get("/v1/export?query=pn:US8927386&mode=keyword&format=jsonl");
    let grant: Value = serde_json::from_str(grants.text.lines().next().unwrap()).unwrap();
    assert!(!grant["cpc"].as_array().unwrap().is_empty(), "{grant}");
    assert!(
        !grant["inventors"].as_array().unwrap().is_empty(),
        "{grant}"
    );
    // No hits: the header alone.
    let none = server.get("/v1/export?query=qqqxyzzyqqq&mode=keyword");
    assert_eq!(none.status, 200);
    assert_eq!(none.text.lines().count(), 1, "{}", none.text);
    // Bounds and bad inputs, answered before any row.
    let over = server.get("/v1/export?query=battery&limit=1001");
    assert_error(&over, 400, "limit_too_large");
    assert!(over.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("1000"));
    let limited = Server::start(&f.index, &[], &[("PATSEARCH_MAX_EXPORT_HITS", "5")]);
    assert_error(
        &limited.get("/v1/export?query=battery&limit=6"),
        400,
        "limit_too_large",
    );
    let capped = limited.get("/v1/export?query=battery&mode=keyword&format=jsonl");
    assert_eq!(
        capped.text.lines().count(),
        5,
        "the maximum is the default limit"
    );
    assert_error(&server.get("/v1/export?format=csv"), 400, "bad_request");
    assert_error(
        &server.get("/v1/export?query=a&format=xls"),
        400,
        "bad_request",
    );
    assert_error(
        &server.get("/v1/export?query=a&filed_from=2013-13-01"),
        400,
        "invalid_filter",
    );
    assert_error(
        &server.get("/v1/export?query=a&page=2"),
        422,
        "unknown_field",
    );
    assert_error(
        &server.get("/v1/export?query=%22unclosed&mode=keyword"),
        400,
        "invalid_query",
    );
}
