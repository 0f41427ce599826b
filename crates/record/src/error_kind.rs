//! The one classification of library errors that both edges read: the
//! server turns an [`ErrorKind`] into an HTTP status and wire code, the
//! command line into an exit status, each in one exhaustive match.
//!
//! It lives in the bottom crate so that every library crate can implement
//! [`ErrorClass`] on its own errors without depending on the edges.

use crate::Cancelled;

/// Who can fix an error, and so how each edge reports it.
///
/// The server's client and its operator are different people: a kind says
/// which of them (or nobody outside) can act, so that a mistake of the
/// operator is never answered as the client's. The command line's user is
/// both, so there the kinds say whether the request itself is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The request is wrong in itself, whatever index it meets: a query
    /// that does not parse, an invalid filter or parameter. The caller's to
    /// fix.
    InvalidInput,
    /// The request names something that is not there (a patent not in the
    /// index). The caller's to fix.
    NotFound,
    /// The request is valid, but this index does not offer what it asks for
    /// (semantic search on an index built without embeddings): the caller
    /// can ask in another way.
    Unsupported,
    /// The index, model or settings the operator chose do not fit together
    /// (a missing or different embedding model, an index of another format
    /// or other passages): nothing broke and the request is not wrong; the
    /// operator's to fix.
    Misconfigured,
    /// The work was stopped at its deadline or by its caller.
    Timeout,
    /// Something broke inside: input/output, corrupt data, a bug.
    Internal,
}

impl ErrorKind {
    /// Every kind, for tests of the edges' mappings.
    pub const ALL: [ErrorKind; 6] = [
        ErrorKind::InvalidInput,
        ErrorKind::NotFound,
        ErrorKind::Unsupported,
        ErrorKind::Misconfigured,
        ErrorKind::Timeout,
        ErrorKind::Internal,
    ];

    /// Whether someone outside (the caller or the operator) can fix it, as
    /// opposed to a failure inside or work that ran out of time.
    pub fn is_user_error(self) -> bool {
        match self {
            ErrorKind::InvalidInput
            | ErrorKind::NotFound
            | ErrorKind::Unsupported
            | ErrorKind::Misconfigured => true,
            ErrorKind::Timeout | ErrorKind::Internal => false,
        }
    }
}

/// An error that knows its [`ErrorKind`] and a stable code.
pub trait ErrorClass: std::error::Error {
    /// Who can fix it.
    fn kind(&self) -> ErrorKind;
    /// A stable snake_case name of the condition (`invalid_query`,
    /// `model_mismatch`): for logs, tests and the edges' finer codes. Where
    /// the server has a wire code for the condition, this is its name.
    fn code(&self) -> &'static str;
}

impl ErrorClass for Cancelled {
    fn kind(&self) -> ErrorKind {
        match self {
            Cancelled::DeadlinePassed | Cancelled::Cancelled => ErrorKind::Timeout,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Cancelled::DeadlinePassed | Cancelled::Cancelled => "timeout",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopped_work_is_a_timeout_and_nobody_outside_can_fix_it() {
        for stopped in [Cancelled::DeadlinePassed, Cancelled::Cancelled] {
            assert_eq!(stopped.kind(), ErrorKind::Timeout);
            assert!(!stopped.kind().is_user_error());
        }
        assert!(ErrorKind::Misconfigured.is_user_error());
        assert!(!ErrorKind::Internal.is_user_error());
    }
}
