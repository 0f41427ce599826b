//! Structured filters over the vector index.
//!
//! The meaning of a filter is [`Filters::matches`] on the [`FilterFields`]
//! kept per document, exactly as the keyword index applies it. A query's
//! filters become a [`Scope`]: the set of document slots that pass (computed
//! once per distinct filter and cached until the next write), and how many
//! live vectors they hold, which decides between graph and exact search. The
//! graph walk accepts live vectors of allowed documents as results.
//!
//! [`FilterFields`]: patsearch_record::FilterFields

use std::sync::{Arc, Mutex};

use patsearch_record::Filters;

use crate::store::{Bits, Store};

/// Document slots that pass a filter.
#[derive(Debug)]
pub(crate) struct DocSet {
    bits: Bits,
    /// The passing live slots that have vectors, ascending.
    slots: Vec<u32>,
    /// Their live vectors.
    vectors: usize,
}

impl DocSet {
    pub fn of(store: &Store, filters: &Filters) -> Self {
        let mut bits = Bits::with_len(store.docs().len(), false);
        let mut slots = Vec::new();
        let mut vectors = 0;
        for (slot, doc) in store.docs().iter().enumerate() {
            if doc.live && !doc.vectors.is_empty() && filters.matches(&doc.fields) {
                bits.set(slot, true);
                slots.push(slot as u32);
                vectors += doc.vectors.len();
            }
        }
        Self {
            bits,
            slots,
            vectors,
        }
    }
}

/// Which documents a search may return.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'a> {
    /// `None`: every live document.
    pub docs: Option<&'a DocSet>,
    /// A document never to return (the query document of `similar`).
    pub exclude: Option<u32>,
}

impl Scope<'_> {
    #[cfg(test)]
    pub fn everything() -> Self {
        Self {
            docs: None,
            exclude: None,
        }
    }

    #[inline]
    pub fn allows(&self, slot: u32) -> bool {
        self.docs.is_none_or(|d| d.bits.get(slot as usize)) && self.exclude != Some(slot)
    }

    /// Live vectors the scope allows.
    pub fn vectors(&self, store: &Store) -> usize {
        let all = self.docs.map_or(store.live_vectors(), |d| d.vectors);
        let excluded = self
            .exclude
            .filter(|&slot| self.docs.is_none_or(|d| d.bits.get(slot as usize)))
            .map_or(0, |slot| store.doc(slot).vectors.len());
        all - excluded
    }

    /// Documents (with vectors) the scope allows.
    pub fn docs(&self, store: &Store) -> usize {
        let all = self
            .docs
            .map_or(store.docs_with_vectors(), |d| d.slots.len());
        let excluded = self.exclude.is_some_and(|slot| {
            self.docs.is_none_or(|d| d.bits.get(slot as usize))
                && !store.doc(slot).vectors.is_empty()
        });
        all - usize::from(excluded)
    }

    /// The allowed slots with vectors, for exact search.
    pub fn slots<'s>(&'s self, store: &'s Store) -> Box<dyn Iterator<Item = u32> + 's> {
        let exclude = self.exclude;
        match self.docs {
            Some(d) => Box::new(d.slots.iter().copied().filter(move |&s| Some(s) != exclude)),
            None => Box::new(
                store
                    .docs()
                    .iter()
                    .enumerate()
                    .filter(move |(slot, doc)| {
                        doc.live && !doc.vectors.is_empty() && Some(*slot as u32) != exclude
                    })
                    .map(|(slot, _)| slot as u32),
            ),
        }
    }
}

/// The last few filters' document sets. Evaluating `Filters::matches` over
/// every document costs far more than a graph search once the index holds
/// tens of thousands of documents, and a user paging or refining a search
/// repeats the same filters. Cleared on every write.
#[derive(Debug, Default)]
pub(crate) struct FilterCache {
    entries: Mutex<Vec<(Filters, Arc<DocSet>)>>,
}

const CACHED_FILTERS: usize = 8;

impl FilterCache {
    pub fn get_or_compute(&self, store: &Store, filters: &Filters) -> Arc<DocSet> {
        {
            let mut entries = self.lock();
            if let Some(pos) = entries.iter().position(|(f, _)| f == filters) {
                // Most recently used last.
                let entry = entries.remove(pos);
                let set = Arc::clone(&entry.1);
                entries.push(entry);
                return set;
            }
        }
        // Computed outside the lock so other searches are not held up.
        let set = Arc::new(DocSet::of(store, filters));
        let mut entries = self.lock();
        entries.retain(|(f, _)| f != filters);
        if entries.len() >= CACHED_FILTERS {
            entries.remove(0);
        }
        entries.push((filters.clone(), Arc::clone(&set)));
        set
    }

    pub fn clear(&mut self) {
        self.entries
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(Filters, Arc<DocSet>)>> {
        // A panic elsewhere cannot leave the cache inconsistent: entries are
        // whole values, so a poisoned lock is still good to use.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use patsearch_record::FilterFields;

    use super::*;
    use crate::store::Passage;

    fn store() -> Store {
        let mut store = Store::new(2);
        let v = [1.0f32, 0.0];
        for (i, country) in ["US", "EP", "US", "EP"].iter().enumerate() {
            let fields = FilterFields {
                country: country.to_string(),
                ..FilterFields::default()
            };
            let number = format!("{country}{}A1", 100 + i).parse().unwrap();
            store.upsert(
                &number,
                fields,
                &[
                    (Passage::title_abstract(), &v[..]),
                    (Passage::claim(1), &v[..]),
                ],
            );
        }
        store
    }

    #[test]
    fn doc_sets_follow_filters_matches() {
        let store = store();
        let filters = Filters {
            country: vec!["ep".into()],
            ..Filters::default()
        };
        let set = DocSet::of(&store, &filters);
        assert_eq!(set.slots, vec![1, 3]);
        assert_eq!(set.vectors, 4);
        let scope = Scope {
            docs: Some(&set),
            exclude: Some(3),
        };
        assert_eq!((scope.vectors(&store), scope.docs(&store)), (2, 1));
        assert_eq!(scope.slots(&store).collect::<Vec<_>>(), vec![1]);
        assert!(scope.allows(1) && !scope.allows(3) && !scope.allows(0));
    }

    #[test]
    fn cache_returns_the_same_set_until_cleared() {
        let store = store();
        let mut cache = FilterCache::default();
        let filters = Filters {
            country: vec!["US".into()],
            ..Filters::default()
        };
        let a = cache.get_or_compute(&store, &filters);
        let b = cache.get_or_compute(&store, &filters);
        assert!(Arc::ptr_eq(&a, &b));
        cache.clear();
        let c = cache.get_or_compute(&store, &filters);
        assert!(!Arc::ptr_eq(&a, &c));
    }
}
