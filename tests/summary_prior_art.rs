//! End-to-end tests of grounded summaries and prior-art search: the
//! `patsearch` binary (`summarize`, `prior-art`) and `patsearch serve`
//! (`/v1/patents/{number}/summary`, `/v1/prior-art`,
//! `/v1/patents/{number}/prior-art`) over an index of real documents (the
//! first 300 patents of the benchmark corpus, filed 2013-01-02 to
//! 2013-01-22, and four full-text grants with claims, CPC and priority
//! claims) embedded with the real model.
//!
//! What they check: summary sentences are verbatim slices of the record at
//! the place they name; a query-focused summary leads with the sentence most
//! similar to the query; real claims are split into their elements; a claim
//! paraphrasing a corpus patent finds it first with most elements charted
//! to the right sentences; the date cut-off leaves out later documents.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use std::time::Duration;

use common::{hit_numbers, ingest_corpus_and_grants, model_dir, patsearch, spawn_server, stderr};
use patsearch_embed::{EmbedOptions, Embedder};
use serde_json::{json, Value};

const CORPUS_DOCS: usize = 300;

/// A claim paraphrasing US9326099 (profiling a concert audience from mobile
/// phones), written for this test in other words than its title and
/// abstract: a preamble and five limitations.
const CONCERT_PATENT: &str = "US9326099";
const CONCERT_CLAIM: &str = "A system for profiling the crowd at a live music show, the system comprising: a server that collects data about the venue where the show takes place; locating the cell phones of people at the show to count how many people are in the crowd; gathering opinions posted by the attendees to judge whether the crowd likes or dislikes the performance; building a demographic profile of the attendees; and measuring how engaged the attendees are during the show.";
/// For each element of `CONCERT_CLAIM`, the word (any case) of what it
/// claims that a sentence disclosing it names: the abstract's sentences do,
/// and so do some of the description's summary sentences, which the chart
/// may quote instead.
const CONCERT_CHART: &[&str] = &[
    "concert profiling",
    "venue",
    "size",
    "sentiment",
    "demographics",
    "engagement",
];
/// US9326099's filing date (the corpus has no priority claims).
const CONCERT_FILED: &str = "2013-01-09";

struct Fixture {
    _tmp: tempfile::TempDir,
    index: PathBuf,
    records: Vec<Value>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let (index, records) = ingest_corpus_and_grants(tmp.path(), CORPUS_DOCS);
        assert_eq!(records.len(), CORPUS_DOCS + 4);
        Fixture {
            _tmp: tmp,
            index,
            records,
        }
    })
}

fn record(number: &str) -> &'static Value {
    fixture()
        .records
        .iter()
        .find(|r| r["publication_number"] == number)
        .unwrap_or_else(|| panic!("{number} is not in the fixture"))
}

fn run(args: &[&str]) -> Output {
    patsearch()
        .args(args)
        .arg("--index")
        .arg(&fixture().index)
        .arg("--model")
        .arg(model_dir())
        .output()
        .unwrap()
}

fn run_json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let output = run(&all);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// `[start, end]` (HTTP) or `{start, end}` (the CLI's JSON).
fn range(v: &Value) -> (usize, usize) {
    let n = |x: &Value| x.as_u64().unwrap() as usize;
    match v {
        Value::Array(a) => (n(&a[0]), n(&a[1])),
        _ => (n(&v["start"]), n(&v["end"])),
    }
}

