//! Searching: ranked hits with highlighted snippets, facet counts, lookups.

use crate::probes::StemProbes;
use std::collections::HashMap;

use patsearch_record::{Filters, PatentRecord, PublicationNumber};
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::Query;
use tantivy::schema::{Field, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use crate::compile::{filter_query, number_query, with_filters, Compiler};
use crate::facets::{FacetCollector, Facets};
use crate::query::QueryError;
use crate::schema::{stemmer, WORDS};
use crate::{KeywordError, KeywordIndex};

/// What to search for and how much to return.
#[derive(Debug, Clone)]
pub struct SearchRequest<'a> {
    pub query: &'a str,
    pub filters: &'a Filters,
    pub limit: usize,
    pub offset: usize,
    /// Highlighted snippets for each hit (costs a pass over each hit's text).
    pub snippets: bool,
    /// Facet counts over every matching document.
    pub facets: bool,
}

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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub publication_number: String,
    /// Position in the whole ranking, from 1.
    pub rank: usize,
    /// BM25 score with field boosts.
    pub score: f32,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<Snippet>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    /// Matching documents in all.
    pub total: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
}

const SNIPPET_CHARS: usize = 240;

impl KeywordIndex {
    /// Compiles the query text and filters into one tantivy query.
    pub fn build_query(
        &self,
        query: &str,
        filters: &Filters,
    ) -> Result<Box<dyn Query>, KeywordError> {
        let ast = crate::query::parse(query, self.config.default_and)?;
        let compiler = Compiler {
            fields: &self.fields,
            tokenizers: self.index.tokenizers(),
            boosts: self.config.boosts,
            tie_breaker: self.config.tie_breaker,
        };
        let compiled = compiler.compile(&ast)?.ok_or_else(|| QueryError {
            position: 0,
            message: "the query has no searchable words".into(),
        })?;
        Ok(with_filters(compiled, filter_query(&self.fields, filters)?))
    }

    pub fn search(&self, request: &SearchRequest<'_>) -> Result<SearchResults, KeywordError> {
        let query = self.build_query(request.query, request.filters)?;
        let searcher = self.reader.searcher();
        let limit = request.limit.max(1);
        let top = TopDocs::with_limit(limit)
            .and_offset(request.offset)
            .order_by_score();
        let (top, total) = searcher.search(&query, &(top, Count))?;
        let facets = if request.facets {
            Some(searcher.search(&query, &FacetCollector)?)
        } else {
            None
        };
        let mut snippets = if request.snippets {
            Some(self.snippet_maker(&searcher, &*query)?)
        } else {
            None
        };
        let mut hits = Vec::with_capacity(top.len());
        for (i, (score, address)) in top.into_iter().enumerate() {
            let (publication_number, title, snippet) = match &mut snippets {
                Some(maker) => {
                    let record = self.record_at(&searcher, address)?;
                    let snippet = maker.best(&record);
                    (record.publication_number.to_string(), record.title, snippet)
                }
                None => (
                    self.number_at(&searcher, address)?,
                    self.fast_str_at(&searcher, address, "title")?,
                    None,
                ),
            };
            hits.push(Hit {
                publication_number,
                rank: request.offset + i + 1,
                score,
                title,
                snippet,
            });
        }
        Ok(SearchResults {
            hits,
            total,
            facets,
        })
    }

