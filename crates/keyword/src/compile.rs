//! From the query AST and structured filters to tantivy queries.

use std::ops::Bound;
use std::sync::Arc;

use chrono::NaiveDate;
use patsearch_record::{
    compact_code, name_words, DateRange, FilterFields, Filters, PublicationNumber,
};
use serde::{Deserialize, Serialize};
use tantivy::columnar::StrColumn;
use tantivy::query::doc_predicate_query::{
    ConstOrVariableSegmentPredicate, DocPredicate, DocPredicateQuery, SegmentDocPredicate,
};
use tantivy::query::{
    intersect_scorers, AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, ConstScorer,
    DisjunctionMaxQuery, EnableScoring, Explanation, Occur as TOccur, PhraseQuery, Query,
    RangeQuery, RegexQuery, Scorer, TermQuery, Weight,
};
use tantivy::schema::{Facet, Field, IndexRecordOption};
use tantivy::tokenizer::TokenizerManager;
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, Term};

use crate::query::{Ast, DateField, ExactField, Occur, QueryError, Scheme, TextField};
use crate::schema::{code_steps, date_value, Fields, STEMMED, WORDS};

/// How much each text field counts when a term has no field prefix (0: not
/// searched). Equal by default: BM25 already weighs a match by its field's
/// length (a word of a 10-word title counts for more than one of a 10,000-word
/// description); on the judged topics of `../shared/eval/nl` the old
/// boosts (title 3, abstract 2, claims 1.5) ranked far worse, every boost of
/// the title above 1 ranked worse, and other weightings made no clear
/// difference (benches/README.md, "Relevance tuning").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldBoosts {
    pub title: f32,
    #[serde(rename = "abstract")]
    pub abstract_text: f32,
    pub claims: f32,
    pub description: f32,
}

impl Default for FieldBoosts {
    fn default() -> Self {
        Self {
            title: 1.0,
            abstract_text: 1.0,
            claims: 1.0,
            description: 1.0,
        }
    }
}

pub(crate) struct Compiler<'a> {
    pub(crate) fields: &'a Fields,
    pub(crate) tokenizers: &'a TokenizerManager,
    pub(crate) boosts: FieldBoosts,
    /// What the other fields a word matches in add to its best field's
    /// score (see [`crate::KeywordConfig::tie_breaker`]).
    pub(crate) tie_breaker: f32,
}

