//! What every handler shares: the settings, the engine being served, the
//! write lock and the metrics.
//!
//! ## Reads during writes
//!
//! The served [`Engine`] sits in an [`ArcSwap`]. A request takes a snapshot
//! (`Arc<Engine>`) when it starts and uses it to the end; an engine never
//! changes once it is published (its keyword reader is never reloaded and
//! its vector index lives in its own memory). A write, one at a time under
//! the write lock, opens the engine's [`Indexer`] on the same directory,
//! applies every change of the request, commits (one commit paired across
//! both indexes, see `Indexer::commit`), and publishes the fresh engine the indexer hands over with one
//! atomic swap. So a search sees the index wholly before or wholly after a
//! write, never half of it: records and vectors come from the same engine.
//! A request whose changes fail part-way is dropped before its commit, so
//! nothing of it becomes visible. Searches that began before the swap
//! finish on the old engine, which is freed when the last of them ends
//! (tantivy's files stay readable through their open maps meanwhile).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use patsearch_embed::Embedder;
use patsearch_engine::{Engine, EngineError, EngineOptions, Indexer, IndexerOptions, FETCH_HINT};

use crate::config::Config;
use crate::cpc_titles::CpcTitles;
use crate::error::ApiError;
use crate::metrics::{IndexGauges, Metrics};
use crate::work::{Lane, WorkPool};

