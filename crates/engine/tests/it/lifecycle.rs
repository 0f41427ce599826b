//! Writing and opening index directories: deletes and upserts reach both
//! indexes, a different model is refused, and the typed errors of a
//! keyword-only index or a missing model.

use std::path::Path;
use std::sync::Arc;

use patsearch_embed::{EmbedOptions, Embedder};
use patsearch_engine::{
    passages, Engine, EngineError, EngineOptions, Indexer, IndexerOptions, PassageOptions,
    SearchMode, SearchRequest,
};
use patsearch_manifest::IndexDir;
use patsearch_record::{PatentRecord, PublicationNumber};
use patsearch_vectors::VectorError;

use crate::common::{build_index, corpus_records, embedder, fixture, model_dir, numbers};

fn semantic(query: &str) -> SearchRequest {
    SearchRequest {
        limit: 50,
        ..SearchRequest::new(query, SearchMode::Semantic)
    }
}

/// The vectors an index with the default passages holds for `records`.
fn vectors(records: &[PatentRecord]) -> usize {
    records
        .iter()
        .map(|r| passages(r, &PassageOptions::default()).len())
        .sum()
}

#[test]
fn deletes_and_upserts_reach_both_indexes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("index");
    let records = corpus_records(12);
    let (engine, _) = build_index(&root, &records);
    assert_eq!(engine.num_docs(), 12);
    assert_eq!(engine.num_vectors(), Some((12, vectors(&records))));
    let gasket = &records[9];
    assert_eq!(gasket.publication_number.to_string(), "US8826599");
    let query = "insulating gasket for head-of-wall joints";
    assert_eq!(
        numbers(&engine.search(&semantic(query)).unwrap())[0],
        "US8826599"
    );
    drop(engine);

    // Delete (a number without kind, as the corpus has) and change another.
    let mut indexer = Indexer::open(
        &root,
        IndexerOptions {
            embedder: Some(embedder()),
            ..IndexerOptions::default()
        },
    )
    .unwrap();
    assert!(indexer.delete(&gasket.publication_number).unwrap());
    assert!(!indexer.delete(&"US1234567".parse().unwrap()).unwrap());
    let mut changed = records[0].clone();
    changed.title = "Insulating gasket for head-of-wall joints".into();
    changed.abstract_text = "A fire-stopping gasket sits on the ceiling track of a wall.".into();
    indexer.upsert(changed.clone()).unwrap();
    // Upserted then deleted before any commit: gone from both.
    let mut transient = records[1].clone();
    transient.publication_number = "US7000001".parse().unwrap();
    indexer.upsert(transient).unwrap();
    assert!(indexer.delete(&"US7000001".parse().unwrap()).unwrap());
    let engine = indexer.finish().unwrap();

    assert_eq!(engine.num_docs(), 11);
    let mut kept: Vec<PatentRecord> = records
        .iter()
        .filter(|r| *r != gasket && *r != &records[0])
        .cloned()
        .collect();
    kept.push(changed.clone());
    assert_eq!(engine.num_vectors(), Some((11, vectors(&kept))));
    assert!(engine.get(&gasket.publication_number).unwrap().is_none());
    let found = numbers(&engine.search(&semantic(query)).unwrap());
    assert!(!found.contains(&"US8826599".to_string()));
    assert_eq!(found[0], changed.publication_number.to_string());
    assert!(!found.contains(&"US7000001".to_string()));
    let keyword = numbers(
        &engine
            .search(&SearchRequest::new("gasket", SearchMode::Keyword))
            .unwrap(),
    );
    assert_eq!(keyword[0], changed.publication_number.to_string());
    assert!(!keyword.contains(&"US8826599".to_string()));

    // Deleting needs no model.
    drop(engine);
    let mut indexer = Indexer::open(&root, IndexerOptions::default()).unwrap();
    assert!(indexer.delete(&changed.publication_number).unwrap());
    // ... but adding documents does: they would get no vectors.
    let err = indexer.upsert(records[9].clone()).unwrap_err();
    assert!(
        matches!(err, EngineError::ModelNeededToIndex { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("models/fetch.sh"), "{err}");
    let engine = indexer.finish().unwrap();
    assert_eq!(engine.num_docs(), 10);
    kept.pop();
    assert_eq!(engine.num_vectors(), Some((10, vectors(&kept))));
}

#[test]
fn changes_to_documents_being_embedded_wait_for_their_vectors() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("index");
    let records = corpus_records(8);
    // Batches of one document: each upsert hands a batch to the embedding
    // thread, so the changes below meet documents still being embedded.
    let mut indexer = Indexer::open_or_create(
        &root,
        IndexerOptions {
            embedder: Some(embedder()),
            embed_batch_documents: 1,
            ..IndexerOptions::default()
        },
    )
    .unwrap();
    for r in &records {
        indexer.upsert(r.clone()).unwrap();
    }
    // A kind of a kindless number replaces it; a delete and a second upsert
    // follow the upserts of the same numbers.
    let mut kinded = records[0].clone();
    kinded.publication_number = format!("{}B2", records[0].publication_number)
        .parse()
        .unwrap();
    indexer.upsert(kinded.clone()).unwrap();
    assert!(indexer.delete(&records[7].publication_number).unwrap());
    let mut changed = records[6].clone();
    changed.title = "Insulating gasket for head-of-wall joints".into();
    indexer.upsert(changed.clone()).unwrap();
    let progress = *indexer.progress();
    assert_eq!(progress.documents, 10);
    let engine = indexer.finish().unwrap();

    let mut kept = vec![kinded.clone()];
    kept.extend(records[1..6].iter().cloned());
    kept.push(changed.clone());
    assert_eq!(engine.num_docs(), 7);
    assert_eq!(engine.num_vectors(), Some((7, vectors(&kept))));
    assert!(engine
        .get(&records[7].publication_number)
        .unwrap()
        .is_none());
    let found = numbers(
        &engine
            .search(&semantic("insulating gasket for head-of-wall joints"))
            .unwrap(),
    );
    assert!(!found.contains(&records[7].publication_number.to_string()));
    assert!(!found.contains(&records[0].publication_number.to_string()));
    assert!(found.contains(&kinded.publication_number.to_string()));
}

