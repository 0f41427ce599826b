//! A publication's relatives in the index: the members of its family (the
//! publications that name an application it names, and theirs in turn)
//! and the near-duplicates of its description.
//!
//! Nothing is stored about a group: relatives are found from each
//! document's own evidence (its `family_keys` terms and its MinHash bands)
//! when asked, so an upsert or a delete changes the groups it touches and
//! no other document needs rewriting.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use patsearch_record::{
    application_key, family_keys, relation_label, Cancellation, PatentRecord, PublicationNumber,
    Relation, TextSignature,
};
use serde::Serialize;
use tantivy::collector::DocSetCollector;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Searcher, Term};

use crate::{KeywordError, KeywordIndex};

/// Estimated shingle overlap (Jaccard) from which two descriptions are
/// called the same text. Read on the benchmark corpus (benches/README.md,
/// "Families"): pairs from 0.8 up are one specification filed with other
/// claims; between 0.5 and 0.7 about half are different inventions of one
/// applicant whose specifications share long standard sections.
pub const NEAR_DUPLICATE_SIMILARITY: f32 = 0.8;
/// Members a family is followed to: past this the search stops (a key
/// named by thousands of publications is not a family a reader can use).
pub const MAX_FAMILY_MEMBERS: usize = 1_000;
/// Documents sharing a band with the publication that are compared with it.
const MAX_DUPLICATE_CANDIDATES: usize = 10_000;

/// Why a publication is a relative.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Relative {
    pub publication_number: String,
    /// How far along the chain: 1 when it names an application the
    /// publication names (or is named by it), 2 through one more, ...; 0
    /// for a near-duplicate outside the family.
    pub hops: usize,
    /// The application key that links it (the first one found).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    /// The estimated share of description shingles both have, when that
    /// reaches [`NEAR_DUPLICATE_SIMILARITY`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_overlap: Option<f32>,
    /// Why, in words: "both claim provisional application US61107876",
    /// "same description, 96% shingle overlap".
    pub label: String,
}

/// Every document `query` matches.
fn docs_with(searcher: &Searcher, query: &dyn Query) -> Result<HashSet<DocAddress>, KeywordError> {
    Ok(searcher.search(query, &DocSetCollector)?)
}

