//! Prior-art search with claim charts: a claim (or an invention description)
//! is split into elements, each element is searched semantically, and the
//! documents found are ranked by how many elements they disclose and how
//! well, each with the passage that best matches every element.
//!
//! The steps of [`Engine::prior_art`]:
//!
//! 1. **Elements.** A claim is split by `patsearch_summary::claim_elements`
//!    (preamble, then limitations at `;`, `:`, `wherein`); a text without
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
//!    rank, then by publication number (deterministic). On the 20 claims of
//!    `tests/fixtures/prior-art-claims.tsv` over the corpus the source patent
//!    was in the top 3 for 16 without BM25, 18 with it (benches/README.md).
//! 5. **Quotes.** For the first [`PriorArtRequest::refine`] hits, the best
//!    passage of each element is cut into sentences (a claim into its
//!    elements) and those are embedded together once more, so the
//!    chart quotes the best-matching sentence, verbatim with its byte range,
//!    rather than a whole abstract.
//!
//! # The date cut-off
//!
//! `before` keeps documents whose date is strictly earlier, by default their
//! *priority* date (the earliest priority claim, else the filing date: the
//! document's effective filing date), or with [`DateField`] their filing or
//! publication date. A document without that date is left out, since it
//! cannot be shown to be earlier. [`Engine::prior_art_of`] cuts at the
//! patent's own earliest priority or filing date.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use patsearch_keyword::KeywordError;
use patsearch_record::{Cancellation, Filters, PatentRecord, PublicationNumber};
use patsearch_summary::{
    claim_elements, combine_element_scores, compare_coverage, estimate_tokens,
    first_independent_claim, split_sentences, ElementKind, Span,
};
use patsearch_vectors::{Passage, PassageKind};
use serde::{Deserialize, Serialize, Serializer};

use crate::fusion;
use crate::passages::{passage_of, passage_text, truncate};
use crate::{Engine, EngineError};

/// Results per page unless asked otherwise.
pub const DEFAULT_PRIOR_ART_LIMIT: usize = 10;
/// Documents each element's search contributes to the candidates.
pub const DEFAULT_ELEMENT_CANDIDATES: usize = 100;
/// The similarity at which an element counts as disclosed by a document.
///
/// Measured with all-MiniLM-L6-v2 on the benchmark corpus: the elements of
/// the four paraphrased 6-element claims of `benches/summary.rs` score
/// 0.13 – 0.74 against the title and abstract of the patent they paraphrase,
/// which then covers 3 – 6 of 6 and ranks first each time, while the best
/// other document covers 2 – 4.
pub const DEFAULT_COVERAGE_THRESHOLD: f32 = 0.4;
/// Hits whose chart quotes the best sentence of each passage.
pub const DEFAULT_REFINE: usize = 3;
/// At most this many elements of a claim are searched.
pub const MAX_CLAIM_ELEMENTS: usize = 20;
/// At most this many sentences of a description are searched.
pub const MAX_SENTENCE_ELEMENTS: usize = 8;
/// Estimated tokens the quotes of one request may embed (about 30 ms at
/// 8,000 tokens/s, at the 20 % the estimate runs high): quoting stops at the
/// hit that would exceed it. Distinct pieces count once.
const REFINE_TOKEN_BUDGET: usize = 300;
/// The first hit's quotes may use this many (about 80 ms): every element of
/// the best document should be quoted, and its passages may be several long
/// claims. Its passages are taken in element order while they fit.
const FIRST_HIT_TOKEN_BUDGET: usize = 800;
/// Characters of a passage shown in a chart.
const PASSAGE_CHARS: usize = 300;

/// Which date of a document the cut-off tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateField {
    /// The earliest priority date, else the filing date.
    #[default]
    Priority,
    /// The filing date of the application.
    Filed,
    /// The publication date.
    Published,
}

impl std::fmt::Display for DateField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DateField::Priority => "priority",
            DateField::Filed => "filed",
            DateField::Published => "published",
        })
    }
}

