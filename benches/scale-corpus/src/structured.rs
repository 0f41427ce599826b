//! Structured vectors around real ones, for a vector side of a scale index
//! without embedding a million generated records (about 23 hours on two
//! cores): a generated record's title-and-abstract vector is the real
//! vector of the corpus patent whose title it carries (its donor), plus
//! Gaussian noise, normalised, as `cargo bench --bench vectors` builds its
//! 1,000,000-vector set. Records with the same title and abstract (the
//! continuations of a family) get the same vector, as they would from the
//! model.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The noise scale of `cargo bench --bench vectors`: at it, 145 noisy
/// copies of each real corpus vector have the real corpus's median
/// nearest-neighbour cosine (benches/RESULTS.md, "HNSW"). A million
/// generated records draw from 6,885 donors: about as many copies each.
pub const DEFAULT_SIGMA: f32 = 0.832;

/// `base + sigma * noise`, normalised; the noise is N(0, 1/dim) per
/// coordinate, drawn from a stream seeded by `seed` and `text`, so equal
/// texts get equal vectors.
pub fn noisy_copy(base: &[f32], sigma: f32, seed: u64, text: &str) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ fnv1a(text.as_bytes()));
    let scale = sigma / (base.len() as f32).sqrt();
    let mut out: Vec<f32> = base
        .iter()
        .map(|&b| b + scale * standard_normal(&mut rng))
        .collect();
    let norm = out.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        out.iter_mut().for_each(|x| *x /= norm);
    }
    out
}

/// A standard normal draw (Box-Muller).
fn standard_normal(rng: &mut ChaCha8Rng) -> f32 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random();
    ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
}

/// A hash that stays the same across builds and platforms.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(dim: usize, hot: usize) -> Vec<f32> {
        let mut v = vec![0.0; dim];
        v[hot] = 1.0;
        v
    }

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn copies_are_unit_vectors_that_depend_only_on_the_seed_and_text() {
        let base = unit(384, 3);
        let a = noisy_copy(&base, DEFAULT_SIGMA, 7, "Widget. A widget that turns.");
        let again = noisy_copy(&base, DEFAULT_SIGMA, 7, "Widget. A widget that turns.");
        let other_text = noisy_copy(&base, DEFAULT_SIGMA, 7, "Widget. A widget that spins.");
        let other_seed = noisy_copy(&base, DEFAULT_SIGMA, 8, "Widget. A widget that turns.");
        assert!((cosine(&a, &a) - 1.0).abs() < 1e-4);
        assert_eq!(a, again);
        assert_ne!(a, other_text);
        assert_ne!(a, other_seed);
    }

    #[test]
    fn more_noise_moves_a_copy_further_from_its_base() {
        let base = unit(384, 0);
        let mean_cosine = |sigma: f32| {
            (0..50)
                .map(|i| cosine(&base, &noisy_copy(&base, sigma, 1, &format!("text {i}"))))
                .sum::<f32>()
                / 50.0
        };
        let (none, some, more) = (mean_cosine(0.0), mean_cosine(0.5), mean_cosine(1.5));
        assert!((none - 1.0).abs() < 1e-6, "{none}");
        // With noise of norm about sigma, the cosine is about 1/sqrt(1 + sigma^2).
        assert!((some - 1.0 / 1.25f32.sqrt()).abs() < 0.03, "{some}");
        assert!((more - 1.0 / 3.25f32.sqrt()).abs() < 0.03, "{more}");
    }

    #[test]
    fn the_text_hash_is_fixed() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
