//! Fusing a keyword ranking and a semantic ranking into one.
//!
//! Both retrievers return a window of candidates (the same size whatever
//! page is asked for); the fused list of the whole window is then cut into
//! the page. Two methods:
//!
//! - reciprocal rank fusion (RRF): `Σ weight / (k + rank)` over the lists a
//!   document is in; uses ranks only, so BM25 and cosine need no common scale.
//! - linear: each list's scores min-max normalised within the window onto
//!   `[floor, 1]` (a document a list does not hold gets 0 from it, so being
//!   found by a retriever always counts), then `Σ weight × normalised`.
//!
//! The default is RRF with k = 60 and equal weights, over 100 candidates
//! from each retriever. On the judged topics of `../shared/eval/nl`
//! (benches/README.md, "Relevance tuning"), 76 other settings (k, weights,
//! windows, linear fusion with min-max, max or z-score normalisation, a
//! keyword weight by query length) moved nDCG@10 by -0.02 to +0.02, within
//! the noise of 45 topics. Linear fusion did best on the half of the topics
//! used for tuning and kept about +0.01 on the other half: too little to give
//! up a rank-only method that needs no common scale.
//!
//! Every ordering here is total: equal scores go to the smaller publication
//! number, so the same inputs always give the same page.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// How to combine the keyword and the semantic ranking.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fusion {
    /// Reciprocal rank fusion: `keyword_weight / (k + keyword rank) +
    /// semantic_weight / (k + semantic rank)`.
    Rrf {
        #[serde(default = "default_rrf_k")]
        k: f64,
        #[serde(default = "one")]
        keyword_weight: f64,
        #[serde(default = "one")]
        semantic_weight: f64,
    },
    /// Weighted sum of min-max normalised scores: each list's best score maps
    /// to 1, its worst to `floor`, and a document absent from a list gets 0
    /// from it.
    Linear {
        #[serde(default = "one")]
        keyword_weight: f64,
        #[serde(default = "one")]
        semantic_weight: f64,
        #[serde(default = "default_floor")]
        floor: f64,
    },
}

/// The usual RRF constant (Cormack et al. 2009).
pub const DEFAULT_RRF_K: f64 = 60.0;
/// What the worst candidate of a list is worth in [`Fusion::Linear`].
pub const DEFAULT_LINEAR_FLOOR: f64 = 0.1;

fn default_rrf_k() -> f64 {
    DEFAULT_RRF_K
}

fn default_floor() -> f64 {
    DEFAULT_LINEAR_FLOOR
}

fn one() -> f64 {
    1.0
}

impl Default for Fusion {
    fn default() -> Self {
        Fusion::Rrf {
            k: DEFAULT_RRF_K,
            keyword_weight: 1.0,
            semantic_weight: 1.0,
        }
    }
}

impl Fusion {
    /// Linear fusion with equal weights and the default floor.
    pub fn linear() -> Self {
        Fusion::Linear {
            keyword_weight: 1.0,
            semantic_weight: 1.0,
            floor: DEFAULT_LINEAR_FLOOR,
        }
    }

    /// Checks the parameters: weights finite and non-negative, not both 0;
    /// `k` finite and non-negative; `floor` within `0..=1`.
    pub fn validate(&self) -> Result<(), String> {
        let (kw, sw) = match *self {
            Fusion::Rrf {
                k,
                keyword_weight,
                semantic_weight,
            } => {
                if !(k.is_finite() && k >= 0.0) {
                    return Err(format!("rrf k must be a non-negative number, not {k}"));
                }
                (keyword_weight, semantic_weight)
            }
            Fusion::Linear {
                keyword_weight,
                semantic_weight,
                floor,
            } => {
                if !(0.0..=1.0).contains(&floor) {
                    return Err(format!("linear floor must be within 0..=1, not {floor}"));
                }
                (keyword_weight, semantic_weight)
            }
        };
        for (name, w) in [("keyword_weight", kw), ("semantic_weight", sw)] {
            if !(w.is_finite() && w >= 0.0) {
                return Err(format!("{name} must be a non-negative number, not {w}"));
            }
        }
        if kw == 0.0 && sw == 0.0 {
            return Err("keyword_weight and semantic_weight cannot both be 0".into());
        }
        Ok(())
    }
}

/// One retriever's candidate: a publication number and its score there.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub number: String,
    pub score: f32,
}

impl Candidate {
    pub fn new(number: impl Into<String>, score: f32) -> Self {
        Self {
            number: number.into(),
            score,
        }
    }
}

/// Where a document stood in one retriever's ranking.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Component {
    /// Position in that retriever's ranking of the window, from 1.
    pub rank: usize,
    /// That retriever's own score (BM25, or cosine).
    pub score: f32,
}

