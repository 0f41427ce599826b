//! A cheap upper bound on how many of a query's stems a text's words have,
//! so that snippets tokenise and stem only the description paragraphs that
//! can win.
//!
//! The English stemmer rewrites only the end of a word: a word whose stem is
//! `s` starts with `probe(s)`, the stem less its last letter (at most four
//! letters), or its first letter alone for the stemmer's irregular short
//! stems (`dying` -> `die`). So a paragraph whose text contains no probe of a
//! stem (ignoring ASCII case) has no word with that stem. Text with non-ASCII
//! letters is folded by the analyzer (`Köhler` -> `kohler`) and is never ruled
//! out. A test holds the probes to the stemmer on the corpus's vocabulary.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

/// The probes of a set of stems.
pub(crate) struct StemProbes {
    /// Matches every probe, ASCII case-insensitively; `None` when some stem
    /// is not ASCII (nothing can then be ruled out). A DFA: the overlapping
    /// search runs over every description of a page of hits, and with the
    /// default (NFA) it was 11% of a hybrid request's CPU time under load;
    /// the DFA took natural-language keyword search with snippets from 28.2
    /// to 24.5 ms p50 (`cargo bench --bench engine`, one run each).
    matcher: Option<AhoCorasick>,
    /// For each probe (pattern), the stems it stands for.
    stems_of_probe: Vec<Vec<usize>>,
    stems: usize,
}

/// The prefix every word with stem `stem` starts with.
pub(crate) fn probe(stem: &str) -> &str {
    const IRREGULAR: [&str; 3] = ["die", "lie", "tie"];
    let letters = stem.len().saturating_sub(1).min(4);
    if letters < 2 || IRREGULAR.contains(&stem) || !stem.is_char_boundary(letters) {
        let first = stem.chars().next().map_or(0, char::len_utf8);
        &stem[..first]
    } else {
        &stem[..letters]
    }
}

impl StemProbes {
    pub(crate) fn new(stems: &[String]) -> Self {
        let mut probes: Vec<&str> = Vec::new();
        let mut stems_of_probe: Vec<Vec<usize>> = Vec::new();
        for (k, stem) in stems.iter().enumerate() {
            let p = probe(stem);
            match probes.iter().position(|q| *q == p) {
                Some(i) => stems_of_probe[i].push(k),
                None => {
                    probes.push(p);
                    stems_of_probe.push(vec![k]);
                }
            }
        }
        let ascii = probes.iter().all(|p| !p.is_empty() && p.is_ascii());
        let matcher = ascii
            .then(|| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&probes)
                    .ok()
            })
            .flatten();
        Self {
            matcher,
            stems_of_probe,
            stems: stems.len(),
        }
    }

    /// At least the number of distinct stems among `text`'s words.
    pub(crate) fn upper_bound(&self, text: &str) -> usize {
        let Some(matcher) = &self.matcher else {
            return self.stems;
        };
        if !text.is_ascii() {
            return self.stems;
        }
        let mut found = vec![false; self.stems_of_probe.len()];
        let mut distinct = 0;
        for m in matcher.find_overlapping_iter(text) {
            let p = m.pattern().as_usize();
            if !found[p] {
                found[p] = true;
                distinct += 1;
                if distinct == found.len() {
                    break;
                }
            }
        }
        found
            .iter()
            .zip(&self.stems_of_probe)
            .filter(|(f, _)| **f)
            .map(|(_, stems)| stems.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_are_short_prefixes_of_the_stem() {
        assert_eq!(probe("batteri"), "batt");
        assert_eq!(probe("charg"), "char");
        assert_eq!(probe("use"), "us");
        assert_eq!(probe("die"), "d");
        assert_eq!(probe("go"), "g");
        assert_eq!(probe("a"), "a");
        assert_eq!(probe(""), "");
    }

    #[test]
    fn bounds_count_the_stems_whose_probe_occurs_in_any_case() {
        let stems: Vec<String> = ["batteri", "charg", "wireless"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let probes = StemProbes::new(&stems);
        assert_eq!(probes.upper_bound("The BATTERY is charged."), 2);
        assert_eq!(probes.upper_bound("Nothing to see."), 0);
        assert_eq!(probes.upper_bound("Wirel... batt... charm"), 3);
        // Folded letters could hide any stem.
        assert_eq!(probes.upper_bound("Köhler"), 3);
    }

    /// Every word of the first 300 corpus descriptions starts with the probe
    /// of its stem (the stemmer's rewrites stay within the probe's reach).
    #[test]
    fn every_corpus_word_starts_with_the_probe_of_its_stem() {
        let (schema, _) = crate::schema::build_schema();
        let index = tantivy::Index::create_in_ram(schema);
        crate::schema::register_analyzers(&index);
        let mut words = index
            .tokenizers()
            .get(crate::schema::WORDS)
            .expect("registered");
        let mut stemmer = crate::schema::stemmer();
        let mut vocabulary = std::collections::BTreeSet::new();
        for record in crate::test_corpus::first_records(300) {
            let text = record.to_string();
            let mut stream = words.token_stream(&text);
            while stream.advance() {
                vocabulary.insert(stream.token().text.clone());
            }
        }
        assert!(vocabulary.len() > 10_000, "{} words", vocabulary.len());
        let mut misses = Vec::new();
        for word in &vocabulary {
            let mut stream = stemmer.token_stream(word);
            if stream.advance() {
                let stem = stream.token().text.clone();
                if !word.starts_with(probe(&stem)) {
                    misses.push(format!("{word} -> {stem}"));
                }
            }
        }
        assert!(
            misses.is_empty(),
            "{} of {} words: {misses:?}",
            misses.len(),
            vocabulary.len()
        );
    }
}
