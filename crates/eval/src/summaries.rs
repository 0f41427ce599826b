//! Scoring summaries: several systems' summaries of the same documents,
//! each scored with ROUGE against the document's reference text; each
//! system's mean as a table; two systems compared document by document;
//! and the fixed ways of choosing the documents (a half, an even sample).
//!
//! Not for: writing the summaries (the caller runs the systems) or choosing
//! which documents deserve one.

use crate::rouge::{self, rouge_texts, Rouge, RougeText};

/// One of two fixed halves of a set of documents (see [`in_half`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Half {
    A,
    B,
}

/// Whether `id` is in `half`: half A holds the ids whose FNV-1a hash is
/// even. The split depends on the id alone and is the same in every build
/// (std's `DefaultHasher` may change between Rust releases), so a tuning
/// half and a held-out half stay apart.
pub fn in_half(id: &str, half: Half) -> bool {
    let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    hash.is_multiple_of(2) == (half == Half::A)
}

/// `n` of `items` spread evenly over them (every k-th, from the first),
/// in their order; all of them when `n` is 0 or not below their number.
pub fn sample_evenly<T>(items: Vec<T>, n: usize) -> Vec<T> {
    if n == 0 || n >= items.len() {
        return items;
    }
    let step = items.len() as f64 / n as f64;
    let mut all: Vec<Option<T>> = items.into_iter().map(Some).collect();
    (0..n)
        .filter_map(|i| all[(i as f64 * step) as usize].take())
        .collect()
}

/// The sentences one a line, cut after `words` words in all: every system
/// is measured at the same length (ROUGE-Lsum splits on the lines).
pub fn cut<S: AsRef<str>>(sentences: impl IntoIterator<Item = S>, words: usize) -> String {
    let mut left = words;
    let mut lines = Vec::new();
    for sentence in sentences {
        if left == 0 {
            break;
        }
        let line: Vec<&str> = sentence.as_ref().split_whitespace().take(left).collect();
        left -= line.len();
        lines.push(line.join(" "));
    }
    lines.join("\n")
}

/// Each summary scored against `reference` (sentences one a line).
pub fn score_summaries(reference: &str, summaries: &[String]) -> Vec<Rouge> {
    let reference = RougeText::new(reference);
    summaries
        .iter()
        .map(|s| rouge_texts(&reference, &RougeText::new(s)))
        .collect()
}

/// One number of a ROUGE result (`|r| r.rouge1.f1`).
pub type Pick = fn(&Rouge) -> f64;

/// The ROUGE scores of several systems' summaries of the same documents.
#[derive(Debug, Clone, Default)]
pub struct SummaryScores {
    systems: Vec<String>,
    /// Per document, per system (in `systems` order).
    documents: Vec<Vec<Rouge>>,
}

impl SummaryScores {
    pub fn new(systems: &[&str]) -> Self {
        Self {
            systems: systems.iter().map(|s| s.to_string()).collect(),
            documents: Vec::new(),
        }
    }

    /// Adds one document's scores, one per system, in the systems' order.
    ///
    /// # Panics
    /// When there is not one score per system.
    pub fn push(&mut self, scores: Vec<Rouge>) {
        assert_eq!(scores.len(), self.systems.len(), "one score per system");
        self.documents.push(scores);
    }

    /// How many documents were scored.
    pub fn len(&self) -> usize {
        self.documents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }

    /// The mean of each score of `system` (its index) over the documents.
    pub fn mean(&self, system: usize) -> Rouge {
        let column: Vec<Rouge> = self.documents.iter().map(|d| d[system]).collect();
        rouge::mean(&column)
    }

