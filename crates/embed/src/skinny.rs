//! The matrix product of a short text: `dst += x * w` where `x` has a few rows
//! (a query's dozen tokens) and `w` is a linear layer's `inputs x outputs`
//! weight.
//!
//! For so few rows the cost is reading the weights (42 MB for MiniLM, from the
//! L3 cache at best), not the arithmetic: a general kernel (`gemm`'s, tiled
//! for large products) covers a handful of rows per tile and streams the
//! weights once per tile. This one keeps a register group's partial sums in
//! vector registers and streams the weights once per group, from a copy
//! packed in 32-column panels ([`Panels`]) and prefetched ahead: per input
//! `k`, a few vectors of `w[k]` are loaded and multiplied into every row's
//! accumulators with `x[t][k]` broadcast. One generic kernel serves every
//! instruction set (`pulp`); what differs is how much of a tile the
//! registers hold at once (see [`run`]). Only products of at most
//! [`MAX_ROWS`] rows come here; large batches keep `gemm`. Figures:
//! benches/README.md ("Query embedding latency", "Portable speed").
//!
//! A short text's pass shares every product with helper threads started once
//! per pass ([`Team`]): each takes column chunks (so a share of the weights)
//! into a buffer of its own, added into place, instead of a `rayon::join` per
//! product, whose two thread wake-ups cost more than the half of the work
//! they saved.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};

use pulp::{Simd, WithSimd};

use patsearch_simd::prefetch_l2;

/// The most rows of a register group: with AVX-512, 14 rows x 2 vectors = 28
/// accumulators, leaving registers for the two weight vectors and a
/// broadcast (narrower instruction sets cut a group into blocks, see [`run`]).
pub(crate) const GROUP: usize = 14;

/// Products with at most this many rows take this path (processed as groups
/// of at most [`GROUP`]), so that a whole query or pasted claim does: up to
/// this size the kernel beats `gemm`'s column split on two threads and
/// matches it on one (benches/README.md, "Query embedding latency", longer
/// texts). Batches of many texts have far more rows and keep `gemm`.
pub(crate) const MAX_ROWS: usize = 128;

/// Output columns per tile: two AVX-512 vectors.
const TILE: usize = 32;

/// A linear layer's weight (`k x n`) laid out for this kernel: tiles of
/// [`TILE`] columns, each stored input-major and contiguous (`k x TILE`), so
/// that a tile's weights stream sequentially. Read row by row, the plain layout
/// would jump a whole weight row (kilobytes) per input, which defeats the
/// hardware prefetchers: the product then waits on memory rather than
/// computing. Columns past the last whole tile stay row-major in `tail`.
///
/// The tiles hold f32, not half precision widened in registers: at a dozen
/// rows the kernel is bound by its instruction stream and the hand-offs
/// between threads, not by reading weights, so halving the bytes gains
/// nothing and would move the vectors (benches/README.md, "Query embedding
/// latency").
#[derive(Debug, Clone)]
pub(crate) struct Panels {
    k: usize,
    n: usize,
    tiles: Vec<f32>,
    tail: Vec<f32>,
}

impl Panels {
    /// Packs a row-major `k x n` weight.
    pub(crate) fn new(w: &[f32], k: usize, n: usize) -> Self {
        assert_eq!(w.len(), k * n, "weight is not k x n");
        let whole = n / TILE * TILE;
        let mut tiles = Vec::with_capacity(k * whole);
        for tile in (0..whole).step_by(TILE) {
            for row in w.chunks_exact(n) {
                tiles.extend_from_slice(&row[tile..tile + TILE]);
            }
        }
        let tail = w
            .chunks_exact(n)
            .flat_map(|row| &row[whole..])
            .copied()
            .collect();
        Self { k, n, tiles, tail }
    }

    fn whole_tiles(&self) -> usize {
        self.n / TILE
    }
}

