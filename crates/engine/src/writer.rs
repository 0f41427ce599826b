//! Indexing: upserts and deletes into both indexes of an index directory,
//! with embedding in between, and commits that keep the two in step.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use patsearch_embed::Embedder;
use patsearch_keyword::{KeywordIndex, KeywordWriter};
use patsearch_manifest::IndexDir;
use patsearch_record::{FilterFields, Filters, PatentRecord, PublicationNumber};
use patsearch_vectors::{Passage, VectorConfig, VectorIndex};

use crate::passages::{passages, PassageOptions};
use crate::{Engine, EngineError, EngineOptions};

/// How an [`Indexer`] works.
#[derive(Debug, Clone)]
pub struct IndexerOptions {
    /// The model to embed with. `None` builds (or extends) a keyword-only
    /// index; an index that already has vectors then refuses new documents.
    pub embedder: Option<Arc<Embedder>>,
    /// What of each patent to embed.
    pub passages: PassageOptions,
    /// Memory for the keyword writer's in-RAM segments.
    pub writer_memory_bytes: usize,
    /// Documents gathered before their passages are embedded together (the
    /// embedder sorts a call's texts by length, so larger calls pad less).
    pub embed_batch_documents: usize,
    /// Concurrent embedding calls a batch is split into. 1 (the default)
    /// makes one call, whose matrix products candle already spreads over
    /// every core: on 2 cores that measured faster than 2 concurrent calls
    /// (see ARCHITECTURE.md).
    pub embed_workers: usize,
    /// Vector index tuning.
    pub vectors: VectorConfig,
}

impl Default for IndexerOptions {
    fn default() -> Self {
        Self {
            embedder: None,
            passages: PassageOptions::default(),
            writer_memory_bytes: 256 * 1024 * 1024,
            embed_batch_documents: 64,
            embed_workers: 1,
            vectors: VectorConfig::default(),
        }
    }
}

/// Counts reported to the progress callback after each embedded batch.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct IndexProgress {
    /// Documents upserted since the indexer opened.
    pub documents: u64,
    /// Documents embedded and added to the vector index.
    pub embedded_documents: u64,
    /// Passages (vectors) embedded.
    pub embedded_passages: u64,
    /// Time spent embedding.
    pub embedding_time: Duration,
}

impl IndexProgress {
    /// Documents embedded per second of embedding.
    pub fn documents_per_second(&self) -> f64 {
        self.embedded_documents as f64 / self.embedding_time.as_secs_f64().max(1e-9)
    }
}

type ProgressFn = Box<dyn FnMut(&IndexProgress) + Send>;

/// Writes one index directory: every upsert goes to the keyword index at
/// once and, when the index has vectors, to the vector index after its
/// batch is embedded; deletes go to both; [`Indexer::commit`] makes both
/// durable. One indexer per index directory at a time (tantivy's writer
/// lock enforces it across processes).
pub struct Indexer {
    dir: IndexDir,
    keyword: KeywordIndex,
    writer: KeywordWriter,
    vectors: Option<VectorIndex>,
    embedder: Option<Arc<Embedder>>,
    options: IndexerOptions,
    /// Upserted into the keyword index, waiting to be embedded.
    pending: Vec<PatentRecord>,
    /// Numbers upserted since the last commit (invisible to the keyword
    /// reader until then), for deletes by number without kind.
    uncommitted: HashSet<PublicationNumber>,
    progress: IndexProgress,
    on_progress: Option<ProgressFn>,
}

impl std::fmt::Debug for Indexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexer")
            .field("root", &self.dir.root())
            .field("keyword", &self.keyword)
            .field("vectors", &self.vectors)
            .field("pending", &self.pending.len())
            .field("progress", &self.progress)
            .finish_non_exhaustive()
    }
}

impl Indexer {
    /// Opens an existing index directory for writing (a directory that is
    /// not one is refused with advice on building one).
    pub fn open(root: impl Into<PathBuf>, options: IndexerOptions) -> Result<Self, EngineError> {
        let root = root.into();
        IndexDir::open(&root)?;
        Self::open_or_create(root, options)
    }

