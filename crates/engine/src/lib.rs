//! The patsearch search engine over one index directory.
//!
//! Owns what ties the keyword index (`patsearch-keyword`), the embedding
//! model (`patsearch-embed`) and the vector index (`patsearch-vectors`) of
//! one index directory together:
//!
//! - indexing (`writer`): an [`Indexer`] upserts canonical records into the
//!   keyword index and, with a model, embeds their passages (`passages`:
//!   title + abstract, each independent claim, optionally description
//!   paragraphs) into the vector index; deletes reach both; a commit
//!   applies to both or to neither, also across a crash (see
//!   [`Indexer::commit`]), and opening checks the two agree (`check`,
//!   [`IndexCheck`]), a writer repairing them when they do not;
//! - searching (`search`): [`Engine::search`] in keyword, semantic or
//!   hybrid mode with the same structured filters on both sides, a fixed
//!   candidate window so paging is stable, hits with each retriever's rank
//!   and score, the matched passage and a keyword snippet;
//!   [`Engine::similar`] and [`Engine::get`];
//! - rank fusion (`fusion`): reciprocal rank fusion and normalised linear
//!   fusion, deterministic down to ties;
//! - grounded summaries (`summarize`): [`Engine::summarize`] picks verbatim
//!   sentences of a patent (abstract, description, claims) by embedding
//!   centrality or relevance to a query with MMR, each with its source, and
//!   the key facts (problem, solution, first claim, classification);
//! - prior-art search (`prior_art`): [`Engine::prior_art`] splits a claim
//!   into its elements, searches each, ranks documents by the elements they
//!   cover and charts each element to its best passage and sentence;
//!   [`Engine::prior_art_of`] does it for a patent of the index, cut off at
//!   its priority date.
//!
//! Not for: parsing patent files (`patsearch-ingest`), the index formats
//! themselves (the keyword and vector crates), HTTP or the command line.
//!
//! ```no_run
//! # fn main() -> Result<(), patsearch_engine::EngineError> {
//! use patsearch_engine::{Engine, EngineOptions, SearchMode, SearchRequest};
//! let engine = Engine::open(
//!     "index",
//!     EngineOptions {
//!         model_dir: Some("models/all-MiniLM-L6-v2".into()),
//!         ..EngineOptions::default()
//!     },
//! )?;
//! let results = engine.search(&SearchRequest::new(
//!     "charging a phone without plugging it in",
//!     SearchMode::Hybrid,
//! ))?;
//! for hit in &results.hits {
//!     println!("{} {} {:.4}", hit.rank, hit.publication_number, hit.score);
//! }
//! # Ok(())
//! # }
//! ```

mod check;
mod embed_queue;
mod error;
pub mod fusion;
pub mod language;
mod passages;
mod prior_art;
mod prompts;
mod search;
mod summarize;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use patsearch_embed::{EmbedOptions, Embedder};
use patsearch_keyword::{KeywordConfig, KeywordIndex};
use patsearch_manifest::IndexDir;
use patsearch_record::{PatentRecord, PublicationNumber};
use patsearch_vectors::{VectorError, VectorIndex};

pub use check::{commit_vectors_paired, IndexCheck};
pub use error::{EngineError, FETCH_HINT};
pub use fusion::{Component, Fusion};
pub use language::QueryLanguage;
pub use passages::{passage_text, passages, PassageOptions, DEFAULT_DESCRIPTION_PASSAGES};
pub use patsearch_keyword::{Families, Relative};
pub use patsearch_summary::{
    estimate_tokens, summary_candidates, CandidateOptions, Detection, ElementKind, KeyFact, Part,
    Section, SourceSentence, Span,
};
pub use patsearch_vectors::{Passage, PassageKind, VectorConfig};
pub use prior_art::{
    split_text, Cutoff, DateField, ElementMatch, PriorArtHit, PriorArtRequest, PriorArtResults,
    PriorArtSource, QueryElement, Quote, Split, SplitMode, DEFAULT_COVERAGE_THRESHOLD,
    DEFAULT_ELEMENT_CANDIDATES, DEFAULT_PRIOR_ART_LIMIT, DEFAULT_REFINE, MAX_CLAIM_ELEMENTS,
    MAX_SENTENCE_ELEMENTS,
};
pub use search::{
    Hit, KeywordMatch, Ranked, Ranking, SearchMode, SearchRequest, SearchResults, SemanticMatch,
};
pub use summarize::{
    summarize_record, Summary, SummaryFacts, SummaryMethod, SummaryRequest, SummarySentence,
    DEFAULT_SUMMARY_SENTENCES, MAX_SUMMARY_SENTENCES,
};
pub use writer::{IndexProgress, Indexer, IndexerOptions};

