//! Relatives: family members through the applications records name, and
//! near-duplicate descriptions, on small indexes of their own.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};

use patsearch_keyword::{KeywordIndex, Relative};
use patsearch_record::{
    family_keys, Cancellation, DocumentRef, PatentRecord, PublicationNumber, RelatedDocument,
    Relation,
};

use crate::fixtures::*;

fn number(text: &str) -> PublicationNumber {
    text.parse().unwrap()
}

fn application(number: &str) -> DocumentRef {
    DocumentRef {
        country: Some("US".into()),
        number: number.into(),
        kind: None,
        date: None,
    }
}

fn continuation_of(parent: &str) -> RelatedDocument {
    RelatedDocument {
        relation: Relation::Continuation,
        document: application(parent),
    }
}

/// A corpus record under another number, with family evidence replaced.
fn copy_as(record: &PatentRecord, new_number: &str) -> PatentRecord {
    let mut r = record.clone();
    r.publication_number = number(new_number);
    r.related_documents.clear();
    r.priority_claims.clear();
    r.application = None;
    r
}

fn relatives(index: &KeywordIndex, of: &str) -> Vec<Relative> {
    index
        .relatives(&number(of), &Cancellation::never())
        .unwrap()
        .unwrap_or_else(|| panic!("{of} is not in the index"))
        .1
}

fn numbers_of(relatives: &[Relative]) -> BTreeSet<String> {
    relatives
        .iter()
        .map(|r| r.publication_number.clone())
        .collect()
}

#[test]
fn members_are_found_through_chains_that_loop_and_through_absent_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus_records(6);
    // A continues B's application and B continues A's (a loop); C names
    // B's; D names an application of no document of the index.
    let mut a = copy_as(&corpus[0], "US9900001");
    a.application = Some(application("13/000,001"));
    a.related_documents = vec![continuation_of("13/000,002")];
    let mut b = copy_as(&corpus[1], "US9900002");
    b.application = Some(application("13/000,002"));
    b.related_documents = vec![continuation_of("13/000,001")];
    let mut c = copy_as(&corpus[2], "US9900003");
    c.related_documents = vec![continuation_of("13 000 002")];
    let mut d = copy_as(&corpus[3], "US9900004");
    d.related_documents = vec![continuation_of("99/999,999")];
    let index = write_index(dir.path(), &[a, b, c, d]);

    let of_a = relatives(&index, "US9900001");
    assert_eq!(
        numbers_of(&of_a),
        BTreeSet::from(["US9900002".into(), "US9900003".into()])
    );
    assert!(of_a.iter().all(|r| r.hops == 1), "{of_a:?}");
    assert!(of_a.iter().all(|r| !r.label.is_empty()));
    let of_c = relatives(&index, "US9900003");
    assert_eq!(
        numbers_of(&of_c),
        BTreeSet::from(["US9900001".into(), "US9900002".into()])
    );
    assert!(relatives(&index, "US9900004").is_empty());
    assert!(index
        .relatives(&number("US1234567"), &Cancellation::never())
        .unwrap()
        .is_none());

    // A member deleted is no longer a relative; the others stay linked.
    let mut writer = index.writer(50_000_000).unwrap();
    writer.delete(&number("US9900002"));
    writer.finish().unwrap();
    index.reload().unwrap();
    let of_a = relatives(&index, "US9900001");
    assert_eq!(numbers_of(&of_a), BTreeSet::from(["US9900003".into()]));
}

#[test]
fn a_family_of_500_members_is_listed_whole() {
    let dir = tempfile::tempdir().unwrap();
    let base = &corpus_records(1)[0];
    let records: Vec<PatentRecord> = (0..500)
        .map(|i| {
            let mut r = copy_as(base, &format!("US98{i:05}"));
            // Only the provisional in common: without descriptions the
            // text evidence plays no part.
            r.description.clear();
            r.related_documents = vec![RelatedDocument {
                relation: Relation::Provisional,
                document: application("61/000,001"),
            }];
            r
        })
        .collect();
    let index = write_index(dir.path(), &records);
    let family = relatives(&index, "US9800007");
    assert_eq!(family.len(), 499);
    assert!(family.iter().all(|r| r.hops == 1
        && r.application.as_deref() == Some("US61000001")
        && r.label.contains("provisional")));
}