    /// Each system's mean F1 (x100) of ROUGE-1, ROUGE-2 and ROUGE-Lsum, a
    /// row per system: aligned text (two decimals) or Markdown (one).
    pub fn table(&self, markdown: bool) -> String {
        let mut out = String::new();
        let rows = self.systems.iter().enumerate().map(|(i, system)| {
            let m = self.mean(i);
            let [r1, r2, rl] = [m.rouge1.f1, m.rouge2.f1, m.rouge_lsum.f1].map(|f| 100.0 * f);
            (system, r1, r2, rl)
        });
        if markdown {
            out.push_str("| system | ROUGE-1 | ROUGE-2 | ROUGE-Lsum |\n|---|---|---|---|\n");
            for (system, r1, r2, rl) in rows {
                out.push_str(&format!("| {system} | {r1:.1} | {r2:.1} | {rl:.1} |\n"));
            }
        } else {
            out.push_str(&format!(
                "{:<10} {:>8} {:>8} {:>10}\n",
                "F1 x100", "ROUGE-1", "ROUGE-2", "ROUGE-Lsum"
            ));
            for (system, r1, r2, rl) in rows {
                out.push_str(&format!("{system:<10} {r1:>8.2} {r2:>8.2} {rl:>10.2}\n"));
            }
        }
        out
    }

    /// System `ours` against system `baseline` in one score (F1 x100),
    /// document by document.
    pub fn paired(&self, ours: usize, baseline: usize, score: Pick) -> Paired {
        let differences: Vec<f64> = self
            .documents
            .iter()
            .map(|d| 100.0 * (score(&d[ours]) - score(&d[baseline])))
            .collect();
        Paired::of(&differences)
    }

    /// [`Self::paired`] in ROUGE-1 and ROUGE-2, a line each:
    /// `ours - baseline ROUGE-1: +4.22 (95% CI +0.64 to +7.80); ahead on 33, behind on 22`.
    pub fn comparison(&self, ours: usize, baseline: usize) -> String {
        let scores: [(&str, Pick); 2] =
            [("ROUGE-1", |r| r.rouge1.f1), ("ROUGE-2", |r| r.rouge2.f1)];
        let mut out = String::new();
        for (name, score) in scores {
            let p = self.paired(ours, baseline, score);
            out.push_str(&format!(
                "{} - {} {name}: {:+.2} (95% CI {:+.2} to {:+.2}); ahead on {}, behind on {}\n",
                self.systems[ours],
                self.systems[baseline],
                p.mean,
                p.low,
                p.high,
                p.ahead,
                p.behind
            ));
        }
        out
    }
}

/// Paired differences between two systems: their mean with its 95%
/// interval, and how often each system is ahead.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
    /// Documents where the first system scores higher.
    pub ahead: usize,
    /// Documents where it scores lower.
    pub behind: usize,
}

impl Paired {
    /// The interval is the normal approximation of the mean of the
    /// differences, fine for the hundreds of documents a comparison takes;
    /// with one difference it is that difference.
    pub fn of(differences: &[f64]) -> Self {
        let n = differences.len() as f64;
        let mean = mean(differences.iter().copied());
        let variance = differences
            .iter()
            .map(|d| (d - mean) * (d - mean))
            .sum::<f64>()
            / (n - 1.0).max(1.0);
        let half_width = 1.96 * (variance / n).sqrt();
        Self {
            mean,
            low: mean - half_width,
            high: mean + half_width,
            ahead: differences.iter().filter(|&&d| d > 0.0).count(),
            behind: differences.iter().filter(|&&d| d < 0.0).count(),
        }
    }
}

/// The mean; 0 for no values.
pub fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

