//! Embedding benchmark: all-MiniLM-L6-v2 with candle on the CPU.
//!
//! Measures:
//! - this machine's attainable fp32 matrix-product rate with candle (1024x1024
//!   by 1024x1024, and the shapes of MiniLM's linear layers), the ceiling the
//!   throughput is compared with;
//! - embedding throughput, tokens/s and documents/s, over the 512 abstracts of
//!   `../shared/bench/abstracts-512.jsonl` (length-sorted batches, truncation at
//!   256 tokens; tokens counted without padding, tokenisation included);
//! - single-query latency p50/p99 for a 12-token query;
//! - a sweep over backend (the fused pass, candle's BertModel), batch size
//!   (8/16/32/64), approximate GELU and threads, each
//!   with its min cosine against `../shared/eval/embedding-reference` (the
//!   options are usable only where it stays >= 0.9999).
//!
//! Peers on this machine kind (2 cores): onnxruntime fp32 ~8,800 tokens/s fused,
//! ~6,200 plain; 12-token query p50 1.7-2.1 ms.
//!
//! With `EMBED_BENCH_EXPORT=1` it also embeds the corpus
//! (`../shared/data/corpus/`) as the index does (title + abstract, and each
//! independent claim) and the `../shared/eval/nl/` queries (both forms), and
//! writes them to `target/bench-data/corpus-vectors.f32` and
//! `query-vectors.f32` (little-endian f32, 384 per row) for
//! `cargo bench --bench vectors`; it prints the corpus embedding rate too.
//!
//! Run: `bash models/fetch.sh && cargo bench --bench embed`
//! (`EMBED_BENCH_MODEL=models/multilingual-e5-small` measures another model
//! directory, with its query and passage prompts applied; the sweep, whose
//! reference vectors are all-MiniLM-L6-v2's, then does not run;
//! (`EMBED_BENCH_ONLY=query` measures only query latency, on the calling
//! thread as every query embeds, with each instruction set's kernels side by
//! side (`EMBED_BENCH_SIMD=avx2,avx512` picks them; the throughput is
//! measured with each too);
//! `EMBED_BENCH_ONLY=nl` only the `../shared/eval/nl/` queries embedded one at
//! a time on the calling thread, as the server does, then on two threads at
//! once;
//! `EMBED_BENCH_SWEEP=0` skips the sweep; `RAYON_NUM_THREADS=1` runs all of it
//! on one core).

mod common;

use common::{peak_rss_mib, percentile};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use candle_core::{Device, Tensor};
use patsearch_embed::{Backend, EmbedOptions, Embedder};

const QUERY: &str = "semantic search for patent claims about lithium battery cooling systems";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn shared() -> PathBuf {
    let dir = root().join("../shared");
    assert!(
        dir.is_dir(),
        "benchmark data not found at {}: the shared data folder must sit beside the project root",
        dir.display()
    );
    dir
}

/// The model measured: `EMBED_BENCH_MODEL` (relative to the project root),
/// else all-MiniLM-L6-v2.
fn model_dir() -> PathBuf {
    let dir = root().join(
        std::env::var("EMBED_BENCH_MODEL").unwrap_or_else(|_| "models/all-MiniLM-L6-v2".into()),
    );
    assert!(
        dir.join("model.safetensors").is_file(),
        "the embedding model is missing at {}: run `models/fetch.sh`",
        dir.display()
    );
    dir
}

fn read_jsonl(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

/// The 1-, 5- and 15-minute load averages (Linux), to tell a quiet machine
/// from a busy one.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Best-of-`reps` GFLOP/s of an (m x k) by (k x n) fp32 product.
fn matmul_gflops(m: usize, k: usize, n: usize, reps: usize) -> f64 {
    let dev = Device::Cpu;
    let a = Tensor::randn(0f32, 1.0, (m, k), &dev).unwrap();
    let b = Tensor::randn(0f32, 1.0, (k, n), &dev).unwrap();
    let _ = a.matmul(&b).unwrap();
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let t = Instant::now();
        let c = a.matmul(&b).unwrap();
        std::hint::black_box(&c);
        best = best.min(t.elapsed().as_secs_f64());
    }
    2.0 * (m * k * n) as f64 / best / 1e9
}

