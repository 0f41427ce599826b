//! Structured filters (`Filters` in the request, not in the query text): they
//! narrow results to exactly the documents `Filters::matches` accepts and
//! leave the ranking of the rest untouched.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use patsearch_keyword::{FilterError, KeywordError, SearchRequest};
use patsearch_record::{Cancellation, DateRange, FilterFields, Filters};

use crate::fixtures::*;

/// Matches every document, all with the same score.
const EVERYTHING: &str = "-qqqxyzzyqqq";
/// A broad ranked query with varied scores.
const RANKED: &str = "method device system apparatus sensor lithium";

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Checks `filters` against `query`: the filtered matches are exactly the
/// unfiltered matches whose record passes `Filters::matches`, in the same
/// order (and, with `same_scores`, with the same scores). Returns how many
/// passed.
fn check_with(query: &str, filters: &Filters, same_scores: bool) -> usize {
    let s = shared();
    let unfiltered = s.ranked(query, &Filters::default());
    let expected: Vec<(String, f32)> = unfiltered
        .into_iter()
        .filter(|(n, _)| filters.matches(&FilterFields::of(s.record(n))))
        .collect();
    let found = s.ranked(query, filters);
    let names = |v: &[(String, f32)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    let found_set: BTreeSet<String> = names(&found).into_iter().collect();
    let expected_set: BTreeSet<String> = names(&expected).into_iter().collect();
    assert_eq!(
        found_set, expected_set,
        "{query} with {filters:?}: the documents"
    );
    assert_eq!(
        names(&found),
        names(&expected),
        "{query} with {filters:?}: the order"
    );
    if same_scores {
        assert_eq!(found, expected, "{query} with {filters:?}: the scores");
    }
    expected.len()
}

fn check(query: &str, filters: &Filters) -> usize {
    check_with(query, filters, true)
}

/// Checks a filter on a query that matches everything and on a ranked
/// query; it must keep some documents and drop others.
fn check_narrows(filters: &Filters) {
    let kept = check_with(EVERYTHING, filters, false);
    let all = shared().records.len();
    assert!(
        kept > 0 && kept < all,
        "{filters:?} keeps {kept} of {all}: a test filter must narrow"
    );
    check(RANKED, filters);
}

#[test]
fn cpc_filters_keep_documents_under_any_prefix() {
    for prefixes in [
        &["H05B"][..],
        &["H05B3"],
        &["H05B33"],
        &["h05b3/34"],
        &["G06F19/3418"],
        &["A01G", "A61B"],
        &["A"],
        &["C12N9"],
    ] {
        check_narrows(&Filters {
            cpc: strings(prefixes),
            ..Filters::default()
        });
    }
}

#[test]
fn every_code_level_in_the_data_filters_like_filters_matches() {
    let s = shared();
    for scheme in ["cpc", "ipc"] {
        let mut prefixes: Vec<String> = s
            .records
            .values()
            .flat_map(|r| if scheme == "cpc" { &r.cpc } else { &r.ipc })
            .flat_map(|c| {
                let code = c.code.clone();
                let group = code.split('/').next().unwrap_or_default().to_string();
                [
                    code[..1].to_string(),
                    code[..3].to_string(),
                    code[..4].to_string(),
                    group,
                    code,
                ]
            })
            .collect();
        prefixes.sort();
        prefixes.dedup();
        for prefix in prefixes {
            let filters = if scheme == "cpc" {
                Filters {
                    cpc: vec![prefix],
                    ..Filters::default()
                }
            } else {
                Filters {
                    ipc: vec![prefix],
                    ..Filters::default()
                }
            };
            check_with(EVERYTHING, &filters, false);
        }
    }
}

#[test]
fn ipc_filters() {
    for prefixes in [
        &["H01L"][..],
        &["G06F", "H04W"],
        &["H01L21/336"],
        &["A61K31"],
    ] {
        check_narrows(&Filters {
            ipc: strings(prefixes),
            ..Filters::default()
        });
    }
}

#[test]
fn date_filters_are_inclusive_ranges() {
    let s = shared();
    let ranges = [
        DateRange {
            from: date(2013, 1, 2),
            to: date(2013, 1, 4),
        },
        DateRange {
            from: date(2008, 6, 5),
            to: None,
        },
        DateRange {
            from: None,
            to: date(2008, 6, 5),
        },
        DateRange {
            from: date(2013, 1, 20),
            to: date(2013, 1, 20),
        },
    ];
    // Documents sit on the edges, so inclusiveness is tested.
    for edge in [
        date(2013, 1, 2),
        date(2013, 1, 4),
        date(2008, 6, 5),
        date(2013, 1, 20),
    ] {
        assert!(s.records.values().any(|r| r.filing_date() == edge));
    }
    for range in ranges {
        check_narrows(&Filters {
            filed: range,
            ..Filters::default()
        });
        check_narrows(&Filters {
            priority: range,
            ..Filters::default()
        });
    }
    for range in [
        DateRange {
            from: date(2013, 1, 1),
            to: date(2013, 12, 31),
        },
        DateRange {
            from: date(2015, 1, 6),
            to: date(2015, 1, 6),
        },
        DateRange {
            from: None,
            to: date(2012, 1, 3),
        },
    ] {
        check_narrows(&Filters {
            published: range,
            ..Filters::default()
        });
    }
    // Documents without a publication date fail a closed range.
    assert!(s.records.values().any(|r| r.publication_date.is_none()));
}

#[test]
fn assignee_filters_match_whole_words_of_one_assignee() {
    for names in [
        &["google"][..],
        &["GOOGLE INC"],
        &["International Business Machines"],
        &["Google", "Amazon"],
        &["procter gamble"],
    ] {
        check_narrows(&Filters {
            assignee: strings(names),
            ..Filters::default()
        });
    }
    // Part of a word is not a word.
    assert_eq!(
        check_with(
            EVERYTHING,
            &Filters {
                assignee: strings(&["goog"]),
                ..Filters::default()
            },
            false
        ),
        0
    );
}

#[test]
fn an_assignee_filter_with_an_accented_name_matches_like_filters_matches() {
    // EP2139306A2: "Inter Control Hermann Köhler GmbH & Co. KG".
    let kept = check_with(
        EVERYTHING,
        &Filters {
            assignee: strings(&["Hermann Köhler"]),
            ..Filters::default()
        },
        false,
    );
    assert_eq!(kept, 1);
}

#[test]
fn an_assignee_filter_needs_all_its_words_in_the_same_assignee() {
    // US8421615B2 has "Samsung Electronics Co., Ltd." and "Research and
    // Business Foundation, Korea University": no single assignee has both
    // "samsung" and "university".
    let s = shared();
    let names: Vec<&str> = s
        .record("US8421615B2")
        .assignees
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let kept = check_with(
        EVERYTHING,
        &Filters {
            assignee: strings(&["samsung university"]),
            ..Filters::default()
        },
        false,
    );
    assert_eq!(kept, 0);
}

#[test]
fn country_and_kind_filters() {
    for countries in [&["EP"][..], &["ep"], &["US"]] {
        check_narrows(&Filters {
            country: strings(countries),
            ..Filters::default()
        });
    }
    for kinds in [&["B2"][..], &["s1", "E1"], &["A1", "A2"]] {
        check_narrows(&Filters {
            kind: strings(kinds),
            ..Filters::default()
        });
    }
}

#[test]
fn filters_combine_with_and_across_lists() {
    check_narrows(&Filters {
        country: strings(&["US"]),
        kind: strings(&["B2"]),
        published: DateRange {
            from: date(2013, 1, 1),
            to: None,
        },
        ..Filters::default()
    });
    check_narrows(&Filters {
        ipc: strings(&["H01L", "G06F"]),
        assignee: strings(&["samsung", "International Business Machines"]),
        ..Filters::default()
    });
    check_narrows(&Filters {
        filed: DateRange {
            from: date(2013, 1, 2),
            to: date(2013, 1, 10),
        },
        assignee: strings(&["google"]),
        ..Filters::default()
    });
}

#[test]
fn filters_apply_to_query_syntax_too() {
    // A filtered search for a field query or a phrase.
    let filters = Filters {
        country: strings(&["US"]),
        filed: DateRange {
            from: date(2013, 1, 1),
            to: date(2013, 1, 10),
        },
        ..Filters::default()
    };
    for query in [
        "\"blood glucose\"",
        "title:sensor OR lithium",
        "charg*",
        "-lithium",
        // Queries matching every document of the index (or of a segment),
        // scoring each 1.
        EVERYTHING,
        "filed:[* TO *]",
        "(-qqqxyzzyqqq) AND sensor",
    ] {
        check(query, &filters);
    }
}

#[test]
fn invalid_filters_are_refused_not_ignored() {
    let s = shared();
    let search = |filters: Filters| {
        s.index.search(&SearchRequest {
            query: "lithium",
            filters: &filters,
            limit: 10,
            offset: 0,
            snippets: false,
            facets: false,
            collapse: false,
            cancel: &Cancellation::never(),
        })
    };
    let err = search(Filters {
        cpc: strings(&["G0"]),
        ..Filters::default()
    })
    .unwrap_err();
    assert!(
        matches!(&err, KeywordError::Filter(FilterError::BadCpc(p)) if p == "G0"),
        "{err:?}"
    );
    let err = search(Filters {
        ipc: strings(&["G06F1x"]),
        ..Filters::default()
    })
    .unwrap_err();
    assert!(
        matches!(&err, KeywordError::Filter(FilterError::BadIpc(_))),
        "{err:?}"
    );
    let err = search(Filters {
        assignee: strings(&[" & "]),
        ..Filters::default()
    })
    .unwrap_err();
    assert!(
        matches!(&err, KeywordError::Filter(FilterError::EmptyAssignee)),
        "{err:?}"
    );
}

#[test]
fn filtered_hits_report_total_and_ranks_of_the_filtered_list() {
    let s = shared();
    let filters = Filters {
        country: strings(&["US"]),
        kind: strings(&["B2"]),
        ..Filters::default()
    };
    let expected: Vec<String> = s
        .ranked(RANKED, &Filters::default())
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| filters.matches(&FilterFields::of(s.record(n))))
        .collect();
    let results = s.search_filtered(RANKED, &filters);
    assert_eq!(results.total, expected.len());
    let numbers: Vec<String> = results
        .hits
        .iter()
        .map(|h| h.publication_number.clone())
        .collect();
    assert_eq!(numbers, expected);
    for (i, hit) in results.hits.iter().enumerate() {
        assert_eq!(hit.rank, i + 1);
        assert_eq!(hit.title, s.record(&hit.publication_number).title);
    }
}

#[test]
fn filters_do_not_change_the_score_of_an_exclusion_only_query() {
    // Unfiltered, every document of `-word` scores 1; a filter, which adds
    // nothing to the score, must not change that.
    let s = shared();
    let filters = Filters {
        country: strings(&["EP"]),
        ..Filters::default()
    };
    let unfiltered: Vec<(String, f32)> = s
        .ranked(EVERYTHING, &Filters::default())
        .into_iter()
        .filter(|(n, _)| filters.matches(&FilterFields::of(s.record(n))))
        .collect();
    assert!(unfiltered.iter().all(|(_, score)| *score == 1.0));
    assert_eq!(s.ranked(EVERYTHING, &filters), unfiltered);
}