impl KeywordIndex {
    /// The relatives of a publication of the index (any kind when none is
    /// given): family members first, nearest first, then near-duplicates
    /// by overlap. `None` when the publication is not in the index.
    pub fn relatives(
        &self,
        number: &PublicationNumber,
        cancel: &Cancellation,
    ) -> Result<Option<(PatentRecord, Vec<Relative>)>, KeywordError> {
        let searcher = self.reader.searcher();
        let Some(address) = self.address_of(&searcher, number)? else {
            return Ok(None);
        };
        let record = self.record_at(&searcher, address)?;
        let own_keys = family_keys(&record);

        // Breadth first over the keys: a chain that loops comes back to a
        // key already followed and stops there.
        let mut members: HashMap<DocAddress, (usize, String)> = HashMap::new();
        let mut seen_keys: HashSet<String> = own_keys.iter().cloned().collect();
        let mut queue: VecDeque<(String, usize)> =
            own_keys.iter().map(|k| (k.clone(), 1)).collect();
        while let Some((key, hops)) = queue.pop_front() {
            cancel.check()?;
            if members.len() >= MAX_FAMILY_MEMBERS {
                break;
            }
            let query = TermQuery::new(
                Term::from_field_text(self.fields.family_keys, &key),
                IndexRecordOption::Basic,
            );
            let mut found: Vec<DocAddress> = docs_with(&searcher, &query)?.into_iter().collect();
            found.sort();
            for doc in found {
                if doc == address || members.contains_key(&doc) {
                    continue;
                }
                if members.len() >= MAX_FAMILY_MEMBERS {
                    break;
                }
                members.insert(doc, (hops, key.clone()));
                for next in self.fast_strs_all(&searcher, doc, "family_keys")? {
                    if seen_keys.insert(next.clone()) {
                        queue.push_back((next, hops + 1));
                    }
                }
            }
        }

        let signature = self.signature_at(&searcher, address)?;
        let mut overlaps: HashMap<DocAddress, f32> = HashMap::new();
        if let Some(signature) = &signature {
            let clauses: Vec<(Occur, Box<dyn Query>)> = signature
                .band_tokens()
                .into_iter()
                .map(|band| -> (Occur, Box<dyn Query>) {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(
                            Term::from_field_text(self.fields.text_bands, &band),
                            IndexRecordOption::Basic,
                        )),
                    )
                })
                .collect();
            let mut candidates: Vec<DocAddress> =
                docs_with(&searcher, &BooleanQuery::new(clauses))?
                    .into_iter()
                    .collect();
            candidates.sort();
            candidates.truncate(MAX_DUPLICATE_CANDIDATES);
            for doc in candidates {
                cancel.check()?;
                if doc == address {
                    continue;
                }
                if let Some(other) = self.signature_at(&searcher, doc)? {
                    let s = signature.similarity(&other);
                    if s >= NEAR_DUPLICATE_SIMILARITY {
                        overlaps.insert(doc, s);
                    }
                }
            }
        }

        let mut addresses: Vec<DocAddress> = members.keys().copied().collect();
        addresses.extend(overlaps.keys().filter(|a| !members.contains_key(a)));
        let numbers = self.fast_strs_at(&searcher, &addresses, "pn")?;
        let mut relatives: Vec<Relative> = Vec::with_capacity(addresses.len());
        for (doc, publication_number) in addresses.into_iter().zip(numbers) {
            let overlap = overlaps.get(&doc).copied();
            let (hops, application) = match members.get(&doc) {
                Some((hops, key)) => (*hops, Some(key.clone())),
                None => (0, None),
            };
            let mut label = match &application {
                Some(key) if hops == 1 => direct_label(&record, key),
                Some(key) => format!("same family, through application {key}"),
                None => String::new(),
            };
            if let Some(s) = overlap {
                if !label.is_empty() {
                    label.push_str("; ");
                }
                label.push_str(&format!(
                    "same description, {:.0}% shingle overlap",
                    s * 100.0
                ));
            }
            relatives.push(Relative {
                publication_number,
                hops,
                application,
                text_overlap: overlap,
                label,
            });
        }
        // Family by closeness (then by how much text they share), then
        // near-duplicates by overlap; equal ones by number.
        relatives.sort_by(|a, b| {
            let rank = |r: &Relative| if r.hops == 0 { usize::MAX } else { r.hops };
            rank(a)
                .cmp(&rank(b))
                .then(
                    b.text_overlap
                        .unwrap_or(0.0)
                        .total_cmp(&a.text_overlap.unwrap_or(0.0)),
                )
                .then(a.publication_number.cmp(&b.publication_number))
        });
        Ok(Some((record, relatives)))
    }

    /// Every value of a multi-valued string fast field of one document.
    fn fast_strs_all(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        field: &str,
    ) -> Result<Vec<String>, KeywordError> {
        let segment = searcher.segment_reader(address.segment_ord);
        let Some(column) = segment.fast_fields().str(field)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for ord in column.term_ords(address.doc_id) {
            let mut value = String::new();
            column
                .ord_to_str(ord, &mut value)
                .map_err(|e| KeywordError::CorruptRecord(format!("{field} column: {e}")))?;
            out.push(value);
        }
        Ok(out)
    }

    /// The MinHash signature of a document's description, when it has one.
    fn signature_at(
        &self,
        searcher: &Searcher,
        address: DocAddress,
    ) -> Result<Option<TextSignature>, KeywordError> {
        let segment = searcher.segment_reader(address.segment_ord);
        let Some(column) = segment.fast_fields().bytes("text_signature")? else {
            return Ok(None);
        };
        let Some(ord) = column.term_ords(address.doc_id).next() else {
            return Ok(None);
        };
        let mut bytes = Vec::new();
        column
            .ord_to_bytes(ord, &mut bytes)
            .map_err(|e| KeywordError::CorruptRecord(format!("text_signature column: {e}")))?;
        Ok(TextSignature::from_bytes(&bytes))
    }
}

/// Why a publication that names `key` is related to `record`, which names
/// it too: as its parent, its provisional, its priority, its application.
fn direct_label(record: &PatentRecord, key: &str) -> String {
    let country = record.country.as_str();
    let named =
        |d: &patsearch_record::DocumentRef| application_key(d, country).as_deref() == Some(key);
    if record.application.as_ref().is_some_and(named) {
        return format!("names this patent's application {key}");
    }
    let relation = record
        .related_documents
        .iter()
        .filter(|r| named(&r.document))
        .map(|r| r.relation)
        .min_by_key(|r| relation_label(*r));
    match relation {
        Some(Relation::Provisional) => format!("both claim provisional application {key}"),
        Some(relation) => format!(
            "both stem from application {key} (this patent: {})",
            relation_label(relation)
        ),
        None if record.priority_claims.iter().any(named) => {
            format!("both claim priority of application {key}")
        }
        None => format!("same family identifier {key}"),
    }
}