/// Matrix-product FLOPs of the model (sizes from its `config.json`) for
/// one text of `len` tokens: the linear layers plus attention.
fn model_flops(len: usize) -> f64 {
    static SIZES: std::sync::OnceLock<(f64, f64, f64)> = std::sync::OnceLock::new();
    let &(h, i, layers) = SIZES.get_or_init(|| {
        let path = model_dir().join("config.json");
        let config: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let size = |key: &str| config[key].as_f64().unwrap();
        (
            size("hidden_size"),
            size("intermediate_size"),
            size("num_hidden_layers"),
        )
    });
    let l = len as f64;
    layers * (2.0 * l * (4.0 * h * h + 2.0 * h * i) + 2.0 * 2.0 * l * l * h)
}

struct Throughput {
    tokens_per_s: f64,
    docs_per_s: f64,
    gflops: f64,
    seconds: f64,
    /// Tokens per second of this process's CPU time (user + system): less
    /// sensitive than wall time to other processes on the machine.
    tokens_per_cpu_s: f64,
}

/// This process's CPU time so far (user + system), from `/proc/self/stat`.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime
    // are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    fields.iter().sum::<f64>() / 100.0
}

/// Embeds all texts `reps` times and keeps the fastest pass.
fn throughput(embedder: &Embedder, texts: &[&str], reps: usize) -> Throughput {
    let lens: Vec<usize> = texts
        .iter()
        .map(|t| embedder.tokenize(t).unwrap().len())
        .collect();
    let tokens: usize = lens.iter().sum();
    let flops: f64 = lens.iter().map(|&l| model_flops(l)).sum();
    let mut best = f64::INFINITY;
    let mut best_cpu = f64::INFINITY;
    for _ in 0..reps {
        let cpu = cpu_seconds();
        let t = Instant::now();
        let v = embedder.embed(texts).unwrap();
        std::hint::black_box(&v);
        best = best.min(t.elapsed().as_secs_f64());
        best_cpu = best_cpu.min(cpu_seconds() - cpu);
    }
    Throughput {
        tokens_per_s: tokens as f64 / best,
        docs_per_s: texts.len() as f64 / best,
        gflops: flops / best / 1e9,
        seconds: best,
        tokens_per_cpu_s: tokens as f64 / best_cpu,
    }
}

fn query_latency(embedder: &Embedder, query: &str, n: usize) -> (Duration, Duration) {
    for _ in 0..10 {
        embedder.embed_one(query).unwrap();
    }
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(embedder.embed_one(query).unwrap());
            t.elapsed()
        })
        .collect();
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.99))
}

