//! Facet counts over a whole result set: CPC subclass, assignee, publication year.

use std::collections::HashMap;

use chrono::Datelike;
use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DateTime, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::schema::date_of;

/// One facet value and how many matching documents have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// The most frequent values of each facet among all matching documents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    pub cpc_subclass: Vec<FacetCount>,
    pub assignee: Vec<FacetCount>,
    /// By publication year, most recent first.
    pub year: Vec<FacetCount>,
}

/// How many values of each facet to return.
pub(crate) const FACET_SIZE: usize = 10;

pub(crate) struct FacetCollector;

#[derive(Default)]
pub(crate) struct RawCounts {
    cpc: HashMap<String, u64>,
    assignee: HashMap<String, u64>,
    year: HashMap<i32, u64>,
}

pub(crate) struct SegmentFacets {
    cpc: Option<(StrColumn, Vec<u64>)>,
    assignee: Option<(StrColumn, Vec<u64>)>,
    published: Column<DateTime>,
    year: HashMap<i32, u64>,
}

fn str_counts(
    segment: &SegmentReader,
    field: &str,
) -> tantivy::Result<Option<(StrColumn, Vec<u64>)>> {
    Ok(segment.fast_fields().str(field)?.map(|col| {
        let n = col.num_terms();
        (col, vec![0; n])
    }))
}

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = SegmentFacets;

    fn for_segment(
        &self,
        _ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacets> {
        Ok(SegmentFacets {
            cpc: str_counts(segment, "cpc_subclass")?,
            assignee: str_counts(segment, "assignee_exact")?,
            published: segment.fast_fields().date("published")?,
            year: HashMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<RawCounts>) -> tantivy::Result<Facets> {
        let mut total = RawCounts::default();
        for fruit in fruits {
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
        Ok(Facets {
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
        })
    }
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

impl SegmentCollector for SegmentFacets {
    type Fruit = RawCounts;

    fn collect(&mut self, doc: DocId, _score: Score) {
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
            *self.year.entry(date.year()).or_default() += 1;
        }
    }

    fn harvest(self) -> RawCounts {
        let named = |entry: Option<(StrColumn, Vec<u64>)>| {
            let mut out = HashMap::new();
            if let Some((col, counts)) = entry {
                let mut buf = String::new();
                for (ord, count) in counts.into_iter().enumerate() {
                    if count == 0 {
                        continue;
                    }
                    buf.clear();
                    if col.ord_to_str(ord as u64, &mut buf).unwrap_or(false) {
                        *out.entry(buf.clone()).or_default() += count;
                    }
                }
            }
            out
        };
        RawCounts {
            cpc: named(self.cpc),
            assignee: named(self.assignee),
            year: self.year,
        }
    }
}