/// Memory for the keyword writer of a write request (tantivy's minimum is
/// 15 MB per indexing thread); requests are small, the served engine's
/// memory matters more.
const WRITER_MEMORY_BYTES: usize = 64 * 1024 * 1024;

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the index {path}: {source}")]
    Index {
        path: std::path::PathBuf,
        #[source]
        source: EngineError,
    },
    #[error("the index {index} holds vectors of model {model}, and the embedding model is not at {dir}: {hint}", hint = FETCH_HINT)]
    ModelMissing {
        index: std::path::PathBuf,
        model: String,
        dir: std::path::PathBuf,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
    #[error("the index could not be opened: {0}")]
    Join(String),
    #[error(transparent)]
    CpcTitles(#[from] crate::cpc_titles::CpcTitlesError),
}

/// Repairs the index `engine` was opened on (an [`Indexer`]'s open does it)
/// and opens the repaired one.
fn repair(config: &Config, engine: &Engine) -> Result<Engine, EngineError> {
    let found = engine.index_check();
    if !found.is_complete() {
        tracing::warn!(index = %config.index.display(), "repairing the index: {}", found.summary());
    }
    let indexer = Indexer::open(&config.index, indexer_options(config, engine.embedder()))?;
    finish(indexer, config)
}

/// How a write opens the index: the served model, and the vector index
/// tuned as the served one is.
fn indexer_options(config: &Config, embedder: Option<&Arc<Embedder>>) -> IndexerOptions {
    IndexerOptions {
        embedder: embedder.cloned(),
        writer_memory_bytes: WRITER_MEMORY_BYTES,
        vectors: config.engine_options().vectors,
        ..IndexerOptions::default()
    }
}

/// The engine a write hands over, searching as configured.
fn finish(indexer: Indexer, config: &Config) -> Result<Engine, EngineError> {
    indexer.finish_with(config.engine_options())
}

/// The shared state of the server (cheap to clone).
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    config: Config,
    engine: ArcSwap<Engine>,
    /// The query model, also used to embed written documents.
    embedder: Option<Arc<Embedder>>,
    /// One write at a time (tantivy allows one writer per index).
    write_lock: Mutex<()>,
    metrics: Metrics,
    draining: AtomicBool,
    /// Where reads run (bounded lanes, see [`crate::work`]).
    pool: WorkPool,
    /// Subclass titles for the CPC facet (empty unless configured).
    cpc_titles: CpcTitles,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.0.config)
            .field("engine", &self.0.engine.load())
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Opens the index of `config` with its model (loaded when the index has
    /// vectors; a missing model is an error then, with the way to fetch it).
    /// Blocking: call it off the async runtime.
    ///
    /// An index whose two sides were found not to agree (written by an
    /// earlier build: documents without vectors, vectors without a record,
    /// a kindless duplicate of a kinded publication) is repaired before
    /// serving, as any writer's open does ([`Indexer::open`]): missing
    /// vectors are embedded with the model. When the repair fails (a
    /// read-only or full disk) the index is served as it is, and `/readyz`
    /// says it is incomplete.
    pub fn open(config: Config) -> Result<Self, StartError> {
        let cpc_titles = match &config.cpc_titles {
            Some(path) => {
                let titles = CpcTitles::load(path)?;
                tracing::info!(
                    "CPC titles: {} subclasses from {}",
                    titles.len(),
                    path.display()
                );
                titles
            }
            None => CpcTitles::default(),
        };
        let index_error = |source| StartError::Index {
            path: config.index.clone(),
            source,
        };
        let model_present = config.model.join("config.json").is_file();
        let engine = Engine::open(
            &config.index,
            EngineOptions {
                model_dir: model_present.then(|| config.model.clone()),
                ..config.engine_options()
            },
        )
        .map_err(index_error)?;
        if engine.has_vectors() && engine.embedder().is_none() {
            return Err(StartError::ModelMissing {
                index: config.index.clone(),
                model: engine.model().unwrap_or_default().to_string(),
                dir: config.model.clone(),
            });
        }
        let engine = if engine.index_check().compared {
            match repair(&config, &engine) {
                Ok(repaired) => repaired,
                Err(e) => {
                    tracing::error!(index = %config.index.display(), "the index could not be repaired, serving it as it is: {e}");
                    engine
                }
            }
        } else {
            engine
        };
        // Built before the first search rather than by it.
        engine.families().map_err(index_error)?;
        Ok(Self::from_parts(config, engine, cpc_titles))
    }

    /// Serves an engine already open (tests), with the CPC titles of the
    /// configuration when they load.
    pub fn from_engine(config: Config, engine: Engine) -> Self {
        let cpc_titles = config
            .cpc_titles
            .as_deref()
            .and_then(|path| CpcTitles::load(path).ok())
            .unwrap_or_default();
        Self::from_parts(config, engine, cpc_titles)
    }

    fn from_parts(config: Config, engine: Engine, cpc_titles: CpcTitles) -> Self {
        let embedder = engine.embedder().cloned();
        let pool = WorkPool::new(config.pool_limits());
        Self(Arc::new(Inner {
            config,
            engine: ArcSwap::from_pointee(engine),
            embedder,
            write_lock: Mutex::new(()),
            metrics: Metrics::default(),
            draining: AtomicBool::new(false),
            pool,
            cpc_titles,
        }))
    }

    /// The CPC subclass titles the server was given (empty when none).
    pub(crate) fn cpc_titles(&self) -> &CpcTitles {
        &self.0.cpc_titles
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// The engine to use for the whole of one request.
    pub fn engine(&self) -> Arc<Engine> {
        self.0.engine.load_full()
    }

    /// Runs a read in `lane` of the pool (see [`crate::work`]) with the
    /// server's request timeout as its deadline.
    pub(crate) fn read<T, F>(
        &self,
        lane: Lane,
        work: F,
    ) -> impl std::future::Future<Output = Result<T, ApiError>> + Send + 'static
    where
        T: Send + 'static,
        F: FnOnce(&patsearch_record::Cancellation) -> Result<T, ApiError> + Send + 'static,
    {
        let deadline = std::time::Instant::now() + self.0.config.request_timeout;
        self.0.pool.run(lane, deadline, work)
    }

    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    pub fn index_gauges(&self) -> IndexGauges {
        let engine = self.0.engine.load();
        let vectors = engine.num_vectors();
        IndexGauges {
            documents: engine.num_docs(),
            vector_documents: vectors.map(|(d, _)| d as u64),
            vectors: vectors.map(|(_, v)| v as u64),
        }
    }

    /// Marks the server as shutting down (`/readyz` answers 503 from then on).
    pub fn start_draining(&self) {
        self.0.draining.store(true, Ordering::SeqCst);
    }

    pub fn is_draining(&self) -> bool {
        self.0.draining.load(Ordering::SeqCst)
    }

    /// Whether the server can answer every kind of request: not shutting
    /// down, and the model loaded when the index has vectors. `Err` says why not.
    pub fn readiness(&self) -> Result<(), String> {
        if self.is_draining() {
            return Err("shutting down".into());
        }
        let engine = self.0.engine.load();
        if engine.has_vectors() && engine.embedder().is_none() {
            return Err("the embedding model is not loaded".into());
        }
        Ok(())
    }

    /// Runs `change` on an [`Indexer`] of the served index, commits, and
    /// publishes the resulting engine (see the module docs). One write at a
    /// time; blocking (embedding runs here), so call it in `spawn_blocking`.
    /// When `change` fails, nothing is committed and the served engine stays.
    pub fn write<T>(
        &self,
        change: impl FnOnce(&mut Indexer) -> Result<T, ApiError>,
    ) -> Result<(T, Arc<Engine>), ApiError> {
        let _guard = self.0.write_lock.lock().unwrap_or_else(|e| e.into_inner());
        let root: &Path = &self.0.config.index;
        let mut indexer = Indexer::open(
            root,
            indexer_options(&self.0.config, self.0.embedder.as_ref()),
        )?;
        let out = change(&mut indexer)?;
        let engine = Arc::new(finish(indexer, &self.0.config)?);
        // Families are built once per commit: here, rather than by the
        // first search after the write.
        engine.families()?;
        self.0.engine.store(engine.clone());
        Ok((out, engine))
    }

    /// Whether writes are enabled (an API key is configured).
    pub fn writes_enabled(&self) -> bool {
        self.0.config.api_key.is_some()
    }

    /// Checks a presented key against the configured one (in time that does
    /// not depend on where they differ).
    pub fn key_matches(&self, presented: &str) -> bool {
        match &self.0.config.api_key {
            Some(key) => constant_time_eq(key.as_bytes(), presented.as_bytes()),
            None => false,
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use patsearch_engine::Candidates;
    use patsearch_record::{PatentRecord, PublicationNumber};

    use super::*;
    use crate::config::Settings;

    #[test]
    fn keys_compare_whole() {
        assert!(super::constant_time_eq(b"secret-key", b"secret-key"));
        assert!(!super::constant_time_eq(b"secret-key", b"secret-kez"));
        assert!(!super::constant_time_eq(b"secret-key", b"secret"));
    }

    #[test]
    fn the_served_engine_searches_as_configured_before_and_after_a_write() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join("idx");
        Indexer::open_or_create(&index, IndexerOptions::default())
            .unwrap()
            .finish()
            .unwrap();
        let config = Settings {
            index: Some(index),
            candidates: Some(50),
            hybrid_candidates: Some(300),
            ..Settings::default()
        }
        .resolve()
        .unwrap();
        let expected = Candidates {
            semantic: 50,
            hybrid: 300,
        };
        let state = AppState::open(config).unwrap();
        assert_eq!(state.engine().candidates(), expected);
        state
            .write(|indexer| {
                let number: PublicationNumber = "US1000001B2".parse().unwrap();
                indexer.upsert(PatentRecord::new(number))?;
                Ok(())
            })
            .unwrap();
        assert_eq!(state.engine().num_docs(), 1);
        assert_eq!(state.engine().candidates(), expected);
    }
}
