//! The evaluation crate's error type.

use std::path::PathBuf;

/// Errors reading judgments and topics, and writing runs.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A file could not be read (missing, unreadable, not UTF-8).
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A line of a qrels or topic file is not in its format.
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        path: PathBuf,
        /// From 1.
        line: usize,
        message: String,
    },
    /// A run file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl EvalError {
    /// Whether the error is the user's to fix (a missing or malformed input
    /// file) rather than a failure writing results.
    pub fn is_user_error(&self) -> bool {
        match self {
            EvalError::Read { .. } | EvalError::Parse { .. } => true,
            EvalError::Write { .. } => false,
        }
    }
}
