//! Element-wise and row-wise kernels of the BERT forward pass (GELU, softmax,
//! layer normalisation), written as plain loops that the compiler vectorises:
//! each public function runs its loop through `pulp::Arch::dispatch`, which
//! compiles it for the widest SIMD level the CPU has (AVX-512, AVX2+FMA, …)
//! and picks one at run time. Reductions keep 16 independent partial sums so
//! that they vectorise without reassociating floating-point additions.
//!
//! `exp` and `erf` are polynomial approximations (no libm calls, which do not
//! vectorise) accurate to a few float ulps: see the tests.

const LANES: usize = 16;

#[inline(always)]
fn sum(xs: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let mut chunks = xs.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (a, x) in acc.iter_mut().zip(chunk) {
            *a += x;
        }
    }
    let tail: f32 = chunks.remainder().iter().sum();
    acc.iter().sum::<f32>() + tail
}

#[inline(always)]
fn max(xs: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; LANES];
    let mut chunks = xs.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (a, &x) in acc.iter_mut().zip(chunk) {
            *a = a.max(x);
        }
    }
    let tail = chunks
        .remainder()
        .iter()
        .fold(f32::NEG_INFINITY, |m, &x| m.max(x));
    acc.iter().fold(tail, |m, &x| m.max(x))
}

/// e^x for x <= 0 (the softmax's shifted scores); 0 below -87.
#[inline(always)]
fn exp_nonpositive(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding 1.5 * 2^23 rounds x / ln2 to the nearest integer n and leaves n in
    // the low mantissa bits: no float-to-int conversion, which (saturating in
    // Rust) the compiler does not vectorise.
    const ROUNDER: f32 = 12_582_912.0;
    let x = x.max(-87.0);
    let t = x.mul_add(LOG2E, ROUNDER);
    let n = t - ROUNDER;
    let r = n.mul_add(-LN2_LO, n.mul_add(-LN2_HI, x));
    // Cephes expf polynomial on [-ln2/2, ln2/2].
    let mut p = 1.987_569_1e-4f32;
    p = p.mul_add(r, 1.398_199_9e-3);
    p = p.mul_add(r, 8.333_452e-3);
    p = p.mul_add(r, 4.166_579_6e-2);
    p = p.mul_add(r, 1.666_666_5e-1);
    p = p.mul_add(r, 0.5);
    let p = p.mul_add(r * r, r) + 1.0;
    // 2^n, n in [-126, 0]: the exponent field is n + 127.
    let scale = f32::from_bits(
        t.to_bits()
            .wrapping_sub(ROUNDER.to_bits())
            .wrapping_add(127)
            << 23,
    );
    p * scale
}

/// erf(x), a rational approximation (as in Eigen's fast erf) with x clamped to [-4, 4].
#[inline(always)]
fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142_3e-10f32;
    p = p.mul_add(x2, 2.770_681_4e-8);
    p = p.mul_add(x2, -2.101_024e-6);
    p = p.mul_add(x2, -5.692_506_4e-5);
    p = p.mul_add(x2, -7.349_906_3e-4);
    p = p.mul_add(x2, -2.954_600_1e-3);
    p = p.mul_add(x2, -1.609_603_3e-2);
    let p = p * x;
    let mut q = -1.456_607_2e-5f32;
    q = q.mul_add(x2, -2.133_740_6e-4);
    q = q.mul_add(x2, -1.682_827e-3);
    q = q.mul_add(x2, -7.373_329_2e-3);
    q = q.mul_add(x2, -1.426_474e-2);
    p / q
}

/// tanh(x) through exp, for the tanh approximation of GELU.
#[inline(always)]
fn tanh(x: f32) -> f32 {
    // tanh(x) = sign(x) (1 - e^{-2|x|}) / (1 + e^{-2|x|})
    let e = exp_nonpositive(-2.0 * x.abs());
    ((1.0 - e) / (1.0 + e)).copysign(x)
}

/// Defines a kernel: a struct of borrowed buffers whose `pulp::WithSimd`
/// body is monomorphised and inlined into pulp's per-CPU-level functions (a
/// closure body would stay a separate function compiled for baseline x86-64,
/// calling libm for `mul_add` and `floor`).
macro_rules! kernel {
    ($name:ident { $($field:ident : $ty:ty),* $(,)? } $body:block) => {
        struct $name<'a> {
            $($field: $ty,)*
            _buffers: std::marker::PhantomData<&'a ()>,
        }

        impl pulp::WithSimd for $name<'_> {
            type Output = ();

            #[inline(always)]
            fn with_simd<S: pulp::Simd>(self, _simd: S) {
                let $name { $($field,)* .. } = self;
                $body
            }
        }
    };
}

kernel!(GeluErf { xs: &'a mut [f32] } {
    for x in xs.iter_mut() {
        *x = 0.5 * *x * (1.0 + erf(*x * std::f32::consts::FRAC_1_SQRT_2));
    }
});