/// The default number of candidates each retriever contributes to fusion.
pub const DEFAULT_CANDIDATES: usize = 100;

/// How an [`Engine`] opens and searches.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// The embedding model directory, for semantic and hybrid search. Loaded
    /// only when the index has vectors; it must be the model they were made
    /// with.
    pub model_dir: Option<PathBuf>,
    /// An already loaded model (takes the place of `model_dir`).
    pub embedder: Option<Arc<Embedder>>,
    /// How to run the model loaded from `model_dir`.
    pub embed: EmbedOptions,
    /// Candidates each retriever fetches for semantic and hybrid search
    /// (at least the end of the page asked for).
    pub candidates: usize,
    /// Candidates of semantic search alone; `None`: `candidates`.
    pub semantic_candidates: Option<usize>,
    /// Candidates each retriever fetches for hybrid search; `None`:
    /// `candidates`.
    pub hybrid_candidates: Option<usize>,
    pub keyword: KeywordConfig,
    pub vectors: VectorConfig,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            model_dir: None,
            embedder: None,
            embed: EmbedOptions::default(),
            candidates: DEFAULT_CANDIDATES,
            semantic_candidates: None,
            hybrid_candidates: None,
            keyword: KeywordConfig::default(),
            vectors: VectorConfig::default(),
        }
    }
}

impl EngineOptions {
    /// The candidate window of each mode these options ask for.
    pub fn candidates_per_mode(&self) -> Candidates {
        Candidates {
            semantic: self.semantic_candidates.unwrap_or(self.candidates),
            hybrid: self.hybrid_candidates.unwrap_or(self.candidates),
        }
    }
}

/// Candidates each retriever contributes to a page of semantic or hybrid
/// search, per mode (at least 1 each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidates {
    pub semantic: usize,
    pub hybrid: usize,
}

impl Candidates {
    fn at_least_one(self) -> Self {
        Self {
            semantic: self.semantic.max(1),
            hybrid: self.hybrid.max(1),
        }
    }
}

/// The same number for both modes.
impl From<usize> for Candidates {
    fn from(candidates: usize) -> Self {
        Self {
            semantic: candidates,
            hybrid: candidates,
        }
    }
}

/// An open index directory, ready to search. Every method takes `&self`,
/// and the engine may be shared between threads.
pub struct Engine {
    dir: IndexDir,
    keyword: KeywordIndex,
    vectors: Option<VectorIndex>,
    embedder: Option<Arc<Embedder>>,
    candidates: Candidates,
    /// Searches running now (see `Engine::search`).
    searches_in_flight: std::sync::atomic::AtomicUsize,
    /// Whether the two indexes agreed when opened.
    state: IndexCheck,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("root", &self.dir.root())
            .field("keyword", &self.keyword)
            .field("vectors", &self.vectors)
            .field("embedder", &self.embedder)
            .field("candidates", &self.candidates)
            .finish()
    }
}

