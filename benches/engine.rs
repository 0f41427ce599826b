//! Search latency per mode, through the engine the API and the CLI use.
//!
//! Data: an index of the 6,940-patent corpus (`../shared/data/corpus/`, built
//! by the README's first command into `index/`, or the directory named by
//! `ENGINE_BENCH_INDEX`) and the 45 natural-language and 45 keyword topics of
//! `../shared/eval/nl/`.
//!
//! Measures, for keyword, semantic and hybrid mode (default fusion), one
//! query at a time on one thread of requests (the query embedded on that
//! thread, as the server does; hybrid mode finds its keyword candidates on a
//! second thread meanwhile): p50 and p99 latency of `Engine::search` for the first page
//! of 10 hits, with snippets (as the web page asks) and without (as the API's
//! `"highlight": false`), each query run 10 times after a warm-up pass. The
//! semantic and hybrid figures include embedding the query.
//!
//! Run: `cargo bench --bench engine` (about a minute).

mod common;

use common::{peak_rss_mib, percentile};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use patsearch_engine::{Engine, EngineOptions, SearchMode, SearchRequest};

const RUNS: usize = 10;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn topics(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the eval sets live in ../shared/eval)",
            path.display()
        )
    });
    text.lines()
        .filter_map(|l| l.split_once('\t').map(|(_, q)| q.trim().to_string()))
        .filter(|q| !q.is_empty())
        .collect()
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let index =
        std::env::var_os("ENGINE_BENCH_INDEX").map_or_else(|| root().join("index"), PathBuf::from);
    assert!(
        index.join("manifest.json").exists(),
        "no index at {}: build it with the README's first command or set ENGINE_BENCH_INDEX",
        index.display()
    );
    let engine = Engine::open(
        &index,
        EngineOptions {
            model_dir: Some(root().join("models/all-MiniLM-L6-v2")),
            ..EngineOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("{}: {e}", index.display()));
    let eval = root().join("../shared/eval/nl");
    let forms = [
        ("natural-language", topics(&eval.join("queries-nl.tsv"))),
        ("keyword", topics(&eval.join("queries-kw.tsv"))),
    ];
    println!(
        "index {} ({} documents, vectors: {}); load average {}",
        index.display(),
        engine.num_docs(),
        engine.has_vectors(),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    println!("form              mode      snippets  p50 ms  p99 ms  queries");
    for (form, queries) in &forms {
        for mode in [
            SearchMode::Keyword,
            SearchMode::Semantic,
            SearchMode::Hybrid,
        ] {
            if mode != SearchMode::Keyword && !engine.has_vectors() {
                continue;
            }
            for snippets in [false, true] {
                let request = |q: &str| SearchRequest {
                    snippets,
                    ..SearchRequest::new(q, mode)
                };
                for q in queries {
                    engine.search(&request(q)).expect("search");
                }
                let mut times: Vec<Duration> = Vec::with_capacity(queries.len() * RUNS);
                for _ in 0..RUNS {
                    for q in queries {
                        let t = Instant::now();
                        std::hint::black_box(engine.search(&request(q)).expect("search"));
                        times.push(t.elapsed());
                    }
                }
                times.sort();
                println!(
                    "{form:<17} {:<9} {:<9} {:>6.2}  {:>6.2}  {}",
                    format!("{mode:?}").to_lowercase(),
                    if snippets { "on" } else { "off" },
                    percentile(&times, 0.5).as_secs_f64() * 1e3,
                    percentile(&times, 0.99).as_secs_f64() * 1e3,
                    times.len()
                );
            }
        }
    }
    println!("peak RSS {:.0} MiB", peak_rss_mib());
}