/// The natural-language eval queries (22 words, about 28 tokens, each), each
/// embedded alone on this thread: the query embedding of a hybrid search that
/// runs beside others in the server.
fn nl_query_latency(embedder: &Embedder) {
    let path = shared().join("eval/nl/queries-nl.tsv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let queries: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once('\t').map(|(_, q)| q))
        .collect();
    let lens: Vec<usize> = queries
        .iter()
        .map(|q| embedder.tokenize(q).unwrap().len())
        .collect();
    let flops: f64 = lens.iter().map(|&l| model_flops(l)).sum();
    // Each query on the calling thread, as the engine embeds a search's query.
    let run = |passes: usize| {
        let mut times = Vec::new();
        let mut best_pass = f64::INFINITY;
        for pass in 0..=passes {
            let start = Instant::now();
            for q in &queries {
                let t = Instant::now();
                std::hint::black_box(embedder.embed_one(q).unwrap());
                if pass > 0 {
                    times.push(t.elapsed());
                }
            }
            if pass > 0 {
                best_pass = best_pass.min(start.elapsed().as_secs_f64());
            }
        }
        (times, best_pass)
    };
    let passes = 20;
    let report = |label: &str, mut times: Vec<Duration>, best_pass: f64| {
        times.sort();
        println!(
            "eval/nl queries, {label} ({} queries, {:.1} tokens on average, {passes} passes): p50 {:.2} ms, p99 {:.2} ms, best pass {:.2} ms per query = {:.1} GFLOP/s per query",
            queries.len(),
            lens.iter().sum::<usize>() as f64 / lens.len() as f64,
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            1e3 * best_pass / queries.len() as f64,
            flops / best_pass / 1e9
        );
    };
    let (times, best) = run(passes);
    report("one thread alone", times, best);
    // Two threads at once, each embedding on its own thread: the server under
    // load, where both cores run searches.
    let (a, b) = std::thread::scope(|s| {
        let other = s.spawn(|| run(passes));
        let mine = run(passes);
        (mine, other.join().unwrap())
    });
    report(
        "two threads at once, each",
        a.0.into_iter().chain(b.0).collect(),
        a.1.max(b.1),
    );
}

/// Min cosine with the reference vectors, texts embedded in batches.
fn min_cosine(embedder: &Embedder, refs: &[serde_json::Value]) -> f64 {
    let texts: Vec<&str> = refs.iter().map(|r| r["text"].as_str().unwrap()).collect();
    let vectors = embedder.embed(&texts).unwrap();
    refs.iter()
        .zip(&vectors)
        .map(|(r, v)| {
            let want: Vec<f64> = r["embedding"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            let dot: f64 = v.iter().zip(&want).map(|(&a, b)| f64::from(a) * b).sum();
            let nb: f64 = want.iter().map(|b| b * b).sum::<f64>().sqrt();
            let na: f64 = v.iter().map(|&a| f64::from(a).powi(2)).sum::<f64>().sqrt();
            dot / (na * nb)
        })
        .fold(f64::INFINITY, f64::min)
}

fn write_rows(path: &Path, vectors: &[Vec<f32>]) {
    let mut bytes = Vec::with_capacity(vectors.len() * 384 * 4);
    for v in vectors {
        for x in v {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
    }
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Embeds the corpus passages and the eval queries for the vector benchmark.
fn export_corpus_vectors(embedder: &Embedder) {
    use patsearch_ingest::{Event, IngestOptions, Progress};
    let corpus = shared().join("data/corpus/patents-2013.jsonl.zst");
    let mut passages: Vec<String> = Vec::new();
    let mut documents = 0usize;
    patsearch_ingest::run(
        &[corpus],
        &IngestOptions::default(),
        &Progress::default(),
        |event| {
            if let Event::Record(record) = event {
                documents += 1;
                passages.push(format!("{}. {}", record.title, record.abstract_text));
                for claim in record.claims.iter().filter(|c| c.is_independent()) {
                    passages.push(claim.text.clone());
                }
            }
        },
    );
    let texts: Vec<&str> = passages.iter().map(String::as_str).collect();
    let tokens: usize = texts
        .iter()
        .map(|t| embedder.tokenize(t).unwrap().len())
        .sum();
    let started = Instant::now();
    let vectors = embedder.embed(&texts).unwrap();
    let took = started.elapsed().as_secs_f64();
    println!(
        "corpus: {documents} documents, {} passages (title + abstract, independent claims), {tokens} tokens embedded in {took:.1} s: {:.0} tokens/s, {:.1} documents/s",
        vectors.len(),
        tokens as f64 / took,
        documents as f64 / took
    );
    let dir = root().join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    write_rows(&dir.join("corpus-vectors.f32"), &vectors);

    let mut queries = Vec::new();
    for form in ["queries-nl.tsv", "queries-kw.tsv"] {
        let path = shared().join("eval/nl").join(form);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let (_, q) = line.split_once('\t').expect("topic<TAB>text");
            queries.push(embedder.embed_one(q).unwrap());
        }
    }
    write_rows(&dir.join("query-vectors.f32"), &queries);
    println!(
        "wrote {} corpus vectors and {} query vectors to {}",
        vectors.len(),
        queries.len(),
        dir.display()
    );
}

/// The instruction sets measured side by side: `EMBED_BENCH_SIMD` (a comma
/// list), else every one this CPU runs.
fn bench_isas() -> Vec<patsearch_simd::Isa> {
    match std::env::var("EMBED_BENCH_SIMD") {
        Ok(list) => list
            .split(',')
            .map(|name| patsearch_simd::parse_setting(name).unwrap_or_else(|e| panic!("{e}")))
            .collect(),
        Err(_) => patsearch_simd::Isa::available(),
    }
}

fn load(options: EmbedOptions) -> Embedder {
    Embedder::load(&model_dir(), options).unwrap_or_else(|e| panic!("{e}"))
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing
    // and should only check that this compiles and starts.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let docs = read_jsonl(&shared().join("bench/abstracts-512.jsonl"));
    let embedder = load(EmbedOptions::default());
    let prompts = embedder.prompts().clone();
    let texts: Vec<String> = docs
        .iter()
        .map(|d| format!("{}{}", prompts.passage, d["text"].as_str().unwrap()))
        .collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let query = format!("{}{QUERY}", prompts.query);
    let refs = read_jsonl(&shared().join("eval/embedding-reference/reference.jsonl"));

    println!(
        "CPU features: {}; kernels: {} (PATSEARCH_SIMD={:?})",
        patsearch_simd::cpu_features().join(" "),
        patsearch_simd::selected(),
        std::env::var(patsearch_simd::ENV_VAR).ok()
    );
    println!(
        "candle threads: {} (RAYON_NUM_THREADS={:?}), avx {}; load average {} (other processes skew these figures)",
        candle_core::utils::get_num_threads(),
        std::env::var("RAYON_NUM_THREADS").ok(),
        candle_core::utils::with_avx(),
        load_average()
    );
    let square = matmul_gflops(1024, 1024, 1024, 20);
    println!("fp32 matmul 1024x1024x1024: {square:.1} GFLOP/s (best of 20)");
    for (m, k, n, what) in [
        (4096, 384, 384, "attention projection"),
        (4096, 384, 1536, "FFN up"),
        (4096, 1536, 384, "FFN down"),
    ] {
        let g = matmul_gflops(m, k, n, 10);
        println!("fp32 matmul {m}x{k}x{n} ({what}): {g:.1} GFLOP/s");
    }

    let lens: Vec<usize> = texts
        .iter()
        .map(|t| embedder.tokenize(t).unwrap().len())
        .collect();
    println!(
        "{} abstracts, {} tokens (mean {:.0}, max {}), model {}",
        texts.len(),
        lens.iter().sum::<usize>(),
        lens.iter().sum::<usize>() as f64 / lens.len() as f64,
        lens.iter().max().unwrap(),
        embedder.model_id()
    );
    let query_tokens = embedder.tokenize(&query).unwrap().len();
    if std::env::var("EMBED_BENCH_ONLY").as_deref() == Ok("nl") {
        nl_query_latency(&embedder);
        return;
    }
    if std::env::var("EMBED_BENCH_ONLY").as_deref() == Ok("query") {
        // Each instruction set's kernels side by side, in alternating rounds
        // so that the machine's other load falls on all of them alike.
        let isas = bench_isas();
        let rounds = 3;
        let embedders: Vec<(patsearch_simd::Isa, Embedder)> = isas
            .iter()
            .map(|&isa| {
                let options = EmbedOptions {
                    simd: Some(isa),
                    ..EmbedOptions::default()
                };
                (isa, load(options))
            })
            .collect();
        let mut p50s = vec![Vec::new(); embedders.len()];
        let mut p99s = vec![Vec::new(); embedders.len()];
        for _ in 0..rounds {
            for (i, (isa, e)) in embedders.iter().enumerate() {
                let n = if *isa == patsearch_simd::Isa::Scalar {
                    30
                } else {
                    400
                };
                let (p50, p99) = query_latency(e, &query, n);
                p50s[i].push(ms(p50));
                p99s[i].push(ms(p99));
            }
        }
        for (i, (isa, _)) in embedders.iter().enumerate() {
            let list = |v: &[f64]| {
                v.iter()
                    .map(|x| format!("{x:.3}"))
                    .collect::<Vec<_>>()
                    .join(" / ")
            };
            println!(
                "query latency ({query_tokens} tokens, 1 thread, {isa}): p50 {} ms, p99 {} ms (rounds)",
                list(&p50s[i]),
                list(&p99s[i])
            );
        }
        return;
    }

    let t = throughput(&embedder, &texts, 2);
    println!(
        "throughput (fused backend, batch 32, default threads, exact GELU, {}): {:.0} tokens/s, {:.1} docs/s, {:.2} s per pass, {:.1} GFLOP/s = {:.0}% of the 1024^3 matmul rate; {:.0} tokens per CPU second; peak RSS {:.0} MiB",
        patsearch_simd::selected(),
        t.tokens_per_s,
        t.docs_per_s,
        t.seconds,
        t.gflops,
        100.0 * t.gflops / square,
        t.tokens_per_cpu_s,
        peak_rss_mib()
    );
    for isa in bench_isas() {
        if isa == patsearch_simd::selected() || isa == patsearch_simd::Isa::Scalar {
            continue;
        }
        let e = load(EmbedOptions {
            simd: Some(isa),
            ..EmbedOptions::default()
        });
        let t = throughput(&e, &texts, 2);
        println!(
            "throughput with the {isa} kernels (gemm's large products unchanged): {:.0} tokens/s",
            t.tokens_per_s
        );
    }
    let (p50, p99) = query_latency(&embedder, &query, 300);
    println!(
        "query latency ({query_tokens} tokens, embed_one): p50 {:.2} ms, p99 {:.2} ms",
        ms(p50),
        ms(p99)
    );

    if std::env::var("EMBED_BENCH_EXPORT").as_deref() == Ok("1") {
        export_corpus_vectors(&embedder);
    }
    if std::env::var("EMBED_BENCH_SWEEP").as_deref() == Ok("0")
        || std::env::var("EMBED_BENCH_MODEL").is_ok()
    {
        return;
    }
    println!("\nsweep (one pass over the 512 abstracts each; min cosine vs reference, batches of the run's size):");
    println!("backend  batch  threads  gelu    tokens/s  docs/s  GFLOP/s  tok/CPU-s  query p50  min cosine");
    let configs = [
        (Backend::Fused, 8, 0, false),
        (Backend::Fused, 16, 0, false),
        (Backend::Fused, 32, 0, false),
        (Backend::Fused, 64, 0, false),
        (Backend::Fused, 32, 0, true),
        (Backend::Fused, 32, 1, false),
        (Backend::Candle, 16, 0, false),
        (Backend::Candle, 32, 0, false),
        (Backend::Candle, 32, 0, true),
        (Backend::Candle, 32, 1, false),
    ];
    for (backend, batch_size, threads, approximate_gelu) in configs {
        let e = load(EmbedOptions {
            batch_size,
            threads,
            approximate_gelu,
            backend,
            ..EmbedOptions::default()
        });
        let t = throughput(&e, &texts, 1);
        let (p50, _) = query_latency(&e, &query, 100);
        let cos = min_cosine(&e, &refs);
        println!(
            "{:<7}  {batch_size:>5}  {:>7}  {:<6}  {:>8.0}  {:>6.1}  {:>7.1}  {:>9.0}  {:>6.2} ms  {cos:.7}{}",
            format!("{backend:?}").to_lowercase(),
            if threads == 0 {
                "default".to_string()
            } else {
                threads.to_string()
            },
            if approximate_gelu { "tanh" } else { "erf" },
            t.tokens_per_s,
            t.docs_per_s,
            t.gflops,
            t.tokens_per_cpu_s,
            ms(p50),
            if cos < 0.9999 { "  (below 0.9999)" } else { "" }
        );
    }
    println!("load average at the end: {}", load_average());
}
