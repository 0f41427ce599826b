//! Prior-art search with claim charts: a claim (or an invention description)
//! is split into elements, each element is searched semantically, and the
//! documents found are ranked by how many elements they disclose and how
//! well, each with the passage that best matches every element.
//!
//! The steps of [`Engine::prior_art`]:
//!
//! 1. **Elements.** [`split_text`] (the summary crate's) cuts a claim into
//!    its preamble and limitations (at `;`, `:`, `wherein`), a text without
//!    claim structure (more than one sentence, or no transitional phrase)
//!    into its sentences, at most [`MAX_SENTENCE_ELEMENTS`]. All elements are
//!    embedded together in one call.
//! 2. **Candidates.** Each element's vector searches the vector index for
//!    its best [`PriorArtRequest::candidates`] documents, with the request's
//!    filters and the date cut-off applied inside the search (so it never
//!    returns fewer documents than pass them); the candidates are the union,
//!    with the best [`PriorArtRequest::candidates`] of a BM25 search of the
//!    whole text's words (the keyword index reads every description in full,
//!    the vectors only the title, abstract, claims and chosen paragraphs).
//! 3. **Chart.** For every candidate, each element's similarity is its best
//!    cosine over *all* the document's stored passage vectors (title +
//!    abstract, each independent claim, description paragraphs when the
//!    index has them), not only the passages that made it a candidate.
//! 4. **Ranking.** `combine_element_scores`: an element is *covered* when its
//!    similarity reaches [`PriorArtRequest::threshold`]; documents rank by
//!    covered elements, then by the reciprocal-rank fusion (k = 60, as in
//!    hybrid search) of their rank by mean element similarity and their BM25
//!    rank, then by publication number (deterministic). BM25 takes part
//!    because it ranks the source patent of more of the claims of
//!    `tests/fixtures/prior-art-claims.tsv` in the top 3 (benches/README.md,
//!    "Prior art").
//! 5. **Quotes** (`quote`). For the first [`PriorArtRequest::refine`] hits,
//!    within a token budget, the best passage of each element is cut into
//!    sentences (a claim into its elements) and those are embedded together
//!    once more, so the chart quotes the best-matching sentence, verbatim
//!    with its byte range, rather than a whole abstract.
//!
//! # The date cut-off
//!
//! `before` keeps documents whose date is strictly earlier, by default their
//! *priority* date (the earliest priority claim, else the filing date: the
//! document's effective filing date), or with [`DateField`] their filing or
//! publication date. A document without that date is left out, since it
//! cannot be shown to be earlier. [`Engine::prior_art_of`] cuts at the
//! patent's own earliest priority or filing date.

mod quote;
mod types;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Instant;

use chrono::NaiveDate;
use patsearch_keyword::KeywordError;
use patsearch_record::{Filters, PatentRecord, PublicationNumber};
use patsearch_summary::{combine_element_scores, compare_coverage, first_independent_claim};
pub use patsearch_summary::{
    split_text, QueryElement, Split, SplitMode, MAX_CLAIM_ELEMENTS, MAX_SENTENCE_ELEMENTS,
};
use patsearch_vectors::{Passage, PassageKind, StoredVector};
pub use types::{
    Cutoff, DateField, ElementMatch, PriorArtHit, PriorArtRequest, PriorArtResults, PriorArtSource,
    Quote, DEFAULT_COVERAGE_THRESHOLD, DEFAULT_ELEMENT_CANDIDATES, DEFAULT_PRIOR_ART_LIMIT,
    DEFAULT_REFINE,
};

use crate::fusion;
use crate::passages::{passage_text, truncate};
use crate::{Engine, EngineError};

/// Characters of a passage shown in a chart.
const PASSAGE_CHARS: usize = 300;

/// A candidate being charted.
struct Charted {
    number: PublicationNumber,
    /// Per element: the best cosine over the document's passages, and that
    /// passage.
    best: Vec<(f32, Passage)>,
    score: f32,
    covered: usize,
}

