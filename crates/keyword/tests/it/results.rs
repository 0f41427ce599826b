//! What a search returns besides the set of documents: totals, paging,
//! facet counts, snippets, candidate lists and stored records.

use std::collections::BTreeMap;

use chrono::Datelike;
use patsearch_keyword::{FacetCount, Facets, SearchRequest, SearchResults, SnippetField};
use patsearch_record::{Cancellation, Filters, PatentRecord, PublicationNumber};

use crate::fixtures::*;

/// The token of searches that are never stopped.
static NEVER: std::sync::LazyLock<Cancellation> = std::sync::LazyLock::new(Cancellation::never);

fn request<'a>(query: &'a str, filters: &'a Filters) -> SearchRequest<'a> {
    SearchRequest {
        query,
        filters,
        limit: 10,
        offset: 0,
        snippets: false,
        facets: false,
        collapse: false,
        cancel: &NEVER,
    }
}

fn page(query: &str, offset: usize, limit: usize) -> SearchResults {
    let filters = Filters::default();
    shared()
        .index
        .search(&SearchRequest {
            offset,
            limit,
            ..request(query, &filters)
        })
        .unwrap()
}

#[test]
fn total_counts_every_match_whatever_the_page_size() {
    let s = shared();
    let expected = s.with_word(&["sensor", "sensors"]);
    assert!(expected.len() > 20);
    for limit in [1, 5, 20, 1000] {
        let results = page("sensor", 0, limit);
        assert_eq!(results.total, expected.len(), "limit {limit}");
        assert_eq!(results.hits.len(), limit.min(expected.len()));
    }
}

#[test]
fn pages_continue_each_other_without_overlap() {
    let whole = page("sensor OR lithium", 0, 1000);
    assert!(whole.total > 40);
    let mut collected = Vec::new();
    for p in 0..5 {
        let results = page("sensor OR lithium", p * 10, 10);
        assert_eq!(results.total, whole.total, "every page knows the total");
        assert_eq!(results.hits.len(), 10);
        for (i, hit) in results.hits.iter().enumerate() {
            assert_eq!(hit.rank, p * 10 + i + 1, "ranks count from the first page");
        }
        collected.extend(results.hits);
    }
    let mut seen = std::collections::BTreeSet::new();
    for hit in &collected {
        assert!(
            seen.insert(hit.publication_number.clone()),
            "{} on two pages",
            hit.publication_number
        );
    }
    assert_eq!(
        collected,
        whole.hits[..50].to_vec(),
        "page by page = all at once"
    );

    // Past the end: no hits, same total.
    let beyond = page("sensor OR lithium", whole.total, 10);
    assert!(beyond.hits.is_empty());
    assert_eq!(beyond.total, whole.total);
    let last = page("sensor OR lithium", whole.total - 3, 10);
    assert_eq!(last.hits, whole.hits[whole.total - 3..].to_vec());
}

/// Facet counts computed from the records of the matching documents.
fn expected_facets(matching: &[&PatentRecord]) -> Facets {
    let mut cpc: BTreeMap<String, u64> = BTreeMap::new();
    let mut assignee: BTreeMap<String, u64> = BTreeMap::new();
    let mut country: BTreeMap<String, u64> = BTreeMap::new();
    let mut kind: BTreeMap<String, u64> = BTreeMap::new();
    let mut year: BTreeMap<i32, u64> = BTreeMap::new();
    let mut filing_year: BTreeMap<i32, u64> = BTreeMap::new();
    for r in matching {
        let mut subclasses: Vec<String> = r
            .cpc
            .iter()
            .map(|c| {
                c.code
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .take(4)
                    .collect()
            })
            .collect();
        subclasses.sort();
        subclasses.dedup();
        for s in subclasses {
            *cpc.entry(s).or_default() += 1;
        }
        let mut names: Vec<String> = r.assignees.iter().map(|a| a.name.clone()).collect();
        names.sort();
        names.dedup();
        for n in names {
            *assignee.entry(n).or_default() += 1;
        }
        *country.entry(r.country.to_ascii_uppercase()).or_default() += 1;
        if let Some(k) = &r.kind {
            *kind.entry(k.to_ascii_uppercase()).or_default() += 1;
        }
        if let Some(d) = r.publication_date {
            *year.entry(d.year()).or_default() += 1;
        }
        if let Some(d) = r.filing_date() {
            *filing_year.entry(d.year()).or_default() += 1;
        }
    }
    let top = |counts: BTreeMap<String, u64>| {
        let mut v: Vec<FacetCount> = counts
            .into_iter()
            .map(|(value, count)| FacetCount { value, count })
            .collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        v.truncate(10);
        v
    };
    let years = |counts: BTreeMap<i32, u64>| {
        counts
            .into_iter()
            .rev()
            .map(|(y, count)| FacetCount {
                value: y.to_string(),
                count,
            })
            .collect()
    };
    Facets {
        cpc_subclass: top(cpc),
        assignee: top(assignee),
        country: top(country),
        kind: top(kind),
        year: years(year),
        filing_year: years(filing_year),
        counted: matching.len() as u64,
    }
}

