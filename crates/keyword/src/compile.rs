//! From the query AST and structured filters to tantivy queries.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::ops::Bound;
use std::sync::Arc;

use chrono::NaiveDate;
use patsearch_record::{
    compact_code, name_words, Cancellation, DateRange, FilterFields, Filters, PublicationNumber,
};
use serde::{Deserialize, Serialize};
use tantivy::columnar::StrColumn;
use tantivy::query::doc_predicate_query::{
    ConstOrVariableSegmentPredicate, DocPredicate, DocPredicateQuery, SegmentDocPredicate,
};
use tantivy::query::{
    intersect_scorers, AllQuery, BitSetDocSet, BooleanQuery, BoostQuery, ConstScoreQuery,
    ConstScorer, DisjunctionMaxQuery, EmptyScorer, EnableScoring, Explanation, Occur as TOccur,
    PhraseQuery, Query, RangeQuery, Scorer, TermQuery, Weight,
};
use tantivy::schema::{Facet, Field, IndexRecordOption};
use tantivy::tokenizer::TokenizerManager;
use tantivy::{
    BitSet, DocId, DocSet, Score, Searcher, SegmentReader, TantivyError, Term,
    COLLECT_BLOCK_BUFFER_LEN, TERMINATED,
};

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

    /// A word with `*` (any letters) or `?` (one letter), matched against
    /// the words of the index as written, each matching word counting the
    /// same (a constant score, as Lucene's wildcards). The words are found
    /// here, before the search, so that a pattern matching too much is
    /// refused with its position rather than walked by every segment's
    /// scorer; within the limits the result is what tantivy's `RegexQuery`
    /// over the same fields gave.
    fn wildcard(
        &self,
        field: Option<TextField>,
        text: &str,
        position: usize,
    ) -> Result<Box<dyn Query>, KeywordError> {
        let lowered = text.to_lowercase();
        if lowered.chars().all(|c| c == '*' || c == '?') {
            return Err(query_error(
                position,
                "a wildcard needs at least one letter: batter*, wom?n",
            ));
        }
        let wildcards = self.wildcards.get() + 1;
        self.wildcards.set(wildcards);
        if wildcards > self.limits.max_wildcards {
            return Err(query_error(
                position,
                format!(
                    "the query has more than {} wildcard patterns; use fewer",
                    self.limits.max_wildcards
                ),
            ));
        }
        // The letters go through the analyzer of the fields the pattern is
        // matched in, one by one (it lower-cases and folds each character on
        // its own), so `Café*` finds what `cafe*` finds.
        let mut pattern = Vec::new();
        for c in text.chars() {
            match c {
                '*' => pattern.push(Glob::Any),
                '?' => pattern.push(Glob::One),
                c if c.is_alphanumeric() => {
                    let folded = self.analyze(WORDS, c.encode_utf8(&mut [0; 4]));
                    if folded.is_empty() {
                        pattern.extend(c.to_lowercase().map(Glob::Letter));
                    }
                    for token in folded {
                        pattern.extend(token.chars().map(Glob::Letter));
                    }
                }
                c => pattern.push(Glob::Letter(c)),
            }
        }
        let mut words = BTreeSet::new();
        let mut per_field: Vec<Box<dyn Query>> = Vec::new();
        for (target, boost) in self.targets(field) {
            let f = self.wildcard_field(target);
            let terms = self.expand(f, &pattern, &mut words, text, position)?;
            let q = ExpandedTerms {
                field: f,
                terms: Arc::new(terms),
                cancel: self.cancel.clone(),
            };
            per_field.push(boosted(Box::new(q), boost));
        }
        self.expansions.set(self.expansions.get() + words.len());
        // No field to search (every boost 0): matches nothing.
        Ok(self
            .best_field(per_field)
            .unwrap_or_else(|| Box::new(BooleanQuery::new(Vec::new()))))
    }

    /// The words of `field` in any segment that `pattern` matches, sorted;
    /// each new one is added to `words`, the pattern's words in all its
    /// fields, which the limits count.
    fn expand(
        &self,
        field: Field,
        pattern: &[Glob],
        words: &mut BTreeSet<Vec<u8>>,
        text: &str,
        position: usize,
    ) -> Result<Vec<Vec<u8>>, KeywordError> {
        let limits = &self.limits;
        // The letters before the first wildcard narrow the walk to the
        // words that start with them.
        let prefix: String = pattern
            .iter()
            .map_while(|g| match g {
                Glob::Letter(c) => Some(*c),
                _ => None,
            })
            .collect();
        let mut found = BTreeSet::new();
        let mut chars = Vec::new();
        let mut walked = 0usize;
        for segment in self.searcher.segment_readers() {
            self.cancel.check()?;
            let inverted = segment.inverted_index(field)?;
            let mut stream = inverted
                .terms()
                .range()
                .ge(prefix.as_bytes())
                .into_stream()
                .map_err(TantivyError::from)?;
            while stream.advance() {
                walked += 1;
                if walked.is_multiple_of(CHECK_EVERY) {
                    self.cancel.check()?;
                }
                let key = stream.key();
                if !key.starts_with(prefix.as_bytes()) {
                    break;
                }
                let Ok(word) = std::str::from_utf8(key) else {
                    continue;
                };
                chars.clear();
                chars.extend(word.chars());
                if !glob_matches(pattern, &chars) || found.contains(key) {
                    continue;
                }
                found.insert(key.to_vec());
                if words.insert(key.to_vec()) {
                    if words.len() > limits.max_expansions {
                        return Err(query_error(
                            position,
                            format!(
                                "`{text}` matches more than {} words; narrow the pattern",
                                limits.max_expansions
                            ),
                        ));
                    }
                    if self.expansions.get() + words.len() > limits.max_total_expansions {
                        return Err(query_error(
                            position,
                            format!(
                                "the query's wildcards match more than {} words in all; narrow them",
                                limits.max_total_expansions
                            ),
                        ));
                    }
                }
            }
        }
        Ok(found.into_iter().collect())
    }
}