/// How the text is cut into elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitMode {
    /// A claim when it reads as one (one sentence with a transitional
    /// phrase: `comprising`, `consisting of`, `wherein` ...), else sentences.
    #[default]
    Auto,
    /// Always as a claim (preamble and limitations).
    Claim,
    /// Always into sentences.
    Sentences,
}

/// A prior-art search.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorArtRequest {
    /// A claim, or a description of the invention.
    pub text: String,
    /// Only documents dated strictly before this (see the module
    /// documentation).
    pub before: Option<NaiveDate>,
    /// The date `before` tests.
    pub date_field: DateField,
    /// Structured filters, as in search.
    pub filters: Filters,
    /// Hits to return.
    pub limit: usize,
    pub split: SplitMode,
    /// Documents each element's search contributes.
    pub candidates: usize,
    /// The similarity at which an element counts as covered.
    pub threshold: f32,
    /// Hits (from the first) whose chart quotes sentences.
    pub refine: usize,
    /// Documents never returned (any kind of each number).
    pub exclude: Vec<PublicationNumber>,
    /// Stops the search when cancelled or past its deadline
    /// ([`EngineError::Cancelled`]); never, by default.
    pub cancel: Cancellation,
}

impl Default for PriorArtRequest {
    fn default() -> Self {
        Self {
            text: String::new(),
            before: None,
            date_field: DateField::default(),
            filters: Filters::default(),
            limit: DEFAULT_PRIOR_ART_LIMIT,
            split: SplitMode::default(),
            candidates: DEFAULT_ELEMENT_CANDIDATES,
            threshold: DEFAULT_COVERAGE_THRESHOLD,
            refine: DEFAULT_REFINE,
            exclude: Vec::new(),
            cancel: Cancellation::never(),
        }
    }
}

impl PriorArtRequest {
    /// A request for `text` with every other setting at its default.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }
}

/// How the text was cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    Claim,
    Sentences,
}

/// One element of the searched text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryElement {
    /// For a chart: `pre` for the preamble, then `a`, `b`, ...; sentences
    /// are `1`, `2`, ...
    pub label: String,
    pub kind: ElementKind,
    /// Verbatim: `range` of the request's text.
    pub text: String,
    pub range: Span,
}

/// The cut-off applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cutoff {
    /// Documents dated strictly before this.
    pub before: NaiveDate,
    pub date_field: DateField,
}

/// What [`Engine::prior_art_of`] searched with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriorArtSource {
    pub publication_number: PublicationNumber,
    /// `claim N` or `title and abstract`.
    pub basis: PassageKind,
    /// The text searched.
    pub text: String,
}

/// A sentence of a passage, quoted verbatim.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    /// `range` of the passage's full text (the abstract, the claim, the
    /// description paragraph).
    pub text: String,
    pub range: Span,
    /// Cosine of the element with this sentence.
    pub similarity: f32,
}

/// How one document discloses one element.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElementMatch {
    /// Index into [`PriorArtResults::elements`].
    pub element: usize,
    /// Cosine of the element with its best passage of the document (what
    /// coverage is judged on).
    pub similarity: f32,
    /// Whether the similarity reaches the threshold.
    pub covered: bool,
    /// The passage charted: the best one, or for the first hits the one
    /// holding the best-matching sentence (the abstract's sentence can state
    /// an element better than the best whole paragraph's).
    pub passage: Passage,
    /// The passage for a person: `title and abstract`, `claim 1`.
    pub label: String,
    /// The start of the passage's text.
    pub text: Option<String>,
    /// The passage's best sentence, for the first hits.
    pub quote: Option<Quote>,
}

/// One prior-art document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriorArtHit {
    pub publication_number: String,
    /// From 1.
    pub rank: usize,
    pub title: String,
    /// The mean of the elements' similarities.
    pub score: f32,
    /// Elements whose similarity reaches the threshold.
    pub covered: usize,
    pub priority_date: Option<NaiveDate>,
    pub filing_date: Option<NaiveDate>,
    pub publication_date: Option<NaiveDate>,
    /// One per element, in the elements' order.
    pub mapping: Vec<ElementMatch>,
}

