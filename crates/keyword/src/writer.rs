//! Writing the keyword index: upsert by publication number, delete, commit
//! (with a payload the caller pairs with another store's state), rollback.
//!
//! Tantivy commits are atomic: a process killed at any point leaves the index
//! as of its last commit, and upserting the same records again completes it.
//! Segment files of changes never committed (a killed process, a failed
//! commit) are garbage-collected when the next writer opens and after a
//! rollback, not only at the next commit.
//!
//! Publication identity: a number without a kind and the same number with a
//! kind are one publication (sources that do not know the kind, such as the
//! benchmark corpus, write `US8752472` for what the USPTO's XML calls
//! `US8752472B2`). An upsert with a kind replaces that kind and the kindless
//! form; an upsert without a kind replaces every stored kind of the number,
//! as a delete without a kind does. Two different kinds (an application `A1`
//! and its grant `B1`) stay two publications.

use patsearch_record::{PatentRecord, PublicationNumber};
use tantivy::directory::DirectoryClone;
use tantivy::indexer::NoMergePolicy;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Index, IndexWriter, TantivyDocument, Term};

use crate::merge::{bounded_groups, segment_bytes, BoundedMergePolicy, MAX_MERGED_SEGMENT_BYTES};
use crate::schema::{to_document, Fields, WORDS};
use crate::{KeywordError, KeywordIndex};

/// Prepares index documents from records, on any thread (see
/// [`KeywordWriter::preparer`]).
#[derive(Clone)]
pub struct DocumentPreparer {
    fields: Fields,
    words: TextAnalyzer,
}

impl std::fmt::Debug for DocumentPreparer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentPreparer").finish_non_exhaustive()
    }
}

impl DocumentPreparer {
    pub fn prepare(&mut self, record: &PatentRecord) -> PreparedDocument {
        PreparedDocument {
            number: record.publication_number.clone(),
            document: to_document(&self.fields, record, &mut self.words),
        }
    }
}

/// A record as the keyword index stores it, ready to be added.
#[derive(Debug)]
pub struct PreparedDocument {
    number: PublicationNumber,
    document: TantivyDocument,
}

/// Adds, replaces and deletes documents; changes become visible at [`KeywordWriter::commit`].
pub struct KeywordWriter {
    writer: IndexWriter<TantivyDocument>,
    fields: Fields,
    /// The `WORDS` analyzer, for where each claim and paragraph starts.
    words: TextAnalyzer,
    pending: u64,
    /// The largest segment a merge writes (see [`crate::merge`]).
    max_merged_bytes: u64,
}

