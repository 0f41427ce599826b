//! Ranking documents by their best passage: graph search, exact search and
//! the choice between them.
//!
//! A document's score is the cosine of its best live vector with the query.
//! Whatever finds the candidate documents (the graph, or a scan), each
//! candidate is then scored over all its live vectors, so the score and the
//! passage reported are the document's true best, identical on both paths.
//! Ties go to the smaller publication number, so rankings are deterministic.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

use patsearch_record::PublicationNumber;
use serde::Serialize;

use crate::filter::Scope;
use crate::graph::Graph;
use crate::store::{dot, Passage, PassageKind, Store};
use crate::VectorConfig;

/// A document found by a vector search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VectorHit {
    pub publication_number: PublicationNumber,
    /// The document's score: `(1 - w)` times its title-and-abstract
    /// similarity plus `w` times its best passage's
    /// ([`crate::VectorConfig::passage_weight`]).
    pub score: f32,
    /// Position in the ranking, from 1.
    pub rank: usize,
    /// The passage that matched best.
    pub passage: Passage,
}

/// A scored document: its slot and best vector.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ranked {
    pub score: f32,
    pub slot: u32,
    pub vector: u32,
}

/// Heap entry ordered worst-first (the heap's top is the one to evict).
struct Entry<'a> {
    ranked: Ranked,
    number: &'a PublicationNumber,
}

impl Ord for Entry<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Greater = worse: lower score, then larger number.
        other
            .ranked
            .score
            .total_cmp(&self.ranked.score)
            .then_with(|| self.number.cmp(other.number))
    }
}

impl PartialOrd for Entry<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry<'_> {}

/// The best `k` documents pushed so far.
pub(crate) struct TopDocs<'a> {
    store: &'a Store,
    k: usize,
    passage_weight: f32,
    heap: BinaryHeap<Entry<'a>>,
}

