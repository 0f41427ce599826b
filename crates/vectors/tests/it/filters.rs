//! Filtered search returns exactly the allowed documents, as
//! `Filters::matches` defines them.

use chrono::NaiveDate;
use patsearch_record::{DateRange, Filters};
use patsearch_vectors::VectorConfig;

use crate::synth::{brute_force, build, corpus, graph_only, numbers, queries};

const DIM: usize = 40;

fn filter_set() -> Vec<Filters> {
    vec![
        // About a third of the documents: a filtered graph walk by default.
        Filters {
            country: vec!["EP".into()],
            ..Filters::default()
        },
        // About two thirds.
        Filters {
            country: vec!["US".into(), "JP".into()],
            ..Filters::default()
        },
        // About 8%, CPC prefix and a date range together: scanned by default.
        Filters {
            cpc: vec!["G06N".into()],
            filed: DateRange {
                from: NaiveDate::from_ymd_opt(2005, 1, 1),
                to: NaiveDate::from_ymd_opt(2012, 12, 31),
            },
            ..Filters::default()
        },
        // A few documents.
        Filters {
            assignee: vec!["Company 7".into()],
            kind: vec!["a1".into()],
            ..Filters::default()
        },
    ]
}

#[test]
fn filtered_graph_search_matches_a_filtered_brute_force() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = corpus(21, 2000, DIM, 30);
    for (i, config) in [graph_only(), VectorConfig::default()]
        .into_iter()
        .enumerate()
    {
        let root = tmp.path().join(format!("idx-{i}"));
        let index = build(&root, &docs, DIM, config);
        for filters in filter_set() {
            let allowed = docs.iter().filter(|d| filters.matches(&d.fields)).count();
            let mut recall = 0.0;
            let qs = queries(22, &docs, 40);
            for q in &qs {
                let hits = index.search(q, 10, &filters);
                assert_eq!(hits.len(), 10.min(allowed), "{filters:?}");
                for hit in &hits {
                    let doc = docs
                        .iter()
                        .find(|d| d.number == hit.publication_number)
                        .unwrap();
                    assert!(
                        filters.matches(&doc.fields),
                        "{filters:?} let {} through",
                        doc.number
                    );
                }
                let truth = brute_force(&docs, q, 10, &filters, config.passage_weight);
                let exact = index.exact_search(q, 10, &filters);
                assert_eq!(
                    numbers(&exact),
                    truth.iter().map(|t| t.0.clone()).collect::<Vec<_>>()
                );
                let found = numbers(&hits);
                recall += truth.iter().filter(|t| found.contains(&t.0)).count() as f64
                    / truth.len() as f64;
            }
            let recall = recall / qs.len() as f64;
            assert!(recall >= 0.95, "{filters:?}: recall {recall}");
        }
    }
}

#[test]
fn a_very_selective_filter_returns_every_allowed_document() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = corpus(23, 3000, DIM, 30);
    let rare = Filters {
        assignee: vec!["rare widgets".into()],
        ..Filters::default()
    };
    let mut allowed: Vec<_> = docs
        .iter()
        .filter(|d| rare.matches(&d.fields))
        .map(|d| d.number.clone())
        .collect();
    allowed.sort();
    assert!((1..=3).contains(&allowed.len()), "{}", allowed.len());
    let one = Filters {
        country: vec![docs[1234].number.country().to_string()],
        published: DateRange {
            from: docs[1234].fields.published,
            to: docs[1234].fields.published,
        },
        cpc: docs[1234].fields.cpc.clone(),
        assignee: docs[1234].fields.assignees.clone(),
        ..Filters::default()
    };
    for (i, config) in [graph_only(), VectorConfig::default()]
        .into_iter()
        .enumerate()
    {
        let root = tmp.path().join(format!("idx-{i}"));
        let index = build(&root, &docs, DIM, config);
        for q in queries(24, &docs, 10) {
            let mut found = numbers(&index.search(&q, 10, &rare));
            found.sort();
            assert_eq!(found, allowed);
            let hits = index.search(&q, 10, &one);
            let expected = brute_force(&docs, &q, 10, &one, config.passage_weight);
            assert!(!expected.is_empty());
            assert_eq!(
                numbers(&hits),
                expected.iter().map(|e| e.0.clone()).collect::<Vec<_>>()
            );
            let none = Filters {
                country: vec!["XX".into()],
                ..Filters::default()
            };
            assert!(index.search(&q, 10, &none).is_empty());
        }
    }
}
