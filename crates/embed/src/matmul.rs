//! A bounds-checked, safe front to the `gemm` crate's fp32 matrix product (the
//! same kernels candle's CPU backend uses, here with their AVX-512 path).
//!
//! The embed crate's only `unsafe` code (the workspace's other two places are
//! vectors' `hint` and the simd crate's prefetch hints): `gemm::gemm` takes raw
//! pointers and strides. Every view is checked to lie inside its
//! slice before the call, and the borrow checker keeps the destination from
//! aliasing the operands, which are the two conditions `gemm` relies on.
#![allow(unsafe_code)]

pub(crate) use gemm::Parallelism;

/// A read-only strided matrix view: element (i, j) is `data[i * row_stride + j * col_stride]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MatRef<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

/// A writable strided matrix view.
#[derive(Debug)]
pub(crate) struct MatMut<'a> {
    data: &'a mut [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

fn check_extent(len: usize, rows: usize, cols: usize, row_stride: usize, col_stride: usize) {
    if rows > 0 && cols > 0 {
        let last = (rows - 1) * row_stride + (cols - 1) * col_stride;
        assert!(
            last < len,
            "matrix view {rows}x{cols} (strides {row_stride}, {col_stride}) overruns its {len} elements"
        );
    }
}

impl<'a> MatRef<'a> {
    pub(crate) fn new(
        data: &'a [f32],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Self {
        check_extent(data.len(), rows, cols, row_stride, col_stride);
        Self {
            data,
            rows,
            cols,
            row_stride,
            col_stride,
        }
    }

    /// A dense row-major matrix.
    pub(crate) fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::new(data, rows, cols, cols, 1)
    }

    /// The transpose, as a view of the same memory.
    pub(crate) fn t(self) -> Self {
        Self {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }
}

impl<'a> MatMut<'a> {
    pub(crate) fn new(
        data: &'a mut [f32],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Self {
        check_extent(data.len(), rows, cols, row_stride, col_stride);
        Self {
            data,
            rows,
            cols,
            row_stride,
            col_stride,
        }
    }

    /// A dense row-major matrix.
    pub(crate) fn row_major(data: &'a mut [f32], rows: usize, cols: usize) -> Self {
        Self::new(data, rows, cols, cols, 1)
    }
}

/// `dst = scale * lhs * rhs`, or `dst += scale * lhs * rhs` when `accumulate`.
pub(crate) fn matmul(
    dst: MatMut<'_>,
    lhs: MatRef<'_>,
    rhs: MatRef<'_>,
    accumulate: bool,
    scale: f32,
    parallelism: Parallelism,
) {
    assert_eq!(lhs.cols, rhs.rows, "inner dimensions differ");
    assert_eq!(dst.rows, lhs.rows, "row counts differ");
    assert_eq!(dst.cols, rhs.cols, "column counts differ");
    if dst.rows == 0 || dst.cols == 0 {
        return;
    }
    if lhs.cols == 0 {
        if !accumulate {
            for i in 0..dst.rows {
                for j in 0..dst.cols {
                    dst.data[i * dst.row_stride + j * dst.col_stride] = 0.0;
                }
            }
        }
        return;
    }
    let stride = |s: usize| isize::try_from(s).expect("stride fits isize");
    // SAFETY: the three views were checked to lie inside their slices
    // (`check_extent`), `dst` is borrowed mutably so it aliases neither operand,
    // and the dimensions were checked to agree above. `gemm` computes
    // dst = alpha * dst + beta * lhs * rhs, reading dst only when `read_dst`.
    unsafe {
        gemm::gemm(
            dst.rows,
            dst.cols,
            lhs.cols,
            dst.data.as_mut_ptr(),
            stride(dst.col_stride),
            stride(dst.row_stride),
            accumulate,
            lhs.data.as_ptr(),
            stride(lhs.col_stride),
            stride(lhs.row_stride),
            rhs.data.as_ptr(),
            stride(rhs.col_stride),
            stride(rhs.row_stride),
            1.0,
            scale,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut c = vec![0.0f32; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
            }
        }
        c
    }

    #[test]
    fn products_match_the_naive_product_with_strides_transposes_and_accumulation() {
        let (m, k, n) = (7, 13, 5);
        let a: Vec<f32> = (0..m * k).map(|i| (i % 11) as f32 - 5.0).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i % 7) as f32 * 0.5 - 1.0).collect();
        let expected = naive(&a, &b, m, k, n);

        let mut c = vec![0.0f32; m * n];
        matmul(
            MatMut::row_major(&mut c, m, n),
            MatRef::row_major(&a, m, k),
            MatRef::row_major(&b, k, n),
            false,
            1.0,
            Parallelism::None,
        );
        assert_eq!(c, expected);

        // b stored transposed (n x k), read through `t()`; accumulate twice the product.
        let bt: Vec<f32> = (0..n * k).map(|i| b[(i % k) * n + i / k]).collect();
        matmul(
            MatMut::row_major(&mut c, m, n),
            MatRef::row_major(&a, m, k),
            MatRef::row_major(&bt, n, k).t(),
            true,
            2.0,
            Parallelism::None,
        );
        let tripled: Vec<f32> = expected.iter().map(|x| 3.0 * x).collect();
        assert_eq!(c, tripled);

        // A column block of a wider destination (row stride larger than its width).
        let mut wide = vec![-1.0f32; m * (n + 3)];
        matmul(
            MatMut::new(&mut wide[2..], m, n, n + 3, 1),
            MatRef::row_major(&a, m, k),
            MatRef::row_major(&b, k, n),
            false,
            1.0,
            Parallelism::None,
        );
        for i in 0..m {
            assert_eq!(
                &wide[i * (n + 3) + 2..i * (n + 3) + 2 + n],
                &expected[i * n..(i + 1) * n]
            );
            assert_eq!(wide[i * (n + 3)], -1.0);
        }
    }

    #[test]
    #[should_panic(expected = "overruns")]
    fn a_view_past_the_end_of_its_slice_is_refused() {
        let data = [0.0f32; 10];
        let _ = MatRef::new(&data, 3, 4, 4, 1);
    }
}
