//! Searching: ranked hits with highlighted snippets, facet counts, lookups.

use std::cell::Cell;

use patsearch_record::{Cancellation, Filters, PatentRecord, PublicationNumber, RecordBrief};
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::postings::Postings;
use tantivy::query::Query;
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, DocSet, Searcher, TantivyDocument, Term};

use crate::compile::{filter_query, number_query, with_filters, Compiler, Stoppable};
use crate::facets::{facets_of, Facets};
use crate::query::QueryError;
use crate::schema::value_at;
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
    /// One hit per family (see [`crate::Families`]): its best-ranked
    /// member; `total` and paging then count families. Facets still count
    /// documents.
    pub collapse: bool,
    /// Stops the search ([`KeywordError::Cancelled`]) when cancelled or past
    /// its deadline: checked while wildcards expand, while documents are
    /// collected, and between the records and snippets of the hits.
    pub cancel: &'a Cancellation,
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
    /// One sentence of the patent saying what it is (see
    /// [`crate::MAX_GIST_CHARS`]); empty when the record has no text to
    /// take it from.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub gist: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<Snippet>,
    /// The other members of its family (see [`crate::Families`]), at most
    /// [`crate::MAX_LISTED_MEMBERS`]; empty for a patent alone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub family: Vec<String>,
    /// Publications in its family, itself included (1 when alone).
    pub family_size: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    /// Matching documents in all (families, when collapsed).
    pub total: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
}

const SNIPPET_CHARS: usize = 240;

/// Every matching document with its score: what collapsing needs, since
/// the best member of each family can only be known from all of them.
struct AllScored;

struct AllScoredInSegment {
    segment: u32,
    docs: Vec<(f32, DocAddress)>,
}

impl tantivy::collector::Collector for AllScored {
    type Fruit = Vec<(f32, DocAddress)>;
    type Child = AllScoredInSegment;