kernel!(GeluTanh { xs: &'a mut [f32] } {
    const C: f32 = 0.797_884_6; // sqrt(2 / pi)
    for x in xs.iter_mut() {
        let v = *x;
        *x = 0.5 * v * (1.0 + tanh(C * (v + 0.044_715 * v * v * v)));
    }
});

kernel!(Relu { xs: &'a mut [f32] } {
    for x in xs.iter_mut() {
        *x = x.max(0.0);
    }
});

kernel!(SoftmaxRows { scores: &'a mut [f32], cols: usize } {
    for row in scores.chunks_exact_mut(cols) {
        let m = max(row);
        for x in row.iter_mut() {
            *x = exp_nonpositive(*x - m);
        }
        let inv = 1.0 / sum(row);
        for x in row.iter_mut() {
            *x *= inv;
        }
    }
});

kernel!(LayerNormRows { xs: &'a mut [f32], gamma: &'a [f32], beta: &'a [f32], eps: f32 } {
    let cols = gamma.len();
    for row in xs.chunks_exact_mut(cols) {
        let mean = sum(row) / cols as f32;
        for x in row.iter_mut() {
            *x -= mean;
        }
        let mut acc = [0.0f32; LANES];
        let mut chunks = row.chunks_exact(LANES);
        for chunk in &mut chunks {
            for (a, x) in acc.iter_mut().zip(chunk) {
                *a = x.mul_add(*x, *a);
            }
        }
        let tail: f32 = chunks.remainder().iter().map(|x| x * x).sum();
        let var = (acc.iter().sum::<f32>() + tail) / cols as f32;
        let inv = 1.0 / (var + eps).sqrt();
        for ((x, g), b) in row.iter_mut().zip(gamma).zip(beta) {
            *x = (*x * inv).mul_add(*g, *b);
        }
    }
});

kernel!(AddBiasInto { dst: &'a mut [f32], src: &'a [f32], bias: &'a [f32] } {
    let cols = bias.len();
    for (d, s) in dst.chunks_exact_mut(cols).zip(src.chunks_exact(cols)) {
        for ((d, s), b) in d.iter_mut().zip(s).zip(bias) {
            *d = s + b;
        }
    }
});

/// The activation between the two feed-forward layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activation {
    /// x Φ(x) with the exact (erf) normal CDF: BERT's `gelu`.
    Gelu,
    /// The tanh approximation of GELU (`gelu_new`, `gelu_pytorch_tanh`).
    GeluTanh,
    Relu,
}

/// Applies `activation` in place.
pub(crate) fn activate(xs: &mut [f32], activation: Activation, arch: pulp::Arch) {
    let _buffers = std::marker::PhantomData;
    match activation {
        Activation::Gelu => arch.dispatch(GeluErf { xs, _buffers }),
        Activation::GeluTanh => arch.dispatch(GeluTanh { xs, _buffers }),
        Activation::Relu => arch.dispatch(Relu { xs, _buffers }),
    }
}

/// Softmax over each row of a row-major `rows x cols` matrix, in place.
pub(crate) fn softmax_rows(scores: &mut [f32], cols: usize, arch: pulp::Arch) {
    arch.dispatch(SoftmaxRows {
        scores,
        cols,
        _buffers: std::marker::PhantomData,
    })
}

/// Layer normalisation of each row of a row-major matrix with `gamma.len()`
/// columns, in place: (x - mean) / sqrt(var + eps) * gamma + beta.
pub(crate) fn layer_norm_rows(
    xs: &mut [f32],
    gamma: &[f32],
    beta: &[f32],
    eps: f32,
    arch: pulp::Arch,
) {
    arch.dispatch(LayerNormRows {
        xs,
        gamma,
        beta,
        eps,
        _buffers: std::marker::PhantomData,
    })
}

/// Writes `src + bias` (bias broadcast over rows) into `dst`, both row-major
/// with `bias.len()` columns.
pub(crate) fn add_bias_into(dst: &mut [f32], src: &[f32], bias: &[f32], arch: pulp::Arch) {
    arch.dispatch(AddBiasInto {
        dst,
        src,
        bias,
        _buffers: std::marker::PhantomData,
    })
}

