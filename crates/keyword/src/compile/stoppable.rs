//! A query that ends when its cancellation token fires.

use patsearch_record::Cancellation;
use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, COLLECT_BLOCK_BUFFER_LEN, TERMINATED};

use super::CHECK_EVERY;

/// A request's whole query, stopping when its token does: its scorer ends
/// (reports no more documents) within [`CHECK_EVERY`] documents of the
/// token firing, so that the collector, the count and the facets all stop
/// with it. The cut-short results are never shown: whoever searched checks
/// the token afterwards and answers with the cancellation.
///
/// It wraps the scorer, so tantivy's own loops over it (`for_each`, and
/// `for_each_pruning` for the top hits) go through the checks. The price:
/// tantivy cannot use block-max WAND on a query it sees only through this
/// scorer, which only ever mattered for a query that is one term or a sum
/// of terms (a `tie_breaker` of 1); every other query was scored document
/// by document already.
#[derive(Debug)]
pub(crate) struct Stoppable {
    query: Box<dyn Query>,
    cancel: Cancellation,
}

impl Stoppable {
    pub(crate) fn new(query: Box<dyn Query>, cancel: &Cancellation) -> Self {
        Self {
            query,
            cancel: cancel.clone(),
        }
    }
}

impl Clone for Stoppable {
    fn clone(&self) -> Self {
        Self {
            query: self.query.box_clone(),
            cancel: self.cancel.clone(),
        }
    }
}

impl Query for Stoppable {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(StoppableWeight {
            inner: self.query.weight(enable_scoring)?,
            cancel: self.cancel.clone(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.query.query_terms(visitor);
    }
}

struct StoppableWeight {
    inner: Box<dyn Weight>,
    cancel: Cancellation,
}

impl Weight for StoppableWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        // Building a scorer reads postings: not for a search already stopped.
        if self.cancel.is_cancelled() {
            return Ok(Box::new(EmptyScorer));
        }
        Ok(Box::new(StoppableScorer {
            inner: self.inner.scorer(reader, boost)?,
            cancel: self.cancel.clone(),
            until_check: CHECK_EVERY,
            stopped: false,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.inner.explain(reader, doc)
    }
}

struct StoppableScorer {
    inner: Box<dyn Scorer>,
    cancel: Cancellation,
    /// Documents to go before the next look at the token.
    until_check: usize,
    stopped: bool,
}

impl StoppableScorer {
    /// Whether to stop now, `docs` documents further on.
    fn stop(&mut self, docs: usize) -> bool {
        if !self.stopped {
            self.until_check = self.until_check.saturating_sub(docs);
            if self.until_check == 0 {
                self.until_check = CHECK_EVERY;
                self.stopped = self.cancel.is_cancelled();
            }
        }
        self.stopped
    }
}

impl DocSet for StoppableScorer {
    fn advance(&mut self) -> DocId {
        if self.stop(1) {
            return TERMINATED;
        }
        self.inner.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.stop(1) {
            return TERMINATED;
        }
        self.inner.seek(target)
    }

    fn fill_buffer(&mut self, buffer: &mut [DocId; COLLECT_BLOCK_BUFFER_LEN]) -> usize {
        if self.stop(buffer.len()) {
            return 0;
        }
        self.inner.fill_buffer(buffer)
    }

    fn doc(&self) -> DocId {
        if self.stopped {
            TERMINATED
        } else {
            self.inner.doc()
        }
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }

    fn cost(&self) -> u64 {
        self.inner.cost()
    }
}

impl Scorer for StoppableScorer {
    fn score(&mut self) -> Score {
        self.inner.score()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
    use tantivy::query::AllQuery;
    use tantivy::schema::{Schema, STRING};
    use tantivy::{doc, Index, IndexWriter, SegmentOrdinal};

    use super::*;

    /// A collector that cancels the token once it has seen `after` documents.
    struct CancelAfter {
        token: Cancellation,
        after: usize,
    }

    struct SegmentCancelAfter {
        token: Cancellation,
        after: usize,
        seen: usize,
    }

    impl Collector for CancelAfter {
        type Fruit = usize;
        type Child = SegmentCancelAfter;

        fn for_segment(
            &self,
            _: SegmentOrdinal,
            _: &SegmentReader,
        ) -> tantivy::Result<SegmentCancelAfter> {
            Ok(SegmentCancelAfter {
                token: self.token.clone(),
                after: self.after,
                seen: 0,
            })
        }

        fn requires_scoring(&self) -> bool {
            true
        }

        fn merge_fruits(&self, seen: Vec<usize>) -> tantivy::Result<usize> {
            Ok(seen.into_iter().sum())
        }
    }

    impl SegmentCollector for SegmentCancelAfter {
        type Fruit = usize;

        fn collect(&mut self, _: DocId, _: Score) {
            self.seen += 1;
            if self.seen == self.after {
                self.token.cancel();
            }
        }

        fn harvest(self) -> usize {
            self.seen
        }
    }

    fn index(docs: usize) -> Index {
        let mut schema = Schema::builder();
        let word = schema.add_text_field("word", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer(15_000_000).unwrap();
        for i in 0..docs {
            writer
                .add_document(doc!(word => if i % 2 == 0 { "even" } else { "odd" }))
                .unwrap();
        }
        writer.commit().unwrap();
        index
    }

    #[test]
    fn a_cancelled_query_stops_within_a_check_of_documents() {
        let docs = 50 * CHECK_EVERY;
        let searcher = index(docs).reader().unwrap().searcher();
        let token = Cancellation::new();
        let query = Stoppable::new(Box::new(AllQuery), &token);
        let seen = searcher
            .search(
                &query,
                &CancelAfter {
                    token: token.clone(),
                    after: 100,
                },
            )
            .unwrap();
        assert!(
            (100..=100 + CHECK_EVERY).contains(&seen),
            "{seen} of {docs} documents collected"
        );
        // Already cancelled: no scorer is even built.
        assert_eq!(searcher.search(&query, &Count).unwrap(), 0);
        let top = searcher
            .search(&query, &TopDocs::with_limit(10).order_by_score())
            .unwrap();
        assert!(top.is_empty());
        // Not cancelled: everything, scored as without the wrapper.
        let never = Stoppable::new(Box::new(AllQuery), &Cancellation::never());
        assert_eq!(searcher.search(&never, &Count).unwrap(), docs);
        let past = Cancellation::new().with_deadline(std::time::Instant::now());
        let expired = Stoppable::new(Box::new(AllQuery), &past);
        assert_eq!(searcher.search(&expired, &Count).unwrap(), 0);
    }
}
