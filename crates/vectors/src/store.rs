//! The stored vectors and what each one is.
//!
//! Vectors live in one flat row-major array; a vector's id is its row. Beside
//! it run the passage table (which document and which passage each vector
//! embeds) and the tombstones (vectors replaced or deleted, kept until
//! compaction so ids stay stable for the graph). Documents are slots holding
//! the publication number, the [`FilterFields`] filters are tested against,
//! and the ids of their live vectors.

use std::collections::HashMap;
use std::fmt;

use patsearch_record::{FilterFields, PublicationNumber};
use serde::{Deserialize, Serialize};

/// Which part of a document a vector embeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PassageKind {
    /// Title and abstract together: the document's summary vector.
    TitleAbstract,
    /// An (independent) claim, by the number the patent prints (from 1).
    Claim(u32),
    /// A description paragraph, by its index in the record's description (from 0).
    Description(u32),
}

impl fmt::Display for PassageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TitleAbstract => f.write_str("title and abstract"),
            Self::Claim(n) => write!(f, "claim {n}"),
            Self::Description(i) => write!(f, "description paragraph {i}"),
        }
    }
}

/// A passage: its kind and an optional short label (a claim's first words, a
/// paragraph number) that a hit can show without fetching the record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Passage {
    pub kind: PassageKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl Passage {
    pub fn new(kind: PassageKind) -> Self {
        Self { kind, label: None }
    }

    pub fn title_abstract() -> Self {
        Self::new(PassageKind::TitleAbstract)
    }

    pub fn claim(number: u32) -> Self {
        Self::new(PassageKind::Claim(number))
    }

    pub fn description(paragraph: u32) -> Self {
        Self::new(PassageKind::Description(paragraph))
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
}

/// One stored vector of a document, as [`crate::VectorIndex::vectors_of`] gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredVector<'a> {
    pub passage: &'a Passage,
    pub vector: &'a [f32],
}

/// Cosine similarity of unit vectors (see [`patsearch_simd::dot`]): every
/// score in this crate, graph or exact, comes from here, so both paths give
/// bit-identical scores for the same pair.
#[inline]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    patsearch_simd::dot(a, b)
}

/// A growable bitset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Bits {
    words: Vec<u64>,
    len: usize,
}

impl Bits {
    pub fn with_len(len: usize, value: bool) -> Self {
        let fill = if value { u64::MAX } else { 0 };
        let mut bits = Self {
            words: vec![fill; len.div_ceil(64)],
            len,
        };
        bits.clear_tail();
        bits
    }

    fn clear_tail(&mut self) {
        if !self.len.is_multiple_of(64) {
            if let Some(last) = self.words.last_mut() {
                *last &= (1u64 << (self.len % 64)) - 1;
            }
        }
    }

    pub fn push(&mut self, value: bool) {
        if self.len.is_multiple_of(64) {
            self.words.push(0);
        }
        self.len += 1;
        self.set(self.len - 1, value);
    }

    #[inline]
    pub fn get(&self, i: usize) -> bool {
        i < self.len && self.words[i / 64] & (1 << (i % 64)) != 0
    }

    #[inline]
    pub fn set(&mut self, i: usize, value: bool) {
        debug_assert!(i < self.len);
        if value {
            self.words[i / 64] |= 1 << (i % 64);
        } else {
            self.words[i / 64] &= !(1 << (i % 64));
        }
    }

    pub fn count_ones(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }
}

/// A document slot.
#[derive(Debug, Clone)]
pub(crate) struct Doc {
    pub number: PublicationNumber,
    pub fields: FilterFields,
    /// Ids of its live vectors, ascending (empty once deleted).
    pub vectors: Vec<u32>,
    /// False once deleted or replaced by a newer slot.
    pub live: bool,
}

/// Vectors, passages, tombstones and documents.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    dim: usize,
    data: Vec<f32>,
    owner: Vec<u32>,
    passage: Vec<Passage>,
    live: Bits,
    live_vectors: usize,
    docs: Vec<Doc>,
    by_number: HashMap<PublicationNumber, u32>,
    /// Live documents that have at least one live vector.
    docs_with_vectors: usize,
}