impl Compiler<'_> {
    fn text_field(&self, field: TextField) -> (Field, &'static str) {
        let f = self.fields;
        match field {
            TextField::Title => (f.title, STEMMED),
            TextField::Abstract => (f.abstract_text, STEMMED),
            TextField::Claims => (f.claims, STEMMED),
            TextField::Description => (f.description, STEMMED),
            TextField::Assignee => (f.assignee, WORDS),
            TextField::Inventor => (f.inventor, WORDS),
        }
    }

    /// The field a wildcard is expanded in for a text field: the words as
    /// written, since a wildcard spells a word, not a stem.
    fn wildcard_field(&self, field: TextField) -> Field {
        let f = self.fields;
        match field {
            TextField::Title => f.title_words,
            TextField::Abstract => f.abstract_words,
            TextField::Claims => f.claims_words,
            TextField::Description => f.description_words,
            TextField::Assignee => f.assignee,
            TextField::Inventor => f.inventor,
        }
    }

    /// The fields (and boosts) a term goes to.
    fn targets(&self, field: Option<TextField>) -> Vec<(TextField, f32)> {
        match field {
            Some(f) => vec![(f, 1.0)],
            None => [
                (TextField::Title, self.boosts.title),
                (TextField::Abstract, self.boosts.abstract_text),
                (TextField::Claims, self.boosts.claims),
                (TextField::Description, self.boosts.description),
            ]
            .into_iter()
            .filter(|(_, b)| *b > 0.0)
            .collect(),
        }
    }

    fn analyze(&self, analyzer: &str, text: &str) -> Vec<String> {
        let Some(mut analyzer) = self.tokenizers.get(analyzer) else {
            return Vec::new();
        };
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    /// Compiles a parsed query. `None` when it holds no searchable word at
    /// all (only punctuation, say), which the caller reports.
    pub(crate) fn compile(&self, ast: &Ast) -> Result<Option<Box<dyn Query>>, QueryError> {
        match ast {
            Ast::Term {
                field,
                text,
                position,
            } => {
                if text.contains(['*', '?']) {
                    return self.wildcard(*field, text, *position).map(Some);
                }
                Ok(self.words(*field, text, 0))
            }
            Ast::Phrase {
                field, text, slop, ..
            } => Ok(self.words(*field, text, *slop)),
            Ast::Code {
                scheme,
                prefix,
                position,
            } => {
                let field = match scheme {
                    Scheme::Cpc => self.fields.cpc,
                    Scheme::Ipc => self.fields.ipc,
                };
                code_query(field, prefix)
                    .map(Some)
                    .ok_or_else(|| QueryError {
                        position: *position,
                        message: format!(
                            "`{prefix}` is not a classification prefix: use a section (G), class (G06), subclass (G06F), group (G06F16) or full code (G06F16/245)"
                        ),
                    })
            }
            Ast::Number { text, position } => {
                let number: PublicationNumber = text.parse().map_err(|e| QueryError {
                    position: *position,
                    message: format!("`{text}` is not a publication number: {e}"),
                })?;
                Ok(Some(number_query(self.fields, &number)))
            }
            Ast::Exact { field, value } => {
                let f = match field {
                    ExactField::Country => self.fields.country,
                    ExactField::Kind => self.fields.kind,
                };
                Ok(Some(Box::new(TermQuery::new(
                    Term::from_field_text(f, value),
                    IndexRecordOption::Basic,
                ))))
            }
            Ast::Dates { field, from, to } => {
                Ok(Some(date_query(self.date_field(*field), *from, *to)))
            }
            Ast::Bool(items) => {
                let mut clauses: Vec<(TOccur, Box<dyn Query>)> = Vec::new();
                for (occur, item) in items {
                    let Some(q) = self.compile(item)? else {
                        continue;
                    };
                    clauses.push((tantivy_occur(*occur), q));
                }
                if clauses.is_empty() {
                    return Ok(None);
                }
                Ok(Some(finish_bool(clauses)))
            }
        }
    }

    fn date_field(&self, field: DateField) -> Field {
        match field {
            DateField::Filed => self.fields.filed,
            DateField::Published => self.fields.published,
            DateField::Priority => self.fields.priority,
        }
    }

    /// A word or phrase: analysed per target field, one token becoming a term
    /// query and several a phrase, each boosted, any field matching, the
    /// best field counting (see [`Compiler::best_field`]).
    fn words(&self, field: Option<TextField>, text: &str, slop: u32) -> Option<Box<dyn Query>> {
        let mut per_field: Vec<Box<dyn Query>> = Vec::new();
        for (target, boost) in self.targets(field) {
            let (f, analyzer) = self.text_field(target);
            let tokens = self.analyze(analyzer, text);
            let q: Box<dyn Query> = match tokens.len() {
                0 => continue,
                1 => Box::new(TermQuery::new(
                    Term::from_field_text(f, &tokens[0]),
                    IndexRecordOption::WithFreqs,
                )),
                _ => {
                    let terms: Vec<(usize, Term)> = tokens
                        .iter()
                        .enumerate()
                        .map(|(i, t)| (i, Term::from_field_text(f, t)))
                        .collect();
                    Box::new(PhraseQuery::new_with_offset_and_slop(terms, slop))
                }
            };
            per_field.push(boosted(q, boost));
        }
        self.best_field(per_field)
    }

    /// One word's (or phrase's, or wildcard's) queries in each field as one
    /// clause: the best field's score plus `tie_breaker` times each other
    /// matching field's, so that a word found in the title, the abstract and
    /// the description is not counted three times over a word found in one.
    ///
    /// A tie breaker of 1 is the plain sum, built as a boolean query: the
    /// same scores, and tantivy can then skip documents that cannot reach
    /// the top hits (block-max WAND), which it cannot do under a maximum.
    fn best_field(&self, mut per_field: Vec<Box<dyn Query>>) -> Option<Box<dyn Query>> {
        match per_field.len() {
            0 => None,
            1 => per_field.pop(),
            _ if (self.tie_breaker - 1.0).abs() < f32::EPSILON => Some(Box::new(
                BooleanQuery::new(per_field.into_iter().map(|q| (TOccur::Should, q)).collect()),
            )),
            _ => Some(Box::new(DisjunctionMaxQuery::with_tie_breaker(
                per_field,
                self.tie_breaker,
            ))),
        }
    }

    fn wildcard(
        &self,
        field: Option<TextField>,
        text: &str,
        position: usize,
    ) -> Result<Box<dyn Query>, QueryError> {
        let lowered = text.to_lowercase();
        if lowered.chars().all(|c| c == '*' || c == '?') {
            return Err(QueryError {
                position,
                message: "a wildcard needs at least one letter: batter*, wom?n".into(),
            });
        }
        // The letters go through the analyzer of the fields the pattern is
        // matched in, one by one (it lower-cases and folds each character on
        // its own), so `Café*` finds what `cafe*` finds.
        let mut pattern = String::new();
        for c in text.chars() {
            match c {
                '*' => pattern.push_str(".*"),
                '?' => pattern.push('.'),
                c if c.is_alphanumeric() => {
                    let folded = self.analyze(WORDS, c.encode_utf8(&mut [0; 4]));
                    if folded.is_empty() {
                        pattern.extend(c.to_lowercase().map(regex_escape));
                    }
                    for token in folded {
                        pattern.extend(token.chars().map(regex_escape));
                    }
                }
                c => pattern.push_str(&regex_escape(c)),
            }
        }
        let mut per_field: Vec<Box<dyn Query>> = Vec::new();
        for (target, boost) in self.targets(field) {
            let f = self.wildcard_field(target);
            let q = RegexQuery::from_pattern(&pattern, f).map_err(|e| QueryError {
                position,
                message: format!("bad wildcard `{text}`: {e}"),
            })?;
            per_field.push(boosted(Box::new(q), boost));
        }
        // No field to search (every boost 0): matches nothing.
        Ok(self
            .best_field(per_field)
            .unwrap_or_else(|| Box::new(BooleanQuery::new(Vec::new()))))
    }
}

