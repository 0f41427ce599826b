//! Searching: ranked hits with highlighted snippets, facet counts, lookups.
//!
//! This module holds the request and result types and the search itself
//! (compiling the query, collecting and collapsing the hits, assembling
//! the page); `snippets` chooses and highlights each hit's passage, and
//! `lookup` reads stored records and fast values, by publication number or
//! by document.

mod lookup;
mod snippets;

use std::cell::Cell;

use patsearch_record::{Cancellation, Filters, PatentRecord};
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::Query;
use tantivy::{DocAddress, Searcher};

pub use lookup::Fetched;
pub use snippets::{Snippet, SnippetField};

use crate::compile::{filter_query, with_filters, Compiler, Stoppable};
use crate::facets::{facets_of, Facets};
use crate::query::QueryError;
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
}