impl Engine {
    /// Prior art for a claim or an invention description (see the module
    /// documentation).
    pub fn prior_art(&self, request: &PriorArtRequest) -> Result<PriorArtResults, EngineError> {
        let started = Instant::now();
        let (split, elements, dropped) = split_text(&request.text, request.split);
        if elements.is_empty() {
            return Err(EngineError::InvalidRequest(
                "the text is empty: give a claim or a description of the invention".into(),
            ));
        }
        if !(-1.0..=1.0).contains(&request.threshold) {
            return Err(EngineError::InvalidRequest(format!(
                "threshold must lie in [-1, 1], not {}",
                request.threshold
            )));
        }
        let mut filters = request.filters.clone();
        let cutoff = match request.before {
            Some(before) => {
                apply_cutoff(&mut filters, before, request.date_field)?;
                Some(Cutoff {
                    before,
                    date_field: request.date_field,
                })
            }
            None => None,
        };
        patsearch_keyword::validate_filters(&filters).map_err(KeywordError::from)?;
        let vectors = self.vectors_or_error()?;
        let Some(embedder) = self.embedder.as_deref() else {
            return Err(EngineError::NoModel {
                path: self.dir.root().to_path_buf(),
                model: vectors.model().to_string(),
            });
        };
        // A claim's elements are what is searched for: queries.
        let texts: Vec<String> = elements
            .iter()
            .map(|e| crate::prompts::as_query(embedder, &e.text))
            .collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        request.cancel.check()?;
        let element_vectors = embedder.embed(&texts)?;

        // Candidates: the union of every element's search.
        let excluded: Vec<String> = request.exclude.iter().map(|n| n.base()).collect();
        let k = request.candidates.max(request.limit) + excluded.len();
        let mut candidates: BTreeSet<PublicationNumber> = BTreeSet::new();
        for v in &element_vectors {
            request.cancel.check()?;
            for hit in vectors.search(v, k, &filters) {
                if !excluded.contains(&hit.publication_number.base()) {
                    candidates.insert(hit.publication_number);
                }
            }
        }

        // BM25 over the whole text adds candidates, and evidence from the
        // full descriptions the vectors only sample.
        request.cancel.check()?;
        let keyword_ranks: HashMap<String, usize> = self
            .keyword
            .candidates(&keyword_query(&request.text), &filters, k, &request.cancel)?
            .into_iter()
            .filter(|(number, _)| !excluded.contains(&base_of(number)))
            .enumerate()
            .map(|(rank, (number, _))| (number, rank + 1))
            .collect();
        for number in keyword_ranks.keys() {
            if let Ok(number) = number.parse::<PublicationNumber>() {
                candidates.insert(number);
            }
        }

        request.cancel.check()?;
        // The chart of every candidate over all its passages.
        let mut charted: Vec<Charted> = candidates
            .into_iter()
            .filter_map(|number| {
                let stored = vectors.vectors_of(&number)?;
                chart(number, &stored, &element_vectors, request.threshold)
            })
            .collect();
        rank(&mut charted, &keyword_ranks);
        let total = charted.len();

        let (mut hits, records) = self.page(charted, request)?;
        request.cancel.check()?;
        self.quote_best_sentences(&mut hits, &records, &element_vectors, request.refine)?;
        request.cancel.check()?;
        Ok(PriorArtResults {
            source: None,
            split,
            elements,
            elements_dropped: dropped,
            cutoff,
            threshold: request.threshold,
            hits,
            total,
            took: started.elapsed(),
        })
    }