/// A piece of a wildcard pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Glob {
    Letter(char),
    /// `?`
    One,
    /// `*`
    Any,
}

/// Whether `word` is all of `pattern`. Backtracks only to the last `*`,
/// so it takes at most (pattern length) × (word length) steps, whatever the
/// pattern: no regular expression is compiled from user input.
fn glob_matches(pattern: &[Glob], word: &[char]) -> bool {
    let letters = pattern.iter().filter(|g| **g != Glob::Any).count();
    if letters > word.len() {
        return false;
    }
    let (mut p, mut w) = (0, 0);
    // The last `*` seen and the first letter of the word it has not taken.
    let mut star: Option<(usize, usize)> = None;
    while w < word.len() {
        match pattern.get(p) {
            Some(Glob::Any) => {
                star = Some((p, w));
                p += 1;
            }
            Some(Glob::One) => {
                p += 1;
                w += 1;
            }
            Some(Glob::Letter(c)) if *c == word[w] => {
                p += 1;
                w += 1;
            }
            _ => match star {
                // Let the `*` take one letter more and try again after it.
                Some((sp, sw)) => {
                    p = sp + 1;
                    w = sw + 1;
                    star = Some((sp, sw + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|g| *g == Glob::Any)
}

/// The words a wildcard matched in one field, every document having one of
/// them scoring the same (the boost): what a `RegexQuery` scores, from a
/// bounded list of terms. Checks its token while it reads postings.
#[derive(Debug, Clone)]
struct ExpandedTerms {
    field: Field,
    /// Sorted, as the term dictionary is.
    terms: Arc<Vec<Vec<u8>>>,
    cancel: Cancellation,
}

impl Query for ExpandedTerms {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for ExpandedTerms {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut docs = BitSet::with_max_value(reader.max_doc());
        let inverted = reader.inverted_index(self.field)?;
        for (i, term) in self.terms.iter().enumerate() {
            // Stopped: what was read is enough, since the search that
            // asked is answered with the cancellation, not with hits.
            if i.is_multiple_of(64) && self.cancel.is_cancelled() {
                break;
            }
            let Some(info) = inverted.terms().get(term)? else {
                continue;
            };
            let mut postings =
                inverted.read_block_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
            loop {
                let block = postings.docs();
                if block.is_empty() {
                    break;
                }
                for &doc in block {
                    docs.insert(doc);
                }
                postings.advance();
            }
        }
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from(docs), boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new("wildcard", scorer.score()))
        } else {
            Err(TantivyError::InvalidArgument(format!(
                "document #{doc} matches no word of the wildcard"
            )))
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
    use tantivy::schema::{Schema, STRING};
    use tantivy::{doc, Index, IndexWriter, SegmentOrdinal};

    use super::*;

    fn glob(pattern: &str) -> Vec<Glob> {
        pattern
            .chars()
            .map(|c| match c {
                '*' => Glob::Any,
                '?' => Glob::One,
                c => Glob::Letter(c),
            })
            .collect()
    }

    fn matches(pattern: &str, word: &str) -> bool {
        glob_matches(&glob(pattern), &word.chars().collect::<Vec<_>>())
    }

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

    #[test]
    fn wildcards_match_whole_words() {
        for (pattern, word) in [
            ("batter*", "battery"),
            ("batter*", "batter"),
            ("*ab*", "ab"),
            ("*ab*", "cabbage"),
            ("wom?n", "women"),
            ("*a*b*c", "xaybzc"),
            ("a*a*a*b", "aaaaaab"),
            ("caf?", "café"),
            ("**x", "x"),
        ] {
            assert!(matches(pattern, word), "{pattern} {word}");
        }
        for (pattern, word) in [
            ("batter*", "batt"),
            ("*ab*", "ba"),
            ("wom?n", "woman1"),
            ("wom?n", "womn"),
            ("a*a*a*b", "aaaaaaa"),
            ("?", ""),
            ("x*", "ax"),
        ] {
            assert!(!matches(pattern, word), "{pattern} {word}");
        }
        // A long pattern against a word costs no more than their product.
        let long = format!("*{}*", "a*".repeat(20_000));
        let started = std::time::Instant::now();
        assert!(!matches(&long, &"a".repeat(40)));
        assert!(started.elapsed().as_secs_f64() < 1.0);
    }

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
