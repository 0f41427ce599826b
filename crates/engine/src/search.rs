//! Searching: keyword, semantic and hybrid requests, their results, and
//! turning ranked numbers into hits with titles, passages and snippets.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use patsearch_keyword::{Facets, Families, Fetched, KeywordError, Relative, Snippet};
use patsearch_record::{Cancellation, Filters, PublicationNumber};
use patsearch_vectors::{Passage, VectorHit};
use serde::{Deserialize, Serialize, Serializer};

use crate::fusion::{self, Candidate, Component, Fused, Fusion};
use crate::language::QueryLanguage;
use crate::passages::{passage_text, truncate};
use crate::{Engine, EngineError};

/// Which retrievers answer a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchMode {
    /// BM25 over the query language (boolean, phrases, fields, ...).
    Keyword,
    /// Cosine of the query's embedding with each document's best passage.
    Semantic,
    /// Both, fused (see [`Fusion`]).
    #[default]
    Hybrid,
}

impl std::fmt::Display for SearchMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SearchMode::Keyword => "keyword",
            SearchMode::Semantic => "semantic",
            SearchMode::Hybrid => "hybrid",
        })
    }
}

/// A search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchRequest {
    /// The query: the keyword query language, or natural language (which is
    /// also valid keyword syntax as long as it has no stray `"`, `(` or
    /// field names).
    pub query: String,
    pub mode: SearchMode,
    /// Structured filters, applied by both retrievers.
    pub filters: Filters,
    /// Hits per page.
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
    /// How hybrid search combines the rankings.
    pub fusion: Fusion,
    /// Highlighted keyword snippets for the page's hits.
    pub snippets: bool,
    /// Facet counts over the keyword matches (keyword and hybrid modes).
    /// They count publications, collapsed or not.
    pub facets: bool,
    /// One hit per family (see [`patsearch_keyword::Families`]): the
    /// best-ranked member, naming the others; `total` and paging then count
    /// families. On by default.
    pub collapse: bool,
    /// Detect the query's language: in hybrid mode a query the keyword
    /// index cannot match (another language or script than the index's
    /// English) is then ranked by the semantic side alone
    /// ([`crate::language`]). On by default.
    pub detect_language: bool,
    /// Stops the search when cancelled or past its deadline
    /// ([`EngineError::Cancelled`]); never, by default.
    #[serde(skip)]
    pub cancel: Cancellation,
}

impl Default for SearchRequest {
    fn default() -> Self {
        Self {
            query: String::new(),
            mode: SearchMode::default(),
            filters: Filters::default(),
            limit: 10,
            offset: 0,
            fusion: Fusion::default(),
            snippets: true,
            facets: false,
            collapse: true,
            detect_language: true,
            cancel: Cancellation::never(),
        }
    }
}

impl SearchRequest {
    /// A request for `query` with every other setting at its default.
    pub fn new(query: impl Into<String>, mode: SearchMode) -> Self {
        Self {
            query: query.into(),
            mode,
            ..Self::default()
        }
    }
}

/// How a document placed with the keyword retriever.
pub type KeywordMatch = Component;

/// How a document placed with the semantic retriever.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SemanticMatch {
    /// Position in the semantic ranking of the candidate window, from 1.
    pub rank: usize,
    /// Cosine similarity of the best passage with the query.
    pub score: f32,
    /// The passage that matched best.
    pub passage: Passage,
    /// The passage as a person reads it: `title and abstract`, `claim 1`.
    pub label: String,
    /// The start of the passage's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub publication_number: String,
    /// Position in the whole ranking, from 1.
    pub rank: usize,
    /// The ranking score: BM25 in keyword mode, cosine in semantic mode,
    /// the fused score in hybrid mode.
    pub score: f64,
    pub title: String,
    /// One verbatim sentence saying what the patent is (chosen at ingest,
    /// `patsearch_summary::gist`); empty when the record has no text.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub gist: String,
    /// Keyword rank and BM25 score, when the keyword retriever found it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyword: Option<KeywordMatch>,
    /// Semantic rank, cosine and passage, when the semantic retriever found it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semantic: Option<SemanticMatch>,
    /// The query's words highlighted in the document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<Snippet>,
    /// Similar patents: why this one is a relative of the patent asked
    /// about (family member or near-duplicate), when it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related: Option<Relative>,
    /// Publications in its family, itself included (1 when alone; see
    /// [`patsearch_keyword::Families`]).
    pub family_size: usize,
    /// The other members of its family, at most
    /// [`patsearch_keyword::MAX_LISTED_MEMBERS`]: the publications a
    /// collapsed list does not show.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub family: Vec<String>,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    pub mode: SearchMode,
    pub hits: Vec<Hit>,
    /// Keyword mode: every matching document. Semantic and hybrid modes:
    /// the documents ranked in the candidate window (what paging can reach).
    /// Families instead of documents when collapsed.
    pub total: usize,
    #[serde(rename = "took_ms", serialize_with = "millis")]
    pub took: Duration,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
    /// The query's detected language (when asked for and it has letters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<QueryLanguage>,
    /// What the engine did differently because of the query, for a person
    /// to read (a query the keyword index cannot match).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A page of a search's ranking without records (see [`Engine::ranking`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranking {
    pub mode: SearchMode,
    pub ranked: Vec<Ranked>,
    /// As [`SearchResults::total`].
    pub total: usize,
}

