//! Facet counts over a result set: CPC subclass, assignee, country, kind,
//! publication and filing year.

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
    pub country: Vec<FacetCount>,
    pub kind: Vec<FacetCount>,
    /// By publication year, every year counted, most recent first.
    pub year: Vec<FacetCount>,
    /// By filing year, every year counted, most recent first.
    pub filing_year: Vec<FacetCount>,
    /// How many documents the counts are over: every match, or the top
    /// hits by score when a search counts only those (see
    /// [`crate::KeywordConfig::facet_window`]).
    pub counted: u64,
}

/// How many values of each facet to return.
pub(crate) const FACET_SIZE: usize = 10;

/// The string facets, each a fast field: CPC subclass, assignee, country, kind.
const STR_FACETS: [&str; 4] = ["cpc_subclass", "assignee_exact", "country", "kind"];
/// The year facets, each a date fast field: published, filed.
const DATE_FACETS: [&str; 2] = ["published", "filed"];

#[derive(Default)]
struct RawCounts {
    docs: u64,
    /// Per [`STR_FACETS`] entry.
    values: [HashMap<String, u64>; 4],
    /// Per [`DATE_FACETS`] entry.
    years: [HashMap<i32, u64>; 2],
}

struct SegmentFacets {
    docs: u64,
    /// Per [`STR_FACETS`] entry: its column (absent in a segment without
    /// any value of it) and documents per value ordinal.
    values: Vec<Option<(StrColumn, Vec<u64>)>>,
    /// Per [`DATE_FACETS`] entry: its column and documents per year from
    /// [`FIRST_YEAR`] (a table rather than a map keeps the per-document cost
    /// to an index).
    years: Vec<(Column<DateTime>, Vec<u64>)>,
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
        for (into, from) in total.values.iter_mut().zip(fruit.values) {
            for (k, v) in from {
                *into.entry(k).or_default() += v;
            }
        }
        for (into, from) in total.years.iter_mut().zip(fruit.years) {
            for (k, v) in from {
                *into.entry(k).or_default() += v;
            }
        }
    }
    let [cpc_subclass, assignee, country, kind] = total.values.map(top);
    let [year, filing_year] = total.years.map(by_year);
    Facets {
        cpc_subclass,
        assignee,
        country,
        kind,
        year,
        filing_year,
        counted: total.docs,
    }
}

/// Every year counted, most recent first.
fn by_year(counts: HashMap<i32, u64>) -> Vec<FacetCount> {
    let mut years: Vec<(i32, u64)> = counts.into_iter().collect();
    years.sort_by_key(|&(y, _)| std::cmp::Reverse(y));
    years
        .into_iter()
        .map(|(y, count)| FacetCount {
            value: y.to_string(),
            count,
        })
        .collect()
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
            values: STR_FACETS
                .iter()
                .map(|field| str_counts(segment, field))
                .collect::<tantivy::Result<_>>()?,
            years: DATE_FACETS
                .iter()
                .map(|field| Ok((segment.fast_fields().date(field)?, vec![0; YEARS])))
                .collect::<tantivy::Result<_>>()?,
        })
    }

    fn count(&mut self, doc: DocId) {
        self.docs += 1;
        for (col, counts) in self.values.iter_mut().flatten() {
            for ord in col.term_ords(doc) {
                if let Some(c) = counts.get_mut(ord as usize) {
                    *c += 1;
                }
            }
        }
        for (col, years) in &mut self.years {
            if let Some(date) = col.first(doc).and_then(date_of) {
                // A year before FIRST_YEAR wraps to an index past the table.
                let slot = date.year().wrapping_sub(FIRST_YEAR) as usize;
                if let Some(count) = years.get_mut(slot) {
                    *count += 1;
                }
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
        let yearly = |years: &[u64]| -> HashMap<i32, u64> {
            years
                .iter()
                .enumerate()
                .filter(|(_, &count)| count > 0)
                .map(|(slot, &count)| (FIRST_YEAR + slot as i32, count))
                .collect()
        };
        let mut values = self.values.into_iter().map(named);
        let mut years = self.years.iter().map(|(_, years)| yearly(years));
        RawCounts {
            docs: self.docs,
            values: std::array::from_fn(|_| values.next().unwrap_or_default()),
            years: std::array::from_fn(|_| years.next().unwrap_or_default()),
        }
    }
}
