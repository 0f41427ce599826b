//! Vector index benchmark: HNSW (hnsw_rs) build, memory, latency and recall.
//!
//! Two sets of unit vectors, 384 dimensions (all-MiniLM-L6-v2's):
//! (a) the base set: the corpus's real passage vectors when
//!     `target/bench-data/corpus-vectors.f32` exists (written by the embedding
//!     benchmark: little-endian f32, 384 per row, nothing else), otherwise
//!     40,000 synthetic vectors (a shared direction plus a point on a
//!     48-dimensional clustered latent manifold plus noise, tuned so random
//!     pairs have cosine ~0.2 as MiniLM's do, nearest neighbours ~0.65);
//! (b) 1,000,000 vectors that keep the base set's structure: each one is a
//!     base vector plus Gaussian noise, re-normalised, with the noise scale
//!     chosen so that the median nearest-neighbour cosine in the noisy set
//!     matches the base set's (printed).
//!
//! Queries: `target/bench-data/query-vectors.f32` (same format) when it
//! exists, otherwise 200 held-out noisy copies of base vectors made like the
//! 1M set's, plus 200 "far" ones (sigma 1.5, cosine ~0.55 to their base
//! vector, a flatter neighbourhood, as short text queries often have),
//! whose recall is reported beside.
//!
//! Measures, per set: build time (upserts plus graph insertion, 2 cores),
//! peak RSS (VmHWM), commit (write to disk) and reload times against a
//! rebuild of the graph, query latency p50/p99 and recall@10 against exact
//! search at ef_search 32/64/128/256, and filtered searches at several
//! selectivities through each strategy (exact scan of the allowed vectors,
//! filtered graph walk) and the default choice between them.
//!
//! Goal: recall@10 >= 0.98 at p50 <= 1 ms on the 1M set (held-out queries).
//!
//! Run: `cargo bench --bench vectors` (minutes: the 1M build dominates).
//! `VECTORS_BENCH_LARGE=200000` changes the size of set (b) (0 skips it);
//! `VECTORS_BENCH_M` and `VECTORS_BENCH_EFC` change the graph parameters.
//! `VECTORS_BENCH_KEEP=1` keeps set (b)'s index under `target/bench-data/`
//! and reuses it in later runs with the same size and parameters (the
//! vectors are the same, their seeds fixed), to measure search changes
//! without the 20-minute build; `VECTORS_BENCH_FILTERED=0` skips the
//! filtered searches.

mod common;

use common::{peak_rss_mib, percentile};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use patsearch_record::{FilterFields, Filters, PublicationNumber};
use patsearch_vectors::{Passage, VectorConfig, VectorHit, VectorIndex};

const DIM: usize = 384;
const MODEL: &str = "bench-vectors";
const EF_VALUES: [usize; 8] = [32, 64, 96, 128, 192, 256, 320, 384];
const QUERIES: usize = 200;
const QUERY_SIGMA: f32 = 1.5;

fn bench_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data")
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// xorshift64* with Box-Muller normals.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.uniform() * n as f64) as usize % n
    }

    fn normal(&mut self) -> f32 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
    }
}

fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Synthetic stand-ins for sentence embeddings: a direction every vector
/// shares (random pairs have cosine ~0.2, as MiniLM's do), a position on a
/// 48-dimensional latent manifold of 150 overlapping clusters mapped into
/// the 384 dimensions (the topical part: nearest neighbours ~0.65, with no
/// sharp cluster borders, so the neighbourhoods are as hard to search as
/// real ones), and a little independent noise. Squared weights 0.2 / 0.6 / 0.2.
fn synthetic_base(n: usize) -> Vec<f32> {
    const LATENT: usize = 48;
    let mut rng = Rng::new(7);
    let gaussian = |rng: &mut Rng, len: usize| (0..len).map(|_| rng.normal()).collect::<Vec<f32>>();
    let mut shared = gaussian(&mut rng, DIM);
    normalise(&mut shared);
    let map = gaussian(&mut rng, DIM * LATENT);
    let centres: Vec<Vec<f32>> = (0..150).map(|_| gaussian(&mut rng, LATENT)).collect();
    let (ws, wt, wn) = (0.2f32.sqrt(), 0.6f32.sqrt(), 0.2f32.sqrt());
    let mut out = Vec::with_capacity(n * DIM);
    for _ in 0..n {
        let centre = &centres[rng.below(centres.len())];
        let z: Vec<f32> = centre.iter().map(|c| c + rng.normal()).collect();
        let mut topical: Vec<f32> = map.chunks_exact(LATENT).map(|row| dot(row, &z)).collect();
        normalise(&mut topical);
        let mut own = gaussian(&mut rng, DIM);
        normalise(&mut own);
        let mut v: Vec<f32> = (0..DIM)
            .map(|i| ws * shared[i] + wt * topical[i] + wn * own[i])
            .collect();
        normalise(&mut v);
        out.extend_from_slice(&v);
    }
    out
}

