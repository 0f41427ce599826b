//! The vector index for semantic search over patents.
//!
//! Owns the `vectors/` side of an index directory and the manifest's
//! `vectors` section (model identity and dimension). Each document is stored
//! as several unit vectors, one per passage (title and abstract, each
//! independent claim, optionally description paragraphs), with the filter
//! fields of the document (`store`). An HNSW graph indexes the vectors
//! (`graph`): hnsw_rs builds, extends, dumps and reloads it over 8-bit codes
//! of the vectors, and searches walk a flat copy of its links. Structured
//! filters are the record crate's `Filters::matches`, evaluated per document
//! and applied during the walk (only allowed vectors become results), or by
//! an exact scan when they leave few vectors (`filter`, `search`). A document
//! scores by its best passage, computed on the full-precision vectors, and a
//! hit says which passage matched. Upserts replace a document's vectors (the
//! old ones become tombstones until `compact`), deletes tombstone them;
//! `commit` writes a new generation of files crash-safely, and start-up
//! reloads it without re-embedding or rebuilding anything (`persist`).
//! A commit paired with another store's is `stage`, then that store's
//! commit, then `settle` (or `unstage` when it failed); opening `at` the
//! generation the other store's last commit names loads the generation
//! paired with it, so a crash between the two commits takes the staged one
//! back.
//!
//! Not for: computing embeddings (the embed crate hands over normalised
//! vectors), keyword search, or fusing rankings; the search engine combines
//! this with the keyword index and keeps both in step.

mod filter;
mod graph;
mod hint;
mod persist;
mod search;
mod store;

use std::path::PathBuf;

use patsearch_manifest::{program, IndexDir, ManifestError, VectorSection};
use patsearch_record::{FilterFields, Filters, PublicationNumber};

use crate::filter::{FilterCache, Scope};
use crate::graph::{Graph, GraphParams};

pub use persist::VECTORS_FORMAT;
pub use search::VectorHit;
pub use store::{Passage, PassageKind, StoredVector};

/// How far a stored or given vector's squared norm may be from 1.
const NORM_TOLERANCE: f32 = 1e-3;

/// Errors of the vector index.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The index was built with another embedding model (the user's to fix).
    #[error("{path}: the vector index was built with model {index_model:?} (dimension {index_dimension}), not {model:?} (dimension {dimension}): embed with {index_model:?}, or build a new index directory with the new model (`patsearch ingest PATH... --index NEW_DIR`)")]
    ModelMismatch {
        path: PathBuf,
        index_model: String,
        index_dimension: usize,
        model: String,
        dimension: usize,
    },
    #[error("{path}: the manifest has no vector index: build one with `patsearch ingest PATH... --index {path}`")]
    NoVectorIndex { path: PathBuf },
    /// A vector of the wrong length (a caller's bug or a model mix-up).
    #[error("vector of dimension {found} for {context}, the index holds dimension {expected}")]
    Dimension {
        expected: usize,
        found: usize,
        context: String,
    },
    /// A vector that is not unit length: the index ranks by dot product.
    #[error("{context}: vector is not L2-normalised (norm {norm})")]
    NotNormalised { norm: f32, context: String },
    #[error("document {0} is not in the vector index")]
    UnknownDocument(PublicationNumber),
    #[error("invalid vector index configuration: {0}")]
    Config(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: corrupt vector index: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("HNSW graph: {0}")]
    Graph(String),
}