    /// Opens the index directory for writing, creating it when absent.
    ///
    /// With an embedder, the vector index is opened or created for its
    /// model; an index built with another model is refused
    /// ([`patsearch_vectors::VectorError::ModelMismatch`]), and so is an
    /// index whose existing documents have no vectors
    /// ([`EngineError::DocumentsWithoutVectors`]). Without one, an index
    /// with vectors opens (deletes work) but refuses upserts
    /// ([`EngineError::ModelNeededToIndex`]).
    pub fn open_or_create(
        root: impl Into<PathBuf>,
        options: IndexerOptions,
    ) -> Result<Self, EngineError> {
        let root = root.into();
        if options.embed_batch_documents == 0 || options.embed_workers == 0 {
            return Err(EngineError::InvalidRequest(
                "embed_batch_documents and embed_workers must be at least 1".into(),
            ));
        }
        let keyword = KeywordIndex::open_or_create(&root)?;
        let (dir, manifest) = IndexDir::open(&root)?;
        let embedder = options.embedder.clone();
        let vectors = match (&manifest.vectors, &embedder) {
            (Some(_), Some(e)) => Some(VectorIndex::open_or_create(
                &root,
                e.model_id(),
                e.dimension(),
                options.vectors,
            )?),
            (Some(section), None) => Some(VectorIndex::open(
                &root,
                &section.model,
                section.dimension,
                options.vectors,
            )?),
            (None, Some(e)) => {
                let documents = keyword.num_docs();
                if documents > 0 {
                    return Err(EngineError::DocumentsWithoutVectors {
                        path: root,
                        documents,
                    });
                }
                Some(VectorIndex::open_or_create(
                    &root,
                    e.model_id(),
                    e.dimension(),
                    options.vectors,
                )?)
            }
            (None, None) => None,
        };
        let writer = keyword.writer(options.writer_memory_bytes)?;
        Ok(Self {
            dir,
            keyword,
            writer,
            vectors,
            embedder,
            options,
            pending: Vec::new(),
            uncommitted: HashSet::new(),
            progress: IndexProgress::default(),
            on_progress: None,
        })
    }

    /// Calls `f` after each embedded batch (and at commits).
    pub fn set_progress(&mut self, f: impl FnMut(&IndexProgress) + Send + 'static) {
        self.on_progress = Some(Box::new(f));
    }

    pub fn progress(&self) -> &IndexProgress {
        &self.progress
    }

    /// Whether documents get vectors.
    pub fn embeds(&self) -> bool {
        self.vectors.is_some()
    }

    /// Changes (upserts and deletes) since the last commit.
    pub fn pending_changes(&self) -> u64 {
        self.writer.pending()
    }

    /// Adds the record, replacing any document with the same publication
    /// number. Visible to searches after [`Indexer::commit`].
    pub fn upsert(&mut self, record: PatentRecord) -> Result<(), EngineError> {
        if let (Some(vectors), None) = (&self.vectors, &self.embedder) {
            return Err(EngineError::ModelNeededToIndex {
                path: self.dir.root().to_path_buf(),
                model: vectors.model().to_string(),
            });
        }
        self.writer.upsert(&record)?;
        self.uncommitted.insert(record.publication_number.clone());
        self.progress.documents += 1;
        if self.vectors.is_some() {
            self.pending.push(record);
            if self.pending.len() >= self.options.embed_batch_documents {
                self.embed_pending()?;
            }
        }
        Ok(())
    }

    /// Deletes a publication from both indexes (every kind of it when the
    /// number has none). Returns whether the index held it.
    pub fn delete(&mut self, number: &PublicationNumber) -> Result<bool, EngineError> {
        let same = |n: &PublicationNumber| match number.kind() {
            Some(_) => n == number,
            None => n.base() == number.base(),
        };
        // Every stored number this deletes: committed ones from the keyword
        // index, uncommitted ones from this session.
        let committed: Vec<PublicationNumber> = match number.kind() {
            Some(_) => self
                .keyword
                .get(number)?
                .map(|r| r.publication_number)
                .into_iter()
                .collect(),
            None => self
                .keyword
                .candidates(&format!("pn:{}", number.base()), &Filters::default(), 1000)?
                .into_iter()
                .filter_map(|(n, _)| n.parse().ok())
                .collect(),
        };
        let mut numbers = committed;
        numbers.extend(self.uncommitted.iter().filter(|n| same(n)).cloned());
        let mut found = !numbers.is_empty();
        numbers.push(number.clone());
        numbers.sort();
        numbers.dedup();

        self.writer.delete(number);
        self.pending.retain(|r| !same(&r.publication_number));
        self.uncommitted.retain(|n| !same(n));
        if let Some(vectors) = &mut self.vectors {
            for n in &numbers {
                found |= vectors.delete(n);
            }
        }
        Ok(found)
    }

