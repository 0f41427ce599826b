//! Writing the keyword index: upsert by publication number, delete, commit.
//!
//! Tantivy commits are atomic: a process killed at any point leaves the index
//! as of its last commit (uncommitted segments are garbage-collected by the
//! next writer), and upserting the same records again completes it.

use patsearch_record::{PatentRecord, PublicationNumber};
use tantivy::indexer::NoMergePolicy;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexWriter, TantivyDocument, Term};

use crate::schema::{to_document, Fields, WORDS};
use crate::KeywordError;

/// Adds, replaces and deletes documents; changes become visible at [`KeywordWriter::commit`].
pub struct KeywordWriter {
    writer: IndexWriter<TantivyDocument>,
    fields: Fields,
    /// The `WORDS` analyzer, for where each claim and paragraph starts.
    words: TextAnalyzer,
    pending: u64,
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
        let writer = index.writer(memory_budget.max(15_000_000 * 2))?;
        let words = index.tokenizers().get(WORDS).ok_or_else(|| {
            tantivy::TantivyError::SchemaError(format!("analyzer {WORDS} is not registered"))
        })?;
        Ok(Self {
            writer,
            fields,
            words,
            pending: 0,
        })
    }

    /// Adds the record, replacing any document with the same publication number.
    pub fn upsert(&mut self, record: &PatentRecord) -> Result<(), KeywordError> {
        self.writer.delete_term(Term::from_field_text(
            self.fields.pn,
            &record.publication_number.to_string(),
        ));
        self.writer
            .add_document(to_document(&self.fields, record, &mut self.words))?;
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

    /// Changes since the last commit.
    pub fn pending(&self) -> u64 {
        self.pending
    }

    /// Makes every change so far durable and visible (after a reader reload).
    pub fn commit(&mut self) -> Result<(), KeywordError> {
        self.writer.commit()?;
        self.pending = 0;
        Ok(())
    }

    /// Commits and waits for background merges, leaving a tidy index.
    pub fn finish(mut self) -> Result<(), KeywordError> {
        self.commit()?;
        self.writer.wait_merging_threads()?;
        Ok(())
    }

    /// [`KeywordWriter::finish`], then merges every segment into one: the end
    /// of a bulk load. A search pays per segment for each query term (a
    /// dictionary lookup, a postings block, a scorer), which for the long
    /// natural-language queries of hybrid search is much of its keyword cost;
    /// the merge policy alone leaves a few segments of a bulk load unmerged.
    /// It rewrites the whole index, so it is not for small updates.
    pub fn finish_merged(self) -> Result<(), KeywordError> {
        let index = self.writer.index().clone();
        // The merge policy may be merging some of the segments in the
        // background (a merge of segments it took away fails): let it finish,
        // then merge with a writer that starts no merges of its own.
        self.finish()?;
        let segments = index.searchable_segment_ids()?;
        if segments.len() > 1 {
            let mut writer: IndexWriter<TantivyDocument> =
                index.writer_with_num_threads(1, 15_000_000)?;
            writer.set_merge_policy(Box::new(NoMergePolicy));
            writer.merge(&segments).wait()?;
            writer.wait_merging_threads()?;
        }
        Ok(())
    }
}
