//! ROUGE-1, ROUGE-2 and ROUGE-Lsum, scored as Google's `rouge-score`
//! package scores them.
//!
//! Summaries are judged against reference texts (a patent's abstract, say)
//! with the numbers that summarisation papers report, and those numbers
//! are only comparable when computed the way `rouge-score` 0.1.2 computes
//! them with `RougeScorer(["rouge1", "rouge2", "rougeLsum"],
//! use_stemmer=True)`. Every step here follows that implementation, quirks
//! included; `tests/rouge_reference.rs` checks the scores of real patent
//! texts against the Python package's output
//! (`benches/summary/make_rouge_reference.py`).
//!
//! - Tokens: the text lowercased (Unicode lowercasing, as Python's
//!   `str.lower`), every run of characters outside `[a-z0-9]` a separator
//!   (so `"3.5 mm²"` is `3`, `5`, `mm` and `naïve` is `na`, `ve`), tokens of
//!   more than three characters stemmed by NLTK's Porter stemmer
//!   ([`crate::porter`]). No stop words are removed.
//! - ROUGE-N: n-grams counted with multiplicity and matched with clipping
//!   (a candidate n-gram matches at most as often as the reference has it).
//! - ROUGE-Lsum: the summary-level LCS of the ROUGE paper (section 3.2). Both
//!   texts are split into sentences **on `'\n'` only**: a one-line text is a
//!   single sentence and ROUGE-Lsum then equals plain ROUGE-L, so callers
//!   must put each sentence on its own line. For every reference sentence
//!   the union of its longest common subsequences with each candidate
//!   sentence counts as hits, but a token is counted at most as often as it
//!   occurs in either text (as ROUGE-1.5.5 does, beyond the paper). Which
//!   LCS is taken when several are equally long follows `rouge-score`'s
//!   backtracking, because it changes which tokens are used up.
//! - F1 is the harmonic mean of precision and recall, 0 when both are 0; all
//!   three are 0 when either text has no tokens.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::ops::Range;

use crate::porter;

/// Precision, recall and F1 of one ROUGE variant for one pair of texts.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RougeScore {
    /// Matches over the candidate's total (n-grams or tokens).
    pub precision: f64,
    /// Matches over the reference's total.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

impl RougeScore {
    /// The score of a pair where either side has nothing to match.
    pub const ZERO: Self = Self {
        precision: 0.0,
        recall: 0.0,
        f1: 0.0,
    };

    /// The score of `hits` matches among `candidate_total` candidate and
    /// `reference_total` reference units; a zero total counts as one (no
    /// division by zero, and the score is 0 as there cannot be hits).
    fn from_counts(hits: usize, candidate_total: usize, reference_total: usize) -> Self {
        // Integer to f64 is exact at these sizes and each quotient is
        // rounded once, as in Python, so the values agree to the last bit.
        let precision = hits as f64 / candidate_total.max(1) as f64;
        let recall = hits as f64 / reference_total.max(1) as f64;
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Self {
            precision,
            recall,
            f1,
        }
    }
}

/// The three ROUGE variants summarisation results are reported with.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rouge {
    /// Unigram overlap: content coverage.
    pub rouge1: RougeScore,
    /// Bigram overlap: some fluency / phrasing.
    pub rouge2: RougeScore,
    /// Summary-level longest common subsequence over `'\n'`-separated
    /// sentences: in-order coverage without requiring adjacency.
    pub rouge_lsum: RougeScore,
}

/// `text`'s tokens as `rouge-score`'s default tokenizer with stemming gives
/// them: lowercased, split at every character outside `[a-z0-9]`, tokens of
/// more than three characters Porter-stemmed.
pub fn rouge_tokens(text: &str) -> Vec<String> {
    // rouge-score ends by dropping tokens that are empty or not `[a-z0-9]+`:
    // the split leaves only such tokens once the empty ones are filtered,
    // and stemming a `[a-z0-9]` word of four or more letters never empties
    // it, so that check has nothing left to drop here.
    text.to_lowercase()
        .split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
        .filter(|token| !token.is_empty())
        .map(|token| {
            // Bytes are characters here: the tokens are ASCII.
            if token.len() > 3 {
                porter::stem(token)
            } else {
                token.to_owned()
            }
        })
        .collect()
}