    /// Prior art for a patent of the index: its first independent claim
    /// (title and abstract when it has none) searched as a claim, cut off at
    /// its earliest priority or filing date (unless `request.before` says
    /// otherwise), the patent itself excluded. `request.text` and
    /// `request.split` are not used.
    pub fn prior_art_of(
        &self,
        number: &PublicationNumber,
        request: &PriorArtRequest,
    ) -> Result<PriorArtResults, EngineError> {
        let started = Instant::now();
        let record = self
            .keyword
            .get(number)?
            .ok_or_else(|| EngineError::UnknownDocument(number.clone()))?;
        let (basis, text, split) = match first_independent_claim(&record) {
            Some(claim) => (
                PassageKind::Claim(claim.number),
                claim.text.clone(),
                SplitMode::Claim,
            ),
            None => {
                let text = [record.title.trim(), record.abstract_text.trim()]
                    .iter()
                    .filter(|t| !t.is_empty())
                    .map(|t| t.trim_end_matches('.'))
                    .collect::<Vec<_>>()
                    .join(". ");
                (PassageKind::TitleAbstract, text, SplitMode::Sentences)
            }
        };
        if text.trim().is_empty() {
            return Err(EngineError::InvalidRequest(format!(
                "{} has no claims, title or abstract to search with",
                record.publication_number
            )));
        }
        let mut exclude = request.exclude.clone();
        exclude.push(record.publication_number.clone());
        let own = PriorArtRequest {
            text: text.clone(),
            split,
            // The earliest priority date, else the filing date.
            before: request.before.or_else(|| record.priority_date()),
            exclude,
            ..request.clone()
        };
        let mut results = self.prior_art(&own)?;
        results.source = Some(PriorArtSource {
            publication_number: record.publication_number.clone(),
            basis,
            text,
        });
        results.took = started.elapsed();
        Ok(results)
    }

    /// The page of ranked documents: hits with titles, dates and passage
    /// texts from the records (which the quotes read too, so they come back
    /// beside the hits). A document without a stored record is skipped.
    fn page(
        &self,
        charted: Vec<Charted>,
        request: &PriorArtRequest,
    ) -> Result<(Vec<PriorArtHit>, Vec<PatentRecord>), EngineError> {
        let mut hits = Vec::new();
        let mut records = Vec::new();
        for c in charted {
            if hits.len() >= request.limit {
                break;
            }
            request.cancel.check()?;
            let Some(record) = self.keyword.get(&c.number)? else {
                tracing::warn!(number = %c.number, "vector hit without a stored record (skipped)");
                continue;
            };
            let mapping = c
                .best
                .iter()
                .enumerate()
                .map(|(element, (similarity, passage))| ElementMatch {
                    element,
                    similarity: *similarity,
                    covered: similarity.is_finite() && *similarity >= request.threshold,
                    label: passage.kind.to_string(),
                    text: shown_text(&record, passage.kind),
                    passage: passage.clone(),
                    quote: None,
                })
                .collect();
            hits.push(PriorArtHit {
                publication_number: c.number.to_string(),
                rank: hits.len() + 1,
                title: record.title.clone(),
                score: c.score,
                covered: c.covered,
                priority_date: record.priority_date(),
                filing_date: record.filing_date(),
                publication_date: record.publication_date,
                mapping,
            });
            records.push(record);
        }
        Ok((hits, records))
    }
}