/// Tuning of the graph and of the choice between graph and exact search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VectorConfig {
    /// HNSW `M`: links per vector on the upper layers (twice that on the
    /// bottom layer). Used when a graph is built; a reloaded graph keeps its own.
    pub max_nb_connection: usize,
    /// Candidates considered while inserting a vector.
    pub ef_construction: usize,
    /// Candidates considered while searching (raised to the number of
    /// neighbours asked for when that is larger): the recall/latency knob.
    /// The default, 128, finds the exact top ten on a corpus-sized index; an
    /// index of a million passages wants more (benches/README.md, "Vector
    /// search at 1,000,000 vectors" and "Figures behind the code's choices").
    pub ef_search: usize,
    /// A search whose filter leaves at most this many live vectors, and at
    /// most [`VectorConfig::exact_max_fraction`] of them, scans them exactly
    /// instead of walking the graph. A filtered walk visits about `1/s` times
    /// the nodes of an unfiltered one when a fraction `s` is allowed, while a
    /// scan costs a dot product per allowed vector, so small allowed sets are
    /// cheaper (and exact) to scan. The defaults, 20,000 vectors and 25%,
    /// sit near where the two cost the same on a small and on a
    /// million-vector index (benches/README.md, "Figures behind the code's
    /// choices"). `0` always walks the graph (once built).
    pub exact_max_vectors: usize,
    /// See [`VectorConfig::exact_max_vectors`].
    pub exact_max_fraction: f64,
    /// Vectors added since the last graph update are searched exactly; once
    /// this many are pending they are inserted into the graph.
    pub insert_batch: usize,
    /// `commit` compacts first when tombstones exceed this fraction of the
    /// stored vectors.
    pub compact_tombstone_ratio: f64,
    /// How much a document's best passage counts beside its title and
    /// abstract: its score is `(1 - w) * summary + w * best` (see
    /// `TopDocs::push_doc`); 1 ranks by the best passage alone, 0 by the
    /// summary alone.
    pub passage_weight: f32,
}

impl Default for VectorConfig {
    fn default() -> Self {
        Self {
            max_nb_connection: 16,
            ef_construction: 200,
            ef_search: 128,
            exact_max_vectors: 20_000,
            exact_max_fraction: 0.25,
            insert_batch: 4096,
            compact_tombstone_ratio: 0.3,
            passage_weight: 0.5,
        }
    }
}

impl VectorConfig {
    pub fn validate(&self) -> Result<(), VectorError> {
        let fail = |m: &str| Err(VectorError::Config(m.to_string()));
        if !(2..=255).contains(&self.max_nb_connection) {
            return fail("max_nb_connection must be between 2 and 255");
        }
        if self.ef_construction == 0 || self.ef_search == 0 {
            return fail("ef_construction and ef_search must be positive");
        }
        if self.insert_batch == 0 {
            return fail("insert_batch must be positive");
        }
        if !(0.0..=1.0).contains(&self.exact_max_fraction) {
            return fail("exact_max_fraction must be within 0..=1");
        }
        if self.compact_tombstone_ratio.is_nan() || self.compact_tombstone_ratio < 0.0 {
            return fail("compact_tombstone_ratio must be non-negative");
        }
        if !(0.0..=1.0).contains(&self.passage_weight) {
            return fail("passage_weight must be within 0..=1");
        }
        Ok(())
    }

    fn graph_params(&self) -> GraphParams {
        GraphParams {
            max_nb_connection: self.max_nb_connection,
            ef_construction: self.ef_construction,
        }
    }
}

/// An open vector index. Searches take `&self` and may run from several
/// threads at once; writes take `&mut self` (wrap the index in a lock to
/// write while serving). One writing process per index directory.
pub struct VectorIndex {
    dir: IndexDir,
    model: String,
    config: VectorConfig,
    store: store::Store,
    graph: Graph,
    generation: u64,
    /// The generation loaded or last committed (`None`: none on disk).
    on_disk: Option<persist::Meta>,
    /// After `stage`: the generation it was staged over, until `settle` or
    /// `unstage` (`Some(None)`: there was none).
    staged_over: Option<Option<persist::Meta>>,
    dirty: bool,
    filter_cache: FilterCache,
}

impl std::fmt::Debug for VectorIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VectorIndex")
            .field("root", &self.dir.root())
            .field("model", &self.model)
            .field("dimension", &self.store.dim())
            .field("vectors", &self.store.live_vectors())
            .field("docs", &self.store.num_docs())
            .field("generation", &self.generation)
            .field("graph", &self.graph)
            .finish()
    }
}