/// A page of prior art.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriorArtResults {
    /// What [`Engine::prior_art_of`] searched with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<PriorArtSource>,
    pub split: Split,
    pub elements: Vec<QueryElement>,
    /// Elements beyond the cap, not searched.
    pub elements_dropped: usize,
    pub cutoff: Option<Cutoff>,
    pub threshold: f32,
    pub hits: Vec<PriorArtHit>,
    /// Candidate documents ranked.
    pub total: usize,
    #[serde(rename = "took_ms", serialize_with = "millis")]
    pub took: Duration,
}

fn millis<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1e3)
}

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
                let (score, covered) = combine_element_scores(&sims, request.threshold);
                Some(Charted {
                    number,
                    best,
                    score,
                    covered,
                })
            })
            .collect();
        // Elements covered first; among documents covering as many, the
        // reciprocal-rank fusion of the mean element similarity and BM25.
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
        let total = charted.len();

        // The page, with titles, dates and passage texts from the records.
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
                    text: passage_text(&record, passage.kind)
                        .map(|t| truncate(t.trim(), PASSAGE_CHARS)),
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
            before: request.before.or_else(|| earliest_date(&record)),
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

    /// Fills [`ElementMatch::quote`] for the first `refine` hits: the best
    /// piece of each element's best passage, the distinct pieces embedded
    /// together.
    fn quote_best_sentences(
        &self,
        hits: &mut [PriorArtHit],
        records: &[PatentRecord],
        element_vectors: &[Vec<f32>],
        refine: usize,
    ) -> Result<(), EngineError> {
        let Some(embedder) = self.embedder.as_deref() else {
            return Ok(());
        };
        // (hit, passage kind) -> the passage's text and its pieces; the
        // distinct piece texts to embed (claims of one patent often repeat
        // their limitations word for word), and their estimated tokens.
        let mut pieces: HashMap<(usize, PassageKind), (String, Vec<Span>)> = HashMap::new();
        let mut to_embed: HashSet<String> = HashSet::new();
        let mut tokens = 0;
        for (h, hit) in hits.iter().enumerate().take(refine) {
            let mut wanted: Vec<(PassageKind, String, Vec<Span>)> = Vec::new();
            // The abstract and the independent claims too: a whole
            // paragraph may match an element best while the abstract or a
            // claim limitation states it.
            let claims = records[h].independent_claims();
            let kinds = hit
                .mapping
                .iter()
                .map(|m| m.passage.kind)
                .chain([PassageKind::TitleAbstract])
                .chain(claims.map(|c| PassageKind::Claim(c.number)));
            for kind in kinds {
                if wanted.iter().any(|w| w.0 == kind) {
                    continue;
                }
                let Some(text) = passage_text(&records[h], kind) else {
                    continue;
                };
                let spans = passage_pieces(&text, kind);
                wanted.push((kind, text, spans));
            }
            // The texts a passage adds (none for a passage of one piece:
            // it is its own quote).
            let new_texts = |passages: &[&(PassageKind, String, Vec<Span>)],
                             known: &HashSet<String>| {
                let mut new: Vec<String> = Vec::new();
                for (_, text, spans) in passages {
                    if spans.len() < 2 {
                        continue;
                    }
                    for s in spans {
                        let t = s.text(text);
                        if !known.contains(t) && !new.iter().any(|n| n == t) {
                            new.push(t.to_string());
                        }
                    }
                }
                let cost: usize = new.iter().map(|t| estimate_tokens(t)).sum();
                (new, cost)
            };
            if h == 0 {
                // The first hit is always quoted, passage by passage within
                // its own budget.
                for passage in wanted {
                    let (new, cost) = new_texts(&[&passage], &to_embed);
                    if tokens == 0 || tokens + cost <= FIRST_HIT_TOKEN_BUDGET {
                        tokens += cost;
                        to_embed.extend(new);
                        let (kind, text, spans) = passage;
                        pieces.insert((h, kind), (text, spans));
                    }
                }
            } else {
                let all: Vec<&(PassageKind, String, Vec<Span>)> = wanted.iter().collect();
                let (new, cost) = new_texts(&all, &to_embed);
                if tokens + cost > REFINE_TOKEN_BUDGET {
                    break;
                }
                tokens += cost;
                to_embed.extend(new);
                for (kind, text, spans) in wanted {
                    pieces.insert((h, kind), (text, spans));
                }
            }
        }
        // One batched call for every distinct piece, in a fixed order.
        let mut texts: Vec<&str> = to_embed.iter().map(String::as_str).collect();
        texts.sort_unstable();
        let vectors = if texts.is_empty() {
            Vec::new()
        } else {
            let prompted = crate::prompts::as_passages(embedder, &texts);
            let prompted: Vec<&str> = prompted.iter().map(String::as_str).collect();
            embedder.embed(&prompted)?
        };
        let vector_of: HashMap<&str, &[f32]> = texts
            .iter()
            .zip(&vectors)
            .map(|(t, v)| (*t, v.as_slice()))
            .collect();
        for (h, hit) in hits.iter_mut().enumerate() {
            let quotable: Vec<(PassageKind, &(String, Vec<Span>))> = pieces
                .iter()
                .filter(|((hit, _), _)| *hit == h)
                .map(|((_, kind), p)| (*kind, p))
                .collect();
            for m in &mut hit.mapping {
                let e = &element_vectors[m.element];
                // The best sentence of any quotable passage; a passage of one
                // piece is its own quote, with the element's similarity to
                // its stored vector, known only for the element's best passage.
                let mut best: Option<(PassageKind, Quote)> = None;
                for (kind, (text, spans)) in &quotable {
                    let candidate = match spans.as_slice() {
                        [] => continue,
                        [only] if *kind == m.passage.kind => Quote {
                            text: only.text(text).to_string(),
                            range: *only,
                            similarity: m.similarity,
                        },
                        [_] => continue,
                        spans => {
                            let Some((span, similarity)) = spans
                                .iter()
                                .filter_map(|s| {
                                    vector_of
                                        .get(s.text(text))
                                        .map(|v| (s, patsearch_simd::dot(e, v)))
                                })
                                .fold(None, |acc: Option<(&Span, f32)>, (s, sim)| match acc {
                                    Some((_, best)) if best >= sim => acc,
                                    _ => Some((s, sim)),
                                })
                            else {
                                continue;
                            };
                            Quote {
                                text: span.text(text).to_string(),
                                range: *span,
                                similarity,
                            }
                        }
                    };
                    // Ties go to the element's best passage.
                    let better = match &best {
                        None => true,
                        Some((best_kind, q)) => {
                            candidate.similarity > q.similarity
                                || (candidate.similarity == q.similarity
                                    && *kind == m.passage.kind
                                    && *best_kind != m.passage.kind)
                        }
                    };
                    if better {
                        best = Some((*kind, candidate));
                    }
                }
                let Some((kind, quote)) = best else {
                    continue;
                };
                if kind != m.passage.kind {
                    if let Some(passage) = passage_of(&records[h], kind) {
                        m.label = kind.to_string();
                        m.text = passage_text(&records[h], kind)
                            .map(|t| truncate(t.trim(), PASSAGE_CHARS));
                        m.passage = passage;
                    }
                }
                m.quote = Some(quote);
            }
        }
        Ok(())
    }
}