/// A text tokenized once, to be scored against several others (one
/// reference against each system's summary) without stemming it again.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RougeText {
    /// The tokens of each `'\n'`-separated line, empty lines left out (a
    /// line of only punctuation stays, with no tokens, as in `rouge-score`).
    sentences: Vec<Vec<String>>,
}

impl RougeText {
    /// Tokenizes `text` line by line.
    pub fn new(text: &str) -> Self {
        // Tokenizing the whole text gives the concatenation of the lines'
        // tokens ('\n' separates tokens anyway), so ROUGE-N can use these.
        let sentences = text
            .split('\n')
            .filter(|line| !line.is_empty())
            .map(rouge_tokens)
            .collect();
        Self { sentences }
    }

    /// All tokens, in order.
    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        self.sentences.iter().flatten().map(String::as_str)
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.sentences.iter().map(Vec::len).sum()
    }

    /// Whether the text has no tokens at all (every score against it is 0).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// ROUGE-1, ROUGE-2 and ROUGE-Lsum of `candidate` against `reference`.
pub fn rouge(reference: &str, candidate: &str) -> Rouge {
    rouge_texts(&RougeText::new(reference), &RougeText::new(candidate))
}

/// [`rouge`] on texts tokenized beforehand.
pub fn rouge_texts(reference: &RougeText, candidate: &RougeText) -> Rouge {
    // Tokens become small integers, equal where the strings are, so that
    // n-gram counting and the LCS tables compare integers, not strings.
    let mut vocabulary = HashMap::new();
    let reference = TokenIds::new(reference, &mut vocabulary);
    let candidate = TokenIds::new(candidate, &mut vocabulary);
    Rouge {
        rouge1: rouge_n(&reference.ids, &candidate.ids, 1),
        rouge2: rouge_n(&reference.ids, &candidate.ids, 2),
        rouge_lsum: rouge_lsum(&reference, &candidate, vocabulary.len()),
    }
}

/// A [`RougeText`] with each token replaced by its number in a vocabulary
/// shared with the text it is scored against.
struct TokenIds {
    /// All tokens, in order.
    ids: Vec<u32>,
    /// Each sentence's range in `ids`.
    sentences: Vec<Range<usize>>,
}

impl TokenIds {
    fn new<'a>(text: &'a RougeText, vocabulary: &mut HashMap<&'a str, u32>) -> Self {
        let mut ids = Vec::with_capacity(text.len());
        let mut sentences = Vec::with_capacity(text.sentences.len());
        for sentence in &text.sentences {
            let start = ids.len();
            for token in sentence {
                let next =
                    u32::try_from(vocabulary.len()).expect("fewer than 2^32 distinct tokens");
                ids.push(*vocabulary.entry(token.as_str()).or_insert(next));
            }
            sentences.push(start..ids.len());
        }
        Self { ids, sentences }
    }
}

/// The mean of each precision, recall and F1 over `scores`, as papers
/// report a corpus: per-document F1 averaged, not F1 of averaged P and R.
/// `rouge-score`'s `BootstrapAggregator` reports as "mid" the median of
/// bootstrap-resampled means, which approaches this mean; this is the plain
/// mean, with no resampling noise. All zero for no scores.
pub fn mean(scores: &[Rouge]) -> Rouge {
    if scores.is_empty() {
        return Rouge::default();
    }
    let n = scores.len() as f64;
    let average = |pick: fn(&Rouge) -> RougeScore| {
        let (p, r, f) = scores
            .iter()
            .map(pick)
            .fold((0.0, 0.0, 0.0), |(p, r, f), s| {
                (p + s.precision, r + s.recall, f + s.f1)
            });
        RougeScore {
            precision: p / n,
            recall: r / n,
            f1: f / n,
        }
    };
    Rouge {
        rouge1: average(|s| s.rouge1),
        rouge2: average(|s| s.rouge2),
        rouge_lsum: average(|s| s.rouge_lsum),
    }
}