    fn for_segment(
        &self,
        segment: tantivy::SegmentOrdinal,
        _: &tantivy::SegmentReader,
    ) -> tantivy::Result<AllScoredInSegment> {
        Ok(AllScoredInSegment {
            segment,
            docs: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(f32, DocAddress)>>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl tantivy::collector::SegmentCollector for AllScoredInSegment {
    type Fruit = Vec<(f32, DocAddress)>;

    fn collect(&mut self, doc: tantivy::DocId, score: tantivy::Score) {
        self.docs.push((score, DocAddress::new(self.segment, doc)));
    }

    fn harvest(self) -> Self::Fruit {
        self.docs
    }
}

impl KeywordIndex {
    /// Compiles the query text and filters into one tantivy query, which
    /// stops when `cancel` does (a search with it must check `cancel`
    /// afterwards: a stopped search ends early, not with an error).
    /// Wildcards are expanded in the index as it is now.
    pub fn build_query(
        &self,
        query: &str,
        filters: &Filters,
        cancel: &Cancellation,
    ) -> Result<Box<dyn Query>, KeywordError> {
        self.query_in(&self.reader.searcher(), query, filters, cancel)
    }

    /// [`KeywordIndex::build_query`], its wildcards expanded in the index as
    /// `searcher` sees it: the one the search then runs on. `None` when the
    /// query has no word to search for (only stop words, punctuation or
    /// emoji).
    fn searchable_query_in(
        &self,
        searcher: &Searcher,
        query: &str,
        filters: &Filters,
        cancel: &Cancellation,
    ) -> Result<Option<Box<dyn Query>>, KeywordError> {
        cancel.check()?;
        let ast = crate::query::parse(query, self.config.default_and)?;
        let compiler = Compiler {
            fields: &self.fields,
            tokenizers: self.index.tokenizers(),
            boosts: self.config.boosts,
            tie_breaker: self.config.tie_breaker,
            searcher,
            cancel,
            limits: self.config.limits,
            clauses: Cell::new(0),
            wildcards: Cell::new(0),
            expansions: Cell::new(0),
        };
        let Some(compiled) = compiler.compile(&ast)? else {
            return Ok(None);
        };
        let query = with_filters(compiled, filter_query(&self.fields, filters)?);
        Ok(Some(Box::new(Stoppable::new(query, cancel))))
    }

    /// [`Self::searchable_query_in`], where a query without a word to
    /// search for is an error.
    fn query_in(
        &self,
        searcher: &Searcher,
        query: &str,
        filters: &Filters,
        cancel: &Cancellation,
    ) -> Result<Box<dyn Query>, KeywordError> {
        self.searchable_query_in(searcher, query, filters, cancel)?
            .ok_or_else(|| {
                QueryError {
                    position: 0,
                    message: "the query has no searchable words".into(),
                }
                .into()
            })
    }

    pub fn search(&self, request: &SearchRequest<'_>) -> Result<SearchResults, KeywordError> {
        let cancel = request.cancel;
        let searcher = self.reader.searcher();
        let query = self.query_in(&searcher, request.query, request.filters, cancel)?;
        let limit = request.limit.max(1);
        let families = self.families_in(&searcher)?;
        let mut facets = None;
        let (top, total) = if request.collapse {
            let mut all = searcher.search(&query, &AllScored)?;
            cancel.check()?;
            // Higher score first; among equal scores the earlier document,
            // as TopDocs orders them, so that collapse keeps the member an
            // uncollapsed page would show first.
            let by_rank = |a: &(f32, DocAddress), b: &(f32, DocAddress)| {
                b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
            };
            if request.facets {
                // The top publications, as an uncollapsed search counts them;
                // the families below do not depend on the matches' order.
                let window = self.config.facet_window.min(all.len());
                if window < all.len() {
                    all.select_nth_unstable_by(window, by_rank);
                }
                facets = Some(facets_of(&searcher, &all[..window])?);
            }
            // Each family's best member, in a table by group (groups are
            // numbered below the index's document count): a natural-language
            // query matches most documents, and a hashed map of them cost
            // more than the table's memset.
            let mut best: Vec<Option<(f32, DocAddress)>> = vec![None; families.group_bound()];
            let mut groups: Vec<u32> = Vec::new();
            for hit in all {
                let group = families.group_at(hit.1);
                match &mut best[group as usize] {
                    Some(kept) => {
                        if by_rank(&hit, kept).is_lt() {
                            *kept = hit;
                        }
                    }
                    empty => {
                        *empty = Some(hit);
                        groups.push(group);
                    }
                }
            }
            let mut firsts: Vec<(f32, DocAddress)> =
                groups.iter().filter_map(|&g| best[g as usize]).collect();
            let total = firsts.len();
            let end = request.offset.saturating_add(limit).min(total);
            if end < total {
                firsts.select_nth_unstable_by(end, by_rank);
                firsts.truncate(end);
            }
            firsts.sort_by(by_rank);
            let page: Vec<(f32, DocAddress)> = firsts.into_iter().skip(request.offset).collect();
            (page, total)
        } else {
            if request.facets {
                // The page is the part of the facet window it falls in (the
                // same order as a page collected alone), so one walk finds
                // the hits, the total and what the facets count.
                let window = self
                    .config
                    .facet_window
                    .max(request.offset.saturating_add(limit));
                let (ranked, total) = searcher.search(
                    &query,
                    &(TopDocs::with_limit(window).order_by_score(), Count),
                )?;
                cancel.check()?;
                let counted = self.config.facet_window.min(ranked.len());
                facets = Some(facets_of(&searcher, &ranked[..counted])?);
                let page = ranked
                    .into_iter()
                    .skip(request.offset)
                    .take(limit)
                    .collect();
                (page, total)
            } else {
                let top = TopDocs::with_limit(limit)
                    .and_offset(request.offset)
                    .order_by_score();
                searcher.search(&query, &(top, Count))?
            }
        };
        // A stopped search ends early rather than failing: what it found is
        // not the answer.
        cancel.check()?;
        let snippets = if request.snippets {
            let records = top
                .iter()
                .map(|(_, address)| {
                    cancel.check()?;
                    self.record_at(&searcher, *address)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let hits: Vec<(DocAddress, &PatentRecord)> = top
                .iter()
                .zip(&records)
                .map(|((_, address), record)| (*address, record))
                .collect();
            self.snippets_at(&searcher, &*query, &hits, cancel)?
        } else {
            vec![None; top.len()]
        };
        let addresses: Vec<DocAddress> = top.iter().map(|(_, address)| *address).collect();
        let numbers = self.fast_strs_at(&searcher, &addresses, "pn")?;
        let titles = self.fast_strs_at(&searcher, &addresses, "title")?;
        let mut gists = self
            .fast_strs_at(&searcher, &addresses, "gist")?
            .into_iter();
        let mut hits = Vec::with_capacity(top.len());
        for (i, (((score, _), snippet), (publication_number, title))) in top
            .into_iter()
            .zip(snippets)
            .zip(numbers.into_iter().zip(titles))
            .enumerate()
        {
            let gist = gists.next().unwrap_or_default();
            let (family_size, family) = families.family_of(&publication_number);
            hits.push(Hit {
                family,
                family_size,
                publication_number,
                rank: request.offset + i + 1,
                score,
                title,
                gist,
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
    /// the candidate list a fusion engine merges. Stops with
    /// [`KeywordError::Cancelled`] when `cancel` does. A query without a word
    /// to search for (only stop words, emoji, ...) has no candidates.
    pub fn candidates(
        &self,
        query: &str,
        filters: &Filters,
        k: usize,
        cancel: &Cancellation,
    ) -> Result<Vec<(String, f32)>, KeywordError> {
        let searcher = self.reader.searcher();
        let Some(query) = self.searchable_query_in(&searcher, query, filters, cancel)? else {
            return Ok(Vec::new());
        };
        let top = searcher.search(&query, &TopDocs::with_limit(k.max(1)).order_by_score())?;
        cancel.check()?;
        let addresses: Vec<DocAddress> = top.iter().map(|(_, address)| *address).collect();
        let numbers = self.fast_strs_at(&searcher, &addresses, "pn")?;
        Ok(numbers
            .into_iter()
            .zip(top)
            .map(|(number, (score, _))| (number, score))
            .collect())
    }

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

    /// The snippet for `query` of each of a page of hits (addresses with
    /// their records).
    fn snippets_at(
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

/// The result of [`KeywordIndex::fetch`] for one publication.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub record: PatentRecord,
    /// The record's gist, as [`Hit::gist`].
    pub gist: String,
    pub snippet: Option<Snippet>,
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