#[test]
fn hits_whose_record_is_gone_are_skipped() {
    // A crash between the keyword commit and the vector commit of a delete
    // leaves vectors without a record: searches skip them.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("index");
    let records = corpus_records(5);
    let (engine, _) = build_index(&root, &records);
    drop(engine);
    let keyword = patsearch_keyword::KeywordIndex::open(&root).unwrap();
    let mut writer = keyword.writer(50_000_000).unwrap();
    writer.delete(&records[0].publication_number);
    writer.finish().unwrap();
    let engine = Engine::open(
        &root,
        EngineOptions {
            embedder: Some(embedder()),
            ..EngineOptions::default()
        },
    )
    .unwrap();
    assert_eq!(engine.num_vectors(), Some((5, vectors(&records))));
    let results = engine.search(&semantic(&records[0].title)).unwrap();
    let found = numbers(&results);
    assert_eq!(found.len(), 4);
    assert!(!found.contains(&records[0].publication_number.to_string()));
}

#[test]
fn an_index_of_another_model_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("index");
    let (engine, _) = build_index(&root, &corpus_records(3));
    let model = engine.model().unwrap().to_string();
    assert!(model.starts_with("all-MiniLM-L6-v2@"), "{model}");
    drop(engine);
    let (_, manifest) = IndexDir::open(&root).unwrap();
    let section = manifest.vectors.unwrap();
    assert_eq!(section.model, model);
    assert_eq!(section.dimension, 384);

    // Another model: the same files under another name have another id.
    let other_dir = tmp.path().join("other-model");
    copy_dir(&model_dir(), &other_dir);
    let other = Arc::new(Embedder::load(&other_dir, EmbedOptions::default()).unwrap());
    assert_ne!(other.model_id(), model);
    let mismatch = |err: &EngineError| {
        matches!(err, EngineError::Vectors(VectorError::ModelMismatch { .. }))
            && err.to_string().contains(&model)
            && err.to_string().contains(other.model_id())
    };

    let err = Engine::open(
        &root,
        EngineOptions {
            model_dir: Some(other_dir.clone()),
            ..EngineOptions::default()
        },
    )
    .unwrap_err();
    assert!(mismatch(&err), "{err}");
    assert!(err.is_user_error());
    let err = Indexer::open(
        &root,
        IndexerOptions {
            embedder: Some(other.clone()),
            ..IndexerOptions::default()
        },
    )
    .unwrap_err();
    assert!(mismatch(&err), "{err}");
    // Opened without a model, then given the wrong one: refused too.
    let mut engine = Engine::open(&root, EngineOptions::default()).unwrap();
    let err = engine.set_embedder(other.clone()).unwrap_err();
    assert!(mismatch(&err), "{err}");
    engine.set_embedder(embedder()).unwrap();
    assert_eq!(
        engine
            .search(&semantic("encrypted file access"))
            .unwrap()
            .hits[0]
            .publication_number,
        "US8799651"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn semantic_search_needs_vectors_and_a_model() {
    // A keyword-only index.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("index");
    let records = corpus_records(5);
    let mut indexer = Indexer::open_or_create(&root, IndexerOptions::default()).unwrap();
    assert!(!indexer.embeds());
    for r in &records {
        indexer.upsert(r.clone()).unwrap();
    }
    let engine = indexer.finish().unwrap();
    assert!(!engine.has_vectors());
    for mode in [SearchMode::Semantic, SearchMode::Hybrid] {
        let err = engine
            .search(&SearchRequest::new("encrypted files", mode))
            .unwrap_err();
        assert!(matches!(err, EngineError::NoVectorIndex { .. }), "{err}");
        assert!(err.is_user_error());
        assert!(err.to_string().contains("--mode keyword"), "{err}");
    }
    let keyword = engine
        .search(&SearchRequest::new("encrypted", SearchMode::Keyword))
        .unwrap();
    assert_eq!(numbers(&keyword)[0], "US8799651");
    let err = engine
        .similar(&records[0].publication_number, 3, &Default::default())
        .unwrap_err();
    assert!(matches!(err, EngineError::NoVectorIndex { .. }), "{err}");
    drop(engine);
    // Embedding into it would leave its documents without vectors.
    let err = Indexer::open(
        &root,
        IndexerOptions {
            embedder: Some(embedder()),
            ..IndexerOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            EngineError::DocumentsWithoutVectors { documents: 5, .. }
        ),
        "{err}"
    );

    // The shared index opened without a model: semantic search says what is
    // missing; similar and keyword search need no model.
    let f = fixture();
    let engine = Engine::open(&f.root, EngineOptions::default()).unwrap();
    assert!(engine.has_vectors() && engine.embedder().is_none());
    let err = engine
        .search(&SearchRequest::new("encrypted files", SearchMode::Semantic))
        .unwrap_err();
    assert!(matches!(err, EngineError::NoModel { .. }), "{err}");
    assert!(err.to_string().contains("models/fetch.sh"), "{err}");
    let number: PublicationNumber = "US8799651".parse().unwrap();
    assert_eq!(
        engine
            .similar(&number, 5, &Default::default())
            .unwrap()
            .hits,
        f.engine
            .similar(&number, 5, &Default::default())
            .unwrap()
            .hits
    );
    assert!(!engine
        .search(&SearchRequest::new("encrypted", SearchMode::Keyword))
        .unwrap()
        .hits
        .is_empty());

    // Bad requests are typed, user errors.
    let bad = SearchRequest {
        fusion: patsearch_engine::Fusion::Rrf {
            k: -1.0,
            keyword_weight: 1.0,
            semantic_weight: 1.0,
        },
        ..SearchRequest::new("x", SearchMode::Hybrid)
    };
    let err = f.engine.search(&bad).unwrap_err();
    assert!(matches!(err, EngineError::InvalidRequest(_)), "{err}");
    let err = f
        .engine
        .search(&SearchRequest::new("   ", SearchMode::Semantic))
        .unwrap_err();
    assert!(matches!(err, EngineError::InvalidRequest(_)), "{err}");
}

#[test]
fn a_bulk_load_merges_the_keyword_index_but_a_few_additions_do_not() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("index");
    let records = corpus_records(12);
    // Eight documents in four commits: four segments, merged into one at the end.
    let mut indexer = Indexer::open_or_create(&root, IndexerOptions::default()).unwrap();
    for pair in records[..8].chunks(2) {
        for r in pair {
            indexer.upsert(r.clone()).unwrap();
        }
        indexer.commit().unwrap();
    }
    let engine = indexer.finish_bulk().unwrap();
    assert_eq!(engine.keyword().num_segments(), 1);
    assert_eq!(engine.num_docs(), 8);
    drop(engine);
    // One more document (an eighth of the index after it): not merged.
    let mut indexer = Indexer::open(&root, IndexerOptions::default()).unwrap();
    indexer.upsert(records[8].clone()).unwrap();
    let engine = indexer.finish_bulk().unwrap();
    assert_eq!(engine.keyword().num_segments(), 2);
    drop(engine);
    // Three more (a quarter of the twelve): merged.
    let mut indexer = Indexer::open(&root, IndexerOptions::default()).unwrap();
    for r in &records[9..] {
        indexer.upsert(r.clone()).unwrap();
    }
    let engine = indexer.finish_bulk().unwrap();
    assert_eq!(engine.keyword().num_segments(), 1);
    assert_eq!(engine.num_docs(), 12);
    let keyword = engine
        .search(&SearchRequest::new("encrypted", SearchMode::Keyword))
        .unwrap();
    assert_eq!(numbers(&keyword)[0], "US8799651");
}