/// `dst (rows x n, row-major) += x (rows x k, row-major) * w`, split between
/// `threads` threads of the current rayon pool.
pub(crate) fn matmul_accumulate(
    dst: &mut [f32],
    x: &[f32],
    w: &Panels,
    rows: usize,
    threads: usize,
    arch: pulp::Arch,
) {
    let n = w.n;
    assert_eq!(dst.len(), rows * n, "destination is not rows x n");
    if rows == 0 || n == 0 {
        return;
    }
    let x = Interleaved::new(x, rows, w.k);
    let tiles = w.whole_tiles();
    if threads < 2 || tiles < 2 {
        columns(dst, n, &x, w, 0..tiles, true, arch);
        return;
    }
    // The left thread takes the first half of the tiles, the right one the
    // rest and the tail, into a buffer of its own.
    let split = tiles.div_ceil(2);
    let right_start = split * TILE;
    let right_width = n - right_start;
    let mut right = vec![0.0f32; rows * right_width];
    rayon::join(
        || columns(dst, n, &x, w, 0..split, false, arch),
        || columns(&mut right, right_width, &x, w, split..tiles, true, arch),
    );
    add_columns(dst, n, right_start, &right);
}

/// `dst[row][start..start + width] += part[row]` for every row (`part` holds
/// rows of `width` values).
fn add_columns(dst: &mut [f32], n: usize, start: usize, part: &[f32]) {
    let rows = dst.len() / n;
    if rows == 0 || part.is_empty() {
        return;
    }
    let width = part.len() / rows;
    for (row, part) in dst.chunks_exact_mut(n).zip(part.chunks_exact(width)) {
        for (d, p) in row[start..start + width].iter_mut().zip(part) {
            *d += p;
        }
    }
}

/// A product's input rows laid out for the kernel, once per product: in
/// blocks of at most [`BLOCK_ROWS`] rows, each cut into groups of at most
/// [`GROUP`] rows whose values are interleaved (`k x count`, input-major), so
/// that the loop finds the values it broadcasts side by side at fixed
/// offsets instead of one row apart each.
#[derive(Debug, Default)]
pub(crate) struct Interleaved {
    rows: usize,
    k: usize,
    values: Vec<f32>,
}

impl Interleaved {
    pub(crate) fn new(x: &[f32], rows: usize, k: usize) -> Self {
        let mut this = Self::default();
        this.fill(x, rows, k);
        this
    }

    /// Lays out `x` (`rows x k`, row-major), reusing the buffer.
    pub(crate) fn fill(&mut self, x: &[f32], rows: usize, k: usize) {
        assert_eq!(x.len(), rows * k, "input is not rows x k");
        self.rows = rows;
        self.k = k;
        // Every value is overwritten below: no need to clear.
        self.values.resize(rows * k, 0.0);
        for_each_group(rows, |first, count| {
            let group = &mut self.values[first * k..(first + count) * k];
            let x = &x[first * k..(first + count) * k];
            macro_rules! by_count {
                ($($g:literal)*) => {
                    match count {
                        $($g => interleave::<$g>(group, x, k),)*
                        _ => unreachable!("at most GROUP rows per group"),
                    }
                };
            }
            by_count!(1 2 3 4 5 6 7 8 9 10 11 12 13 14);
        });
    }
}

/// `out[p * G + t] = x[t * k + p]`: `G` rows of `k` values interleaved.
/// The row count is a constant so that the inner loop unrolls without bounds
/// checks: with a run-time count this transposition is a visible share of a
/// query's embedding (benches/README.md, "HTTP search throughput").
#[inline(always)]
fn interleave<const G: usize>(out: &mut [f32], x: &[f32], k: usize) {
    let rows: [&[f32]; G] = std::array::from_fn(|t| &x[t * k..(t + 1) * k]);
    for (p, out) in out.chunks_exact_mut(G).take(k).enumerate() {
        let out: &mut [f32; G] = out.try_into().expect("G values per input");
        for t in 0..G {
            out[t] = rows[t][p];
        }
    }
}

