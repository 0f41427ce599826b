//! Writes all-or-nothing across the keyword and the vector index: a crash
//! between the two commits is taken back at the next open, an index left
//! inconsistent by an earlier build is repaired by the next writer, a
//! failed commit leaves nothing applied and no file behind, and one
//! publication is one document whether or not its number has a kind.

use std::collections::BTreeSet;
use std::path::Path;

use patsearch_engine::{Engine, EngineOptions, Indexer, IndexerOptions};
use patsearch_keyword::KeywordIndex;
use patsearch_record::{FilterFields, PatentRecord, PublicationNumber};
use patsearch_vectors::{Passage, VectorConfig, VectorIndex};

use crate::common::{build_index, corpus_records, embedder};

fn writer_options() -> IndexerOptions {
    IndexerOptions {
        embedder: Some(embedder()),
        ..IndexerOptions::default()
    }
}

fn open_engine(root: &Path) -> Engine {
    Engine::open(
        root,
        EngineOptions {
            embedder: Some(embedder()),
            ..EngineOptions::default()
        },
    )
    .unwrap()
}

fn number(text: &str) -> PublicationNumber {
    text.parse().unwrap()
}

/// The files of a directory (names, less tantivy's lock files), for
/// "nothing was left behind".
fn files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with(".lock"))
        .collect()
}

/// The vector index's current generation on disk, from its `meta.json`.
fn generation_on_disk(root: &Path) -> u64 {
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("vectors/meta.json")).unwrap()).unwrap();
    meta["generation"].as_u64().unwrap()
}

/// A unit vector of the model's dimension, for writing the vector side
/// directly.
fn unit_vector(dimension: usize) -> Vec<f32> {
    let mut v = vec![0.0f32; dimension];
    v[0] = 1.0;
    v
}

/// Writes each record's fields with a unit vector straight into the
/// vector side.
fn upsert_unit_vectors<'r>(
    vectors: &mut VectorIndex,
    records: impl IntoIterator<Item = &'r PatentRecord>,
) {
    let v = unit_vector(vectors.dimension());
    for record in records {
        vectors
            .upsert(
                &record.publication_number,
                FilterFields::of(record),
                &[(Passage::title_abstract(), &v[..])],
            )
            .unwrap();
    }
}

fn open_vectors_at(root: &Path, generation: Option<u64>) -> VectorIndex {
    let e = embedder();
    VectorIndex::open_or_create_at(
        root,
        e.model_id(),
        e.dimension(),
        VectorConfig::default(),
        generation,
    )
    .unwrap()
}

#[test]
fn a_crash_between_the_two_commits_is_taken_back_at_the_next_open() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("index");
    let records = corpus_records(6);
    let (engine, _) = build_index(&root, &records[..4]);
    let committed = engine.vectors().unwrap().generation();
    let before: Vec<f32> = engine
        .vectors()
        .unwrap()
        .vectors_of(&records[0].publication_number)
        .unwrap()[0]
        .vector
        .to_vec();
    assert!(engine.index_check().is_complete() && engine.index_check().paired);
    drop(engine);

    // What a commit killed after the vector generation was staged and
    // before the keyword commit was published leaves: keyword changes in
    // the writer only (never published), a new vector generation on disk
    // holding a new document and a replaced one.
    {
        let keyword = KeywordIndex::open(&root).unwrap();
        let mut writer = keyword.writer(32 * 1024 * 1024).unwrap();
        writer.upsert(&records[4]).unwrap();
        let mut vectors = open_vectors_at(&root, Some(committed));
        upsert_unit_vectors(&mut vectors, [&records[4], &records[0]]);
        assert_eq!(vectors.stage().unwrap(), committed + 1);
        // Killed here: neither settles nor commits.
    }
    assert_eq!(generation_on_disk(&root), committed + 1);

    // A reader opens the index as of the last whole commit, on both sides.
    let engine = open_engine(&root);
    let check = engine.index_check();
    assert!(check.paired && check.is_complete(), "{check:?}");
    assert_eq!(engine.num_docs(), 4);
    assert_eq!(engine.num_vectors().unwrap().0, 4);
    assert!(!engine
        .vectors()
        .unwrap()
        .contains(&records[4].publication_number));
    let after = engine
        .vectors()
        .unwrap()
        .vectors_of(&records[0].publication_number)
        .unwrap()[0]
        .vector
        .to_vec();
    assert_eq!(
        after, before,
        "the replaced document keeps its committed vectors"
    );
    drop(engine);

    // A writer takes the staged generation back on disk too, and goes on.
    let mut indexer = Indexer::open(&root, writer_options()).unwrap();
    assert!(indexer.opened().is_complete() && !indexer.opened().compared);
    assert_eq!(generation_on_disk(&root), committed);
    assert!(!files(&root.join("vectors"))
        .iter()
        .any(|f| f.contains(&format!("{:06}", committed + 1))));
    indexer.upsert(records[5].clone()).unwrap();
    let engine = indexer.finish().unwrap();
    assert_eq!(engine.num_docs(), 5);
    assert_eq!(engine.num_vectors().unwrap().0, 5);
    assert!(engine.index_check().is_complete());
}

