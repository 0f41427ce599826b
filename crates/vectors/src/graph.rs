//! The HNSW graph over the stored vectors: built, extended, dumped and
//! reloaded by hnsw_rs, searched through a flat copy of its links.
//!
//! The graph knows vectors by their store id (hnsw_rs's `DataId`) and covers
//! a prefix of the store; vectors added since are searched exactly until the
//! next refresh. It holds the vectors as 8-bit codes (one scale per vector,
//! see [`quantize`]): a distance then reads 388 bytes instead of 1,536 at
//! 384 dimensions, and reading them from memory is what a graph walk spends
//! its time on, for building and searching alike (benches/README.md,
//! "Figures behind the code's choices"). The codes only steer the walk: the
//! documents it finds are scored on the full-precision vectors of the store,
//! so scores are exact and identical to an exact search's.
//!
//! Why search a flat copy rather than call hnsw_rs's `search_filter`:
//! hnsw_rs's filtered search never stops early (it drains every candidate
//! once a filter is given), so a filtered search costs many times an
//! unfiltered one, the more the fewer vectors it allows (benches/README.md,
//! "Figures behind the code's choices"). Its points hold their links as `Arc`s
//! behind locks, it records visits in a hash map and allocates per
//! candidate. The flat copy ([`FlatGraph`]) keeps the same links as `u32`
//! ids in one array and visits in a bitset, and applies filters the usual
//! HNSW way: every node may be walked through, only allowed ones enter the
//! result set, and the walk stops as soon as no candidate can improve it.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::panic::AssertUnwindSafe;
use std::path::Path;

use hnsw_rs::anndists::dist::distances::Distance;
use hnsw_rs::api::AnnT;
use hnsw_rs::hnsw::Hnsw;
use hnsw_rs::hnswio::HnswIo;

use crate::hint;
use crate::store::Bits;

/// hnsw_rs keeps the layer count fixed at 16 and refuses to dump a graph
/// created with another value.
const MAX_LAYERS: usize = 16;

/// Below this many vectors a batch is inserted serially (deterministic, and
/// rayon's overhead does not pay).
const PARALLEL_MIN: usize = 1024;

/// Bytes a code adds to the vector's dimension: its scale, an f32.
const SCALE_BYTES: usize = 4;

/// Quantizes a vector to 8 bits: `round(x / s)` with `s = max|x| / 127`,
/// followed by the bytes of `s`, so that `dot(a, b) ~ s_a s_b sum(qa qb)`.
/// On 384-dimensional unit vectors the cosine it gives is within about 1e-3
/// of the exact one.
pub(crate) fn quantize(vector: &[f32], out: &mut Vec<i8>) {
    let max = vector.iter().fold(0f32, |m, x| m.max(x.abs()));
    let scale = max / 127.0;
    let inverse = if scale > 0.0 { 1.0 / scale } else { 0.0 };
    out.extend(
        vector
            .iter()
            .map(|x| (x * inverse).round().clamp(-127.0, 127.0) as i8),
    );
    out.extend(scale.to_le_bytes().map(|b| b as i8));
}

/// Approximate cosine of two codes made by [`quantize`].
#[inline(always)]
fn code_dot(a: &[i8], b: &[i8]) -> f32 {
    let n = a.len().min(b.len()).saturating_sub(SCALE_BYTES);
    let scale =
        |c: &[i8]| f32::from_le_bytes([c[n] as u8, c[n + 1] as u8, c[n + 2] as u8, c[n + 3] as u8]);
    // A plain integer sum: integer addition reassociates freely, so the
    // compiler turns it into `pmaddwd` on sign-extended bytes (32 per
    // instruction with AVX-512; checked in the assembly). Sixteen explicit
    // partial sums, as the float dot product has, came out as widening to
    // 32 bits and `pmulld`, twice the instructions.
    let sum: i32 = a[..n]
        .iter()
        .zip(&b[..n])
        .map(|(x, y)| *x as i32 * *y as i32)
        .sum();
    sum as f32 * scale(a) * scale(b)
}