impl<'a> TopDocs<'a> {
    pub fn new(store: &'a Store, k: usize, passage_weight: f32) -> Self {
        Self {
            store,
            k,
            passage_weight,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    /// Scores a document over all its live vectors and keeps it if it ranks.
    ///
    /// The score blends the title-and-abstract vector's similarity `s` with
    /// the best of all its vectors' `m`: `(1 - w) s + w m` for
    /// [`VectorConfig::passage_weight`] `w`, so a passage adds evidence to
    /// what the summary says but one paragraph alone cannot carry a patent
    /// whose summary is off the query. A document without a summary vector
    /// scores `m`. The hit names the passage that gave `m`.
    pub fn push_doc(&mut self, query: &[f32], slot: u32) {
        let doc = self.store.doc(slot);
        let mut best: Option<Ranked> = None;
        let mut summary: Option<f32> = None;
        for &id in &doc.vectors {
            let score = dot(query, self.store.vector(id));
            if self.store.passage(id).kind == PassageKind::TitleAbstract {
                summary = Some(score);
            }
            if best.is_none_or(|b| score > b.score) {
                best = Some(Ranked {
                    score,
                    slot,
                    vector: id,
                });
            }
        }
        if let Some(mut ranked) = best {
            if let Some(summary) = summary {
                let w = self.passage_weight;
                ranked.score = (1.0 - w) * summary + w * ranked.score;
            }
            self.push(Entry {
                ranked,
                number: &doc.number,
            });
        }
    }

    fn push(&mut self, entry: Entry<'a>) {
        if self.k == 0 {
            return;
        }
        if self.heap.len() < self.k {
            self.heap.push(entry);
        } else if self.heap.peek().is_some_and(|worst| entry < *worst) {
            self.heap.pop();
            self.heap.push(entry);
        }
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Best first.
    pub fn into_sorted(self) -> Vec<Ranked> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|e| e.ranked)
            .collect()
    }
}

/// Scans every allowed document.
pub(crate) fn exact(
    store: &Store,
    config: &VectorConfig,
    query: &[f32],
    k: usize,
    scope: Scope<'_>,
) -> Vec<Ranked> {
    let mut top = TopDocs::new(store, k, config.passage_weight);
    for slot in scope.slots(store) {
        top.push_doc(query, slot);
    }
    top.into_sorted()
}

/// Scans the allowed documents whose vectors the graph does not cover yet.
fn exact_pending(
    store: &Store,
    query: &[f32],
    scope: Scope<'_>,
    from: usize,
    top: &mut TopDocs<'_>,
) {
    let mut last = None;
    for id in from as u32..store.total_vectors() as u32 {
        if !store.is_live(id) {
            continue;
        }
        // A document's vectors are added together, so they are contiguous.
        let slot = store.owner(id);
        if last != Some(slot) && scope.allows(slot) {
            top.push_doc(query, slot);
        }
        last = Some(slot);
    }
}

/// Whether a search scans the allowed documents or walks the graph (see
/// [`VectorConfig::exact_max_vectors`]).
///
/// The graph walk applies the filter to its results only, so with a fraction
/// `s` of the vectors allowed it visits about `1/s` times the nodes of an
/// unfiltered search; a scan costs one dot product per allowed vector.
pub(crate) fn use_exact(
    store: &Store,
    graph: &Graph,
    config: &VectorConfig,
    scope: Scope<'_>,
) -> bool {
    let allowed = scope.vectors(store);
    graph.searchable() == 0
        || (allowed <= config.exact_max_vectors
            && allowed as f64 <= config.exact_max_fraction * store.live_vectors() as f64)
}

/// The best `k` allowed documents.
///
/// Several passages belong to one document, so the graph is asked for
/// `k * (vectors per document)` allowed neighbours (at least `ef_search`);
/// if that yields fewer than `k` distinct documents it is asked again with
/// twice as many, three times in all; after that, or when the graph has no
/// more allowed vectors within reach, an exact scan answers, so a search
/// never returns fewer hits than there are allowed documents.
pub(crate) fn search(
    store: &Store,
    graph: &Graph,
    config: &VectorConfig,
    query: &[f32],
    k: usize,
    scope: Scope<'_>,
) -> Vec<Ranked> {
    let allowed_docs = scope.docs(store);
    if k == 0 || allowed_docs == 0 {
        return Vec::new();
    }
    if use_exact(store, graph, config, scope) {
        return exact(store, config, query, k, scope);
    }
    let want = k.min(allowed_docs);
    let per_doc = store
        .live_vectors()
        .div_ceil(store.docs_with_vectors().max(1))
        .max(2);
    let searchable = graph.searchable();
    let accept = |id: u32| store.is_live(id) && scope.allows(store.owner(id));
    let mut fetch = k * per_doc;
    let mut seen = HashSet::new();
    for _ in 0..3 {
        let ef = config.ef_search.max(fetch);
        let ids = graph.search(query, ef, accept);
        // Rescoring reads each candidate's document, its list of vectors
        // and the vector, at random places: request them all first (the
        // documents a pass ahead of the lists they point to) so that their
        // cache misses overlap: at a million vectors, rescoring otherwise
        // waits on these loads (benches/README.md, "Vector search at
        // 1,000,000 vectors").
        for &id in &ids {
            patsearch_simd::prefetch_l1(std::slice::from_ref(store.doc(store.owner(id))));
        }
        for &id in &ids {
            patsearch_simd::prefetch_l1(&store.doc(store.owner(id)).vectors);
            patsearch_simd::prefetch_l1(store.vector(id));
        }
        let mut top = TopDocs::new(store, k, config.passage_weight);
        seen.clear();
        for &id in &ids {
            let slot = store.owner(id);
            if seen.insert(slot) {
                top.push_doc(query, slot);
            }
        }
        if searchable < store.total_vectors() {
            exact_pending(store, query, scope, searchable, &mut top);
        }
        if top.len() >= want {
            return top.into_sorted();
        }
        if ids.len() < ef {
            // The walk ran out of allowed vectors within reach.
            break;
        }
        fetch *= 2;
    }
    exact(store, config, query, k, scope)
}

#[cfg(test)]
mod tests {
    use patsearch_record::FilterFields;

