//! Where engine reads run: bounded lanes of worker slots with bounded
//! queues, and a stop signal that follows the request.
//!
//! tokio's blocking pool grows to 512 threads, and work handed to it runs
//! to its end whatever happens to the request: a flood of expensive
//! queries handed to it would keep every core busy long after its clients
//! had gone, with every cheap query waiting behind it (benches/README.md,
//! "Hardening probes"). Here each read takes a
//! slot of its lane before it starts:
//!
//! - `Light` (searches without term patterns, similar patents, lookups)
//!   and `Heavy` (searches with wildcards, summaries, prior art) have
//!   slots of their own, so a flood of heavy requests fills its lane and
//!   never the light one;
//! - a request that finds its lane's queue full is answered 429
//!   `overloaded` with `Retry-After` at once, so memory and threads stay
//!   bounded whatever the load;
//! - the work gets a [`Cancellation`] with the request's deadline, which
//!   is also cancelled when the request's future is dropped (the timeout
//!   answered, or the client went away): the engine checks it in its
//!   loops and stops. The slot is held until the work has actually
//!   stopped, so abandoned work still counts against its lane.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use patsearch_record::Cancellation;
use tokio::sync::Semaphore;

use crate::error::{ApiError, ErrorCode};

/// Which slots a piece of work takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lane {
    /// Bounded, predictable work: a search without term patterns, similar
    /// patents, a record.
    Light,
    /// Work whose cost the input can drive up: wildcard and regex
    /// expansion, summaries, prior-art charts.
    Heavy,
}

/// The sizes of the lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolLimits {
    /// Light requests running at once.
    pub light_workers: usize,
    /// Heavy requests running at once.
    pub heavy_workers: usize,
    /// Light requests waiting for a slot before more are refused.
    pub light_queue: usize,
    /// Heavy requests waiting for a slot before more are refused.
    pub heavy_queue: usize,
}

impl PoolLimits {
    /// One light slot per core and half as many heavy ones (at least one),
    /// so heavy work can take at most half the machine; queues of four
    /// requests per slot (about a second of light work at a time on two
    /// cores, within any client's patience).
    pub fn for_cores(cores: usize) -> Self {
        let cores = cores.max(1);
        let heavy = (cores / 2).max(1);
        Self {
            light_workers: cores,
            heavy_workers: heavy,
            light_queue: 4 * cores,
            heavy_queue: 4 * heavy,
        }
    }

    /// [`PoolLimits::for_cores`] with this machine's cores.
    pub fn for_this_machine() -> Self {
        Self::for_cores(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

impl Default for PoolLimits {
    fn default() -> Self {
        Self::for_this_machine()
    }
}

/// The lanes of one server.
#[derive(Debug)]
pub(crate) struct WorkPool {
    light: LaneSlots,
    heavy: LaneSlots,
}

#[derive(Debug)]
struct LaneSlots {
    slots: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    queue: usize,
}

impl LaneSlots {
    fn new(workers: usize, queue: usize) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(workers.max(1))),
            waiting: Arc::new(AtomicUsize::new(0)),
            queue,
        }
    }
}

/// Counts a request as waiting for as long as it waits, however the wait
/// ends (a slot, or the future dropped).
struct Waiting(Arc<AtomicUsize>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Cancels the work's token when the request's future is dropped before
/// the work has answered.
struct CancelOnDrop(Option<Cancellation>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(token) = self.0.take() {
            token.cancel();
        }
    }
}

/// Seconds a refused client is told to wait.
const RETRY_AFTER_SECONDS: u64 = 1;

impl WorkPool {
    pub(crate) fn new(limits: PoolLimits) -> Self {
        Self {
            light: LaneSlots::new(limits.light_workers, limits.light_queue),
            heavy: LaneSlots::new(limits.heavy_workers, limits.heavy_queue),
        }
    }

    fn lane(&self, lane: Lane) -> &LaneSlots {
        match lane {
            Lane::Light => &self.light,
            Lane::Heavy => &self.heavy,
        }
    }

    /// Requests waiting for a slot now, per lane (light, heavy).
    #[cfg(test)]
    pub(crate) fn waiting(&self) -> (usize, usize) {
        (
            self.light.waiting.load(Ordering::Acquire),
            self.heavy.waiting.load(Ordering::Acquire),
        )
    }

    /// Runs `work` on a blocking thread once a slot of `lane` is free, with
    /// a token that stops at `deadline` or when this future is dropped.
    /// Refuses with 429 `overloaded` when the lane's queue is full.
    pub(crate) fn run<T, F>(
        &self,
        lane: Lane,
        deadline: Instant,
        work: F,
    ) -> impl Future<Output = Result<T, ApiError>> + Send + 'static
    where
        T: Send + 'static,
        F: FnOnce(&Cancellation) -> Result<T, ApiError> + Send + 'static,
    {
        let slots = self.lane(lane);
        let semaphore = Arc::clone(&slots.slots);
        let waiting = slots.waiting.fetch_add(1, Ordering::AcqRel);
        let queued = Waiting(Arc::clone(&slots.waiting));
        // A request that can start at once is never refused; one that would
        // wait joins the queue only while the queue has room.
        let admitted = if semaphore.available_permits() == 0 && waiting >= slots.queue {
            Err(overloaded(lane))
        } else {
            Ok(())
        };
        async move {
            let permit = {
                let _queued = queued;
                admitted?;
                semaphore
                    .acquire_owned()
                    .await
                    .map_err(|e| ApiError::internal(&e))?
            };
            let token = Cancellation::new().with_deadline(deadline);
            let mut on_drop = CancelOnDrop(Some(token.clone()));
            let result = tokio::task::spawn_blocking(move || {
                let _slot = permit;
                token.check().map_err(ApiError::from)?;
                work(&token)
            })
            .await;
            on_drop.0 = None;
            result.map_err(|e| ApiError::internal(&e))?
        }
    }
}

