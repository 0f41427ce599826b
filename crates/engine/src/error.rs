//! The engine's error type.

use std::path::{Path, PathBuf};

use patsearch_embed::EmbedError;
use patsearch_keyword::KeywordError;
use patsearch_manifest::ManifestError;
use patsearch_record::error_kind::{ErrorClass, ErrorKind};
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
    /// Whether someone outside (the caller or the operator) can fix the
    /// error, rather than a failure inside: see [`ErrorKind::is_user_error`].
    pub fn is_user_error(&self) -> bool {
        self.kind().is_user_error()
    }

    /// The kind and code of the error (see [`ErrorClass`]).
    fn class(&self) -> (ErrorKind, &'static str) {
        use ErrorKind::*;
        match self {
            EngineError::Keyword(e) => match e {
                KeywordError::Query(_) => (InvalidInput, "invalid_query"),
                KeywordError::Filter(_) => (InvalidInput, "invalid_filter"),
                KeywordError::Cancelled(stopped) => (stopped.kind(), stopped.code()),
                KeywordError::Manifest(m) => manifest_class(m),
                KeywordError::SchemaVersion { .. } => (Misconfigured, "index_incompatible"),
                KeywordError::NoKeywordIndex { .. } => (Misconfigured, "no_keyword_index"),
                KeywordError::Tantivy(_) => (Internal, "keyword_index"),
                KeywordError::CorruptRecord(_) => (Internal, "corrupt_record"),
            },
            EngineError::Vectors(e) => match e {
                VectorError::Manifest(m) => manifest_class(m),
                // The model was chosen by whoever opened the index: on the
                // server that is the operator, not the client.
                VectorError::ModelMismatch { .. } => (Misconfigured, "model_mismatch"),
                VectorError::NoVectorIndex { .. } => (Unsupported, "semantic_unavailable"),
                VectorError::UnknownDocument(_) => (NotFound, "not_found"),
                VectorError::Config(_) => (Misconfigured, "vector_config"),
                // The engine checks the model before it embeds, so a vector
                // of the wrong shape is a bug, not a mix-up the user made.
                VectorError::Dimension { .. } => (Internal, "vector_dimension"),
                VectorError::NotNormalised { .. } => (Internal, "vector_not_normalised"),
                VectorError::Io { .. } => (Internal, "io"),
                VectorError::Corrupt { .. } => (Internal, "corrupt_vector_index"),
                VectorError::Graph(_) => (Internal, "vector_graph"),
            },
            // What the embedding crate calls the user's (a missing or
            // invalid model, bad options) is what the operator chose; its
            // own match is the one home of that split.
            EngineError::Embed(e) if e.is_user_error() => match e {
                EmbedError::InvalidOptions(_) => (Misconfigured, "invalid_embed_options"),
                _ => (Misconfigured, "invalid_model"),
            },
            EngineError::Embed(_) => (Internal, "embedding"),
            EngineError::Manifest(m) => manifest_class(m),
            EngineError::NoVectorIndex { .. } => (Unsupported, "semantic_unavailable"),
            EngineError::NoModel { .. } | EngineError::ModelNeededToIndex { .. } => {
                (Misconfigured, "model_unavailable")
            }
            EngineError::DocumentsWithoutVectors { .. } => {
                (Misconfigured, "documents_without_vectors")
            }
            EngineError::PassagesMismatch { .. } => (Misconfigured, "passages_mismatch"),
            EngineError::InvalidRequest(_) => (InvalidInput, "bad_request"),
            // Not the request's fault, and not a setting: the machine's
            // state, reported (on the server, logged) as a failure.
            EngineError::DiskFull { .. } => (Internal, "disk_full"),
            EngineError::UnknownDocument(_) => (NotFound, "not_found"),
            EngineError::Cancelled(stopped) => (stopped.kind(), stopped.code()),
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

/// The classification of every error the engine returns, the errors of the
/// crates below it included: those crates' errors are classified here, where
/// it is known what the engine was doing when they occurred. The matches
/// name every variant, so a new one does not compile until it has a kind and
/// a code.
impl ErrorClass for EngineError {
    fn kind(&self) -> ErrorKind {
        self.class().0
    }

    fn code(&self) -> &'static str {
        self.class().1
    }
}

/// A damaged manifest is data that broke, not a choice anyone made; the
/// other manifest errors say the directory is not an index this build reads.
fn manifest_class(error: &ManifestError) -> (ErrorKind, &'static str) {
    match error {
        ManifestError::Io { .. } => (ErrorKind::Internal, "io"),
        ManifestError::Corrupt { .. } => (ErrorKind::Internal, "corrupt_manifest"),
        ManifestError::NotAnIndex { .. } => (ErrorKind::Misconfigured, "not_an_index"),
        ManifestError::Incompatible { .. } => (ErrorKind::Misconfigured, "index_incompatible"),
    }
}

/// Free space under which a failed write is put down to a full disk: less
/// than one segment flush of the ingest's writer can need.
const DISK_FULL_BYTES: u64 = 64 * 1024 * 1024;

fn available_bytes(path: &Path) -> Option<u64> {
    let stat = rustix::fs::statvfs(path).ok()?;
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}
