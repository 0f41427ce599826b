//! Reloading, model checks and crash safety.

use patsearch_manifest::IndexDir;
use patsearch_record::Filters;
use patsearch_vectors::{VectorConfig, VectorError, VectorIndex};

use crate::synth::{build, corpus, graph_only, queries, MODEL};

const DIM: usize = 32;

fn vectors_files(root: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("vectors"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn a_reloaded_index_answers_exactly_like_the_one_built() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = corpus(31, 1500, DIM, 30);
    let built = build(tmp.path(), &docs, DIM, graph_only());
    let reloaded = VectorIndex::open(tmp.path(), MODEL, DIM, graph_only()).unwrap();
    assert_eq!(reloaded.len(), built.len());
    assert_eq!(reloaded.num_docs(), built.num_docs());
    let ep = Filters {
        country: vec!["EP".into()],
        ..Filters::default()
    };
    for q in queries(32, &docs, 100) {
        for filters in [&Filters::default(), &ep] {
            // Same graph, same hits, bit-identical scores.
            assert_eq!(
                reloaded.search(&q, 10, filters),
                built.search(&q, 10, filters)
            );
        }
    }
    for doc in docs.iter().step_by(50) {
        assert_eq!(
            reloaded
                .similar(&doc.number, 5, &Filters::default())
                .unwrap(),
            built.similar(&doc.number, 5, &Filters::default()).unwrap()
        );
        assert_eq!(
            reloaded.vectors_of(&doc.number),
            built.vectors_of(&doc.number)
        );
        assert_eq!(reloaded.fields_of(&doc.number), Some(&doc.fields));
    }
    let names = vectors_files(tmp.path());
    assert_eq!(
        names,
        [
            "graph-000001.hnsw.data",
            "graph-000001.hnsw.graph",
            "meta.json",
            "table-000001.json",
            "vectors-000001.f32"
        ]
    );
    // The flat file is little-endian f32 rows.
    let bytes = std::fs::read(tmp.path().join("vectors/vectors-000001.f32")).unwrap();
    let first = f32::from_le_bytes(bytes[..4].try_into().unwrap());
    assert_eq!(first, docs[0].passages[0].1[0]);
}

#[test]
fn the_manifest_records_the_model_and_other_models_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = corpus(33, 50, DIM, 3);
    build(tmp.path(), &docs, DIM, VectorConfig::default());
    let (_, manifest) = IndexDir::open(tmp.path()).unwrap();
    let section = manifest.vectors.unwrap();
    assert_eq!((section.model.as_str(), section.dimension), (MODEL, DIM));

    for (model, dim) in [("another-model", DIM), (MODEL, DIM * 2)] {
        for result in [
            VectorIndex::open(tmp.path(), model, dim, VectorConfig::default()),
            VectorIndex::open_or_create(tmp.path(), model, dim, VectorConfig::default()),
        ] {
            let err = result.unwrap_err();
            assert!(matches!(err, VectorError::ModelMismatch { .. }), "{err}");
            let message = err.to_string();
            assert!(
                message.contains(MODEL) && message.contains("new index"),
                "{message}"
            );
        }
    }
    // The keyword side of a directory without vectors: a typed error.
    let other = tmp.path().join("other");
    IndexDir::open_or_create(&other, "test").unwrap();
    assert!(matches!(
        VectorIndex::open(&other, MODEL, DIM, VectorConfig::default()),
        Err(VectorError::NoVectorIndex { .. })
    ));
}

#[test]
fn an_interrupted_commit_leaves_the_previous_state() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = corpus(34, 400, DIM, 10);
    let mut index = build(tmp.path(), &docs[..300], DIM, graph_only());
    let before: Vec<_> = queries(35, &docs, 20)
        .iter()
        .map(|q| index.search(q, 10, &Filters::default()))
        .collect();

    // More documents, then a commit killed after writing its files under
    // temporary names (and even after renaming some), before `meta.json`.
    for doc in &docs[300..] {
        index
            .upsert(&doc.number, doc.fields.clone(), &doc.passages())
            .unwrap();
    }
    drop(index);
    let dir = tmp.path().join("vectors");
    for (name, content) in [
        ("vectors-000002.f32.tmp", &b"partial"[..]),
        ("vectors-000002.f32", b"garbage of the wrong size"),
        ("table-000002.json", b"{\"docs\": ["),
        ("graph-000002.tmp.hnsw.graph", b"\x01\x02"),
        ("graph-000002.tmp.hnsw.data", b""),
        ("meta.json.tmp", b"{\"format\": 1, \"generation\": 2"),
    ] {
        std::fs::write(dir.join(name), content).unwrap();
    }

    let mut reopened = VectorIndex::open(tmp.path(), MODEL, DIM, graph_only()).unwrap();
    assert_eq!(reopened.num_docs(), 300);
    let after: Vec<_> = queries(35, &docs, 20)
        .iter()
        .map(|q| reopened.search(q, 10, &Filters::default()))
        .collect();
    assert_eq!(before, after);

    // The next commit goes through and sweeps the leftovers away.
    for doc in &docs[300..] {
        reopened
            .upsert(&doc.number, doc.fields.clone(), &doc.passages())
            .unwrap();
    }
    reopened.commit().unwrap();
    let names = vectors_files(tmp.path());
    assert!(
        names
            .iter()
            .all(|n| n == "meta.json" || n.contains("000002")),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.contains("tmp")), "{names:?}");
    let reopened = VectorIndex::open(tmp.path(), MODEL, DIM, graph_only()).unwrap();
    assert_eq!(reopened.num_docs(), 400);
}

#[test]
fn a_damaged_graph_dump_is_rebuilt_from_the_stored_vectors() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = corpus(36, 500, DIM, 10);
    let built = build(tmp.path(), &docs, DIM, graph_only());
    let graph = tmp.path().join("vectors/graph-000001.hnsw.graph");
    let bytes = std::fs::read(&graph).unwrap();
    std::fs::write(&graph, &bytes[..bytes.len() / 2]).unwrap();
    let reopened = VectorIndex::open(tmp.path(), MODEL, DIM, graph_only()).unwrap();
    assert_eq!(reopened.num_docs(), 500);
    for q in queries(37, &docs, 20) {
        assert_eq!(
            reopened.exact_search(&q, 10, &Filters::default()),
            built.exact_search(&q, 10, &Filters::default())
        );
        assert_eq!(reopened.search(&q, 10, &Filters::default()).len(), 10);
    }
    // A damaged vectors file is an error, not a silently smaller index.
    std::fs::write(tmp.path().join("vectors/vectors-000001.f32"), b"short").unwrap();
    assert!(matches!(
        VectorIndex::open(tmp.path(), MODEL, DIM, graph_only()),
        Err(VectorError::Corrupt { .. })
    ));
}