/// ROUGE-N with clipped counts: each distinct reference n-gram contributes
/// `min(count in reference, count in candidate)` hits, i.e. the hits are the
/// size of the multiset intersection, counted here by merging the sorted
/// n-grams of both sides.
fn rouge_n(reference: &[u32], candidate: &[u32], n: usize) -> RougeScore {
    fn sorted_ngrams(tokens: &[u32], n: usize) -> Vec<&[u32]> {
        let mut ngrams: Vec<&[u32]> = tokens.windows(n).collect();
        ngrams.sort_unstable();
        ngrams
    }
    let reference_ngrams = sorted_ngrams(reference, n);
    let candidate_ngrams = sorted_ngrams(candidate, n);
    let (mut r, mut c, mut hits) = (0, 0, 0);
    while r < reference_ngrams.len() && c < candidate_ngrams.len() {
        match reference_ngrams[r].cmp(candidate_ngrams[c]) {
            Ordering::Less => r += 1,
            Ordering::Greater => c += 1,
            Ordering::Equal => {
                hits += 1;
                r += 1;
                c += 1;
            }
        }
    }
    RougeScore::from_counts(hits, candidate_ngrams.len(), reference_ngrams.len())
}

/// Summary-level LCS (`rouge_scorer._summary_level_lcs`); token ids are
/// below `vocabulary_size`.
fn rouge_lsum(reference: &TokenIds, candidate: &TokenIds, vocabulary_size: usize) -> RougeScore {
    let reference_total = reference.ids.len();
    let candidate_total = candidate.ids.len();
    if reference_total == 0 || candidate_total == 0 {
        return RougeScore::ZERO;
    }
    // Occurrences of each token not yet matched on either side: a token in
    // the union LCSs of several reference sentences only counts while both
    // texts have an unused occurrence of it.
    let mut reference_left = token_counts(&reference.ids, vocabulary_size);
    let mut candidate_left = token_counts(&candidate.ids, vocabulary_size);
    let mut table = LcsTable::default();
    let mut hits = 0;
    for sentence in reference
        .sentences
        .iter()
        .map(|range| &reference.ids[range.clone()])
    {
        let mut in_union = vec![false; sentence.len()];
        for other in candidate
            .sentences
            .iter()
            .map(|range| &candidate.ids[range.clone()])
        {
            table.mark_lcs(sentence, other, &mut in_union);
        }
        for (&token, _) in sentence.iter().zip(&in_union).filter(|(_, &used)| used) {
            let token = token as usize;
            if reference_left[token] > 0 && candidate_left[token] > 0 {
                reference_left[token] -= 1;
                candidate_left[token] -= 1;
                hits += 1;
            }
        }
    }
    RougeScore::from_counts(hits, candidate_total, reference_total)
}

fn token_counts(ids: &[u32], vocabulary_size: usize) -> Vec<usize> {
    let mut counts = vec![0; vocabulary_size];
    for &id in ids {
        counts[id as usize] += 1;
    }
    counts
}

/// The dynamic-programming table of LCS lengths, kept between sentence
/// pairs so that its buffer is allocated once per scored pair of texts.
#[derive(Default)]
struct LcsTable {
    lengths: Vec<u32>,
}

