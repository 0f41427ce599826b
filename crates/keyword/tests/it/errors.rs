//! Bad queries: a positioned error saying what is wrong, never a panic.

use patsearch_keyword::{KeywordError, QueryError, SearchRequest};
use patsearch_record::{Cancellation, Filters};
use proptest::prelude::*;

use crate::fixtures::*;

fn search(query: &str) -> Result<patsearch_keyword::SearchResults, KeywordError> {
    shared().index.search(&SearchRequest {
        query,
        filters: &Filters::default(),
        limit: 5,
        offset: 0,
        snippets: true,
        facets: true,
        collapse: false,
        cancel: &Cancellation::never(),
    })
}

#[test]
fn malformed_queries_report_where_and_why() {
    // (query, character position from 0, part of the message)
    let cases = [
        ("\"wireless charging", 0, "unclosed quote"),
        ("lithium \"blood glucose", 8, "unclosed quote"),
        ("lithium AND (glucose OR insulin", 12, "unclosed `(`"),
        ("lithium) glucose", 7, "`)` without a matching `(`"),
        ("lithium AND", 8, "AND needs a clause"),
        ("lithium OR", 8, "OR needs a clause"),
        ("lithium OR ) glucose", 8, "OR needs a clause"),
        ("OR lithium", 0, "expected a search term before OR"),
        ("NOT", 0, "NOT needs a clause"),
        ("lithium titel:battery", 8, "unknown field `titel:`"),
        ("filed:[2013-13-01 TO 2014]", 7, "is not a date"),
        (
            "lithium filed:[2013-01-01 TO 2013-13-01]",
            29,
            "is not a date",
        ),
        ("filed:[2014 TO 2013]", 7, "range starts after it ends"),
        ("filed:[2012 2013]", 7, "range is written"),
        ("filed:[2013 TO 2014", 6, "unclosed range"),
        ("[2013 TO 2014]", 0, "a range needs a date field"),
        ("lithium ]", 8, "without an opening bracket"),
        ("filed:", 0, "needs a date or a range"),
        ("published:soon", 10, "is not a date"),
        ("before:yesterday", 7, "is not a date"),
        (
            "after:inventor:2013",
            6,
            "takes priority:, filing: or publication:",
        ),
        ("\"a b\"~x", 5, "needs a number"),
        ("\"lithium ion\"~2000", 14, "proximity larger than 1000"),
        ("title:", 0, "needs a word"),
        ("glucose title:-lithium", 8, "needs a word"),
        ("kind:", 0, "needs a value"),
        ("", 0, "empty query"),
        ("   ", 0, "empty query"),
        ("()", 0, "empty parentheses"),
        ("lithium (", 9, "expected a search term at the end"),
        ("*", 0, "a wildcard needs at least one letter"),
        (
            "lithium title:**",
            14,
            "a wildcard needs at least one letter",
        ),
        ("lithium cpc:G0", 12, "not a classification prefix"),
        ("ipc:06F", 4, "not a classification prefix"),
        ("pn:XYZ", 3, "not a publication number"),
        (",", 0, "no searchable words"),
        // Positions count characters, not bytes.
        ("café \"unclosed", 5, "unclosed quote"),
        ("日本語 AND", 4, "AND needs a clause"),
    ];
    for (query, position, message) in cases {
        match search(query) {
            Err(KeywordError::Query(QueryError {
                position: p,
                message: m,
            })) => {
                assert_eq!(p, position, "{query:?}: position of {m:?}");
                assert!(m.contains(message), "{query:?}: {m:?} lacks {message:?}");
                let shown = QueryError {
                    position: p,
                    message: m.clone(),
                }
                .to_string();
                assert!(
                    shown.contains(&format!("at character {}", position + 1)),
                    "{shown}"
                );
            }
            other => panic!("{query:?}: expected a query error, got {other:?}"),
        }
    }
}

#[test]
fn the_parser_alone_reports_the_same_errors() {
    let e = patsearch_keyword::parse_query("lithium AND (glucose", false).unwrap_err();
    assert_eq!(e.position, 12);
    assert!(patsearch_keyword::parse_query("lithium AND (glucose)", false).is_ok());
}