/// The earliest of a record's priority dates and its filing date.
fn earliest_date(record: &PatentRecord) -> Option<NaiveDate> {
    record.priority_date()
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

/// The pieces a passage is quoted by: a claim's elements; else its
/// sentences, each cut into its clauses at `;` and `: ` (an abstract often
/// lists the steps of a method in one sentence).
fn passage_pieces(text: &str, kind: PassageKind) -> Vec<Span> {
    let spans: Vec<Span> = match kind {
        PassageKind::Claim(_) => claim_elements(text).into_iter().map(|e| e.range).collect(),
        PassageKind::TitleAbstract | PassageKind::Description(_) => split_sentences(text)
            .into_iter()
            .flat_map(|s| clauses(text, s))
            .collect(),
    };
    if spans.is_empty() {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Vec::new();
        }
        let start = text.len() - text.trim_start().len();
        return vec![Span::new(start, start + trimmed.len())];
    }
    spans
}

/// A sentence's clauses: cut after each `;`, and after a `:` followed by
/// whitespace, outside brackets; each trimmed of whitespace and of the `;`
/// or `:` that ends it. Clauses of fewer than three words join the next
/// one (the last joins the one before), so none is a fragment.
fn clauses(text: &str, sentence: Span) -> Vec<Span> {
    let s = sentence.text(text);
    let mut cuts = Vec::new();
    let mut depth = 0u32;
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            ';' if depth == 0 => cuts.push(i + 1),
            ':' if depth == 0 && s[i + 1..].starts_with(char::is_whitespace) => cuts.push(i + 1),
            _ => {}
        }
    }
    let mut bounds = vec![0];
    bounds.extend(cuts.into_iter().filter(|&c| c < s.len()));
    bounds.push(s.len());
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    let mut start = bounds[0];
    for &end in &bounds[1..] {
        let words = s[start..end].split_whitespace().count();
        if words >= 3 || end == s.len() {
            pieces.push((start, end));
            start = end;
        }
    }
    // A short last clause joins the one before.
    if pieces.len() > 1 {
        let (last_start, last_end) = pieces[pieces.len() - 1];
        if s[last_start..last_end].split_whitespace().count() < 3 {
            pieces.pop();
            if let Some(previous) = pieces.last_mut() {
                previous.1 = last_end;
            }
        }
    }
    pieces
        .into_iter()
        .filter_map(|(a, b)| {
            let piece = &s[a..b];
            let lead = piece.len() - piece.trim_start().len();
            let trimmed = piece.trim().trim_end_matches([';', ':']).trim_end();
            (!trimmed.is_empty()).then(|| {
                let start = sentence.start + a + lead;
                Span::new(start, start + trimmed.len())
            })
        })
        .collect()
}