impl VectorIndex {
    /// Opens the vector index of an index directory, creating the directory,
    /// the index or both when absent. Refuses an index built with another
    /// model or dimension.
    pub fn open_or_create(
        root: impl Into<PathBuf>,
        model: &str,
        dimension: usize,
        config: VectorConfig,
    ) -> Result<Self, VectorError> {
        Self::open_or_create_at(root, model, dimension, config, None)
    }

    /// [`VectorIndex::open_or_create`] for writing in step with another
    /// store: loads generation `at` (the one that store's last commit is
    /// paired with) when it is the current or the staged-over generation on
    /// disk, and then takes a newer staged generation back on disk too (a
    /// crash between the two commits). Any other `at`, or `None`, loads the
    /// current generation: see [`VectorIndex::generation`] for which loaded.
    pub fn open_or_create_at(
        root: impl Into<PathBuf>,
        model: &str,
        dimension: usize,
        config: VectorConfig,
        at: Option<u64>,
    ) -> Result<Self, VectorError> {
        config.validate()?;
        if dimension == 0 {
            return Err(VectorError::Config("dimension must be positive".into()));
        }
        let (dir, manifest) = IndexDir::open_or_create(root, &program())?;
        match &manifest.vectors {
            Some(section) => check_model(&dir, section, model, dimension)?,
            None => {
                dir.update_manifest(&program(), |m| {
                    m.vectors = Some(VectorSection {
                        model: model.to_string(),
                        dimension,
                        description_passages: 0,
                    })
                })?;
            }
        }
        Self::load(dir, model, dimension, config, at, true)
    }

    /// Opens an existing vector index for searching (and writing), checking
    /// that it was built with `model` at `dimension`.
    pub fn open(
        root: impl Into<PathBuf>,
        model: &str,
        dimension: usize,
        config: VectorConfig,
    ) -> Result<Self, VectorError> {
        Self::open_at(root, model, dimension, config, None)
    }

    /// [`VectorIndex::open`] at generation `at` when it is on disk (see
    /// [`VectorIndex::open_or_create_at`]), changing nothing on disk.
    pub fn open_at(
        root: impl Into<PathBuf>,
        model: &str,
        dimension: usize,
        config: VectorConfig,
        at: Option<u64>,
    ) -> Result<Self, VectorError> {
        config.validate()?;
        let (dir, manifest) = IndexDir::open(root)?;
        let section = manifest
            .vectors
            .as_ref()
            .ok_or_else(|| VectorError::NoVectorIndex {
                path: dir.root().to_path_buf(),
            })?;
        check_model(&dir, section, model, dimension)?;
        Self::load(dir, model, dimension, config, at, false)
    }

    fn load(
        dir: IndexDir,
        model: &str,
        dimension: usize,
        config: VectorConfig,
        at: Option<u64>,
        take_back: bool,
    ) -> Result<Self, VectorError> {
        let (store, graph, on_disk) =
            read_generation(&dir, model, dimension, &config, at, take_back)?;
        Ok(Self {
            dir,
            model: model.to_string(),
            config,
            store,
            graph,
            generation: on_disk.as_ref().map_or(0, |m| m.generation),
            on_disk,
            staged_over: None,
            dirty: false,
            filter_cache: FilterCache::default(),
        })
    }

    /// The generation loaded or last committed (0: none yet).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Drops every change since the last commit: the generation on disk is
    /// loaded again.
    pub fn reload(&mut self) -> Result<(), VectorError> {
        let (store, graph, on_disk) = read_generation(
            &self.dir,
            &self.model,
            self.store.dim(),
            &self.config,
            Some(self.generation),
            false,
        )?;
        self.store = store;
        self.graph = graph;
        self.generation = on_disk.as_ref().map_or(0, |m| m.generation);
        self.on_disk = on_disk;
        self.staged_over = None;
        self.dirty = false;
        self.filter_cache.clear();
        Ok(())
    }

    pub fn config(&self) -> &VectorConfig {
        &self.config
    }

