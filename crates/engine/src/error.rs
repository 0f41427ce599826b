//! The engine's error type.

use std::path::{Path, PathBuf};

use patsearch_embed::EmbedError;
use patsearch_keyword::KeywordError;
use patsearch_manifest::ManifestError;
use patsearch_record::PublicationNumber;
use patsearch_vectors::VectorError;

/// How to get the default model, for messages about a missing one.
pub use patsearch_embed::FETCH_HINT;

/// Errors of indexing and searching.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Keyword(#[from] KeywordError),
    #[error(transparent)]
    Vectors(#[from] VectorError),
    #[error(transparent)]
    Embed(#[from] EmbedError),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// Semantic search (or `similar`) on an index built without embeddings.
    #[error("{path} has no vector index (it was built with --no-embed): semantic and hybrid search need one; search with --mode keyword, or build the index again with an embedding model (`patsearch ingest PATH... --index NEW_DIR`)")]
    NoVectorIndex { path: PathBuf },
    /// Semantic search without a model to embed the query with.
    #[error("{path}: semantic and hybrid search embed the query with the model the index was built with ({model}), and none was given: {hint}", hint = FETCH_HINT)]
    NoModel { path: PathBuf, model: String },
    /// Adding documents to an index with vectors, without a model: their
    /// vectors would be missing.
    #[error("{path} holds vectors of model {model}: adding documents to it needs that model ({hint}), so that every document gets its vectors", hint = FETCH_HINT)]
    ModelNeededToIndex { path: PathBuf, model: String },
    /// Embedding into an index whose documents have no vectors: semantic
    /// search would silently miss them.
    #[error("{path} already holds {documents} documents without vectors (it was built with --no-embed): add to it with --no-embed, or build a new index directory with embeddings")]
    DocumentsWithoutVectors { path: PathBuf, documents: u64 },
    /// A bad search request (the caller's to fix).
    #[error("{path} embeds {recorded} description paragraphs per patent and holds {documents} documents: every document of an index gets the same passages, so {asked} cannot be used for it; build a new index directory (`patsearch ingest PATH... --index NEW_DIR --description-passages {asked}`)")]
    PassagesMismatch {
        path: PathBuf,
        recorded: usize,
        asked: usize,
        documents: u64,
    },
    #[error("invalid search request: {0}")]
    InvalidRequest(String),
    /// A write failed with the disk of the index (nearly) full.
    #[error("{path}: the disk is full ({available_mb} MB free): the changes since the last commit were not written and the index keeps its last commit; free some space (a bulk load's final merge needs up to 5 GiB) and run the ingest again, which replaces the documents already there")]
    DiskFull {
        path: PathBuf,
        available_mb: u64,
        source: Box<EngineError>,
    },
    #[error("{0} is not in the index")]
    UnknownDocument(PublicationNumber),
    /// The caller's [`patsearch_record::Cancellation`] stopped the work.
    #[error(transparent)]
    Cancelled(#[from] patsearch_record::Cancelled),
}

impl EngineError {
    /// Whether the error is the user's to fix (a bad query or request, a
    /// missing or mismatched model, an index of the wrong kind) rather than a
    /// failure inside.
    pub fn is_user_error(&self) -> bool {
        match self {
            EngineError::Keyword(e) => matches!(
                e,
                KeywordError::Query(_)
                    | KeywordError::Filter(_)
                    | KeywordError::Manifest(_)
                    | KeywordError::SchemaVersion { .. }
                    | KeywordError::NoKeywordIndex { .. }
            ),
            EngineError::Vectors(e) => matches!(
                e,
                VectorError::ModelMismatch { .. }
                    | VectorError::NoVectorIndex { .. }
                    | VectorError::UnknownDocument(_)
                    | VectorError::Config(_)
                    | VectorError::Manifest(_)
            ),
            EngineError::Embed(e) => e.is_user_error(),
            EngineError::Manifest(e) => !matches!(e, ManifestError::Io { .. }),
            EngineError::NoVectorIndex { .. }
            | EngineError::NoModel { .. }
            | EngineError::ModelNeededToIndex { .. }
            | EngineError::DocumentsWithoutVectors { .. }
            | EngineError::PassagesMismatch { .. }
            | EngineError::InvalidRequest(_)
            | EngineError::UnknownDocument(_) => true,
            EngineError::Cancelled(_) | EngineError::DiskFull { .. } => false,
        }
    }

    /// This error, or [`EngineError::DiskFull`] when it is a failed write
    /// on a disk that is full: tantivy's indexing threads report a failed
    /// write only as "an index writer was killed", without its cause.
    pub(crate) fn on_disk_of(self, root: &Path) -> Self {
        let writing = matches!(
            self,
            EngineError::Keyword(KeywordError::Tantivy(_))
                | EngineError::Vectors(VectorError::Io { .. })
        );
        if !writing {
            return self;
        }
        let says_full = self.to_string().contains("os error 28");
        match available_bytes(root) {
            Some(available) if says_full || available < DISK_FULL_BYTES => EngineError::DiskFull {
                path: root.to_path_buf(),
                available_mb: available / 1_000_000,
                source: Box::new(self),
            },
            _ => self,
        }
    }
}

/// Free space under which a failed write is put down to a full disk: less
/// than one segment flush of the ingest's writer can need.
const DISK_FULL_BYTES: u64 = 64 * 1024 * 1024;

fn available_bytes(path: &Path) -> Option<u64> {
    let stat = rustix::fs::statvfs(path).ok()?;
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}