/// Cuts the text into the elements to search: how, the elements (capped),
/// and how many were dropped by the cap.
pub fn split_text(text: &str, mode: SplitMode) -> (Split, Vec<QueryElement>, usize) {
    let as_claim = match mode {
        SplitMode::Claim => true,
        SplitMode::Sentences => false,
        SplitMode::Auto => reads_as_claim(text),
    };
    let (split, pieces, cap): (Split, Vec<(ElementKind, Span)>, usize) = if as_claim {
        let pieces = claim_elements(text)
            .into_iter()
            .map(|e| (e.kind, e.range))
            .collect();
        (Split::Claim, pieces, MAX_CLAIM_ELEMENTS)
    } else {
        let all = split_sentences(text);
        let long: Vec<Span> = all
            .iter()
            .copied()
            .filter(|s| s.text(text).split_whitespace().count() >= 3)
            .collect();
        let spans = if long.is_empty() { all } else { long };
        let pieces = spans
            .into_iter()
            .map(|s| (ElementKind::Element, s))
            .collect();
        (Split::Sentences, pieces, MAX_SENTENCE_ELEMENTS)
    };
    let mut pieces = pieces;
    if pieces.is_empty() {
        // Too short to cut: the whole text is the one element.
        let trimmed = text.trim();
        if !trimmed.is_empty() {
            let start = text.len() - text.trim_start().len();
            pieces.push((
                ElementKind::Element,
                Span::new(start, start + trimmed.len()),
            ));
        }
    }
    let dropped = pieces.len().saturating_sub(cap);
    pieces.truncate(cap);
    let mut letter = 0u8;
    let mut number = 0;
    let elements = pieces
        .into_iter()
        .map(|(kind, range)| {
            let label = match (split, kind) {
                (Split::Claim, ElementKind::Preamble) => "pre".to_string(),
                (Split::Claim, ElementKind::Element) => {
                    letter += 1;
                    element_letter(letter)
                }
                (Split::Sentences, _) => {
                    number += 1;
                    number.to_string()
                }
            };
            QueryElement {
                label,
                kind,
                text: range.text(text).to_string(),
                range,
            }
        })
        .collect();
    (split, elements, dropped)
}

/// `a` for 1, `b` for 2 ... `z`, then `aa`, `ab` ...
fn element_letter(n: u8) -> String {
    let n = n - 1;
    if n < 26 {
        char::from(b'a' + n).to_string()
    } else {
        format!(
            "{}{}",
            char::from(b'a' + n / 26 - 1),
            char::from(b'a' + n % 26)
        )
    }
}

