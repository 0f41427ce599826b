//! Lookups by publication number, and what is stored of a document: its
//! record, its fast string values.

use patsearch_record::{Cancellation, Filters, PatentRecord, PublicationNumber, RecordBrief};
use tantivy::collector::TopDocs;
use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use super::Snippet;
use crate::compile::number_query;
use crate::facets::{facets_of, Facets};
use crate::{KeywordError, KeywordIndex};

impl KeywordIndex {
    /// The stored record of a publication (any kind when none is given).
    pub fn get(&self, number: &PublicationNumber) -> Result<Option<PatentRecord>, KeywordError> {
        let searcher = self.reader.searcher();
        match self.address_of(&searcher, number)? {
            Some(address) => Ok(Some(self.record_at(&searcher, address)?)),
            None => Ok(None),
        }
    }

    /// The stored records of publications (any kind when none is given),
    /// each with its snippet for `snippet_query` when one is given: a page of
    /// hits found by another retriever. `None` for a number not in the
    /// index. A snippet query that is not valid keyword syntax (natural
    /// language need not be) gives no snippets rather than an error.
    /// Stops with [`KeywordError::Cancelled`] when `cancel` does.
    pub fn fetch(
        &self,
        numbers: &[PublicationNumber],
        snippet_query: Option<&str>,
        cancel: &Cancellation,
    ) -> Result<Vec<Option<Fetched>>, KeywordError> {
        let searcher = self.reader.searcher();
        let mut found: Vec<(usize, DocAddress, PatentRecord)> = Vec::new();
        for (i, number) in numbers.iter().enumerate() {
            cancel.check()?;
            if let Some(address) = self.address_of(&searcher, number)? {
                found.push((i, address, self.record_at(&searcher, address)?));
            }
        }
        let query =
            match snippet_query.map(|q| self.query_in(&searcher, q, &Filters::default(), cancel)) {
                Some(Ok(query)) => Some(query),
                Some(Err(KeywordError::Query(_))) | None => None,
                Some(Err(e)) => return Err(e),
            };
        let mut snippets = match &query {
            Some(query) => {
                let hits: Vec<(DocAddress, &PatentRecord)> =
                    found.iter().map(|(_, a, r)| (*a, r)).collect();
                self.snippets_at(&searcher, &**query, &hits, cancel)?
            }
            None => vec![None; found.len()],
        }
        .into_iter();
        let addresses: Vec<DocAddress> = found.iter().map(|(_, a, _)| *a).collect();
        let mut gists = self
            .fast_strs_at(&searcher, &addresses, "gist")?
            .into_iter();
        let mut out: Vec<Option<Fetched>> = numbers.iter().map(|_| None).collect();
        for (i, _, record) in found {
            out[i] = Some(Fetched {
                record,
                gist: gists.next().unwrap_or_default(),
                snippet: snippets.next().flatten(),
            });
        }
        Ok(out)
    }

    /// What a list of results shows of each publication ([`RecordBrief`]:
    /// number, title, parties, dates, classifications), in the order asked;
    /// `None` for a number not in the index. Reads each stored record
    /// without building its text.
    pub fn briefs(
        &self,
        numbers: &[PublicationNumber],
        cancel: &Cancellation,
    ) -> Result<Vec<Option<RecordBrief>>, KeywordError> {
        let searcher = self.reader.searcher();
        let mut out = Vec::with_capacity(numbers.len());
        for number in numbers {
            cancel.check()?;
            let Some(address) = self.address_of(&searcher, number)? else {
                out.push(None);
                continue;
            };
            out.push(Some(self.stored_record_at(&searcher, address)?));
        }
        Ok(out)
    }