/// Which family every document of one view of the index belongs to: the
/// groups of the relation "names an application the other names, or has
/// a description of at least [`NEAR_DUPLICATE_SIMILARITY`] shingle
/// overlap", closed under chains. Built from the same evidence as
/// [`KeywordIndex::relatives`], once per searcher generation (a commit),
/// so that a search can collapse its hits without a lookup per hit.
#[derive(Debug)]
pub struct Families {
    generation: u64,
    /// Per segment, per document: its group.
    by_doc: Vec<Vec<u32>>,
    /// Groups of more than one document: their members' numbers, sorted.
    members: HashMap<u32, Vec<String>>,
    /// The group of each publication in a group of more than one.
    by_number: HashMap<String, u32>,
}

/// Members of one group a hit names besides itself.
pub const MAX_LISTED_MEMBERS: usize = 20;
/// Documents of one band bucket compared pairwise; past it, each further
/// document is compared with these first ones only.
const MAX_BUCKET_PAIRS: usize = 32;

struct UnionFind(Vec<u32>);

impl UnionFind {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let parent = self.0[x as usize];
            self.0[x as usize] = self.0[parent as usize];
            x = parent;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            // The smaller index as root: the same groups give the same ids.
            let (root, child) = if a < b { (a, b) } else { (b, a) };
            self.0[child as usize] = root;
        }
    }
}

impl Families {
    /// The group of a document.
    pub fn group_at(&self, address: DocAddress) -> u32 {
        self.by_doc[address.segment_ord as usize][address.doc_id as usize]
    }

    /// The group of a publication (as stored, with its kind), when it has
    /// relatives; `None` for a publication alone in its family.
    pub fn group_of(&self, number: &str) -> Option<u32> {
        self.by_number.get(number).copied()
    }

    /// The numbers of a group of more than one document, sorted; empty for
    /// a document alone.
    pub fn members(&self, group: u32) -> &[String] {
        self.members.get(&group).map_or(&[], Vec::as_slice)
    }

    /// A publication's family as a hit shows it: how many publications it
    /// holds (1 for one alone) and the others' numbers, at most
    /// [`MAX_LISTED_MEMBERS`].
    pub fn family_of(&self, number: &str) -> (usize, Vec<String>) {
        let members = self.group_of(number).map_or(&[][..], |g| self.members(g));
        let others = members
            .iter()
            .filter(|m| m.as_str() != number)
            .take(MAX_LISTED_MEMBERS)
            .cloned()
            .collect();
        (members.len().max(1), others)
    }

    /// Every group number is below this: the documents of the searcher the
    /// families were built for, deleted ones included.
    pub fn group_bound(&self) -> usize {
        self.by_doc.iter().map(Vec::len).sum()
    }