/// Whether a text reads as a claim: one sentence (pieces cut at `; ` inside
/// a long sentence do not count) with a preamble before a transitional
/// phrase.
fn reads_as_claim(text: &str) -> bool {
    let sentences = split_sentences(text);
    let ended = sentences
        .iter()
        .rev()
        .skip(1)
        .filter(|s| s.text(text).ends_with(['.', '?', '!']))
        .count();
    ended == 0
        && claim_elements(text)
            .first()
            .is_some_and(|e| e.kind == ElementKind::Preamble)
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

    fn labels(elements: &[QueryElement]) -> Vec<(&str, &str)> {
        elements
            .iter()
            .map(|e| (e.label.as_str(), e.text.as_str()))
            .collect()
    }

    #[test]
    fn a_claim_is_cut_into_its_elements() {
        let text = "1. A method of making tea, the method comprising: boiling the water; steeping leaves in the water; and removing the leaves from the water.";
        let (split, elements, dropped) = split_text(text, SplitMode::Auto);
        assert_eq!(split, Split::Claim);
        assert_eq!(dropped, 0);
        assert_eq!(
            labels(&elements),
            vec![
                ("pre", "A method of making tea, the method comprising:"),
                ("a", "boiling the water"),
                ("b", "steeping leaves in the water"),
                ("c", "removing the leaves from the water"),
            ]
        );
        for e in &elements {
            assert_eq!(e.range.text(text), e.text);
        }
    }

    #[test]
    fn a_description_is_cut_into_sentences_and_capped() {
        let text = "A teapot keeps tea warm. It has a double wall filled with air. The lid seals with a silicone ring.";
        let (split, elements, _) = split_text(text, SplitMode::Auto);
        assert_eq!(split, Split::Sentences);
        assert_eq!(
            labels(&elements),
            vec![
                ("1", "A teapot keeps tea warm."),
                ("2", "It has a double wall filled with air."),
                ("3", "The lid seals with a silicone ring."),
            ]
        );
        let long = "The pot holds water. ".repeat(12);
        let (_, elements, dropped) = split_text(&long, SplitMode::Sentences);
        assert_eq!(elements.len(), MAX_SENTENCE_ELEMENTS);
        assert_eq!(dropped, 12 - MAX_SENTENCE_ELEMENTS);
        // A forced claim split of prose, and a text too short to cut.
        let (split, _, _) = split_text(text, SplitMode::Claim);
        assert_eq!(split, Split::Claim);
        let (_, elements, _) = split_text("  teapot  ", SplitMode::Auto);
        assert_eq!(labels(&elements), vec![("1", "teapot")]);
        assert!(split_text(" \n ", SplitMode::Auto).1.is_empty());
    }

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
    fn sentences_are_quoted_by_their_clauses() {
        let text = "A pump is disclosed. The method includes: heating the fluid; pumping it (e.g. at 3 bar; or less) through a pipe; and cooling it. Short one; ok.";
        let pieces: Vec<&str> = passage_pieces(text, PassageKind::TitleAbstract)
            .iter()
            .map(|s| s.text(text))
            .collect();
        assert_eq!(
            pieces,
            [
                "A pump is disclosed.",
                "The method includes",
                "heating the fluid",
                "pumping it (e.g. at 3 bar; or less) through a pipe",
                "and cooling it.",
                "Short one; ok.",
            ]
        );
        let claim =
            "A pump comprising: a rotor turning in a housing; and a motor driving the rotor.";
        let pieces: Vec<&str> = passage_pieces(claim, PassageKind::Claim(1))
            .iter()
            .map(|s| s.text(claim))
            .collect();
        assert_eq!(
            pieces,
            [
                "A pump comprising:",
                "a rotor turning in a housing",
                "a motor driving the rotor"
            ]
        );
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

    #[test]
    fn letters() {
        assert_eq!(element_letter(1), "a");
        assert_eq!(element_letter(26), "z");
        assert_eq!(element_letter(27), "aa");
    }
}