#[test]
fn facet_counts_equal_counts_over_the_matching_records() {
    let s = shared();
    for (query, filters) in [
        ("-qqqxyzzyqqq", Filters::default()),
        ("method OR apparatus", Filters::default()),
        ("sensor", Filters::default()),
        (
            "-qqqxyzzyqqq",
            Filters {
                country: vec!["US".into()],
                kind: vec!["B2".into(), "A1".into()],
                ..Filters::default()
            },
        ),
    ] {
        let results = s
            .index
            .search(&SearchRequest {
                facets: true,
                collapse: false,
                cancel: &Cancellation::never(),
                limit: 5,
                ..request(query, &filters)
            })
            .unwrap();
        let matching: Vec<&PatentRecord> = s
            .ranked(query, &filters)
            .iter()
            .map(|(n, _)| s.record(n))
            .collect();
        assert_eq!(matching.len(), results.total);
        let facets = results.facets.expect("facets were asked for");
        let expected = expected_facets(&matching);
        assert!(
            !expected.assignee.is_empty()
                && !expected.year.is_empty()
                && !expected.filing_year.is_empty()
                && !expected.kind.is_empty(),
            "{query}"
        );
        assert_eq!(facets, expected, "{query}");
    }
    // No facets unless asked for.
    assert!(s.search("sensor").facets.is_none());
}

/// Past the facet window, facets count the top hits by score, collapsed
/// into families or not, and say how many they counted.
#[test]
fn facets_count_the_top_hits_when_more_match_than_the_window() {
    let s = shared();
    let window = 40;
    let index = s
        .index
        .clone()
        .with_config(patsearch_keyword::KeywordConfig {
            facet_window: window,
            ..patsearch_keyword::KeywordConfig::default()
        });
    for query in ["method OR apparatus", "sensor data"] {
        let ranked = s.ranked(query, &Filters::default());
        assert!(
            ranked.len() > window,
            "{query} matches only {}",
            ranked.len()
        );
        let top: Vec<&PatentRecord> = ranked[..window].iter().map(|(n, _)| s.record(n)).collect();
        let expected = expected_facets(&top);
        for collapse in [false, true] {
            let results = index
                .search(&SearchRequest {
                    facets: true,
                    collapse,
                    offset: 3,
                    limit: 5,
                    cancel: &Cancellation::never(),
                    ..request(query, &Filters::default())
                })
                .unwrap();
            let facets = results.facets.expect("facets were asked for");
            assert_eq!(facets.counted, window as u64);
            assert_eq!(facets, expected, "{query}, collapse {collapse}");
            if !collapse {
                assert_eq!(
                    results.total,
                    ranked.len(),
                    "{query}: the total counts every match"
                );
                let page: Vec<&str> = results
                    .hits
                    .iter()
                    .map(|h| h.publication_number.as_str())
                    .collect();
                let expected: Vec<&str> = ranked[3..8].iter().map(|(n, _)| n.as_str()).collect();
                assert_eq!(page, expected, "{query}: the page is the ranking's");
            }
        }
    }
}

