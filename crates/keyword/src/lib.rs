//! Keyword search over patents.
//!
//! Owns the tantivy side of an index directory (`keyword/`): the schema and
//! its analyzers (`schema`), the query language with positioned errors
//! (`query`), its compilation with field boosts and structured filters into
//! tantivy queries (`compile`), writing with upsert-by-number and delete
//! (`writer`), and searching with highlighted snippets and facet counts
//! (`search`, `facets`). The full canonical record is stored with each
//! document and retrievable by publication number.
//!
//! Not for: embeddings or fusion; the search engine combines this with the
//! vector index.

mod compile;
mod facets;
mod family;
mod merge;
mod query;
mod schema;
mod search;
#[cfg(test)]
mod test_corpus;
mod writer;

use std::path::PathBuf;

use patsearch_manifest::{program, IndexDir, KeywordSection, ManifestError};
use tantivy::directory::MmapDirectory;
use tantivy::{Index, IndexReader, ReloadPolicy};

pub use compile::{validate_filters, FieldBoosts, FilterError, QueryLimits};
pub use facets::{FacetCount, Facets};
pub use family::{
    Families, Relative, MAX_FAMILY_MEMBERS, MAX_LISTED_MEMBERS, NEAR_DUPLICATE_SIMILARITY,
};
pub use merge::MAX_MERGED_SEGMENT_BYTES;
pub use query::{
    parse as parse_query, Ast, QueryError, MAX_CLAUSES as MAX_QUERY_CLAUSES,
    MAX_DEPTH as MAX_QUERY_DEPTH,
};
pub use schema::{Fields, MAX_GIST_CHARS, SCHEMA_VERSION};
pub use search::{Fetched, Hit, SearchRequest, SearchResults, Snippet, SnippetField};
pub use writer::{DocumentPreparer, KeywordWriter, PreparedDocument};

