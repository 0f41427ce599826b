//! A publication's relatives in the index: the members of its family (the
//! publications that name an application it names, and theirs in turn)
//! and the near-duplicates of its description.
//!
//! Nothing is stored about a group: relatives are found from each
//! document's own evidence (its `family_keys` terms and its MinHash bands)
//! when asked, so an upsert or a delete changes the groups it touches and
//! no other document needs rewriting.

use std::collections::{HashMap, HashSet, VecDeque};

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
