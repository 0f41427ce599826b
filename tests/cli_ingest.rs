//! End-to-end tests of `patsearch ingest`, run as a user would: the real
//! binary over the real files in `../shared/data/patents/`.

use std::path::PathBuf;
use std::process::Command;

use patsearch_record::PatentRecord;

fn patents_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/patents");
    assert!(
        dir.is_dir(),
        "real patent fixtures not found at {}: the shared data folder must sit beside the project root",
        dir.display()
    );
    dir
}

fn patsearch() -> Command {
    Command::new(env!("CARGO_BIN_EXE_patsearch"))
}

#[test]
fn clean_input_dumps_canonical_jsonl_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("out.jsonl");
    let input = patents_dir().join("uspto-patentpublicdata-samples/xml2014");
    let output = patsearch()
        .args(["ingest", "--quiet", "--json", "--dump"])
        .arg(&dump)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["ingested"], 3);
    assert_eq!(summary["skipped"], 0);

    let text = std::fs::read_to_string(&dump).unwrap();
    let records: Vec<PatentRecord> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let numbers: Vec<String> = records
        .iter()
        .map(|r| r.publication_number.to_string())
        .collect();
    // Directory order is name order.
    assert_eq!(numbers, ["US8926509B2", "US8927118B2", "US8930553B2"]);
    assert!(records
        .iter()
        .all(|r| !r.claims.is_empty() && !r.title.is_empty()));

    // The dump reads back in as input.
    let again = patsearch()
        .args(["ingest", "--quiet", "--json"])
        .arg(&dump)
        .output()
        .unwrap();
    assert!(again.status.success());
    let summary: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(summary["ingested"], 3);
}

#[test]
fn skipped_documents_are_named_and_set_the_exit_status() {
    let input = patents_dir().join("uspto-go-uspto-testdata/grant");
    let output = patsearch()
        .args(["ingest", "--quiet"])
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "skips give exit status 2");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let skip_line = stderr
        .lines()
        .find(|l| l.starts_with("skipped: "))
        .expect("a skip report line");
    assert!(skip_line
        .contains("US07057742-20060606.XML document #1 (US7057742B2): not well-formed XML"));
    assert!(skip_line.contains("line 880"), "{skip_line}");
    assert!(stderr.contains("malformed-xml: 1"), "{stderr}");
    assert!(stderr.contains("skipped:    1"), "{stderr}");
}

#[test]
fn missing_input_is_reported_not_fatal() {
    let output = patsearch()
        .args(["ingest", "--quiet", "/nonexistent/patents.xml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/nonexistent/patents.xml"), "{stderr}");
    assert!(stderr.contains("io-error: 1"), "{stderr}");
}

#[test]
fn unwritable_dump_is_a_fatal_error() {
    let input = patents_dir().join("uspto-patentpublicdata-samples/xml2014");
    let output = patsearch()
        .args(["ingest", "--quiet", "--dump", "/nonexistent-dir/out.jsonl"])
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("cannot create /nonexistent-dir/out.jsonl"));
}
