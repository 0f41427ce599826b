//! Indexing: upserts and deletes into both indexes of an index directory,
//! with embedding in between, and commits that keep the two in step (see
//! `check` for how the two commits are paired and how an index whose
//! commits were not is repaired).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use patsearch_embed::Embedder;
use patsearch_keyword::{KeywordIndex, KeywordWriter, PreparedDocument};
use patsearch_manifest::{program, IndexDir};
use patsearch_record::{FilterFields, PatentRecord, PublicationNumber};
use patsearch_vectors::{Passage, VectorConfig, VectorIndex};

use crate::check::{self, IndexCheck};
use crate::embed_queue::EmbedQueue;
use crate::passages::PassageOptions;
use crate::{Engine, EngineError, EngineOptions};

/// How an [`Indexer`] works.
#[derive(Debug, Clone)]
pub struct IndexerOptions {
    /// The model to embed with. `None` builds (or extends) a keyword-only
    /// index; an index that already has vectors then refuses new documents.
    pub embedder: Option<Arc<Embedder>>,
    /// What of each patent to embed. `None`: what the index records (see
    /// `VectorSection::description_passages`), or for a new vector index
    /// [`PassageOptions::default`]. A setting other than the recorded one
    /// is refused for an index that holds documents.
    pub passages: Option<PassageOptions>,
    /// Memory for the keyword writer's in-RAM segments.
    pub writer_memory_bytes: usize,
    /// Documents gathered before their passages are embedded together (the
    /// embedder sorts a call's texts by length, so larger calls pad less).
    pub embed_batch_documents: usize,
    /// Concurrent embedding calls a batch is split into. 1 (the default)
    /// makes one call, which the embedder already spreads over every core,
    /// so more calls only compete for the same cores (benches/README.md,
    /// "Figures behind the code's choices").
    pub embed_workers: usize,
    /// Vector index tuning.
    pub vectors: VectorConfig,
}

