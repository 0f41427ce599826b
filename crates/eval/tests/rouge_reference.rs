//! Agreement with the Python implementations that define the scores.
//!
//! `fixtures/rouge/` holds real patent texts (abstracts as references,
//! description excerpts and rearranged abstracts as candidates, plus
//! hand-written edge cases) with the scores `rouge-score` 0.1.2 gives them,
//! and a word list with NLTK 3.10.4's Porter stems; all made by
//! `benches/summary/make_rouge_reference.py`, whose docstring has the
//! commands to remake them.

use std::path::PathBuf;

use patsearch_eval::porter::stem;
use patsearch_eval::rouge::{rouge, RougeScore};
use serde_json::Value;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rouge")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn jsonl(name: &str) -> Vec<Value> {
    fixture(name)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect()
}

fn text<'a>(row: &'a Value, field: &str) -> &'a str {
    row[field]
        .as_str()
        .unwrap_or_else(|| panic!("no string {field} in {row}"))
}

/// `[precision, recall, f1]` as the Python side writes them: Python's repr
/// of each double, as a string, which Rust's correctly rounded `parse` reads
/// back to the very same double (serde_json's number reading may be a last
/// place off).
fn expected_score(row: &Value, field: &str) -> [f64; 3] {
    let values: Vec<f64> = row[field]
        .as_array()
        .unwrap_or_else(|| panic!("no {field} in {row}"))
        .iter()
        .map(|v| {
            let repr = v.as_str().unwrap_or_else(|| panic!("{v} is no string"));
            repr.parse().unwrap_or_else(|e| panic!("{repr}: {e}"))
        })
        .collect();
    values.try_into().expect("three numbers")
}

#[test]
fn rouge_matches_rouge_score_on_patent_texts() {
    let pairs = jsonl("pairs.jsonl");
    let expected = jsonl("expected.jsonl");
    assert_eq!(
        pairs.len(),
        expected.len(),
        "pairs and expected scores differ in length"
    );
    let mut max_difference = 0.0_f64;
    let mut partial_matches = 0;
    let mut failures = Vec::new();
    for (pair, want) in pairs.iter().zip(&expected) {
        let id = text(pair, "id");
        assert_eq!(id, text(want, "id"), "fixtures out of step");
        let got = rouge(text(pair, "reference"), text(pair, "candidate"));
        for (name, score) in [
            ("rouge1", got.rouge1),
            ("rouge2", got.rouge2),
            ("rougeLsum", got.rouge_lsum),
        ] {
            let RougeScore {
                precision,
                recall,
                f1,
            } = score;
            let want = expected_score(want, name);
            for (figure, actual, wanted) in [
                ("P", precision, want[0]),
                ("R", recall, want[1]),
                ("F", f1, want[2]),
            ] {
                let difference = (actual - wanted).abs();
                max_difference = max_difference.max(difference);
                // Both sides do the same IEEE operations in the same order
                // (integer counts, one division each, the same F1 formula),
                // so anything but bit-for-bit agreement is a real difference.
                if actual.to_bits() != wanted.to_bits() {
                    failures.push(format!("{id} {name} {figure}: {actual} != {wanted}"));
                }
            }
            if want[2] > 0.0 && want[2] < 1.0 {
                partial_matches += 1;
            }
        }
    }
    eprintln!(
        "{} pairs x 3 ROUGE variants x P/R/F checked against rouge-score 0.1.2; \
         max |difference| {max_difference}",
        pairs.len()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Guards against a fixture that only exercises the trivial 0 and 1 cases.
    assert!(
        pairs.len() >= 150,
        "only {} pairs in the fixture",
        pairs.len()
    );
    assert!(
        partial_matches >= 300,
        "only {partial_matches} scores strictly between 0 and 1"
    );
}

#[test]
fn porter_stems_match_nltk() {
    let list = fixture("porter_stems.tsv");
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in list.lines() {
        let (word, expected) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("bad line {line:?}"));
        let actual = stem(word);
        if actual != expected {
            failures.push(format!("{word}: {actual} != {expected}"));
        }
        checked += 1;
    }
    eprintln!("{checked} words stemmed as NLTK 3.10.4's PorterStemmer() stems them");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 2000, "only {checked} words in the fixture");
}
