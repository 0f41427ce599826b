//! The matrix product of a short text: `dst += x * w` where `x` has a few rows
//! (a query's dozen tokens) and `w` is a linear layer's `inputs x outputs`
//! weight.
//!
//! For so few rows the cost is reading the weights (42 MB for MiniLM, from the
//! L3 cache at best), not the arithmetic: a general kernel (`gemm`'s, tiled
//! for large products) covers a handful of rows per tile and streams the
//! weights once per tile. This one keeps up to [`GROUP`] rows' partial sums in
//! vector registers (the AVX-512 file holds 32) and streams the weights once
//! per group, from a copy packed in 32-column panels ([`Panels`]) and
//! prefetched ahead: per input `k`, two vectors of `w[k]` are loaded and
//! multiplied into every row's accumulators with `x[t][k]` broadcast.
//!
//! On this machine (2 cores) it took a 12-token query from 6-10 ms to about
//! 3.5 ms p50; for large batches `gemm` stays faster (measured: 7,300 against
//! 8,300 tokens/s), so only products of at most [`MAX_ROWS`] rows come here.
//!
//! With two threads, each takes half of the output columns (so half of the
//! weights) into a buffer of its own, copied into place after both finish.

use pulp::{Simd, WithSimd};

use crate::matmul::prefetch_l2;

/// How many weight rows (of a tile) ahead of the arithmetic the loop asks for:
/// 4 KiB, about the latency of the L3 cache at the loop's pace (measured best
/// among 8, 16, 32 and 64 rows).
const PREFETCH_ROWS: usize = 32;

/// The most rows one pass keeps in registers: 14 rows x 2 vectors = 28
/// accumulators, leaving registers for the two weight vectors and a broadcast.
pub(crate) const GROUP: usize = 14;

/// Products with at most this many rows take this path (more rows are
/// processed as groups of at most [`GROUP`]; past a few groups `gemm`'s
/// tiling wins).
pub(crate) const MAX_ROWS: usize = 32;

/// Output columns per tile: two AVX-512 vectors.
const TILE: usize = 32;

/// A linear layer's weight (`k x n`) laid out for this kernel: tiles of
/// [`TILE`] columns, each stored input-major and contiguous (`k x TILE`), so
/// that a tile's weights stream sequentially. Read row by row, the plain layout
/// would jump a whole weight row (kilobytes) per input, which defeats the
/// hardware prefetchers: the product then waits on memory rather than
/// computing. Columns past the last whole tile stay row-major in `tail`.
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
) {
    let (k, n) = (w.k, w.n);
    assert_eq!(dst.len(), rows * n, "destination is not rows x n");
    assert_eq!(x.len(), rows * k, "input is not rows x k");
    if rows == 0 || n == 0 {
        return;
    }
    let tiles = w.whole_tiles();
    if threads < 2 || tiles < 2 {
        columns(dst, n, x, w, rows, 0..tiles, true);
        return;
    }
    // The left thread takes the first half of the tiles, the right one the
    // rest and the tail, into a buffer of its own.
    let split = tiles.div_ceil(2);
    let right_start = split * TILE;
    let right_width = n - right_start;
    let mut right = vec![0.0f32; rows * right_width];
    rayon::join(
        || columns(dst, n, x, w, rows, 0..split, false),
        || columns(&mut right, right_width, x, w, rows, split..tiles, true),
    );
    for (row, part) in dst.chunks_exact_mut(n).zip(right.chunks_exact(right_width)) {
        for (d, p) in row[right_start..].iter_mut().zip(part) {
            *d += p;
        }
    }
}