/// The value at quantile `q` (0 to 1) of sorted values, by the nearest
/// rank: `quantile(&sorted, 1.0)` is the largest.
///
/// # Panics
/// When `sorted` is empty.
pub fn quantile<T: Copy>(sorted: &[T], q: f64) -> T {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RougeScore;

    fn f1(rouge1: f64, rouge2: f64, rouge_lsum: f64) -> Rouge {
        let score = |f1| RougeScore {
            precision: 0.0,
            recall: 0.0,
            f1,
        };
        Rouge {
            rouge1: score(rouge1),
            rouge2: score(rouge2),
            rouge_lsum: score(rouge_lsum),
        }
    }

    fn scores() -> SummaryScores {
        let mut scores = SummaryScores::new(&["lead", "ours"]);
        scores.push(vec![f1(0.2, 0.1, 0.2), f1(0.5, 0.25, 0.4)]);
        scores.push(vec![f1(0.4, 0.1, 0.3), f1(0.3, 0.1, 0.2)]);
        scores.push(vec![f1(0.3, 0.1, 0.2), f1(0.6, 0.1, 0.3)]);
        scores
    }

    #[test]
    fn the_halves_split_every_id_one_way_and_never_change() {
        let ids: Vec<String> = (0..200).map(|i| format!("US{}", 8_000_000 + i)).collect();
        let a = ids.iter().filter(|id| in_half(id, Half::A)).count();
        let b = ids.iter().filter(|id| in_half(id, Half::B)).count();
        assert_eq!(a + b, ids.len());
        assert!(a > 60 && b > 60, "{a} {b}");
        // Fixed by the hash: these may never move.
        assert!(in_half("US8799651", Half::A) != in_half("US8799651", Half::B));
        assert_eq!(
            ["", "a", "US8799651"].map(|id| in_half(id, Half::A)),
            [false, true, true]
        );
    }

    #[test]
    fn a_sample_takes_every_kth_item() {
        let items: Vec<u32> = (0..10).collect();
        assert_eq!(sample_evenly(items.clone(), 3), [0, 3, 6]);
        assert_eq!(sample_evenly(items.clone(), 4), [0, 2, 5, 7]);
        assert_eq!(sample_evenly(items.clone(), 0), items);
        assert_eq!(sample_evenly(items.clone(), 10), items);
        assert_eq!(sample_evenly(items.clone(), 99), items);
    }

    #[test]
    fn summaries_are_cut_to_a_number_of_words_one_sentence_a_line() {
        let sentences = ["One two  three.", "Four five.", "Six."];
        assert_eq!(cut(sentences, 4), "One two three.\nFour");
        assert_eq!(cut(sentences, 5), "One two three.\nFour five.");
        assert_eq!(cut(sentences, 100), "One two three.\nFour five.\nSix.");
        assert_eq!(cut(sentences, 0), "");
    }

    #[test]
    fn each_summary_is_scored_against_the_reference() {
        let reference = "the valve closes the pipe\nthe pump starts";
        let rouge = score_summaries(reference, &[reference.to_string(), "a cat".to_string()]);
        assert_eq!(rouge[0].rouge1.f1, 1.0);
        assert_eq!(rouge[1].rouge1.f1, 0.0);
        assert_eq!(rouge[0], crate::rouge(reference, reference));
    }

    #[test]
    fn the_table_gives_each_systems_mean_f1() {
        let scores = scores();
        assert_eq!(scores.len(), 3);
        assert_eq!(
            scores.table(false),
            "F1 x100     ROUGE-1  ROUGE-2 ROUGE-Lsum\n\
             lead          30.00    10.00      23.33\n\
             ours          46.67    15.00      30.00\n"
        );
        assert_eq!(
            scores.table(true),
            "| system | ROUGE-1 | ROUGE-2 | ROUGE-Lsum |\n\
             |---|---|---|---|\n\
             | lead | 30.0 | 10.0 | 23.3 |\n\
             | ours | 46.7 | 15.0 | 30.0 |\n"
        );
    }

    #[test]
    fn two_systems_are_compared_document_by_document() {
        let scores = scores();
        let p = scores.paired(1, 0, |r| r.rouge1.f1);
        assert!((p.mean - 50.0 / 3.0).abs() < 1e-9, "{p:?}");
        assert_eq!((p.ahead, p.behind), (2, 1));
        assert!(p.low < p.mean && p.mean < p.high);
        assert_eq!(
            scores.comparison(1, 0),
            "ours - lead ROUGE-1: +16.67 (95% CI -9.47 to +42.80); ahead on 2, behind on 1\n\
             ours - lead ROUGE-2: +5.00 (95% CI -4.80 to +14.80); ahead on 1, behind on 0\n"
        );
        // One document: the interval is the difference itself.
        let one = Paired::of(&[2.5]);
        assert_eq!((one.low, one.mean, one.high), (2.5, 2.5, 2.5));
    }

    #[test]
    fn quantiles_take_the_nearest_rank() {
        let sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(quantile(&sorted, 0.0), 1);
        assert_eq!(quantile(&sorted, 0.5), 6);
        assert_eq!(quantile(&sorted, 0.95), 10);
        assert_eq!(quantile(&sorted, 1.0), 10);
        assert_eq!(quantile(&[7], 0.5), 7);
        assert_eq!(mean([1.0, 2.0].into_iter()), 1.5);
        assert_eq!(mean(std::iter::empty()), 0.0);
    }
}