/// A document of the fused ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct Fused {
    pub number: String,
    /// The fused score (higher is better).
    pub score: f64,
    pub keyword: Option<Component>,
    pub semantic: Option<Component>,
}

/// Higher score first, then the smaller number: a total order.
fn by_score_then_number(a: (f64, &str), b: (f64, &str)) -> Ordering {
    b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1))
}

/// A retriever's list in its canonical order (score descending, ties to the
/// smaller number), with repeated numbers dropped (the first, best, kept).
/// Retrievers may order ties arbitrarily (tantivy by segment); ranking them
/// here makes ranks, and so fusion, deterministic.
pub fn ranked(list: &[Candidate]) -> Vec<Candidate> {
    let mut out = list.to_vec();
    out.sort_by(|a, b| {
        by_score_then_number(
            (f64::from(a.score), &a.number),
            (f64::from(b.score), &b.number),
        )
    });
    let mut seen = std::collections::HashSet::new();
    out.retain(|c| seen.insert(c.number.clone()));
    out
}

/// Fuses the two candidate lists (any order; see [`ranked`]) into one
/// ranking of every document in either, best first.
pub fn fuse(keyword: &[Candidate], semantic: &[Candidate], fusion: &Fusion) -> Vec<Fused> {
    let keyword = ranked(keyword);
    let semantic = ranked(semantic);
    let mut docs: HashMap<String, Fused> = HashMap::new();
    let mut add = |list: &[Candidate], is_keyword: bool| {
        for (i, c) in list.iter().enumerate() {
            let entry = docs.entry(c.number.clone()).or_insert_with(|| Fused {
                number: c.number.clone(),
                score: 0.0,
                keyword: None,
                semantic: None,
            });
            let component = Some(Component {
                rank: i + 1,
                score: c.score,
            });
            if is_keyword {
                entry.keyword = component;
            } else {
                entry.semantic = component;
            }
        }
    };
    add(&keyword, true);
    add(&semantic, false);

    let (kw, sw) = match *fusion {
        Fusion::Rrf {
            keyword_weight,
            semantic_weight,
            ..
        }
        | Fusion::Linear {
            keyword_weight,
            semantic_weight,
            ..
        } => (keyword_weight, semantic_weight),
    };
    let keyword_norm = Normaliser::of(&keyword);
    let semantic_norm = Normaliser::of(&semantic);
    let mut out: Vec<Fused> = docs
        .into_values()
        .map(|mut d| {
            d.score = match *fusion {
                Fusion::Rrf { k, .. } => {
                    let rrf =
                        |c: Option<Component>, w: f64| c.map_or(0.0, |c| w / (k + c.rank as f64));
                    rrf(d.keyword, kw) + rrf(d.semantic, sw)
                }
                Fusion::Linear { floor, .. } => {
                    kw * d
                        .keyword
                        .map_or(0.0, |c| keyword_norm.apply(c.score, floor))
                        + sw * d
                            .semantic
                            .map_or(0.0, |c| semantic_norm.apply(c.score, floor))
                }
            };
            d
        })
        .collect();
    sort_fused(&mut out);
    out
}

/// Sorts by fused score, ties to the smaller publication number.
pub fn sort_fused(list: &mut [Fused]) {
    list.sort_by(|a, b| by_score_then_number((a.score, &a.number), (b.score, &b.number)));
}

/// Min-max normalisation of one list's scores onto `[floor, 1]`.
#[derive(Debug, Clone, Copy)]
struct Normaliser {
    min: f64,
    max: f64,
}

impl Normaliser {
    fn of(list: &[Candidate]) -> Self {
        let mut min = f64::INFINITY;
        let mut max = f64::NEG_INFINITY;
        for c in list {
            min = min.min(f64::from(c.score));
            max = max.max(f64::from(c.score));
        }
        Self { min, max }
    }

    fn apply(&self, score: f32, floor: f64) -> f64 {
        let spread = self.max - self.min;
        if spread.is_finite() && spread > 0.0 {
            floor + (1.0 - floor) * (f64::from(score) - self.min) / spread
        } else {
            // One candidate, or all equal: each is the best.
            1.0
        }
    }
}

/// How many candidates each retriever fetches for a page: the configured
/// window, grown in whole windows when the page reaches past it. Every page
/// inside the first window thus fuses the very same lists (and so never
/// repeats or skips a document); deeper pages fuse the same lists as every
/// other page of their window.
pub fn window(candidates: usize, offset: usize, limit: usize) -> usize {
    let candidates = candidates.max(1);
    let end = offset.saturating_add(limit).max(1);
    end.div_ceil(candidates).saturating_mul(candidates)
}

