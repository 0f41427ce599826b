//! Query embedding on a busy server: queries that arrive while another is
//! going through the model wait for it, then go through together.
//!
//! A lone short query runs its matrix products on a handful of rows, so each
//! weight the pass streams does little work; a batch of the queries waiting
//! at that moment shares each weight between all their rows (and past
//! `skinny::MAX_ROWS` rows it takes the blocked matrix product), which is
//! where the CPU time of a server answering many hybrid searches went. No
//! query waits for a batch to fill: the first one in runs at once, alone, and
//! only those that arrive while a pass is running wait, for at most that
//! pass. A text's vector does not depend on the texts beside it (up to float
//! rounding).

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use crate::EmbedError;

/// Tokens one combined pass takes at most: beyond this, waiting queries go
/// in the next pass, so that none waits for a huge one.
const MAX_BATCH_TOKENS: usize = 512;

/// The queue of queries waiting for a pass.
#[derive(Debug, Default)]
pub(crate) struct Combiner {
    state: Mutex<State>,
    /// Signalled when a pass ends.
    passed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    queue: Vec<Arc<Ticket>>,
    /// A pass is running.
    running: bool,
}

#[derive(Debug)]
struct Ticket {
    ids: Vec<u32>,
    vector: Mutex<Option<Result<Vec<f32>, EmbedError>>>,
}

impl Ticket {
    fn take(&self) -> Option<Result<Vec<f32>, EmbedError>> {
        self.vector
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    fn set(&self, vector: Result<Vec<f32>, EmbedError>) {
        *self.vector.lock().unwrap_or_else(PoisonError::into_inner) = Some(vector);
    }
}

/// Ends a pass: gives every query of the batch still without a vector an
/// error (the pass panicked), then lets the next pass start.
struct Pass<'c> {
    combiner: &'c Combiner,
    batch: Vec<Arc<Ticket>>,
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        for ticket in &self.batch {
            let mut vector = ticket.vector.lock().unwrap_or_else(PoisonError::into_inner);
            if vector.is_none() {
                *vector = Some(Err(EmbedError::Interrupted(
                    "the embedding pass this query was in panicked".into(),
                )));
            }
        }
        self.combiner.lock().running = false;
        self.combiner.passed.notify_all();
    }
}

impl Combiner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The vector of the token ids `ids`, embedded by `forward` (a pass over
    /// a batch, on the calling thread) alone or with the queries waiting
    /// beside it.
    pub(crate) fn embed(
        &self,
        ids: Vec<u32>,
        forward: impl Fn(&[&[u32]]) -> Result<Vec<Vec<f32>>, EmbedError>,
    ) -> Result<Vec<f32>, EmbedError> {
        let ticket = Arc::new(Ticket {
            ids,
            vector: Mutex::new(None),
        });
        let mut state = self.lock();
        state.queue.push(Arc::clone(&ticket));
        loop {
            if let Some(vector) = ticket.take() {
                return vector;
            }
            if state.running {
                state = self
                    .passed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            // This thread runs the next pass, over the queries at the front
            // of the queue (its own among them, or a pass that helps the
            // ones before it, after which it goes round again).
            state.running = true;
            let mut tokens = 0;
            let take = state
                .queue
                .iter()
                .take_while(|t| {
                    tokens += t.ids.len();
                    tokens <= MAX_BATCH_TOKENS
                })
                .count()
                .max(1);
            let batch: Vec<Arc<Ticket>> = state.queue.drain(..take).collect();
            drop(state);
            let pass = Pass {
                combiner: self,
                batch,
            };
            let sequences: Vec<&[u32]> = pass.batch.iter().map(|t| t.ids.as_slice()).collect();
            match forward(&sequences) {
                Ok(vectors) => {
                    for (ticket, vector) in pass.batch.iter().zip(vectors) {
                        ticket.set(Ok(vector));
                    }
                }
                // One bad sequence must not fail the others: each alone.
                Err(_) => {
                    for ticket in &pass.batch {
                        let vector = forward(&[ticket.ids.as_slice()])
                            .map(|mut v| v.pop().expect("one vector per sequence"));
                        ticket.set(vector);
                    }
                }
            }
            drop(pass);
            state = self.lock();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A stand-in model: the vector of a sequence is its ids as floats.
    fn model(batch: &[&[u32]]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if batch.iter().any(|ids| ids.is_empty()) {
            return Err(EmbedError::InvalidOptions("an empty sequence".into()));
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
        Ok(batch
            .iter()
            .map(|ids| ids.iter().map(|&i| i as f32).collect())
            .collect())
    }

    #[test]
    fn every_query_gets_its_own_vector_when_many_arrive_together() {
        let combiner = Combiner::default();
        let passes = AtomicUsize::new(0);
        let largest = AtomicUsize::new(0);
        let forward = |batch: &[&[u32]]| {
            passes.fetch_add(1, Ordering::Relaxed);
            largest.fetch_max(batch.len(), Ordering::Relaxed);
            model(batch)
        };
        std::thread::scope(|scope| {
            for t in 0..8u32 {
                let (combiner, forward) = (&combiner, &forward);
                scope.spawn(move || {
                    for q in 0..25u32 {
                        let ids = vec![t, q, t * 100 + q];
                        let want: Vec<f32> = ids.iter().map(|&i| i as f32).collect();
                        assert_eq!(combiner.embed(ids, forward).unwrap(), want);
                    }
                });
            }
        });
        let passes = passes.load(Ordering::Relaxed);
        assert!(
            passes < 200,
            "{passes} passes for 200 queries: none combined"
        );
        assert!(largest.load(Ordering::Relaxed) > 1);
    }

    #[test]
    fn a_bad_query_fails_alone() {
        let combiner = Combiner::default();
        std::thread::scope(|scope| {
            for t in 0..6u32 {
                let combiner = &combiner;
                scope.spawn(move || {
                    for q in 0..20u32 {
                        let ids = if (t + q) % 5 == 0 {
                            Vec::new()
                        } else {
                            vec![t, q]
                        };
                        let result = combiner.embed(ids.clone(), model);
                        assert_eq!(result.is_err(), ids.is_empty(), "{ids:?}");
                    }
                });
            }
        });
    }

    #[test]
    fn a_panicking_pass_fails_its_queries_and_the_next_pass_runs() {
        let combiner = Combiner::default();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            combiner.embed(vec![1], |_| panic!("boom"))
        }));
        assert!(result.is_err());
        assert_eq!(combiner.embed(vec![7], model).unwrap(), [7.0]);
    }
}