    /// Embeds what is pending, then makes every change durable and visible.
    ///
    /// The keyword index commits first, the vector index second. The keyword
    /// index holds the canonical records (what `get`, snippets and titles
    /// read), so after a crash between the two commits it is the one that is
    /// up to date, and the vector index lags by at most one batch: documents
    /// just upserted lack (new) vectors until they are upserted again (which
    /// re-running the interrupted ingest does), and documents just deleted
    /// may still have vectors, which searches skip because their record is
    /// gone. The other order would let a crash leave semantic hits without a
    /// record to show, and new records absent from keyword search.
    pub fn commit(&mut self) -> Result<(), EngineError> {
        self.embed_pending()?;
        self.writer.commit()?;
        if let Some(vectors) = &mut self.vectors {
            vectors.commit()?;
        }
        self.keyword.reload()?;
        self.uncommitted.clear();
        Ok(())
    }

    /// Commits, waits for the keyword index's background merges and hands
    /// over an [`Engine`] on the index just written (its vector index as
    /// built, not reloaded).
    pub fn finish(self) -> Result<Engine, EngineError> {
        self.finish_with(EngineOptions::default())
    }

    /// [`Indexer::finish`] with search options (the model and vector
    /// options of `options` are not used: the indexer's are kept).
    pub fn finish_with(self, options: EngineOptions) -> Result<Engine, EngineError> {
        self.finish_inner(options, false)
    }

    /// [`Indexer::finish`] after a load of many documents: when this indexer
    /// wrote at least a quarter of the index's documents, the keyword index
    /// is also merged into one segment (see `KeywordWriter::finish_merged`).
    /// The merge rewrites the whole index: worth it after a bulk load, not
    /// after a few additions to a large index, which tantivy's merge policy
    /// looks after.
    pub fn finish_bulk(self) -> Result<Engine, EngineError> {
        self.finish_inner(EngineOptions::default(), true)
    }

    fn finish_inner(mut self, options: EngineOptions, bulk: bool) -> Result<Engine, EngineError> {
        self.commit()?;
        if bulk && self.progress.documents.saturating_mul(4) >= self.keyword.num_docs() {
            self.writer.finish_merged()?;
        } else {
            self.writer.finish()?;
        }
        let keyword = self.keyword.with_config(options.keyword);
        keyword.reload()?;
        Ok(Engine::from_parts(
            self.dir,
            keyword,
            self.vectors,
            self.embedder,
            options.candidates,
        ))
    }

    /// Embeds the pending records' passages and adds them to the vector index.
    fn embed_pending(&mut self) -> Result<(), EngineError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let (Some(vectors), Some(embedder)) = (&mut self.vectors, &self.embedder) else {
            self.pending.clear();
            return Ok(());
        };
        let started = Instant::now();
        let records = std::mem::take(&mut self.pending);
        let per_doc: Vec<Vec<(Passage, String)>> = records
            .iter()
            .map(|r| passages(r, &self.options.passages))
            .collect();
        let texts: Vec<&str> = per_doc
            .iter()
            .flat_map(|p| p.iter().map(|(_, t)| t.as_str()))
            .collect();
        let embedded = embed_parallel(embedder, &texts, self.options.embed_workers)?;
        let mut next = embedded.iter();
        for (record, doc_passages) in records.iter().zip(&per_doc) {
            let with_vectors: Vec<(Passage, &[f32])> = doc_passages
                .iter()
                .map(|(p, _)| {
                    (
                        p.clone(),
                        next.next().expect("a vector per text").as_slice(),
                    )
                })
                .collect();
            vectors.upsert(
                &record.publication_number,
                FilterFields::of(record),
                &with_vectors,
            )?;
        }
        self.progress.embedded_documents += records.len() as u64;
        self.progress.embedded_passages += texts.len() as u64;
        self.progress.embedding_time += started.elapsed();
        if let Some(f) = &mut self.on_progress {
            f(&self.progress);
        }
        Ok(())
    }
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