/// Calls `f(first row, rows)` for each register group of each block, in order.
fn for_each_group(rows: usize, mut f: impl FnMut(usize, usize)) {
    for block_start in (0..rows).step_by(BLOCK_ROWS) {
        let block_rows = BLOCK_ROWS.min(rows - block_start);
        let groups = block_rows.div_ceil(GROUP);
        let per_group = block_rows.div_ceil(groups);
        let mut first = block_start;
        while first < block_start + block_rows {
            let count = per_group.min(block_start + block_rows - first);
            f(first, count);
            first += count;
        }
    }
}

/// Tiles `tiles` of the product (and the tail columns when `with_tail`),
/// accumulated into `out` (`rows` rows of stride `out_stride`, whose first
/// column is the first tile's).
fn columns(
    out: &mut [f32],
    out_stride: usize,
    x: &Interleaved,
    w: &Panels,
    tiles: std::ops::Range<usize>,
    with_tail: bool,
    arch: pulp::Arch,
) {
    let k = w.k;
    assert_eq!(x.k, k, "input width is not the weight's");
    // Many rows (a batch of texts): blocks of rows whose activations stay in
    // the L2 cache while a few tiles' weights (also in L2) are swept over them.
    for block_start in (0..x.rows).step_by(BLOCK_ROWS) {
        let block_rows = BLOCK_ROWS.min(x.rows - block_start);
        let mut tile = tiles.start;
        loop {
            let end = (tile + TILES_PER_PASS).min(tiles.end);
            let last = end == tiles.end;
            for_each_group(block_rows, |first, count| {
                let first = block_start + first;
                let pass = Columns {
                    out: &mut out[first * out_stride + (tile - tiles.start) * TILE..],
                    out_stride,
                    x: &x.values[first * k..(first + count) * k],
                    w,
                    rows: count,
                    tiles: tile..end,
                    with_tail: with_tail && last,
                };
                arch.dispatch(pass);
            });
            if last {
                break;
            }
            tile = end;
        }
    }
}

/// Lets other threads share the products of one short text's forward pass.
///
/// Splitting each product with `rayon::join` (as [`matmul_accumulate`] does)
/// costs two thread wake-ups per product (the other thread starting, then
/// the caller resuming), together a large part of the half of the work they
/// save, 24 times per query (benches/README.md, "Query embedding latency").
/// Instead, helpers are started once per pass ([`Team::help`]) and spin
/// between products. Each product is
/// cut into a few column chunks that the caller ([`Team::product`]) and the
/// helpers claim from one atomic counter, so the caller never waits for a
/// helper that has not started (it then claims every chunk itself); the
/// caller only waits for chunks a helper has claimed and is computing. The
/// helpers stop when the caller drops its [`Finish`] guard.
///
/// A chunk's result is the kernel's, added into the destination as the
/// kernel adds it, so the vectors do not depend on who computed what.
pub(crate) struct Team<'w> {
    /// `generation << 32 | next chunk to claim`: a claim is only taken for
    /// the product it was meant for.
    state: AtomicU64,
    /// Chunks of the current product finished.
    done: AtomicUsize,
    finished: AtomicBool,
    job: RwLock<Job<'w>>,
    outputs: Vec<Mutex<Vec<f32>>>,
    arch: pulp::Arch,
}

#[derive(Default)]
struct Job<'w> {
    x: Interleaved,
    weight: Option<&'w Panels>,
}

/// Stops a [`Team`]'s helpers when dropped (also on a panic, so that no
/// helper spins forever).
pub(crate) struct Finish<'t, 'w>(&'t Team<'w>);

impl Drop for Finish<'_, '_> {
    fn drop(&mut self) {
        self.0.finished.store(true, Ordering::Release);
    }
}

/// Counts a claimed chunk as done when dropped.
struct Done<'a>(&'a AtomicUsize);

impl Drop for Done<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Release);
    }
}

/// Waits a little: a few spins, then yields the core (the partner may be
/// descheduled on a busy machine).
fn back_off(spins: &mut u32) {
    if *spins < 256 {
        *spins += 1;
        std::hint::spin_loop();
    } else {
        std::thread::yield_now();
    }
}

