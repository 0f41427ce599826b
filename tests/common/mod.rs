//! Helpers shared by the end-to-end tests that run the `patsearch` binary over
//! real data and the real model: where things are, a clean command, a corpus
//! slice, an index of it with its canonical records, and a running
//! `patsearch serve`.
#![allow(dead_code)] // each test binary uses a part of this

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A command's standard error, as text (for assertions and their messages).
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A command's standard output, as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn model_dir() -> PathBuf {
    let dir = root().join("models/all-MiniLM-L6-v2");
    assert!(
        dir.join("model.safetensors").is_file(),
        "the embedding model is missing at {}: run `bash models/fetch.sh` from the project root",
        dir.display()
    );
    dir
}

pub fn data_dir() -> PathBuf {
    let dir = root().join("../shared/data");
    assert!(
        dir.join("corpus/patents-2013.jsonl.zst").is_file() && dir.join("patents").is_dir(),
        "real patent data not found at {}: the shared data folder (corpus/ and patents/) must sit beside the project root",
        dir.display()
    );
    dir
}

/// Four 2014/2015 full-text grants (claims, CPC, dates).
pub fn full_text_grants() -> Vec<PathBuf> {
    let p = data_dir().join("patents");
    vec![
        p.join("uspto-patentpublicdata-samples/xml2014"),
        p.join("uspto-patent-parsing-tools-pypi/US08927386-20150106.XML"),
    ]
}

/// The binary, with no `PATSEARCH_*` setting inherited from the environment.
pub fn patsearch() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_patsearch"));
    for (name, _) in std::env::vars() {
        if name.starts_with("PATSEARCH_") {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// Writes lines `skip..skip + n` of the benchmark corpus to `path`.
pub fn write_corpus_lines(path: &Path, skip: usize, n: usize) {
    let corpus = data_dir().join("corpus/patents-2013.jsonl.zst");
    let decoder = zstd::stream::read::Decoder::new(std::fs::File::open(corpus).unwrap()).unwrap();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for line in BufReader::new(decoder).lines().skip(skip).take(n) {
        out.write_all(line.unwrap().as_bytes()).unwrap();
        out.write_all(b"\n").unwrap();
    }
    out.flush().unwrap();
}

/// Kills a child process when dropped.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `patsearch serve` on an ephemeral port over `index` with the real
/// model (plus `args` and `env`), its stderr in `stderr_path`; returns the
/// process and the base URL it says it listens on.
/// Reads a JSON-lines file (a `--dump` of canonical records).
pub fn read_json_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Ingests the first `docs` corpus documents and the full-text grants with
/// the real model into `dir/index`; returns the index and the canonical
/// records the ingest dumped, in input order.
pub fn ingest_corpus_and_grants(dir: &Path, docs: usize) -> (PathBuf, Vec<serde_json::Value>) {
    let input = dir.join("corpus.jsonl");
    write_corpus_lines(&input, 0, docs);
    let index = dir.join("index");
    let dump = dir.join("records.jsonl");
    let mut inputs = vec![input];
    inputs.extend(full_text_grants());
    ingest_with_model(&index, &inputs, Some(&dump));
    (index, read_json_lines(&dump))
}

/// `patsearch ingest` of `inputs` into `index` with the real model (and
/// `--dump` when given), asserting that it succeeds.
pub fn ingest_with_model(index: &Path, inputs: &[PathBuf], dump: Option<&Path>) {
    let mut command = patsearch();
    command
        .args(["ingest", "--quiet", "--index"])
        .arg(index)
        .arg("--model")
        .arg(model_dir());
    if let Some(dump) = dump {
        command.arg("--dump").arg(dump);
    }
    let output = command.args(inputs).output().unwrap();
    assert!(output.status.success(), "ingest: {}", stderr(&output));
}

/// The publication numbers of a JSON result's hits, in order.
pub fn hit_numbers(results: &serde_json::Value) -> Vec<String> {
    results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["publication_number"].as_str().unwrap().to_string())
        .collect()
}

pub fn spawn_server(
    index: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    stderr_path: &Path,
) -> (KillOnDrop, String) {
    let mut child = patsearch()
        .args(["serve", "--addr", "127.0.0.1:0", "--index"])
        .arg(index)
        .arg("--model")
        .arg(model_dir())
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(stderr_path).unwrap())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let child = KillOnDrop(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(url) = line.strip_prefix("patsearch: listening on ") {
                let _ = tx.send(url.trim().to_string());
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(base) => (child, base),
        Err(_) => panic!(
            "the server did not say where it listens; stderr:\n{}",
            std::fs::read_to_string(stderr_path).unwrap_or_default()
        ),
    }
}

/// The largest family among canonical records: the publications that name
/// the most-named application (a related document or a priority claim, its
/// number as letters and digits), sorted.
pub fn largest_family(records: &[serde_json::Value]) -> Vec<String> {
    let mut naming: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for record in records {
        let named = record["related_documents"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| &r["document"])
            .chain(record["priority_claims"].as_array().into_iter().flatten());
        for document in named {
            let number: String = document["number"]
                .as_str()
                .unwrap()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            naming
                .entry(number)
                .or_default()
                .insert(record["publication_number"].as_str().unwrap().to_string());
        }
    }
    naming
        .into_values()
        .max_by_key(|members| members.len())
        .map(|members| members.into_iter().collect())
        .unwrap_or_default()
}
