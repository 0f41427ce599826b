//! Structured filters as one query that restricts documents without scoring.

use std::ops::Bound;
use std::sync::Arc;

use patsearch_record::{compact_code, name_words, DateRange, FilterFields, Filters};
use tantivy::columnar::StrColumn;
use tantivy::query::doc_predicate_query::{
    ConstOrVariableSegmentPredicate, DocPredicate, DocPredicateQuery, SegmentDocPredicate,
};
use tantivy::query::{
    intersect_scorers, BooleanQuery, ConstScorer, EnableScoring, Explanation, Occur as TOccur,
    Query, Scorer, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, Term};

use super::{code_query, date_query};
use crate::schema::{code_steps, Fields};

fn range_query(field: Field, range: &DateRange) -> Option<Box<dyn Query>> {
    if range.is_open() {
        return None;
    }
    let from = range.from.map_or(Bound::Unbounded, Bound::Included);
    let to = range.to.map_or(Bound::Unbounded, Bound::Included);
    Some(date_query(field, from, to))
}

/// Why structured filters were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("`{0}` is not a CPC prefix: use a section (G), class (G06), subclass (G06F), group (G06F16) or full code (G06F16/245)")]
    BadCpc(String),
    #[error("`{0}` is not an IPC prefix: use a section (G), class (G06), subclass (G06F), group (G06F16) or full code (G06F16/245)")]
    BadIpc(String),
    #[error("an assignee filter needs at least one word")]
    EmptyAssignee,
}

/// Checks filters for values that cannot match anything by construction.
pub fn validate_filters(filters: &Filters) -> Result<(), FilterError> {
    for p in &filters.cpc {
        if code_steps(&compact_code(p)).is_none() {
            return Err(FilterError::BadCpc(p.clone()));
        }
    }
    for p in &filters.ipc {
        if code_steps(&compact_code(p)).is_none() {
            return Err(FilterError::BadIpc(p.clone()));
        }
    }
    if filters.assignee.iter().any(|a| name_words(a).is_empty()) {
        return Err(FilterError::EmptyAssignee);
    }
    Ok(())
}

/// The filters as one query, `None` when there are none. It only selects
/// documents: [`with_filters`] ignores its scores.
pub(crate) fn filter_query(
    fields: &Fields,
    filters: &Filters,
) -> Result<Option<Box<dyn Query>>, FilterError> {
    validate_filters(filters)?;
    let mut must: Vec<(TOccur, Box<dyn Query>)> = Vec::new();
    let any = |queries: Vec<Box<dyn Query>>| -> Box<dyn Query> {
        Box::new(BooleanQuery::new(
            queries.into_iter().map(|q| (TOccur::Should, q)).collect(),
        ))
    };
    if !filters.cpc.is_empty() {
        must.push((
            TOccur::Must,
            any(filters
                .cpc
                .iter()
                .filter_map(|p| code_query(fields.cpc, p))
                .collect()),
        ));
    }
    if !filters.ipc.is_empty() {
        must.push((
            TOccur::Must,
            any(filters
                .ipc
                .iter()
                .filter_map(|p| code_query(fields.ipc, p))
                .collect()),
        ));
    }
    for (field, range) in [
        (fields.filed, &filters.filed),
        (fields.published, &filters.published),
        (fields.priority, &filters.priority),
    ] {
        if let Some(q) = range_query(field, range) {
            must.push((TOccur::Must, q));
        }
    }
    if !filters.assignee.is_empty() {
        must.push((
            TOccur::Must,
            Box::new(DocPredicateQuery::from(AssigneeFilter::new(
                fields,
                &filters.assignee,
            ))),
        ));
    }
    for (field, values) in [
        (fields.country, &filters.country),
        (fields.kind, &filters.kind),
    ] {
        if !values.is_empty() {
            must.push((
                TOccur::Must,
                any(values
                    .iter()
                    .map(|v| -> Box<dyn Query> {
                        Box::new(TermQuery::new(
                            Term::from_field_text(field, &v.to_ascii_uppercase()),
                            IndexRecordOption::Basic,
                        ))
                    })
                    .collect()),
            ));
        }
    }
    if must.is_empty() {
        return Ok(None);
    }
    Ok(Some(Box::new(BooleanQuery::new(must))))
}

/// The user's query restricted by the filters, which add nothing to the score.
pub(crate) fn with_filters(
    query: Box<dyn Query>,
    filter: Option<Box<dyn Query>>,
) -> Box<dyn Query> {
    match filter {
        None => query,
        Some(filter) => Box::new(Filtered { query, filter }),
    }
}