/// One publication of a [`Ranking`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    pub publication_number: String,
    /// From 1, over the whole ranking (the page's offset included).
    pub rank: usize,
    /// As [`Hit::score`].
    pub score: f64,
}

fn millis<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1e3)
}

/// Characters of a matched passage shown with a hit.
const PASSAGE_CHARS: usize = 300;

impl Engine {
    /// Runs a search. Keyword mode pages through every match; semantic and
    /// hybrid modes rank a fixed window of candidates from each retriever
    /// ([`crate::EngineOptions::candidates_per_mode`], grown in whole windows
    /// for deep pages) so that consecutive pages never repeat or skip a document.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, EngineError> {
        let started = Instant::now();
        let (in_flight, language) = self.begin(request)?;
        let foreign = language.as_ref().filter(|l| !l.keyword_applies);
        let mut results = match request.mode {
            SearchMode::Keyword => self.keyword_search(request)?,
            SearchMode::Semantic => self.semantic_search(request)?,
            SearchMode::Hybrid => {
                self.hybrid_search(request, in_flight.alone, foreign.is_none())?
            }
        };
        results.note = foreign.and_then(|l| match request.mode {
            SearchMode::Keyword => Some(format!(
                "the query looks {} and the keyword index is English: keyword search matches only the words they share; semantic or hybrid search understands the query",
                l.name
            )),
            SearchMode::Hybrid => Some(format!(
                "the query looks {} and the keyword index is English: ranked by meaning alone (the semantic side), without the keyword side",
                l.name
            )),
            SearchMode::Semantic => None,
        });
        results.language = language;
        results.took = started.elapsed();
        Ok(results)
    }

    /// Checks a request and counts it as running; detects the query's
    /// language when asked.
    fn begin(
        &self,
        request: &SearchRequest,
    ) -> Result<(InFlight<'_>, Option<QueryLanguage>), EngineError> {
        request
            .fusion
            .validate()
            .map_err(EngineError::InvalidRequest)?;
        patsearch_keyword::validate_filters(&request.filters).map_err(KeywordError::from)?;
        request.cancel.check()?;
        let in_flight = InFlight::enter(&self.searches_in_flight);
        let language = if request.detect_language {
            crate::language::detect(&request.query)
        } else {
            None
        };
        Ok((in_flight, language))
    }

    /// The requested page of a search's ranking as numbers and scores,
    /// without the records, snippets or facets a page of hits carries: what
    /// an export of many hits reads before fetching each one's
    /// [`patsearch_record::RecordBrief`]. Same order, scores, paging and
    /// collapsing as [`Engine::search`].
    pub fn ranking(&self, request: &SearchRequest) -> Result<Ranking, EngineError> {
        let (in_flight, language) = self.begin(request)?;
        let keyword_applies = language.is_none_or(|l| l.keyword_applies);
        let (ranked, total) = match request.mode {
            SearchMode::Keyword => {
                let results = self.keyword.search(&patsearch_keyword::SearchRequest {
                    snippets: false,
                    facets: false,
                    ..keyword_request(request)
                })?;
                let ranked = results
                    .hits
                    .into_iter()
                    .take(request.limit)
                    .map(|h| Ranked {
                        publication_number: h.publication_number,
                        rank: h.rank,
                        score: f64::from(h.score),
                    })
                    .collect();
                (ranked, results.total)
            }
            SearchMode::Semantic | SearchMode::Hybrid => {
                let (window, _) = if request.mode == SearchMode::Semantic {
                    self.semantic_window(request)?
                } else {
                    self.hybrid_window(request, in_flight.alone, keyword_applies)?
                };
                let window = if request.collapse {
                    let families = self.keyword.families()?;
                    collapse(&window, &families)
                } else {
                    window
                };
                let ranked = fusion::page(&window, request.offset, request.limit)
                    .iter()
                    .enumerate()
                    .map(|(i, f)| Ranked {
                        publication_number: f.number.clone(),
                        rank: request.offset + i + 1,
                        score: f.score,
                    })
                    .collect();
                (ranked, window.len())
            }
        };
        Ok(Ranking {
            mode: request.mode,
            ranked,
            total,
        })
    }

    fn keyword_search(&self, request: &SearchRequest) -> Result<SearchResults, EngineError> {
        let results = self.keyword.search(&keyword_request(request))?;
        let hits = results
            .hits
            .into_iter()
            .take(request.limit)
            .map(|h| Hit {
                keyword: Some(Component {
                    rank: h.rank,
                    score: h.score,
                }),
                publication_number: h.publication_number,
                rank: h.rank,
                score: f64::from(h.score),
                title: h.title,
                gist: h.gist,
                semantic: None,
                related: None,
                snippet: h.snippet,
                family_size: h.family_size,
                family: h.family,
            })
            .collect();
        Ok(SearchResults {
            mode: SearchMode::Keyword,
            hits,
            total: results.total,
            took: Duration::ZERO,
            facets: results.facets,
            language: None,
            note: None,
        })
    }

    fn semantic_search(&self, request: &SearchRequest) -> Result<SearchResults, EngineError> {
        let (ranked, hits) = self.semantic_window(request)?;
        self.page_of(SearchMode::Semantic, &ranked, &hits, request)
    }

    /// The ranked candidate window of a semantic search, with the vector
    /// hits it came from.
    fn semantic_window(
        &self,
        request: &SearchRequest,
    ) -> Result<(Vec<Fused>, Vec<VectorHit>), EngineError> {
        let query = self.query_vector(&request.query)?;
        request.cancel.check()?;
        let vectors = self.vectors_or_error()?;
        let window = fusion::window(self.candidates.semantic, request.offset, request.limit);
        let hits = vectors.search(&query, window, &request.filters);
        request.cancel.check()?;
        Ok((semantic_ranking(&hits), hits))
    }

    fn hybrid_search(
        &self,
        request: &SearchRequest,
        alone: bool,
        with_keyword: bool,
    ) -> Result<SearchResults, EngineError> {
        let (fused, semantic_hits) = self.hybrid_window(request, alone, with_keyword)?;
        self.page_of(SearchMode::Hybrid, &fused, &semantic_hits, request)
    }

    /// The fused candidate window of a hybrid search, with the semantic
    /// side's vector hits.
    fn hybrid_window(
        &self,
        request: &SearchRequest,
        alone: bool,
        with_keyword: bool,
    ) -> Result<(Vec<Fused>, Vec<VectorHit>), EngineError> {
        // Refuse an index without vectors, or a missing model, before any work.
        self.semantic_ready()?;
        let vectors = self.vectors_or_error()?;
        let window = fusion::window(self.candidates.hybrid, request.offset, request.limit);
        let keyword_candidates = || {
            if !with_keyword {
                return Ok(Vec::new());
            }
            self.keyword
                .candidates(&request.query, &request.filters, window, &request.cancel)
        };
        // The keyword candidates and the query's embedding do not depend on
        // each other: a search alone on the server runs the keyword side on a
        // thread of its own while this one embeds, so it waits for the slower
        // of the two, not their sum. Beside other searches, which keep the
        // cores busy already, it runs both on this thread.
        let (keyword, query) = if alone && with_keyword {
            std::thread::scope(|scope| {
                let keyword = scope.spawn(keyword_candidates);
                let query = self.query_vector(&request.query);
                let keyword = keyword
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (keyword, query)
            })
        } else {
            (keyword_candidates(), self.query_vector(&request.query))
        };
        let keyword: Vec<Candidate> = keyword?
            .into_iter()
            .map(|(number, score)| Candidate { number, score })
            .collect();
        let query = query?;
        request.cancel.check()?;
        let semantic_hits = vectors.search(&query, window, &request.filters);
        request.cancel.check()?;
        let semantic: Vec<Candidate> = semantic_hits
            .iter()
            .map(|h| Candidate::new(h.publication_number.to_string(), h.score))
            .collect();
        let fused = fusion::fuse(&keyword, &semantic, &request.fusion);
        Ok((fused, semantic_hits))
    }

    /// The requested page of a ranked window, resolved into hits with the
    /// matched passages of `semantic_hits` and, when asked, snippets and the
    /// facets of the whole window (collapsed: of each family's best member),
    /// which is what paging can reach.
    fn page_of(
        &self,
        mode: SearchMode,
        ranked: &[Fused],
        semantic_hits: &[VectorHit],
        request: &SearchRequest,
    ) -> Result<SearchResults, EngineError> {
        let families = self.keyword.families()?;
        let collapsed;
        let ranked = if request.collapse {
            collapsed = collapse(ranked, &families);
            &collapsed[..]
        } else {
            ranked
        };
        let facets = if request.facets {
            let numbers: Vec<&str> = ranked.iter().map(|f| f.number.as_str()).collect();
            Some(
                self.keyword
                    .facets_of_documents(&numbers, &request.cancel)?,
            )
        } else {
            None
        };
        let page = fusion::page(ranked, request.offset, request.limit);
        let passages = passages_by_number(semantic_hits);
        let snippet_query = request.snippets.then_some(request.query.as_str());
        Ok(SearchResults {
            mode,
            hits: self.resolve(
                page,
                request.offset,
                &passages,
                snippet_query,
                &families,
                &request.cancel,
            )?,
            total: ranked.len(),
            took: Duration::ZERO,
            facets,
            language: None,
            note: None,
        })
    }

    /// Documents like a document of the index, itself excluded, passing
    /// `filters`: first its relatives (family members, then near-duplicates
    /// of its description; see [`patsearch_keyword::KeywordIndex::relatives`]),
    /// each with [`Hit::related`] saying why, then the nearest neighbours of
    /// its title-and-abstract vector (its first vector when it has none). A
    /// number without kind finds the stored publication of any kind.
    pub fn similar(
        &self,
        number: &PublicationNumber,
        limit: usize,
        filters: &Filters,
    ) -> Result<SearchResults, EngineError> {
        let started = Instant::now();
        patsearch_keyword::validate_filters(filters).map_err(KeywordError::from)?;
        let vectors = self.vectors_or_error()?;
        let Some((record, relatives)) = self.keyword.relatives(number, &Cancellation::never())?
        else {
            return Err(EngineError::UnknownDocument(number.clone()));
        };
        let stored = record.publication_number;
        if !vectors.contains(&stored) {
            return Err(EngineError::UnknownDocument(number.clone()));
        }
        let mut ranked: Vec<Fused> = Vec::new();
        let mut passages: HashMap<String, Passage> = HashMap::new();
        let mut related: HashMap<String, Relative> = HashMap::new();
        for relative in relatives {
            let Ok(other) = relative.publication_number.parse::<PublicationNumber>() else {
                continue;
            };
            if !vectors
                .fields_of(&other)
                .is_some_and(|f| filters.matches(f))
            {
                continue;
            }
            let (score, passage) = vectors
                .similarity_to(&stored, &other)
                .unwrap_or((0.0, Passage::title_abstract()));
            ranked.push(Fused {
                number: relative.publication_number.clone(),
                score: f64::from(score),
                keyword: None,
                semantic: Some(Component { rank: 0, score }),
            });
            passages.insert(relative.publication_number.clone(), passage);
            related.insert(relative.publication_number.clone(), relative);
        }
        let neighbours = vectors.similar(&stored, limit + ranked.len(), filters)?;
        for hit in semantic_ranking(&neighbours) {
            if !related.contains_key(&hit.number) {
                ranked.push(hit);
            }
        }
        passages.extend(
            passages_by_number(&neighbours)
                .into_iter()
                .filter(|(n, _)| !related.contains_key(n)),
        );
        ranked.truncate(limit);
        // The semantic rank is the position in this list, relatives included.
        for (i, fused) in ranked.iter_mut().enumerate() {
            if let Some(semantic) = &mut fused.semantic {
                semantic.rank = i + 1;
            }
        }
        let families = self.keyword.families()?;
        let mut hits = self.resolve(
            &ranked,
            0,
            &passages,
            None,
            &families,
            &Cancellation::never(),
        )?;
        for hit in &mut hits {
            hit.related = related.remove(&hit.publication_number);
        }
        Ok(SearchResults {
            mode: SearchMode::Semantic,
            total: ranked.len(),
            hits,
            took: started.elapsed(),
            facets: None,
            language: None,
            note: None,
        })
    }

    /// The model that embeds queries, when the index has vectors and a model
    /// was given.
    fn semantic_ready(&self) -> Result<&patsearch_embed::Embedder, EngineError> {
        let vectors = self.vectors_or_error()?;
        match &self.embedder {
            Some(embedder) => Ok(embedder),
            None => Err(EngineError::NoModel {
                path: self.dir.root().to_path_buf(),
                model: vectors.model().to_string(),
            }),
        }
    }

    /// The query's embedding, computed on this thread
    /// ([`patsearch_embed::Embedder::embed_one`]).
    fn query_vector(&self, query: &str) -> Result<Vec<f32>, EngineError> {
        let embedder = self.semantic_ready()?;
        if query.trim().is_empty() {
            return Err(EngineError::InvalidRequest("the query is empty".into()));
        }
        let text = crate::prompts::as_query(embedder, query);
        Ok(embedder.embed_one(&text)?)
    }

    /// Hits for a page of ranked numbers: titles, matched passages and
    /// snippets from the stored records. A number whose record is gone (a
    /// delete that reached the keyword index but not the vector index before
    /// a crash; see [`crate::Indexer::commit`]) is left out.
    fn resolve(
        &self,
        page: &[Fused],
        offset: usize,
        passages: &HashMap<String, Passage>,
        snippet_query: Option<&str>,
        families: &Families,
        cancel: &Cancellation,
    ) -> Result<Vec<Hit>, EngineError> {
        let ranked: Vec<(usize, &Fused, PublicationNumber)> = page
            .iter()
            .enumerate()
            .filter_map(|(i, fused)| Some((i, fused, fused.number.parse().ok()?)))
            .collect();
        let numbers: Vec<PublicationNumber> = ranked.iter().map(|r| r.2.clone()).collect();
        let fetched = self.keyword.fetch(&numbers, snippet_query, cancel)?;
        let mut hits = Vec::with_capacity(page.len());
        for ((i, fused, _), fetched) in ranked.into_iter().zip(fetched) {
            let Some(Fetched {
                record,
                gist,
                snippet,
            }) = fetched
            else {
                tracing::warn!(number = %fused.number, "vector hit without a stored record (skipped): re-run the last ingest or delete to bring the indexes in step");
                continue;
            };
            let semantic = fused.semantic.map(|c| {
                let passage = passages
                    .get(&fused.number)
                    .cloned()
                    .unwrap_or_else(Passage::title_abstract);
                SemanticMatch {
                    rank: c.rank,
                    score: c.score,
                    label: passage.kind.to_string(),
                    text: passage_text(&record, passage.kind)
                        .map(|t| truncate(t.trim(), PASSAGE_CHARS)),
                    passage,
                }
            });
            let (family_size, family) = families.family_of(&fused.number);
            hits.push(Hit {
                publication_number: fused.number.clone(),
                rank: offset + i + 1,
                score: fused.score,
                title: record.title,
                gist,
                keyword: fused.keyword,
                semantic,
                snippet,
                related: None,
                family_size,
                family,
            });
        }
        Ok(hits)
    }
}