/// Checks that a quoted sentence is the slice of the record its source
/// names, and that the paragraph label is the record's.
#[track_caller]
fn assert_verbatim(record: &Value, s: &Value) {
    let index = s["index"].as_u64().unwrap() as usize;
    let (source, label) = match s["section"].as_str().unwrap() {
        "abstract" => (record["abstract"].as_str().unwrap(), "abstract".to_string()),
        "description" => {
            let p = &record["description"][index];
            let label = p["number"]
                .as_str()
                .map_or_else(|| (index + 1).to_string(), str::to_string);
            (p["text"].as_str().unwrap(), label)
        }
        "claims" => {
            let c = &record["claims"][index];
            (c["text"].as_str().unwrap(), c["number"].to_string())
        }
        other => panic!("section {other}"),
    };
    let (start, end) = range(&s["range"]);
    assert_eq!(&source[start..end], s["text"].as_str().unwrap(), "{s}");
    assert_eq!(s["paragraph"].as_str().unwrap(), label, "{s}");
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn summaries_quote_the_patent_verbatim_with_their_sources() {
    // A corpus patent with a 53,605-character description.
    let number = "US9424267";
    let r = record(number);
    assert!(r["description"].as_array().unwrap().len() > 50);
    let summary = run_json(&["summarize", number]);
    assert_eq!(summary["publication_number"], number);
    assert_eq!(summary["method"], "invention");
    let sentences = summary["sentences"].as_array().unwrap();
    assert_eq!(sentences.len(), 5);
    assert!(summary["candidates"].as_u64().unwrap() >= 5);
    for s in sentences {
        assert_verbatim(r, s);
        let relevance = s["relevance"].as_f64().unwrap();
        assert!(relevance > 0.0 && relevance <= 1.0, "{s}");
    }
    // Without a query, in reading order.
    let positions: Vec<u64> = sentences
        .iter()
        .map(|s| s["position"].as_u64().unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    // The same request gives the same summary.
    let again = run_json(&["summarize", number]);
    assert_eq!(again["sentences"], summary["sentences"]);
    assert!(
        summary["key_facts"]["first_claim"].is_null(),
        "the corpus has no claims"
    );

    // Key facts, quoted the same way (the corpus has no headings: their
    // sections are found by cue phrases).
    let facts = run_json(&["summarize", "US8799651", "-n", "1"])["key_facts"].clone();
    for fact in ["problem", "solution"] {
        let f = &facts[fact];
        assert_eq!(f["detection"], "cues", "{facts}");
        let sentences = f["sentences"].as_array().unwrap();
        assert!(!sentences.is_empty() && sentences.len() <= 2, "{facts}");
        for s in sentences {
            assert_verbatim(record("US8799651"), s);
        }
    }
    assert!(facts["problem"]["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["text"]
            .as_str()
            .unwrap()
            .contains("problem arises if a virus")));

    // -n and the text output, which labels every sentence with its source.
    let output = run(&["summarize", number, "-n", "3"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    for line in lines {
        assert!(
            line.contains("[abstract, bytes ") || line.contains("[description ¶"),
            "{line}"
        );
    }

    // A full-text grant: claims and classification in the key facts.
    let grant = run_json(&["summarize", "US8927386", "-n", "4"]);
    let r = record("US8927386B2");
    assert_eq!(grant["publication_number"], "US8927386B2");
    for s in grant["sentences"].as_array().unwrap() {
        assert_verbatim(r, s);
    }
    assert_eq!(grant["key_facts"]["first_claim"]["number"], 1);
    assert_eq!(
        grant["key_facts"]["first_claim"]["text"],
        r["claims"][0]["text"]
    );
    assert!(grant["key_facts"]["cpc"]
        .as_array()
        .unwrap()
        .contains(&json!("H01L29/66136")));

    // Unknown patents and bad numbers are the user's to fix.
    let output = run(&["summarize", "US1234567"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("not in the index"));
    let output = run(&["summarize", "nonsense"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

#[test]
fn a_query_focused_summary_leads_with_the_sentence_most_similar_to_the_query() {
    let number = "US8799651";
    let r = record(number);
    let embedder = Embedder::load(&model_dir(), EmbedOptions::default()).unwrap();

    // A paraphrase: the first sentence is the one about viruses (from the
    // background), the most similar of those returned, and the relevance
    // each sentence reports is its cosine with the query.
    let query = "what happens when a virus reaches the stored files";
    let summary = run_json(&["summarize", number, "--query", query, "-n", "4"]);
    assert_eq!(summary["query"], query);
    let sentences = summary["sentences"].as_array().unwrap();
    assert_eq!(sentences.len(), 4);
    let texts: Vec<&str> = sentences
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert!(texts[0].contains("virus"), "{texts:?}");
    let mut all = texts.clone();
    all.push(query);
    let vectors = embedder.embed(&all).unwrap();
    let q = vectors.last().unwrap();
    let cosines: Vec<f32> = vectors[..texts.len()]
        .iter()
        .map(|v| cosine(v, q))
        .collect();
    for (s, c) in sentences.iter().zip(&cosines) {
        assert_verbatim(r, s);
        let reported = s["relevance"].as_f64().unwrap() as f32;
        assert!((reported - c).abs() < 2e-3, "{reported} vs {c}");
    }
    assert!(
        cosines[1..].iter().all(|c| *c <= cosines[0]),
        "{cosines:?}: the first is not the most similar"
    );

    // A sentence deep in the description, asked verbatim, comes first with
    // a cosine of 1: the query reaches beyond the abstract and summary.
    let deep = "Hash functions are designed to be fast and to yield few hash collisions in expected input domains.";
    let summary = run_json(&["summarize", number, "--query", deep]);
    let first = &summary["sentences"][0];
    assert_eq!(first["text"], deep);
    assert_eq!(first["section"], "description");
    assert_eq!(first["index"], 45);
    assert!(first["relevance"].as_f64().unwrap() > 0.999, "{first}");
    assert_verbatim(r, first);
    // Without the query that sentence is not in the summary.
    let plain = run_json(&["summarize", number]);
    assert!(plain["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["text"] != deep));
}

/// Claim 1 of US8927386B2 (uspto-patent-parsing-tools-pypi/US08927386-20150106.XML).
const PN_JUNCTION_ELEMENTS: &[(&str, &str)] = &[
    ("pre", "A method for forming a super PN junction, comprising:"),
    ("a", "a deposition step for forming an epitaxial layer on a substrate"),
    ("b", "a dielectric forming step for forming of a first dielectric layer and a second dielectric layer in sequence on the epitaxial layer"),
    ("c", "a deep trench forming step for forming deep trenches in the epitaxial layer"),
    ("d", "a first filling step before removing the second dielectric layer for completely filling the deep trenches and beyond the second dielectric layer with an epitaxial material"),
    ("e", "a second filling step for forming a surface filling layer with a predetermined thickness by filling an entire surface including the second dielectric layer and the epitaxial material, using a third dielectric"),
    ("f", "wherein the third dielectric is SOG"),
    ("g", "an etching step for etching back the surface filling layer and the epitaxial material to expose an interface of the first dielectric layer and the epitaxial layer on the substrate"),
    ("h", "a removing step for removing the first dielectric layer, the second dielectric layer and the surface filling layer to planarize the epitaxial layer"),
];

fn elements(results: &Value) -> Vec<(String, String)> {
    results["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["label"].as_str().unwrap().to_string(),
                e["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn real_claims_are_split_into_their_elements_and_charted() {
    let r = record("US8927386B2");
    let claim = r["claims"][0]["text"].as_str().unwrap();
    let expected: Vec<(String, String)> = PN_JUNCTION_ELEMENTS
        .iter()
        .map(|(l, t)| (l.to_string(), t.to_string()))
        .collect();

    // The claim searched as text, no cut-off: the patent itself is the
    // best prior art for its own claim, every element charted to one of
    // its independent claims (1, 18 and 19 share most limitations) or its
    // abstract (which lists the same steps) and quoted there, mostly as the
    // very limitation.
    let results = run_json(&["prior-art", "--text", claim, "--limit", "3"]);
    assert_eq!(results["split"], "claim");
    assert_eq!(elements(&results), expected);
    for e in results["elements"].as_array().unwrap() {
        let (start, end) = range(&e["range"]);
        assert_eq!(&claim[start..end], e["text"].as_str().unwrap());
    }
    let first = &results["hits"][0];
    assert_eq!(first["publication_number"], "US8927386B2");
    assert_eq!(first["covered"], PN_JUNCTION_ELEMENTS.len(), "{first}");
    let mut close = 0;
    for (m, (_, text)) in first["mapping"]
        .as_array()
        .unwrap()
        .iter()
        .zip(PN_JUNCTION_ELEMENTS)
    {
        // A claim, the abstract (which repeats the claim's steps), or a
        // chosen description paragraph.
        if let Some(number) = m["passage"]["kind"]["claim"].as_u64() {
            assert!([1, 18, 19].contains(&number), "{m}");
        }
        let source = passage_source(r, &m["passage"]);
        let (start, end) = range(&m["quote"]["range"]);
        assert_eq!(&source[start..end], m["quote"]["text"].as_str().unwrap());
        let similarity = m["quote"]["similarity"].as_f64().unwrap();
        if m["quote"]["text"] == *text {
            assert!(similarity > 0.99, "{m}");
        }
        if similarity >= 0.9 {
            close += 1;
        }
    }
    assert!(
        close >= 7,
        "{close} of 9 elements quoted by a near-identical limitation: {first}"
    );

    // The patent's own prior art: its first independent claim, cut off at
    // its earliest priority date (CN 2011-06-08), itself excluded. Of the
    // index only two grants have earlier dates.
    let own = run_json(&["prior-art", "--patent", "US8927386"]);
    assert_eq!(own["source"]["publication_number"], "US8927386B2");
    assert_eq!(own["source"]["basis"], json!({"claim": 1}));
    assert_eq!(elements(&own), expected);
    assert_eq!(
        own["cutoff"],
        json!({"before": "2011-06-08", "date_field": "priority"})
    );
    let mut found = hit_numbers(&own);
    found.sort();
    assert_eq!(found, ["US8926509B2", "US8927118B2"]);
    for hit in own["hits"].as_array().unwrap() {
        assert!(
            hit["priority_date"].as_str().unwrap() < "2011-06-08",
            "{hit}"
        );
        assert_eq!(hit["mapping"].as_array().unwrap().len(), expected.len());
    }

    // A description of the invention is split into its sentences.
    let description = "A super junction is made in a silicon wafer. Deep trenches are etched and filled with epitaxial silicon. Spin-on glass fills the surface before it is etched back.";
    let results = run_json(&["prior-art", "--text", description]);
    assert_eq!(results["split"], "sentences");
    assert_eq!(results["elements"].as_array().unwrap().len(), 3);
    assert_eq!(results["hits"][0]["publication_number"], "US8927386B2");
}

/// The text a charted passage quotes from: the abstract, a claim or a
/// description paragraph of `record`.
fn passage_source<'r>(record: &'r Value, passage: &Value) -> &'r str {
    // The CLI's JSON writes `{"kind": {"claim": 1}}`, the API's
    // `{"kind": "claim", "number": 1}`.
    let kind = &passage["kind"];
    let (name, number) = match kind.as_str() {
        Some(name) => (name.to_string(), passage["number"].as_u64()),
        None => match kind.as_object().and_then(|o| o.iter().next()) {
            Some((name, number)) => (name.clone(), number.as_u64()),
            None => panic!("not a passage: {passage}"),
        },
    };
    match (name.as_str(), number) {
        ("title_abstract", _) => record["abstract"].as_str().unwrap(),
        ("claim", Some(number)) => record["claims"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["number"] == number)
            .unwrap()["text"]
            .as_str()
            .unwrap(),
        ("description", Some(index)) => record["description"][index as usize]["text"]
            .as_str()
            .unwrap(),
        _ => panic!("not a passage: {passage}"),
    }
}

/// The element of the concert claim that each charted quote discloses.
fn concert_chart_hits(hit: &Value) -> usize {
    let record = record(CONCERT_PATENT);
    hit["mapping"]
        .as_array()
        .unwrap()
        .iter()
        .zip(CONCERT_CHART)
        .filter(|(m, words)| {
            let quote = &m["quote"];
            let (start, end) = range(&quote["range"]);
            let source = passage_source(record, &m["passage"]);
            assert_eq!(&source[start..end], quote["text"].as_str().unwrap());
            quote["text"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains(*words)
        })
        .count()
}

#[test]
fn a_paraphrased_claim_finds_its_patent_first_and_the_cut_off_excludes_later_documents() {
    let results = run_json(&["prior-art", "--text", CONCERT_CLAIM]);
    assert_eq!(results["split"], "claim");
    assert_eq!(results["elements"].as_array().unwrap().len(), 6);
    assert!(results["cutoff"].is_null());
    let hits = results["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 10);
    let first = &hits[0];
    assert_eq!(
        first["publication_number"],
        CONCERT_PATENT,
        "{:?}",
        hit_numbers(&results)
    );
    assert_eq!(first["rank"], 1);
    // Most elements covered, more than by any other document, and most
    // charted to a sentence that discloses them.
    let covered = first["covered"].as_u64().unwrap();
    assert!(covered >= 4, "{first}");
    assert!(hits[1..]
        .iter()
        .all(|h| h["covered"].as_u64().unwrap() <= covered));
    let right = concert_chart_hits(first);
    assert!(
        right >= 4,
        "only {right} of 6 elements charted to the right sentence: {first}"
    );
    // Ranked by coverage first (then by the fusion of mean similarity and
    // BM25, which the response does not carry).
    for pair in hits.windows(2) {
        let covered = |h: &Value| h["covered"].as_u64().unwrap();
        assert!(covered(&pair[0]) >= covered(&pair[1]), "{pair:?}");
    }

    // Before its filing date, it is gone, and so is every later document;
    // the day after, it is back.
    let before = run_json(&[
        "prior-art",
        "--text",
        CONCERT_CLAIM,
        "--before",
        CONCERT_FILED,
    ]);
    assert_eq!(
        before["cutoff"],
        json!({"before": CONCERT_FILED, "date_field": "priority"})
    );
    assert!(!hit_numbers(&before).contains(&CONCERT_PATENT.to_string()));
    assert_eq!(before["hits"].as_array().unwrap().len(), 10);
    for hit in before["hits"].as_array().unwrap() {
        assert!(
            hit["priority_date"].as_str().unwrap() < CONCERT_FILED,
            "{hit}"
        );
    }
    // Only documents filed before it were ranked (the cut-off is applied in
    // the search, not to its results).
    let earlier = fixture()
        .records
        .iter()
        .filter(|r| {
            r["application"]["date"]
                .as_str()
                .is_some_and(|d| d < CONCERT_FILED)
        })
        .count();
    let total = before["total"].as_u64().unwrap() as usize;
    assert!(
        total > 10 && total <= earlier,
        "{total} ranked, {earlier} earlier"
    );
    let after = run_json(&[
        "prior-art",
        "--text",
        CONCERT_CLAIM,
        "--before",
        "2013-01-10",
        "--date-field",
        "filed",
    ]);
    assert_eq!(after["hits"][0]["publication_number"], CONCERT_PATENT);

    // The text output: the elements, and for each hit its chart.
    let output = run(&["prior-art", "--text", CONCERT_CLAIM, "--limit", "2"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Searched 6 claim elements"), "{text}");
    assert!(text.contains(&format!("  1. {CONCERT_PATENT}")), "{text}");
    assert!(text.contains("[pre] "), "{text}");
    assert!(text.contains("title and abstract: \""), "{text}");
    let output = run(&["prior-art", "--patent", "US1234567"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

struct Http {
    base: String,
    agent: ureq::Agent,
    _server: common::KillOnDrop,
    _tmp: tempfile::TempDir,
}

impl Http {
    fn start(index: &Path) -> Http {
        let tmp = tempfile::tempdir().unwrap();
        let (server, base) = spawn_server(index, &[], &[], &tmp.path().join("stderr.log"));
        Http {
            base,
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(120)))
                .build()
                .into(),
            _server: server,
            _tmp: tmp,
        }
    }

    fn get(&self, path: &str) -> (u16, Value) {
        let mut reply = self
            .agent
            .get(format!("{}{path}", self.base))
            .call()
            .unwrap();
        let status = reply.status().as_u16();
        (status, reply.body_mut().read_json().unwrap())
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let mut reply = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .send(body.to_string())
            .unwrap();
        let status = reply.status().as_u16();
        (status, reply.body_mut().read_json().unwrap())
    }
}

#[test]
fn the_http_api_serves_summaries_and_prior_art() {
    let http = Http::start(&fixture().index);

    // A summary with its sources and key facts.
    let (status, summary) = http.get("/v1/patents/US8927386/summary?sentences=3");
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["method"], "invention");
    let r = record("US8927386B2");
    let sentences = summary["sentences"].as_array().unwrap();
    assert_eq!(sentences.len(), 3);
    for s in sentences {
        assert_verbatim(r, s);
    }
    assert_eq!(summary["key_facts"]["first_claim"]["number"], 1);
    assert!(!summary["key_facts"]["cpc"].as_array().unwrap().is_empty());
    let (status, focused) = http.get(
        "/v1/patents/US8799651/summary?query=what%20happens%20when%20a%20virus%20reaches%20the%20stored%20files",
    );
    assert_eq!(status, 200, "{focused}");
    assert!(focused["sentences"][0]["text"]
        .as_str()
        .unwrap()
        .contains("virus"));
    let (status, error) = http.get("/v1/patents/US1234567/summary");
    assert_eq!(
        (status, &error["error"]["code"]),
        (404, &json!("not_found"))
    );

    // Prior art for the paraphrased claim, with a cut-off.
    let (status, results) = http.post("/v1/prior-art", &json!({"text": CONCERT_CLAIM, "limit": 5}));
    assert_eq!(status, 200, "{results}");
    assert_eq!(results["hits"][0]["publication_number"], CONCERT_PATENT);
    assert!(
        concert_chart_hits(&results["hits"][0]) >= 4,
        "{}",
        results["hits"][0]
    );
    assert_eq!(results["hits"].as_array().unwrap().len(), 5);
    let (status, before) = http.post(
        "/v1/prior-art",
        &json!({"text": CONCERT_CLAIM, "before": CONCERT_FILED, "date_field": "filed"}),
    );
    assert_eq!(status, 200, "{before}");
    assert!(before["hits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["filing_date"].as_str().unwrap() < CONCERT_FILED));

    // A patent's own prior art: title and abstract (the corpus has no
    // claims), before its filing date, itself excluded.
    let (status, own) = http.get(&format!("/v1/patents/{CONCERT_PATENT}/prior-art?limit=3"));
    assert_eq!(status, 200, "{own}");
    assert_eq!(own["source"]["basis"]["kind"], "title_abstract");
    assert_eq!(own["split"], "sentences");
    assert_eq!(own["cutoff"]["before"], CONCERT_FILED);
    assert!(own["hits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["priority_date"].as_str().unwrap() < CONCERT_FILED
            && h["publication_number"] != CONCERT_PATENT));
    let (status, error) = http.post("/v1/prior-art", &json!({"text": "a claim", "limit": 1000}));
    assert_eq!(
        (status, &error["error"]["code"]),
        (400, &json!("limit_too_large"))
    );
}

/// The words of `text` as `patsearch eval --task summary` cuts them.
fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

#[test]
fn eval_task_summary_scores_three_systems_on_the_eligible_patents_from_their_own_text() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("summaries.jsonl");
    let output = patsearch()
        .args(["eval", "--task", "summary", "--index"])
        .arg(&fixture().index)
        .arg("--summaries-out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let table = String::from_utf8_lossy(&output.stdout).to_string();
    // The eligible patents, counted here from the records themselves.
    let eligible: Vec<&Value> = fixture()
        .records
        .iter()
        .filter(|r| {
            let description: usize = r["description"].as_array().map_or(0, |d| {
                d.iter().map(|p| p["text"].as_str().unwrap().len()).sum()
            });
            r["abstract"].as_str().unwrap_or("").chars().count() >= 200 && description >= 5_000
        })
        .collect();
    assert!(eligible.len() > 200, "{}", eligible.len());
    assert!(
        table.contains(&format!("patents: {}", eligible.len())),
        "{table}"
    );
    for system in ["lead", "textrank", "patsearch"] {
        let row = table
            .lines()
            .find(|l| l.starts_with(system))
            .unwrap_or_else(|| panic!("no {system} row: {table}"));
        let figures: Vec<f64> = row
            .split_whitespace()
            .skip(1)
            .map(|x| x.parse().unwrap())
            .collect();
        assert_eq!(figures.len(), 3, "{row}");
        assert!(figures.iter().all(|&f| f > 0.0 && f < 100.0), "{row}");
    }
    assert!(table.contains("patsearch - textrank ROUGE-1"), "{table}");
    assert!(table.contains("key facts found"), "{table}");

    // Each summary: at most 3 sentences a line and 100 words, every line a
    // verbatim (possibly cut) piece of the description, never the abstract
    // the summary is judged against.
    let lines = common::read_json_lines(&out);
    assert_eq!(lines.len(), eligible.len());
    for line in &lines {
        let number = line["publication_number"].as_str().unwrap();
        let r = record(number);
        let description: Vec<&str> = r["description"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["text"].as_str().unwrap())
            .collect();
        let systems = line["summaries"].as_array().unwrap();
        assert_eq!(systems.len(), 3);
        for s in systems {
            let text = s["text"].as_str().unwrap();
            assert!(word_count(text) <= 100, "{s}");
            assert!(text.lines().count() <= 3, "{s}");
            for sentence in text.lines() {
                let words: Vec<&str> = sentence.split_whitespace().collect();
                assert!(
                    description.iter().any(|p| {
                        let p: Vec<&str> = p.split_whitespace().collect();
                        p.windows(words.len()).any(|w| w == words.as_slice())
                    }),
                    "{number} {}: {sentence:?} is not in the description",
                    s["system"]
                );
            }
            for measure in ["rouge_1", "rouge_2", "rouge_lsum"] {
                let v = s[measure].as_f64().unwrap();
                assert!((0.0..=1.0).contains(&v), "{s}");
            }
        }
    }

    // The halves split the patents, and the command refuses judgments.
    let half = |h: &str| {
        let output = patsearch()
            .args(["eval", "--task", "summary", "--half", h, "--index"])
            .arg(&fixture().index)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        let text = String::from_utf8_lossy(&output.stdout).to_string();
        text.lines()
            .find_map(|l| l.strip_prefix("patents: "))
            .unwrap()
            .parse::<usize>()
            .unwrap()
    };
    let (a, b) = (half("a"), half("b"));
    assert_eq!(a + b, eligible.len());
    assert!(a > 0 && b > 0);
    let refused = patsearch()
        .args(["eval", "--task", "summary", "--qrels", "q.txt", "--index"])
        .arg(&fixture().index)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("no --qrels"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn search_hits_carry_a_gist_quoted_from_the_patent() {
    let http = Http::start(&fixture().index);
    let (status, results) = http.post(
        "/v1/search",
        &json!({"query": "wireless charging of a mobile device", "mode": "keyword", "limit": 10}),
    );
    assert_eq!(status, 200, "{results}");
    let hits = results["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 10);
    for hit in hits {
        let gist = hit["gist"].as_str().unwrap();
        assert!(!gist.is_empty() && gist.chars().count() <= 300, "{hit}");
        let r = record(hit["publication_number"].as_str().unwrap());
        let quoted = gist.trim_end_matches('…');
        let in_text = r["description"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["text"].as_str().unwrap().contains(quoted))
            || r["abstract"].as_str().unwrap().contains(quoted);
        assert!(
            in_text,
            "{gist:?} is not quoted from {}",
            hit["publication_number"]
        );
    }
}
