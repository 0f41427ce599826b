//! `query::parse` over arbitrary text and over text made of the language's
//! own tokens: it must answer (an AST or a positioned error) without
//! panicking and within a second. `PROPTEST_CASES` sets how many cases
//! (256 by default; the long run: `PROPTEST_CASES=2000000 cargo test
//! --release -p patsearch-keyword parse_fuzz`).

use proptest::prelude::*;

use super::*;

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "(",
            ")",
            "\"",
            "-",
            "+",
            "AND",
            "OR",
            "NOT",
            "&&",
            "||",
            "title:",
            "ti:",
            "abstract:",
            "claims:",
            "assignee:",
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
            "filing:",
            "[",
            "]",
            "{",
            "}",
            " TO ",
            "*",
            "?",
            "~",
            "~5",
            "~99999999999",
            ":",
            "2013",
            "2013-06",
            "2013-06-30",
            "20130630",
            "2013-13-01",
            "*ab*",
            "wom?n",
            "batter*",
            "é",
            "ß",
            "\u{0}",
            "\t",
            "\n",
            "G06F16/245",
            "US8926509B2",
        ])
        .prop_map(String::from),
        "[a-z]{1,5}",
        "\\PC{1,3}",
    ]
}

fn tokens() -> impl Strategy<Value = String> {
    prop::collection::vec((token(), prop::sample::select(vec!["", " ", ""])), 0..48).prop_map(
        |parts| {
            parts
                .into_iter()
                .map(|(t, sep)| format!("{t}{sep}"))
                .collect()
        },
    )
}

/// Deep structures: an opening repeated, something inside, closings.
fn nested() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "(", "-(", "NOT (", "title:(", "+(", "a OR (", "\"a\" (",
        ]),
        0usize..200,
        tokens(),
        0usize..200,
    )
        .prop_map(|(open, n, inside, m)| format!("{}{inside}{}", open.repeat(n), ")".repeat(m)))
}

fn check(q: &str) -> Result<(), TestCaseError> {
    for default_and in [false, true] {
        let started = std::time::Instant::now();
        let result = parse(q, default_and);
        prop_assert!(
            started.elapsed().as_secs_f64() < 1.0,
            "{q:?}: {:?}",
            started.elapsed()
        );
        if let Err(e) = result {
            prop_assert!(e.position <= q.chars().count(), "{q:?}: {e}");
            prop_assert!(!e.message.is_empty());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { max_shrink_iters: 256, ..ProptestConfig::default() })]

    #[test]
    fn parse_fuzz_arbitrary_text(q in "\\PC{0,200}") {
        check(&q)?;
    }

    #[test]
    fn parse_fuzz_query_tokens(q in tokens()) {
        check(&q)?;
    }

    #[test]
    fn parse_fuzz_nesting(q in nested()) {
        check(&q)?;
    }
}