impl<'w> Team<'w> {
    /// A team whose products are cut into `chunks` column chunks, computed
    /// with `arch`'s kernels.
    pub(crate) fn new(chunks: usize, arch: pulp::Arch) -> Self {
        let chunks = chunks.max(1);
        Self {
            // Product 0: nothing to claim until the first is published.
            state: AtomicU64::new(chunks as u64),
            done: AtomicUsize::new(0),
            finished: AtomicBool::new(false),
            job: RwLock::new(Job::default()),
            outputs: (0..chunks).map(|_| Mutex::new(Vec::new())).collect(),
            arch,
        }
    }

    /// The guard whose drop stops the helpers.
    pub(crate) fn finish_on_drop(&self) -> Finish<'_, 'w> {
        Finish(self)
    }

    fn chunks(&self) -> usize {
        self.outputs.len()
    }

    /// The tiles of chunk `c` of a product with `tiles` whole tiles; the last
    /// chunk also takes the tail columns.
    fn chunk_tiles(&self, c: usize, tiles: usize) -> std::ops::Range<usize> {
        let chunks = self.chunks();
        tiles * c / chunks..tiles * (c + 1) / chunks
    }

    /// Claims the next chunk of product `generation`, if any is left.
    fn claim(&self, generation: u64) -> Option<usize> {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let next = (state & u64::from(u32::MAX)) as usize;
            if state >> 32 != generation || next >= self.chunks() {
                return None;
            }
            match self.state.compare_exchange_weak(
                state,
                state + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(next),
                Err(now) => state = now,
            }
        }
    }

    /// A helper's loop: computes claimed chunks into their output buffers
    /// until the pass is finished.
    pub(crate) fn help(&self) {
        let mut spins = 0;
        while !self.finished.load(Ordering::Acquire) {
            let generation = self.state.load(Ordering::Acquire) >> 32;
            let Some(c) = self.claim(generation) else {
                back_off(&mut spins);
                continue;
            };
            spins = 0;
            // Counted as done even if it panics, so that the caller does not
            // wait forever (the panic then reaches it through the scope).
            let _done = Done(&self.done);
            {
                let job = self.job.read().unwrap_or_else(PoisonError::into_inner);
                let w = job.weight.expect("a published product has its weight");
                let tiles = self.chunk_tiles(c, w.whole_tiles());
                let last = c + 1 == self.chunks();
                let width = tiles.len() * TILE
                    + if last {
                        w.n - w.whole_tiles() * TILE
                    } else {
                        0
                    };
                let mut out = self.outputs[c]
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                out.clear();
                out.resize(job.x.rows * width, 0.0);
                if width > 0 {
                    columns(&mut out, width, &job.x, w, tiles, last, self.arch);
                }
            }
        }
    }

    /// `dst (rows x n) += x (rows x k) * w`, shared with whichever helpers
    /// are running. Called by one thread (the pass's own) only.
    pub(crate) fn product(&self, dst: &mut [f32], x: &[f32], w: &'w Panels, rows: usize) {
        let n = w.n;
        assert_eq!(dst.len(), rows * n, "destination is not rows x n");
        if rows == 0 || n == 0 {
            return;
        }
        // No chunk of the previous product is outstanding (the caller waited
        // for all of them), so no helper holds the job.
        {
            let mut job = self.job.write().unwrap_or_else(PoisonError::into_inner);
            job.x.fill(x, rows, w.k);
            job.weight = Some(w);
        }
        self.done.store(0, Ordering::Relaxed);
        let generation = (self.state.load(Ordering::Relaxed) >> 32) + 1;
        self.state.store(generation << 32, Ordering::Release);

        let tiles = w.whole_tiles();
        let mut mine = vec![false; self.chunks()];
        {
            let job = self.job.read().unwrap_or_else(PoisonError::into_inner);
            while let Some(c) = self.claim(generation) {
                let range = self.chunk_tiles(c, tiles);
                let last = c + 1 == self.chunks();
                if !range.is_empty() || last {
                    let start = range.start * TILE;
                    columns(&mut dst[start..], n, &job.x, w, range, last, self.arch);
                }
                mine[c] = true;
                self.done.fetch_add(1, Ordering::Release);
            }
        }
        let mut spins = 0;
        while self.done.load(Ordering::Acquire) < self.chunks() {
            back_off(&mut spins);
        }
        for (c, output) in self.outputs.iter().enumerate() {
            if !mine[c] {
                let start = self.chunk_tiles(c, tiles).start * TILE;
                add_columns(
                    dst,
                    n,
                    start,
                    &output.lock().unwrap_or_else(PoisonError::into_inner),
                );
            }
        }
    }
}

