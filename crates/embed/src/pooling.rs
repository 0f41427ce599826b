//! Pooling token vectors into one sentence vector, and L2 normalisation.

/// One pooling mode of a sentence-transformers `Pooling` module. When a model
/// enables several, their results are concatenated in the order cls, max,
/// mean, mean_sqrt_len (the order sentence-transformers uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// The vector of the first token (`[CLS]`).
    Cls,
    /// The element-wise maximum over the text's tokens.
    Max,
    /// The mean over the text's tokens (padding excluded).
    Mean,
    /// The sum over the text's tokens divided by the square root of their count.
    MeanSqrtLen,
}

/// Pools the token vectors of one text, `tokens` rows of `hidden` floats
/// (padding already excluded), appending the result to `out`.
pub(crate) fn pool_into(modes: &[Pooling], tokens: &[f32], hidden: usize, out: &mut Vec<f32>) {
    let n = tokens.len() / hidden;
    debug_assert!(n > 0 && n * hidden == tokens.len());
    for mode in modes {
        match mode {
            Pooling::Cls => out.extend_from_slice(&tokens[..hidden]),
            Pooling::Max => {
                let start = out.len();
                out.extend_from_slice(&tokens[..hidden]);
                for row in tokens.chunks_exact(hidden).skip(1) {
                    for (o, &x) in out[start..].iter_mut().zip(row) {
                        *o = o.max(x);
                    }
                }
            }
            Pooling::Mean | Pooling::MeanSqrtLen => {
                // Accumulate in f64: long texts sum 256 rows.
                let mut sum = vec![0f64; hidden];
                for row in tokens.chunks_exact(hidden) {
                    for (s, &x) in sum.iter_mut().zip(row) {
                        *s += f64::from(x);
                    }
                }
                let div = if *mode == Pooling::Mean {
                    n as f64
                } else {
                    (n as f64).sqrt()
                };
                out.extend(sum.into_iter().map(|s| (s / div) as f32));
            }
        }
    }
}

/// Scales `v` to unit length (left as is when it is all zeros).
pub(crate) fn l2_normalise(v: &mut [f32]) {
    let norm = v
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt();
    if norm > 0.0 {
        let inv = 1.0 / norm;
        for x in v {
            *x = (f64::from(*x) * inv) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_pool_the_rows() {
        let tokens = [1.0, -2.0, 3.0, 4.0, 5.0, 0.0];
        let mut out = Vec::new();
        pool_into(
            &[
                Pooling::Cls,
                Pooling::Max,
                Pooling::Mean,
                Pooling::MeanSqrtLen,
            ],
            &tokens,
            2,
            &mut out,
        );
        let s3 = 3f32.sqrt();
        let want = [1.0, -2.0, 5.0, 4.0, 3.0, 2.0 / 3.0, 9.0 / s3, 2.0 / s3];
        assert_eq!(out.len(), want.len());
        for (a, b) in out.iter().zip(want) {
            assert!((a - b).abs() < 1e-6, "{out:?}");
        }
    }

    #[test]
    fn normalise_gives_unit_length_and_keeps_zeros() {
        let mut v = vec![3.0, 4.0];
        l2_normalise(&mut v);
        assert_eq!(v, vec![0.6, 0.8]);
        let mut z = vec![0.0; 3];
        l2_normalise(&mut z);
        assert_eq!(z, vec![0.0; 3]);
    }
}