    /// The facets of documents another retriever ranked (the candidate
    /// window of a semantic or hybrid search): each of them counted once;
    /// numbers not in the index are left out.
    pub fn facets_of_documents(
        &self,
        numbers: &[&str],
        cancel: &Cancellation,
    ) -> Result<Facets, KeywordError> {
        let searcher = self.reader.searcher();
        let mut hits = Vec::with_capacity(numbers.len());
        for number in numbers {
            cancel.check()?;
            let Ok(number) = number.parse::<PublicationNumber>() else {
                continue;
            };
            if let Some(address) = self.address_of(&searcher, &number)? {
                hits.push((0.0, address));
            }
        }
        Ok(facets_of(&searcher, &hits)?)
    }

    pub(crate) fn address_of(
        &self,
        searcher: &Searcher,
        number: &PublicationNumber,
    ) -> Result<Option<DocAddress>, KeywordError> {
        let query = number_query(&self.fields, number);
        let top = searcher.search(&*query, &TopDocs::with_limit(1).order_by_score())?;
        Ok(top.first().map(|(_, address)| *address))
    }

    pub(crate) fn record_at(
        &self,
        searcher: &Searcher,
        address: DocAddress,
    ) -> Result<PatentRecord, KeywordError> {
        self.stored_record_at(searcher, address)
    }

    /// The stored record of a document as `T` (the whole record, or the
    /// part of it `T` reads).
    fn stored_record_at<T: serde::de::DeserializeOwned>(
        &self,
        searcher: &Searcher,
        address: DocAddress,
    ) -> Result<T, KeywordError> {
        let doc: TantivyDocument = searcher.doc(address)?;
        let json = doc
            .get_first(self.fields.record)
            .and_then(|v| v.as_str())
            .ok_or_else(|| {
                KeywordError::CorruptRecord("document without a stored record".into())
            })?;
        serde_json::from_str(json).map_err(|e| KeywordError::CorruptRecord(e.to_string()))
    }

    /// The values of a string fast field (`pn`, `title`) of documents, in
    /// their order. Each segment's column is opened once and its dictionary
    /// read in ordinal order, one pass per block, rather than one block
    /// decoding per document: a page of candidates asks for a hundred.
    pub(crate) fn fast_strs_at(
        &self,
        searcher: &Searcher,
        addresses: &[DocAddress],
        field: &str,
    ) -> Result<Vec<String>, KeywordError> {
        let mut out = vec![String::new(); addresses.len()];
        let mut order: Vec<usize> = (0..addresses.len()).collect();
        order.sort_by_key(|&i| addresses[i].segment_ord);
        for group in order.chunk_by(|&a, &b| addresses[a].segment_ord == addresses[b].segment_ord) {
            let segment = searcher.segment_reader(addresses[group[0]].segment_ord);
            let column = segment.fast_fields().str(field)?.ok_or_else(|| {
                KeywordError::CorruptRecord(format!("no {field} column in segment"))
            })?;
            let mut ords: Vec<(u64, usize)> = group
                .iter()
                .filter_map(|&i| Some((column.term_ords(addresses[i].doc_id).next()?, i)))
                .collect();
            ords.sort_unstable();
            let sorted: Vec<u64> = ords.iter().map(|(ord, _)| *ord).collect();
            let mut targets = ords.iter().map(|(_, i)| *i);
            let mut bad_utf8 = false;
            column
                .dictionary()
                .sorted_ords_to_term_cb(&sorted, |bytes| {
                    if let Some(i) = targets.next() {
                        match std::str::from_utf8(bytes) {
                            Ok(text) => out[i] = text.to_string(),
                            Err(_) => bad_utf8 = true,
                        }
                    }
                })
                .map_err(|e| KeywordError::CorruptRecord(format!("{field} column: {e}")))?;
            if bad_utf8 {
                return Err(KeywordError::CorruptRecord(format!(
                    "{field} column: a value is not UTF-8"
                )));
            }
        }
        Ok(out)
    }
}

/// The result of [`KeywordIndex::fetch`] for one publication.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub record: PatentRecord,
    /// The record's gist, as [`Hit::gist`](super::Hit::gist).
    pub gist: String,
    pub snippet: Option<Snippet>,
}
