//! Structured search filters and the record fields they test.
//!
//! Filters narrow a search without changing its ranking. They live beside the
//! record because both retrievers apply the same filters: the keyword index
//! compiles them into index queries, the vector index tests them against the
//! [`FilterFields`] it keeps per document. Both must agree, so the meaning of
//! each filter is defined once, here, by [`Filters::matches`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::classification::code_has_prefix;
use crate::PatentRecord;

/// An inclusive date range; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateRange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
}

impl DateRange {
    pub fn is_open(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }

    /// Whether `date` falls in the range; an unknown date never does unless the range is open.
    pub fn contains(&self, date: Option<NaiveDate>) -> bool {
        if self.is_open() {
            return true;
        }
        let Some(date) = date else { return false };
        self.from.is_none_or(|f| date >= f) && self.to.is_none_or(|t| date <= t)
    }
}

/// Structured filters. Within one list any value may match (OR); across
/// lists every non-empty one must match (AND).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    /// CPC prefixes: `G06F` matches `G06F16/245`; `G06F16` matches `G06F16/245` and `G06F16/00`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpc: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipc: Vec<String>,
    #[serde(default, skip_serializing_if = "DateRange::is_open")]
    pub filed: DateRange,
    #[serde(default, skip_serializing_if = "DateRange::is_open")]
    pub published: DateRange,
    #[serde(default, skip_serializing_if = "DateRange::is_open")]
    pub priority: DateRange,
    /// Assignee names: a document matches when one of its assignees contains
    /// every word of the given name (case-insensitive), so `google` matches
    /// `Google Inc.` and `Google LLC`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assignee: Vec<String>,
    /// Country codes (`US`, `EP`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub country: Vec<String>,
    /// Kind codes (`B2`, `A1`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kind: Vec<String>,
}

/// The per-document values filters look at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterFields {
    pub cpc: Vec<String>,
    pub ipc: Vec<String>,
    pub filed: Option<NaiveDate>,
    pub published: Option<NaiveDate>,
    pub priority: Option<NaiveDate>,
    pub assignees: Vec<String>,
    pub country: String,
    pub kind: Option<String>,
}

impl FilterFields {
    pub fn of(record: &PatentRecord) -> Self {
        Self {
            cpc: record.cpc.iter().map(|c| c.code.clone()).collect(),
            ipc: record.ipc.iter().map(|c| c.code.clone()).collect(),
            filed: record.filing_date(),
            published: record.publication_date,
            priority: record.priority_date(),
            assignees: record.assignees.iter().map(|a| a.name.clone()).collect(),
            country: record.country.clone(),
            kind: record.kind.clone(),
        }
    }
}

/// Lowercased alphanumeric words: how names are compared.
pub fn name_words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self == &Filters::default()
    }

    /// Whether a document with these fields passes every filter.
    pub fn matches(&self, doc: &FilterFields) -> bool {
        let any_code = |prefixes: &[String], codes: &[String]| {
            prefixes.is_empty()
                || prefixes
                    .iter()
                    .any(|p| codes.iter().any(|c| code_has_prefix(c, p)))
        };
        let assignee_ok = self.assignee.is_empty()
            || self.assignee.iter().any(|wanted| {
                let wanted = name_words(wanted);
                doc.assignees.iter().any(|name| {
                    let words = name_words(name);
                    !wanted.is_empty() && wanted.iter().all(|w| words.contains(w))
                })
            });
        any_code(&self.cpc, &doc.cpc)
            && any_code(&self.ipc, &doc.ipc)
            && self.filed.contains(doc.filed)
            && self.published.contains(doc.published)
            && self.priority.contains(doc.priority)
            && assignee_ok
            && (self.country.is_empty()
                || self
                    .country
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(&doc.country)))
            && (self.kind.is_empty()
                || doc
                    .kind
                    .as_deref()
                    .is_some_and(|k| self.kind.iter().any(|w| w.eq_ignore_ascii_case(k))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> FilterFields {
        FilterFields {
            cpc: vec!["G06F16/245".into(), "H04L67/10".into()],
            ipc: vec!["G06F17/30".into()],
            filed: NaiveDate::from_ymd_opt(2013, 3, 1),
            published: NaiveDate::from_ymd_opt(2015, 1, 6),
            priority: NaiveDate::from_ymd_opt(2012, 3, 1),
            assignees: vec!["Google Inc.".into()],
            country: "US".into(),
            kind: Some("B2".into()),
        }
    }

    #[test]
    fn filters_combine_with_and_across_and_or_within() {
        let d = doc();
        assert!(Filters::default().matches(&d));
        let mut f = Filters {
            cpc: vec!["H04L".into(), "A61B".into()],
            ..Filters::default()
        };
        assert!(f.matches(&d));
        f.kind = vec!["A1".into()];
        assert!(!f.matches(&d));
        f.kind = vec!["b2".into()];
        assert!(f.matches(&d));
        f.filed = DateRange {
            from: NaiveDate::from_ymd_opt(2013, 1, 1),
            to: NaiveDate::from_ymd_opt(2013, 6, 30),
        };
        assert!(f.matches(&d));
        f.published.to = NaiveDate::from_ymd_opt(2014, 12, 31);
        assert!(!f.matches(&d));
    }

    #[test]
    fn assignee_matches_whole_words() {
        let d = doc();
        let f = |name: &str| Filters {
            assignee: vec![name.into()],
            ..Filters::default()
        };
        assert!(f("google").matches(&d));
        assert!(f("GOOGLE INC").matches(&d));
        assert!(!f("goog").matches(&d));
        assert!(!f("Microsoft").matches(&d));
    }

    #[test]
    fn unknown_dates_fail_closed_ranges() {
        let mut d = doc();
        d.filed = None;
        let f = Filters {
            filed: DateRange {
                from: NaiveDate::from_ymd_opt(2000, 1, 1),
                to: None,
            },
            ..Filters::default()
        };
        assert!(!f.matches(&d));
    }
}