/// hnsw_rs's distance: `1 - cos` on codes, clamped at 0.
///
/// Not anndists' `DistDot` on f32: without its SIMD features that one sums
/// in a single sequential chain, which the compiler cannot vectorise, and
/// asserts `1 - dot >= 0`, which rounding breaks for a vector compared with
/// itself or a duplicate, a panic waiting for `similar`. The clamp also keeps
/// hnsw_rs's own `dist >= 0` assertions true.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct CodeDistance;

impl Distance<i8> for CodeDistance {
    #[inline]
    fn eval(&self, a: &[i8], b: &[i8]) -> f32 {
        (1.0 - patsearch_simd::arch().dispatch(CodeDot(a, b))).max(0.0)
    }
}

/// [`code_dot`] compiled for the CPU's widest SIMD level. A struct of its
/// own, like the store's `Dot`, rather than one generic wrapper taking the
/// kernel as a function: that wrapper's call went through a `Fn::call` shim
/// the compiler did not inline, which compiled the kernel as SSE2 (checked
/// in the assembly).
struct CodeDot<'a>(&'a [i8], &'a [i8]);

impl pulp::WithSimd for CodeDot<'_> {
    type Output = f32;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> f32 {
        code_dot(self.0, self.1)
    }
}

/// Graph construction parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GraphParams {
    pub max_nb_connection: usize,
    pub ef_construction: usize,
}

pub(crate) struct Graph {
    hnsw: Hnsw<'static, i8, CodeDistance>,
    params: GraphParams,
    dim: usize,
    /// Codes of vectors `0..covers`, `dim + SCALE_BYTES` each: hnsw_rs's
    /// graph holds those vectors.
    codes: Vec<i8>,
    /// The searchable copy of the links; may lag behind until a refresh.
    flat: FlatGraph,
}

impl std::fmt::Debug for Graph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Graph")
            .field("params", &self.params)
            .field("covers", &self.covers())
            .field("searchable", &self.flat.covers)
            .finish()
    }
}

impl Graph {
    pub fn new(params: GraphParams, dim: usize, capacity: usize) -> Self {
        let hnsw = Hnsw::new(
            params.max_nb_connection,
            capacity.max(1024),
            MAX_LAYERS,
            params.ef_construction,
            CodeDistance,
        );
        Self {
            hnsw,
            params,
            dim,
            codes: Vec::new(),
            flat: FlatGraph::default(),
        }
    }

    fn code_len(&self) -> usize {
        self.dim + SCALE_BYTES
    }

    /// A graph over all `vectors` (row-major, `dim` floats each).
    pub fn build(params: GraphParams, dim: usize, vectors: &[f32]) -> Self {
        let mut graph = Self::new(params, dim, vectors.len() / dim.max(1));
        graph.extend(vectors);
        graph.refresh();
        graph
    }

    pub fn params(&self) -> GraphParams {
        self.params
    }

    /// Vectors `0..covers` are in the graph.
    pub fn covers(&self) -> usize {
        self.codes.len() / self.code_len()
    }

    /// Vectors `0..searchable` can be found by [`Graph::search`].
    pub fn searchable(&self) -> usize {
        self.flat.covers
    }

    /// Makes everything in hnsw_rs's graph searchable (re-flattens it).
    pub fn refresh(&mut self) {
        if self.flat.covers != self.covers() {
            self.flat = FlatGraph::of(&self.hnsw, self.covers());
        }
    }

    /// Inserts the vectors with ids `covers..`, given as the store's full
    /// row-major array.
    pub fn extend(&mut self, all_vectors: &[f32]) {
        let (dim, len) = (self.dim, self.code_len());
        let (from, total) = (self.covers(), all_vectors.len() / dim);
        if total <= from {
            return;
        }
        self.codes.reserve((total - from) * len);
        hint::advise_huge_pages(&self.codes);
        for vector in all_vectors[from * dim..total * dim].chunks_exact(dim) {
            quantize(vector, &mut self.codes);
        }
        let batch: Vec<(&[i8], usize)> = (from..total)
            .map(|id| (&self.codes[id * len..(id + 1) * len], id))
            .collect();
        if batch.len() >= PARALLEL_MIN {
            self.hnsw.parallel_insert_slice(&batch);
        } else {
            for item in batch {
                self.hnsw.insert_slice(item);
            }
        }
        // Re-flattening costs a pass over the whole graph: do it once the
        // unsearchable tail (scanned exactly by every query) reaches an
        // eighth of the graph, so its cost stays proportional to growth.
        if total - self.flat.covers >= (self.flat.covers / 8).max(PARALLEL_MIN) {
            self.refresh();
        }
    }

