//! Choosing a few sentences that are relevant and not redundant: Maximal
//! Marginal Relevance (Carbonell & Goldstein, 1998).
//!
//! Each step picks the unselected sentence `i` maximising
//! `lambda * rel(i) - (1 - lambda) * max_{j selected} cos(i, j)`:
//!
//! * with a query, `rel(i)` is the cosine of sentence `i` to the query, so
//!   the first pick is the sentence most similar to the query;
//! * without one, `rel(i)` is its centrality: the cosine to the centroid
//!   (mean) of all the sentence vectors, the sentence that best stands for the
//!   whole text.
//!
//! Ties go to the lower index (earlier sentence), so the result is
//! deterministic. Cosines are computed from the vectors as given (they are
//! meant to be L2-normalised; a zero vector is similar to nothing).
//!
//! Returned order: with a query, selection order (best match first, which is
//! how a query-focused summary or a claim chart lists its evidence); without
//! one, document order (ascending index), which is how a generic summary reads
//! best.

use patsearch_simd::{cosine_with_norms as cosine, norm};

/// The usual trade-off between relevance and novelty.
pub const DEFAULT_LAMBDA: f32 = 0.7;

/// Selects up to `n` of `vectors` by Maximal Marginal Relevance (see the
/// module documentation); all of them when `n >= vectors.len()`.
///
/// # Panics
/// When the vectors (or the query) do not all have the same dimension.
pub fn mmr_select(
    vectors: &[Vec<f32>],
    query: Option<&[f32]>,
    n: usize,
    lambda: f32,
) -> Vec<usize> {
    let count = vectors.len();
    let n = n.min(count);
    if n == 0 {
        return Vec::new();
    }
    let dim = vectors[0].len();
    assert!(
        vectors.iter().all(|v| v.len() == dim),
        "mmr_select: sentence vectors of different dimensions"
    );
    if let Some(q) = query {
        assert_eq!(
            q.len(),
            dim,
            "mmr_select: query dimension differs from the sentences'"
        );
    }
    let norms: Vec<f32> = vectors.iter().map(|v| norm(v)).collect();
    let relevance: Vec<f32> = match query {
        Some(q) => {
            let qn = norm(q);
            vectors
                .iter()
                .zip(&norms)
                .map(|(v, &vn)| cosine(v, vn, q, qn))
                .collect()
        }
        None => {
            let mut centroid = vec![0.0f32; dim];
            for v in vectors {
                for (c, x) in centroid.iter_mut().zip(v) {
                    *c += x;
                }
            }
            let cn = norm(&centroid);
            vectors
                .iter()
                .zip(&norms)
                .map(|(v, &vn)| cosine(v, vn, &centroid, cn))
                .collect()
        }
    };
    let mut selected = Vec::with_capacity(n);
    let mut taken = vec![false; count];
    // The largest similarity of each sentence to any selected one.
    let mut redundancy = vec![f32::NEG_INFINITY; count];
    while selected.len() < n {
        let mut best: Option<(usize, f32)> = None;
        for i in (0..count).filter(|&i| !taken[i]) {
            let penalty = if selected.is_empty() {
                0.0
            } else {
                redundancy[i]
            };
            let score = lambda * relevance[i] - (1.0 - lambda) * penalty;
            let score = if score.is_nan() {
                f32::NEG_INFINITY
            } else {
                score
            };
            if best.is_none_or(|(_, b)| score > b) {
                best = Some((i, score));
            }
        }
        let Some((pick, _)) = best else { break };
        taken[pick] = true;
        selected.push(pick);
        for i in (0..count).filter(|&i| !taken[i]) {
            let sim = cosine(&vectors[i], norms[i], &vectors[pick], norms[pick]);
            if sim > redundancy[i] {
                redundancy[i] = sim;
            }
        }
    }
    if query.is_none() {
        selected.sort_unstable();
    }
    selected
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = norm(v);
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn query_first_pick_is_most_similar() {
        let vectors = vec![
            unit(&[1.0, 0.0, 0.0]),
            unit(&[0.0, 1.0, 0.0]),
            unit(&[0.1, 1.0, 0.0]),
            unit(&[0.0, 0.0, 1.0]),
        ];
        let query = unit(&[0.0, 1.0, 0.2]);
        let picked = mmr_select(&vectors, Some(&query), 1, DEFAULT_LAMBDA);
        assert_eq!(picked, vec![1]);
        // With lambda = 1 it is plain ranking by similarity to the query.
        assert_eq!(mmr_select(&vectors, Some(&query), 4, 1.0), vec![1, 2, 3, 0]);
    }

    #[test]
    fn redundancy_is_penalised() {
        // 0 and 1 are near-duplicates, both close to the query; 2 is a bit less
        // close but different.
        let vectors = vec![
            unit(&[1.0, 0.05, 0.0]),
            unit(&[1.0, 0.06, 0.0]),
            unit(&[0.6, 0.0, 0.8]),
        ];
        let query = unit(&[1.0, 0.0, 0.3]);
        assert_eq!(
            mmr_select(&vectors, Some(&query), 2, DEFAULT_LAMBDA),
            vec![0, 2]
        );
        // Relevance only: the duplicate comes second.
        assert_eq!(mmr_select(&vectors, Some(&query), 2, 1.0), vec![0, 1]);
    }

    #[test]
    fn without_query_centrality_and_document_order() {
        // Three sentences about one topic (x), one outlier (y); the most central
        // is 1, then the outlier adds the most novelty.
        let vectors = vec![
            unit(&[1.0, 0.0, 0.3]),
            unit(&[1.0, 0.0, 0.0]),
            unit(&[1.0, 0.0, -0.3]),
            unit(&[0.0, 1.0, 0.0]),
        ];
        assert_eq!(mmr_select(&vectors, None, 1, DEFAULT_LAMBDA), vec![1]);
        // Selection order would be 1, 3: returned in document order.
        assert_eq!(mmr_select(&vectors, None, 2, 0.5), vec![1, 3]);
        let three = mmr_select(&vectors, None, 3, DEFAULT_LAMBDA);
        assert_eq!(three.len(), 3);
        assert!(three.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn ties_go_to_the_lower_index() {
        let vectors = vec![unit(&[1.0, 1.0]), unit(&[1.0, 1.0]), unit(&[1.0, 1.0])];
        assert_eq!(
            mmr_select(&vectors, Some(&unit(&[1.0, 1.0])), 3, 0.7),
            vec![0, 1, 2]
        );
        assert_eq!(mmr_select(&vectors, None, 1, 0.7), vec![0]);
    }

    #[test]
    fn edge_cases() {
        assert!(mmr_select(&[], None, 3, 0.7).is_empty());
        let vectors = vec![unit(&[1.0, 0.0]), vec![0.0, 0.0]];
        assert!(mmr_select(&vectors, None, 0, 0.7).is_empty());
        // n larger than the count: everything, zero vector included.
        assert_eq!(mmr_select(&vectors, None, 10, 0.7), vec![0, 1]);
        let q = [0.0, 1.0];
        assert_eq!(mmr_select(&vectors, Some(&q), 10, 0.7).len(), 2);
    }

    #[test]
    #[should_panic(expected = "different dimensions")]
    fn mismatched_dimensions_panic() {
        mmr_select(&[vec![1.0, 0.0], vec![1.0]], None, 1, 0.7);
    }
}
