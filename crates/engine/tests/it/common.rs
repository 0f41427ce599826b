//! The shared test index: the first documents of the benchmark corpus,
//! embedded with the real model, built once per test binary.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use patsearch_embed::{EmbedOptions, Embedder};
use patsearch_engine::{Engine, Indexer, IndexerOptions};
use patsearch_ingest::DocContext;
use patsearch_record::PatentRecord;

/// Documents in the shared index: the corpus's first lines (filed 1 to 14
/// January 2013), title + abstract only (the corpus has no claims).
pub const DOCS: usize = 200;

pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The embedding model; a test without it fails, saying how to get it.
pub fn model_dir() -> PathBuf {
    let dir = project_root().join("models/all-MiniLM-L6-v2");
    assert!(
        dir.join("model.safetensors").is_file() && dir.join("tokenizer.json").is_file(),
        "the embedding model is missing at {}: run `bash models/fetch.sh` from the project root",
        dir.display()
    );
    dir
}

pub fn embedder() -> Arc<Embedder> {
    static EMBEDDER: OnceLock<Arc<Embedder>> = OnceLock::new();
    EMBEDDER
        .get_or_init(|| {
            Arc::new(Embedder::load(&model_dir(), EmbedOptions::default()).expect("load the model"))
        })
        .clone()
}

/// The first `n` records of the benchmark corpus, parsed by the ingest crate.
pub fn corpus_records(n: usize) -> Vec<PatentRecord> {
    let corpus = project_root().join("../shared/data/corpus/patents-2013.jsonl.zst");
    assert!(
        corpus.is_file(),
        "benchmark corpus not found at {}: the shared data folder must sit beside the project root",
        corpus.display()
    );
    let file = std::fs::File::open(&corpus).unwrap();
    let decoder = zstd::stream::read::Decoder::new(file).unwrap();
    let name = corpus.display().to_string();
    BufReader::new(decoder)
        .lines()
        .take(n)
        .enumerate()
        .map(|(i, line)| {
            let line = line.unwrap();
            patsearch_ingest::parse_json_line(
                line.as_bytes(),
                DocContext {
                    file: &name,
                    ordinal: i as u64 + 1,
                },
            )
            .unwrap_or_else(|e| panic!("corpus line {}: {e}", i + 1))
        })
        .collect()
}

/// Builds an index of `records` with the shared model in `root`.
pub fn build_index(root: &Path, records: &[PatentRecord]) -> (Engine, Duration) {
    let started = Instant::now();
    let mut indexer = Indexer::open_or_create(
        root,
        IndexerOptions {
            embedder: Some(embedder()),
            ..IndexerOptions::default()
        },
    )
    .unwrap();
    for record in records {
        indexer.upsert(record.clone()).unwrap();
    }
    let engine = indexer.finish().unwrap();
    (engine, started.elapsed())
}

pub struct Fixture {
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
    pub records: Vec<PatentRecord>,
    /// The engine the indexer handed over (its vector index as built).
    pub engine: Engine,
}

/// The shared index, built on first use.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("index");
        let records = corpus_records(DOCS);
        let (engine, took) = build_index(&root, &records);
        eprintln!(
            "shared index: {DOCS} documents, {:?} vectors, built in {:.1} s",
            engine.num_vectors(),
            took.as_secs_f64()
        );
        Fixture {
            _tmp: tmp,
            root,
            records,
            engine,
        }
    })
}

pub fn numbers(results: &patsearch_engine::SearchResults) -> Vec<String> {
    results
        .hits
        .iter()
        .map(|h| h.publication_number.clone())
        .collect()
}