    /// The `ef` searchable vector ids nearest to `query` that `accept` lets
    /// through, nearest first by the codes' cosine (fewer when fewer are
    /// reachable).
    pub fn search(&self, query: &[f32], ef: usize, accept: impl Fn(u32) -> bool) -> Vec<u32> {
        let mut code = Vec::with_capacity(self.code_len());
        quantize(query, &mut code);
        self.flat.search(&self.codes, &code, ef, accept)
    }

    /// Writes `{basename}.hnsw.graph` and `{basename}.hnsw.data` into `dir`;
    /// returns the basename hnsw_rs actually used.
    pub fn dump(&self, dir: &Path, basename: &str) -> Result<String, String> {
        if self.covers() == 0 {
            return Err("cannot dump an empty graph".into());
        }
        // hnsw_rs panics (rather than erring) when it cannot create a file.
        std::panic::catch_unwind(AssertUnwindSafe(|| self.hnsw.file_dump(dir, basename)))
            .map_err(|_| "hnsw_rs panicked while dumping the graph".to_string())?
            .map_err(|e| e.to_string())
    }

    /// Reloads a dump made by [`Graph::dump`] of the graph over `vectors`.
    ///
    /// `HnswIo::load_hnsw` returns an `Hnsw<'b>` that borrows the `HnswIo`
    /// (in case it memory-maps the data file). Without memory mapping,
    /// which we do not ask for, the points own their vectors and the borrow
    /// is nominal, so the loader is leaked: a `Box<HnswIo>` of a few hundred
    /// bytes (two paths, options, no map) once per load, which turns the
    /// borrow into `'static` with no unsafe code and no self-referential
    /// struct. Loads happen at start-up, so the leak does not grow.
    ///
    /// hnsw_rs asserts (panics) on some malformed input, so the load runs
    /// under `catch_unwind`; the caller rebuilds from the stored vectors on
    /// any error.
    ///
    /// Reloading rather than rebuilding at start-up: reading the dump costs a
    /// small fraction of inserting every vector again (benches/README.md,
    /// "Figures behind the code's choices"). The reloaded graph is the one
    /// that was saved, so a reopened index answers exactly as before; a
    /// rebuild would differ slightly (parallel insertion is not
    /// deterministic).
    pub fn load(
        dir: &Path,
        basename: &str,
        params: GraphParams,
        dim: usize,
        vectors: &[f32],
    ) -> Result<Self, String> {
        let mut hnsw = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let loader: &'static mut HnswIo = Box::leak(Box::new(HnswIo::new(dir, basename)));
            loader.load_hnsw::<i8, CodeDistance>()
        }))
        .map_err(|_| "hnsw_rs panicked while loading the graph".to_string())?
        .map_err(|e| e.to_string())?;
        let covers = vectors.len() / dim;
        if hnsw.get_nb_point() != covers {
            return Err(format!(
                "graph has {} points, expected {covers}",
                hnsw.get_nb_point()
            ));
        }
        let loaded_dim = hnsw.get_point_indexation().get_data_dimension();
        if loaded_dim != dim + SCALE_BYTES {
            return Err(format!(
                "graph has codes of {loaded_dim} bytes, expected {}",
                dim + SCALE_BYTES
            ));
        }
        // A reloaded hnsw_rs graph turns on candidate extension for later
        // insertions; a freshly built one has it off. Keep them alike.
        hnsw.set_extend_candidates(false);
        // The codes are a function of the vectors: recomputed, not read.
        let mut codes = Vec::with_capacity(covers * (dim + SCALE_BYTES));
        hint::advise_huge_pages(&codes);
        for vector in vectors.chunks_exact(dim) {
            quantize(vector, &mut codes);
        }
        let flat = FlatGraph::of(&hnsw, covers);
        Ok(Self {
            hnsw,
            params,
            dim,
            codes,
            flat,
        })
    }
}