    /// The top `k` publication numbers and scores, without loading records:
    /// the candidate list a fusion engine merges.
    pub fn candidates(
        &self,
        query: &str,
        filters: &Filters,
        k: usize,
    ) -> Result<Vec<(String, f32)>, KeywordError> {
        let query = self.build_query(query, filters)?;
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(k.max(1)).order_by_score())?;
        top.into_iter()
            .map(|(score, address)| Ok((self.number_at(&searcher, address)?, score)))
            .collect()
    }

    /// The stored record of a publication (any kind when none is given).
    pub fn get(&self, number: &PublicationNumber) -> Result<Option<PatentRecord>, KeywordError> {
        let searcher = self.reader.searcher();
        let query = number_query(&self.fields, number);
        let top = searcher.search(&*query, &TopDocs::with_limit(1).order_by_score())?;
        match top.first() {
            Some((_, address)) => Ok(Some(self.record_at(&searcher, *address)?)),
            None => Ok(None),
        }
    }

    /// A highlighted snippet of `record` for `query` (for hits found by
    /// another retriever).
    pub fn snippet(
        &self,
        query: &str,
        record: &PatentRecord,
    ) -> Result<Option<Snippet>, KeywordError> {
        Ok(self.snippets(query, &[record])?.pop().flatten())
    }

    /// [`KeywordIndex::snippet`] for several records of one query: the query
    /// is parsed and its snippet generator built once.
    pub fn snippets(
        &self,
        query: &str,
        records: &[&PatentRecord],
    ) -> Result<Vec<Option<Snippet>>, KeywordError> {
        let query = self.build_query(query, &Filters::default())?;
        let searcher = self.reader.searcher();
        let mut maker = self.snippet_maker(&searcher, &*query)?;
        Ok(records.iter().map(|record| maker.best(record)).collect())
    }

    fn record_at(
        &self,
        searcher: &Searcher,
        address: DocAddress,
    ) -> Result<PatentRecord, KeywordError> {
        let doc: TantivyDocument = searcher.doc(address)?;
        let bytes = doc
            .get_first(self.fields.record)
            .and_then(|v| v.as_bytes())
            .ok_or_else(|| {
                KeywordError::CorruptRecord("document without a stored record".into())
            })?;
        serde_json::from_slice(bytes).map_err(|e| KeywordError::CorruptRecord(e.to_string()))
    }

    fn number_at(&self, searcher: &Searcher, address: DocAddress) -> Result<String, KeywordError> {
        self.fast_str_at(searcher, address, "pn")
    }

    /// The value of a string fast field (`pn`, `title`) of one document.
    fn fast_str_at(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        field: &str,
    ) -> Result<String, KeywordError> {
        let segment = searcher.segment_reader(address.segment_ord);
        let column = segment
            .fast_fields()
            .str(field)?
            .ok_or_else(|| KeywordError::CorruptRecord(format!("no {field} column in segment")))?;
        let mut out = String::new();
        if let Some(ord) = column.term_ords(address.doc_id).next() {
            column
                .ord_to_str(ord, &mut out)
                .map_err(|e| KeywordError::CorruptRecord(e.to_string()))?;
        }
        Ok(out)
    }

    fn snippet_maker(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
    ) -> Result<SnippetMaker, KeywordError> {
        let f = &self.fields;
        let fields: [(SnippetField, Field); 4] = [
            (SnippetField::Abstract, f.abstract_text),
            (SnippetField::Claims, f.claims),
            (SnippetField::Description, f.description),
            (SnippetField::Title, f.title),
        ];
        let generators = fields
            .into_iter()
            .map(|(name, field)| {
                let mut g = SnippetGenerator::create(searcher, query, field)?;
                g.set_max_num_chars(SNIPPET_CHARS);
                Ok((name, g))
            })
            .collect::<Result<_, KeywordError>>()?;
        let mut stems = Vec::new();
        query.query_terms(&mut |term, _| {
            if term.field() == f.description {
                if let Some(t) = term.value().as_str() {
                    stems.push(t.to_string());
                }
            }
        });
        stems.sort();
        stems.dedup();
        let words = self.index.tokenizers().get(WORDS).ok_or_else(|| {
            KeywordError::Tantivy(tantivy::TantivyError::SchemaError(format!(
                "analyzer {WORDS} is not registered"
            )))
        })?;
        Ok(SnippetMaker {
            generators,
            paragraphs: ParagraphRanker::new(stems, words),
        })
    }
}

/// Builds the snippet of one record for one query.
struct SnippetMaker {
    generators: Vec<(SnippetField, SnippetGenerator)>,
    paragraphs: ParagraphRanker,
}

