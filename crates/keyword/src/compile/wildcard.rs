//! Wildcards: `*`/`?` patterns expanded, within limits, into the words of the index they match.

use std::collections::BTreeSet;
use std::sync::Arc;

use patsearch_record::Cancellation;
use tantivy::query::{
    BitSetDocSet, BooleanQuery, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TantivyError};

use super::{boosted, query_error, Compiler, CHECK_EVERY};
use crate::query::TextField;
use crate::schema::WORDS;
use crate::KeywordError;

impl Compiler<'_> {
    /// A word with `*` (any letters) or `?` (one letter), matched against
    /// the words of the index as written, each matching word counting the
    /// same (a constant score, as Lucene's wildcards). The words are found
    /// here, before the search, so that a pattern matching too much is
    /// refused with its position rather than walked by every segment's
    /// scorer; within the limits the result is what tantivy's `RegexQuery`
    /// over the same fields gave.
    pub(super) fn wildcard(
        &self,
        field: Option<TextField>,
        text: &str,
        position: usize,
    ) -> Result<Box<dyn Query>, KeywordError> {
        let lowered = text.to_lowercase();
        if lowered.chars().all(|c| c == '*' || c == '?') {
            return Err(query_error(
                position,
                "a wildcard needs at least one letter: batter*, wom?n",
            ));
        }
        let wildcards = self.wildcards.get() + 1;
        self.wildcards.set(wildcards);
        if wildcards > self.limits.max_wildcards {
            return Err(query_error(
                position,
                format!(
                    "the query has more than {} wildcard patterns; use fewer",
                    self.limits.max_wildcards
                ),
            ));
        }
        // The letters go through the analyzer of the fields the pattern is
        // matched in, one by one (it lower-cases and folds each character on
        // its own), so `Café*` finds what `cafe*` finds.
        let mut pattern = Vec::new();
        for c in text.chars() {
            match c {
                '*' => pattern.push(Glob::Any),
                '?' => pattern.push(Glob::One),
                c if c.is_alphanumeric() => {
                    let folded = self.analyze(WORDS, c.encode_utf8(&mut [0; 4]));
                    if folded.is_empty() {
                        pattern.extend(c.to_lowercase().map(Glob::Letter));
                    }
                    for token in folded {
                        pattern.extend(token.chars().map(Glob::Letter));
                    }
                }
                c => pattern.push(Glob::Letter(c)),
            }
        }
        let mut words = BTreeSet::new();
        let mut per_field: Vec<Box<dyn Query>> = Vec::new();
        for (target, boost) in self.targets(field) {
            let f = self.wildcard_field(target);
            let terms = self.expand(f, &pattern, &mut words, text, position)?;
            let q = ExpandedTerms {
                field: f,
                terms: Arc::new(terms),
                cancel: self.cancel.clone(),
            };
            per_field.push(boosted(Box::new(q), boost));
        }
        self.expansions.set(self.expansions.get() + words.len());
        // No field to search (every boost 0): matches nothing.
        Ok(self
            .best_field(per_field)
            .unwrap_or_else(|| Box::new(BooleanQuery::new(Vec::new()))))
    }

    /// The words of `field` in any segment that `pattern` matches, sorted;
    /// each new one is added to `words`, the pattern's words in all its
    /// fields, which the limits count.
    fn expand(
        &self,
        field: Field,
        pattern: &[Glob],
        words: &mut BTreeSet<Vec<u8>>,
        text: &str,
        position: usize,
    ) -> Result<Vec<Vec<u8>>, KeywordError> {
        let limits = &self.limits;
        // The letters before the first wildcard narrow the walk to the
        // words that start with them.
        let prefix: String = pattern
            .iter()
            .map_while(|g| match g {
                Glob::Letter(c) => Some(*c),
                _ => None,
            })
            .collect();
        let mut found = BTreeSet::new();
        let mut chars = Vec::new();
        let mut walked = 0usize;
        for segment in self.searcher.segment_readers() {
            self.cancel.check()?;
            let inverted = segment.inverted_index(field)?;
            let mut stream = inverted
                .terms()
                .range()
                .ge(prefix.as_bytes())
                .into_stream()
                .map_err(TantivyError::from)?;
            while stream.advance() {
                walked += 1;
                if walked.is_multiple_of(CHECK_EVERY) {
                    self.cancel.check()?;
                }
                let key = stream.key();
                if !key.starts_with(prefix.as_bytes()) {
                    break;
                }
                let Ok(word) = std::str::from_utf8(key) else {
                    continue;
                };
                chars.clear();
                chars.extend(word.chars());
                if !glob_matches(pattern, &chars) || found.contains(key) {
                    continue;
                }
                found.insert(key.to_vec());
                if words.insert(key.to_vec()) {
                    if words.len() > limits.max_expansions {
                        return Err(query_error(
                            position,
                            format!(
                                "`{text}` matches more than {} words; narrow the pattern",
                                limits.max_expansions
                            ),
                        ));
                    }
                    if self.expansions.get() + words.len() > limits.max_total_expansions {
                        return Err(query_error(
                            position,
                            format!(
                                "the query's wildcards match more than {} words in all; narrow them",
                                limits.max_total_expansions
                            ),
                        ));
                    }
                }
            }
        }
        Ok(found.into_iter().collect())
    }
}