impl Engine {
    /// Opens an index directory for searching: its keyword index, its vector
    /// index when it has one (without a model too: [`Engine::similar`] needs
    /// none), and the model of `options` when the index has vectors. A model
    /// other than the one the vectors were made with is refused
    /// ([`VectorError::ModelMismatch`]).
    ///
    /// The vectors loaded are the generation the keyword index's last commit
    /// names (see [`Indexer::commit`]), so an index whose writer was killed
    /// mid-commit opens as of its last whole commit. Opening changes nothing
    /// on disk: when the two indexes' commits are not paired (an index
    /// written by an earlier build) they are compared document by document,
    /// and [`Engine::index_check`] says what is amiss; an [`Indexer`] opened
    /// on the directory repairs it.
    pub fn open(root: impl AsRef<Path>, options: EngineOptions) -> Result<Self, EngineError> {
        let root = root.as_ref();
        let keyword = KeywordIndex::open(root)?.with_config(options.keyword);
        let (dir, manifest) = IndexDir::open(root)?;
        let pairing = check::paired_generation(&keyword)?;
        let mut embedder = options.embedder.clone();
        let vectors = match &manifest.vectors {
            Some(section) => {
                if embedder.is_none() {
                    if let Some(model_dir) = &options.model_dir {
                        embedder =
                            Some(Arc::new(Embedder::load(model_dir, options.embed.clone())?));
                    }
                }
                let (model, dimension) = match &embedder {
                    Some(e) => (e.model_id(), e.dimension()),
                    None => (section.model.as_str(), section.dimension),
                };
                Some(VectorIndex::open_at(
                    root,
                    model,
                    dimension,
                    options.vectors,
                    pairing.map(|g| g.unwrap_or(0)),
                )?)
            }
            None => None,
        };
        let state = check::check(
            &keyword,
            vectors.as_ref(),
            check::is_paired(pairing, vectors.as_ref()),
        )?;
        if !state.is_complete() {
            tracing::warn!(index = %root.display(), "the index is incomplete: {} (open it for writing with its model to repair it)", state.summary());
        }
        Ok(Self::from_parts(
            dir,
            keyword,
            vectors,
            embedder,
            options.candidates_per_mode(),
            state,
        ))
    }

    pub(crate) fn from_parts(
        dir: IndexDir,
        keyword: KeywordIndex,
        vectors: Option<VectorIndex>,
        embedder: Option<Arc<Embedder>>,
        candidates: impl Into<Candidates>,
        state: IndexCheck,
    ) -> Self {
        Self {
            dir,
            keyword,
            vectors,
            embedder,
            candidates: candidates.into().at_least_one(),
            searches_in_flight: std::sync::atomic::AtomicUsize::new(0),
            state,
        }
    }

    /// Whether the keyword and vector indexes agreed when this engine was
    /// opened (or handed over by an [`Indexer`]): every document in both,
    /// once. Cheap; computed then.
    pub fn index_check(&self) -> &IndexCheck {
        &self.state
    }

    /// Compares the two indexes document by document now (one pass over
    /// each), whatever the pairing of their commits says.
    pub fn check(&self) -> Result<IndexCheck, EngineError> {
        let paired = self.state.paired;
        let mut full = check::check(&self.keyword, self.vectors.as_ref(), false)?;
        full.paired = paired;
        Ok(full)
    }

    /// Loads the model that embeds queries (after opening without one).
    pub fn load_model(&mut self, dir: &Path, options: EmbedOptions) -> Result<(), EngineError> {
        let embedder = Embedder::load(dir, options)?;
        self.set_embedder(Arc::new(embedder))
    }

    /// Uses `embedder` for queries; refused when the index's vectors come
    /// from another model.
    pub fn set_embedder(&mut self, embedder: Arc<Embedder>) -> Result<(), EngineError> {
        if let Some(vectors) = &self.vectors {
            if vectors.model() != embedder.model_id() || vectors.dimension() != embedder.dimension()
            {
                return Err(VectorError::ModelMismatch {
                    path: self.dir.root().to_path_buf(),
                    index_model: vectors.model().to_string(),
                    index_dimension: vectors.dimension(),
                    model: embedder.model_id().to_string(),
                    dimension: embedder.dimension(),
                }
                .into());
            }
        }
        self.embedder = Some(embedder);
        Ok(())
    }