#[test]
fn near_duplicates_are_found_by_their_text_and_move_when_it_changes() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus_records(40);
    let long: Vec<&PatentRecord> = corpus
        .iter()
        .filter(|r| family_keys(r).is_empty() && r.description.len() >= 20)
        .collect();
    assert!(
        long.len() >= 2,
        "two corpus patents with long descriptions and no family"
    );
    let original = copy_as(long[0], "US9700001");
    // The same description with one paragraph in ten dropped: a
    // continuation's text, no family evidence recorded.
    let mut edited = copy_as(long[0], "US9700002");
    let mut i = 0;
    edited.description.retain(|_| {
        i += 1;
        i % 10 != 0
    });
    let other = copy_as(long[1], "US9700003");
    let index = write_index(dir.path(), &[original, edited, other.clone()]);

    let found = relatives(&index, "US9700001");
    assert_eq!(numbers_of(&found), BTreeSet::from(["US9700002".into()]));
    let overlap = found[0].text_overlap.expect("an overlap");
    assert!(overlap >= 0.7, "{overlap}");
    assert_eq!(found[0].hops, 0);
    assert!(
        found[0].label.contains("same description"),
        "{}",
        found[0].label
    );

    // The copy rewritten with another patent's text leaves the group and
    // joins that patent's.
    let mut rewritten = copy_as(long[1], "US9700002");
    rewritten.description.pop();
    let mut writer = index.writer(50_000_000).unwrap();
    writer.upsert(&rewritten).unwrap();
    writer.finish().unwrap();
    index.reload().unwrap();
    assert!(relatives(&index, "US9700001").is_empty());
    assert_eq!(
        numbers_of(&relatives(&index, "US9700003")),
        BTreeSet::from(["US9700002".into()])
    );
}

/// A description's word 5-shingles, hashed.
fn shingles(r: &PatentRecord) -> HashSet<u64> {
    let words: Vec<String> = r
        .description
        .iter()
        .flat_map(|p| p.text.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words
        .windows(5)
        .map(|w| {
            let mut h = std::hash::DefaultHasher::new();
            w.hash(&mut h);
            h.finish()
        })
        .collect()
}

/// The Jaccard similarity of two shingle sets.
fn exact_jaccard(x: &HashSet<u64>, y: &HashSet<u64>) -> f64 {
    let union = x.union(y).count();
    if union == 0 {
        return 0.0;
    }
    x.intersection(y).count() as f64 / union as f64
}

#[test]
fn patents_that_share_only_boilerplate_are_not_near_duplicates() {
    // Real boilerplate: corpus patents that repeat the same long paragraphs
    // (the "computer program instructions may also be loaded ..." block of
    // software patents) without being one family.
    let dir = tempfile::tempdir().unwrap();
    let records = corpus_records(1500);
    let index = write_index(dir.path(), &records);
    let mut by_paragraph: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        let unique: BTreeSet<&str> = r
            .description
            .iter()
            .map(|p| p.text.as_str())
            .filter(|t| t.len() >= 200)
            .collect();
        for text in unique {
            by_paragraph.entry(text).or_default().push(i);
        }
    }
    let mut shared: HashMap<(usize, usize), usize> = HashMap::new();
    for docs in by_paragraph
        .values()
        .filter(|d| d.len() > 1 && d.len() < 200)
    {
        for (x, &a) in docs.iter().enumerate() {
            for &b in &docs[x + 1..] {
                *shared.entry((a, b)).or_default() += 1;
            }
        }
    }
    let keys: Vec<BTreeSet<String>> = records
        .iter()
        .map(|r| family_keys(r).into_iter().collect())
        .collect();
    let mut cache: HashMap<usize, HashSet<u64>> = HashMap::new();
    let boilerplate_pairs: Vec<(usize, usize)> = shared
        .iter()
        .filter(|((a, b), n)| **n >= 3 && keys[*a].is_disjoint(&keys[*b]))
        // Not copies of each other either: most of each text is its own
        // (exact word 5-shingle Jaccard under 0.5: a sibling with edited
        // paragraphs shares few of them word for word yet is a copy).
        .filter(|((a, b), _)| {
            let mut of = |i: usize| -> HashSet<u64> {
                cache
                    .entry(i)
                    .or_insert_with(|| shingles(&records[i]))
                    .clone()
            };
            exact_jaccard(&of(*a), &of(*b)) < 0.5
        })
        .map(|(pair, _)| *pair)
        .collect();
    assert!(
        boilerplate_pairs.len() >= 5,
        "the corpus has patents sharing boilerplate: {} pairs",
        boilerplate_pairs.len()
    );
    for (a, b) in boilerplate_pairs {
        let of_a = relatives(&index, &records[a].publication_number.to_string());
        let b_number = records[b].publication_number.to_string();
        assert!(
            !of_a
                .iter()
                .any(|r| r.publication_number == b_number && r.text_overlap.is_some()),
            "{} and {b_number} share {} boilerplate paragraphs and were called near-duplicates",
            records[a].publication_number,
            shared[&(a, b)]
        );
    }
}