impl std::fmt::Debug for KeywordWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeywordWriter")
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl KeywordWriter {
    pub(crate) fn new(
        index: &Index,
        fields: Fields,
        memory_budget: usize,
    ) -> Result<Self, KeywordError> {
        let writer: IndexWriter<TantivyDocument> =
            index.writer(memory_budget.max(15_000_000 * 2))?;
        writer.set_merge_policy(Box::new(BoundedMergePolicy::new(
            index.directory().box_clone(),
            MAX_MERGED_SEGMENT_BYTES,
        )));
        // Segments a killed process flushed but never committed are in no
        // commit: without this they would stay until the next commit.
        writer.garbage_collect_files().wait()?;
        let words = index.tokenizers().get(WORDS).ok_or_else(|| {
            tantivy::TantivyError::SchemaError(format!("analyzer {WORDS} is not registered"))
        })?;
        Ok(Self {
            writer,
            fields,
            words,
            pending: 0,
            max_merged_bytes: MAX_MERGED_SEGMENT_BYTES,
        })
    }

    /// Sets the largest segment a merge writes, in this writer's merges and
    /// in [`KeywordWriter::finish_merged`] (default
    /// [`MAX_MERGED_SEGMENT_BYTES`]): a machine with little free disk beside
    /// its index can set less.
    pub fn set_max_merged_segment_bytes(&mut self, max_bytes: u64) {
        self.max_merged_bytes = max_bytes;
        self.writer
            .set_merge_policy(Box::new(BoundedMergePolicy::new(
                self.writer.index().directory().box_clone(),
                max_bytes,
            )));
    }

    /// Adds the record, replacing any document of the same publication (see
    /// the module docs: with a kind, that kind and the kindless form; without
    /// one, every kind).
    pub fn upsert(&mut self, record: &PatentRecord) -> Result<(), KeywordError> {
        let document = to_document(&self.fields, record, &mut self.words);
        self.add(&record.publication_number, document)
    }

    /// What prepares documents for [`KeywordWriter::upsert_prepared`] on
    /// other threads: the text analysis of an upsert (the gist, the
    /// near-duplicate signature, where each part starts) is most of its cost,
    /// and the writer's caller is one thread.
    pub fn preparer(&self) -> DocumentPreparer {
        DocumentPreparer {
            fields: self.fields.clone(),
            words: self.words.clone(),
        }
    }

    /// [`KeywordWriter::upsert`] of a document prepared from its record.
    pub fn upsert_prepared(&mut self, prepared: PreparedDocument) -> Result<(), KeywordError> {
        self.add(&prepared.number, prepared.document)
    }

    fn add(
        &mut self,
        number: &PublicationNumber,
        document: TantivyDocument,
    ) -> Result<(), KeywordError> {
        match number.kind() {
            Some(_) => {
                // Part of this one change, not changes of their own.
                self.writer
                    .delete_term(Term::from_field_text(self.fields.pn, &number.to_string()));
                let kindless = number.clone().with_kind(None);
                self.writer
                    .delete_term(Term::from_field_text(self.fields.pn, &kindless.to_string()));
            }
            None => {
                self.writer
                    .delete_term(Term::from_field_text(self.fields.pn_base, &number.base()));
            }
        }
        self.writer.add_document(document)?;
        self.pending += 1;
        Ok(())
    }

    /// Deletes the publication (every kind of it when no kind is given).
    pub fn delete(&mut self, number: &PublicationNumber) {
        let term = match number.kind() {
            Some(_) => Term::from_field_text(self.fields.pn, &number.to_string()),
            None => Term::from_field_text(self.fields.pn_base, &number.base()),
        };
        self.writer.delete_term(term);
        self.pending += 1;
    }

    /// Deletes the document stored under exactly this number (a kindless
    /// number: the kindless document only, not the kinds of it).
    pub fn delete_exact(&mut self, number: &PublicationNumber) {
        self.writer
            .delete_term(Term::from_field_text(self.fields.pn, &number.to_string()));
        self.pending += 1;
    }

    /// Changes since the last commit.
    pub fn pending(&self) -> u64 {
        self.pending
    }

    /// Makes every change so far durable and visible (after a reader reload).
    pub fn commit(&mut self) -> Result<(), KeywordError> {
        self.commit_with(|| Ok::<_, KeywordError>(None))
    }

    /// A commit in two phases with something else to make durable in
    /// between: the changes are written to segment files first (the costly
    /// part, the one a full disk fails), then `between` runs and returns the
    /// commit's payload, then the commit is published with it, atomically
    /// (tantivy's `meta.json`). When any step fails every change since the
    /// last commit is rolled back (see [`KeywordWriter::rollback`]) and the
    /// error returned: nothing of it is published.
    pub fn commit_with<E: From<KeywordError>>(
        &mut self,
        between: impl FnOnce() -> Result<Option<String>, E>,
    ) -> Result<(), E> {
        let published = (|| {
            let mut prepared = self.writer.prepare_commit().map_err(KeywordError::from)?;
            if let Some(payload) = between()? {
                prepared.set_payload(&payload);
            }
            prepared.commit().map_err(KeywordError::from)?;
            Ok(())
        })();
        match published {
            Ok(()) => {
                self.pending = 0;
                Ok(())
            }
            Err(e) => {
                if let Err(rollback) = self.rollback() {
                    tracing::warn!("keyword index: rollback after a failed commit: {rollback}");
                }
                Err(e)
            }
        }
    }

    /// Drops every change since the last commit and removes the segment
    /// files they had written.
    pub fn rollback(&mut self) -> Result<(), KeywordError> {
        self.writer.rollback()?;
        self.pending = 0;
        self.writer.garbage_collect_files().wait()?;
        Ok(())
    }

    /// Commits what is pending and waits for background merges, leaving a
    /// tidy index. With nothing pending it commits nothing, so the payload
    /// of the last [`KeywordWriter::commit_with`] stays (merges keep it).
    pub fn finish(mut self) -> Result<(), KeywordError> {
        if self.pending > 0 {
            self.commit()?;
        }
        self.writer.wait_merging_threads()?;
        Ok(())
    }

    /// [`KeywordWriter::finish`], then merges the segments smaller than the
    /// merge bound into as few as the bound allows (one for an index under
    /// it): the end of a bulk load, whose writer leaves several segments of
    /// each size. A search pays per segment for each query term (a
    /// dictionary lookup, a postings block, a scorer), which for the long
    /// natural-language queries of hybrid search is much of its keyword cost
    /// on a small index. It rewrites every segment under the bound, so it is
    /// not for small updates. Merges run one after another: the free disk
    /// they need is one merge's output, at most the bound (see
    /// [`crate::merge`]).
    pub fn finish_merged(self) -> Result<(), KeywordError> {
        let index = self.writer.index().clone();
        let max_bytes = self.max_merged_bytes;
        // The merge policy may be merging some of the segments in the
        // background (a merge of segments it took away fails): let it finish,
        // then merge with a writer that starts no merges of its own.
        self.finish()?;
        let directory = index.directory();
        let sized = index
            .searchable_segment_metas()?
            .iter()
            .map(|segment| (segment.id(), segment_bytes(directory, segment)))
            .collect();
        let groups = bounded_groups(sized, max_bytes);
        if !groups.is_empty() {
            let mut writer: IndexWriter<TantivyDocument> =
                index.writer_with_num_threads(1, 15_000_000)?;
            writer.set_merge_policy(Box::new(NoMergePolicy));
            for group in groups {
                writer.merge(&group).wait()?;
            }
            writer.wait_merging_threads()?;
        }
        Ok(())
    }
}