/// Rows per block of a many-rows product (8 register groups).
const BLOCK_ROWS: usize = 8 * GROUP;

/// Tiles whose weights one sweep over a block of rows reads (4 x 32 columns:
/// 192 KiB of a 384-input layer's weights).
const TILES_PER_PASS: usize = 4;

struct Columns<'a> {
    out: &'a mut [f32],
    out_stride: usize,
    /// The group's rows interleaved: `x[p * rows + t]` is row `t`'s input `p`.
    x: &'a [f32],
    w: &'a Panels,
    rows: usize,
    tiles: std::ops::Range<usize>,
    with_tail: bool,
}

impl WithSimd for Columns<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        macro_rules! by_rows {
            ($($g:literal)*) => {
                match self.rows {
                    $($g => run::<S, $g>(simd, self),)*
                    _ => unreachable!("at most GROUP rows per pass"),
                }
            };
        }
        by_rows!(1 2 3 4 5 6 7 8 9 10 11 12 13 14);
    }
}

#[inline(always)]
fn run<S: Simd, const G: usize>(simd: S, mut c: Columns<'_>) {
    // Per instruction set, the widest block of accumulators its registers
    // hold beside the weight vectors and a broadcast: AVX-512 (32 registers
    // of 16 lanes) keeps a whole tile of every row of the group (28
    // accumulators); AVX2 (16 of 8) half a tile of up to 6 rows (12), NEON
    // (32 of 4) half a tile of up to 6 rows (24). Every output is the same
    // sequence of fused multiply-adds from zero, added to the destination
    // last, on every path, so the vectors do not depend on the CPU.
    if S::F32_LANES == TILE / 2 {
        for tile in c.tiles.clone() {
            // One pass over all the inputs.
            let at = Block {
                tile,
                col: 0,
                first: 0,
                inputs: 0..c.w.k,
                last: true,
            };
            block::<S, G, G, 2, true>(simd, &mut c, &at, &mut [[0.0; TILE]; G]);
        }
    } else if S::F32_LANES == 8 {
        for tile in c.tiles.clone() {
            half_tiles::<S, G, 2>(simd, &mut c, tile);
        }
    } else if S::F32_LANES == 4 {
        for tile in c.tiles.clone() {
            half_tiles::<S, G, 4>(simd, &mut c, tile);
        }
    } else {
        // No vector registers: the same product in plain loops.
        let k = c.w.k;
        for tile in c.tiles.clone() {
            let panel = &c.w.tiles[tile * k * TILE..(tile + 1) * k * TILE];
            let j = (tile - c.tiles.start) * TILE;
            for t in 0..G {
                let mut acc = [0.0f32; TILE];
                for (xp, w_row) in c.x.chunks_exact(G).zip(panel.chunks_exact(TILE)) {
                    for (a, w) in acc.iter_mut().zip(w_row) {
                        *a = xp[t].mul_add(*w, *a);
                    }
                }
                for (o, a) in c.out[t * c.out_stride + j..][..TILE].iter_mut().zip(&acc) {
                    *o += a;
                }
            }
        }
    }
    tail::<G>(c);
}

/// Inputs per chunk of a half-tile pass (see [`half_tiles`]), and how many
/// weight rows ahead (into the next tile at its end) every pass prefetches:
/// 8 KiB of panel. The hardware prefetchers do not run far enough ahead of
/// these loops for weights that come from the L3 cache or memory. 64 is the
/// best of the sizes tried, for AVX-512's single pass and AVX2's half tiles
/// alike (benches/README.md, "Portable speed: AVX2 and NEON").
const CHUNK_INPUTS: usize = 64;

