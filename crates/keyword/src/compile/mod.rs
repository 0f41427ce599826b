//! From the query AST and structured filters to tantivy queries.
//!
//! This module holds the compiler of the query language's clauses (words,
//! phrases, codes, numbers, dates, groups) and the settings that shape it;
//! `wildcard` expands `*`/`?` patterns in the term dictionaries, `filter`
//! turns structured filters into non-scoring restrictions, and `stoppable`
//! makes a whole query end when its cancellation token fires.

mod filter;
mod stoppable;
mod wildcard;

use std::cell::Cell;
use std::ops::Bound;

use chrono::NaiveDate;
use patsearch_record::{compact_code, Cancellation, PublicationNumber};
use serde::{Deserialize, Serialize};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur as TOccur,
    PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Facet, Field, IndexRecordOption};
use tantivy::tokenizer::TokenizerManager;
use tantivy::{Searcher, Term};

pub(crate) use filter::{filter_query, with_filters};
pub use filter::{validate_filters, FilterError};
pub(crate) use stoppable::Stoppable;

use crate::query::{Ast, DateField, ExactField, Occur, QueryError, Scheme, TextField, MAX_CLAUSES};
use crate::schema::{code_steps, date_value, Fields, CONTENT_WORDS, STEMMED, WORDS};
use crate::KeywordError;

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

/// What one query may ask of the term dictionaries. A wildcard is expanded
/// into the words of the index it matches before the search runs (see
/// [`Compiler::wildcard`]); these bound that expansion, as Lucene's and
/// Elasticsearch's `max_expansions` and `max_clause_count` do, so that a
/// short query cannot make the search walk the dictionaries hundreds of
/// times or read the postings of most of the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    /// Wildcard patterns in one query. A pattern that starts with `*` or
    /// `?` walks the whole term dictionary of up to four fields, whatever
    /// it matches: that walk, not the matches, is what 400 patterns of a
    /// 2,000-character query cost.
    pub max_wildcards: usize,
    /// Distinct words one pattern may match. On the 6,940 patents of the
    /// benchmark corpus `con*` matches about 1,060 words, `*ab*` 3,500 and
    /// `s*` 12,000: a pattern past the limit is too broad to mean anything.
    pub max_expansions: usize,
    /// Distinct words all the patterns of a query may match together.
    pub max_total_expansions: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_wildcards: 16,
            // Elasticsearch 8's default `max_clause_count`.
            max_expansions: 4096,
            max_total_expansions: 16_384,
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
    /// The index as the search will see it: wildcards are expanded in it.
    pub(crate) searcher: &'a Searcher,
    pub(crate) cancel: &'a Cancellation,
    pub(crate) limits: QueryLimits,
    /// Spent so far: clauses (a phrase counts its words), wildcard
    /// patterns, words the patterns matched.
    pub(crate) clauses: Cell<usize>,
    pub(crate) wildcards: Cell<usize>,
    pub(crate) expansions: Cell<usize>,
}

/// How often a loop over terms or documents looks at its cancellation
/// token: often enough to stop within a millisecond or so, rarely enough
/// that the clock read does not show.
const CHECK_EVERY: usize = 1024;

