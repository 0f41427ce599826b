//! Keyword index benchmark on the patents-2013 corpus (6,940 US patents with
//! full descriptions, `../shared/data/corpus/patents-2013.jsonl.zst`).
//!
//! Measures:
//! - index build: wall time and documents/s for the whole corpus through the
//!   same path as `patsearch ingest --index` (parse, upsert, commit, merge);
//! - index size on disk, and the process's peak resident memory after the build;
//! - query latency p50/p99 over the queries of `benches/queries/keyword-syntax.txt`
//!   (boolean, phrase, proximity, wildcard, field and date queries) plus the 45
//!   keyword-form topics of `../shared/eval/nl/queries-kw.tsv`, top 10 hits,
//!   without and with highlighted snippets.
//!
//! Run: `cargo bench --bench keyword` (goals: build < 60 s, p50 < 2 ms, p99 < 20 ms).

mod common;

use common::{peak_rss_mib, percentile};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use patsearch_ingest::{Event, IngestOptions, Progress};
use patsearch_keyword::{KeywordIndex, SearchRequest};
use patsearch_record::{Cancellation, Filters};

fn shared() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    assert!(
        dir.is_dir(),
        "benchmark data not found at {}: the shared data folder must sit beside the project root",
        dir.display()
    );
    dir
}

fn queries() -> Vec<String> {
    let own = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/queries/keyword-syntax.txt"),
    )
    .expect("benches/queries/keyword-syntax.txt");
    let topics = std::fs::read_to_string(shared().join("eval/nl/queries-kw.tsv"))
        .expect("eval/nl/queries-kw.tsv");
    own.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .chain(
            topics
                .lines()
                .filter_map(|l| l.split_once('\t'))
                .map(|(_, q)| q.to_string()),
        )
        .collect()
}

fn dir_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        dir_size(&p)
                    } else {
                        e.metadata().map(|m| m.len()).unwrap_or(0)
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing
    // and should only check that this compiles and starts.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let corpus = shared().join("data/corpus/patents-2013.jsonl.zst");
    let tmp = tempfile::tempdir().expect("temp dir");
    let index_dir = tmp.path().join("index");

    let started = Instant::now();
    let index = KeywordIndex::open_or_create(&index_dir).expect("create index");
    let mut writer = index.writer(512 * 1024 * 1024).expect("writer");
    let mut failed = None;
    let summary = patsearch_ingest::run(
        &[corpus],
        &IngestOptions::default(),
        &Progress::default(),
        |event| {
            if let Event::Record(record) = event {
                if let Err(e) = writer.upsert(&record) {
                    failed.get_or_insert(e);
                }
            }
        },
    );
    assert!(failed.is_none(), "indexing failed: {failed:?}");
    writer.finish().expect("commit");
    let build = started.elapsed();
    index.reload().expect("reload");
    assert_eq!(index.num_docs(), summary.ingested);
    let size = dir_size(&index_dir);
    let rss = peak_rss_mib();

    let queries = queries();
    let filters = Filters::default();
    let never = Cancellation::never();
    let run = |snippets: bool| -> Vec<Duration> {
        fn request<'a>(
            q: &'a str,
            filters: &'a Filters,
            snippets: bool,
            cancel: &'a Cancellation,
        ) -> SearchRequest<'a> {
            SearchRequest {
                query: q,
                filters,
                limit: 10,
                offset: 0,
                snippets,
                facets: false,
                collapse: false,
                cancel,
            }
        }
        for q in &queries {
            index
                .search(&request(q, &filters, snippets, &never))
                .unwrap_or_else(|e| panic!("{q}: {e}"));
        }
        let mut times = Vec::new();
        for _ in 0..20 {
            for q in &queries {
                let t = Instant::now();
                let results = index
                    .search(&request(q, &filters, snippets, &never))
                    .expect("search");
                times.push(t.elapsed());
                std::hint::black_box(results);
            }
        }
        times.sort();
        times
    };
    let plain = run(false);
    let with_snippets = run(true);

    println!("keyword index on {} documents", summary.ingested);
    println!(
        "  build: {:.1} s ({:.0} docs/s), size on disk {:.1} MiB, peak RSS {:.0} MiB",
        build.as_secs_f64(),
        summary.ingested as f64 / build.as_secs_f64(),
        size as f64 / (1024.0 * 1024.0),
        rss
    );
    for (name, times) in [("top 10", &plain), ("top 10 + snippets", &with_snippets)] {
        println!(
            "  query latency, {name}: p50 {:.2} ms, p99 {:.2} ms ({} queries x 20 runs)",
            percentile(times, 0.5).as_secs_f64() * 1e3,
            percentile(times, 0.99).as_secs_f64() * 1e3,
            queries.len()
        );
    }
}