/// A tile as two halves of `V` vectors each, the group's rows in as few
/// blocks of at most six as possible, of even sizes. The inputs go in chunks
/// of [`CHUNK_INPUTS`] (8 KiB of the panel), each chunk's weights read by
/// every half and block while they are in the L1 cache, the partial sums kept
/// in `partial` between chunks; the first pass over a chunk prefetches the
/// weights ahead.
#[inline(always)]
fn half_tiles<S: Simd, const G: usize, const V: usize>(simd: S, c: &mut Columns<'_>, tile: usize) {
    const HALF: usize = TILE / 2;
    debug_assert_eq!(V * S::F32_LANES, HALF);
    let k = c.w.k;
    let blocks = G.div_ceil(6);
    let mut partial = [[0.0f32; TILE]; G];
    let mut start = 0;
    while start < k {
        let inputs = start..(start + CHUNK_INPUTS).min(k);
        let last = inputs.end == k;
        for col in [0, HALF] {
            let mut first = 0;
            for b in 0..blocks {
                let rows = (G - first) / (blocks - b);
                let at = Block {
                    tile,
                    col,
                    first,
                    inputs: inputs.clone(),
                    last,
                };
                macro_rules! by_rows {
                    ($($r:literal)*) => {
                        match (rows, b == 0 && col == 0) {
                            $(
                                ($r, true) => block::<S, G, $r, V, true>(simd, c, &at, &mut partial),
                                ($r, false) => block::<S, G, $r, V, false>(simd, c, &at, &mut partial),
                            )*
                            _ => unreachable!("at most six rows per block"),
                        }
                    };
                }
                by_rows!(1 2 3 4 5 6);
                first += rows;
            }
        }
        start = inputs.end;
    }
}

/// Where a [`block`] works: rows `first..` of the group, columns
/// `col..` of `tile`, over `inputs`; `last`: the chunk that ends the inputs.
struct Block {
    tile: usize,
    col: usize,
    first: usize,
    inputs: std::ops::Range<usize>,
    last: bool,
}

/// Rows `first..first + R` times `V` vectors of columns from `col`, over one
/// chunk of inputs: the sums so far come from `partial` and go back there,
/// or, after the last chunk, are added into the output. `PREFETCH`: ask for
/// the whole tile's weights [`CHUNK_INPUTS`] rows ahead (the first pass over
/// the chunk).
#[inline(always)]
fn block<S: Simd, const G: usize, const R: usize, const V: usize, const PREFETCH: bool>(
    simd: S,
    c: &mut Columns<'_>,
    at: &Block,
    partial: &mut [[f32; TILE]; G],
) {
    let k = c.w.k;
    let width = V * S::F32_LANES;
    let (col, first) = (at.col, at.first);
    let panel = &c.w.tiles[at.tile * k * TILE..(at.tile + 1) * k * TILE];
    // Plain loops rather than `std::array::from_fn`, which was not always
    // inlined (a call per input, compiled without the SIMD features).
    let mut acc = [[simd.splat_f32s(0.0); V]; R];
    for (t, acc) in acc.iter_mut().enumerate() {
        let (v, _) = S::as_simd_f32s(&partial[first + t][col..col + width]);
        acc.copy_from_slice(&v[..V]);
    }
    let rows = panel[at.inputs.start * TILE..at.inputs.end * TILE].chunks_exact(TILE);
    let xs = c.x[at.inputs.start * G..at.inputs.end * G].chunks_exact(G);
    for (p, (w_row, xp)) in (at.inputs.start..).zip(rows.zip(xs)) {
        if PREFETCH {
            let ahead = (at.tile * k + p + CHUNK_INPUTS) * TILE;
            prefetch_l2(&c.w.tiles, ahead);
            prefetch_l2(&c.w.tiles, ahead + TILE / 2);
        }
        let (v, _) = S::as_simd_f32s(&w_row[col..col + width]);
        let mut w = [simd.splat_f32s(0.0); V];
        w.copy_from_slice(&v[..V]);
        let xp: &[f32; R] = xp[first..first + R].try_into().expect("R values per input");
        for t in 0..R {
            let b = simd.splat_f32s(xp[t]);
            for i in 0..V {
                acc[t][i] = simd.mul_add_f32s(b, w[i], acc[t][i]);
            }
        }
    }
    if at.last {
        let j = (at.tile - c.tiles.start) * TILE + col;
        for (t, acc) in acc.iter().enumerate() {
            let row = (first + t) * c.out_stride + j;
            let (o, _) = S::as_mut_simd_f32s(&mut c.out[row..row + width]);
            for i in 0..V {
                o[i] = simd.add_f32s(o[i], acc[i]);
            }
        }
    } else {
        for (t, acc) in acc.iter().enumerate() {
            let (o, _) = S::as_mut_simd_f32s(&mut partial[first + t][col..col + width]);
            o[..V].copy_from_slice(acc);
        }
    }
}

