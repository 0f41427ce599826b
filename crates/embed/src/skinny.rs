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
//! A product runs on the calling thread: a query embeds on the thread of its
//! search, and a batch of texts runs whole batches one per thread. Sharing a
//! short text's products between threads costs more CPU time than it saves
//! (benches/README.md, "Portable speed: AVX2 and NEON", "Query split in the
//! server").

use pulp::{Simd, WithSimd};

use patsearch_simd::prefetch_l2;

/// The most rows of a register group: with AVX-512, 14 rows x 2 vectors = 28
/// accumulators, leaving registers for the two weight vectors and a
/// broadcast (narrower instruction sets cut a group into blocks, see [`run`]).
pub(crate) const GROUP: usize = 14;

/// Products with at most this many rows take this path (processed as groups
/// of at most [`GROUP`]), so that a whole query or pasted claim does: up to
/// this size the kernel matches `gemm` on one thread (benches/README.md,
/// "Query embedding latency", longer texts). Batches of many texts have far
/// more rows and keep `gemm`.
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
/// rows the kernel is bound by its instruction stream, not by reading
/// weights, so halving the bytes gains nothing and would move the vectors
/// (benches/README.md, "Query embedding latency").
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

/// `dst (rows x n, row-major) += x (rows x k, row-major) * w`.
pub(crate) fn matmul_accumulate(
    dst: &mut [f32],
    x: &[f32],
    w: &Panels,
    rows: usize,
    arch: pulp::Arch,
) {
    let n = w.n;
    assert_eq!(dst.len(), rows * n, "destination is not rows x n");
    if rows == 0 || n == 0 {
        return;
    }
    let k = w.k;
    let x = interleaved(x, rows, k);
    let tiles = w.whole_tiles();
    // Many rows (a batch of texts): blocks of rows whose activations stay in
    // the L2 cache while a few tiles' weights (also in L2) are swept over them.
    for block_start in (0..rows).step_by(BLOCK_ROWS) {
        let block_rows = BLOCK_ROWS.min(rows - block_start);
        let mut tile = 0;
        loop {
            let end = (tile + TILES_PER_PASS).min(tiles);
            let last = end == tiles;
            for_each_group(block_rows, |first, count| {
                let first = block_start + first;
                let pass = Columns {
                    out: &mut dst[first * n + tile * TILE..],
                    out_stride: n,
                    x: &x[first * k..(first + count) * k],
                    w,
                    rows: count,
                    tiles: tile..end,
                    with_tail: last,
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

/// A product's input rows (`rows x k`, row-major) laid out for the kernel,
/// once per product: in blocks of at most [`BLOCK_ROWS`] rows, each cut into
/// groups of at most [`GROUP`] rows whose values are interleaved (`k x count`,
/// input-major), so that the loop finds the values it broadcasts side by side
/// at fixed offsets instead of one row apart each.
fn interleaved(x: &[f32], rows: usize, k: usize) -> Vec<f32> {
    assert_eq!(x.len(), rows * k, "input is not rows x k");
    let mut values = vec![0.0; rows * k];
    for_each_group(rows, |first, count| {
        let group = &mut values[first * k..(first + count) * k];
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
    values
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
    /// group and block shape) and width (whole tiles and tails), gives the
    /// naive product within rounding, and exactly the scalar path's bits.
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
                matmul_accumulate(&mut scalar, &x, &panels, rows, pulp::Arch::Scalar);
                for &isa in &isas {
                    let arch = patsearch_simd::arch_of(isa).expect("available");
                    let mut dst = start.clone();
                    matmul_accumulate(&mut dst, &x, &panels, rows, arch);
                    for (i, (d, e)) in dst.iter().zip(&expected).enumerate() {
                        let want = e + f64::from(start[i]);
                        assert!(
                            (f64::from(*d) - want).abs() < 1e-4 * (1.0 + want.abs()),
                            "{isa} rows {rows} n {n} element {i}: {d} vs {want}"
                        );
                    }
                    assert!(
                        dst.iter()
                            .zip(&scalar)
                            .all(|(a, b)| a.to_bits() == b.to_bits()),
                        "{isa} rows {rows} n {n}: not the scalar bits"
                    );
                }
            }
        }
    }
}