fn read_f32_rows(path: &Path) -> Option<Vec<f32>> {
    let bytes = std::fs::read(path).ok()?;
    assert!(
        bytes.len() % (DIM * 4) == 0,
        "{}: {} bytes is not a whole number of {DIM}-float rows",
        path.display(),
        bytes.len()
    );
    let mut v: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    // Guard against rows that are not quite unit length.
    v.chunks_exact_mut(DIM).for_each(normalise);
    Some(v)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn number(i: usize) -> PublicationNumber {
    format!("US{}A1", 10_000_000 + i).parse().unwrap()
}

/// Country `X00`..`X99` by document, so filters of 1..100 codes select 1..100%.
fn fields(i: usize) -> FilterFields {
    FilterFields {
        country: format!("X{:02}", i % 100),
        ..FilterFields::default()
    }
}

fn selectivity(percent: usize) -> Filters {
    Filters {
        country: (0..percent).map(|c| format!("X{c:02}")).collect(),
        ..Filters::default()
    }
}

/// Median cosine of a vector to its nearest other vector, over `sample` rows.
fn median_top1(vectors: &[f32], sample: usize, seed: u64) -> f32 {
    let n = vectors.len() / DIM;
    let mut rng = Rng::new(seed);
    let mut tops: Vec<f32> = (0..sample)
        .map(|_| {
            let i = rng.below(n);
            let v = &vectors[i * DIM..(i + 1) * DIM];
            (0..n)
                .filter(|&j| j != i)
                .map(|j| dot(v, &vectors[j * DIM..(j + 1) * DIM]))
                .fold(f32::MIN, f32::max)
        })
        .collect();
    tops.sort_by(f32::total_cmp);
    tops[tops.len() / 2]
}

/// `base + sigma * noise` (noise ~ N(0, 1/DIM) per coordinate), normalised.
fn noisy(base: &[f32], sigma: f32, rng: &mut Rng, out: &mut Vec<f32>) {
    let scale = sigma / (DIM as f32).sqrt();
    out.clear();
    out.extend(base.iter().map(|x| x + scale * rng.normal()));
    normalise(out);
}

/// The noisy set's median nearest-neighbour cosine at noise `sigma`,
/// estimated without building it: the nearest neighbour of a noisy copy is
/// among the noisy copies of its base vector and of that vector's 30 nearest
/// base neighbours, `copies` per base vector.
fn noisy_median_top1(
    base: &[f32],
    neighbours: &[(usize, Vec<usize>)],
    sigma: f32,
    copies: usize,
) -> f32 {
    let mut rng = Rng::new(99);
    let (mut q, mut c) = (Vec::new(), Vec::new());
    let mut tops: Vec<f32> = neighbours
        .iter()
        .map(|(i, near)| {
            noisy(&base[i * DIM..(i + 1) * DIM], sigma, &mut rng, &mut q);
            let mut best = f32::MIN;
            for (rank, &j) in std::iter::once(i).chain(near).enumerate() {
                // The query's own base vector has copies - 1 other copies.
                let count = if rank == 0 { copies - 1 } else { copies };
                for _ in 0..count {
                    noisy(&base[j * DIM..(j + 1) * DIM], sigma, &mut rng, &mut c);
                    best = best.max(dot(&q, &c));
                }
            }
            best
        })
        .collect();
    tops.sort_by(f32::total_cmp);
    tops[tops.len() / 2]
}

/// Picks the noise scale whose noisy set has the base set's median
/// nearest-neighbour cosine (bisection; more noise, lower cosine).
fn choose_sigma(base: &[f32], copies: usize, target: f32) -> f32 {
    let n = base.len() / DIM;
    let mut rng = Rng::new(5);
    let neighbours: Vec<(usize, Vec<usize>)> = (0..150)
        .map(|_| {
            let i = rng.below(n);
            let v = &base[i * DIM..(i + 1) * DIM];
            let mut scored: Vec<(f32, usize)> = (0..n)
                .filter(|&j| j != i)
                .map(|j| (dot(v, &base[j * DIM..(j + 1) * DIM]), j))
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0));
            (i, scored.iter().take(30).map(|s| s.1).collect())
        })
        .collect();
    let (mut lo, mut hi) = (0.0f32, 3.0f32);
    println!("  choosing the noise scale sigma (target median top-1 cosine {target:.3}, {copies} copies per base vector):");
    for _ in 0..12 {
        let mid = (lo + hi) / 2.0;
        let m = noisy_median_top1(base, &neighbours, mid, copies);
        println!("    sigma {mid:.3}: median top-1 cosine {m:.3}");
        if m > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

fn exact_truth(
    index: &VectorIndex,
    queries: &[Vec<f32>],
    filters: &Filters,
) -> Vec<Vec<VectorHit>> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = queries.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = queries
            .chunks(chunk)
            .map(|qs| {
                s.spawn(move || {
                    qs.iter()
                        .map(|q| index.exact_search(q, 10, filters))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

fn recall(found: &[VectorHit], truth: &[VectorHit]) -> f64 {
    if truth.is_empty() {
        return 1.0;
    }
    truth
        .iter()
        .filter(|t| {
            found
                .iter()
                .any(|f| f.publication_number == t.publication_number)
        })
        .count() as f64
        / truth.len() as f64
}

/// Latencies (sorted) and mean recall@10 of `search` over the queries.
fn measure(
    queries: &[Vec<f32>],
    truth: &[Vec<VectorHit>],
    rounds: usize,
    search: impl Fn(&[f32]) -> Vec<VectorHit>,
) -> (Vec<Duration>, f64) {
    for q in queries.iter().take(20) {
        std::hint::black_box(search(q));
    }
    let mut times = Vec::with_capacity(queries.len() * rounds);
    let mut total = 0.0;
    for round in 0..rounds {
        for (q, t) in queries.iter().zip(truth) {
            let start = Instant::now();
            let hits = search(q);
            times.push(start.elapsed());
            if round == 0 {
                total += recall(&hits, t);
            }
        }
    }
    times.sort();
    (times, total / queries.len() as f64)
}

fn config() -> VectorConfig {
    VectorConfig {
        max_nb_connection: env_usize("VECTORS_BENCH_M", VectorConfig::default().max_nb_connection),
        ef_construction: env_usize("VECTORS_BENCH_EFC", VectorConfig::default().ef_construction),
        ..VectorConfig::default()
    }
}

/// A named set of query vectors.
type QuerySet = (String, Vec<Vec<f32>>);

/// Builds, commits and reloads an index over `n` vectors from `vector(i,
/// buf)`, then measures searches with each query set (latency with the
/// first). Returns (ef_search, recall@10 of the first set, the lowest
/// recall@10 of all sets, p50 ms).
fn run_set(
    name: &str,
    n: usize,
    mut vector: impl FnMut(usize, &mut Vec<f32>),
    query_sets: &[QuerySet],
    keep: Option<PathBuf>,
) -> Vec<(usize, f64, f64, f64)> {
    let reuse = keep.as_ref().is_some_and(|dir| dir.exists());
    // Removed on return unless kept.
    let mut tmp = None;
    let root = keep.unwrap_or_else(|| {
        tmp.insert(tempfile::tempdir_in(bench_data()).expect("temp dir"))
            .path()
            .join("index")
    });
    let mut built = None;
    if !reuse {
        let started = Instant::now();
        let mut index =
            VectorIndex::open_or_create(&root, MODEL, DIM, config()).expect("create index");
        let mut buf = Vec::with_capacity(DIM);
        for i in 0..n {
            vector(i, &mut buf);
            index
                .upsert(
                    &number(i),
                    fields(i),
                    &[(Passage::title_abstract(), &buf[..])],
                )
                .expect("upsert");
        }
        let build = started.elapsed();
        let started = Instant::now();
        index.commit().expect("commit");
        built = Some((build, started.elapsed(), peak_rss_mib()));
    }
    let started = Instant::now();
    let mut index = VectorIndex::open(&root, MODEL, DIM, config()).expect("reopen");
    let reload = started.elapsed();
    let queries = &query_sets[0].1;
    let truths: Vec<Vec<Vec<VectorHit>>> = query_sets
        .iter()
        .map(|(_, qs)| exact_truth(&index, qs, &Filters::default()))
        .collect();
    let truth = &truths[0];

    let cfg = config();
    println!(
        "\n{name}: {n} vectors of {DIM} dimensions, M {} ef_construction {}",
        cfg.max_nb_connection, cfg.ef_construction
    );
    match built {
        Some((build, commit, rss)) => println!(
            "  build (upserts + graph insertion): {:.1} s ({:.0} vectors/s); commit to disk {:.1} s; peak RSS {:.0} MiB",
            build.as_secs_f64(),
            n as f64 / build.as_secs_f64(),
            commit.as_secs_f64(),
            rss
        ),
        None => println!(
            "  build: reused the index kept at {} (VECTORS_BENCH_KEEP)",
            root.display()
        ),
    }
    println!(
        "  reload from the hnsw_rs dump: {:.2} s (a rebuild from the stored vectors is the build time above)",
        reload.as_secs_f64()
    );
    println!(
        "  recall@10 against exact search ({}), latency with the first:",
        query_sets
            .iter()
            .map(|(label, qs)| format!("{} {label}", qs.len()))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let mut rows = Vec::new();
    for ef in EF_VALUES {
        index.set_ef_search(ef);
        let (times, r) = measure(queries, truth, 3, |q| {
            index.search(q, 10, &Filters::default())
        });
        let mut line = format!(
            "  ef_search {ef:>3}: recall@10 {r:.4}, p50 {:.3} ms, p99 {:.3} ms",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99))
        );
        let mut worst = r;
        for ((label, qs), truth) in query_sets.iter().zip(&truths).skip(1) {
            let (_, r) = measure(qs, truth, 1, |q| index.search(q, 10, &Filters::default()));
            line += &format!("; {label}: recall@10 {r:.4}");
            worst = worst.min(r);
        }
        println!("{line}");
        rows.push((ef, r, worst, ms(percentile(&times, 0.5))));
    }
    let (times, _) = measure(queries, truth, 1, |q| {
        index.exact_search(q, 10, &Filters::default())
    });
    println!("  exact search: p50 {:.3} ms", ms(percentile(&times, 0.5)));

    if std::env::var("VECTORS_BENCH_FILTERED").as_deref() != Ok("0") {
        index.set_ef_search(VectorConfig::default().ef_search);
        println!(
            "  filtered search (k 10, ef_search {}), p50 ms / recall@10 per strategy:",
            VectorConfig::default().ef_search
        );
        let base = index.config().to_owned();
        let filter_docs = Instant::now();
        let all: Vec<FilterFields> = (0..n).map(fields).collect();
        let one = selectivity(10);
        let passing = all.iter().filter(|f| one.matches(f)).count();
        let matches_time = filter_docs.elapsed();
        println!(
            "    (evaluating a filter over all {n} documents: {:.1} ms incl. building their fields, {passing} pass; cached per filter)",
            ms(matches_time)
        );
        for percent in [1, 2, 5, 10, 30, 60] {
            let filters = selectivity(percent);
            let truth = exact_truth(&index, queries, &filters);
            let mut line = format!("    {percent:>2}% allowed:");
            for (label, exact_max_vectors, exact_max_fraction) in
                [("exact scan", usize::MAX, 1.0), ("graph", 0, 0.0)]
            {
                index
                    .set_config(VectorConfig {
                        exact_max_vectors,
                        exact_max_fraction,
                        ..base
                    })
                    .unwrap();
                let (times, r) = measure(queries, &truth, 1, |q| index.search(q, 10, &filters));
                line += &format!("  {label} {:.3} / {r:.3}", ms(percentile(&times, 0.5)));
            }
            index.set_config(base).unwrap();
            let (times, r) = measure(queries, &truth, 1, |q| index.search(q, 10, &filters));
            line += &format!("  | default {:.3} / {r:.3}", ms(percentile(&times, 0.5)));
            println!("{line}");
        }
    }
    rows
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing
    // and should only check that this compiles and starts.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    std::fs::create_dir_all(bench_data()).expect("target/bench-data");
    let (base, source) = match read_f32_rows(&bench_data().join("corpus-vectors.f32")) {
        Some(v) => (
            v,
            "real corpus vectors from target/bench-data/corpus-vectors.f32",
        ),
        None => (
            synthetic_base(40_000),
            "SYNTHETIC clustered vectors (target/bench-data/corpus-vectors.f32 not found)",
        ),
    };
    let n_base = base.len() / DIM;
    let base_top1 = median_top1(&base, 300, 3);
    let mut rng = Rng::new(11);
    let mut pairs: Vec<f32> = (0..2000)
        .map(|_| {
            let (i, j) = (rng.below(n_base), rng.below(n_base));
            dot(&base[i * DIM..(i + 1) * DIM], &base[j * DIM..(j + 1) * DIM])
        })
        .collect();
    pairs.sort_by(f32::total_cmp);
    println!("vector index benchmark (hnsw_rs), base set: {n_base} {source}");
    println!(
        "  base set: median cosine of random pairs {:.3}, median nearest-neighbour cosine {base_top1:.3}",
        pairs[pairs.len() / 2]
    );

    let real_queries = read_f32_rows(&bench_data().join("query-vectors.f32"));
    let large = env_usize("VECTORS_BENCH_LARGE", 1_000_000);
    // With the large set skipped, the queries are still those of a 1M run.
    let copies = if large > 0 { large } else { 1_000_000 }
        .div_ceil(n_base)
        .max(1);
    let sigma = choose_sigma(&base, copies, base_top1);
    println!("  chosen sigma {sigma:.3}");
    // Held-out queries: noisy copies of base vectors (not themselves stored).
    let held_out = |sigma: f32, seed: u64| -> Vec<Vec<f32>> {
        let mut rng = Rng::new(seed);
        (0..QUERIES)
            .map(|_| {
                let i = rng.below(n_base);
                let mut q = Vec::new();
                noisy(&base[i * DIM..(i + 1) * DIM], sigma, &mut rng, &mut q);
                q
            })
            .collect()
    };
    let query_sets: Vec<QuerySet> = match &real_queries {
        Some(q) => vec![(
            "real query vectors (target/bench-data/query-vectors.f32)".to_string(),
            q.chunks_exact(DIM).map(<[f32]>::to_vec).collect(),
        )],
        None => vec![
            (
                format!("held-out noisy copies of base vectors (sigma {sigma:.3})"),
                held_out(sigma, 1234),
            ),
            (
                format!("far queries (sigma {QUERY_SIGMA})"),
                held_out(QUERY_SIGMA, 4321),
            ),
        ],
    };

    run_set(
        "(a) base set",
        n_base,
        |i, buf| {
            buf.clear();
            buf.extend_from_slice(&base[i * DIM..(i + 1) * DIM]);
        },
        &query_sets,
        None,
    );

    if large > 0 {
        let mut rng = Rng::new(2024);
        let rows = run_set(
            "(b) structured set",
            large,
            |i, buf| {
                noisy(
                    &base[(i % n_base) * DIM..(i % n_base + 1) * DIM],
                    sigma,
                    &mut rng,
                    buf,
                )
            },
            &query_sets,
            std::env::var("VECTORS_BENCH_KEEP")
                .is_ok_and(|v| v != "0")
                .then(|| {
                    let cfg = config();
                    bench_data().join(format!(
                        "kept-structured-{large}-m{}-efc{}",
                        cfg.max_nb_connection, cfg.ef_construction
                    ))
                }),
        );
        let goal = rows.iter().find(|row| row.1 >= 0.98);
        println!(
            "\ngoal recall@10 >= 0.98 at p50 <= 1 ms on the {large}-vector set (held-out queries): {}",
            match goal {
                Some(row) if row.3 <= 1.0 => format!("met at ef_search {} (recall {:.4}, p50 {:.3} ms)", row.0, row.1, row.3),
                Some(row) => format!("NOT met (recall {:.4} needs ef_search {}, p50 {:.3} ms)", row.1, row.0, row.3),
                None => "NOT met (recall < 0.98 at every ef_search tried)".to_string(),
            }
        );
        if let Some(row) = rows.iter().find(|row| row.2 >= 0.98) {
            println!(
                "recommended default ef_search: {} (recall@10 >= 0.98 for every query set, lowest {:.4}; p50 {:.3} ms)",
                row.0, row.2, row.3
            );
        }
    }
    println!("peak RSS of the whole run: {:.0} MiB", peak_rss_mib());
}