/// Checks every hit of `query` has a snippet from its record's text, with
/// highlights that are all one of `forms`, from `only_field` when given.
fn check_snippets(query: &str, forms: &[&str], only_field: Option<SnippetField>, limit: usize) {
    let s = shared();
    let filters = Filters::default();
    let field_text = |r: &PatentRecord, field: SnippetField| match field {
        SnippetField::Title => r.title.clone(),
        SnippetField::Abstract => r.abstract_text.clone(),
        SnippetField::Claims => field_texts(r, Field::Claims).join("\n"),
        SnippetField::Description => r.description_text(),
    };
    let results = s
        .index
        .search(&SearchRequest {
            snippets: true,
            limit,
            ..request(query, &filters)
        })
        .unwrap();
    assert!(!results.hits.is_empty(), "{query}");
    for hit in &results.hits {
        let record = s.record(&hit.publication_number);
        let snippet = hit
            .snippet
            .as_ref()
            .unwrap_or_else(|| panic!("{query}: no snippet for {}", hit.publication_number));
        if let Some(field) = only_field {
            assert_eq!(snippet.field, field, "{query}: {}", hit.publication_number);
        }
        let source = field_text(record, snippet.field);
        assert!(
            source.contains(snippet.text.trim()),
            "{query}: the snippet is a passage of its field"
        );
        assert!(
            !snippet.highlights.is_empty(),
            "{query}: {} has no highlight",
            hit.publication_number
        );
        for &(start, end) in &snippet.highlights {
            let word = snippet.text[start..end].to_lowercase();
            assert!(
                forms.contains(&word.as_str()),
                "{query}: highlighted {word:?} in {}",
                hit.publication_number
            );
            assert!(
                snippet
                    .html
                    .to_lowercase()
                    .contains(&format!("<b>{word}</b>")),
                "{query}: html {}",
                snippet.html
            );
        }
    }
}

#[test]
fn snippets_highlight_the_query_words_in_the_field_they_come_from() {
    check_snippets("lithium", &["lithium"], None, 20);
    check_snippets("sensor", &["sensor", "sensors"], None, 20);
    check_snippets(
        "title:sensor",
        &["sensor", "sensors"],
        Some(SnippetField::Title),
        20,
    );
    check_snippets(
        "abstract:sensor",
        &["sensor", "sensors"],
        Some(SnippetField::Abstract),
        20,
    );
    check_snippets(
        "claims:sensor",
        &["sensor", "sensors"],
        Some(SnippetField::Claims),
        20,
    );
    check_snippets(
        "description:sensor",
        &["sensor", "sensors"],
        Some(SnippetField::Description),
        20,
    );
    check_snippets("\"blood glucose\"", &["blood", "glucose"], None, 20);
    // Without snippets asked for, none.
    assert!(shared()
        .search("lithium")
        .hits
        .iter()
        .all(|h| h.snippet.is_none()));
}

#[test]
fn optional_stop_words_are_left_out_unless_nothing_else_is_asked() {
    let numbers_and_scores = |r: &SearchResults| -> Vec<(String, f32)> {
        r.hits
            .iter()
            .map(|h| (h.publication_number.clone(), h.score))
            .collect()
    };
    // As if the stop words were not written: the same matches, the same
    // scores (otherwise "a" alone would match nearly every patent, and
    // score in the few titles that hold it).
    let sentence = page("a battery of the phone", 0, 50);
    let words = page("battery phone", 0, 50);
    assert!(words.total > 0);
    assert_eq!(sentence.total, words.total);
    assert_eq!(numbers_and_scores(&sentence), numbers_and_scores(&words));
    check_snippets(
        "a battery of the phone",
        &["battery", "batteries", "phone", "phones"],
        None,
        20,
    );
    // A query of nothing but stop words still searches them, and a required
    // stop word or a phrase keeps its words.
    assert!(page("of the", 0, 1).total > words.total);
    // `+the battery` matches whatever has "the", battery or not.
    assert_eq!(page("+the battery", 0, 1).total, page("the", 0, 1).total);
    assert!(page("the", 0, 1).total > words.total);
    assert!(page("\"battery of\"", 0, 1).total < page("battery", 0, 1).total);
}

#[test]
fn snippets_highlight_words_whose_stem_is_spelled_differently() {
    // "battery" and "batteries" both stem to "batteri", which is not a
    // substring of "battery": a description that only says "battery" must
    // still give a highlighted snippet (US9183813 is one).
    let s = shared();
    assert!(
        s.tokens["US9183813"].has(&[Field::Description], &["battery"])
            && !s.tokens["US9183813"].has(
                &[Field::Title, Field::Abstract, Field::Claims],
                &["battery", "batteries"]
            )
    );
    check_snippets("battery", &["battery", "batteries"], None, 100);
}