/// The page `offset..offset + limit` of a ranking.
pub fn page<T>(list: &[T], offset: usize, limit: usize) -> &[T] {
    let start = offset.min(list.len());
    let end = offset.saturating_add(limit).min(list.len());
    &list[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(number: &str, score: f32) -> Candidate {
        Candidate::new(number, score)
    }

    fn numbers(list: &[Fused]) -> Vec<&str> {
        list.iter().map(|f| f.number.as_str()).collect()
    }

    fn get<'a>(list: &'a [Fused], number: &str) -> &'a Fused {
        list.iter().find(|f| f.number == number).unwrap()
    }

    fn rrf(k: f64, keyword_weight: f64, semantic_weight: f64) -> Fusion {
        Fusion::Rrf {
            k,
            keyword_weight,
            semantic_weight,
        }
    }

    #[test]
    fn rrf_sums_reciprocal_ranks() {
        let keyword = [c("A", 12.0), c("B", 9.0), c("C", 3.0)];
        let semantic = [c("C", 0.8), c("D", 0.7), c("A", 0.5)];
        let fused = fuse(&keyword, &semantic, &Fusion::default());
        let a = get(&fused, "A");
        assert!((a.score - (1.0 / 61.0 + 1.0 / 63.0)).abs() < 1e-12);
        assert_eq!(
            a.keyword,
            Some(Component {
                rank: 1,
                score: 12.0
            })
        );
        assert_eq!(
            a.semantic,
            Some(Component {
                rank: 3,
                score: 0.5
            })
        );
        let c_ = get(&fused, "C");
        assert!((c_.score - (1.0 / 63.0 + 1.0 / 61.0)).abs() < 1e-12);
        let b = get(&fused, "B");
        assert!((b.score - 1.0 / 62.0).abs() < 1e-12);
        assert_eq!(b.semantic, None);
        let d = get(&fused, "D");
        assert!((d.score - 1.0 / 62.0).abs() < 1e-12);
        assert_eq!(d.keyword, None);
        // A and C tie (1/61 + 1/63 each): the smaller number first; so do B and D.
        assert_eq!(numbers(&fused), ["A", "C", "B", "D"]);
    }

    #[test]
    fn rrf_weights_scale_each_side() {
        let keyword = [c("A", 5.0), c("B", 4.0)];
        let semantic = [c("B", 0.9), c("A", 0.1)];
        // Equal weights: a tie, broken by number.
        assert_eq!(
            numbers(&fuse(&keyword, &semantic, &rrf(60.0, 1.0, 1.0))),
            ["A", "B"]
        );
        // Semantic counts double: B (semantic rank 1) wins.
        let fused = fuse(&keyword, &semantic, &rrf(60.0, 1.0, 2.0));
        assert_eq!(numbers(&fused), ["B", "A"]);
        assert!((get(&fused, "B").score - (1.0 / 62.0 + 2.0 / 61.0)).abs() < 1e-12);
        // Keyword weight 0: the semantic order alone.
        assert_eq!(
            numbers(&fuse(&keyword, &semantic, &rrf(60.0, 0.0, 1.0))),
            ["B", "A"]
        );
        // A small k sharpens the top ranks.
        let fused = fuse(&keyword, &semantic, &rrf(0.0, 1.0, 1.0));
        assert!((get(&fused, "A").score - 1.5).abs() < 1e-12);
    }

    #[test]
    fn linear_normalises_each_list_onto_floor_to_one() {
        let keyword = [c("A", 20.0), c("B", 15.0), c("C", 10.0)];
        let semantic = [c("C", 0.9), c("D", 0.5)];
        let fusion = Fusion::Linear {
            keyword_weight: 1.0,
            semantic_weight: 1.0,
            floor: 0.2,
        };
        let fused = fuse(&keyword, &semantic, &fusion);
        let score = |n: &str| get(&fused, n).score;
        assert!((score("A") - 1.0).abs() < 1e-9); // keyword best, no semantic
        assert!((score("B") - 0.6).abs() < 1e-9); // halfway between floor and 1
        assert!((score("C") - 1.2).abs() < 1e-9); // keyword worst (floor) + semantic best
        assert!((score("D") - 0.2).abs() < 1e-9); // semantic worst: the floor, not 0
        assert_eq!(numbers(&fused), ["C", "A", "B", "D"]);
        // With floor 0 the worst of a list is worth nothing more than absence.
        let zero = Fusion::Linear {
            keyword_weight: 1.0,
            semantic_weight: 1.0,
            floor: 0.0,
        };
        assert_eq!(get(&fuse(&keyword, &semantic, &zero), "D").score, 0.0);
    }

    #[test]
    fn linear_with_one_candidate_or_equal_scores_gives_one() {
        let fusion = Fusion::linear();
        let fused = fuse(&[c("A", 3.0)], &[c("B", 0.4), c("C", 0.4)], &fusion);
        assert!(fused.iter().all(|f| (f.score - 1.0).abs() < 1e-12));
        assert_eq!(numbers(&fused), ["A", "B", "C"]);
        let weighted = Fusion::Linear {
            keyword_weight: 0.5,
            semantic_weight: 2.0,
            floor: 0.1,
        };
        let fused = fuse(&[c("A", 3.0)], &[c("A", 0.9)], &weighted);
        assert!((fused[0].score - 2.5).abs() < 1e-12);
    }

    #[test]
    fn ties_and_input_order_do_not_change_the_ranking() {
        // A retriever listing equal scores in any order gives the same ranks.
        let keyword1 = [c("B", 2.0), c("A", 2.0), c("C", 1.0)];
        let keyword2 = [c("C", 1.0), c("A", 2.0), c("B", 2.0)];
        let semantic = [c("C", 0.3)];
        let f1 = fuse(&keyword1, &semantic, &Fusion::default());
        let f2 = fuse(&keyword2, &semantic, &Fusion::default());
        assert_eq!(f1, f2);
        assert_eq!(get(&f1, "A").keyword.unwrap().rank, 1);
        assert_eq!(get(&f1, "B").keyword.unwrap().rank, 2);
        // Repeated numbers keep their best entry.
        let r = ranked(&[c("A", 1.0), c("A", 3.0), c("B", 2.0)]);
        assert_eq!(r, [c("A", 3.0), c("B", 2.0)]);
    }

    #[test]
    fn pages_of_one_window_neither_repeat_nor_skip() {
        let keyword: Vec<Candidate> = (0..40)
            .map(|i| c(&format!("US{:03}", (i * 7) % 40), 40.0 - i as f32 / 3.0))
            .collect();
        let semantic: Vec<Candidate> = (0..40)
            .map(|i| {
                c(
                    &format!("US{:03}", (i * 11 + 5) % 45),
                    1.0 - (i / 4) as f32 * 0.01,
                )
            })
            .collect();
        for fusion in [Fusion::default(), Fusion::linear()] {
            let fused = fuse(&keyword, &semantic, &fusion);
            let whole: Vec<&str> = numbers(page(&fused, 0, 20));
            let mut paged: Vec<&str> = numbers(page(&fused, 0, 10));
            paged.extend(numbers(page(&fused, 10, 10)));
            assert_eq!(whole, paged);
            let mut distinct = numbers(&fused);
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), fused.len(), "every document once");
            // Fusing again gives the same order, bit for bit.
            assert_eq!(fuse(&keyword, &semantic, &fusion), fused);
        }
        assert!(page(&[1, 2, 3], 5, 10).is_empty());
        assert_eq!(page(&[1, 2, 3], 1, 10), [2, 3]);
    }

    #[test]
    fn the_window_grows_in_whole_windows() {
        assert_eq!(window(100, 0, 10), 100);
        assert_eq!(window(100, 90, 10), 100);
        assert_eq!(window(100, 90, 11), 200);
        assert_eq!(window(100, 150, 10), 200);
        assert_eq!(window(0, 0, 0), 1);
        assert_eq!(window(100, usize::MAX, 10), usize::MAX, "saturates");
    }

    #[test]
    fn invalid_parameters_are_refused() {
        assert!(Fusion::default().validate().is_ok());
        assert!(Fusion::linear().validate().is_ok());
        assert!(rrf(-1.0, 1.0, 1.0).validate().is_err());
        assert!(rrf(60.0, f64::NAN, 1.0).validate().is_err());
        assert!(rrf(60.0, 0.0, 0.0).validate().is_err());
        let bad_floor = Fusion::Linear {
            keyword_weight: 1.0,
            semantic_weight: 1.0,
            floor: 1.5,
        };
        assert!(bad_floor.validate().is_err());
    }

    #[test]
    fn fusion_reads_from_json_with_defaults() {
        let f: Fusion = serde_json::from_str(r#"{"method": "rrf"}"#).unwrap();
        assert_eq!(f, Fusion::default());
        let f: Fusion =
            serde_json::from_str(r#"{"method": "linear", "semantic_weight": 2}"#).unwrap();
        assert_eq!(
            f,
            Fusion::Linear {
                keyword_weight: 1.0,
                semantic_weight: 2.0,
                floor: DEFAULT_LINEAR_FLOOR
            }
        );
    }
}
