//! Sentences as weighted bags of stemmed words: what lexical centrality and
//! redundancy are computed on.
//!
//! Words are lower-cased runs of letters and digits; English function words,
//! pure numbers (reference numerals such as `12` in `the rotor 12`) and
//! one-letter tokens are dropped, the rest Snowball-stemmed (`frostem`, the
//! stemmer tantivy uses), so `pumps` and `pumping` count as one term.
//! Weights are TF-IDF with the document frequency counted over the
//! sentences of one patent: a term on every sentence of it (its subject, for
//! instance) weighs little, one that sets a few sentences apart weighs much.

use std::collections::HashMap;

use frostem::{Algorithm, Stemmer};

/// A sparse, L2-normalised term vector: `(term id, weight)` sorted by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TermVector(Vec<(u32, f32)>);

impl TermVector {
    /// Cosine with `other` (both are normalised, so the dot product).
    pub fn cosine(&self, other: &TermVector) -> f32 {
        let (mut i, mut j, mut dot) = (0, 0, 0.0);
        let (a, b) = (&self.0, &other.0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    dot += a[i].1 * b[j].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        dot
    }

    /// Whether no term survived (a sentence of numbers and function words).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The normalised sum of `vectors` (each weighted by `weight`): a
    /// centroid that treats every vector as one vote.
    pub fn centroid<'a>(vectors: impl IntoIterator<Item = (&'a TermVector, f32)>) -> TermVector {
        let mut sum: HashMap<u32, f32> = HashMap::new();
        for (v, weight) in vectors {
            for &(t, w) in &v.0 {
                *sum.entry(t).or_default() += w * weight;
            }
        }
        let mut terms: Vec<(u32, f32)> = sum.into_iter().collect();
        terms.sort_unstable_by_key(|&(t, _)| t);
        normalised(terms)
    }
}

fn normalised(mut terms: Vec<(u32, f32)>) -> TermVector {
    let norm = terms.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, w) in &mut terms {
            *w /= norm;
        }
        TermVector(terms)
    } else {
        TermVector::default()
    }
}

/// Turns texts into term ids, interning stems as it goes.
pub struct Vocabulary {
    /// Stem -> term id.
    ids: HashMap<String, u32>,
    /// Word as written (lower-cased) -> term id, `None` for a stop word:
    /// a patent repeats its words, and stemming is most of the cost.
    words: HashMap<String, Option<u32>>,
    stemmer: Stemmer,
}

impl std::fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vocabulary")
            .field("terms", &self.ids.len())
            .finish()
    }
}

impl Default for Vocabulary {
    fn default() -> Self {
        Self {
            ids: HashMap::new(),
            words: HashMap::new(),
            stemmer: Stemmer::new(Algorithm::English),
        }
    }
}

impl Vocabulary {
    /// The term ids of `text`, with repeats, in text order.
    pub fn terms(&mut self, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        let mut word = String::new();
        for piece in text.split(|c: char| !c.is_alphanumeric()) {
            if piece.is_empty() {
                continue;
            }
            word.clear();
            word.extend(piece.chars().flat_map(char::to_lowercase));
            let id = match self.words.get(word.as_str()) {
                Some(&id) => id,
                None => {
                    let id = self.intern(&word);
                    self.words.insert(word.clone(), id);
                    id
                }
            };
            out.extend(id);
        }
        out
    }

    fn intern(&mut self, word: &str) -> Option<u32> {
        if word.chars().count() < 2
            || word.chars().all(|c| c.is_ascii_digit())
            || STOPWORDS.binary_search(&word).is_ok()
        {
            return None;
        }
        let stem = self.stemmer.stem(word);
        let next = self.ids.len() as u32;
        Some(match self.ids.get(stem.as_ref()) {
            Some(&id) => id,
            None => {
                self.ids.insert(stem.into_owned(), next);
                next
            }
        })
    }
}