fn overloaded(lane: Lane) -> ApiError {
    let what = match lane {
        Lane::Light => "searches",
        Lane::Heavy => "expensive requests (term patterns, summaries, prior art)",
    };
    ApiError::new(
        ErrorCode::Overloaded,
        format!("the server is busy with other {what}; retry in {RETRY_AFTER_SECONDS} s"),
    )
}

/// The `Retry-After` value of an `overloaded` answer.
pub(crate) fn retry_after() -> Duration {
    Duration::from_secs(RETRY_AFTER_SECONDS)
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(60)
    }

    fn limits(workers: usize, queue: usize) -> PoolLimits {
        PoolLimits {
            light_workers: workers,
            heavy_workers: workers,
            light_queue: queue,
            heavy_queue: queue,
        }
    }

    /// Work that holds its slot until told to go.
    fn held(release: mpsc::Receiver<()>) -> impl FnOnce(&Cancellation) -> Result<(), ApiError> {
        move |_| {
            let _ = release.recv_timeout(Duration::from_secs(30));
            Ok(())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_refuses_with_overloaded_and_the_other_lane_still_runs() {
        let pool = WorkPool::new(limits(1, 1));
        let (release_running, running_rx) = mpsc::channel();
        let running = tokio::spawn(pool.run(Lane::Heavy, far(), held(running_rx)));
        // Let it take the only heavy slot.
        while pool.heavy.slots.available_permits() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let (release_queued, queued_rx) = mpsc::channel();
        let queued = tokio::spawn(pool.run(Lane::Heavy, far(), held(queued_rx)));
        while pool.waiting().1 == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let refused = pool.run(Lane::Heavy, far(), |_| Ok(())).await.unwrap_err();
        assert_eq!(refused.code, ErrorCode::Overloaded);
        assert_eq!(refused.code.status().as_u16(), 429);
        // The light lane is not behind the heavy one.
        let light = tokio::time::timeout(
            Duration::from_secs(5),
            pool.run(Lane::Light, far(), |_| Ok(7)),
        )
        .await
        .expect("light work waited for the heavy lane");
        assert_eq!(light.unwrap(), 7);
        release_running.send(()).unwrap();
        release_queued.send(()).unwrap();
        running.await.unwrap().unwrap();
        queued.await.unwrap().unwrap();
        assert_eq!(pool.waiting(), (0, 0));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dropping_the_request_cancels_its_work_and_frees_the_slot() {
        let pool = WorkPool::new(limits(1, 0));
        let (stopped_tx, stopped_rx) = mpsc::channel();
        let work = pool.run(Lane::Light, far(), move |cancel| -> Result<(), ApiError> {
            let started = Instant::now();
            while cancel.check().is_ok() {
                if started.elapsed() > Duration::from_secs(30) {
                    return Err(ApiError::bad_request("never cancelled"));
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            stopped_tx.send(started.elapsed()).unwrap();
            Err(ApiError::bad_request("stopped"))
        });
        // The timeout middleware drops the future the same way.
        assert!(tokio::time::timeout(Duration::from_millis(100), work)
            .await
            .is_err());
        let ran =
            tokio::task::spawn_blocking(move || stopped_rx.recv_timeout(Duration::from_secs(5)))
                .await
                .unwrap()
                .expect("the work went on after its request was dropped");
        assert!(ran < Duration::from_secs(5), "{ran:?}");
        // The slot is given back once the work has returned, a moment after
        // it said it stopped (on a loaded machine, a noticeable one).
        let deadline = Instant::now() + Duration::from_secs(5);
        while pool.light.slots.available_permits() == 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let next = tokio::time::timeout(
            Duration::from_secs(5),
            pool.run(Lane::Light, far(), |_| Ok(1)),
        )
        .await
        .expect("the slot of the cancelled work was not given back");
        assert_eq!(next.unwrap(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_passed_deadline_stops_the_work_with_timeout() {
        let pool = WorkPool::new(limits(1, 1));
        let past = Instant::now() - Duration::from_millis(1);
        let error = pool.run(Lane::Light, past, |_| Ok(())).await.unwrap_err();
        assert_eq!(error.code, ErrorCode::Timeout);
    }

    #[test]
    fn lanes_scale_with_cores() {
        assert_eq!(
            PoolLimits::for_cores(2),
            PoolLimits {
                light_workers: 2,
                heavy_workers: 1,
                light_queue: 8,
                heavy_queue: 4,
            }
        );
        assert_eq!(PoolLimits::for_cores(0).heavy_workers, 1);
    }
}
