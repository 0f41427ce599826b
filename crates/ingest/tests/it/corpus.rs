//! The whole benchmark corpus ingests: 6,940 records, none skipped.

use std::collections::HashSet;
use std::path::PathBuf;

use patsearch_ingest::{Event, IngestOptions, Progress};

#[test]
fn all_6940_corpus_records_ingest() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/corpus/patents-2013.jsonl.zst");
    assert!(
        corpus.is_file(),
        "benchmark corpus not found at {}: the shared data folder must sit beside the project root",
        corpus.display()
    );
    let mut numbers = HashSet::new();
    let mut with_description = 0;
    let mut skips = Vec::new();
    let summary = patsearch_ingest::run(
        &[corpus],
        &IngestOptions::default(),
        &Progress::default(),
        |event| match event {
            Event::Record(r) => {
                assert_eq!(r.country, "US");
                assert!(!r.title.is_empty(), "{} has a title", r.publication_number);
                with_description += usize::from(!r.description.is_empty());
                numbers.insert(r.publication_number.to_string());
            }
            Event::Skipped(s) => skips.push(s.to_string()),
            Event::NonPatent { .. } => {}
        },
    );
    assert!(skips.is_empty(), "skipped: {skips:?}");
    assert_eq!(summary.ingested, 6940);
    assert_eq!(numbers.len(), 6940, "publication numbers are distinct");
    // 55 corpus lines carry an empty description (counted from the raw JSON).
    assert_eq!(with_description, 6940 - 55);
    assert!(numbers.contains("US8799651"));
    assert!(
        numbers.contains("USRE45048"),
        "reissues normalise without zero padding (USRE045048 in the source)"
    );
}
