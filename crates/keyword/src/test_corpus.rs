//! The benchmark corpus for unit tests that hold a mechanism to real text.

use std::io::{BufRead, BufReader};

/// The first `n` records of `../shared/data/corpus/patents-2013.jsonl.zst`,
/// as JSON; panics with where the shared folder must be when it is absent.
pub(crate) fn first_records(n: usize) -> Vec<serde_json::Value> {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/corpus/patents-2013.jsonl.zst");
    let file = std::fs::File::open(&corpus).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the shared data folder must sit beside the project root)",
            corpus.display()
        )
    });
    BufReader::new(zstd::Decoder::new(file).expect("zstd"))
        .lines()
        .take(n)
        .map(|line| serde_json::from_str(&line.expect("a line")).expect("json"))
        .collect()
}
