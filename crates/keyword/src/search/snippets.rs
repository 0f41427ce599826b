//! Snippets: the passage of each hit where most of the query's words show,
//! found from the index's positions, then highlighted.

use patsearch_record::{Cancellation, PatentRecord};
use serde::Serialize;
use tantivy::postings::Postings;
use tantivy::query::Query;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, DocSet, Searcher, Term};

use crate::schema::value_at;
use crate::{KeywordError, KeywordIndex};

/// A field a snippet can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SnippetField {
    Title,
    Abstract,
    Claims,
    Description,
}

/// A passage with the query's words marked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snippet {
    pub field: SnippetField,
    pub text: String,
    /// Byte ranges of `text` to highlight.
    pub highlights: Vec<(usize, usize)>,
    /// `text` as HTML with `<b>` around the highlights (the rest escaped).
    pub html: String,
}
const SNIPPET_CHARS: usize = 240;

impl KeywordIndex {
    /// The snippet for `query` of each of a page of hits (addresses with
    /// their records).
    pub(super) fn snippets_at(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        hits: &[(DocAddress, &PatentRecord)],
        cancel: &Cancellation,
    ) -> Result<Vec<Option<Snippet>>, KeywordError> {
        self.snippet_maker(searcher, query)?
            .page(searcher, hits, cancel)
    }

    fn snippet_maker(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
    ) -> Result<SnippetMaker, KeywordError> {
        let f = &self.fields;
        let prose = [f.abstract_text, f.claims, f.description, f.title];
        let mut generators = Vec::with_capacity(prose.len());
        for field in prose {
            let mut g = SnippetGenerator::create(searcher, query, field)?;
            g.set_max_num_chars(SNIPPET_CHARS);
            generators.push(g);
        }
        let mut terms: Vec<QueryTerm> = Vec::new();
        let mut stems: Vec<String> = Vec::new();
        query.query_terms(&mut |term, _| {
            let Some(slot) = prose.iter().position(|p| *p == term.field()) else {
                return;
            };
            let value = term.value();
            let Some(text) = value.as_str() else {
                return;
            };
            let stem = match stems.iter().position(|s| s == text) {
                Some(k) => k,
                None => {
                    stems.push(text.to_string());
                    stems.len() - 1
                }
            };
            if !terms.iter().any(|t| t.term == *term) {
                terms.push(QueryTerm {
                    slot,
                    term: term.clone(),
                    stem,
                });
            }
        });
        Ok(SnippetMaker {
            generators,
            terms,
            claims_starts: f.claims_starts,
            description_starts: f.description_starts,
        })
    }
}

/// Where a snippet can come from, in the order that wins ties.
const SLOTS: [SnippetField; 4] = [
    SnippetField::Abstract,
    SnippetField::Claims,
    SnippetField::Description,
    SnippetField::Title,
];

/// A term of the query in one of the `SLOTS` fields.
struct QueryTerm {
    /// Index in `SLOTS`.
    slot: usize,
    term: Term,
    /// Which of the query's distinct words (stems) it is: the same stem in
    /// two fields is one word.
    stem: usize,
}

/// A query word in a passage: (index in `SLOTS`, passage, stem).
type Mark = (usize, usize, usize);

/// Builds the snippets of a page of hits for one query.
///
/// A snippet is a fragment of one passage: the title, the abstract, one
/// claim or one description paragraph, the one where most of the query's
/// distinct words show (ties: abstract, claims, description, title, then
/// the earlier passage). The passage is chosen from the index itself: the
/// positions of the query's terms in each hit, mapped to claims and
/// paragraphs by where each starts (`claims_starts`, `description_starts`).
/// So only the chosen passages' text is analysed, by tantivy's highlighter;
/// tokenising and stemming whole 50,000-character descriptions to find the
/// passage was half of a hybrid request's CPU time under load.
struct SnippetMaker {
    /// One per `SLOTS` field.
    generators: Vec<SnippetGenerator>,
    terms: Vec<QueryTerm>,
    claims_starts: Field,
    description_starts: Field,
}

impl SnippetMaker {
    /// The snippet of each hit; the abstract's start for a hit where no
    /// query word shows.
    fn page(
        &self,
        searcher: &Searcher,
        hits: &[(DocAddress, &PatentRecord)],
        cancel: &Cancellation,
    ) -> Result<Vec<Option<Snippet>>, KeywordError> {
        let marks = self.marks(searcher, hits, cancel)?;
        hits.iter()
            .zip(marks)
            .map(|((_, record), marks)| {
                cancel.check()?;
                Ok(self.best(record, marks))
            })
            .collect()
    }

