//! The index lifecycle on small indexes of their own: upsert, delete,
//! commit, reopen, and the refusals of directories that are not indexes or
//! come from another schema.

use std::path::Path;

use patsearch_keyword::{KeywordError, KeywordIndex, SearchRequest, SCHEMA_VERSION};
use patsearch_manifest::ManifestError;
use patsearch_record::{Cancellation, Filters, PatentRecord, PublicationNumber};

use crate::fixtures::*;

/// The three 2014 grants and one 2015 grant.
fn small_records() -> Vec<PatentRecord> {
    let p = patents_dir();
    let records = ingest(&[
        p.join("uspto-patentpublicdata-samples/xml2014"),
        p.join("uspto-patent-parsing-tools-pypi/US08927386-20150106.XML"),
    ]);
    let numbers: Vec<String> = records
        .iter()
        .map(|r| r.publication_number.to_string())
        .collect();
    assert_eq!(
        numbers,
        ["US8926509B2", "US8927118B2", "US8930553B2", "US8927386B2"]
    );
    records
}

fn hits(index: &KeywordIndex, query: &str) -> Vec<(String, f32)> {
    index
        .search(&SearchRequest {
            query,
            filters: &Filters::default(),
            limit: 100,
            offset: 0,
            snippets: false,
            facets: false,
            collapse: false,
            cancel: &Cancellation::never(),
        })
        .unwrap_or_else(|e| panic!("{query}: {e}"))
        .hits
        .into_iter()
        .map(|h| (h.publication_number, h.score))
        .collect()
}

fn count(index: &KeywordIndex, query: &str) -> usize {
    hits(index, query).len()
}

fn number(text: &str) -> PublicationNumber {
    text.parse().unwrap()
}

#[test]
fn a_bulk_load_ends_in_one_segment_that_answers_as_the_many_did() {
    let dir = tempfile::tempdir().unwrap();
    let records = small_records();
    let index = KeywordIndex::open_or_create(dir.path()).unwrap();
    let mut writer = index.writer(50_000_000).unwrap();
    // One segment per commit; a deletion that the merge must keep.
    for record in &records {
        writer.upsert(record).unwrap();
        writer.commit().unwrap();
    }
    writer.delete(&number("US8927118B2"));
    writer.finish().unwrap();
    index.reload().unwrap();
    assert!(
        index.num_segments() > 1,
        "{} segments",
        index.num_segments()
    );
    let queries = ["battery OR light OR device", "method", "pn:US8927118"];
    let before: Vec<_> = queries.iter().map(|q| hits(&index, q)).collect();
    assert!(before[0].len() > 1 && before[2].is_empty(), "{before:?}");

    index.writer(50_000_000).unwrap().finish_merged().unwrap();
    index.reload().unwrap();
    assert_eq!(index.num_segments(), 1);
    assert_eq!(index.num_docs(), 3);
    let after: Vec<_> = queries.iter().map(|q| hits(&index, q)).collect();
    assert_eq!(after, before);
    for record in records
        .iter()
        .filter(|r| r.publication_number.to_string() != "US8927118B2")
    {
        assert_eq!(
            index.get(&record.publication_number).unwrap().as_ref(),
            Some(record)
        );
    }
}

/// The bytes each segment's files take on disk (deletion bitsets left out),
/// by segment id: tantivy names a segment's files `<id>.<component>`.
fn segment_sizes(dir: &Path) -> std::collections::BTreeMap<String, u64> {
    let mut sizes = std::collections::BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        for entry in std::fs::read_dir(&path).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else if let Some((id, component)) = name.split_once('.') {
                if id.len() == 32
                    && id.chars().all(|c| c.is_ascii_hexdigit())
                    && !component.ends_with("del")
                {
                    *sizes.entry(id.to_string()).or_default() += entry.metadata().unwrap().len();
                }
            }
        }
    }
    sizes
}