#[test]
fn an_index_keeps_the_passages_it_was_built_with() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("index");
    let records = corpus_records(2);
    let open = |passages: Option<PassageOptions>| {
        Indexer::open_or_create(
            &root,
            IndexerOptions {
                embedder: Some(embedder()),
                passages,
                ..IndexerOptions::default()
            },
        )
    };
    let mut indexer = open(Some(PassageOptions::summary_only())).unwrap();
    indexer.upsert(records[0].clone()).unwrap();
    let engine = indexer.finish().unwrap();
    assert_eq!(engine.num_vectors(), Some((1, 1)));
    drop(engine);
    let (_, manifest) = IndexDir::open(&root).unwrap();
    assert_eq!(manifest.vectors.unwrap().description_passages, 0);

    // A writer that does not say (the server's) embeds what the index records.
    let mut indexer = open(None).unwrap();
    assert_eq!(indexer.passages(), PassageOptions::summary_only());
    indexer.upsert(records[1].clone()).unwrap();
    let engine = indexer.finish().unwrap();
    assert_eq!(engine.num_vectors(), Some((2, 2)));
    drop(engine);

    // Another number for an index with documents is refused, saying how to rebuild.
    let err = open(Some(PassageOptions::default())).unwrap_err();
    assert!(matches!(err, EngineError::PassagesMismatch { .. }), "{err}");
    assert!(err.is_user_error());
    assert!(
        err.to_string().contains("--description-passages 3"),
        "{err}"
    );

    // A new index gets the default, and records it.
    let fresh = tmp.path().join("fresh");
    let mut indexer = Indexer::open_or_create(
        &fresh,
        IndexerOptions {
            embedder: Some(embedder()),
            ..IndexerOptions::default()
        },
    )
    .unwrap();
    assert_eq!(indexer.passages(), PassageOptions::default());
    indexer.upsert(records[0].clone()).unwrap();
    drop(indexer.finish().unwrap());
    let (_, manifest) = IndexDir::open(&fresh).unwrap();
    assert_eq!(
        manifest.vectors.unwrap().description_passages,
        PassageOptions::default().description_paragraphs
    );
}