/// The links of an hnsw_rs graph as plain ids.
#[derive(Debug, Default)]
pub(crate) struct FlatGraph {
    /// Vectors `0..covers` are in it.
    covers: usize,
    entry: u32,
    top_layer: usize,
    /// Bottom-layer links of vector `i`: `links[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<u32>,
    links: Vec<u32>,
    /// Upper-layer links (layer 1 first) of the few vectors that have any.
    upper: HashMap<u32, Vec<Vec<u32>>>,
}

/// A distance that orders totally.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Dist(f32);

impl Eq for Dist {}

impl PartialOrd for Dist {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Dist {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl FlatGraph {
    fn of(hnsw: &Hnsw<'static, i8, CodeDistance>, covers: usize) -> Self {
        let mut bottom: Vec<Vec<u32>> = vec![Vec::new(); covers];
        let mut upper = HashMap::new();
        let (mut entry, mut top_layer) = (0u32, 0usize);
        for point in hnsw.get_point_indexation() {
            let id = point.get_origin_id() as u32;
            let level = point.get_point_id().0 as usize;
            let mut layers = point.get_neighborhood_id().into_iter().map(|layer| {
                layer
                    .into_iter()
                    .map(|n| n.d_id as u32)
                    .collect::<Vec<u32>>()
            });
            bottom[id as usize] = layers.next().unwrap_or_default();
            if level > 0 {
                upper.insert(id, layers.take(level).collect::<Vec<_>>());
            }
            if level > top_layer {
                (entry, top_layer) = (id, level);
            }
        }
        let mut offsets = Vec::with_capacity(covers + 1);
        let mut links = Vec::with_capacity(bottom.iter().map(Vec::len).sum());
        offsets.push(0);
        for list in bottom {
            links.extend(list);
            offsets.push(links.len() as u32);
        }
        Self {
            covers,
            entry,
            top_layer,
            offsets,
            links,
            upper,
        }
    }

    fn bottom_links(&self, id: u32) -> &[u32] {
        let (from, to) = (self.offsets[id as usize], self.offsets[id as usize + 1]);
        &self.links[from as usize..to as usize]
    }

    fn search(
        &self,
        codes: &[i8],
        query: &[i8],
        ef: usize,
        accept: impl Fn(u32) -> bool,
    ) -> Vec<u32> {
        if self.covers == 0 || ef == 0 {
            return Vec::new();
        }
        // Compiled for the widest SIMD level the CPU has, so that the code
        // distances inline as AVX2 or AVX-512 rather than SSE2.
        patsearch_simd::arch().dispatch(Walk {
            graph: self,
            codes,
            query,
            ef,
            accept,
        })
    }
}

/// One search of a [`FlatGraph`], run by `pulp`'s dispatch.
struct Walk<'a, F> {
    graph: &'a FlatGraph,
    codes: &'a [i8],
    query: &'a [i8],
    ef: usize,
    accept: F,
}

impl<F: Fn(u32) -> bool> pulp::WithSimd for Walk<'_, F> {
    type Output = Vec<u32>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Vec<u32> {
        self.run()
    }
}