impl LcsTable {
    /// Marks in `in_union` the positions of `reference` on one longest
    /// common subsequence with `candidate`: the one `rouge-score`'s
    /// `_backtrack_norec` reads out (from the end; on a tie between
    /// dropping a candidate token and dropping a reference token, the
    /// reference token is dropped).
    fn mark_lcs(&mut self, reference: &[u32], candidate: &[u32], in_union: &mut [bool]) {
        let (rows, cols) = (reference.len(), candidate.len());
        if rows == 0 || cols == 0 {
            return;
        }
        let width = cols + 1;
        self.lengths.clear();
        self.lengths.resize((rows + 1) * width, 0);
        let t = &mut self.lengths;
        for i in 1..=rows {
            for j in 1..=cols {
                t[i * width + j] = if reference[i - 1] == candidate[j - 1] {
                    t[(i - 1) * width + j - 1] + 1
                } else {
                    t[(i - 1) * width + j].max(t[i * width + j - 1])
                };
            }
        }
        let (mut i, mut j) = (rows, cols);
        while i > 0 && j > 0 {
            if reference[i - 1] == candidate[j - 1] {
                in_union[i - 1] = true;
                i -= 1;
                j -= 1;
            } else if t[i * width + j - 1] > t[(i - 1) * width + j] {
                j -= 1;
            } else {
                i -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts to 1e-7, the precision the expected values are written with
    /// (all of them checked against `rouge-score` 0.1.2).
    fn assert_score(actual: RougeScore, precision: f64, recall: f64, f1: f64) {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-7;
        assert!(
            close(actual.precision, precision)
                && close(actual.recall, recall)
                && close(actual.f1, f1),
            "{actual:?} != P {precision} R {recall} F {f1}"
        );
    }

    #[test]
    fn tokens_are_lowercased_split_and_stemmed() {
        assert_eq!(
            rouge_tokens("The cats are running quickly."),
            ["the", "cat", "are", "run", "quickli"]
        );
        // `naïve` splits at the `ï`; subscript digits are no digits; the
        // Kelvin sign lowercases to an ASCII `k` and `İ` to `i` + a dot.
        assert_eq!(
            rouge_tokens("naïve H₂O, 3.5\u{212A} İstanbul"),
            ["na", "ve", "h", "o", "3", "5k", "i", "stanbul"]
        );
        assert!(rouge_tokens(" -- \n ").is_empty());
    }

    #[test]
    fn worked_example() {
        let scores = rouge(
            "The cats are running quickly.\nA second sentence.",
            "A cat runs fast.\nSecond sentences here.",
        );
        assert_score(scores.rouge1, 0.7142857, 0.625, 0.6666667);
        assert_score(scores.rouge2, 0.1666667, 0.1428571, 0.1538462);
        assert_eq!(scores.rouge_lsum, scores.rouge1);
    }

    #[test]
    fn ngram_matches_are_clipped() {
        let scores = rouge("the cat the cat", "the the the the");
        assert_score(scores.rouge1, 0.5, 0.5, 0.5);
        assert_eq!(scores.rouge2, RougeScore::ZERO);
    }

    #[test]
    fn lsum_takes_the_union_of_lcs_over_candidate_sentences() {
        // The ROUGE paper's example: the union LCS is w1 w2 w3 w5.
        let scores = rouge("w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5");
        assert_score(scores.rouge_lsum, 0.4, 0.8, 0.5333333);
    }

    #[test]
    fn lsum_follows_rouge_score_lcs_tie_break() {
        // "alpha beta" against "beta alpha" has two LCSs of length 1;
        // rouge-score takes "alpha", which leaves the single candidate
        // "beta" for the second reference sentence: 2 hits, not 1.
        let scores = rouge("alpha beta\nbeta", "beta alpha");
        assert_score(scores.rouge_lsum, 1.0, 2.0 / 3.0, 0.8);
    }

    #[test]
    fn lsum_counts_a_token_at_most_as_often_as_the_candidate_has_it() {
        let scores = rouge("gold gold\ngold", "gold");
        assert_score(scores.rouge_lsum, 1.0, 1.0 / 3.0, 0.5);
    }

    #[test]
    fn texts_without_tokens_score_zero() {
        for (reference, candidate) in [("", "a text"), ("a text", ""), ("\n\n", "x"), ("", "")] {
            let scores = rouge(reference, candidate);
            assert_eq!(
                scores,
                Rouge {
                    rouge1: RougeScore::ZERO,
                    rouge2: RougeScore::ZERO,
                    rouge_lsum: RougeScore::ZERO
                },
                "{reference:?} / {candidate:?}"
            );
        }
    }

    #[test]
    fn identical_texts_score_one() {
        let text = "Sensors report readings.\nThe hub aggregates them.";
        let scores = rouge(text, text);
        for score in [scores.rouge1, scores.rouge2, scores.rouge_lsum] {
            assert_score(score, 1.0, 1.0, 1.0);
        }
    }

    #[test]
    fn prepared_texts_score_as_raw_ones() {
        let (reference, candidate) = ("A cat sat.\nOn the mat.", "The cat sat on a mat.");
        assert_eq!(
            rouge_texts(&RougeText::new(reference), &RougeText::new(candidate)),
            rouge(reference, candidate)
        );
    }

    #[test]
    fn mean_averages_each_figure_separately() {
        let a = rouge("alpha beta", "alpha beta");
        let b = rouge("alpha beta", "gamma");
        let m = mean(&[a, b]);
        assert_score(m.rouge1, 0.5, 0.5, 0.5);
        assert_score(m.rouge2, 0.5, 0.5, 0.5);
        assert_eq!(mean(&[]), Rouge::default());
    }
}