    /// Changes the search-time settings. Graph parameters apply to the next
    /// graph built (`compact`).
    pub fn set_config(&mut self, config: VectorConfig) -> Result<(), VectorError> {
        config.validate()?;
        self.config = config;
        Ok(())
    }

    pub fn set_ef_search(&mut self, ef_search: usize) {
        self.config.ef_search = ef_search.max(1);
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    pub fn dimension(&self) -> usize {
        self.store.dim()
    }

    /// Live vectors.
    pub fn len(&self) -> usize {
        self.store.live_vectors()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Documents in the index.
    pub fn num_docs(&self) -> usize {
        self.store.num_docs()
    }

    /// Replaced or deleted vectors not yet compacted away.
    pub fn tombstones(&self) -> usize {
        self.store.tombstones()
    }

    /// The numbers of the documents in the index, in no particular order.
    pub fn numbers(&self) -> impl Iterator<Item = &PublicationNumber> {
        self.store.numbers()
    }

    pub fn contains(&self, number: &PublicationNumber) -> bool {
        self.store.slot_of(number).is_some()
    }

    /// A document's vectors with their passages, in the order given.
    pub fn vectors_of(&self, number: &PublicationNumber) -> Option<Vec<StoredVector<'_>>> {
        let slot = self.store.slot_of(number)?;
        Some(
            self.store
                .doc(slot)
                .vectors
                .iter()
                .map(|&id| StoredVector {
                    passage: self.store.passage(id),
                    vector: self.store.vector(id),
                })
                .collect(),
        )
    }

    /// The filter fields stored for a document.
    pub fn fields_of(&self, number: &PublicationNumber) -> Option<&FilterFields> {
        let slot = self.store.slot_of(number)?;
        Some(&self.store.doc(slot).fields)
    }

    /// Adds a document, or replaces all the vectors and fields of one with
    /// the same number. Vectors must be L2-normalised and of the index's
    /// dimension. Visible to searches at once; durable after `commit`.
    pub fn upsert(
        &mut self,
        number: &PublicationNumber,
        fields: FilterFields,
        passages: &[(Passage, &[f32])],
    ) -> Result<(), VectorError> {
        for (passage, vector) in passages {
            self.check_vector(vector, || format!("{number} {}", passage.kind))?;
        }
        self.store.upsert(number, fields, passages);
        self.touched();
        if self.store.total_vectors() - self.graph.covers() >= self.config.insert_batch {
            self.graph.extend(self.store.data());
        }
        Ok(())
    }

    /// Removes a document; false when it was not in the index.
    pub fn delete(&mut self, number: &PublicationNumber) -> bool {
        let found = self.store.delete(number);
        if found {
            self.touched();
        }
        found
    }

    fn touched(&mut self) {
        self.dirty = true;
        self.filter_cache.clear();
    }

    fn check_vector(
        &self,
        vector: &[f32],
        context: impl Fn() -> String,
    ) -> Result<(), VectorError> {
        if vector.len() != self.store.dim() {
            return Err(VectorError::Dimension {
                expected: self.store.dim(),
                found: vector.len(),
                context: context(),
            });
        }
        let norm2 = store::dot(vector, vector);
        if !norm2.is_finite() || (norm2 - 1.0).abs() > NORM_TOLERANCE {
            return Err(VectorError::NotNormalised {
                norm: norm2.sqrt(),
                context: context(),
            });
        }
        Ok(())
    }

    /// Rebuilds the store and the graph from live vectors only, dropping
    /// tombstones. Results stay the same (up to graph approximation);
    /// durable after `commit`.
    pub fn compact(&mut self) {
        let store = self.store.compacted();
        let graph = Graph::build(self.config.graph_params(), store.dim(), store.data());
        self.store = store;
        self.graph = graph;
        self.touched();
    }

    /// Brings the graph up to date and writes a new generation to disk
    /// (compacting first when tombstones pile up). Does nothing when nothing
    /// changed since the last commit. A failure leaves the last generation
    /// on disk, no file of the new one, and the changes in memory.
    pub fn commit(&mut self) -> Result<(), VectorError> {
        self.stage()?;
        self.settle();
        Ok(())
    }

    /// The first half of a commit paired with another store's: writes a new
    /// generation like [`VectorIndex::commit`] but keeps the one before it
    /// on disk (named in `meta.json` as the previous generation), so that
    /// [`VectorIndex::unstage`], or an open at the previous generation,
    /// takes it back. Returns the generation now current (unchanged when
    /// nothing changed). Follow it with `settle` once the other store has
    /// committed, or `unstage` when it failed.
    pub fn stage(&mut self) -> Result<u64, VectorError> {
        let total = self.store.total_vectors();
        if total > 0
            && self.store.tombstones() as f64 > self.config.compact_tombstone_ratio * total as f64
        {
            self.compact();
        }
        if !self.dirty {
            return Ok(self.generation);
        }
        self.graph.extend(self.store.data());
        self.graph.refresh();
        let meta = persist::save(
            &self.dir.vectors_dir(),
            &self.model,
            self.generation + 1,
            &self.store,
            &self.graph,
            self.on_disk.as_ref(),
        )?;
        self.staged_over = Some(self.on_disk.replace(meta.alone()));
        self.generation = meta.generation;
        self.dirty = false;
        Ok(self.generation)
    }

    /// Ends a staged commit: the previous generation's files go. Best
    /// effort (a failure leaves them for the next commit to remove).
    pub fn settle(&mut self) {
        if self.staged_over.take().is_none() {
            return;
        }
        if let Some(meta) = &self.on_disk {
            if let Err(e) = persist::switch_to(&self.dir.vectors_dir(), meta) {
                tracing::warn!("vector index: the previous generation stays on disk: {e}");
            }
        }
    }

    /// Takes a staged commit back: the generation before it becomes the
    /// current one again in memory and, when the disk allows, on disk
    /// (changes since it are lost). Without a staged commit, the same as
    /// [`VectorIndex::reload`].
    pub fn unstage(&mut self) -> Result<(), VectorError> {
        if let Some(before) = self.staged_over.take() {
            let path = self.dir.vectors_dir();
            let taken_back = match &before {
                Some(meta) => persist::switch_to(&path, meta),
                None => persist::clear(&path),
            };
            // The staged generation stays current on disk then, but it is
            // the one before it that the other store's last commit names,
            // which an open at that generation loads and takes back.
            if let Err(e) = taken_back {
                tracing::warn!("vector index: the staged generation stays on disk: {e}");
            }
            self.generation = before.as_ref().map_or(0, |m| m.generation);
            self.on_disk = before;
        }
        self.reload()
    }

    fn check_query(&self, query: &[f32]) {
        assert_eq!(
            query.len(),
            self.store.dim(),
            "query vector of dimension {} for an index of dimension {}",
            query.len(),
            self.store.dim()
        );
    }

    fn scope_docs(&self, filters: &Filters) -> Option<std::sync::Arc<filter::DocSet>> {
        (!filters.is_empty()).then(|| self.filter_cache.get_or_compute(&self.store, filters))
    }

    fn hits(&self, ranked: Vec<search::Ranked>) -> Vec<VectorHit> {
        ranked
            .into_iter()
            .enumerate()
            .map(|(i, r)| VectorHit {
                publication_number: self.store.doc(r.slot).number.clone(),
                score: r.score,
                rank: i + 1,
                passage: self.store.passage(r.vector).clone(),
            })
            .collect()
    }

    /// The best `k` documents passing `filters`, by their best passage.
    /// Approximate (HNSW) unless the filter leaves few vectors; never fewer
    /// than `k` hits when `k` documents pass.
    ///
    /// # Panics
    /// When `query` does not have the index's dimension.
    pub fn search(&self, query: &[f32], k: usize, filters: &Filters) -> Vec<VectorHit> {
        self.check_query(query);
        let docs = self.scope_docs(filters);
        let scope = Scope {
            docs: docs.as_deref(),
            exclude: None,
        };
        self.hits(search::search(
            &self.store,
            &self.graph,
            &self.config,
            query,
            k,
            scope,
        ))
    }

    /// Like [`VectorIndex::search`], by scanning every allowed document: the
    /// reference for recall measurements.
    ///
    /// # Panics
    /// When `query` does not have the index's dimension.
    pub fn exact_search(&self, query: &[f32], k: usize, filters: &Filters) -> Vec<VectorHit> {
        self.check_query(query);
        let docs = self.scope_docs(filters);
        let scope = Scope {
            docs: docs.as_deref(),
            exclude: None,
        };
        self.hits(search::exact(&self.store, &self.config, query, k, scope))
    }

    /// Documents nearest to a document of the index, by its title and
    /// abstract vector (its first vector when it has none), itself excluded.
    pub fn similar(
        &self,
        number: &PublicationNumber,
        k: usize,
        filters: &Filters,
    ) -> Result<Vec<VectorHit>, VectorError> {
        let slot = self
            .store
            .slot_of(number)
            .ok_or_else(|| VectorError::UnknownDocument(number.clone()))?;
        let Some(id) = self.summary_vector(slot) else {
            return Ok(Vec::new());
        };
        let docs = self.scope_docs(filters);
        let scope = Scope {
            docs: docs.as_deref(),
            exclude: Some(slot),
        };
        let query = self.store.vector(id);
        Ok(self.hits(search::search(
            &self.store,
            &self.graph,
            &self.config,
            query,
            k,
            scope,
        )))
    }
}

impl VectorIndex {
    /// The vector a document is compared by in [`VectorIndex::similar`]:
    /// its title and abstract's, else its first.
    fn summary_vector(&self, slot: u32) -> Option<u32> {
        let ids = &self.store.doc(slot).vectors;
        ids.iter()
            .find(|&&id| self.store.passage(id).kind == PassageKind::TitleAbstract)
            .or(ids.first())
            .copied()
    }