#[test]
fn the_bulk_merge_writes_no_segment_over_its_bound() {
    let dir = tempfile::tempdir().unwrap();
    let records = small_records();
    let index = KeywordIndex::open_or_create(dir.path()).unwrap();
    let mut writer = index.writer(50_000_000).unwrap();
    for record in &records {
        writer.upsert(record).unwrap();
        writer.commit().unwrap();
    }
    writer.finish().unwrap();
    index.reload().unwrap();
    assert_eq!(index.num_segments(), 4);
    let before = segment_sizes(dir.path());
    assert_eq!(before.len(), 4, "{before:?}");
    let queries = ["battery OR light OR device", "method"];
    let hits_before: Vec<_> = queries.iter().map(|q| hits(&index, q)).collect();

    // Under a bound below every segment nothing is merged.
    let smallest = *before.values().min().unwrap();
    let mut writer = index.writer(50_000_000).unwrap();
    writer.set_max_merged_segment_bytes(smallest);
    writer.finish_merged().unwrap();
    index.reload().unwrap();
    assert_eq!(segment_sizes(dir.path()), before);

    // Under the size of the two smallest together, they merge, and the
    // others cannot all join them.
    let mut sorted: Vec<u64> = before.values().copied().collect();
    sorted.sort_unstable();
    let mut writer = index.writer(50_000_000).unwrap();
    writer.set_max_merged_segment_bytes(sorted[0] + sorted[1]);
    writer.finish_merged().unwrap();
    index.reload().unwrap();
    let after = segment_sizes(dir.path());
    assert!(
        after.len() > 1 && after.len() < 4,
        "{before:?} -> {after:?}"
    );
    assert_eq!(index.num_segments(), after.len());
    assert_eq!(index.num_docs(), 4);
    let hits_after: Vec<_> = queries.iter().map(|q| hits(&index, q)).collect();
    assert_eq!(hits_after, hits_before);
}

#[test]
fn upserting_the_same_record_again_leaves_one_copy() {
    let dir = tempfile::tempdir().unwrap();
    let records = small_records();
    let index = write_index(dir.path(), &records);
    assert_eq!(index.num_docs(), 4);

    // Twice in one commit, and again in a later commit.
    let mut writer = index.writer(50_000_000).unwrap();
    writer.upsert(&records[0]).unwrap();
    writer.upsert(&records[0]).unwrap();
    writer.commit().unwrap();
    writer.upsert(&records[0]).unwrap();
    writer.finish().unwrap();
    index.reload().unwrap();
    assert_eq!(index.num_docs(), 4);
    assert_eq!(count(&index, "pn:US8926509B2"), 1);
    assert_eq!(count(&index, "pn:US8926509"), 1);
    assert_eq!(
        index.get(&number("US8926509B2")).unwrap().as_ref(),
        Some(&records[0])
    );
}

#[test]
fn ingesting_the_same_files_twice_leaves_one_copy_of_each() {
    let dir = tempfile::tempdir().unwrap();
    let records = small_records();
    write_index(dir.path(), &records);
    let again = small_records();
    let index = write_index(dir.path(), &again);
    assert_eq!(index.num_docs(), 4);
    for r in &records {
        let pn = r.publication_number.to_string();
        assert_eq!(count(&index, &format!("pn:{pn}")), 1, "{pn}");
    }
    // A query every document matches returns each once.
    let all = hits(&index, "-qqqxyzzyqqq");
    assert_eq!(all.len(), 4);

    // The whole of the shared fixtures, which repeat a publication in two
    // weekly files, also has one copy per number.
    let s = shared();
    let raw = ingest(&[patents_dir().join("uspto-alexandria3k-ipgb")]);
    let distinct: std::collections::BTreeSet<String> = raw
        .iter()
        .map(|r| r.publication_number.to_string())
        .collect();
    assert!(
        distinct.len() < raw.len(),
        "the weekly files repeat a document"
    );
    for pn in &distinct {
        assert_eq!(s.search(&format!("pn:{pn}")).total, 1, "{pn}");
    }
}