#[test]
fn patents_without_description_or_with_odd_ones_index_and_search() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("index");
    let base = corpus_records(1).remove(0);
    let with = |number: &str, paragraphs: Vec<String>| {
        let mut r = base.clone();
        r.publication_number = number.parse().unwrap();
        r.claims.clear();
        r.description = paragraphs
            .into_iter()
            .map(|text| patsearch_record::Paragraph {
                number: None,
                heading: None,
                text,
            })
            .collect();
        r
    };
    let long: Vec<String> = (0..2000)
        .map(|i| format!("Paragraph {i} describes how the gasket's layers are bonded and cut to fit the track."))
        .collect();
    let records = vec![
        with("US7000001", Vec::new()),
        with("US7000002", long),
        with("US7000003", vec!["Word".into(); 500]),
    ];
    let mut indexer = Indexer::open_or_create(
        &root,
        IndexerOptions {
            embedder: Some(embedder()),
            ..IndexerOptions::default()
        },
    )
    .unwrap();
    for r in &records {
        indexer.upsert(r.clone()).unwrap();
    }
    let engine = indexer.finish().unwrap();
    // Title + abstract each, and three paragraphs of the long description.
    assert_eq!(engine.num_vectors(), Some((3, 6)));
    for mode in [
        SearchMode::Keyword,
        SearchMode::Semantic,
        SearchMode::Hybrid,
    ] {
        let results = engine
            .search(&SearchRequest {
                collapse: false,
                ..SearchRequest::new(base.title.as_str(), mode)
            })
            .unwrap();
        assert_eq!(results.hits.len(), 3, "{mode:?}");
    }
}