impl Default for IndexerOptions {
    fn default() -> Self {
        Self {
            embedder: None,
            passages: None,
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
    /// Time the embedding thread spent on the embedded documents.
    pub embedding_time: Duration,
    /// Time spent preparing upserts for the keyword index (the text
    /// analysis of the gist and near-duplicate signature, the document
    /// handed to the index's own threads).
    pub keyword_time: Duration,
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
/// durable, together. One indexer per index directory at a time (tantivy's
/// writer lock enforces it across processes).
///
/// Publication identity (as in `patsearch_keyword::KeywordWriter`): a
/// kindless number and the same number with a kind are one publication. An
/// upsert of `US8752472B2` replaces a stored `US8752472`; an upsert of
/// `US8752472` replaces every stored kind of it; `EP…A1` and `EP…B1` stay
/// two publications. Deletes follow the same rule.
pub struct Indexer {
    dir: IndexDir,
    keyword: KeywordIndex,
    writer: KeywordWriter,
    vectors: Option<VectorIndex>,
    embedder: Option<Arc<Embedder>>,
    options: IndexerOptions,
    passages: PassageOptions,
    /// Upserted into the keyword index, waiting to be embedded.
    pending: Vec<PatentRecord>,
    /// Batches being embedded beside the indexing (with an embedder).
    queue: Option<EmbedQueue>,
    /// Threads of [`Indexer::upsert_all`]'s text analysis: not the global
    /// pool, where the embedder's long batches would hold it up.
    preparers: Option<rayon::ThreadPool>,
    /// Numbers upserted since the last commit (invisible to the keyword
    /// reader until then), by base number, for the upserts and deletes that
    /// replace every kind of a number.
    uncommitted: HashMap<String, Vec<PublicationNumber>>,
    /// What the check at open found (before repairing it).
    opened: IndexCheck,
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
    ///
    /// Opening repairs the directory and commits the repair: a vector
    /// generation staged by a commit that never reached the keyword index is
    /// taken back, and when the two indexes' last commits were not paired
    /// (an index written before commits were paired, see `check`) they are
    /// compared document by document: vectors of documents without a keyword record
    /// are dropped, a kindless document beside a kind of the same number is
    /// dropped (the kinded one is the official record), and documents
    /// without vectors are embedded, when there is an embedder (without
    /// one they stay, and [`Indexer::opened`] lists them).
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
        let pairing = check::paired_generation(&keyword)?;
        let at = pairing.map(|g| g.unwrap_or(0));
        let vectors = match (&manifest.vectors, &embedder) {
            (Some(_), Some(e)) => Some(VectorIndex::open_or_create_at(
                &root,
                e.model_id(),
                e.dimension(),
                options.vectors,
                at,
            )?),
            (Some(section), None) => Some(VectorIndex::open_or_create_at(
                &root,
                &section.model,
                section.dimension,
                options.vectors,
                at,
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
        let passages = match &vectors {
            Some(_) => Some(Self::settle_passages(
                &dir,
                &keyword,
                &root,
                options.passages,
            )?),
            None => None,
        };
        let writer = keyword.writer(options.writer_memory_bytes)?;
        let opened = check::check(
            &keyword,
            vectors.as_ref(),
            check::is_paired(pairing, vectors.as_ref()),
        )?;
        let mut indexer = Self {
            dir,
            keyword,
            writer,
            vectors,
            embedder,
            options,
            passages: passages.unwrap_or_default(),
            pending: Vec::new(),
            queue: None,
            preparers: None,
            uncommitted: HashMap::new(),
            opened,
            progress: IndexProgress::default(),
            on_progress: None,
        };
        indexer.repair()?;
        Ok(indexer)
    }

    /// The passages every document of the index gets: the recorded ones,
    /// or `asked` recorded for an index without documents.
    fn settle_passages(
        dir: &IndexDir,
        keyword: &KeywordIndex,
        root: &std::path::Path,
        asked: Option<PassageOptions>,
    ) -> Result<PassageOptions, EngineError> {
        let recorded = dir
            .read_manifest()?
            .vectors
            .map(|section| section.description_passages)
            .unwrap_or(0);
        let documents = keyword.num_docs();
        match asked {
            Some(asked) if asked.description_paragraphs != recorded => {
                if documents > 0 {
                    return Err(EngineError::PassagesMismatch {
                        path: root.to_path_buf(),
                        recorded,
                        asked: asked.description_paragraphs,
                        documents,
                    });
                }
                dir.update_manifest(&program(), |m| {
                    if let Some(section) = &mut m.vectors {
                        section.description_passages = asked.description_paragraphs;
                    }
                })?;
                Ok(asked)
            }
            Some(asked) => Ok(asked),
            None if documents == 0 && recorded == 0 => {
                let default = PassageOptions::default();
                if default.description_paragraphs != 0 {
                    dir.update_manifest(&program(), |m| {
                        if let Some(section) = &mut m.vectors {
                            section.description_passages = default.description_paragraphs;
                        }
                    })?;
                }
                Ok(default)
            }
            None => Ok(PassageOptions {
                description_paragraphs: recorded,
            }),
        }
    }

    /// The passages this indexer embeds for each document.
    pub fn passages(&self) -> PassageOptions {
        self.passages
    }

    /// Repairs what the check at open found, and commits.
    fn repair(&mut self) -> Result<(), EngineError> {
        let found = self.opened.clone();
        if !found.compared || (found.is_complete() && found.paired) {
            return Ok(());
        }
        let root = self.dir.root().display().to_string();
        if !found.is_complete() {
            tracing::warn!(index = %root, "repairing the index: {}", found.summary());
        }
        for number in &found.duplicates {
            self.writer.delete_exact(number);
            if let Some(vectors) = &mut self.vectors {
                vectors.delete(number);
            }
        }
        if let Some(vectors) = &mut self.vectors {
            for number in &found.orphan_vectors {
                vectors.delete(number);
            }
        }
        if self.embedder.is_some() {
            for number in &found.missing_vectors {
                if found.duplicates.contains(number) {
                    continue;
                }
                if let Some(record) = self.keyword.get(number)? {
                    self.pending.push(record);
                    if self.pending.len() >= self.options.embed_batch_documents {
                        self.embed_pending()?;
                    }
                }
            }
        } else if !found.missing_vectors.is_empty() {
            tracing::warn!(
                index = %root,
                "{} documents have no vectors and no model was given to embed them: open the index for writing with its model to repair it",
                found.missing_vectors.len()
            );
        }
        // Also when nothing needed repairing: the commit pairs the two
        // indexes, so later opens need not compare them again.
        self.commit()
    }

    /// What the consistency check at open found, before the repair (see
    /// [`Indexer::open_or_create`]).
    pub fn opened(&self) -> &IndexCheck {
        &self.opened
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

    /// Adds the record, replacing any document of the same publication (see
    /// the identity rule above). Visible to searches after
    /// [`Indexer::commit`].
    pub fn upsert(&mut self, record: PatentRecord) -> Result<(), EngineError> {
        self.upsert_inner(record, None)
            .map_err(|e| e.on_disk_of(self.dir.root()))
    }

    /// [`Indexer::upsert`] of each record in turn, with the keyword index's
    /// text analysis of all of them (most of an upsert's own cost) spread
    /// over the cores first.
    pub fn upsert_all(&mut self, records: Vec<PatentRecord>) -> Result<(), EngineError> {
        use rayon::prelude::*;
        let started = std::time::Instant::now();
        let preparer = self.writer.preparer();
        let pool = self.preparers.get_or_insert_with(|| {
            rayon::ThreadPoolBuilder::new()
                .thread_name(|i| format!("patsearch-prepare-{i}"))
                .build()
                .expect("the preparing threads start")
        });
        let prepared: Vec<PreparedDocument> = pool.install(|| {
            records
                .par_iter()
                .map_init(|| preparer.clone(), |p, record| p.prepare(record))
                .collect()
        });
        self.progress.keyword_time += started.elapsed();
        for (record, document) in records.into_iter().zip(prepared) {
            self.upsert_inner(record, Some(document))
                .map_err(|e| e.on_disk_of(self.dir.root()))?;
        }
        Ok(())
    }

    fn upsert_inner(
        &mut self,
        record: PatentRecord,
        prepared: Option<PreparedDocument>,
    ) -> Result<(), EngineError> {
        if let (Some(vectors), None) = (&self.vectors, &self.embedder) {
            return Err(EngineError::ModelNeededToIndex {
                path: self.dir.root().to_path_buf(),
                model: vectors.model().to_string(),
            });
        }
        let number = record.publication_number.clone();
        if let Err(e) = self.settle_in_flight(&number.base()) {
            self.roll_back();
            return Err(e);
        }
        // The other stored numbers this upsert replaces, for the vector
        // side (the keyword writer deletes them by term itself).
        let replaced = match number.kind() {
            Some(_) => vec![number.clone().with_kind(None)],
            None => self
                .stored_numbers(&number)?
                .into_iter()
                .filter(|n| *n != number)
                .collect(),
        };
        let started = std::time::Instant::now();
        match prepared {
            Some(document) => self.writer.upsert_prepared(document)?,
            None => self.writer.upsert(&record)?,
        }
        self.progress.keyword_time += started.elapsed();
        for n in &replaced {
            self.forget_uncommitted(|m| m == n);
            if let Some(vectors) = &mut self.vectors {
                vectors.delete(n);
            }
        }
        let same_base = self.uncommitted.entry(number.base()).or_default();
        if !same_base.contains(&number) {
            same_base.push(number);
        }
        self.progress.documents += 1;
        if self.vectors.is_some() {
            self.pending.push(record);
            if self.pending.len() >= self.options.embed_batch_documents {
                if let Err(e) = self.embed_pending() {
                    // Its keyword upserts are in the writer already: a
                    // later commit must not publish them without vectors.
                    self.roll_back();
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Deletes a publication from both indexes: with a kind, that kind and
    /// the kindless form of the number; without one, every kind of it.
    /// Returns whether the index held it.
    pub fn delete(&mut self, number: &PublicationNumber) -> Result<bool, EngineError> {
        if let Err(e) = self.settle_in_flight(&number.base()) {
            self.roll_back();
            return Err(e);
        }
        let mut numbers = self.stored_numbers(number)?;
        if number.kind().is_some() {
            numbers.extend(self.stored_numbers(&number.clone().with_kind(None))?);
        }
        let mut found = !numbers.is_empty();
        numbers.push(number.clone());
        numbers.sort();
        numbers.dedup();

        self.writer.delete(number);
        if number.kind().is_some() {
            self.writer.delete_exact(&number.clone().with_kind(None));
        }
        for n in &numbers {
            self.forget_uncommitted(|m| m == n);
            if let Some(vectors) = &mut self.vectors {
                found |= vectors.delete(n);
            }
        }
        Ok(found)
    }

    /// The stored numbers `number` names (committed ones from the keyword
    /// index, uncommitted ones from this session): every kind of it when it
    /// has none, else itself when stored.
    fn stored_numbers(
        &self,
        number: &PublicationNumber,
    ) -> Result<Vec<PublicationNumber>, EngineError> {
        let mut numbers = self.keyword.stored_numbers(number)?;
        if let Some(uncommitted) = self.uncommitted.get(&number.base()) {
            numbers.extend(
                uncommitted
                    .iter()
                    .filter(|n| number.kind().is_none() || *n == number)
                    .cloned(),
            );
        }
        numbers.sort();
        numbers.dedup();
        Ok(numbers)
    }

    /// Drops uncommitted upserts of numbers `gone` matches from the records
    /// waiting to be embedded and from this session's numbers.
    fn forget_uncommitted(&mut self, gone: impl Fn(&PublicationNumber) -> bool) {
        self.pending.retain(|r| !gone(&r.publication_number));
        for numbers in self.uncommitted.values_mut() {
            numbers.retain(|n| !gone(n));
        }
    }

    /// Embeds what is pending, then makes every change durable and
    /// visible, on both indexes or on neither.
    ///
    /// The keyword writer flushes its segments first (`prepare_commit`: the
    /// bulk of its writing, so a full disk fails it here), then the vector
    /// index stages a new generation, keeping the one before it, then the
    /// keyword commit is published with a payload naming that generation:
    /// that commit is the commit point of both. A process killed before it
    /// leaves the previous keyword commit, which names the previous vector
    /// generation, and the next open loads (and, writing, takes back to) that
    /// one; killed after it, both are new. Then the previous vector
    /// generation's files are removed.
    ///
    /// When any step fails the whole commit is rolled back: the keyword
    /// writer drops every change since the last commit and its files, the
    /// vector index takes its staged generation back and reloads the last
    /// committed one, and the changes not yet committed are lost (the
    /// indexer stays usable). Nothing of them is visible, then or after a
    /// restart, and no temporary file of them stays.
    pub fn commit(&mut self) -> Result<(), EngineError> {
        self.commit_inner()
            .map_err(|e| e.on_disk_of(self.dir.root()))
    }

    fn commit_inner(&mut self) -> Result<(), EngineError> {
        if let Err(e) = self.embed_pending().and_then(|()| self.add_embedded(true)) {
            self.roll_back();
            return Err(e);
        }
        let committed = check::commit_pair(&mut self.writer, self.vectors.as_mut());
        if let Err(e) = committed {
            // Both indexes have rolled back already.
            self.pending.clear();
            self.uncommitted.clear();
            return Err(e);
        }
        self.uncommitted.clear();
        self.keyword.reload()?;
        Ok(())
    }

    /// Drops every change since the last commit, on both indexes.
    fn roll_back(&mut self) {
        if let Err(e) = self.writer.rollback() {
            tracing::warn!("keyword index: rollback: {e}");
        }
        if let Some(queue) = &mut self.queue {
            queue.discard();
        }
        self.roll_back_vectors();
        self.pending.clear();
        self.uncommitted.clear();
    }

    fn roll_back_vectors(&mut self) {
        if let Some(vectors) = &mut self.vectors {
            if let Err(e) = vectors.unstage() {
                tracing::warn!("vector index: rollback: {e}");
            }
        }
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
    /// wrote at least a quarter of the index's documents, the keyword
    /// index's segments under the merge bound are also merged (into one for
    /// an index under it; see `KeywordWriter::finish_merged`). The merge
    /// rewrites those segments: worth it after a bulk load, not after a few
    /// additions to a large index, which tantivy's merge policy looks after.
    pub fn finish_bulk(self) -> Result<Engine, EngineError> {
        self.finish_inner(EngineOptions::default(), true)
    }

    fn finish_inner(mut self, options: EngineOptions, bulk: bool) -> Result<Engine, EngineError> {
        self.commit()?;
        let root = self.dir.root().to_path_buf();
        let finished =
            if bulk && self.progress.documents.saturating_mul(4) >= self.keyword.num_docs() {
                self.writer.finish_merged()
            } else {
                self.writer.finish()
            };
        finished.map_err(|e| EngineError::from(e).on_disk_of(&root))?;
        let keyword = self.keyword.with_config(options.keyword);
        keyword.reload()?;
        let state = check::check(&keyword, self.vectors.as_ref(), true)?;
        Ok(Engine::from_parts(
            self.dir,
            keyword,
            self.vectors,
            self.embedder,
            options.candidates_per_mode(),
            state,
        ))
    }

    /// Hands the pending records to the embedding thread (started on first
    /// use) and adds to the vector index the batches it has finished.
    fn embed_pending(&mut self) -> Result<(), EngineError> {
        if !self.pending.is_empty() {
            let (Some(_), Some(embedder)) = (&self.vectors, &self.embedder) else {
                self.pending.clear();
                return Ok(());
            };
            let queue = self.queue.get_or_insert_with(|| {
                EmbedQueue::start(
                    Arc::clone(embedder),
                    self.passages,
                    self.options.embed_workers,
                )
            });
            queue.send(std::mem::take(&mut self.pending));
        }
        self.add_embedded(false)
    }

    /// Adds finished batches' vectors to the vector index, in the order the
    /// batches were sent; with `wait`, every batch in flight.
    fn add_embedded(&mut self, wait: bool) -> Result<(), EngineError> {
        let Some(queue) = &mut self.queue else {
            return Ok(());
        };
        while let Some(outcome) = queue.next(wait) {
            let batch = outcome?;
            let vectors = self
                .vectors
                .as_mut()
                .expect("batches are embedded for an index with vectors");
            let mut next = batch.vectors.iter();
            for (record, passages) in batch.records.iter().zip(&batch.passages) {
                let with_vectors: Vec<(Passage, &[f32])> = passages
                    .iter()
                    .map(|p| {
                        (
                            p.clone(),
                            next.next().expect("a vector per passage").as_slice(),
                        )
                    })
                    .collect();
                vectors.upsert(
                    &record.publication_number,
                    FilterFields::of(record),
                    &with_vectors,
                )?;
            }
            self.progress.embedded_documents += batch.records.len() as u64;
            self.progress.embedded_passages += batch.vectors.len() as u64;
            self.progress.embedding_time += batch.elapsed;
            if let Some(f) = &mut self.on_progress {
                f(&self.progress);
            }
        }
        Ok(())
    }

    /// Waits for the vectors of every record in flight when one of `base`'s
    /// is: a delete or replacement of it must come after them.
    fn settle_in_flight(&mut self, base: &str) -> Result<(), EngineError> {
        if self.queue.as_ref().is_some_and(|q| q.holds(base)) {
            self.add_embedded(true)?;
        }
        Ok(())
    }
}
