//! The bounds on what one query may cost (nesting, clauses, wildcard
//! expansion) and stopping a search through its cancellation token.

use std::time::{Duration, Instant};

use patsearch_keyword::{
    KeywordConfig, KeywordError, KeywordIndex, QueryError, QueryLimits, SearchRequest,
    SearchResults, MAX_QUERY_CLAUSES, MAX_QUERY_DEPTH,
};
use patsearch_record::{Cancellation, Cancelled, Filters, PublicationNumber};
use proptest::prelude::*;

use crate::fixtures::*;

fn search_with(
    index: &KeywordIndex,
    query: &str,
    cancel: &Cancellation,
) -> Result<SearchResults, KeywordError> {
    index.search(&SearchRequest {
        query,
        filters: &Filters::default(),
        limit: 100,
        offset: 0,
        snippets: true,
        facets: true,
        collapse: false,
        cancel,
    })
}

fn search(query: &str) -> Result<SearchResults, KeywordError> {
    search_with(&shared().index, query, &Cancellation::never())
}

fn query_error(result: Result<SearchResults, KeywordError>) -> QueryError {
    match result {
        Err(KeywordError::Query(e)) => e,
        Err(other) => panic!("not a query error: {other:?}"),
        Ok(r) => panic!("answered ({} hits)", r.total),
    }
}

#[test]
fn deep_nesting_is_a_query_error_not_a_crash() {
    // The probe's query, and the CLI's 10,000 parentheses.
    for (open, n) in [("-(", 229), ("(", 10_000), ("title:(", 500), ("NOT (", 300)] {
        let q = format!("{}a{}", open.repeat(n), ")".repeat(n));
        let e = query_error(search(&q));
        assert_eq!(
            e.message,
            format!("the query nests groups deeper than the limit of {MAX_QUERY_DEPTH}")
        );
    }
    let q = format!(
        "{}\"lithium battery\"{}",
        "(".repeat(MAX_QUERY_DEPTH),
        ")".repeat(MAX_QUERY_DEPTH)
    );
    assert_eq!(
        search(&q).unwrap().total,
        search("\"lithium battery\"").unwrap().total
    );
}

#[test]
fn clauses_are_limited_and_a_phrase_counts_its_words() {
    let words = |n: usize| vec!["sensor"; n].join(" ");
    assert!(search(&words(MAX_QUERY_CLAUSES)).is_ok());
    let e = query_error(search(&words(MAX_QUERY_CLAUSES + 1)));
    assert!(e.message.contains("clauses"), "{e}");
    let phrase = format!("lithium \"{}\"", words(2 * MAX_QUERY_CLAUSES));
    let e = query_error(search(&phrase));
    assert_eq!(e.position, 8);
    assert!(
        e.message.contains("a phrase counts each of its words"),
        "{e}"
    );
    // A 100,000-character query of either kind is refused at once.
    for q in [
        "sensor ".repeat(100_000 / 7),
        format!("\"{}\"", "sensor ".repeat(100_000 / 7)),
        "-sensor ".repeat(100_000 / 8),
        "sensor OR ".repeat(100_000 / 10) + "sensor",
    ] {
        let started = Instant::now();
        query_error(search(&q));
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }
}

#[test]
fn many_wildcards_are_refused_before_any_walk() {
    // The probe: 400 patterns in 2,000 characters.
    let patterns: Vec<String> = (b'a'..=b'z')
        .flat_map(|a| (b'a'..=b'z').map(move |b| format!("*{}{}*", a as char, b as char)))
        .take(400)
        .collect();
    let q = patterns.join(" ");
    let started = Instant::now();
    let e = query_error(search(&q));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let limit = QueryLimits::default().max_wildcards;
    assert_eq!(
        e.message,
        format!("the query has more than {limit} wildcard patterns; use fewer")
    );
    assert_eq!(e.position, limit * 5, "at the first pattern past the limit");
    // Up to the limit they run.
    let q = patterns[..limit].join(" ");
    assert!(search(&q).is_ok() || query_error(search(&q)).message.contains("words"));
}