    /// The groups of more than one publication, in no particular order.
    pub fn groups(&self) -> impl Iterator<Item = u32> + '_ {
        self.members.keys().copied()
    }

    /// Families in the index with more than one publication.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    fn build(index: &KeywordIndex, searcher: &Searcher) -> Result<Self, KeywordError> {
        let segments = searcher.segment_readers();
        let mut bases = Vec::with_capacity(segments.len());
        let mut total: u32 = 0;
        for segment in segments {
            bases.push(total);
            total += segment.max_doc();
        }
        let mut groups = UnionFind((0..total).collect());
        let alive = |segment: &tantivy::SegmentReader, doc: u32| {
            segment.alive_bitset().is_none_or(|b| b.is_alive(doc))
        };

        // Documents that share a key: each key's first document takes the
        // others in, across segments through the key's text.
        let mut first_with_key: HashMap<Vec<u8>, u32> = HashMap::new();
        for (s, segment) in segments.iter().enumerate() {
            let Some(column) = segment.fast_fields().str("family_keys")? else {
                continue;
            };
            let mut first_of_ord = vec![u32::MAX; column.num_terms()];
            for doc in 0..segment.max_doc() {
                if !alive(segment, doc) {
                    continue;
                }
                let global = bases[s] + doc;
                for ord in column.term_ords(doc) {
                    match first_of_ord[ord as usize] {
                        u32::MAX => first_of_ord[ord as usize] = global,
                        first => groups.union(first, global),
                    }
                }
            }
            let mut stream = column
                .dictionary()
                .stream()
                .map_err(|e| KeywordError::CorruptRecord(format!("family_keys column: {e}")))?;
            let mut ord = 0usize;
            while stream.advance() {
                if let Some(&first) = first_of_ord.get(ord).filter(|f| **f != u32::MAX) {
                    match first_with_key.entry(stream.key().to_vec()) {
                        std::collections::hash_map::Entry::Occupied(e) => {
                            groups.union(*e.get(), first)
                        }
                        std::collections::hash_map::Entry::Vacant(e) => {
                            e.insert(first);
                        }
                    }
                }
                ord += 1;
            }
        }

        // Documents that share a band, checked on their whole signatures.
        let mut buckets: HashMap<Vec<u8>, Vec<DocAddress>> = HashMap::new();
        for (s, segment) in segments.iter().enumerate() {
            let inverted = segment.inverted_index(index.fields.text_bands)?;
            let io = |e: std::io::Error| KeywordError::Tantivy(tantivy::TantivyError::from(e));
            let mut terms = inverted.terms().stream().map_err(io)?;
            while terms.advance() {
                let mut postings = inverted
                    .read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)
                    .map_err(io)?;
                let mut docs = Vec::new();
                let mut doc = tantivy::DocSet::doc(&postings);
                while doc != tantivy::TERMINATED {
                    if alive(segment, doc) {
                        docs.push(DocAddress::new(s as u32, doc));
                    }
                    doc = tantivy::DocSet::advance(&mut postings);
                }
                if !docs.is_empty() {
                    buckets
                        .entry(terms.key().to_vec())
                        .or_default()
                        .extend(docs);
                }
            }
        }
        let mut signatures: HashMap<DocAddress, Option<TextSignature>> = HashMap::new();
        for docs in buckets.values().filter(|d| d.len() > 1) {
            for (i, &b) in docs.iter().enumerate().skip(1) {
                for &a in &docs[..i.min(MAX_BUCKET_PAIRS)] {
                    let global = |d: DocAddress| bases[d.segment_ord as usize] + d.doc_id;
                    if groups.find(global(a)) == groups.find(global(b)) {
                        continue;
                    }
                    for d in [a, b] {
                        if let std::collections::hash_map::Entry::Vacant(e) = signatures.entry(d) {
                            e.insert(index.signature_at(searcher, d)?);
                        }
                    }
                    if let (Some(Some(x)), Some(Some(y))) = (signatures.get(&a), signatures.get(&b))
                    {
                        if x.similarity(y) >= NEAR_DUPLICATE_SIMILARITY {
                            groups.union(global(a), global(b));
                        }
                    }
                }
            }
        }

        let mut by_doc: Vec<Vec<u32>> = Vec::with_capacity(segments.len());
        let mut sizes: HashMap<u32, u32> = HashMap::new();
        for (s, segment) in segments.iter().enumerate() {
            let row: Vec<u32> = (0..segment.max_doc())
                .map(|doc| groups.find(bases[s] + doc))
                .collect();
            for (doc, &g) in row.iter().enumerate() {
                if alive(segment, doc as u32) {
                    *sizes.entry(g).or_default() += 1;
                }
            }
            by_doc.push(row);
        }
        let mut grouped: Vec<DocAddress> = Vec::new();
        for (s, row) in by_doc.iter().enumerate() {
            for (doc, g) in row.iter().enumerate() {
                if sizes.get(g).is_some_and(|n| *n > 1) && alive(&segments[s], doc as u32) {
                    grouped.push(DocAddress::new(s as u32, doc as u32));
                }
            }
        }
        let numbers = index.fast_strs_at(searcher, &grouped, "pn")?;
        let mut members: HashMap<u32, Vec<String>> = HashMap::new();
        let mut by_number: HashMap<String, u32> = HashMap::new();
        for (address, number) in grouped.into_iter().zip(numbers) {
            let g = by_doc[address.segment_ord as usize][address.doc_id as usize];
            members.entry(g).or_default().push(number.clone());
            by_number.insert(number, g);
        }
        for list in members.values_mut() {
            list.sort();
        }
        Ok(Families {
            generation: searcher.generation().generation_id(),
            by_doc,
            members,
            by_number,
        })
    }
}

impl KeywordIndex {
    /// The families of the index as `searcher` sees it, built on first use
    /// after each commit.
    pub(crate) fn families_in(&self, searcher: &Searcher) -> Result<Arc<Families>, KeywordError> {
        let generation = searcher.generation().generation_id();
        let mut cached = self.families.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(families) = cached.as_ref().filter(|f| f.generation == generation) {
            return Ok(Arc::clone(families));
        }
        let families = Arc::new(Families::build(self, searcher)?);
        *cached = Some(Arc::clone(&families));
        Ok(families)
    }

    /// The families of the index as it is now (see [`Families`]).
    pub fn families(&self) -> Result<Arc<Families>, KeywordError> {
        self.families_in(&self.reader.searcher())
    }
}