#[test]
fn upserting_a_changed_record_replaces_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let records = small_records();
    let index = write_index(dir.path(), &records);
    let old = records[2].clone();
    assert_eq!(old.publication_number.to_string(), "US8930553B2");
    assert_eq!(
        hits(&index, "title:\"session initiation protocol\"")
            .into_iter()
            .map(|(n, _)| n)
            .collect::<Vec<_>>(),
        ["US8930553B2"]
    );
    assert_eq!(count(&index, "zeppelin"), 0);

    let mut changed = old.clone();
    changed.title = "Zeppelin mooring telemetry".into();
    let mut writer = index.writer(50_000_000).unwrap();
    writer.upsert(&changed).unwrap();
    writer.finish().unwrap();
    index.reload().unwrap();

    assert_eq!(index.num_docs(), 4);
    let found: Vec<String> = hits(&index, "title:zeppelin")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(found, ["US8930553B2"]);
    assert_eq!(count(&index, "title:\"session initiation protocol\""), 0);
    assert_eq!(count(&index, "pn:US8930553B2"), 1);
    assert_eq!(
        index.get(&number("US8930553B2")).unwrap().unwrap().title,
        "Zeppelin mooring telemetry"
    );
}

#[test]
fn documents_can_be_deleted_by_full_number_or_without_the_kind() {
    let dir = tempfile::tempdir().unwrap();
    let records = small_records();
    let index = write_index(dir.path(), &records);

    let mut writer = index.writer(50_000_000).unwrap();
    writer.delete(&number("US8926509B2"));
    writer.delete(&number("US8927118"));
    // Another kind of a present number, and an absent number: no effect.
    writer.delete(&number("US8930553A1"));
    writer.delete(&number("US1234567B2"));
    writer.finish().unwrap();
    index.reload().unwrap();

    assert_eq!(index.num_docs(), 2);
    for gone in ["US8926509B2", "US8927118B2"] {
        assert_eq!(count(&index, &format!("pn:{gone}")), 0, "{gone}");
        assert!(index.get(&number(gone)).unwrap().is_none(), "{gone}");
    }
    for kept in ["US8930553B2", "US8927386B2"] {
        assert_eq!(count(&index, &format!("pn:{kept}")), 1, "{kept}");
    }
    // Words of a deleted document no longer find it.
    assert!(hits(&index, "-qqqxyzzyqqq")
        .iter()
        .all(|(n, _)| n != "US8926509B2" && n != "US8927118B2"));

    // A deleted document can come back.
    let mut writer = index.writer(50_000_000).unwrap();
    writer.upsert(&records[0]).unwrap();
    writer.finish().unwrap();
    index.reload().unwrap();
    assert_eq!(index.num_docs(), 3);
    assert_eq!(count(&index, "pn:US8926509"), 1);
}

#[test]
fn a_reopened_index_gives_the_same_results() {
    let dir = tempfile::tempdir().unwrap();
    let records = small_records();
    let queries = [
        "wireless",
        "\"session initiation protocol\"",
        "cpc:A61B5 OR ipc:H01L",
        "compound* AND filed:[2012 TO 2013]",
        "-trench",
    ];
    let before: Vec<Vec<(String, f32)>> = {
        let index = write_index(dir.path(), &records);
        queries.iter().map(|q| hits(&index, q)).collect()
    };
    assert!(before.iter().all(|h| !h.is_empty()));
    let reopened = KeywordIndex::open(dir.path()).unwrap();
    assert_eq!(reopened.num_docs(), 4);
    for (query, expected) in queries.iter().zip(&before) {
        assert_eq!(&hits(&reopened, query), expected, "{query}");
    }
    // open_or_create on an existing index opens it as it is.
    let again = KeywordIndex::open_or_create(dir.path()).unwrap();
    assert_eq!(again.num_docs(), 4);
}