    /// The score and best passage [`VectorIndex::similar`] of `number`
    /// gives `other`, whether or not `other` would be among its top hits;
    /// `None` when either has no vectors.
    pub fn similarity_to(
        &self,
        number: &PublicationNumber,
        other: &PublicationNumber,
    ) -> Option<(f32, Passage)> {
        let query = self
            .store
            .vector(self.summary_vector(self.store.slot_of(number)?)?);
        let slot = self.store.slot_of(other)?;
        let mut top = search::TopDocs::new(&self.store, 1, self.config.passage_weight);
        top.push_doc(query, slot);
        let best = top.into_sorted().into_iter().next()?;
        Some((best.score, self.store.passage(best.vector).clone()))
    }
}

/// Reads the generation to load (see [`VectorIndex::open_or_create_at`]):
/// `at` when it is the current or the previous generation on disk
/// (generation 0: none, an empty store), else the current one. With
/// `take_back`, a current generation newer than the one loaded is taken
/// back on disk.
fn read_generation(
    dir: &IndexDir,
    model: &str,
    dimension: usize,
    config: &VectorConfig,
    at: Option<u64>,
    take_back: bool,
) -> Result<(store::Store, Graph, Option<persist::Meta>), VectorError> {
    let path = dir.vectors_dir();
    let current = persist::read_meta(&path)?;
    let chosen = match (current, at) {
        (Some(current), Some(at)) if current.generation != at => {
            let previous = current.previous.as_deref().map(persist::Meta::alone);
            match previous {
                Some(previous) if previous.generation == at => {
                    if take_back {
                        persist::switch_to(&path, &previous)?;
                    }
                    Some(previous)
                }
                None if at == 0 => {
                    if take_back {
                        persist::clear(&path)?;
                    }
                    None
                }
                _ => Some(current),
            }
        }
        (current, _) => current,
    };
    let Some(meta) = chosen else {
        return Ok((
            store::Store::new(dimension),
            Graph::new(config.graph_params(), dimension, 0),
            None,
        ));
    };
    if meta.model != model || meta.dimension != dimension {
        return Err(VectorError::ModelMismatch {
            path: dir.root().to_path_buf(),
            index_model: meta.model,
            index_dimension: meta.dimension,
            model: model.to_string(),
            dimension,
        });
    }
    let loaded = persist::load(&path, &meta, config.graph_params())?;
    if let Some(why) = &loaded.rebuilt_because {
        tracing::warn!(path = %path.display(), "HNSW graph rebuilt from the stored vectors: {why}");
    }
    let meta = meta.alone();
    Ok((loaded.store, loaded.graph, Some(meta)))
}

fn check_model(
    dir: &IndexDir,
    section: &VectorSection,
    model: &str,
    dimension: usize,
) -> Result<(), VectorError> {
    if section.model != model || section.dimension != dimension {
        return Err(VectorError::ModelMismatch {
            path: dir.root().to_path_buf(),
            index_model: section.model.clone(),
            index_dimension: section.dimension,
            model: model.to_string(),
            dimension,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        VectorConfig::default().validate().unwrap();
        let bad = VectorConfig {
            max_nb_connection: 300,
            ..VectorConfig::default()
        };
        assert!(matches!(bad.validate(), Err(VectorError::Config(_))));
    }

    fn doc(index: &mut VectorIndex, n: &str, x: f32) {
        let v = [x, (1.0 - x * x).sqrt()];
        index
            .upsert(
                &n.parse().unwrap(),
                FilterFields::default(),
                &[(Passage::title_abstract(), &v[..])],
            )
            .unwrap();
    }

    fn files(dir: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_staged_generation_is_taken_back_by_unstage_or_by_an_open_at_the_one_before() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("index");
        let config = VectorConfig::default();
        let mut index = VectorIndex::open_or_create(&root, "m", 2, config).unwrap();
        doc(&mut index, "US1000001", 1.0);
        index.commit().unwrap();
        assert_eq!(index.generation(), 1);
        let settled = files(&root.join("vectors"));

        // Staged, then taken back: generation 1 again, on disk and in memory.
        doc(&mut index, "US1000002", 0.6);
        assert_eq!(index.stage().unwrap(), 2);
        index.unstage().unwrap();
        assert_eq!((index.generation(), index.num_docs()), (1, 1));
        assert_eq!(files(&root.join("vectors")), settled);

        // Staged and abandoned (a crash): a reader at generation 1 loads it
        // and leaves the disk alone; a writer at 1 takes 2 back.
        doc(&mut index, "US1000002", 0.6);
        assert_eq!(index.stage().unwrap(), 2);
        drop(index);
        let reader = VectorIndex::open_at(&root, "m", 2, config, Some(1)).unwrap();
        assert_eq!((reader.generation(), reader.num_docs()), (1, 1));
        assert_eq!(
            VectorIndex::open_at(&root, "m", 2, config, Some(2))
                .unwrap()
                .num_docs(),
            2
        );
        let writer = VectorIndex::open_or_create_at(&root, "m", 2, config, Some(1)).unwrap();
        assert_eq!((writer.generation(), writer.num_docs()), (1, 1));
        assert_eq!(files(&root.join("vectors")), settled);

        // A first commit staged and abandoned: generation 0 is no generation.
        let first = tmp.path().join("first");
        let mut index = VectorIndex::open_or_create(&first, "m", 2, config).unwrap();
        doc(&mut index, "US1000003", 1.0);
        index.stage().unwrap();
        drop(index);
        let writer = VectorIndex::open_or_create_at(&first, "m", 2, config, Some(0)).unwrap();
        assert_eq!((writer.generation(), writer.num_docs()), (0, 0));
        assert!(files(&first.join("vectors")).is_empty());
    }

    #[test]
    fn the_index_is_shareable_across_threads() {
        fn assert_sync_send<T: Send + Sync>() {}
        assert_sync_send::<VectorIndex>();
    }
}
