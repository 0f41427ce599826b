//! Recall, document-level ranking, `similar` and concurrent searches.

use patsearch_record::Filters;
use patsearch_vectors::{PassageKind, VectorConfig, VectorIndex};

use crate::synth::{self, brute_force, build, corpus, graph_only, queries, recall};

const DIM: usize = 48;

#[test]
fn graph_search_recalls_the_exact_top_10() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = corpus(1, 1500, DIM, 40);
    let index = build(tmp.path(), &docs, DIM, graph_only());
    assert!(index.len() > 3000, "{} vectors", index.len());
    assert_eq!(index.num_docs(), 1500);
    let none = Filters::default();
    let mut total = 0.0;
    let qs = queries(2, &docs, 100);
    for q in &qs {
        let exact = index.exact_search(q, 10, &none);
        let found = index.search(q, 10, &none);
        assert_eq!(found.len(), 10);
        total += recall(&found, &exact);
        // The exact path agrees with a from-scratch computation.
        let truth = brute_force(&docs, q, 10, &none, graph_only().passage_weight);
        let exact_pairs: Vec<_> = exact
            .iter()
            .map(|h| (h.publication_number.clone(), h.score))
            .collect();
        for ((n1, s1), (n2, s2)) in exact_pairs.iter().zip(&truth) {
            assert_eq!(n1, n2);
            assert!((s1 - s2).abs() < 1e-5);
        }
    }
    let mean = total / qs.len() as f64;
    assert!(mean >= 0.95, "recall@10 {mean}");
}

#[test]
fn hits_are_distinct_documents_scored_by_summary_and_best_passage() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = corpus(3, 800, DIM, 20);
    let index = build(tmp.path(), &docs, DIM, graph_only());
    let none = Filters::default();
    for q in queries(4, &docs, 30) {
        let hits = index.search(&q, 20, &none);
        assert_eq!(hits.len(), 20);
        let mut numbers = synth::numbers(&hits);
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), 20, "duplicate documents");
        for (i, hit) in hits.iter().enumerate() {
            assert_eq!(hit.rank, i + 1);
            let doc = docs
                .iter()
                .find(|d| d.number == hit.publication_number)
                .unwrap();
            let (best_passage, _) = doc
                .passages
                .iter()
                .map(|(p, v)| (p, synth::dot(&q, v)))
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap();
            let expected = synth::doc_score(doc, &q, graph_only().passage_weight);
            assert!((hit.score - expected).abs() < 1e-5);
            // The hit names the passage that matched best.
            assert_eq!(&hit.passage, best_passage);
        }
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    }
}

#[test]
fn a_query_equal_to_a_passage_finds_it_with_score_one() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = corpus(5, 600, DIM, 10);
    let index = build(tmp.path(), &docs, DIM, graph_only());
    let doc = docs.iter().find(|d| d.passages.len() >= 3).unwrap();
    let (passage, vector) = &doc.passages[2];
    let hits = index.search(vector, 5, &Filters::default());
    assert_eq!(hits[0].publication_number, doc.number);
    assert_eq!(&hits[0].passage, passage);
    assert!(hits[0].passage.label.is_some());
    let expected = synth::doc_score(doc, vector, graph_only().passage_weight);
    assert!((hits[0].score - expected).abs() < 1e-5);
}

#[test]
fn similar_excludes_the_document_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = corpus(6, 1000, DIM, 25);
    let index = build(tmp.path(), &docs, DIM, graph_only());
    let none = Filters::default();
    for doc in docs.iter().step_by(97) {
        let hits = index.similar(&doc.number, 10, &none).unwrap();
        assert_eq!(hits.len(), 10);
        assert!(hits.iter().all(|h| h.publication_number != doc.number));
        // Compared with an exact search by its title-abstract vector, itself dropped.
        let ta = &doc.passages[0].1;
        let mut truth = index.exact_search(ta, 11, &none);
        truth.retain(|h| h.publication_number != doc.number);
        truth.truncate(10);
        assert!(recall(&hits, &truth) >= 0.9);
    }
    let us = Filters {
        country: vec!["US".into()],
        ..Filters::default()
    };
    let hits = index.similar(&docs[0].number, 5, &us).unwrap();
    assert!(hits.iter().all(|h| h.publication_number.country() == "US"));
    let unknown = "US1B1".parse().unwrap();
    assert!(index.similar(&unknown, 5, &none).is_err());
}

#[test]
fn searches_run_concurrently_and_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = corpus(7, 1000, DIM, 25);
    let index = build(tmp.path(), &docs, DIM, graph_only());
    let qs = queries(8, &docs, 40);
    let none = Filters::default();
    let serial: Vec<_> = qs.iter().map(|q| index.search(q, 10, &none)).collect();
    let ep = Filters {
        country: vec!["EP".into()],
        ..Filters::default()
    };
    std::thread::scope(|s| {
        for t in 0..4 {
            let (index, qs, serial, none, ep) = (&index, &qs, &serial, &none, &ep);
            s.spawn(move || {
                for (q, expected) in qs.iter().zip(serial).skip(t) {
                    assert_eq!(&index.search(q, 10, none), expected);
                    assert!(index
                        .search(q, 5, ep)
                        .iter()
                        .all(|h| h.publication_number.country() == "EP"));
                }
            });
        }
    });
}

#[test]
fn small_indexes_and_odd_requests() {
    let tmp = tempfile::tempdir().unwrap();
    let mut index =
        VectorIndex::open_or_create(tmp.path(), synth::MODEL, DIM, VectorConfig::default())
            .unwrap();
    let q = synth::normalise(synth::Rng::new(9).gaussian(DIM));
    let none = Filters::default();
    assert!(index.search(&q, 10, &none).is_empty());
    assert!(index.is_empty());
    let docs = corpus(10, 5, DIM, 2);
    for doc in &docs {
        index
            .upsert(&doc.number, doc.fields.clone(), &doc.passages())
            .unwrap();
    }
    assert_eq!(index.search(&q, 10, &none).len(), 5);
    assert!(index.search(&q, 0, &none).is_empty());
    let vectors = index.vectors_of(&docs[0].number).unwrap();
    assert_eq!(vectors.len(), docs[0].passages.len());
    assert_eq!(vectors[0].passage.kind, PassageKind::TitleAbstract);
    assert_eq!(vectors[0].vector, docs[0].passages[0].1.as_slice());
    assert!(index.fields_of(&docs[0].number).is_some());

    // Wrong dimension and unnormalised vectors are refused.
    let short = [1.0f32; DIM - 1];
    let long = [1.0f32; DIM];
    let p = patsearch_vectors::Passage::title_abstract();
    assert!(index
        .upsert(
            &docs[0].number,
            Default::default(),
            &[(p.clone(), &short[..])]
        )
        .is_err());
    let err = index
        .upsert(&docs[0].number, Default::default(), &[(p, &long[..])])
        .unwrap_err();
    assert!(err.to_string().contains("normalised"), "{err}");
    assert_eq!(
        index.vectors_of(&docs[0].number).unwrap().len(),
        docs[0].passages.len()
    );
}