    use super::*;

    /// Today's tests of ties and passages rank by the best vector alone.
    fn max_only() -> VectorConfig {
        VectorConfig {
            passage_weight: 1.0,
            ..VectorConfig::default()
        }
    }

    #[test]
    fn top_docs_keeps_the_best_and_breaks_ties_by_number() {
        let mut store = Store::new(2);
        let number = |n: u32| -> PublicationNumber { format!("US{n}A1").parse().unwrap() };
        let (a, b, c) = ([1.0f32, 0.0], [0.0f32, 1.0], [0.6f32, 0.8]);
        store.upsert(
            &number(3),
            FilterFields::default(),
            &[(Passage::title_abstract(), &a[..])],
        );
        store.upsert(
            &number(2),
            FilterFields::default(),
            &[(Passage::title_abstract(), &a[..])],
        );
        store.upsert(
            &number(1),
            FilterFields::default(),
            &[
                (Passage::title_abstract(), &b[..]),
                (Passage::claim(1), &c[..]),
            ],
        );
        let ranked = exact(&store, &max_only(), &[1.0, 0.0], 2, Scope::everything());
        assert_eq!(
            ranked.iter().map(|r| r.slot).collect::<Vec<_>>(),
            vec![1, 0]
        );
        let ranked = exact(&store, &max_only(), &[0.0, 1.0], 1, Scope::everything());
        assert_eq!((ranked[0].slot, ranked[0].vector), (2, 2));
        let ranked = exact(&store, &max_only(), &[0.6, 0.8], 3, Scope::everything());
        assert_eq!(ranked[0].vector, 3);
        assert_eq!(ranked.len(), 3);
    }

    #[test]
    fn a_passage_adds_to_the_summary_and_cannot_carry_a_document_alone() {
        let mut store = Store::new(2);
        let number = |n: u32| -> PublicationNumber { format!("US{n}A1").parse().unwrap() };
        let query = [1.0f32, 0.0];
        // Summary and passage both fairly close to the query.
        let (fair, close) = ([0.8f32, 0.6], [0.9f32, 0.435_889_9]);
        // Summary off the query, one paragraph right on it.
        let (off, exact_hit) = ([0.0f32, 1.0], [1.0f32, 0.0]);
        store.upsert(
            &number(1),
            FilterFields::default(),
            &[
                (Passage::title_abstract(), &fair[..]),
                (Passage::description(4), &close[..]),
            ],
        );
        store.upsert(
            &number(2),
            FilterFields::default(),
            &[
                (Passage::title_abstract(), &off[..]),
                (Passage::description(9), &exact_hit[..]),
            ],
        );
        // A document without a summary vector ranks by its passages.
        store.upsert(
            &number(3),
            FilterFields::default(),
            &[(Passage::claim(1), &fair[..])],
        );
        let blended = VectorConfig {
            passage_weight: 0.5,
            ..VectorConfig::default()
        };
        let ranked = exact(&store, &blended, &query, 3, Scope::everything());
        let slots: Vec<u32> = ranked.iter().map(|r| r.slot).collect();
        assert_eq!(slots, vec![0, 2, 1], "{ranked:?}");
        assert!((ranked[0].score - 0.85).abs() < 1e-5, "{}", ranked[0].score);
        // The hit names the passage that matched best.
        assert_eq!(
            store.passage(ranked[0].vector).kind,
            PassageKind::Description(4)
        );
        assert!((ranked[1].score - 0.8).abs() < 1e-5);
        assert!((ranked[2].score - 0.5).abs() < 1e-5);
        // By the best vector alone the off-summary document comes first.
        let ranked = exact(&store, &max_only(), &query, 3, Scope::everything());
        assert_eq!(ranked[0].slot, 1);
        // By the summary alone it comes last, whatever its paragraphs say.
        let summary_only = VectorConfig {
            passage_weight: 0.0,
            ..VectorConfig::default()
        };
        let ranked = exact(&store, &summary_only, &query, 3, Scope::everything());
        assert_eq!(ranked.last().unwrap().slot, 1);
    }
}