/// A candidate's chart: for each element, its best cosine over all the
/// document's stored passages and that passage; `None` for a document
/// without any.
fn chart(
    number: PublicationNumber,
    stored: &[StoredVector<'_>],
    element_vectors: &[Vec<f32>],
    threshold: f32,
) -> Option<Charted> {
    if stored.is_empty() {
        return None;
    }
    let best: Vec<(f32, Passage)> = element_vectors
        .iter()
        .map(|e| {
            let (i, sim) = stored
                .iter()
                .map(|s| patsearch_simd::dot(e, s.vector))
                .enumerate()
                .fold((0, f32::NEG_INFINITY), |acc, (i, sim)| {
                    if sim > acc.1 {
                        (i, sim)
                    } else {
                        acc
                    }
                });
            (sim, stored[i].passage.clone())
        })
        .collect();
    let sims: Vec<f32> = best.iter().map(|b| b.0).collect();
    let (score, covered) = combine_element_scores(&sims, threshold);
    Some(Charted {
        number,
        best,
        score,
        covered,
    })
}

/// Ranks the charted documents: elements covered first; among documents
/// covering as many, the reciprocal-rank fusion of their rank by mean
/// element similarity and their BM25 rank (`keyword_ranks`, from 1); then
/// the publication number.
fn rank(charted: &mut [Charted], keyword_ranks: &HashMap<String, usize>) {
    charted.sort_by(|a, b| {
        compare_coverage((a.score, a.covered), (b.score, b.covered))
            .then_with(|| a.number.cmp(&b.number))
    });
    let fused: HashMap<PublicationNumber, f64> = charted
        .iter()
        .enumerate()
        .map(|(semantic_rank, c)| {
            let rrf = |rank: usize| 1.0 / (fusion::DEFAULT_RRF_K + rank as f64);
            let keyword = keyword_ranks
                .get(&c.number.to_string())
                .map_or(0.0, |&rank| rrf(rank));
            (c.number.clone(), rrf(semantic_rank + 1) + keyword)
        })
        .collect();
    charted.sort_by(|a, b| {
        b.covered
            .cmp(&a.covered)
            .then(fused[&b.number].total_cmp(&fused[&a.number]))
            .then_with(|| a.number.cmp(&b.number))
    });
}

/// The start of a passage's text, as a chart shows it.
fn shown_text(record: &PatentRecord, kind: PassageKind) -> Option<String> {
    passage_text(record, kind).map(|t| truncate(t.trim(), PASSAGE_CHARS))
}

/// Narrows `filters` to documents whose `field` date is before `before`.
fn apply_cutoff(
    filters: &mut Filters,
    before: NaiveDate,
    field: DateField,
) -> Result<(), EngineError> {
    let last = before
        .pred_opt()
        .ok_or_else(|| EngineError::InvalidRequest(format!("no date is before {before}")))?;
    let range = match field {
        DateField::Priority => &mut filters.priority,
        DateField::Filed => &mut filters.filed,
        DateField::Published => &mut filters.published,
    };
    range.to = Some(range.to.map_or(last, |to| to.min(last)));
    Ok(())
}

/// The most words of a prior-art text its keyword search uses.
const KEYWORD_QUERY_WORDS: usize = 256;

/// A prior-art text as a keyword query: its distinct words of three or more
/// letters or digits, lower-cased (so no word reads as query syntax: `AND`,
/// `field:`, brackets), the first [`KEYWORD_QUERY_WORDS`].
fn keyword_query(text: &str) -> String {
    let mut seen = HashSet::new();
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|w| seen.insert(w.clone()))
        .take(KEYWORD_QUERY_WORDS)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A publication number's base (without kind), or the text itself when it
/// does not parse.
fn base_of(number: &str) -> String {
    number
        .parse::<PublicationNumber>()
        .map_or_else(|_| number.to_string(), |n| n.base())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoff_narrows_the_chosen_date_range() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2013, 3, d).unwrap();
        let mut filters = Filters::default();
        apply_cutoff(&mut filters, day(10), DateField::Priority).unwrap();
        assert_eq!(filters.priority.to, Some(day(9)));
        filters.filed.to = Some(day(5));
        apply_cutoff(&mut filters, day(10), DateField::Filed).unwrap();
        assert_eq!(filters.filed.to, Some(day(5)));
        apply_cutoff(&mut filters, day(3), DateField::Published).unwrap();
        assert_eq!(filters.published.to, Some(day(2)));
    }

    #[test]
    fn a_text_becomes_a_keyword_query_of_its_words_without_syntax() {
        assert_eq!(
            keyword_query(
                "A method (AND claim 1: title:x) of charging, comprising: a coil; charging OR NOT"
            ),
            "method and claim title charging comprising coil not"
        );
        let long: String = (0..1000).map(|i| format!("word{i} ")).collect();
        assert_eq!(keyword_query(&long).split(' ').count(), KEYWORD_QUERY_WORDS);
        assert_eq!(keyword_query("a (b) :: --"), "");
    }
}