/// Errors of the keyword index.
#[derive(Debug, thiserror::Error)]
pub enum KeywordError {
    /// The query text is invalid (the user's to fix), or asks for more work
    /// than the limits allow ([`MAX_QUERY_DEPTH`], [`MAX_QUERY_CLAUSES`],
    /// [`QueryLimits`]).
    #[error("invalid query: {0}")]
    Query(#[from] QueryError),
    /// The caller's [`patsearch_record::Cancellation`] stopped the search
    /// (cancelled, or past its deadline): no partial results are returned.
    #[error(transparent)]
    Cancelled(#[from] patsearch_record::Cancelled),
    /// A structured filter is invalid (the user's to fix).
    #[error("invalid filter: {0}")]
    Filter(#[from] FilterError),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("{path}: keyword index schema version {found}, this build uses {expected}: rebuild the index (`patsearch ingest PATH... --index NEW_DIR`)")]
    SchemaVersion {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("{path}: the manifest has no keyword index: build one with `patsearch ingest PATH... --index {path}`")]
    NoKeywordIndex { path: PathBuf },
    #[error("keyword index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("stored record is corrupt: {0}")]
    CorruptRecord(String),
}

/// Settings that shape ranking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeywordConfig {
    pub boosts: FieldBoosts,
    /// Whether juxtaposed words must all match (`true`) or any may (`false`,
    /// ranked by BM25: the right default for descriptive queries).
    pub default_and: bool,
    /// How a word without a field prefix scores when it matches in several
    /// fields: its best field's (boosted) BM25 plus `tie_breaker` (0 to 1)
    /// times each other field's. 0 (the default): the best field alone, so a
    /// document is ranked by how many of the query's words it has, and how
    /// well, rather than by how many fields repeat one of them; 1: the sum
    /// over the fields. On the judged topics 0 ranked short queries better than
    /// the sum and long ones as well, alone and fused with semantic search
    /// (benches/README.md, "Relevance tuning"); it costs some speed, since
    /// tantivy cannot skip documents under a maximum as it does under a sum.
    pub tie_breaker: f32,
    /// How much wildcard expansion one query may ask for.
    pub limits: QueryLimits,
    /// Facets count the top this many hits by score, or all of them when
    /// there are no more (the response says how many it counted). A
    /// natural-language query matches most of an index, so counting every
    /// match costs time in proportion to the index and describes the
    /// index rather than what was asked; the best thousand describe the
    /// answer, as a researcher reads it, at a bounded cost.
    pub facet_window: usize,
}

impl Default for KeywordConfig {
    fn default() -> Self {
        Self {
            boosts: FieldBoosts::default(),
            default_and: false,
            tie_breaker: 0.0,
            limits: QueryLimits::default(),
            facet_window: 1000,
        }
    }
}

/// An open keyword index: readable, and writable through [`KeywordIndex::writer`].
#[derive(Clone)]
pub struct KeywordIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    config: KeywordConfig,
    /// The families of the last searcher generation asked about (see
    /// [`Families`]), shared by the clones, which share the reader.
    families: std::sync::Arc<std::sync::Mutex<Option<std::sync::Arc<Families>>>>,
}

impl std::fmt::Debug for KeywordIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeywordIndex")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl KeywordIndex {
    /// Opens the keyword index of an index directory, creating both when absent.
    pub fn open_or_create(root: impl Into<PathBuf>) -> Result<Self, KeywordError> {
        let (dir, manifest) = IndexDir::open_or_create(root, &program())?;
        let path = dir.keyword_dir();
        let meta_exists = path.join("meta.json").exists();
        if let Some(section) = &manifest.keyword {
            check_schema(&dir, section)?;
        }
        let index = if meta_exists {
            Index::open_in_dir(&path)?
        } else {
            std::fs::create_dir_all(&path).map_err(|e| {
                KeywordError::Tantivy(tantivy::TantivyError::IoError(std::sync::Arc::new(e)))
            })?;
            let (schema, _) = schema::build_schema();
            Index::builder().schema(schema).open_or_create(
                MmapDirectory::open(&path)
                    .map_err(|e| KeywordError::Tantivy(tantivy::TantivyError::from(e)))?,
            )?
        };
        // Also when a first run was killed between creating the index and
        // recording it: the directory is completed, not left unopenable.
        if manifest.keyword.is_none() {
            dir.update_manifest(&program(), |m| {
                m.keyword = Some(KeywordSection {
                    schema_version: SCHEMA_VERSION,
                    tantivy_version: tantivy::version_string().to_string(),
                })
            })?;
        }
        Self::from_index(index)
    }

    /// Opens an existing index directory for searching.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, KeywordError> {
        let (dir, manifest) = IndexDir::open(root)?;
        let section = manifest
            .keyword
            .as_ref()
            .ok_or_else(|| KeywordError::NoKeywordIndex {
                path: dir.root().to_path_buf(),
            })?;
        check_schema(&dir, section)?;
        Self::from_index(Index::open_in_dir(dir.keyword_dir())?)
    }

    fn from_index(index: Index) -> Result<Self, KeywordError> {
        schema::register_analyzers(&index);
        let fields = Fields::from_schema(&index.schema())?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            fields,
            config: KeywordConfig::default(),
            families: Default::default(),
        })
    }

    pub fn with_config(mut self, config: KeywordConfig) -> Self {
        self.config = config;
        self
    }

    pub fn config(&self) -> &KeywordConfig {
        &self.config
    }

    /// Sees what has been committed since opening (or the last reload).
    pub fn reload(&self) -> Result<(), KeywordError> {
        Ok(self.reader.reload()?)
    }

    /// Documents in the index.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Segments a search goes through (see `KeywordWriter::finish_merged`).
    pub fn num_segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// A writer. One at a time per index directory, across processes.
    pub fn writer(&self, memory_budget_bytes: usize) -> Result<KeywordWriter, KeywordError> {
        KeywordWriter::new(&self.index, self.fields.clone(), memory_budget_bytes)
    }
}

fn check_schema(dir: &IndexDir, section: &KeywordSection) -> Result<(), KeywordError> {
    if section.schema_version != SCHEMA_VERSION {
        return Err(KeywordError::SchemaVersion {
            path: dir.root().to_path_buf(),
            found: section.schema_version,
            expected: SCHEMA_VERSION,
        });
    }
    Ok(())
}