#[test]
fn stray_operator_characters_are_not_errors() {
    // A lone `+` or `-` is punctuation, not an operator.
    let s = shared();
    assert_eq!(s.found("lithium -"), s.found("lithium"));
    assert_eq!(s.found("lithium +"), s.found("lithium"));
    assert_eq!(s.found("+ lithium"), s.found("lithium"));
    // A colon after something that is not a field name is text.
    assert!(search("12:30").is_ok());
}

/// Pieces of query text: words, operators, quotes, brackets, fields.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "lithium", "glucose", "sensor", "blood", "LITHIUM", "charg*", "*", "?", "b?ttery",
            "e-mail", "x", "12:30", "café", "日本", ",", "\\", "'", "~", "~3", "&", "|", "!",
        ])
        .prop_map(String::from),
        prop::sample::select(vec![
            "AND", "OR", "NOT", "&&", "||", "+", "-", "(", ")", "\"", "[", "]", "{", "}", ":",
            " TO ", "*",
        ])
        .prop_map(String::from),
        prop::sample::select(vec![
            "title:",
            "abstract:",
            "claims:",
            "description:",
            "assignee:",
            "inventor:",
            "cpc:",
            "ipc:",
            "pn:",
            "country:",
            "kind:",
            "filed:",
            "published:",
            "priority:",
            "before:",
            "after:",
            "after:filing:",
            "before:publication:",
            "titel:",
            "ti:",
            "owner:",
        ])
        .prop_map(String::from),
        (1990u32..2030, 1u32..13, 1u32..29).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        (1990u32..2030).prop_map(|y| y.to_string()),
        prop::sample::select(vec![
            "G06F",
            "H05B3/34",
            "A61B",
            "US8926509B2",
            "US8799651",
            "EP",
            "B2",
            "\"blood glucose\"~2",
        ])
        .prop_map(String::from),
        "[a-z]{1,6}",
    ]
}

fn query() -> impl Strategy<Value = String> {
    prop::collection::vec((piece(), prop::sample::select(vec!["", " ", "  "])), 0..8).prop_map(
        |parts| {
            parts
                .into_iter()
                .map(|(p, sep)| format!("{p}{sep}"))
                .collect()
        },
    )
}

fn check_no_panic(query: &str) -> Result<(), TestCaseError> {
    match search(query) {
        Ok(results) => {
            prop_assert!(results.hits.len() <= 5);
            prop_assert!(results.total >= results.hits.len());
        }
        Err(KeywordError::Query(e)) => {
            prop_assert!(
                e.position <= query.chars().count(),
                "{query:?}: position {} beyond the end",
                e.position
            );
            prop_assert!(!e.message.is_empty());
        }
        Err(other) => prop_assert!(false, "{query:?}: not a query error: {other:?}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_queries_return_results_or_a_query_error(q in query()) {
        check_no_panic(&q)?;
    }

    #[test]
    fn arbitrary_text_never_panics(q in "\\PC{0,30}") {
        check_no_panic(&q)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, max_shrink_iters: 64, ..ProptestConfig::default() })]

    /// Any four-digit year is a valid date, so any date query is answered.
    #[test]
    fn dates_in_any_year_are_answered(
        y1 in 0u32..10000,
        y2 in 0u32..10000,
        form in 0usize..6,
    ) {
        let (lo, hi) = (y1.min(y2), y1.max(y2));
        let q = match form {
            0 => format!("filed:{y1:04}"),
            1 => format!("published:[{lo:04} TO {hi:04}]"),
            2 => format!("priority:[* TO {y1:04}-06-30]"),
            3 => format!("before:{y1:04}"),
            4 => format!("after:filing:{y1:04}-01-01"),
            _ => "filed:[* TO *]".to_string(),
        };
        match search(&q) {
            Ok(_) => {}
            Err(e) => prop_assert!(false, "{q}: {e}"),
        }
    }
}
