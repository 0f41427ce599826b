//! How a word without a field prefix is scored across the fields: every
//! field counts alike by default, and a word counts by its best field (plus
//! `tie_breaker` times the others), on a small index whose BM25 statistics
//! are known.

use patsearch_keyword::{FieldBoosts, KeywordConfig, KeywordIndex};
use patsearch_record::{Cancellation, Filters, Paragraph, PatentRecord};

use crate::fixtures::write_index;

fn record(number: &str, title: &str, abstract_text: &str, description: &str) -> PatentRecord {
    let mut r = PatentRecord::new(number.parse().expect("a number"));
    r.title = title.into();
    r.abstract_text = abstract_text.into();
    r.description = vec![Paragraph {
        number: None,
        heading: None,
        text: description.into(),
    }];
    r
}

/// US1000001: `alpha` in every field. US1000002: `alpha` in the title, `beta`
/// in the abstract. Every field is one word long, so a word's BM25 in a field
/// depends only on how many documents have it there: `alpha` in the title
/// (both) scores less than `alpha` in the abstract or description, or `beta`
/// in the abstract (one document each), which all score the same.
fn index(dir: &std::path::Path) -> KeywordIndex {
    write_index(
        dir,
        &[
            record("US1000001B2", "alpha", "alpha", "alpha"),
            record("US1000002B2", "alpha", "beta", "gamma"),
        ],
    )
}

fn scores(index: &KeywordIndex, query: &str) -> Vec<(String, f32)> {
    index
        .candidates(query, &Filters::default(), 10, &Cancellation::never())
        .expect("search")
}

fn score_of(index: &KeywordIndex, query: &str, number: &str) -> f32 {
    scores(index, query)
        .into_iter()
        .find(|(n, _)| n == number)
        .unwrap_or_else(|| panic!("{number} not found by {query:?}"))
        .1
}

#[test]
fn fields_count_alike_by_default() {
    assert_eq!(
        FieldBoosts::default(),
        FieldBoosts {
            title: 1.0,
            abstract_text: 1.0,
            claims: 1.0,
            description: 1.0,
        }
    );
    assert_eq!(KeywordConfig::default().tie_breaker, 0.0);
}

#[test]
fn a_word_counts_by_its_best_field_plus_the_tie_breaker_share_of_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let index = index(dir.path());
    let n = "US1000001B2";
    let per_field: Vec<f32> = ["title:alpha", "abstract:alpha", "description:alpha"]
        .iter()
        .map(|q| score_of(&index, q, n))
        .collect();
    let best = per_field.iter().copied().fold(f32::MIN, f32::max);
    let sum: f32 = per_field.iter().sum();
    assert!(per_field[0] < best, "{per_field:?}");

    let close = |a: f32, b: f32| (a - b).abs() < 1e-4 * b.abs().max(1.0);
    let by_default = score_of(&index, "alpha", n);
    assert!(close(by_default, best), "{by_default} vs best {best}");
    for tie_breaker in [0.3, 1.0] {
        let index = index.clone().with_config(KeywordConfig {
            tie_breaker,
            ..KeywordConfig::default()
        });
        let score = score_of(&index, "alpha", n);
        let expected = best + tie_breaker * (sum - best);
        assert!(
            close(score, expected),
            "{tie_breaker}: {score} vs {expected}"
        );
    }
    // Boosts scale each field before the best is taken.
    let boosted = index.clone().with_config(KeywordConfig {
        boosts: FieldBoosts {
            title: 10.0,
            ..FieldBoosts::default()
        },
        ..KeywordConfig::default()
    });
    let score = score_of(&boosted, "alpha", n);
    assert!(close(score, 10.0 * per_field[0]), "{score}");
}

#[test]
fn more_of_the_query_words_beat_one_word_repeated_in_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let index = index(dir.path());
    let ranking = |index: &KeywordIndex| -> Vec<String> {
        scores(index, "alpha beta")
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    };
    // Best field: US1000002 has both words, US1000001 one.
    assert_eq!(ranking(&index), ["US1000002B2", "US1000001B2"]);
    // Summed over fields, the word of every field wins instead.
    let summed = index.clone().with_config(KeywordConfig {
        tie_breaker: 1.0,
        ..KeywordConfig::default()
    });
    assert_eq!(ranking(&summed), ["US1000001B2", "US1000002B2"]);
}
