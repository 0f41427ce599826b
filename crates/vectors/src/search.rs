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
use crate::hint;
use crate::store::{dot, Passage, Store};
use crate::VectorConfig;

/// A document found by a vector search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VectorHit {
    pub publication_number: PublicationNumber,
    /// Cosine similarity of the best passage with the query.
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
    heap: BinaryHeap<Entry<'a>>,
}

impl<'a> TopDocs<'a> {
    pub fn new(store: &'a Store, k: usize) -> Self {
        Self {
            store,
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    /// Scores a document over all its live vectors and keeps it if it ranks.
    pub fn push_doc(&mut self, query: &[f32], slot: u32) {
        let doc = self.store.doc(slot);
        let mut best: Option<Ranked> = None;
        for &id in &doc.vectors {
            let score = dot(query, self.store.vector(id));
            if best.is_none_or(|b| score > b.score) {
                best = Some(Ranked {
                    score,
                    slot,
                    vector: id,
                });
            }
        }
        if let Some(ranked) = best {
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
pub(crate) fn exact(store: &Store, query: &[f32], k: usize, scope: Scope<'_>) -> Vec<Ranked> {
    let mut top = TopDocs::new(store, k);
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
        return exact(store, query, k, scope);
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
        // cache misses overlap. Measured on 1,000,000 vectors: rescoring
        // had been a third of a search, waiting on these loads.
        for &id in &ids {
            hint::prefetch(std::slice::from_ref(store.doc(store.owner(id))));
        }
        for &id in &ids {
            hint::prefetch(&store.doc(store.owner(id)).vectors);
            hint::prefetch(store.vector(id));
        }
        let mut top = TopDocs::new(store, k);
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
    exact(store, query, k, scope)
}

#[cfg(test)]
mod tests {
    use patsearch_record::FilterFields;

    use super::*;

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
        let ranked = exact(&store, &[1.0, 0.0], 2, Scope::everything());
        assert_eq!(
            ranked.iter().map(|r| r.slot).collect::<Vec<_>>(),
            vec![1, 0]
        );
        let ranked = exact(&store, &[0.0, 1.0], 1, Scope::everything());
        assert_eq!((ranked[0].slot, ranked[0].vector), (2, 2));
        let ranked = exact(&store, &[0.6, 0.8], 3, Scope::everything());
        assert_eq!(ranked[0].vector, 3);
        assert_eq!(ranked.len(), 3);
    }
}
