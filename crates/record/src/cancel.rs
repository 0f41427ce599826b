//! Stopping work that nobody waits for any more.
//!
//! A [`Cancellation`] is handed down with a piece of work (a search, a
//! summary, a prior-art run) and checked inside its loops: the keyword
//! collector, term expansion, the vector walk, the embedding of sentences.
//! It stops when its owner cancels it (the HTTP request ended: a timeout or
//! a client that went away) or when its deadline passes, whichever comes
//! first. It lives in `record` because every stage that does the work
//! (keyword, vectors, summary, engine) must understand the same signal and
//! none of them may depend on another.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why a piece of work stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Cancelled {
    /// Its deadline passed.
    #[error("the work ran past its deadline and was stopped")]
    DeadlinePassed,
    /// Its owner no longer wanted it (the request ended).
    #[error("the work was cancelled by its caller")]
    Cancelled,
}

/// A cancellation flag shared by the owner and the work, with an optional
/// deadline. Cheap to clone and to check (an atomic load and, with a
/// deadline, a monotonic clock read). `Cancellation::default()` never
/// stops.
#[derive(Debug, Clone, Default)]
pub struct Cancellation {
    flag: Option<Arc<AtomicBool>>,
    deadline: Option<Instant>,
}

/// Two tokens are equal when they are the same signal: clones of one
/// token with the same deadline (so requests that carry one still compare).
impl PartialEq for Cancellation {
    fn eq(&self, other: &Self) -> bool {
        let same_flag = match (&self.flag, &other.flag) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        same_flag && self.deadline == other.deadline
    }
}

impl Cancellation {
    /// Work that is never cancelled (the CLI, tests, internal work).
    pub fn never() -> Self {
        Self::default()
    }

    /// A token its owner can cancel with [`Cancellation::cancel`].
    pub fn new() -> Self {
        Self {
            flag: Some(Arc::new(AtomicBool::new(false))),
            deadline: None,
        }
    }

    /// The same token, stopping at `deadline` at the latest.
    pub fn with_deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(match self.deadline {
            Some(earlier) => earlier.min(deadline),
            None => deadline,
        });
        self
    }

    /// The same token, stopping `budget` from now at the latest.
    pub fn with_budget(self, budget: Duration) -> Self {
        let deadline = Instant::now()
            .checked_add(budget)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365));
        self.with_deadline(deadline)
    }

    /// Stops the work (every clone of this token sees it).
    pub fn cancel(&self) {
        if let Some(flag) = &self.flag {
            flag.store(true, Ordering::Relaxed);
        }
    }

    /// The deadline, when there is one.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Whether the work should stop now.
    pub fn is_cancelled(&self) -> bool {
        self.check().is_err()
    }

    /// `Err` once the token was cancelled or its deadline passed.
    pub fn check(&self) -> Result<(), Cancelled> {
        if let Some(flag) = &self.flag {
            if flag.load(Ordering::Relaxed) {
                return Err(Cancelled::Cancelled);
            }
        }
        match self.deadline {
            Some(deadline) if Instant::now() >= deadline => Err(Cancelled::DeadlinePassed),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_stops_without_flag_or_deadline() {
        let token = Cancellation::never();
        token.cancel();
        assert_eq!(token.check(), Ok(()));
    }

    #[test]
    fn cancel_reaches_every_clone() {
        let token = Cancellation::new();
        let work = token.clone();
        assert_eq!(work.check(), Ok(()));
        token.cancel();
        assert_eq!(work.check(), Err(Cancelled::Cancelled));
    }

    #[test]
    fn a_passed_deadline_stops_and_the_earlier_deadline_wins() {
        let token = Cancellation::new().with_budget(Duration::from_secs(3600));
        assert_eq!(token.check(), Ok(()));
        let past = token.with_deadline(Instant::now() - Duration::from_millis(1));
        assert_eq!(past.check(), Err(Cancelled::DeadlinePassed));
        let later = past.with_budget(Duration::from_secs(3600));
        assert_eq!(later.check(), Err(Cancelled::DeadlinePassed));
    }
}
