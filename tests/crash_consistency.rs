//! Crash consistency of the real binary: `patsearch serve` killed with
//! SIGKILL in the middle of a stream of upserts (new documents, and
//! replacements that switch a number between its kindless and its kinded
//! form), and `patsearch ingest` killed mid-run. After each kill the index
//! directory is opened read-only, before anything could repair it, and
//! compared document by document: no acknowledged write lost, no keyword
//! document without vectors, no vectors without a record, no publication
//! twice.
//!
//! The number of trials is small by default (the test stays under about a
//! minute); `benches/crash-probe.sh` runs many more through
//! `PATSEARCH_CRASH_SERVER_TRIALS` and `PATSEARCH_CRASH_INGEST_TRIALS` and
//! reads the `crash-probe:` lines this prints.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{
    model_dir, patsearch, read_json_lines, spawn_server, stderr, write_corpus_lines, KillOnDrop,
};
use patsearch_engine::{Engine, EngineOptions};
use patsearch_record::PublicationNumber;
use serde_json::{json, Value};

const KEY: &str = "crash-test-key-42";
const BASE_DOCS: usize = 20;

fn trials(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small deterministic generator for kill delays (no dependency).
struct Lcg(u64);

impl Lcg {
    fn next_in(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        lo + (self.0 >> 33) % (hi - lo).max(1)
    }
}

/// Canonical records of corpus lines `skip..skip + n` (`ingest --dump`).
fn records(dir: &Path, skip: usize, n: usize) -> Vec<Value> {
    let input = dir.join(format!("lines-{skip}.jsonl"));
    write_corpus_lines(&input, skip, n);
    let dump = dir.join(format!("records-{skip}.jsonl"));
    let output = patsearch()
        .args(["ingest", "--quiet", "--dump"])
        .arg(&dump)
        .arg(&input)
        .output()
        .unwrap();
    assert!(output.status.success(), "dump: {}", stderr(&output));
    read_json_lines(&dump)
}

fn ingest(index: &Path, input: &Path, commit_every: u64) -> std::process::Command {
    let mut cmd = patsearch();
    cmd.args(["ingest", "--quiet", "--commit-every"])
        .arg(commit_every.to_string())
        .arg("--index")
        .arg(index)
        .arg("--model")
        .arg(model_dir())
        .arg(input);
    cmd
}

/// What a document-by-document comparison of the index found.
#[derive(Debug, Default, Clone, Copy)]
struct Found {
    missing_vectors: usize,
    orphan_vectors: usize,
    duplicates: usize,
}

impl std::ops::AddAssign for Found {
    fn add_assign(&mut self, o: Self) {
        self.missing_vectors += o.missing_vectors;
        self.orphan_vectors += o.orphan_vectors;
        self.duplicates += o.duplicates;
    }
}

/// Opens the index read-only (nothing repaired) and compares both sides.
fn inspect(index: &Path) -> (Engine, Found) {
    let engine = Engine::open(index, EngineOptions::default()).unwrap();
    let check = engine.check().unwrap();
    let numbers = engine.keyword().numbers().unwrap();
    let mut per_base: HashMap<String, usize> = HashMap::new();
    for n in &numbers {
        *per_base.entry(n.base()).or_default() += 1;
    }
    // Two kinds of one number are two publications only when both have a
    // kind (an application and its grant); this test writes none such.
    let duplicates = per_base.values().filter(|&&c| c > 1).count();
    let found = Found {
        missing_vectors: check.missing_vectors.len(),
        orphan_vectors: check.orphan_vectors.len(),
        duplicates,
    };
    (engine, found)
}

/// Whether a kill landed between the two commits of a write: the vector
/// generation current on disk is not the one the keyword commit names
/// (which is the one the engine loaded).
fn staged_at_kill(index: &Path, engine: &Engine) -> bool {
    let Ok(bytes) = std::fs::read(index.join("vectors/meta.json")) else {
        return false;
    };
    let meta: Value = serde_json::from_slice(&bytes).unwrap();
    meta["generation"].as_u64() != engine.vectors().map(|v| v.generation())
}

/// The version a stored record's title carries (`… [v7]`), 0 when none.
fn version_of(title: &str) -> u64 {
    title
        .rsplit_once("[v")
        .and_then(|(_, v)| v.strip_suffix(']'))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[test]
fn kill_9_mid_write_loses_no_acknowledged_write_and_leaves_no_half_document() {
    let server_trials = trials("PATSEARCH_CRASH_SERVER_TRIALS", 4);
    let ingest_trials = trials("PATSEARCH_CRASH_INGEST_TRIALS", 2);
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut rng = Lcg(0x5eed);

    // The served index: the corpus's first documents.
    let base_input = dir.join("base.jsonl");
    write_corpus_lines(&base_input, 0, BASE_DOCS);
    let index = dir.join("index");
    let output = ingest(&index, &base_input, 1000).output().unwrap();
    assert!(output.status.success(), "ingest: {}", stderr(&output));
    let base = records(dir, 0, BASE_DOCS);
    let fresh = records(dir, BASE_DOCS, 400);

    // Per base number: the highest version acknowledged (200) so far.
    let acked: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let mut fresh_next = 0usize;
    let mut version = 0u64;
    let mut found = Found::default();
    let mut lost = 0usize;
    let mut writes_acked = 0usize;
    let mut between_commits = 0usize;
    for trial in 0..server_trials {
        let log = dir.join(format!("serve-{trial}.log"));
        let (child, url) = spawn_server(&index, &[], &[("PATSEARCH_API_KEY", KEY)], &log);
        let stop = Arc::new(AtomicBool::new(false));
        // The writes of this trial, prepared up front: a new document, then
        // a replacement of a base document under its kinded number, then
        // under its kindless number, and so on.
        let mut plan: Vec<(String, Value)> = Vec::new();
        for i in 0..200 {
            version += 1;
            let mut record = if i % 2 == 0 && fresh_next < fresh.len() {
                fresh_next += 1;
                fresh[fresh_next - 1].clone()
            } else {
                let mut r = base[(version as usize) % base.len()].clone();
                let n: PublicationNumber =
                    r["publication_number"].as_str().unwrap().parse().unwrap();
                let kinded = (version / 2).is_multiple_of(2);
                r["publication_number"] = json!(if kinded {
                    format!("{}B2", n.base())
                } else {
                    n.base()
                });
                r
            };
            let title = record["title"].as_str().unwrap_or_default().to_string();
            let base_title = title.rsplit_once(" [v").map_or(title.as_str(), |(t, _)| t);
            record["title"] = json!(format!("{base_title} [v{version}]"));
            let n: PublicationNumber = record["publication_number"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            plan.push((n.base(), record));
        }
        let writer = {
            let (stop, acked, url) = (stop.clone(), acked.clone(), url.clone());
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(30)))
                    .build()
                    .into();
                let mut count = 0usize;
                for (base, record) in plan {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let body = json!({ "documents": [record] }).to_string();
                    let reply = agent
                        .post(format!("{url}/v1/documents"))
                        .header("content-type", "application/json")
                        .header("authorization", format!("Bearer {KEY}"))
                        .send(body.as_str());
                    match reply {
                        Ok(r) if r.status().as_u16() == 200 => {
                            let v = version_of(record["title"].as_str().unwrap());
                            let mut acked = acked.lock().unwrap();
                            let e = acked.entry(base).or_default();
                            *e = (*e).max(v);
                            count += 1;
                        }
                        _ => break,
                    }
                }
                count
            })
        };
        std::thread::sleep(Duration::from_millis(rng.next_in(150, 1500)));
        drop(child); // SIGKILL, whatever the server is doing
        stop.store(true, Ordering::SeqCst);
        writes_acked += writer.join().unwrap();

        let (engine, f) = inspect(&index);
        found += f;
        between_commits += usize::from(staged_at_kill(&index, &engine));
        for (base, &v) in acked.lock().unwrap().iter() {
            let stored = engine.get(&base.parse().unwrap()).unwrap();
            match stored {
                Some(r) if version_of(&r.title) >= v => {}
                other => {
                    lost += 1;
                    eprintln!(
                        "trial {trial}: acknowledged {base} v{v}, stored {:?}",
                        other.map(|r| r.title)
                    );
                }
            }
        }
    }
    println!(
        "crash-probe: serve: {server_trials} kill -9 trials mid-write, {writes_acked} writes acknowledged, {between_commits} kills between the vector and the keyword commit: acknowledged writes lost {lost}, keyword-without-vector {}, vectors-without-keyword {}, duplicates {}",
        found.missing_vectors, found.orphan_vectors, found.duplicates
    );
    assert_eq!(
        (
            lost,
            found.missing_vectors,
            found.orphan_vectors,
            found.duplicates
        ),
        (0, 0, 0, 0),
        "{found:?}"
    );

    // Served again, the index is ready and complete.
    let log = dir.join("serve-last.log");
    let (_child, url) = spawn_server(&index, &[], &[], &log);
    let ready: Value = ureq::get(format!("{url}/readyz"))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(ready["complete"], true, "{ready}");
    assert_eq!(ready["documents_without_vectors"], 0, "{ready}");

    // `patsearch ingest` killed mid-run, committing every few records, then
    // run again to the end (as an operator would).
    let input = dir.join("ingest.jsonl");
    write_corpus_lines(&input, 1000, 60);
    let expected = records(dir, 1000, 60).len();
    let mut found = Found::default();
    let mut lost = 0usize;
    let mut committed_at_kill = Vec::new();
    let mut between_commits = 0usize;
    for trial in 0..ingest_trials {
        let index = dir.join(format!("ingest-{trial}"));
        let child = ingest(&index, &input, 7)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let child = KillOnDrop(child);
        std::thread::sleep(Duration::from_millis(rng.next_in(700, 3000)));
        drop(child);
        if index.join("manifest.json").is_file() && index.join("keyword/meta.json").is_file() {
            let (engine, f) = inspect(&index);
            committed_at_kill.push(engine.num_docs());
            between_commits += usize::from(staged_at_kill(&index, &engine));
            found += f;
        }
        let output = ingest(&index, &input, 7).output().unwrap();
        assert!(output.status.success(), "ingest again: {}", stderr(&output));
        let (engine, f) = inspect(&index);
        found += f;
        lost += expected.saturating_sub(engine.num_docs() as usize);
    }
    println!(
        "crash-probe: ingest: {ingest_trials} kill -9 trials mid-ingest (documents committed at the kill: {committed_at_kill:?}; {between_commits} kills between the two commits): documents lost after re-running {lost}, keyword-without-vector {}, vectors-without-keyword {}, duplicates {}",
        found.missing_vectors, found.orphan_vectors, found.duplicates
    );
    assert_eq!(
        (
            lost,
            found.missing_vectors,
            found.orphan_vectors,
            found.duplicates
        ),
        (0, 0, 0, 0),
        "{found:?}"
    );
    eprintln!("took {:.1} s", started.elapsed().as_secs_f64());
}
