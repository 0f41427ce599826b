//! Facet counts over a result set: CPC subclass, assignee, publication year.

use std::collections::HashMap;

use chrono::Datelike;
use serde::Serialize;
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DateTime, DocAddress, DocId, Score, Searcher, SegmentReader};

use crate::schema::date_of;

/// One facet value and how many matching documents have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// The most frequent values of each facet among the counted documents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    pub cpc_subclass: Vec<FacetCount>,
    pub assignee: Vec<FacetCount>,
    /// By publication year, most recent first.
    pub year: Vec<FacetCount>,
    /// How many documents the counts are over: every match, or the top
    /// hits by score when a search counts only those (see
    /// [`crate::KeywordConfig::facet_window`]).
    pub counted: u64,
}

/// How many values of each facet to return.
pub(crate) const FACET_SIZE: usize = 10;

#[derive(Default)]
struct RawCounts {
    docs: u64,
    cpc: HashMap<String, u64>,
    assignee: HashMap<String, u64>,
    year: HashMap<i32, u64>,
}

struct SegmentFacets {
    docs: u64,
    cpc: Option<(StrColumn, Vec<u64>)>,
    assignee: Option<(StrColumn, Vec<u64>)>,
    published: Column<DateTime>,
    /// Documents per publication year, from [`FIRST_YEAR`]: counting in a
    /// table rather than a map keeps the per-document cost to an index.
    years: Vec<u64>,
}

/// The first year [`SegmentFacets::years`] counts, and how many it counts
/// (the first US patent is of 1790; a date past the table is a bad record's,
/// left out of the counts as a missing date is).
const FIRST_YEAR: i32 = 1790;
const YEARS: usize = 300;

fn str_counts(
    segment: &SegmentReader,
    field: &str,
) -> tantivy::Result<Option<(StrColumn, Vec<u64>)>> {
    Ok(segment.fast_fields().str(field)?.map(|col| {
        let n = col.num_terms();
        (col, vec![0; n])
    }))
}

/// The facets of every segment's counts together.
fn merge(fruits: Vec<RawCounts>) -> Facets {
    let mut total = RawCounts::default();
    for fruit in fruits {
        total.docs += fruit.docs;
        for (k, v) in fruit.cpc {
            *total.cpc.entry(k).or_default() += v;
        }
        for (k, v) in fruit.assignee {
            *total.assignee.entry(k).or_default() += v;
        }
        for (k, v) in fruit.year {
            *total.year.entry(k).or_default() += v;
        }
    }
    let mut year: Vec<(i32, u64)> = total.year.into_iter().collect();
    year.sort_by_key(|&(y, _)| std::cmp::Reverse(y));
    Facets {
        cpc_subclass: top(total.cpc),
        assignee: top(total.assignee),
        year: year
            .into_iter()
            .take(FACET_SIZE * 2)
            .map(|(y, count)| FacetCount {
                value: y.to_string(),
                count,
            })
            .collect(),
        counted: total.docs,
    }
}

/// The facets of some hits of a search (the top ones by score).
pub(crate) fn facets_of(
    searcher: &Searcher,
    hits: &[(Score, DocAddress)],
) -> tantivy::Result<Facets> {
    let mut by_segment: Vec<DocAddress> = hits.iter().map(|(_, address)| *address).collect();
    by_segment.sort_unstable();
    let mut fruits = Vec::new();
    for segment in by_segment.chunk_by(|a, b| a.segment_ord == b.segment_ord) {
        let mut counts = SegmentFacets::open(searcher.segment_reader(segment[0].segment_ord))?;
        for address in segment {
            counts.count(address.doc_id);
        }
        fruits.push(counts.harvest());
    }
    Ok(merge(fruits))
}

/// The most frequent values, ties broken by value so results are stable.
fn top(counts: HashMap<String, u64>) -> Vec<FacetCount> {
    let mut v: Vec<FacetCount> = counts
        .into_iter()
        .map(|(value, count)| FacetCount { value, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    v.truncate(FACET_SIZE);
    v
}

impl SegmentFacets {
    fn open(segment: &SegmentReader) -> tantivy::Result<Self> {
        Ok(SegmentFacets {
            docs: 0,
            cpc: str_counts(segment, "cpc_subclass")?,
            assignee: str_counts(segment, "assignee_exact")?,
            published: segment.fast_fields().date("published")?,
            years: vec![0; YEARS],
        })
    }

    fn count(&mut self, doc: DocId) {
        self.docs += 1;
        for (col, counts) in [self.cpc.as_mut(), self.assignee.as_mut()]
            .into_iter()
            .flatten()
        {
            for ord in col.term_ords(doc) {
                if let Some(c) = counts.get_mut(ord as usize) {
                    *c += 1;
                }
            }
        }
        if let Some(date) = self.published.first(doc).and_then(date_of) {
            // A year before FIRST_YEAR wraps to an index past the table.
            let slot = date.year().wrapping_sub(FIRST_YEAR) as usize;
            if let Some(count) = self.years.get_mut(slot) {
                *count += 1;
            }
        }
    }

    fn harvest(self) -> RawCounts {
        // The counted values' names in one ordered walk of the dictionary:
        // looking each up alone decodes a dictionary block per value.
        let named = |entry: Option<(StrColumn, Vec<u64>)>| {
            let mut out = HashMap::new();
            if let Some((col, counts)) = entry {
                let ords: Vec<u64> = (0..counts.len() as u64)
                    .filter(|&ord| counts[ord as usize] > 0)
                    .collect();
                let mut counted = ords.iter().map(|&ord| counts[ord as usize]);
                // An unreadable dictionary leaves the facet empty rather than
                // failing a search over a facet.
                let _ = col.dictionary().sorted_ords_to_term_cb(&ords, |name| {
                    if let Some(count) = counted.next() {
                        *out.entry(String::from_utf8_lossy(name).into_owned())
                            .or_default() += count;
                    }
                });
            }
            out
        };
        let year = self
            .years
            .iter()
            .enumerate()
            .filter(|(_, &count)| count > 0)
            .map(|(slot, &count)| (FIRST_YEAR + slot as i32, count))
            .collect();
        RawCounts {
            docs: self.docs,
            cpc: named(self.cpc),
            assignee: named(self.assignee),
            year,
        }
    }
}
