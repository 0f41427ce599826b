//! Embedding beside indexing: the indexer hands each batch of records to a
//! thread that chooses their passages and embeds them while the next records
//! are parsed and indexed, and takes the vectors back in the order the
//! batches were sent. Without it the cores idle in turn: the embedder's
//! threads while the indexer parses and indexes, the parsers while a batch
//! is embedded.

use std::collections::HashMap;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use patsearch_embed::Embedder;
use patsearch_record::PatentRecord;
use patsearch_vectors::Passage;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use crate::passages::{passages, PassageOptions};
use crate::EngineError;

/// A batch embedded: its records, each record's passages and, in the same
/// order, their vectors.
#[derive(Debug)]
pub(crate) struct Embedded {
    pub records: Vec<PatentRecord>,
    pub passages: Vec<Vec<Passage>>,
    pub vectors: Vec<Vec<f32>>,
    /// Time the thread spent on the batch.
    pub elapsed: Duration,
}

/// The embedding thread of one indexer and the batches it holds.
#[derive(Debug)]
pub(crate) struct EmbedQueue {
    jobs: Option<SyncSender<Vec<PatentRecord>>>,
    done: Receiver<Result<Embedded, EngineError>>,
    /// Base numbers of the records in flight, for the changes that must wait
    /// for their vectors (a delete or replacement of one).
    bases: HashMap<String, usize>,
    in_flight: usize,
    thread: Option<JoinHandle<()>>,
}

impl EmbedQueue {
    /// Starts the thread. One batch waits while another is embedded, so at
    /// most two batches of records are held.
    pub fn start(embedder: Arc<Embedder>, options: PassageOptions, workers: usize) -> Self {
        let (jobs, inbox) = sync_channel::<Vec<PatentRecord>>(1);
        let (outbox, done) = sync_channel(2);
        let thread = std::thread::Builder::new()
            .name("patsearch-embed".into())
            .spawn(move || {
                for records in inbox {
                    let result = embed_records(&embedder, &options, workers, records);
                    if outbox.send(result).is_err() {
                        break;
                    }
                }
            })
            .expect("the embedding thread starts");
        Self {
            jobs: Some(jobs),
            done,
            bases: HashMap::new(),
            in_flight: 0,
            thread: Some(thread),
        }
    }

    /// Hands `records` to the thread; blocks while it is a batch behind.
    pub fn send(&mut self, records: Vec<PatentRecord>) {
        for r in &records {
            *self.bases.entry(r.publication_number.base()).or_default() += 1;
        }
        self.in_flight += 1;
        let jobs = self.jobs.as_ref().expect("the queue is open until dropped");
        if jobs.send(records).is_err() {
            self.propagate_panic();
        }
    }

    /// Whether a record of this base number is being embedded.
    pub fn holds(&self, base: &str) -> bool {
        self.bases.contains_key(base)
    }

    /// The next finished batch, in sending order: waiting for it when `wait`,
    /// else only when it is done already.
    pub fn next(&mut self, wait: bool) -> Option<Result<Embedded, EngineError>> {
        if self.in_flight == 0 {
            return None;
        }
        let outcome = if wait {
            match self.done.recv() {
                Ok(outcome) => outcome,
                Err(_) => self.propagate_panic(),
            }
        } else {
            self.done.try_recv().ok()?
        };
        self.in_flight -= 1;
        if let Ok(batch) = &outcome {
            for r in &batch.records {
                let base = r.publication_number.base();
                if let Some(n) = self.bases.get_mut(&base) {
                    *n -= 1;
                    if *n == 0 {
                        self.bases.remove(&base);
                    }
                }
            }
        }
        if self.in_flight == 0 {
            self.bases.clear();
        }
        Some(outcome)
    }

    /// Waits for every batch in flight and drops it.
    pub fn discard(&mut self) {
        while self.next(true).is_some() {}
    }

    /// The thread only stops early by panicking: a bug, raised here.
    fn propagate_panic(&mut self) -> ! {
        self.jobs = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Err(payload)) => std::panic::resume_unwind(payload),
            _ => panic!("the embedding thread stopped"),
        }
    }
}

impl Drop for EmbedQueue {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            // A panic there was raised to the indexer already, or nothing is
            // left to report it to.
            let _ = thread.join();
        }
    }
}

fn embed_records(
    embedder: &Embedder,
    options: &PassageOptions,
    workers: usize,
    records: Vec<PatentRecord>,
) -> Result<Embedded, EngineError> {
    let started = Instant::now();
    let (passages, texts): (Vec<Vec<Passage>>, Vec<Vec<String>>) = records
        .iter()
        .map(|r| passages(r, options).into_iter().unzip())
        .unzip();
    let texts: Vec<&str> = texts.iter().flatten().map(String::as_str).collect();
    let texts = crate::prompts::as_passages(embedder, &texts);
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let vectors = embed_parallel(embedder, &texts, workers)?;
    Ok(Embedded {
        records,
        passages,
        vectors,
        elapsed: started.elapsed(),
    })
}

/// Embeds `texts` in `workers` concurrent calls (one call when 1), each
/// worker taking every `workers`-th text so the calls get similar lengths.
fn embed_parallel(
    embedder: &Embedder,
    texts: &[&str],
    workers: usize,
) -> Result<Vec<Vec<f32>>, EngineError> {
    if workers <= 1 || texts.len() < 2 {
        return Ok(embedder.embed(texts)?);
    }
    let workers = workers.min(texts.len());
    let parts: Vec<Vec<&str>> = (0..workers)
        .map(|w| texts.iter().skip(w).step_by(workers).copied().collect())
        .collect();
    let results: Vec<Result<Vec<Vec<f32>>, EngineError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .iter()
            .map(|part| scope.spawn(move || embedder.embed(part).map_err(EngineError::from)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("embedding thread panicked"))
            .collect()
    });
    let mut parts = results
        .into_iter()
        .map(|r| r.map(Vec::into_iter))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((0..texts.len())
        .map(|i| parts[i % workers].next().expect("a vector per text"))
        .collect())
}