#[test]
fn a_pattern_matching_too_many_words_is_refused() {
    let s = shared();
    let limited = |limits: QueryLimits| {
        s.index.clone().with_config(KeywordConfig {
            limits,
            ..KeywordConfig::default()
        })
    };
    let never = Cancellation::never();
    let one = limited(QueryLimits {
        max_expansions: 1,
        ..QueryLimits::default()
    });
    let e = query_error(search_with(&one, "sensor charg*", &never));
    assert_eq!(e.position, 7);
    assert_eq!(
        e.message,
        "`charg*` matches more than 1 words; narrow the pattern"
    );
    let total = limited(QueryLimits {
        max_total_expansions: 3,
        ..QueryLimits::default()
    });
    let e = query_error(search_with(&total, "charg* compound*", &never));
    assert!(e.message.contains("match more than 3 words in all"), "{e}");
    // Within the limits, the limits change nothing.
    let roomy = limited(QueryLimits {
        max_expansions: 1_000_000,
        max_total_expansions: 1_000_000,
        max_wildcards: 1000,
    });
    for q in ["charg*", "title:charge*", "assignee:goog*", "*ing"] {
        assert_eq!(
            search_with(&roomy, q, &never).unwrap(),
            search(q).unwrap_or_else(|e| panic!("{q}: {e}")),
            "{q}"
        );
    }
    // The broadest patterns are refused, quickly.
    for q in ["*e*", "*a*"] {
        let started = Instant::now();
        let e = query_error(search(q));
        assert!(e.message.contains("matches more than 4096 words"), "{e}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{q}: {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn a_cancelled_search_stops_with_cancelled() {
    let s = shared();
    let cancelled = Cancellation::new();
    cancelled.cancel();
    let expired = Cancellation::new().with_deadline(Instant::now() - Duration::from_millis(1));
    for (token, why) in [
        (&cancelled, Cancelled::Cancelled),
        (&expired, Cancelled::DeadlinePassed),
    ] {
        for q in ["sensor OR lithium", "charg* compound*", "-trench"] {
            assert!(
                matches!(search_with(&s.index, q, token), Err(KeywordError::Cancelled(w)) if w == why),
                "{q}"
            );
            assert!(matches!(
                s.index.candidates(q, &Filters::default(), 10, token),
                Err(KeywordError::Cancelled(w)) if w == why
            ));
        }
        let numbers: Vec<PublicationNumber> = vec!["US8927386B2".parse().unwrap()];
        assert!(matches!(
            s.index.fetch(&numbers, Some("trench"), token),
            Err(KeywordError::Cancelled(w)) if w == why
        ));
        // A query error still says what is wrong with the query.
        assert!(matches!(
            search_with(&s.index, "a:", &Cancellation::never()),
            Err(KeywordError::Query(_))
        ));
    }
    // A token that has not fired changes nothing.
    let live = Cancellation::new().with_budget(Duration::from_secs(3600));
    for q in ["sensor OR lithium", "charg*", "-trench"] {
        assert_eq!(
            search_with(&s.index, q, &live).unwrap(),
            search(q).unwrap(),
            "{q}"
        );
    }
}

#[test]
fn a_search_cancelled_while_it_runs_stops() {
    let s = shared();
    let token = Cancellation::new();
    let stopper = {
        let token = token.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            token.cancel();
        })
    };
    // Searches until the token fires: each must either finish or stop
    // with the cancellation, never with a partial answer.
    let started = Instant::now();
    let mut stopped = false;
    while started.elapsed() < Duration::from_secs(10) {
        match search_with(&s.index, "sensor OR lithium OR charg* OR -trench", &token) {
            Ok(results) => assert!(results.total > 0),
            Err(KeywordError::Cancelled(Cancelled::Cancelled)) => {
                stopped = true;
                break;
            }
            Err(e) => panic!("{e}"),
        }
    }
    stopper.join().unwrap();
    assert!(stopped);
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "(",
            ")",
            "-(",
            "title:(",
            "\"",
            "-",
            "+",
            "AND",
            "OR",
            "NOT",
            "*",
            "?",
            "~3",
            "charg*",
            "*ing",
            "s*",
            "wom?n",
            "sensor",
            "lithium",
            "\"blood glucose\"~2",
            "filed:[2012 TO 2013]",
            "before:2013",
            "cpc:G06F",
            "pn:US8926509B2",
            "abstract:",
        ])
        .prop_map(String::from),
        "[a-z]{1,3}\\*",
        "\\*[a-z]{1,2}\\*",
        "[a-z]{1,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, max_shrink_iters: 64, ..ProptestConfig::default() })]

    /// Whatever the mix of wildcards and nesting, a search answers or
    /// refuses the query, within a bounded time.
    #[test]
    fn queries_of_wildcards_and_groups_answer_or_refuse_quickly(
        parts in prop::collection::vec((piece(), prop::sample::select(vec![" ", ""])), 0..40),
        depth in 0usize..80,
    ) {
        let inner: String = parts.into_iter().map(|(p, sep)| format!("{p}{sep}")).collect();
        let q = format!("{}{inner}{}", "(".repeat(depth), ")".repeat(depth));
        let started = Instant::now();
        match search(&q) {
            Ok(_) | Err(KeywordError::Query(_)) => {}
            Err(e) => prop_assert!(false, "{q:?}: {e}"),
        }
        prop_assert!(started.elapsed() < Duration::from_secs(3), "{q:?}: {:?}", started.elapsed());
    }
}