/// The assignee filter, exactly as `Filters::matches` defines it: a document
/// passes when ONE of its assignees has every word of a wanted name. Index
/// terms alone cannot say whether words come from the same assignee, so the
/// documents having all the words somewhere (`assignee_words`, indexed with
/// `name_words` itself, so never missing one that passes) are candidates,
/// and each candidate's assignee names (the `assignee_exact` fast field, as
/// written) are then tested with `Filters::matches`.
#[derive(Debug)]
struct AssigneeFilter {
    /// Only the assignee list set: what each candidate is tested with.
    filter: Arc<Filters>,
    /// Documents with every word of some wanted name.
    candidates: Box<dyn Query>,
    names: Field,
}

impl AssigneeFilter {
    fn new(fields: &Fields, names: &[String]) -> Self {
        let per_name = names
            .iter()
            .map(|name| -> (TOccur, Box<dyn Query>) {
                let words = name_words(name)
                    .into_iter()
                    .map(|w| -> (TOccur, Box<dyn Query>) {
                        (
                            TOccur::Must,
                            Box::new(TermQuery::new(
                                Term::from_field_text(fields.assignee_words, &w),
                                IndexRecordOption::Basic,
                            )),
                        )
                    })
                    .collect();
                (TOccur::Should, Box::new(BooleanQuery::new(words)))
            })
            .collect();
        Self {
            filter: Arc::new(Filters {
                assignee: names.to_vec(),
                ..Filters::default()
            }),
            candidates: Box::new(BooleanQuery::new(per_name)),
            names: fields.assignee_exact,
        }
    }
}

impl DocPredicate for AssigneeFilter {
    type SegmentDocPredicate = SegmentAssignees;

    fn doc_predicate(
        &self,
        reader: &SegmentReader,
    ) -> tantivy::Result<ConstOrVariableSegmentPredicate<SegmentAssignees>> {
        let name = reader.schema().get_field_name(self.names);
        let Some(column) = reader.fast_fields().str(name)? else {
            // No document of the segment has an assignee.
            return Ok(ConstOrVariableSegmentPredicate::Const(false));
        };
        let candidates = self
            .candidates
            .weight(EnableScoring::disabled_from_schema(reader.schema()))?
            .scorer(reader, 1.0)?;
        Ok(ConstOrVariableSegmentPredicate::Variable {
            predicate: SegmentAssignees {
                column,
                filter: Arc::clone(&self.filter),
                doc: FilterFields::default(),
            },
            necessary_condition: candidates,
        })
    }
}

/// [`AssigneeFilter`] in one segment.
struct SegmentAssignees {
    column: StrColumn,
    filter: Arc<Filters>,
    /// Reused for each document: only `assignees` is ever set.
    doc: FilterFields,
}

impl SegmentDocPredicate for SegmentAssignees {
    fn eval(&mut self, doc: DocId) -> bool {
        let names = &mut self.doc.assignees;
        names.clear();
        for ord in self.column.term_ords(doc) {
            let mut name = String::new();
            // An unreadable name counts as absent: the document fails
            // rather than passing unchecked.
            if let Ok(true) = self.column.ord_to_str(ord, &mut name) {
                names.push(name);
            }
        }
        self.filter.matches(&self.doc)
    }
}

/// A query restricted to the documents `filter` matches, scored by `query`
/// alone. Not a boolean query with a zero-scored filter clause: tantivy's
/// boolean query drops a required clause whose scorer matches every
/// document (a bare `AllQuery`, a date range covering the segment) *with its
/// score*, so a filter beside such a query would change the scores.
#[derive(Debug)]
struct Filtered {
    query: Box<dyn Query>,
    filter: Box<dyn Query>,
}

impl Clone for Filtered {
    fn clone(&self) -> Self {
        Self {
            query: self.query.box_clone(),
            filter: self.filter.box_clone(),
        }
    }
}

impl Query for Filtered {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let unscored = match enable_scoring.searcher() {
            Some(searcher) => EnableScoring::disabled_from_searcher(searcher),
            None => EnableScoring::disabled_from_schema(enable_scoring.schema()),
        };
        Ok(Box::new(FilteredWeight {
            query: self.query.weight(enable_scoring)?,
            filter: self.filter.weight(unscored)?,
        }))
    }

    /// Only the query's terms: filters are not what snippets highlight.
    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.query.query_terms(visitor);
    }
}

struct FilteredWeight {
    query: Box<dyn Weight>,
    filter: Box<dyn Weight>,
}

impl Weight for FilteredWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let query = self.query.scorer(reader, boost)?;
        let filter = self.filter.scorer(reader, 1.0)?;
        // An intersection sums its scorers' scores; the filter's adds 0.
        Ok(intersect_scorers(
            vec![query, Box::new(ConstScorer::new(filter, 0.0))],
            reader.num_docs(),
        ))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut filter = self.filter.scorer(reader, 1.0)?;
        if filter.doc() > doc || filter.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document #{doc} does not pass the filters"
            )));
        }
        self.query.explain(reader, doc)
    }
}