#[test]
fn an_index_left_inconsistent_by_an_earlier_build_is_repaired_at_the_next_open() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("index");
    let records = corpus_records(6);
    let (engine, _) = build_index(&root, &records[..3]);
    drop(engine);

    // An earlier build committed the keyword index first and the vectors
    // second, without pairing them: a crash in between left a keyword
    // document without vectors; a delete in the other order left vectors
    // without a record.
    {
        let keyword = KeywordIndex::open(&root).unwrap();
        let mut writer = keyword.writer(32 * 1024 * 1024).unwrap();
        writer.upsert(&records[3]).unwrap();
        writer.upsert(&records[4]).unwrap();
        writer.commit().unwrap();
        let mut vectors = open_vectors_at(&root, None);
        let v = unit_vector(vectors.dimension());
        vectors
            .upsert(
                &number("US9999991"),
                FilterFields::default(),
                &[(Passage::title_abstract(), &v[..])],
            )
            .unwrap();
        vectors.commit().unwrap();
    }

    // A reader says what is amiss, and changes nothing.
    let engine = open_engine(&root);
    let check = engine.index_check().clone();
    assert!(!check.paired && check.compared, "{check:?}");
    let mut missing = vec![
        records[3].publication_number.clone(),
        records[4].publication_number.clone(),
    ];
    missing.sort();
    assert_eq!(check.missing_vectors, missing);
    assert_eq!(check.orphan_vectors, vec![number("US9999991")]);
    assert_eq!(engine.check().unwrap().missing_vectors, missing);
    drop(engine);

    // A writer without a model drops the orphan and reports the rest.
    let indexer = Indexer::open(&root, IndexerOptions::default()).unwrap();
    assert_eq!(indexer.opened().missing_vectors, missing);
    let engine = indexer.finish().unwrap();
    assert_eq!(engine.index_check().missing_vectors, missing);
    assert!(engine.index_check().orphan_vectors.is_empty());
    assert!(!engine.vectors().unwrap().contains(&number("US9999991")));
    drop(engine);

    // A writer with the model embeds the documents without vectors.
    let indexer = Indexer::open(&root, writer_options()).unwrap();
    assert_eq!(indexer.opened().missing_vectors, missing);
    let engine = indexer.finish().unwrap();
    assert!(
        engine.index_check().is_complete(),
        "{:?}",
        engine.index_check()
    );
    assert_eq!(engine.num_docs(), 5);
    assert_eq!(engine.num_vectors().unwrap().0, 5);
    let similar = engine
        .similar(&records[3].publication_number, 3, &Default::default())
        .unwrap();
    assert!(!similar.hits.is_empty());
    drop(engine);

    // Repaired and paired: the next open need not compare again.
    let engine = open_engine(&root);
    let check = engine.index_check();
    assert!(
        check.paired && !check.compared && check.is_complete(),
        "{check:?}"
    );
}

#[test]
fn a_failed_commit_leaves_nothing_applied_and_no_file_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("index");
    let records = corpus_records(5);
    let (engine, _) = build_index(&root, &records[..3]);
    let committed = engine.vectors().unwrap().generation();
    drop(engine);
    let keyword_files = files(&root.join("keyword"));
    let vector_files = files(&root.join("vectors"));

    // The next vector generation cannot be written: a directory stands
    // where its first file's temporary goes (as a full disk would fail it).
    let mut indexer = Indexer::open(&root, writer_options()).unwrap();
    let blocker = root.join(format!("vectors/vectors-{:06}.f32.tmp", committed + 1));
    std::fs::create_dir(&blocker).unwrap();
    indexer.upsert(records[3].clone()).unwrap();
    assert!(indexer.delete(&records[0].publication_number).unwrap());
    let error = indexer.commit().unwrap_err();
    assert!(!error.is_user_error(), "{error}");

    // Nothing applied, in this process or the next; no file left but the
    // blocker (tantivy's flushed segment files garbage-collected).
    assert_eq!(indexer.pending_changes(), 0);
    assert_eq!(files(&root.join("keyword")), keyword_files);
    let mut with_blocker = vector_files.clone();
    with_blocker.insert(blocker.file_name().unwrap().to_string_lossy().into_owned());
    assert_eq!(files(&root.join("vectors")), with_blocker);
    let engine = open_engine(&root);
    assert_eq!(engine.num_docs(), 3);
    assert!(engine
        .get(&records[0].publication_number)
        .unwrap()
        .is_some());
    assert!(engine
        .get(&records[3].publication_number)
        .unwrap()
        .is_none());
    assert_eq!(engine.num_vectors().unwrap().0, 3);
    assert!(engine.index_check().is_complete() && engine.index_check().paired);
    drop(engine);

    // The indexer stays usable once the disk is.
    std::fs::remove_dir(&blocker).unwrap();
    indexer.upsert(records[4].clone()).unwrap();
    let engine = indexer.finish().unwrap();
    assert_eq!(engine.num_docs(), 4);
    assert!(engine
        .get(&records[0].publication_number)
        .unwrap()
        .is_some());
    assert!(engine
        .get(&records[3].publication_number)
        .unwrap()
        .is_none());
    assert!(engine.index_check().is_complete());
}

