//! The Python example (`examples/python/patsearch_example.py`) run end to
//! end: a small index of real documents (the first 120 patents of the
//! benchmark corpus and four full-text USPTO grants, embedded with the real
//! model, as `tests/http_api.rs` builds it), served by the real binary, and
//! the script run against it with `python3` and `requests`. The test fails,
//! never skips, when either is missing.

mod common;

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use common::{hit_numbers, ingest_corpus_and_grants, root, spawn_server, stderr, stdout};
use serde_json::{json, Value};

const CORPUS_DOCS: usize = 120;
const QUERY: &str = "wireless charging of a mobile device";
/// Hits the script pages through, and so the export's limit.
const PAGED: usize = 30;
const CSV_COLUMNS: [&str; 11] = [
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
    "url",
];

/// Asserts that `python3` runs and imports `requests`, saying how to
/// install them otherwise.
fn require_python_with_requests() {
    const INSTALL: &str = "install it with `apt-get install python3-requests` (as .ci/run does)";
    match Command::new("python3")
        .args(["-c", "import requests"])
        .output()
    {
        Err(e) => panic!("python3 cannot be run ({e}): {INSTALL}"),
        Ok(output) => assert!(
            output.status.success(),
            "python3 has no `requests` module ({}): {INSTALL}",
            stderr(&output).trim()
        ),
    }
}

fn run_example(base: &str, out: &Path) -> Output {
    Command::new("python3")
        .arg(root().join("examples/python/patsearch_example.py"))
        .args(["--base", base, "--out"])
        .arg(out)
        .output()
        .unwrap()
}

fn post_search(base: &str, body: &Value) -> Value {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into();
    agent
        .post(format!("{base}/v1/search"))
        .send_json(body)
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap()
}

#[test]
fn python_example_runs_every_step_against_a_served_index() {
    require_python_with_requests();
    let tmp = tempfile::tempdir().unwrap();
    let (index, records) = ingest_corpus_and_grants(tmp.path(), CORPUS_DOCS);
    let in_index: BTreeSet<&str> = records
        .iter()
        .map(|r| r["publication_number"].as_str().unwrap())
        .collect();
    let server_log = tmp.path().join("server.stderr");
    let (_server, base) = spawn_server(&index, &[], &[], &server_log);
    let out_dir = tmp.path().join("exports");

    let output = run_example(&base, &out_dir);
    let text = stdout(&output);
    assert!(
        output.status.success(),
        "the example failed ({}):\n{text}\nstderr:\n{}\nserver:\n{}",
        output.status,
        stderr(&output),
        std::fs::read_to_string(&server_log).unwrap_or_default()
    );
    for heading in [
        "== 1. Search ==",
        "== 2. Paging ==",
        "== 3. Filters ==",
        "== 4. Grounded summary ==",
        "== 5. Prior-art chart ==",
        "== 6. Export ==",
        "== 7. Errors ==",
    ] {
        assert!(text.contains(heading), "no {heading:?} in:\n{text}");
    }
    // The index has vectors: hybrid search, a query-focused summary and a
    // prior-art chart, with no fallback taken.
    for expected in [
        "results (hybrid,",
        "Facets (over ",
        "seen before",
        "top assignee facet",
        "(method mmr)",
        "elements (split: claim)",
        "(covers ",
        "publication numbers equal the paged search's hits, in order",
        "handled HTTP 400 limit_too_large",
        "handled HTTP 400 invalid_query",
        "\ndone\n",
    ] {
        assert!(text.contains(expected), "no {expected:?} in:\n{text}");
    }
    for unexpected in ["unavailable", "needs semantic", "unexpectedly accepted"] {
        assert!(!text.contains(unexpected), "{unexpected:?} in:\n{text}");
    }

    // The search the script ran, asked here directly: its total, and the
    // hits the paged search and the export should hold.
    let first = post_search(
        &base,
        &json!({"query": QUERY, "mode": "hybrid", "limit": PAGED}),
    );
    let total = first["total"].as_u64().unwrap() as usize;
    assert!(total > 0, "{first}");
    assert!(
        text.contains(&format!("{QUERY:?}: {total} results").replace('"', "'")),
        "the total {total} not printed in:\n{text}"
    );
    let expected = hit_numbers(&first);
    assert_eq!(expected.len(), PAGED.min(total));

    // The CSV: the header, then one row per hit, as the search ranks them.
    let csv_path = out_dir.join("export.csv");
    let mut reader =
        csv::Reader::from_path(&csv_path).unwrap_or_else(|e| panic!("{}: {e}", csv_path.display()));
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, CSV_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(
        rows.len(),
        PAGED.min(total),
        "rows of {}",
        csv_path.display()
    );
    let numbers: Vec<String> = rows.iter().map(|r| r[1].to_string()).collect();
    assert_eq!(numbers, expected, "the CSV's hits differ from the search's");
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[0], (i + 1).to_string(), "rank of {row:?}");
        assert!(
            in_index.contains(&row[1]),
            "{} is not in the index",
            &row[1]
        );
        assert!(!row[2].is_empty(), "a row without a title: {row:?}");
        assert!(row[10].contains(&row[1]), "url of {row:?}");
    }

    // JSON Lines: one object a line, the same hits.
    let jsonl_path = out_dir.join("export.jsonl");
    let jsonl = std::fs::read_to_string(&jsonl_path).unwrap();
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect();
    let jsonl_numbers: Vec<&str> = lines
        .iter()
        .map(|l| l["publication_number"].as_str().unwrap())
        .collect();
    assert_eq!(jsonl_numbers, expected);

    // RIS: one patent entry per hit.
    let ris = std::fs::read_to_string(out_dir.join("export.ris")).unwrap();
    assert_eq!(ris.matches("TY  - PAT").count(), expected.len());

    // A server that is not there: a clear message and a non-zero status.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = run_example(
        &format!("http://127.0.0.1:{port}"),
        &tmp.path().join("none"),
    );
    assert!(!output.status.success(), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("cannot reach patsearch"),
        "{}",
        stderr(&output)
    );
}