/// Description paragraphs a snippet is sought in: running the highlighter
/// over a whole 50,000-character description per hit costs milliseconds, so
/// the paragraphs are first ranked by how many of the query's stems their
/// words have. Their words, not their text: a stem is not always spelled
/// inside its word (`battery` stems to `batteri`).
const DESCRIPTION_PARAGRAPHS: usize = 3;

impl SnippetMaker {
    /// The snippet from the field where most distinct query words show, in
    /// the order abstract, claims, description, title on ties; the abstract's
    /// start when no field shows any.
    fn best(&mut self, record: &PatentRecord) -> Option<Snippet> {
        let mut best: Option<(usize, Snippet)> = None;
        for (field, generator) in &self.generators {
            let texts = match field {
                SnippetField::Description => self.paragraphs.best(record),
                other => vec![field_text(record, *other)],
            };
            for text in texts.iter().filter(|t| !t.is_empty()) {
                let Some((distinct, snippet)) = highlight(*field, generator, text) else {
                    continue;
                };
                if best.as_ref().is_none_or(|(n, _)| distinct > *n) {
                    best = Some((distinct, snippet));
                }
            }
        }
        best.map(|(_, s)| s).or_else(|| {
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

/// Ranks description paragraphs by the query's stems among their words.
///
/// The words are those the description field indexes, stemmed as it stems
/// them, so a paragraph counts a stem exactly when the index would. The
/// stemmer is the costly part (about 0.5 µs a word, 3 ms for a long
/// description), so each distinct word is stemmed once per search, its
/// answer remembered for every later paragraph and hit; and words whose
/// first letter starts no stem are passed over without a look-up, since the
/// English stemmer only ever rewrites endings (`stems_keep_the_first_letter`
/// below holds it to that).
struct ParagraphRanker {
    /// The query's stemmed words in the description field, sorted.
    stems: Vec<String>,
    /// The first bytes of `stems`.
    initials: [bool; 256],
    /// The description field's analyzer without its stemmer.
    words: TextAnalyzer,
    /// Its stemmer alone.
    stemmer: TextAnalyzer,
    /// Words already seen: the index in `stems` of their stem, if any.
    known: HashMap<String, Option<usize>>,
    /// Rules paragraphs out without tokenising them.
    probes: StemProbes,
}

/// Words `ParagraphRanker` remembers at most; past that it starts afresh
/// (the vocabulary of a page of hits is far smaller).
const KNOWN_WORDS: usize = 200_000;

impl ParagraphRanker {
    /// `stems` sorted and without repeats; `words` is the `WORDS` analyzer.
    fn new(stems: Vec<String>, words: TextAnalyzer) -> Self {
        let mut initials = [false; 256];
        for stem in &stems {
            if let Some(b) = stem.bytes().next() {
                initials[usize::from(b)] = true;
            }
        }
        Self {
            probes: StemProbes::new(&stems),
            stems,
            initials,
            words,
            stemmer: stemmer(),
            known: HashMap::new(),
        }
    }

    /// The paragraphs with the most distinct stems, first ones first on ties.
    ///
    /// Paragraphs are visited by a cheap upper bound on their count (the
    /// stems' probes in their text, see `probes`), best first, and only
    /// tokenised while they could still place: the result is the same as
    /// counting every paragraph, at a fraction of the stemming.
    fn best(&mut self, record: &PatentRecord) -> Vec<String> {
        if self.stems.is_empty() {
            return Vec::new();
        }
        let mut bounded: Vec<(usize, usize)> = record
            .description
            .iter()
            .enumerate()
            .map(|(i, p)| (self.probes.upper_bound(&p.text), i))
            .filter(|(bound, _)| *bound > 0)
            .collect();
        let best_first = |a: &(usize, usize), b: &(usize, usize)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        bounded.sort_by(best_first);
        let mut seen = vec![false; self.stems.len()];
        let mut scored: Vec<(usize, usize)> = Vec::new();
        for (bound, i) in bounded {
            if scored.len() == DESCRIPTION_PARAGRAPHS
                && bound < scored[DESCRIPTION_PARAGRAPHS - 1].0
            {
                break;
            }
            seen.fill(false);
            self.mark_stems(&record.description[i].text, &mut seen);
            let hits = seen.iter().filter(|s| **s).count();
            if hits > 0 {
                scored.push((hits, i));
                scored.sort_by(best_first);
                scored.truncate(DESCRIPTION_PARAGRAPHS);
            }
        }
        scored
            .into_iter()
            .map(|(_, i)| record.description[i].text.clone())
            .collect()
    }

    /// Sets `seen[k]` for each stem `k` some word of `text` has.
    fn mark_stems(&mut self, text: &str, seen: &mut [bool]) {
        if self.known.len() > KNOWN_WORDS {
            self.known.clear();
        }
        let Self {
            stems,
            initials,
            words,
            stemmer,
            known,
            ..
        } = self;
        let mut stream = words.token_stream(text);
        while stream.advance() {
            let word = &stream.token().text;
            if !word
                .bytes()
                .next()
                .is_some_and(|b| initials[usize::from(b)])
            {
                continue;
            }
            let stem = match known.get(word.as_str()) {
                Some(stem) => *stem,
                None => {
                    let stem = stem_index(stemmer, stems, word);
                    known.insert(word.clone(), stem);
                    stem
                }
            };
            if let Some(k) = stem {
                seen[k] = true;
            }
        }
    }
}

/// The index in `stems` of `word`'s stem.
fn stem_index(stemmer: &mut TextAnalyzer, stems: &[String], word: &str) -> Option<usize> {
    let mut stream = stemmer.token_stream(word);
    if !stream.advance() {
        return None;
    }
    let stem = stream.token().text.as_str();
    stems.binary_search_by(|s| s.as_str().cmp(stem)).ok()
}

/// A snippet of `text` and the number of distinct query words it shows.
fn highlight(
    field: SnippetField,
    generator: &SnippetGenerator,
    text: &str,
) -> Option<(usize, Snippet)> {
    let snippet = generator.snippet(text);
    let fragment = snippet.fragment();
    let highlights: Vec<(usize, usize)> = snippet
        .highlighted()
        .iter()
        .map(|r| (r.start, r.end))
        .collect();
    let mut distinct: Vec<String> = highlights
        .iter()
        .filter_map(|(s, e)| fragment.get(*s..*e))
        .map(str::to_lowercase)
        .collect();
    distinct.sort();
    distinct.dedup();
    if distinct.is_empty() {
        return None;
    }
    Some((
        distinct.len(),
        Snippet {
            field,
            html: snippet.to_html(),
            text: fragment.to_string(),
            highlights,
        },
    ))
}

fn field_text(record: &PatentRecord, field: SnippetField) -> String {
    match field {
        SnippetField::Title => record.title.clone(),
        SnippetField::Abstract => record.abstract_text.clone(),
        SnippetField::Claims => record
            .claims
            .iter()
            .map(|c| c.text.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        SnippetField::Description => record.description_text(),
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzers() -> (TextAnalyzer, TextAnalyzer) {
        let (schema, _) = crate::schema::build_schema();
        let index = tantivy::Index::create_in_ram(schema);
        crate::schema::register_analyzers(&index);
        let get = |name: &str| index.tokenizers().get(name).expect("registered");
        (get(WORDS), get(crate::schema::STEMMED))
    }

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    /// `ParagraphRanker` skips words by their first letter: the stemmer
    /// must never change it, the special cases of the English stemmer
    /// (`dying` -> `die`, `skies` -> `sky`) included.
    #[test]
    fn stems_keep_the_first_letter() {
        let mut stemmer = stemmer();
        for word in [
            "dying",
            "lying",
            "tying",
            "skies",
            "skis",
            "idly",
            "gently",
            "ugly",
            "early",
            "only",
            "singly",
            "news",
            "atlas",
            "bias",
            "andes",
            "yelling",
            "yes",
            "y",
            "ies",
            "ied",
            "ying",
            "ability",
            "generously",
            "communication",
            "arsenal",
            "batteries",
            "battery",
            "charging",
            "relational",
            "hopefulness",
            "sensibiliti",
            "ayes",
        ] {
            let stem = tokens(&mut stemmer, word);
            assert_eq!(stem.len(), 1, "{word}");
            assert_eq!(
                stem[0].chars().next(),
                word.chars().next(),
                "{word} -> {stem:?}"
            );
        }
    }

    /// The stemmed analyzer is the words analyzer then the stemmer, which
    /// `ParagraphRanker` applies separately.
    #[test]
    fn stemmed_words_are_words_then_the_stemmer() {
        let (mut words, mut stemmed) = analyzers();
        let mut stemmer = stemmer();
        let text = "The BATTERIES of Köhler's charging-stations; ½ y ΟΔΟΣ 42nd \
                    supercalifragilisticexpialidociousnessandmoreandmoreletters";
        let via_words: Vec<String> = tokens(&mut words, text)
            .iter()
            .flat_map(|w| tokens(&mut stemmer, w))
            .collect();
        assert_eq!(via_words, tokens(&mut stemmed, text));
    }

    /// Pruning by probes picks exactly the paragraphs that counting every
    /// paragraph picks, on real descriptions.
    #[test]
    fn pruned_paragraph_ranking_equals_counting_every_paragraph() {
        let records: Vec<PatentRecord> = crate::test_corpus::first_records(40)
            .into_iter()
            .map(|v| {
                let mut r = PatentRecord::new("US1234567B2".parse().expect("a number"));
                for p in v["description"].as_str().unwrap_or_default().split("\n\n") {
                    r.description.push(patsearch_record::Paragraph {
                        text: p.into(),
                        ..Default::default()
                    });
                }
                r
            })
            .collect();
        assert!(records.iter().map(|r| r.description.len()).sum::<usize>() > 400);
        for query in [
            "battery charging of a mobile device",
            "a method and system for the use of data",
            "image sensor pixel array",
            "the user interface displays the time",
        ] {
            let (words, mut stemmed) = analyzers();
            let mut stems = tokens(&mut stemmed, query);
            stems.sort();
            stems.dedup();
            let mut ranker = ParagraphRanker::new(stems.clone(), words);
            for record in &records {
                let mut all: Vec<(usize, usize)> = Vec::new();
                for (i, p) in record.description.iter().enumerate() {
                    let mut seen = vec![false; stems.len()];
                    ranker.mark_stems(&p.text, &mut seen);
                    let hits = seen.iter().filter(|s| **s).count();
                    if hits > 0 {
                        all.push((hits, i));
                    }
                }
                all.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                let expected: Vec<String> = all
                    .iter()
                    .take(DESCRIPTION_PARAGRAPHS)
                    .map(|(_, i)| record.description[*i].text.clone())
                    .collect();
                assert_eq!(ranker.best(record), expected, "{query}");
            }
        }
    }

    #[test]
    fn paragraphs_are_ranked_by_the_stems_of_their_words() {
        let (words, mut stemmed) = analyzers();
        let mut stems = tokens(&mut stemmed, "battery charging");
        stems.sort();
        let mut ranker = ParagraphRanker::new(stems, words);
        let mut record = PatentRecord::new("US1234567B2".parse().expect("a number"));
        for text in [
            "Nothing here.",
            "A battery.",
            "The charged batteries and a battery.",
            "Charging.",
        ] {
            record.description.push(patsearch_record::Paragraph {
                text: text.into(),
                ..Default::default()
            });
        }
        assert_eq!(
            ranker.best(&record),
            [
                "The charged batteries and a battery.",
                "A battery.",
                "Charging."
            ]
        );
    }
}