fn with_number(record: &PatentRecord, text: &str, title: &str) -> PatentRecord {
    let mut r = record.clone();
    r.publication_number = number(text);
    r.title = title.to_string();
    r
}

#[test]
fn a_kindless_number_and_the_same_number_with_a_kind_are_one_document() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("index");
    let records = corpus_records(2);
    let (engine, _) = build_index(&root, &records[..1]);
    drop(engine);
    let kindless = with_number(&records[1], "US8752472", "from the corpus");
    let kinded = with_number(&records[1], "US8752472B2", "from the official XML");

    let stored = |engine: &Engine| -> Vec<String> {
        let mut v: Vec<String> = engine
            .vectors()
            .unwrap()
            .numbers()
            .map(|n| n.to_string())
            .filter(|n| n.starts_with("US8752472"))
            .collect();
        v.sort();
        v
    };

    // Kindless first, then the kinded record, in separate commits: the
    // kinded one replaces it, on both sides.
    let mut indexer = Indexer::open(&root, writer_options()).unwrap();
    indexer.upsert(kindless.clone()).unwrap();
    indexer.commit().unwrap();
    indexer.upsert(kinded.clone()).unwrap();
    let engine = indexer.finish().unwrap();
    assert_eq!(engine.num_docs(), 2);
    assert_eq!(stored(&engine), vec!["US8752472B2"]);
    assert_eq!(
        engine.get(&number("US8752472")).unwrap().unwrap().title,
        "from the official XML"
    );
    assert!(engine.index_check().is_complete());
    drop(engine);

    // The reverse: a kindless record replaces every stored kind of it.
    let mut indexer = Indexer::open(&root, writer_options()).unwrap();
    indexer.upsert(kindless.clone()).unwrap();
    let engine = indexer.finish().unwrap();
    assert_eq!(engine.num_docs(), 2);
    assert_eq!(stored(&engine), vec!["US8752472"]);
    assert!(engine.get(&number("US8752472B2")).unwrap().is_none());
    drop(engine);

    // Both within one commit, either order: one document.
    let mut indexer = Indexer::open(&root, writer_options()).unwrap();
    indexer.upsert(kinded.clone()).unwrap();
    indexer.upsert(kindless.clone()).unwrap();
    indexer.upsert(kinded.clone()).unwrap();
    let engine = indexer.finish().unwrap();
    assert_eq!(engine.num_docs(), 2);
    assert_eq!(stored(&engine), vec!["US8752472B2"]);
    drop(engine);

    // An application and its grant are two publications; deleting the
    // number without a kind removes both.
    let mut indexer = Indexer::open(&root, writer_options()).unwrap();
    indexer
        .upsert(with_number(&records[1], "EP1234567A1", "application"))
        .unwrap();
    indexer
        .upsert(with_number(&records[1], "EP1234567B1", "grant"))
        .unwrap();
    let engine = indexer.finish().unwrap();
    assert_eq!(engine.num_docs(), 4);
    drop(engine);
    let mut indexer = Indexer::open(&root, writer_options()).unwrap();
    assert!(indexer.delete(&number("EP1234567")).unwrap());
    let engine = indexer.finish().unwrap();
    assert_eq!(engine.num_docs(), 2);
    assert_eq!(engine.num_vectors().unwrap().0, 2);
    assert!(engine.index_check().is_complete());
}

#[test]
fn vectors_written_beside_a_keyword_only_index_count_once_their_commit_is_paired() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("index");
    let records = corpus_records(3);
    let mut indexer = Indexer::open_or_create(&root, IndexerOptions::default()).unwrap();
    indexer.upsert_all(records.clone()).unwrap();
    indexer.finish().unwrap();

    let write_vectors = || {
        let mut vectors = open_vectors_at(&root, None);
        upsert_unit_vectors(&mut vectors, &records);
        vectors
    };

    // Committed on their own, the vectors are newer than the keyword
    // commit, which names no vectors: the next open takes them back.
    write_vectors().commit().unwrap();
    let engine = open_engine(&root);
    assert_eq!(engine.num_vectors().map(|n| n.0), Some(0));
    drop(engine);

    let mut vectors = write_vectors();
    patsearch_engine::commit_vectors_paired(&root, &mut vectors).unwrap();
    drop(vectors);
    let engine = open_engine(&root);
    let check = engine.index_check();
    assert!(
        check.paired && !check.compared && check.is_complete(),
        "{check:?}"
    );
    assert_eq!(engine.num_vectors().unwrap().0, 3);
    assert_eq!(engine.num_docs(), 3);
}
