//! The one dot product of the workspace (every cosine of the vector index,
//! the summaries and the prior-art charts), and the norm and cosine built
//! on it.

/// The dot product of two vectors (of their common length). Sixteen
/// independent partial sums let the compiler vectorise the loop (a single
/// running sum cannot be reordered), one AVX-512 register or several
/// narrower ones: the sums and their order are the same at every width, so
/// the result is too, whatever instruction set [`crate::arch`] chose.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    crate::arch().dispatch(Dot(a, b))
}

/// The Euclidean norm.
#[inline]
pub fn norm(v: &[f32]) -> f32 {
    dot(v, v).sqrt()
}

/// The cosine of two vectors of any length; 0 when either is zero.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    cosine_with_norms(a, norm(a), b, norm(b))
}

/// [`cosine`] with the norms already known (a vector compared with many).
pub fn cosine_with_norms(a: &[f32], a_norm: f32, b: &[f32], b_norm: f32) -> f32 {
    if a_norm == 0.0 || b_norm == 0.0 {
        0.0
    } else {
        dot(a, b) / (a_norm * b_norm)
    }
}

struct Dot<'a>(&'a [f32], &'a [f32]);

impl pulp::WithSimd for Dot<'_> {
    type Output = f32;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> f32 {
        dot_lanes(self.0, self.1)
    }
}

#[inline(always)]
fn dot_lanes(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f32; 16];
    let mut ca = a.chunks_exact(16);
    let mut cb = b.chunks_exact(16);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for i in 0..16 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut tail = 0f32;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    let mut width = 8;
    while width > 0 {
        for i in 0..width {
            acc[i] += acc[i + width];
        }
        width /= 2;
    }
    acc[0] + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scores do not depend on the CPU: every instruction set this one runs
    /// gives the scalar path's bits, at lengths with and without a tail.
    #[test]
    fn the_dot_product_is_the_same_bits_on_every_instruction_set() {
        for len in [0, 1, 15, 16, 17, 100, 384, 385, 1024] {
            let a: Vec<f32> = (0..len)
                .map(|i| ((i * 31) % 97) as f32 / 48.0 - 1.0)
                .collect();
            let b: Vec<f32> = (0..len)
                .map(|i| ((i * 17) % 89) as f32 / 44.0 - 1.0)
                .collect();
            let scalar = pulp::Arch::Scalar.dispatch(Dot(&a, &b));
            for isa in crate::Isa::available() {
                let arch = crate::arch_of(isa).expect("available");
                let got = arch.dispatch(Dot(&a, &b));
                assert_eq!(got.to_bits(), scalar.to_bits(), "{isa} length {len}");
            }
            let exact: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| f64::from(*x) * f64::from(*y))
                .sum();
            assert!((f64::from(scalar) - exact).abs() < 1e-4, "length {len}");
        }
    }

    #[test]
    fn dot_matches_a_plain_sum() {
        for len in [0, 1, 15, 16, 17, 33, 384] {
            let a: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..len).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
            assert!((dot(&a, &b) as f64 - plain).abs() < 1e-4, "len {len}");
        }
    }

    #[test]
    fn cosines_of_parallel_opposite_orthogonal_and_zero_vectors() {
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-6);
        assert!((cosine(&[1.0, 2.0], &[-1.0, -2.0]) + 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[1.0, 0.0], &[0.0, 3.0]), 0.0);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 1.0]), 0.0);
        assert!((norm(&[3.0, 4.0]) - 5.0).abs() < 1e-6);
    }
}