fn query_error(position: usize, message: impl Into<String>) -> KeywordError {
    KeywordError::Query(QueryError {
        position,
        message: message.into(),
    })
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
    pub(crate) fn compile(&self, ast: &Ast) -> Result<Option<Box<dyn Query>>, KeywordError> {
        if !matches!(ast, Ast::Bool(_)) {
            self.spend_clauses(1, None)?;
        }
        match ast {
            Ast::Term {
                field,
                text,
                position,
            } => {
                if text.contains(['*', '?']) {
                    return self.wildcard(*field, text, *position).map(Some);
                }
                self.words(*field, without_possessive(text), 0, *position)
            }
            Ast::Phrase {
                field,
                text,
                slop,
                position,
            } => self.words(*field, text, *slop, *position),
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
                    .ok_or_else(|| query_error(
                        *position,
                        format!(
                            "`{prefix}` is not a classification prefix: use a section (G), class (G06), subclass (G06F), group (G06F16) or full code (G06F16/245)"
                        ),
                    ))
            }
            Ast::Number { text, position } => {
                let number: PublicationNumber = text.parse().map_err(|e| {
                    query_error(
                        *position,
                        format!("`{text}` is not a publication number: {e}"),
                    )
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
                let stop_words = self.stop_words(items);
                let mut clauses: Vec<(TOccur, Box<dyn Query>)> = Vec::new();
                for ((occur, item), stop_word) in items.iter().zip(stop_words) {
                    if stop_word {
                        continue;
                    }
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

    /// Which of a group's clauses are optional stop words ("a", "of", "the":
    /// Lucene's English list) to leave out. A natural-language query carries
    /// many; they add nothing to BM25 over the description (every patent has
    /// them) but score in a title that happens to hold one, and snippets
    /// would highlight them. Only a bare optional word goes: a phrase keeps
    /// its words (the index keeps them, at their positions), as do `+the`,
    /// `title:the`, and a group of nothing but stop words.
    fn stop_words(&self, items: &[(Occur, Ast)]) -> Vec<bool> {
        let stop: Vec<bool> = items
            .iter()
            .map(|(occur, item)| match item {
                Ast::Term {
                    field: None, text, ..
                } if *occur == Occur::Should && !text.contains(['*', '?']) => {
                    self.analyze(WORDS, text).len() == 1
                        && self.analyze(CONTENT_WORDS, text).is_empty()
                }
                _ => false,
            })
            .collect();
        let anything_else = items
            .iter()
            .zip(&stop)
            .any(|((occur, _), stop)| !stop && *occur != Occur::MustNot);
        if anything_else {
            stop
        } else {
            vec![false; items.len()]
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
    fn words(
        &self,
        field: Option<TextField>,
        text: &str,
        slop: u32,
        position: usize,
    ) -> Result<Option<Box<dyn Query>>, KeywordError> {
        let mut per_field: Vec<Box<dyn Query>> = Vec::new();
        let mut words = 0;
        for (target, boost) in self.targets(field) {
            let (f, analyzer) = self.text_field(target);
            let tokens = self.analyze(analyzer, text);
            // Each word of a phrase reads its postings, as a clause does
            // (Lucene counts a phrase's terms against `max_clause_count` too).
            if tokens.len() > words {
                self.spend_clauses(tokens.len() - words.max(1), Some(position))?;
                words = tokens.len();
            }
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
        Ok(self.best_field(per_field))
    }

    /// Counts `n` more clauses against [`MAX_CLAUSES`]. The parser bounds
    /// the clauses written; this adds the words of phrases.
    fn spend_clauses(&self, n: usize, position: Option<usize>) -> Result<(), KeywordError> {
        let spent = self.clauses.get() + n;
        self.clauses.set(spent);
        match position {
            Some(position) if spent > MAX_CLAUSES => Err(query_error(
                position,
                format!("the query has more than {MAX_CLAUSES} clauses (a phrase counts each of its words); shorten it"),
            )),
            _ => Ok(()),
        }
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

/// A word without its English possessive `'s` (Lucene's
/// `EnglishPossessiveFilter`): the analysers split `user's` into `user` and
/// `s`, which as a query would be the phrase "user s", matched through the
/// positions of every document with an `s` and found only where the text
/// has the possessive too, when the searcher means users. The index keeps
/// the `s` token, so a quoted phrase still matches the possessive exactly.
fn without_possessive(word: &str) -> &str {
    ["'s", "'S", "\u{2019}s", "\u{2019}S"]
        .iter()
        .find_map(|ending| word.strip_suffix(ending))
        .filter(|stem| stem.chars().any(char::is_alphanumeric))
        .unwrap_or(word)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_possessive_is_searched_as_its_word() {
        assert_eq!(without_possessive("user's"), "user");
        assert_eq!(without_possessive("USER'S"), "USER");
        assert_eq!(without_possessive("player\u{2019}s"), "player");
        assert_eq!(without_possessive("users'"), "users'");
        assert_eq!(without_possessive("'s"), "'s");
        assert_eq!(without_possessive("its"), "its");
        assert_eq!(without_possessive("o'clock"), "o'clock");
    }
}