fn regex_escape(c: char) -> String {
    if "\\.+*?()|[]{}^$#&-~".contains(c) {
        format!("\\{c}")
    } else {
        c.to_string()
    }
}

fn boosted(q: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if (boost - 1.0).abs() < f32::EPSILON {
        q
    } else {
        Box::new(BoostQuery::new(q, boost))
    }
}

fn tantivy_occur(occur: Occur) -> TOccur {
    match occur {
        Occur::Must => TOccur::Must,
        Occur::Should => TOccur::Should,
        Occur::MustNot => TOccur::MustNot,
    }
}

/// A boolean query; one made only of exclusions matches everything else,
/// every document scoring 1.
fn finish_bool(mut clauses: Vec<(TOccur, Box<dyn Query>)>) -> Box<dyn Query> {
    if clauses.iter().all(|(o, _)| *o == TOccur::MustNot) {
        // Not a bare `AllQuery`: when a segment has none of the excluded
        // words, the whole clause becomes tantivy's `AllScorer`, which an
        // enclosing boolean query drops from its required clauses *with its
        // score*, so `(-a) AND b` would score 1 less in some segments than
        // in others. A constant-score wrapper is never dropped.
        clauses.push((
            TOccur::Must,
            Box::new(ConstScoreQuery::new(Box::new(AllQuery), 1.0)),
        ));
    }
    Box::new(BooleanQuery::new(clauses))
}

/// Documents under a classification prefix, or `None` if it is not one.
pub(crate) fn code_query(field: Field, prefix: &str) -> Option<Box<dyn Query>> {
    let steps = code_steps(&compact_code(prefix))?;
    let facet = Facet::from_path(steps);
    Some(Box::new(TermQuery::new(
        Term::from_facet(field, &facet),
        IndexRecordOption::Basic,
    )))
}

/// The document with this number: exactly when a kind is given, any kind otherwise.
pub(crate) fn number_query(fields: &Fields, number: &PublicationNumber) -> Box<dyn Query> {
    let (field, text) = match number.kind() {
        Some(_) => (fields.pn, number.to_string()),
        None => (fields.pn_base, number.base()),
    };
    Box::new(TermQuery::new(
        Term::from_field_text(field, &text),
        IndexRecordOption::Basic,
    ))
}

fn date_query(field: Field, from: Bound<NaiveDate>, to: Bound<NaiveDate>) -> Box<dyn Query> {
    let term = |d: NaiveDate| Term::from_field_date_for_search(field, date_value(d));
    let from = match from {
        Bound::Included(d) => Bound::Included(term(d)),
        Bound::Excluded(d) => Bound::Excluded(term(d)),
        Bound::Unbounded => Bound::Unbounded,
    };
    let to = match to {
        Bound::Included(d) => Bound::Included(term(d)),
        Bound::Excluded(d) => Bound::Excluded(term(d)),
        Bound::Unbounded => Bound::Unbounded,
    };
    let (from, to) = match (from, to) {
        // `[* TO *]`: any document with a date in the field.
        (Bound::Unbounded, Bound::Unbounded) => (
            Bound::Included(term(NaiveDate::MIN)),
            Bound::Included(term(NaiveDate::MAX)),
        ),
        bounds => bounds,
    };
    Box::new(RangeQuery::new(from, to))
}

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