    /// For each hit, every (slot, passage, stem) the postings place in it.
    fn marks(
        &self,
        searcher: &Searcher,
        hits: &[(DocAddress, &PatentRecord)],
        cancel: &Cancellation,
    ) -> Result<Vec<Vec<Mark>>, KeywordError> {
        let mut marks: Vec<Vec<Mark>> = vec![Vec::new(); hits.len()];
        let mut order: Vec<usize> = (0..hits.len()).collect();
        order.sort_by_key(|&i| (hits[i].0.segment_ord, hits[i].0.doc_id));
        let mut positions: Vec<u32> = Vec::new();
        for group in order.chunk_by(|&a, &b| hits[a].0.segment_ord == hits[b].0.segment_ord) {
            let segment = searcher.segment_reader(hits[group[0]].0.segment_ord);
            let fast = segment.fast_fields();
            let starts_of = |field: Field| -> Result<Vec<Vec<u64>>, KeywordError> {
                let name = searcher.schema().get_field_name(field);
                let column = fast.u64(name)?;
                Ok(group
                    .iter()
                    .map(|&i| column.values_for_doc(hits[i].0.doc_id).collect())
                    .collect())
            };
            let claims = starts_of(self.claims_starts)?;
            let description = starts_of(self.description_starts)?;
            for term in &self.terms {
                cancel.check()?;
                let inverted = segment.inverted_index(term.term.field())?;
                let Some(mut postings) = inverted
                    .read_postings(&term.term, IndexRecordOption::WithFreqsAndPositions)
                    .map_err(tantivy::TantivyError::from)?
                else {
                    continue;
                };
                for (g, &i) in group.iter().enumerate() {
                    let doc = hits[i].0.doc_id;
                    if postings.doc() < doc {
                        postings.seek(doc);
                    }
                    if postings.doc() != doc {
                        continue;
                    }
                    postings.positions(&mut positions);
                    let mut last = None;
                    for &position in &positions {
                        let passage = match SLOTS[term.slot] {
                            SnippetField::Claims => value_at(&claims[g], position),
                            SnippetField::Description => value_at(&description[g], position),
                            SnippetField::Abstract | SnippetField::Title => 0,
                        };
                        // Positions ascend: a passage's repeats come together.
                        if last != Some(passage) {
                            marks[i].push((term.slot, passage, term.stem));
                            last = Some(passage);
                        }
                    }
                }
            }
        }
        Ok(marks)
    }

    fn best(&self, record: &PatentRecord, mut marks: Vec<Mark>) -> Option<Snippet> {
        marks.sort_unstable();
        marks.dedup();
        // (distinct stems, slot, passage), best first.
        let mut passages: Vec<(usize, usize, usize)> = marks
            .chunk_by(|a, b| (a.0, a.1) == (b.0, b.1))
            .map(|group| (group.len(), group[0].0, group[0].1))
            .collect();
        passages.sort_by(|a, b| b.0.cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
        // The best passage that highlights: one whose text does not match
        // the index (a record changed under a reader) is passed over.
        let best = passages.iter().find_map(|&(_, slot, passage)| {
            let text = passage_text(record, SLOTS[slot], passage)?;
            highlight(SLOTS[slot], &self.generators[slot], text)
        });
        best.or_else(|| {
            let text: String = record.abstract_text.chars().take(SNIPPET_CHARS).collect();
            (!text.is_empty()).then(|| Snippet {
                field: SnippetField::Abstract,
                html: escape_html(&text),
                text,
                highlights: Vec::new(),
            })
        })
    }
}

/// The text of a record's passage as the index holds it (one value of its
/// field).
fn passage_text(record: &PatentRecord, field: SnippetField, passage: usize) -> Option<&str> {
    match field {
        SnippetField::Title => Some(record.title.as_str()),
        SnippetField::Abstract => Some(record.abstract_text.as_str()),
        SnippetField::Claims => record.claims.get(passage).map(|c| c.text.as_str()),
        SnippetField::Description => record.description.get(passage).map(|p| p.text.as_str()),
    }
    .filter(|t| !t.is_empty())
}

/// A snippet of `text` with the query's words highlighted; `None` when none
/// shows.
fn highlight(field: SnippetField, generator: &SnippetGenerator, text: &str) -> Option<Snippet> {
    let snippet = generator.snippet(text);
    let highlights: Vec<(usize, usize)> = snippet
        .highlighted()
        .iter()
        .map(|r| (r.start, r.end))
        .collect();
    (!highlights.is_empty()).then(|| Snippet {
        field,
        html: snippet.to_html(),
        text: snippet.fragment().to_string(),
        highlights,
    })
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