impl Store {
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            data: Vec::new(),
            owner: Vec::new(),
            passage: Vec::new(),
            live: Bits::default(),
            live_vectors: 0,
            docs: Vec::new(),
            by_number: HashMap::new(),
            docs_with_vectors: 0,
        }
    }

    /// Rebuilds a store from its persisted parts; checks they agree.
    pub fn from_parts(
        dim: usize,
        data: Vec<f32>,
        rows: Vec<(u32, Passage)>,
        dead: &[u32],
        docs: Vec<(PublicationNumber, FilterFields, bool)>,
    ) -> Result<Self, String> {
        let total = rows.len();
        if data.len() != total * dim {
            return Err(format!(
                "{} floats for {total} vectors of dimension {dim}",
                data.len()
            ));
        }
        let mut store = Self::new(dim);
        store.data = data;
        store.live = Bits::with_len(total, true);
        for &id in dead {
            if id as usize >= total {
                return Err(format!("tombstone {id} beyond {total} vectors"));
            }
            store.live.set(id as usize, false);
        }
        for (number, fields, live) in docs {
            let slot = store.docs.len() as u32;
            if live && store.by_number.insert(number.clone(), slot).is_some() {
                return Err(format!("document {number} appears twice"));
            }
            store.docs.push(Doc {
                number,
                fields,
                vectors: Vec::new(),
                live,
            });
        }
        for (id, (owner, passage)) in rows.into_iter().enumerate() {
            let doc = store
                .docs
                .get_mut(owner as usize)
                .ok_or_else(|| format!("vector {id} belongs to unknown document slot {owner}"))?;
            if store.live.get(id) {
                if !doc.live {
                    return Err(format!(
                        "live vector {id} of deleted document {}",
                        doc.number
                    ));
                }
                doc.vectors.push(id as u32);
            }
            store.owner.push(owner);
            store.passage.push(passage);
        }
        store.live_vectors = store.live.count_ones();
        store.docs_with_vectors = store
            .docs
            .iter()
            .filter(|d| d.live && !d.vectors.is_empty())
            .count();
        Ok(store)
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// All vector rows, tombstones included.
    pub fn total_vectors(&self) -> usize {
        self.owner.len()
    }

    pub fn live_vectors(&self) -> usize {
        self.live_vectors
    }

    pub fn tombstones(&self) -> usize {
        self.total_vectors() - self.live_vectors
    }

    pub fn num_docs(&self) -> usize {
        self.by_number.len()
    }

    pub fn docs_with_vectors(&self) -> usize {
        self.docs_with_vectors
    }

    pub fn data(&self) -> &[f32] {
        &self.data
    }

    #[inline]
    pub fn vector(&self, id: u32) -> &[f32] {
        let start = id as usize * self.dim;
        &self.data[start..start + self.dim]
    }

    #[inline]
    pub fn is_live(&self, id: u32) -> bool {
        self.live.get(id as usize)
    }

    #[inline]
    pub fn owner(&self, id: u32) -> u32 {
        self.owner[id as usize]
    }

    pub fn passage(&self, id: u32) -> &Passage {
        &self.passage[id as usize]
    }

    pub fn docs(&self) -> &[Doc] {
        &self.docs
    }

    #[inline]
    pub fn doc(&self, slot: u32) -> &Doc {
        &self.docs[slot as usize]
    }

    /// The numbers of the live documents, in no particular order.
    pub fn numbers(&self) -> impl Iterator<Item = &PublicationNumber> {
        self.by_number.keys()
    }

    pub fn slot_of(&self, number: &PublicationNumber) -> Option<u32> {
        self.by_number.get(number).copied()
    }

    pub fn dead_ids(&self) -> Vec<u32> {
        (0..self.total_vectors() as u32)
            .filter(|&id| !self.is_live(id))
            .collect()
    }

    /// Replaces a document's vectors (its old ones become tombstones) and
    /// returns the ids of the new ones. Vectors must have the store's dimension.
    pub fn upsert(
        &mut self,
        number: &PublicationNumber,
        fields: FilterFields,
        passages: &[(Passage, &[f32])],
    ) -> std::ops::Range<u32> {
        let slot = match self.by_number.get(number) {
            Some(&slot) => {
                self.tombstone_doc_vectors(slot);
                self.docs[slot as usize].fields = fields;
                slot
            }
            None => {
                let slot = self.docs.len() as u32;
                self.docs.push(Doc {
                    number: number.clone(),
                    fields,
                    vectors: Vec::new(),
                    live: true,
                });
                self.by_number.insert(number.clone(), slot);
                slot
            }
        };
        let first = self.total_vectors() as u32;
        for (passage, vector) in passages {
            debug_assert_eq!(vector.len(), self.dim);
            let id = self.total_vectors() as u32;
            self.data.extend_from_slice(vector);
            self.owner.push(slot);
            self.passage.push(passage.clone());
            self.live.push(true);
            self.docs[slot as usize].vectors.push(id);
        }
        self.live_vectors += passages.len();
        if !passages.is_empty() {
            self.docs_with_vectors += 1;
        }
        first..self.total_vectors() as u32
    }

    /// Deletes a document; false when it is not in the store.
    pub fn delete(&mut self, number: &PublicationNumber) -> bool {
        let Some(slot) = self.by_number.remove(number) else {
            return false;
        };
        self.tombstone_doc_vectors(slot);
        self.docs[slot as usize].live = false;
        true
    }

    fn tombstone_doc_vectors(&mut self, slot: u32) {
        let ids = std::mem::take(&mut self.docs[slot as usize].vectors);
        if !ids.is_empty() {
            self.docs_with_vectors -= 1;
        }
        for id in &ids {
            self.live.set(*id as usize, false);
        }
        self.live_vectors -= ids.len();
    }

    /// A copy with live documents and live vectors only, renumbered in order.
    pub fn compacted(&self) -> Self {
        let mut out = Self::new(self.dim);
        out.data.reserve(self.live_vectors * self.dim);
        for doc in self.docs.iter().filter(|d| d.live) {
            let passages: Vec<(Passage, &[f32])> = doc
                .vectors
                .iter()
                .map(|&id| (self.passage(id).clone(), self.vector(id)))
                .collect();
            out.upsert(&doc.number, doc.fields.clone(), &passages);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(n: u32) -> PublicationNumber {
        format!("US{n}B2").parse().unwrap()
    }

    #[test]
    fn bits_grow_set_and_count() {
        let mut bits = Bits::with_len(70, true);
        assert_eq!(bits.count_ones(), 70);
        assert!(!bits.get(70));
        bits.set(3, false);
        bits.push(true);
        bits.push(false);
        assert_eq!(bits.count_ones(), 70);
        assert!(bits.get(70) && !bits.get(71) && !bits.get(3));
        assert_eq!(Bits::with_len(5, false).count_ones(), 0);
    }

    #[test]
    fn upsert_tombstones_old_vectors_and_compaction_drops_them() {
        let mut store = Store::new(2);
        let v = [1.0f32, 0.0];
        let w = [0.0f32, 1.0];
        store.upsert(
            &number(1),
            FilterFields::default(),
            &[
                (Passage::title_abstract(), &v[..]),
                (Passage::claim(1), &w[..]),
            ],
        );
        store.upsert(
            &number(2),
            FilterFields::default(),
            &[(Passage::title_abstract(), &w[..])],
        );
        let ids = store.upsert(
            &number(1),
            FilterFields::default(),
            &[(Passage::claim(2), &v[..])],
        );
        assert_eq!(ids, 3..4);
        assert_eq!(
            (
                store.total_vectors(),
                store.live_vectors(),
                store.num_docs()
            ),
            (4, 2, 2)
        );
        assert!(!store.is_live(0) && !store.is_live(1) && store.is_live(2));
        assert!(store.delete(&number(2)));
        assert!(!store.delete(&number(2)));
        assert_eq!(
            (
                store.live_vectors(),
                store.num_docs(),
                store.docs_with_vectors()
            ),
            (1, 1, 1)
        );

        let compact = store.compacted();
        assert_eq!((compact.total_vectors(), compact.num_docs()), (1, 1));
        assert_eq!(compact.passage(0), &Passage::claim(2));
        assert_eq!(compact.doc(0).number, number(1));
    }

    #[test]
    fn parts_round_trip() {
        let mut store = Store::new(2);
        let v = [0.6f32, 0.8];
        store.upsert(
            &number(1),
            FilterFields::default(),
            &[(Passage::claim(1).with_label("A method"), &v[..])],
        );
        store.upsert(
            &number(2),
            FilterFields::default(),
            &[(Passage::title_abstract(), &v[..])],
        );
        store.upsert(
            &number(1),
            FilterFields::default(),
            &[(Passage::title_abstract(), &v[..])],
        );
        store.delete(&number(2));
        let rows = (0..store.total_vectors() as u32)
            .map(|id| (store.owner(id), store.passage(id).clone()))
            .collect();
        let docs = store
            .docs()
            .iter()
            .map(|d| (d.number.clone(), d.fields.clone(), d.live))
            .collect();
        let back =
            Store::from_parts(2, store.data().to_vec(), rows, &store.dead_ids(), docs).unwrap();
        assert_eq!(back.live_vectors(), 1);
        assert_eq!(back.num_docs(), 1);
        assert_eq!(back.doc(0).vectors, vec![2]);
        assert_eq!(back.slot_of(&number(2)), None);
    }
}