impl KeywordIndex {
    /// The payload of the commit the reader sees (see
    /// [`KeywordWriter::commit_with`]); `None` for a commit without one.
    pub fn commit_payload(&self) -> Result<Option<String>, KeywordError> {
        Ok(self.index.load_metas()?.payload)
    }

    /// Every publication number in the index (as the reader sees it), in no
    /// particular order: for consistency checks, one pass over the `pn`
    /// column of each segment.
    pub fn numbers(&self) -> Result<Vec<PublicationNumber>, KeywordError> {
        let searcher = self.reader.searcher();
        let mut out = Vec::with_capacity(searcher.num_docs() as usize);
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().str("pn")?.ok_or_else(|| {
                KeywordError::CorruptRecord("no pn column in segment".to_string())
            })?;
            let mut ords: Vec<u64> = segment
                .doc_ids_alive()
                .filter_map(|doc| column.term_ords(doc).next())
                .collect();
            ords.sort_unstable();
            ords.dedup();
            let mut bad = None;
            column
                .dictionary()
                .sorted_ords_to_term_cb(&ords, |bytes| {
                    match std::str::from_utf8(bytes)
                        .ok()
                        .and_then(|text| text.parse::<PublicationNumber>().ok())
                    {
                        Some(number) => out.push(number),
                        None => bad = Some(String::from_utf8_lossy(bytes).into_owned()),
                    }
                })
                .map_err(|e| KeywordError::CorruptRecord(format!("pn column: {e}")))?;
            if let Some(bad) = bad {
                return Err(KeywordError::CorruptRecord(format!(
                    "stored publication number {bad:?} does not parse"
                )));
            }
        }
        Ok(out)
    }

    /// The stored numbers of a publication: every kind of it (and the
    /// kindless form) when `number` has no kind, else that exact number when
    /// stored.
    pub fn stored_numbers(
        &self,
        number: &PublicationNumber,
    ) -> Result<Vec<PublicationNumber>, KeywordError> {
        let (field, text) = match number.kind() {
            Some(_) => (self.fields.pn, number.to_string()),
            None => (self.fields.pn_base, number.base()),
        };
        let searcher = self.reader.searcher();
        let query = TermQuery::new(
            Term::from_field_text(field, &text),
            IndexRecordOption::Basic,
        );
        let addresses: Vec<DocAddress> = searcher
            .search(&query, &tantivy::collector::DocSetCollector)?
            .into_iter()
            .collect();
        let mut out = Vec::with_capacity(addresses.len());
        for address in addresses {
            let column = searcher
                .segment_reader(address.segment_ord)
                .fast_fields()
                .str("pn")?
                .ok_or_else(|| KeywordError::CorruptRecord("no pn column in segment".into()))?;
            let Some(ord) = column.term_ords(address.doc_id).next() else {
                continue;
            };
            let mut text = String::new();
            let found = column
                .ord_to_str(ord, &mut text)
                .map_err(|e| KeywordError::CorruptRecord(format!("pn column: {e}")))?;
            if found {
                if let Ok(n) = text.parse() {
                    out.push(n);
                }
            }
        }
        Ok(out)
    }
}