#[test]
fn uncommitted_changes_are_neither_visible_nor_kept() {
    let dir = tempfile::tempdir().unwrap();
    let records = small_records();
    let index = write_index(dir.path(), &records[..2]);
    let reader = KeywordIndex::open(dir.path()).unwrap();
    {
        let mut writer = index.writer(50_000_000).unwrap();
        writer.upsert(&records[2]).unwrap();
        writer.delete(&number("US8926509B2"));
        assert_eq!(writer.pending(), 2);
        // Dropped without a commit, as a killed process would leave it.
    }
    index.reload().unwrap();
    assert_eq!(index.num_docs(), 2);
    let reopened = KeywordIndex::open(dir.path()).unwrap();
    assert_eq!(reopened.num_docs(), 2);
    assert_eq!(count(&reopened, "pn:US8930553"), 0);
    assert_eq!(count(&reopened, "pn:US8926509"), 1);

    // A commit is seen by another open index after its reload.
    let mut writer = index.writer(50_000_000).unwrap();
    writer.upsert(&records[2]).unwrap();
    writer.commit().unwrap();
    assert_eq!(writer.pending(), 0);
    assert_eq!(reader.num_docs(), 2, "not before a reload");
    reader.reload().unwrap();
    assert_eq!(reader.num_docs(), 3);
    drop(writer);
}

#[test]
fn only_one_writer_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let index = write_index(dir.path(), &small_records()[..1]);
    let first = index.writer(50_000_000).unwrap();
    let other = KeywordIndex::open(dir.path()).unwrap();
    assert!(
        other.writer(50_000_000).is_err(),
        "a second writer is refused"
    );
    drop(first);
    other.writer(50_000_000).expect("free again");
}

#[test]
fn a_plain_directory_is_not_an_index() {
    let dir = tempfile::tempdir().unwrap();
    let err = KeywordIndex::open(dir.path()).unwrap_err();
    assert!(
        matches!(
            err,
            KeywordError::Manifest(ManifestError::NotAnIndex { .. })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("patsearch ingest"), "{err}");
    let missing = dir.path().join("nothing-here");
    let err = KeywordIndex::open(&missing).unwrap_err();
    assert!(err.to_string().contains("patsearch ingest"), "{err}");
    assert!(!missing.exists(), "open creates nothing");
}

fn edit_manifest(root: &Path, change: impl FnOnce(&mut serde_json::Value)) {
    let path = root.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    change(&mut manifest);
    std::fs::write(&path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
}

#[test]
fn another_schema_version_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    write_index(dir.path(), &small_records()[..1]);
    let other = SCHEMA_VERSION + 1;
    edit_manifest(dir.path(), |m| {
        m["keyword"]["schema_version"] = other.into();
    });
    for err in [
        KeywordIndex::open(dir.path()).unwrap_err(),
        KeywordIndex::open_or_create(dir.path()).unwrap_err(),
    ] {
        match &err {
            KeywordError::SchemaVersion {
                found, expected, ..
            } => {
                assert_eq!((*found, *expected), (other, SCHEMA_VERSION));
            }
            e => panic!("expected SchemaVersion, got {e:?}"),
        }
        assert!(err.to_string().contains("rebuild"), "{err}");
    }
}

#[test]
fn a_manifest_without_a_keyword_index_says_how_to_build_one() {
    let dir = tempfile::tempdir().unwrap();
    patsearch_manifest::IndexDir::open_or_create(dir.path(), "test").unwrap();
    let err = KeywordIndex::open(dir.path()).unwrap_err();
    assert!(
        matches!(err, KeywordError::NoKeywordIndex { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("patsearch ingest"), "{err}");
}

#[test]
fn an_index_created_by_an_interrupted_first_ingest_is_completed_by_the_next() {
    // A first ingest killed after tantivy created `keyword/` but before the
    // manifest recorded it leaves a manifest without a keyword section. The
    // next ingest must complete the directory so that it can be searched.
    let dir = tempfile::tempdir().unwrap();
    let records = small_records();
    drop(KeywordIndex::open_or_create(dir.path()).unwrap());
    edit_manifest(dir.path(), |m| {
        m.as_object_mut().unwrap().remove("keyword");
    });
    assert!(dir.path().join("keyword/meta.json").exists());

    write_index(dir.path(), &records);
    let index = KeywordIndex::open(dir.path())
        .expect("the index opens after the second ingest completed it");
    assert_eq!(index.num_docs(), 4);
}