/// Tiles `tiles` of the product (and the tail columns when `with_tail`),
/// accumulated into `out` (`rows` rows of stride `out_stride`, whose first
/// column is the first tile's).
fn columns(
    out: &mut [f32],
    out_stride: usize,
    x: &[f32],
    w: &Panels,
    rows: usize,
    tiles: std::ops::Range<usize>,
    with_tail: bool,
) {
    let k = w.k;
    // Many rows (a batch of texts): blocks of rows whose activations stay in
    // the L2 cache while a few tiles' weights (also in L2) are swept over them.
    for block_start in (0..rows).step_by(BLOCK_ROWS) {
        let block_rows = BLOCK_ROWS.min(rows - block_start);
        let groups = block_rows.div_ceil(GROUP);
        let per_group = block_rows.div_ceil(groups);
        let mut tile = tiles.start;
        loop {
            let end = (tile + TILES_PER_PASS).min(tiles.end);
            let last = end == tiles.end;
            let mut first = block_start;
            while first < block_start + block_rows {
                let count = per_group.min(block_start + block_rows - first);
                pulp::Arch::new().dispatch(Columns {
                    out: &mut out[first * out_stride + (tile - tiles.start) * TILE..],
                    out_stride,
                    x: &x[first * k..(first + count) * k],
                    w,
                    rows: count,
                    tiles: tile..end,
                    with_tail: with_tail && last,
                });
                first += count;
            }
            if last {
                break;
            }
            tile = end;
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
fn run<S: Simd, const G: usize>(simd: S, c: Columns<'_>) {
    let (k, n) = (c.w.k, c.w.n);
    let xs: [&[f32]; G] = std::array::from_fn(|t| &c.x[t * k..(t + 1) * k]);
    let first = c.tiles.start;
    if S::F32_LANES == TILE / 2 {
        for tile in c.tiles.clone() {
            let panel = &c.w.tiles[tile * k * TILE..(tile + 1) * k * TILE];
            let mut acc = [[simd.splat_f32s(0.0); 2]; G];
            for (p, w_row) in panel.chunks_exact(TILE).enumerate() {
                // The hardware prefetchers do not run far enough ahead of
                // this loop for weights that come from the L3 cache or memory.
                prefetch_l2(panel, (p + PREFETCH_ROWS) * TILE);
                prefetch_l2(panel, (p + PREFETCH_ROWS) * TILE + TILE / 2);
                let (v, _) = S::as_simd_f32s(w_row);
                let (w0, w1) = (v[0], v[1]);
                for t in 0..G {
                    let b = simd.splat_f32s(xs[t][p]);
                    acc[t][0] = simd.mul_add_e_f32s(b, w0, acc[t][0]);
                    acc[t][1] = simd.mul_add_e_f32s(b, w1, acc[t][1]);
                }
            }
            let j = (tile - first) * TILE;
            for (t, acc) in acc.iter().enumerate() {
                let out = &mut c.out[t * c.out_stride + j..t * c.out_stride + j + TILE];
                let (o, _) = S::as_mut_simd_f32s(out);
                o[0] = simd.add_f32s(o[0], acc[0]);
                o[1] = simd.add_f32s(o[1], acc[1]);
            }
        }
    } else {
        // Narrower vectors (no AVX-512): the same product in plain loops.
        for tile in c.tiles.clone() {
            let panel = &c.w.tiles[tile * k * TILE..(tile + 1) * k * TILE];
            let j = (tile - first) * TILE;
            for (t, x) in xs.iter().enumerate() {
                let mut acc = [0.0f32; TILE];
                for (xp, w_row) in x.iter().zip(panel.chunks_exact(TILE)) {
                    for (a, w) in acc.iter_mut().zip(w_row) {
                        *a = xp.mul_add(*w, *a);
                    }
                }
                for (o, a) in c.out[t * c.out_stride + j..][..TILE].iter_mut().zip(&acc) {
                    *o += a;
                }
            }
        }
    }
    if c.with_tail {
        let whole = c.w.whole_tiles() * TILE;
        let width = n - whole;
        let j = (c.tiles.end - first) * TILE;
        for (t, x) in xs.iter().enumerate() {
            for col in 0..width {
                let mut s = 0.0f32;
                for (p, xp) in x.iter().enumerate() {
                    s = xp.mul_add(c.w.tail[p * width + col], s);
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

    #[test]
    fn matches_the_naive_product_for_every_row_count_width_and_thread_count() {
        let k = 37;
        for rows in [1, 2, 7, 13, 14, 15, 16, 29, 32] {
            for n in [1, 5, 31, 32, 33, 64, 100, 384, 1152] {
                let x: Vec<f32> = (0..rows * k)
                    .map(|i| ((i * 7) % 13) as f32 * 0.25 - 1.5)
                    .collect();
                let w: Vec<f32> = (0..k * n)
                    .map(|i| ((i * 5) % 11) as f32 * 0.125 - 0.6)
                    .collect();
                let expected = naive(&x, &w, rows, k, n);
                let panels = Panels::new(&w, k, n);
                for threads in [1, 2] {
                    let mut dst: Vec<f32> = (0..rows * n).map(|i| i as f32 * 0.01).collect();
                    matmul_accumulate(&mut dst, &x, &panels, rows, threads);
                    for (i, (d, e)) in dst.iter().zip(&expected).enumerate() {
                        let want = e + f64::from(i as f32 * 0.01);
                        assert!(
                            (f64::from(*d) - want).abs() < 1e-4 * (1.0 + want.abs()),
                            "rows {rows} n {n} threads {threads} element {i}: {d} vs {want}"
                        );
                    }
                }
            }
        }
    }
}
