//! Ingest parse throughput.
//!
//! Measures, in MB/s of input:
//! - `xml/parse_one_core`: `parse_xml_document` on every document of the
//!   PatentsView weekly grant fixtures (`ipgxml/*.small.xml`, grants v4.0-v4.3,
//!   9 weekly files cut to 25 documents, ~15 MB), one thread;
//! - `xml/pipeline/{1,2}_threads`: the whole pipeline (read, split, parse, in
//!   order) over the same files with one and two parser threads;
//! - `jsonl/parse_one_core` and `jsonl/pipeline/2_threads`: the first 1,000
//!   lines of the patents-2013 corpus (`../shared/data/corpus/`), full descriptions.
//!
//! Run: `cargo bench --bench ingest`. Peak memory on 10 MB vs 1 GB inputs is
//! measured by `benches/ingest-memory.sh`, not here.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use patsearch_ingest::{parse_json_line, parse_xml_document, DocContext, IngestOptions, Progress};

fn shared() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    assert!(
        dir.is_dir(),
        "benchmark data not found at {}: the shared data folder must sit beside the project root",
        dir.display()
    );
    dir
}

fn weekly_files() -> Vec<PathBuf> {
    let dir = shared().join("patents/uspto-patentsview-db-fixtures/ipgxml");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("weekly fixtures readable")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    files
}

/// Splits a weekly file into its documents the simple way (benchmark set-up only).
fn documents(bytes: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(bytes);
    text.split("<?xml ")
        .filter(|d| !d.trim().is_empty())
        .map(|d| format!("<?xml {d}").into_bytes())
        .collect()
}

fn bench_xml(c: &mut Criterion) {
    let files = weekly_files();
    let docs: Vec<Vec<u8>> = files
        .iter()
        .flat_map(|f| documents(&std::fs::read(f).expect("fixture readable")))
        .collect();
    let total: usize = docs.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("xml");
    group.throughput(Throughput::Bytes(total as u64));
    group.sample_size(20);
    group.bench_function("parse_one_core", |b| {
        b.iter(|| {
            let mut ok = 0;
            for (i, doc) in docs.iter().enumerate() {
                let ctx = DocContext {
                    file: "bench",
                    ordinal: i as u64 + 1,
                };
                ok += usize::from(parse_xml_document(doc, ctx).is_ok());
            }
            assert_eq!(ok, docs.len(), "every weekly fixture document parses");
        })
    });
    let file_bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).expect("fixture").len())
        .sum();
    group.throughput(Throughput::Bytes(file_bytes));
    for threads in [1, 2] {
        group.bench_function(format!("pipeline/{threads}_threads"), |b| {
            let options = IngestOptions {
                threads,
                ..IngestOptions::default()
            };
            b.iter(|| {
                let summary = patsearch_ingest::run(&files, &options, &Progress::default(), drop);
                assert_eq!(summary.skipped, 0);
            })
        });
    }
    group.finish();
}

fn bench_jsonl(c: &mut Criterion) {
    let corpus = shared().join("corpus/patents-2013.jsonl.zst");
    let file = std::fs::File::open(&corpus).expect("corpus readable");
    let reader = BufReader::new(zstd::stream::read::Decoder::new(file).expect("zstd corpus"));
    let lines: Vec<String> = reader
        .lines()
        .take(1000)
        .map(|l| l.expect("corpus line"))
        .collect();
    let total: usize = lines.iter().map(|l| l.len() + 1).sum();

    let dir = tempfile::tempdir().expect("temp dir");
    let sample = dir.path().join("corpus-1000.jsonl");
    let mut out = std::fs::File::create(&sample).expect("temp file");
    for line in &lines {
        writeln!(out, "{line}").expect("write sample");
    }
    drop(out);

    let mut group = c.benchmark_group("jsonl");
    group.throughput(Throughput::Bytes(total as u64));
    group.sample_size(10);
    group.bench_function("parse_one_core", |b| {
        b.iter(|| {
            for (i, line) in lines.iter().enumerate() {
                let ctx = DocContext {
                    file: "bench",
                    ordinal: i as u64 + 1,
                };
                parse_json_line(line.as_bytes(), ctx).expect("corpus line parses");
            }
        })
    });
    let paths = vec![sample];
    group.bench_function("pipeline/2_threads", |b| {
        let options = IngestOptions {
            threads: 2,
            ..IngestOptions::default()
        };
        b.iter(|| {
            let summary = patsearch_ingest::run(&paths, &options, &Progress::default(), drop);
            assert_eq!(summary.ingested, 1000);
        })
    });
    group.finish();
}

criterion_group!(benches, bench_xml, bench_jsonl);
criterion_main!(benches);