/// Fills each row of `dst` (row-major, `bias.len()` columns) with `bias`.
pub(crate) fn fill_rows(dst: &mut [f32], bias: &[f32]) {
    for row in dst.chunks_exact_mut(bias.len()) {
        row.copy_from_slice(bias);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// erf in f64: its Taylor series for |x| <= 3 (exact to ~1e-13 there), else
    /// 1 - erfc(|x|) by erfc's asymptotic series (error ~1e-9 at 3, less beyond).
    fn erf_f64(x: f64) -> f64 {
        if x.abs() <= 3.0 {
            let mut term = x;
            let mut total = x;
            for n in 1..120 {
                term *= -x * x / n as f64;
                total += term / (2 * n + 1) as f64;
            }
            return total * 2.0 / std::f64::consts::PI.sqrt();
        }
        let a = x.abs();
        let mut term = 1.0;
        let mut series = 1.0;
        for n in 1..9 {
            term *= -((2 * n - 1) as f64) / (2.0 * a * a);
            series += term;
        }
        let erfc = (-a * a).exp() / (a * std::f64::consts::PI.sqrt()) * series;
        (1.0 - erfc).copysign(x)
    }

    #[test]
    fn erf_is_accurate_over_its_range() {
        let mut worst = 0.0f64;
        for i in -6000..=6000 {
            let x = i as f32 / 1000.0;
            let expected = erf_f64(x as f64);
            worst = worst.max((erf(x) as f64 - expected).abs());
        }
        assert!(worst < 2e-6, "worst erf error {worst}");
    }

    #[test]
    fn exp_is_accurate_for_softmax_inputs() {
        let mut worst = 0.0f64;
        for i in 0..=87_000 {
            let x = -(i as f32) / 1000.0;
            let expected = (x as f64).exp();
            let rel = (exp_nonpositive(x) as f64 - expected).abs() / expected;
            worst = worst.max(rel);
        }
        assert!(worst < 1e-6, "worst relative exp error {worst}");
        assert_eq!(exp_nonpositive(-1000.0), exp_nonpositive(-87.0));
    }

    #[test]
    fn tanh_matches_the_library_function() {
        for i in -2000..=2000 {
            let x = i as f32 / 200.0;
            assert!((tanh(x) - x.tanh()).abs() < 2e-6, "tanh({x})");
        }
    }

    #[test]
    fn softmax_rows_sum_to_one_and_keep_order() {
        let mut scores: Vec<f32> = (0..3 * 37).map(|i| ((i * 7) % 23) as f32 / 3.0).collect();
        let original = scores.clone();
        softmax_rows(&mut scores, 37, patsearch_simd::arch());
        for (row, orig) in scores.chunks(37).zip(original.chunks(37)) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            let m = orig.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
            let denom: f64 = orig.iter().map(|&x| ((x - m) as f64).exp()).sum();
            for (&p, &x) in row.iter().zip(orig) {
                assert!((p as f64 - ((x - m) as f64).exp() / denom).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn layer_norm_gives_zero_mean_unit_variance_before_the_affine_part() {
        let cols = 40;
        let mut xs: Vec<f32> = (0..2 * cols)
            .map(|i| (i as f32).sin() * 3.0 + 1.0)
            .collect();
        let gamma = vec![1.0; cols];
        let beta = vec![0.0; cols];
        layer_norm_rows(&mut xs, &gamma, &beta, 1e-12, patsearch_simd::arch());
        for row in xs.chunks(cols) {
            let mean: f32 = row.iter().sum::<f32>() / cols as f32;
            let var: f32 = row.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / cols as f32;
            assert!(
                mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-4,
                "{mean} {var}"
            );
        }
    }

    #[test]
    fn gelu_matches_its_definition() {
        let mut xs: Vec<f32> = (-400..=400).map(|i| i as f32 / 50.0).collect();
        let original = xs.clone();
        activate(&mut xs, Activation::Gelu, patsearch_simd::arch());
        for (y, x) in xs.iter().zip(&original) {
            let expected = 0.5 * *x as f64 * (1.0 + erf_f64(*x as f64 / 2f64.sqrt()));
            assert!((*y as f64 - expected).abs() < 1e-5, "gelu({x})");
        }
    }

    /// Every kernel on every instruction set this CPU runs gives the scalar
    /// path's bits: the vectors of a model do not depend on the CPU.
    #[test]
    fn every_instruction_set_gives_the_scalar_results_bit_for_bit() {
        let cols = 45;
        let input: Vec<f32> = (0..7 * cols)
            .map(|i| ((i * 37) % 101) as f32 / 9.0 - 5.5)
            .collect();
        let gamma: Vec<f32> = (0..cols).map(|i| 0.5 + i as f32 / 50.0).collect();
        let beta: Vec<f32> = (0..cols).map(|i| i as f32 / 100.0 - 0.2).collect();
        let run = |arch: pulp::Arch| {
            let mut outputs = Vec::new();
            for activation in [Activation::Gelu, Activation::GeluTanh, Activation::Relu] {
                let mut xs = input.clone();
                activate(&mut xs, activation, arch);
                outputs.push(xs);
            }
            let mut xs = input.clone();
            softmax_rows(&mut xs, cols, arch);
            outputs.push(xs);
            let mut xs = input.clone();
            layer_norm_rows(&mut xs, &gamma, &beta, 1e-12, arch);
            outputs.push(xs);
            let mut xs = vec![0.0; input.len()];
            add_bias_into(&mut xs, &input, &gamma, arch);
            outputs.push(xs);
            outputs
                .into_iter()
                .map(|v| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        };
        let scalar = run(pulp::Arch::Scalar);
        for isa in patsearch_simd::Isa::available() {
            let arch = patsearch_simd::arch_of(isa).expect("available");
            assert!(run(arch) == scalar, "{isa} differs from scalar");
        }
    }
}