impl<F: Fn(u32) -> bool> Walk<'_, F> {
    #[inline(always)]
    fn run(self) -> Vec<u32> {
        let Self {
            graph,
            codes,
            query,
            ef,
            accept,
        } = self;
        // Plain functions, not closures: a closure is a function of its own,
        // compiled without the dispatch's SIMD level unless inlined, and
        // the compiler did not inline these (the distances came out as SSE2:
        // benches/README.md, "Vector search at 1,000,000 vectors").
        let len = query.len();
        #[inline(always)]
        fn code(codes: &[i8], len: usize, id: u32) -> &[i8] {
            let start = id as usize * len;
            &codes[start..start + len]
        }
        #[inline(always)]
        fn distance(query: &[i8], code: &[i8]) -> Dist {
            Dist(1.0 - code_dot(query, code))
        }
        // Greedy descent through the upper layers.
        let mut current = graph.entry;
        let mut current_d = distance(query, code(codes, len, current));
        for layer in (1..=graph.top_layer).rev() {
            loop {
                let mut moved = false;
                let links = graph
                    .upper
                    .get(&current)
                    .and_then(|layers| layers.get(layer - 1));
                for &n in links.into_iter().flatten() {
                    let d = distance(query, code(codes, len, n));
                    if d < current_d {
                        (current, current_d) = (n, d);
                        moved = true;
                    }
                }
                if !moved {
                    break;
                }
            }
        }
        // Beam search of the bottom layer: every node may be walked through,
        // only accepted ones are results.
        let mut visited = Bits::with_len(graph.covers, false);
        let mut candidates = BinaryHeap::with_capacity(ef * 4);
        let mut results: BinaryHeap<(Dist, u32)> = BinaryHeap::with_capacity(ef + 1);
        let mut fresh = Vec::new();
        visited.set(current as usize, true);
        candidates.push(Reverse((current_d, current)));
        if accept(current) {
            results.push((current_d, current));
        }
        while let Some(Reverse((d, c))) = candidates.pop() {
            if results.len() >= ef && results.peek().is_some_and(|w| d > w.0) {
                break;
            }
            // Every unvisited neighbour's code is requested before the first
            // is scored, so their cache misses overlap.
            fresh.clear();
            for &n in graph.bottom_links(c) {
                if !visited.get(n as usize) {
                    visited.set(n as usize, true);
                    patsearch_simd::prefetch_l1(code(codes, len, n));
                    fresh.push(n);
                }
            }
            for &n in &fresh {
                let dn = distance(query, code(codes, len, n));
                if results.len() < ef || results.peek().is_some_and(|w| dn < w.0) {
                    candidates.push(Reverse((dn, n)));
                    if accept(n) {
                        results.push((dn, n));
                        if results.len() > ef {
                            results.pop();
                        }
                    }
                }
            }
        }
        results
            .into_sorted_vec()
            .into_iter()
            .map(|(_, id)| id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::dot;

    #[test]
    fn the_code_distance_is_the_same_bits_on_every_instruction_set() {
        for dim in [1, 31, 32, 64, 384, 1000] {
            let a: Vec<f32> = (0..dim).map(|i| ((i * 13) % 29) as f32 - 14.0).collect();
            let b: Vec<f32> = (0..dim).map(|i| ((i * 7) % 23) as f32 - 11.0).collect();
            let (a, b) = (code(&a), code(&b));
            let scalar = pulp::Arch::Scalar.dispatch(CodeDot(&a, &b));
            for isa in patsearch_simd::Isa::available() {
                let arch = patsearch_simd::arch_of(isa).expect("available");
                let got = arch.dispatch(CodeDot(&a, &b));
                assert_eq!(got.to_bits(), scalar.to_bits(), "{isa} dimension {dim}");
            }
        }
    }

    fn code(v: &[f32]) -> Vec<i8> {
        let mut out = Vec::new();
        quantize(v, &mut out);
        out
    }

    #[test]
    fn codes_approximate_the_cosine_and_distances_stay_non_negative() {
        let v = [0.6f32, 0.8];
        let self_distance = CodeDistance.eval(&code(&v), &code(&v));
        assert!((0.0..0.01).contains(&self_distance), "{self_distance}");
        let w = [0.0f32, 1.0];
        assert_eq!(CodeDistance.eval(&code(&w), &code(&w)), 0.0);
        let a: Vec<f32> = (0..384).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..384).map(|i| (i as f32 * 0.11).cos() + 0.3).collect();
        let norm = |v: &[f32]| v.iter().map(|x| x / dot(v, v).sqrt()).collect::<Vec<_>>();
        let (a, b) = (norm(&a), norm(&b));
        assert!((code_dot(&code(&a), &code(&b)) - dot(&a, &b)).abs() < 2e-3);
        assert_eq!(code(&[0.0, 0.0]), vec![0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn graph_finds_the_nearest_of_a_few_vectors() {
        let params = GraphParams {
            max_nb_connection: 8,
            ef_construction: 32,
        };
        let vectors: Vec<f32> = (0..50)
            .flat_map(|i| {
                let a = i as f32 * 0.1;
                [a.cos(), a.sin()]
            })
            .collect();
        let graph = Graph::build(params, 2, &vectors);
        assert_eq!((graph.covers(), graph.searchable()), (50, 50));
        let q = [(1.23f32).cos(), (1.23f32).sin()];
        assert_eq!(graph.search(&q, 3, |_| true), vec![12, 13, 11]);
        assert_eq!(graph.search(&q, 3, |id| id % 2 == 1), vec![13, 11, 15]);
    }
}