#[test]
fn fetched_records_carry_the_snippet_of_a_query() {
    let s = shared();
    let numbers: Vec<PublicationNumber> = ["US8927386B2", "US1B1", "US8927386"]
        .iter()
        .map(|n| n.parse().expect("a number"))
        .collect();
    let fetched = s
        .index
        .fetch(&numbers, Some("trench"), &Cancellation::never())
        .unwrap();
    assert_eq!(fetched.len(), 3);
    assert!(fetched[1].is_none(), "an unknown number fetches nothing");
    for found in [&fetched[0], &fetched[2]] {
        let found = found.as_ref().expect("the record");
        assert_eq!(&found.record, s.record("US8927386B2"));
        let snippet = found.snippet.as_ref().expect("a snippet");
        assert!(!snippet.highlights.is_empty());
        for &(a, b) in &snippet.highlights {
            let word = snippet.text[a..b].to_lowercase();
            assert!(word == "trench" || word == "trenches", "{word}");
        }
    }
    // Without a query, or with one that is not keyword syntax, records
    // without snippets.
    for query in [None, Some("trench (")] {
        let fetched = s
            .index
            .fetch(&numbers[..1], query, &Cancellation::never())
            .unwrap();
        let found = fetched[0].as_ref().expect("the record");
        assert_eq!(&found.record, s.record("US8927386B2"));
        assert!(found.snippet.is_none(), "{query:?}");
    }
}

#[test]
fn candidates_are_the_top_hits_without_records() {
    let s = shared();
    let filters = Filters::default();
    let hits = page("sensor OR lithium", 0, 25).hits;
    let candidates = s
        .index
        .candidates("sensor OR lithium", &filters, 25, &Cancellation::never())
        .unwrap();
    let from_hits: Vec<(String, f32)> = hits
        .iter()
        .map(|h| (h.publication_number.clone(), h.score))
        .collect();
    assert_eq!(candidates, from_hits);
}

#[test]
fn get_returns_the_stored_record_unchanged() {
    let s = shared();
    for number in [
        "US8926509B2",
        "US8799651",
        "EP2139306A2",
        "USD967598S1",
        "US20220240350A1",
    ] {
        let wanted = s.record(number);
        let n: PublicationNumber = number.parse().unwrap();
        let stored = s.index.get(&n).unwrap().expect(number);
        assert_eq!(&stored, wanted, "{number}");
        // Without a kind: any kind of it.
        let base: PublicationNumber = n.base().parse().unwrap();
        assert_eq!(
            s.index.get(&base).unwrap().as_ref(),
            Some(wanted),
            "{number}"
        );
    }
    assert!(s
        .index
        .get(&"US8926509A1".parse().unwrap())
        .unwrap()
        .is_none());
    assert!(s.index.get(&"US1".parse().unwrap()).unwrap().is_none());
}

#[test]
fn a_snippet_comes_from_the_passage_with_the_most_query_words() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut record = PatentRecord::new("US1234567B2".parse().expect("a number"));
    record.title = "Battery housing".into();
    record.abstract_text = "A housing for a battery.".into();
    for (n, text) in [
        "A device comprising a housing.",
        "The device of claim 1, wherein the battery is charged.",
    ]
    .into_iter()
    .enumerate()
    {
        record.claims.push(patsearch_record::Claim {
            number: n as u32 + 1,
            text: text.into(),
            depends_on: if n == 0 { Vec::new() } else { vec![1] },
        });
    }
    for text in [
        "Background.",
        "Batteries are charged.",
        "The housing holds batteries that are charged wirelessly.",
        "Other embodiments.",
    ] {
        record.description.push(patsearch_record::Paragraph {
            text: text.into(),
            ..Default::default()
        });
    }
    let index = write_index(dir.path(), std::slice::from_ref(&record));
    let snippet = |query: &str| {
        index
            .fetch(
                std::slice::from_ref(&record.publication_number),
                Some(query),
                &Cancellation::never(),
            )
            .expect("fetch")[0]
            .as_ref()
            .expect("the record")
            .snippet
            .clone()
            .expect("a snippet")
    };
    // Four words in the third paragraph, two at most anywhere else.
    let s = snippet("wireless battery charging housing");
    assert_eq!(s.field, SnippetField::Description);
    assert!(record.description[2].text.contains(&s.text), "{}", s.text);
    assert_eq!(s.highlights.len(), 4, "{}", s.html);
    // Two words in claim 2 and in two paragraphs: the claim wins the tie.
    let s = snippet("battery charged");
    assert_eq!(s.field, SnippetField::Claims);
    assert!(s.text.contains("charged") && record.claims[1].text.contains(&s.text));
    // One word in the title, abstract, claim 1 and a paragraph: the abstract.
    let s = snippet("housing");
    assert_eq!(s.field, SnippetField::Abstract);
    // A field prefix keeps the snippet in that field.
    let s = snippet("title:battery");
    assert_eq!(s.field, SnippetField::Title);
}