/// TF-IDF vectors of `documents` (term ids per sentence), with the document
/// frequency counted over them: `(1 + ln tf) * ln(1 + n / df)`, normalised.
/// `extra` are weighted with the same frequencies (a term they have and the
/// documents lack counts as in one document) without changing them: the
/// title or claims a sentence is compared with.
pub fn tf_idf(documents: &[Vec<u32>], extra: &[Vec<u32>]) -> (Vec<TermVector>, Vec<TermVector>) {
    let counted = |doc: &Vec<u32>| -> Vec<(u32, u32)> {
        let mut sorted = doc.clone();
        sorted.sort_unstable();
        let mut counts: Vec<(u32, u32)> = Vec::with_capacity(sorted.len());
        for t in sorted {
            match counts.last_mut() {
                Some((last, c)) if *last == t => *c += 1,
                _ => counts.push((t, 1)),
            }
        }
        counts
    };
    let documents: Vec<Vec<(u32, u32)>> = documents.iter().map(counted).collect();
    let terms = documents
        .iter()
        .flat_map(|d| d.iter().map(|&(t, _)| t as usize + 1))
        .max()
        .unwrap_or(0);
    let mut df = vec![0u32; terms];
    for doc in &documents {
        for &(t, _) in doc {
            df[t as usize] += 1;
        }
    }
    let n = documents.len().max(1) as f32;
    let vector = |counts: &Vec<(u32, u32)>| {
        let terms: Vec<(u32, f32)> = counts
            .iter()
            .map(|&(t, c)| {
                let d = df.get(t as usize).copied().unwrap_or(0).max(1) as f32;
                (t, (1.0 + (c as f32).ln()) * (1.0 + n / d).ln())
            })
            .collect();
        normalised(terms)
    };
    (
        documents.iter().map(vector).collect(),
        extra.iter().map(|d| vector(&counted(d))).collect(),
    )
}

/// English function words and the filler of patent prose that says nothing
/// about an invention (`said`, `wherein`), sorted for binary search.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "either",
    "etc",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "herein",
    "hereinafter",
    "hers",
    "him",
    "his",
    "how",
    "however",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "may",
    "might",
    "more",
    "most",
    "must",
    "my",
    "no",
    "nor",
    "not",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "out",
    "over",
    "own",
    "said",
    "same",
    "shall",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "thereby",
    "therefore",
    "thereof",
    "these",
    "they",
    "this",
    "those",
    "through",
    "thus",
    "to",
    "too",
    "under",
    "until",
    "up",
    "upon",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "whereby",
    "wherein",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "within",
    "would",
    "you",
    "your",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopwords_are_sorted_for_binary_search() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn terms_are_stemmed_without_numbers_or_function_words() {
        let mut v = Vocabulary::default();
        let a = v.terms("The pumps 12 and 14 are pumping fluids.");
        let b = v.terms("A pump pumps a fluid");
        assert_eq!(a.len(), 3, "pumps, pumping, fluids: {a:?}");
        assert_eq!(a[0], a[1], "pumps and pumping share a stem");
        assert_eq!(b, vec![a[0], a[0], a[2]]);
    }

    #[test]
    fn tf_idf_weighs_rare_terms_up_and_cosine_is_one_on_itself() {
        let mut v = Vocabulary::default();
        let docs: Vec<Vec<u32>> = ["pump rotor", "pump motor", "pump valve housing"]
            .iter()
            .map(|t| v.terms(t))
            .collect();
        let title = vec![v.terms("rotor pump")];
        let (vectors, extra) = tf_idf(&docs, &title);
        assert!((vectors[0].cosine(&vectors[0]) - 1.0).abs() < 1e-5);
        assert!(vectors[0].cosine(&extra[0]) > vectors[1].cosine(&extra[0]));
        let pump = docs[0][0];
        let weight = |v: &TermVector, t: u32| v.0.iter().find(|(x, _)| *x == t).unwrap().1;
        assert!(weight(&vectors[0], pump) < weight(&vectors[0], docs[0][1]));
        let c = TermVector::centroid(vectors.iter().map(|v| (v, 1.0)));
        assert!((c.cosine(&c) - 1.0).abs() < 1e-5);
        assert!(TermVector::centroid([]).is_empty());
    }
}