    /// Candidates each retriever contributes in semantic and hybrid search
    /// (a number for both modes, or [`Candidates`] per mode).
    pub fn set_candidates(&mut self, candidates: impl Into<Candidates>) {
        self.candidates = candidates.into().at_least_one();
    }

    pub fn candidates(&self) -> Candidates {
        self.candidates
    }

    /// Changes keyword ranking settings (all-words matching, field boosts).
    pub fn set_keyword_config(&mut self, config: KeywordConfig) {
        self.keyword = self.keyword.clone().with_config(config);
    }

    pub fn root(&self) -> &Path {
        self.dir.root()
    }

    /// Whether the index has a vector index (semantic and hybrid search).
    pub fn has_vectors(&self) -> bool {
        self.vectors.is_some()
    }

    /// The model the index's vectors were made with.
    pub fn model(&self) -> Option<&str> {
        self.vectors.as_ref().map(VectorIndex::model)
    }

    /// The model that embeds queries, when one is loaded.
    pub fn embedder(&self) -> Option<&Arc<Embedder>> {
        self.embedder.as_ref()
    }

    /// Documents in the keyword index.
    pub fn num_docs(&self) -> u64 {
        self.keyword.num_docs()
    }

    /// Documents and vectors in the vector index.
    pub fn num_vectors(&self) -> Option<(usize, usize)> {
        self.vectors.as_ref().map(|v| (v.num_docs(), v.len()))
    }

    /// The keyword index.
    pub fn keyword(&self) -> &KeywordIndex {
        &self.keyword
    }

    /// The vector index, when there is one.
    pub fn vectors(&self) -> Option<&VectorIndex> {
        self.vectors.as_ref()
    }

    /// The stored record of a publication (any kind when none is given).
    pub fn get(&self, number: &PublicationNumber) -> Result<Option<PatentRecord>, EngineError> {
        Ok(self.keyword.get(number)?)
    }

    /// What a list of results shows of each publication, in the order
    /// asked; `None` for a number not in the index (see
    /// [`patsearch_keyword::KeywordIndex::briefs`]).
    pub fn briefs(
        &self,
        numbers: &[PublicationNumber],
        cancel: &patsearch_record::Cancellation,
    ) -> Result<Vec<Option<patsearch_record::RecordBrief>>, EngineError> {
        Ok(self.keyword.briefs(numbers, cancel)?)
    }

    /// A publication's relatives in the index (family members, then
    /// near-duplicates; see [`patsearch_keyword::KeywordIndex::relatives`]);
    /// `None` when it is not in the index.
    pub fn relatives(
        &self,
        number: &PublicationNumber,
    ) -> Result<Option<Vec<Relative>>, EngineError> {
        Ok(self
            .keyword
            .relatives(number, &patsearch_record::Cancellation::never())?
            .map(|(_, relatives)| relatives))
    }

    /// The families of the index as it is now (see
    /// [`patsearch_keyword::Families`]).
    pub fn families(&self) -> Result<std::sync::Arc<Families>, EngineError> {
        Ok(self.keyword.families()?)
    }

    fn vectors_or_error(&self) -> Result<&VectorIndex, EngineError> {
        self.vectors
            .as_ref()
            .ok_or_else(|| EngineError::NoVectorIndex {
                path: self.dir.root().to_path_buf(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_is_shareable_across_threads() {
        fn assert_sync_send<T: Send + Sync>() {}
        assert_sync_send::<Engine>();
        fn assert_send<T: Send>() {}
        assert_send::<Indexer>();
    }

    #[test]
    fn each_mode_takes_its_own_candidates_or_the_shared_number() {
        let options = EngineOptions {
            candidates: 40,
            hybrid_candidates: Some(300),
            ..EngineOptions::default()
        };
        assert_eq!(
            options.candidates_per_mode(),
            Candidates {
                semantic: 40,
                hybrid: 300
            }
        );
        assert_eq!(
            Candidates::from(0).at_least_one(),
            Candidates {
                semantic: 1,
                hybrid: 1
            }
        );
    }
}
