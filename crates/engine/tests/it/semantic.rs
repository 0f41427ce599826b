//! Semantic search over the shared index: paraphrases find their patent,
//! filters allow exactly what `Filters::matches` allows, `similar` works.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use patsearch_engine::{PassageKind, SearchMode, SearchRequest};
use patsearch_record::{DateRange, FilterFields, Filters};

use crate::common::{fixture, numbers, DOCS};

/// Queries written from each patent's title and abstract, in other words
/// (none of the patent's distinctive terms), as a searcher who does not know
/// the patent might put the need.
const PARAPHRASES: &[(&str, &str)] = &[
    (
        "US8826599",
        "fireproof seal for the gap where a partition meets the overhead slab",
    ),
    (
        "US9443039",
        "scuba wristwatch that keeps a diary of how far below the surface you went and sends it to other gadgets",
    ),
    (
        "US9074921",
        "gauging how full a tank of super-cold fluid is by warming a glass filament and watching it cool",
    ),
    (
        "US8752472",
        "lessening the backward kick a soldier feels when a rifle shoots",
    ),
    (
        "US9126050",
        "preventing an irregular heartbeat with electrical pulses applied to the skin of the neck, without surgery",
    ),
    (
        "US9082401",
        "making a computer read written sentences aloud in an artificial voice",
    ),
    (
        "US9511866",
        "inflatable cushion that bursts out of a cabin wall in front of an airplane passenger in an emergency",
    ),
    (
        "US9095840",
        "porous charcoal granules that clean rocket-fuel oxidizer contamination out of wells and reservoirs",
    ),
];

fn semantic(query: &str, limit: usize, filters: Filters) -> SearchRequest {
    SearchRequest {
        limit,
        filters,
        collapse: false,
        ..SearchRequest::new(query, SearchMode::Semantic)
    }
}

#[test]
fn paraphrased_needs_find_their_patent_in_the_top_3() {
    let f = fixture();
    let mut misses = Vec::new();
    for (expected, query) in PARAPHRASES {
        assert!(
            f.records
                .iter()
                .any(|r| r.publication_number.to_string() == *expected),
            "{expected} is in the shared index"
        );
        let results = f
            .engine
            .search(&semantic(query, 3, Filters::default()))
            .unwrap();
        let found = numbers(&results);
        eprintln!("{query:?} -> {found:?}");
        if !found.iter().any(|n| n == expected) {
            misses.push(format!("{query:?}: expected {expected}, got {found:?}"));
        }
        for hit in &results.hits {
            let s = hit.semantic.as_ref().expect("semantic component");
            // The corpus has no claims: the summary or a chosen paragraph.
            assert!(
                matches!(
                    s.passage.kind,
                    PassageKind::TitleAbstract | PassageKind::Description(_)
                ),
                "{:?}",
                s.passage
            );
            assert_eq!(s.label, s.passage.kind.to_string());
            assert!(s.text.as_deref().is_some_and(|t| !t.is_empty()));
            assert!(hit.keyword.is_none());
            assert_eq!(hit.score, f64::from(s.score));
            assert!(!hit.title.is_empty());
        }
        assert_eq!(results.total, 100.min(DOCS), "the whole window is ranked");
    }
    assert!(
        misses.is_empty(),
        "not in the top 3:\n{}",
        misses.join("\n")
    );
}

#[test]
fn filtered_semantic_search_returns_exactly_the_allowed_documents() {
    let f = fixture();
    let day = |d| NaiveDate::from_ymd_opt(2013, 1, d);
    let cases = [
        Filters {
            assignee: vec!["International Business Machines".into()],
            ..Filters::default()
        },
        Filters {
            filed: DateRange {
                from: day(3),
                to: day(4),
            },
            ..Filters::default()
        },
        Filters {
            assignee: vec!["Amazon".into(), "Google".into()],
            filed: DateRange {
                from: day(5),
                to: None,
            },
            ..Filters::default()
        },
    ];
    for filters in cases {
        let allowed: BTreeSet<String> = f
            .records
            .iter()
            .filter(|r| filters.matches(&FilterFields::of(r)))
            .map(|r| r.publication_number.to_string())
            .collect();
        assert!(
            !allowed.is_empty() && allowed.len() < DOCS / 2,
            "{filters:?} is selective: {} documents",
            allowed.len()
        );
        let results = f
            .engine
            .search(&semantic(
                "managing computing resources over a network",
                DOCS,
                filters.clone(),
            ))
            .unwrap();
        let found: BTreeSet<String> = numbers(&results).into_iter().collect();
        assert_eq!(found, allowed, "{filters:?}");
        assert_eq!(results.total, allowed.len());
        // Hybrid search filters its keyword side the same way.
        let hybrid = f
            .engine
            .search(&SearchRequest {
                limit: DOCS,
                filters: filters.clone(),
                collapse: false,
                ..SearchRequest::new(
                    "managing computing resources over a network",
                    SearchMode::Hybrid,
                )
            })
            .unwrap();
        let found: BTreeSet<String> = numbers(&hybrid).into_iter().collect();
        assert_eq!(found, allowed, "hybrid {filters:?}");
    }
    let none = Filters {
        assignee: vec!["No Such Assignee Anywhere".into()],
        ..Filters::default()
    };
    let results = f.engine.search(&semantic("a computer", 10, none)).unwrap();
    assert!(results.hits.is_empty());
    assert_eq!(results.total, 0);
}

#[test]
fn similar_finds_neighbours_without_the_document_itself() {
    let f = fixture();
    // The Oracle enterprise crawl-and-search family (corpus lines 20-25).
    let number = "US9405780".parse().unwrap();
    let results = f.engine.similar(&number, 5, &Filters::default()).unwrap();
    let found = numbers(&results);
    assert_eq!(found.len(), 5);
    assert!(!found.contains(&"US9405780".to_string()), "{found:?}");
    let family = [
        "US9361330",
        "US9098540",
        "US9524308",
        "US9189507",
        "US9286337",
    ];
    let in_family = found
        .iter()
        .filter(|n| family.contains(&n.as_str()))
        .count();
    assert!(in_family >= 3, "{found:?}");
    // Relatives (family members, near-duplicates) first, each saying why;
    // the nearest neighbours after them, by score.
    let relatives = results
        .hits
        .iter()
        .take_while(|h| h.related.is_some())
        .count();
    assert!(
        results.hits[relatives..]
            .iter()
            .all(|h| h.related.is_none()),
        "{found:?}"
    );
    assert!(results.hits[..relatives].iter().all(|h| !h
        .related
        .as_ref()
        .unwrap()
        .label
        .is_empty()));
    let scores: Vec<f64> = results.hits[relatives..].iter().map(|h| h.score).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // Filtered: only what the filter allows.
    let filters = Filters {
        assignee: vec!["Amazon".into()],
        ..Filters::default()
    };
    let results = f.engine.similar(&number, 50, &filters).unwrap();
    assert!(!results.hits.is_empty());
    for hit in &results.hits {
        let record = f
            .records
            .iter()
            .find(|r| r.publication_number.to_string() == hit.publication_number)
            .unwrap();
        assert!(filters.matches(&FilterFields::of(record)));
    }
    // An unknown number is a typed error.
    let err = f
        .engine
        .similar(&"US1234567".parse().unwrap(), 5, &Filters::default())
        .unwrap_err();
    assert!(
        matches!(err, patsearch_engine::EngineError::UnknownDocument(_)),
        "{err}"
    );
}