/// A piece of a wildcard pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Glob {
    Letter(char),
    /// `?`
    One,
    /// `*`
    Any,
}

/// Whether `word` is all of `pattern`. Backtracks only to the last `*`,
/// so it takes at most (pattern length) × (word length) steps, whatever the
/// pattern: no regular expression is compiled from user input.
fn glob_matches(pattern: &[Glob], word: &[char]) -> bool {
    let letters = pattern.iter().filter(|g| **g != Glob::Any).count();
    if letters > word.len() {
        return false;
    }
    let (mut p, mut w) = (0, 0);
    // The last `*` seen and the first letter of the word it has not taken.
    let mut star: Option<(usize, usize)> = None;
    while w < word.len() {
        match pattern.get(p) {
            Some(Glob::Any) => {
                star = Some((p, w));
                p += 1;
            }
            Some(Glob::One) => {
                p += 1;
                w += 1;
            }
            Some(Glob::Letter(c)) if *c == word[w] => {
                p += 1;
                w += 1;
            }
            _ => match star {
                // Let the `*` take one letter more and try again after it.
                Some((sp, sw)) => {
                    p = sp + 1;
                    w = sw + 1;
                    star = Some((sp, sw + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|g| *g == Glob::Any)
}

/// The words a wildcard matched in one field, every document having one of
/// them scoring the same (the boost): what a `RegexQuery` scores, from a
/// bounded list of terms. Checks its token while it reads postings.
#[derive(Debug, Clone)]
struct ExpandedTerms {
    field: Field,
    /// Sorted, as the term dictionary is.
    terms: Arc<Vec<Vec<u8>>>,
    cancel: Cancellation,
}

impl Query for ExpandedTerms {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for ExpandedTerms {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut docs = BitSet::with_max_value(reader.max_doc());
        let inverted = reader.inverted_index(self.field)?;
        for (i, term) in self.terms.iter().enumerate() {
            // Stopped: what was read is enough, since the search that
            // asked is answered with the cancellation, not with hits.
            if i.is_multiple_of(64) && self.cancel.is_cancelled() {
                break;
            }
            let Some(info) = inverted.terms().get(term)? else {
                continue;
            };
            let mut postings =
                inverted.read_block_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
            loop {
                let block = postings.docs();
                if block.is_empty() {
                    break;
                }
                for &doc in block {
                    docs.insert(doc);
                }
                postings.advance();
            }
        }
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from(docs), boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new("wildcard", scorer.score()))
        } else {
            Err(TantivyError::InvalidArgument(format!(
                "document #{doc} matches no word of the wildcard"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pattern: &str) -> Vec<Glob> {
        pattern
            .chars()
            .map(|c| match c {
                '*' => Glob::Any,
                '?' => Glob::One,
                c => Glob::Letter(c),
            })
            .collect()
    }

    fn matches(pattern: &str, word: &str) -> bool {
        glob_matches(&glob(pattern), &word.chars().collect::<Vec<_>>())
    }

    #[test]
    fn wildcards_match_whole_words() {
        for (pattern, word) in [
            ("batter*", "battery"),
            ("batter*", "batter"),
            ("*ab*", "ab"),
            ("*ab*", "cabbage"),
            ("wom?n", "women"),
            ("*a*b*c", "xaybzc"),
            ("a*a*a*b", "aaaaaab"),
            ("caf?", "café"),
            ("**x", "x"),
        ] {
            assert!(matches(pattern, word), "{pattern} {word}");
        }
        for (pattern, word) in [
            ("batter*", "batt"),
            ("*ab*", "ba"),
            ("wom?n", "woman1"),
            ("wom?n", "womn"),
            ("a*a*a*b", "aaaaaaa"),
            ("?", ""),
            ("x*", "ax"),
        ] {
            assert!(!matches(pattern, word), "{pattern} {word}");
        }
        // A long pattern against a word costs no more than their product.
        let long = format!("*{}*", "a*".repeat(20_000));
        let started = std::time::Instant::now();
        assert!(!matches(&long, &"a".repeat(40)));
        assert!(started.elapsed().as_secs_f64() < 1.0);
    }
}
