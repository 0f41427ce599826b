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

/// Ten patents that all hold the word "zorblax", with different weights:
/// F (3 members, one provisional), D (2 members, one description), and
/// five alone.
fn collapse_corpus() -> Vec<PatentRecord> {
    let corpus = corpus_records(60);
    let long: Vec<&PatentRecord> = corpus
        .iter()
        .filter(|r| family_keys(r).is_empty() && r.description.len() >= 20)
        .collect();
    assert!(
        long.len() >= 9,
        "nine corpus patents with long descriptions and no family"
    );
    let marked = |r: &PatentRecord, n: &str, times: usize| {
        let mut r = copy_as(r, n);
        r.title = format!("{} {}", r.title, vec!["zorblax"; times].join(" "));
        r
    };
    let mut records = Vec::new();
    for (i, n) in ["US9600001", "US9600002", "US9600003"]
        .into_iter()
        .enumerate()
    {
        let mut r = marked(long[i], n, 1 + 2 * i);
        r.related_documents = vec![RelatedDocument {
            relation: Relation::Provisional,
            document: application("61/600,001"),
        }];
        records.push(r);
    }
    records.push(marked(long[3], "US9600004", 2));
    records.push(marked(long[3], "US9600005", 5));
    for (i, n) in [
        "US9600006",
        "US9600007",
        "US9600008",
        "US9600009",
        "US9600010",
    ]
    .into_iter()
    .enumerate()
    {
        records.push(marked(long[4 + i], n, 1 + i));
    }
    records
}

fn zorblax(
    index: &KeywordIndex,
    offset: usize,
    limit: usize,
    collapse: bool,
) -> patsearch_keyword::SearchResults {
    index
        .search(&patsearch_keyword::SearchRequest {
            query: "zorblax",
            filters: &patsearch_record::Filters::default(),
            limit,
            offset,
            snippets: false,
            facets: true,
            collapse,
            cancel: &Cancellation::never(),
        })
        .unwrap()
}

fn hit_numbers(results: &patsearch_keyword::SearchResults) -> Vec<String> {
    results
        .hits
        .iter()
        .map(|h| h.publication_number.clone())
        .collect()
}

#[test]
fn collapsed_search_shows_each_family_once_at_its_best_member_and_pages_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let index = write_index(dir.path(), &collapse_corpus());
    let every = zorblax(&index, 0, 100, false);
    assert_eq!(every.total, 10);
    let collapsed = zorblax(&index, 0, 100, true);
    // Two families of 3 and 2: 10 - 2 - 1 hits.
    assert_eq!(collapsed.total, 7);
    assert_eq!(collapsed.hits.len(), 7);

    // The collapsed ranking is the full one with every member after a
    // family's first left out: the best member stands for it.
    let group = |n: &str| match n {
        "US9600001" | "US9600002" | "US9600003" => "F".to_string(),
        "US9600004" | "US9600005" => "D".to_string(),
        other => other.to_string(),
    };
    let mut seen = HashSet::new();
    let expected: Vec<String> = hit_numbers(&every)
        .into_iter()
        .filter(|n| seen.insert(group(n)))
        .collect();
    assert_eq!(hit_numbers(&collapsed), expected);
    assert_eq!(expected.iter().filter(|n| group(n) == "F").count(), 1);
    for (i, hit) in collapsed.hits.iter().enumerate() {
        assert_eq!(hit.rank, i + 1);
        let members: BTreeSet<String> = every
            .hits
            .iter()
            .map(|h| h.publication_number.clone())
            .filter(|n| group(n) == group(&hit.publication_number) && *n != hit.publication_number)
            .collect();
        assert_eq!(hit.family.iter().cloned().collect::<BTreeSet<_>>(), members);
        assert_eq!(hit.family_size, members.len() + 1);
    }
    // Uncollapsed hits name their family too.
    let f2 = every
        .hits
        .iter()
        .find(|h| h.publication_number == "US9600002")
        .unwrap();
    assert_eq!(f2.family, ["US9600001", "US9600003"]);

    // Pages of 2 put together are the whole list, each with the same total.
    let mut paged = Vec::new();
    for offset in (0..8).step_by(2) {
        let page = zorblax(&index, offset, 2, true);
        assert_eq!(page.total, 7);
        assert_eq!(
            page.hits.first().map(|h| h.rank),
            (offset < 7).then_some(offset + 1)
        );
        paged.extend(hit_numbers(&page));
    }
    assert_eq!(paged, expected);
    assert!(zorblax(&index, 7, 2, true).hits.is_empty());

    // Facets count publications, collapsed or not.
    assert_eq!(collapsed.facets, every.facets);
    let facets = every.facets.as_ref().unwrap();
    let counted: u64 = facets
        .cpc_subclass
        .iter()
        .chain(&facets.assignee)
        .map(|c| c.count)
        .sum();
    assert!(counted >= 10, "{facets:?}");
}

#[test]
fn collapse_follows_deletes_and_upserts() {
    let dir = tempfile::tempdir().unwrap();
    let records = collapse_corpus();
    let index = write_index(dir.path(), &records);
    let best_of_f = zorblax(&index, 0, 100, true)
        .hits
        .into_iter()
        .find(|h| h.publication_number.starts_with("US960000") && h.family_size == 3)
        .expect("family F shown");

    // Its best member deleted, another member stands for the family.
    let mut writer = index.writer(50_000_000).unwrap();
    writer.delete(&number(&best_of_f.publication_number));
    writer.finish().unwrap();
    index.reload().unwrap();
    let after = zorblax(&index, 0, 100, true);
    assert_eq!(after.total, 7);
    let f = after
        .hits
        .iter()
        .find(|h| best_of_f.family.contains(&h.publication_number))
        .expect("family F still shown");
    assert_eq!(f.family_size, 2);
    assert!(
        after
            .hits
            .iter()
            .filter(|h| best_of_f.family.contains(&h.publication_number))
            .count()
            == 1
    );

    // A patent alone that names F's provisional joins F: one family fewer.
    let mut joined = records
        .iter()
        .find(|r| r.publication_number.to_string() == "US9600006")
        .unwrap()
        .clone();
    joined.related_documents = vec![RelatedDocument {
        relation: Relation::Provisional,
        document: application("61/600,001"),
    }];
    let mut writer = index.writer(50_000_000).unwrap();
    writer.upsert(&joined).unwrap();
    writer.finish().unwrap();
    index.reload().unwrap();
    let after = zorblax(&index, 0, 100, true);
    assert_eq!(after.total, 6);
    let f = after
        .hits
        .iter()
        .find(|h| h.family_size == 3)
        .expect("F has three again");
    assert!(f.family.contains(&"US9600006".to_string()) || f.publication_number == "US9600006");
}
