//! Upsert, delete and compaction keep the index consistent.

use patsearch_record::Filters;
use patsearch_vectors::{Passage, VectorConfig, VectorIndex};

use crate::synth::{build, corpus, graph_only, numbers, perturb, queries, recall, Rng, MODEL};

const DIM: usize = 32;

#[test]
fn upsert_replaces_all_of_a_documents_vectors() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = corpus(41, 1000, DIM, 20);
    let mut index = build(tmp.path(), &docs, DIM, graph_only());
    let (docs_before, vectors_before) = (index.num_docs(), index.len());
    let none = Filters::default();

    // Move a document elsewhere: one new vector, near another document.
    let target = &docs[10];
    let old = target.passages[0].1.clone();
    let mut rng = Rng::new(42);
    let new = perturb(&mut rng, &docs[500].passages[0].1, 0.1);
    index
        .upsert(
            &target.number,
            target.fields.clone(),
            &[(Passage::claim(9), &new[..])],
        )
        .unwrap();
    assert_eq!(index.num_docs(), docs_before);
    assert_eq!(index.len(), vectors_before - target.passages.len() + 1);
    assert_eq!(index.tombstones(), target.passages.len());

    for round in 0..2 {
        // Old vectors are never returned: a search by the old vector sees
        // the document, if at all, through its new vector.
        for hits in [
            index.search(&old, 50, &none),
            index.exact_search(&old, 50, &none),
        ] {
            for hit in hits
                .iter()
                .filter(|h| h.publication_number == target.number)
            {
                assert_eq!(hit.passage, Passage::claim(9));
                assert!((hit.score - crate::synth::dot(&old, &new)).abs() < 1e-5);
            }
            let mut n = numbers(&hits);
            n.sort();
            n.dedup();
            assert_eq!(n.len(), hits.len(), "a document counted twice");
        }
        let hits = index.search(&new, 3, &none);
        assert_eq!(hits[0].publication_number, target.number);
        assert_eq!(hits[0].passage, Passage::claim(9));
        if round == 0 {
            index.commit().unwrap();
            index = VectorIndex::open(tmp.path(), MODEL, DIM, graph_only()).unwrap();
        }
    }
}

#[test]
fn delete_removes_a_document() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = corpus(43, 800, DIM, 20);
    let mut index = build(tmp.path(), &docs, DIM, graph_only());
    let none = Filters::default();
    let gone = &docs[77];
    assert!(index.delete(&gone.number));
    assert!(!index.delete(&gone.number));
    assert!(!index.contains(&gone.number));
    assert!(index.vectors_of(&gone.number).is_none());
    assert_eq!(index.num_docs(), 799);
    for (_, v) in &gone.passages {
        assert!(!numbers(&index.search(v, 10, &none)).contains(&gone.number));
        assert!(!numbers(&index.exact_search(v, 10, &none)).contains(&gone.number));
    }
    index.commit().unwrap();
    let index = VectorIndex::open(tmp.path(), MODEL, DIM, graph_only()).unwrap();
    assert_eq!(index.num_docs(), 799);
    assert!(!numbers(&index.search(&gone.passages[0].1, 10, &none)).contains(&gone.number));
}

#[test]
fn compaction_keeps_results_and_drops_tombstones() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = corpus(44, 1200, DIM, 25);
    let config = VectorConfig {
        // Compact only when asked to.
        compact_tombstone_ratio: 1.0,
        ..graph_only()
    };
    let mut index = build(tmp.path(), &docs, DIM, config);
    for doc in docs.iter().step_by(4) {
        index.delete(&doc.number);
    }
    for doc in docs.iter().skip(1).step_by(4) {
        // Re-upserting the same vectors: tombstones, same results.
        index
            .upsert(&doc.number, doc.fields.clone(), &doc.passages())
            .unwrap();
    }
    let none = Filters::default();
    let qs = queries(45, &docs, 50);
    let exact_before: Vec<_> = qs
        .iter()
        .map(|q| index.exact_search(q, 10, &none))
        .collect();
    let graph_before: Vec<_> = qs.iter().map(|q| index.search(q, 10, &none)).collect();
    assert!(index.tombstones() > 0);
    let live = index.len();

    index.compact();
    assert_eq!(index.tombstones(), 0);
    assert_eq!(index.len(), live);
    assert_eq!(index.num_docs(), 900);
    index.commit().unwrap();
    let index = VectorIndex::open(tmp.path(), MODEL, DIM, config).unwrap();
    let mut total = 0.0;
    for ((q, exact), graph) in qs.iter().zip(&exact_before).zip(&graph_before) {
        assert_eq!(&index.exact_search(q, 10, &none), exact);
        let after = index.search(q, 10, &none);
        total += recall(&after, exact);
        assert!(recall(graph, exact) >= 0.7);
    }
    assert!(total / qs.len() as f64 >= 0.95);
}

#[test]
fn commit_compacts_when_tombstones_pile_up() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = corpus(46, 300, DIM, 10);
    let mut index = build(tmp.path(), &docs, DIM, VectorConfig::default());
    for doc in &docs[..200] {
        index.delete(&doc.number);
    }
    assert!(index.tombstones() > 0);
    index.commit().unwrap();
    assert_eq!(index.tombstones(), 0);
    let index = VectorIndex::open(tmp.path(), MODEL, DIM, VectorConfig::default()).unwrap();
    assert_eq!((index.num_docs(), index.tombstones()), (100, 0));
}

#[test]
fn uncommitted_and_not_yet_indexed_vectors_are_searched_too() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = corpus(47, 900, DIM, 20);
    let config = VectorConfig {
        insert_batch: 100_000,
        ..graph_only()
    };
    let mut index = build(tmp.path(), &docs[..600], DIM, config);
    for doc in &docs[600..] {
        index
            .upsert(&doc.number, doc.fields.clone(), &doc.passages())
            .unwrap();
    }
    let none = Filters::default();
    let us = Filters {
        country: vec!["US".into()],
        ..Filters::default()
    };
    let mut total = 0.0;
    let qs = queries(48, &docs, 40);
    for q in &qs {
        for filters in [&none, &us] {
            let exact = index.exact_search(q, 10, filters);
            total += recall(&index.search(q, 10, filters), &exact);
        }
    }
    assert!(total / (2 * qs.len()) as f64 >= 0.95);
    let last = &docs[899];
    assert_eq!(
        index.search(&last.passages[0].1, 1, &none)[0].publication_number,
        last.number
    );
}
