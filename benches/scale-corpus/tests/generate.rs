//! The generator on a small N over the real shared data: deterministic,
//! prefix-stable, readable by the ingest, never overwriting a file.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use patsearch_ingest::{Event, IngestOptions, Progress};
use patsearch_record::{family_keys, PatentRecord};
use patsearch_scale_corpus::{write_corpus, Generator, Sources, FAMILY_SHARE};

fn shared() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    assert!(
        dir.join("data/corpus/patents-2013.jsonl.zst").is_file(),
        "the shared data is absent: these tests read ../shared/data beside the project root"
    );
    dir
}

fn sources() -> &'static Sources {
    static SOURCES: OnceLock<Sources> = OnceLock::new();
    SOURCES.get_or_init(|| {
        let shared = shared();
        Sources::load(
            &shared.join("data/corpus/patents-2013.jsonl.zst"),
            &shared.join("data/patents"),
        )
        .expect("the shared data loads")
    })
}

fn read_back(path: &std::path::Path) -> (Vec<PatentRecord>, u64) {
    let mut records = Vec::new();
    let summary = patsearch_ingest::run(
        &[path.to_path_buf()],
        &IngestOptions::default(),
        &Progress::default(),
        |e| {
            if let Event::Record(r) = e {
                records.push(*r);
            }
        },
    );
    (records, summary.skipped)
}

#[test]
fn generated_corpus_is_deterministic_prefix_stable_and_ingestable() {
    let sources = sources();
    let dir = tempfile::tempdir().unwrap();
    let generator = Generator::new(sources, 7);
    let large = dir.path().join("large.jsonl.zst");
    let small = dir.path().join("small.jsonl.zst");
    let again = dir.path().join("again.jsonl.zst");
    // Several frames, so the parallel path and frame order are exercised.
    let written = write_corpus(&generator, 0, 1_200, &large, 3, |_| {}).unwrap();
    assert_eq!(written.records, 1_200);
    write_corpus(&generator, 0, 700, &small, 3, |_| {}).unwrap();
    write_corpus(&Generator::new(sources, 7), 0, 1_200, &again, 3, |_| {}).unwrap();
    assert_eq!(
        std::fs::read(&large).unwrap(),
        std::fs::read(&again).unwrap(),
        "same seed, same bytes"
    );

    let (records, skipped) = read_back(&large);
    assert_eq!(skipped, 0);
    assert_eq!(records.len(), 1_200);
    let (prefix, _) = read_back(&small);
    for (a, b) in prefix.iter().zip(&records) {
        assert_eq!(a.publication_number, b.publication_number);
        assert_eq!(a.description, b.description);
        assert_eq!(a.claims, b.claims);
    }
    let numbers: HashSet<String> = records
        .iter()
        .map(|r| r.publication_number.to_string())
        .collect();
    assert_eq!(numbers.len(), records.len(), "numbers are unique");

    let other = Generator::new(sources, 8).record(5);
    assert_ne!(
        other.description, records[5].description,
        "the seed matters"
    );

    for r in &records {
        assert!(
            !r.title.is_empty() && !r.description.is_empty(),
            "{}",
            r.publication_number
        );
        assert!(!r.claims.is_empty() && r.independent_claims().next().is_some());
        assert!(!r.cpc.is_empty() && r.cpc[0].main == Some(true));
        assert!(r.filing_date().is_some() && r.publication_date > r.filing_date());
    }
    // Families: about FAMILY_SHARE of the records name a parent, which is an
    // earlier record of the corpus, and share its description.
    let by_application: std::collections::HashMap<String, &PatentRecord> = records
        .iter()
        .map(|r| (r.application.as_ref().unwrap().number.clone(), r))
        .collect();
    let children: Vec<&PatentRecord> = records
        .iter()
        .filter(|r| !r.related_documents.is_empty())
        .collect();
    let share = children.len() as f64 / records.len() as f64;
    assert!(
        (share - FAMILY_SHARE).abs() < 0.05,
        "{share} of the records continue a family"
    );
    for child in &children {
        let parent = by_application[&child.related_documents[0].document.number];
        let keys = family_keys(child);
        assert!(keys.iter().any(|k| family_keys(parent).contains(k)));
        assert!(parent.filing_date() < child.filing_date());
        let shared = child
            .description
            .iter()
            .filter(|p| parent.description.contains(p))
            .count();
        // Both hold their family root's description; a continuation in part
        // adds paragraphs of its own.
        let shorter = parent.description.len().min(child.description.len());
        assert!(shared * 10 >= shorter * 9, "{}", child.publication_number);
    }
    // Records outside a family do not copy one another's description.
    let roots: Vec<&PatentRecord> = records
        .iter()
        .filter(|r| r.related_documents.is_empty())
        .take(200)
        .collect();
    for (a, b) in roots.iter().zip(roots.iter().skip(1)) {
        let same = a
            .description
            .iter()
            .filter(|p| b.description.contains(p))
            .count();
        assert!(
            same * 2 < a.description.len().max(1),
            "{} and {}",
            a.publication_number,
            b.publication_number
        );
    }
}

#[test]
fn generator_never_overwrites_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("corpus.jsonl.zst");
    std::fs::write(&out, b"someone else's data").unwrap();
    let error = write_corpus(&Generator::new(sources(), 1), 0, 10, &out, 3, |_| {}).unwrap_err();
    assert!(error.to_string().contains("does not overwrite"), "{error}");
    assert_eq!(std::fs::read(&out).unwrap(), b"someone else's data");
    let beyond = write_corpus(
        &Generator::new(sources(), 1),
        u64::MAX - 1,
        10,
        &dir.path().join("x.jsonl.zst"),
        3,
        |_| {},
    );
    assert!(beyond.is_err());
}