/// The columns past the last whole tile (f32, plain loops: a few at most).
#[inline(always)]
fn tail<const G: usize>(c: Columns<'_>) {
    let n = c.w.n;
    let first = c.tiles.start;
    if c.with_tail {
        let whole = c.w.whole_tiles() * TILE;
        let width = n - whole;
        let j = (c.tiles.end - first) * TILE;
        for t in 0..G {
            for col in 0..width {
                let mut s = 0.0f32;
                for (p, xp) in c.x.chunks_exact(G).enumerate() {
                    s = xp[t].mul_add(c.w.tail[p * width + col], s);
                }
                c.out[t * c.out_stride + j + col] += s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(x: &[f32], w: &[f32], rows: usize, k: usize, n: usize) -> Vec<f64> {
        let mut out = vec![0.0f64; rows * n];
        for t in 0..rows {
            for j in 0..n {
                out[t * n + j] = (0..k)
                    .map(|p| f64::from(x[t * k + p]) * f64::from(w[p * n + j]))
                    .sum();
            }
        }
        out
    }

    /// Every instruction set this CPU runs, on every row count (every register
    /// group and block shape), width (whole tiles and tails) and thread split,
    /// gives the naive product within rounding, and exactly the scalar path's
    /// bits.
    #[test]
    fn every_instruction_set_matches_the_naive_product_and_the_scalar_bits() {
        let k = 37;
        let isas = patsearch_simd::Isa::available();
        for rows in [1, 2, 5, 6, 7, 12, 13, 14, 15, 16, 29, 32, 57, 128] {
            for n in [1, 5, 31, 32, 33, 64, 100, 384, 1152] {
                let x: Vec<f32> = (0..rows * k)
                    .map(|i| ((i * 7) % 13) as f32 * 0.25 - 1.5)
                    .collect();
                let w: Vec<f32> = (0..k * n)
                    .map(|i| ((i * 5) % 11) as f32 * 0.125 - 0.625)
                    .collect();
                let expected = naive(&x, &w, rows, k, n);
                let panels = Panels::new(&w, k, n);
                let start: Vec<f32> = (0..rows * n).map(|i| i as f32 * 0.01).collect();
                let mut scalar = start.clone();
                matmul_accumulate(&mut scalar, &x, &panels, rows, 1, pulp::Arch::Scalar);
                for &isa in &isas {
                    let arch = patsearch_simd::arch_of(isa).expect("available");
                    for threads in [1, 2] {
                        let mut dst = start.clone();
                        matmul_accumulate(&mut dst, &x, &panels, rows, threads, arch);
                        for (i, (d, e)) in dst.iter().zip(&expected).enumerate() {
                            let want = e + f64::from(start[i]);
                            assert!(
                                (f64::from(*d) - want).abs() < 1e-4 * (1.0 + want.abs()),
                                "{isa} rows {rows} n {n} threads {threads} element {i}: {d} vs {want}"
                            );
                        }
                        assert!(
                            dst.iter()
                                .zip(&scalar)
                                .all(|(a, b)| a.to_bits() == b.to_bits()),
                            "{isa} rows {rows} n {n} threads {threads}: not the scalar bits"
                        );
                    }
                }
            }
        }
    }
}