/// The keyword index's side of a request: its query, filters, page,
/// snippets, facets and collapsing.
fn keyword_request(request: &SearchRequest) -> patsearch_keyword::SearchRequest<'_> {
    patsearch_keyword::SearchRequest {
        query: &request.query,
        filters: &request.filters,
        limit: request.limit,
        offset: request.offset,
        snippets: request.snippets,
        facets: request.facets,
        collapse: request.collapse,
        cancel: &request.cancel,
    }
}

/// Counts a search as running while it lives.
struct InFlight<'a> {
    count: &'a std::sync::atomic::AtomicUsize,
    /// No other search was running when this one started.
    alone: bool,
}

impl<'a> InFlight<'a> {
    fn enter(count: &'a std::sync::atomic::AtomicUsize) -> Self {
        let others = count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Self {
            count,
            alone: others == 0,
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.count
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Vector hits as a ranked list of their own (semantic mode, similar patents):
/// the cosine is the score.
fn semantic_ranking(hits: &[VectorHit]) -> Vec<Fused> {
    hits.iter()
        .map(|h| Fused {
            number: h.publication_number.to_string(),
            score: f64::from(h.score),
            keyword: None,
            semantic: Some(Component {
                rank: h.rank,
                score: h.score,
            }),
        })
        .collect()
}

fn passages_by_number(hits: &[VectorHit]) -> HashMap<String, Passage> {
    hits.iter()
        .map(|h| (h.publication_number.to_string(), h.passage.clone()))
        .collect()
}

/// A ranking with each family's best-ranked member only; publications
/// alone in their family all stay.
fn collapse(ranked: &[Fused], families: &Families) -> Vec<Fused> {
    let mut seen = std::collections::HashSet::new();
    ranked
        .iter()
        .filter(|f| families.group_of(&f.number).is_none_or(|g| seen.insert(g)))
        .cloned()
        .collect()
}
