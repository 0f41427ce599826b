//! Prior art for claims written by hand from corpus patents
//! (`tests/fixtures/prior-art-claims.tsv`: 20 claims in claim language, in
//! other words than the patents' abstracts, chosen by a fixed random draw;
//! see the file's header): the patent a claim was written from must be in
//! the top 3 of `patsearch prior-art` for at least 18 of the 20.
//!
//! The index holds the 20 source patents and every 7th patent of the
//! benchmark corpus (about 1,000 documents, with the default description
//! passages) so the test runs in a couple of minutes; the same measure on
//! the whole corpus is `bash benches/prior-art-claims.sh INDEX` (figures in
//! benches/README.md, "Passages").

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};

use common::{data_dir, hit_numbers, ingest_with_model, model_dir, patsearch, root, stderr};

const EVERY: usize = 7;
const TOP: usize = 3;
const AT_LEAST: usize = 18;

fn claims() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join("tests/fixtures/prior-art-claims.tsv"))
        .expect("tests/fixtures/prior-art-claims.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (number, claim) = l.split_once('\t').expect("number<TAB>claim");
            (number.to_string(), claim.to_string())
        })
        .collect()
}

#[test]
fn claims_written_from_corpus_patents_find_them_in_the_top_3() {
    let claims = claims();
    assert_eq!(claims.len(), 20);
    let sources: HashSet<&str> = claims.iter().map(|(n, _)| n.as_str()).collect();

    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("corpus.jsonl");
    let corpus = data_dir().join("corpus/patents-2013.jsonl.zst");
    let decoder = zstd::stream::read::Decoder::new(std::fs::File::open(corpus).unwrap()).unwrap();
    let mut out = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    let mut found = HashSet::new();
    for (i, line) in BufReader::new(decoder).lines().enumerate() {
        let line = line.unwrap();
        let record: serde_json::Value = serde_json::from_str(&line).unwrap();
        let number = record["publication_number"].as_str().unwrap().to_string();
        let source = sources.contains(number.as_str());
        if source || i % EVERY == 0 {
            if source {
                found.insert(number);
            }
            out.write_all(line.as_bytes()).unwrap();
            out.write_all(b"\n").unwrap();
        }
    }
    out.flush().unwrap();
    drop(out);
    assert_eq!(
        found.len(),
        sources.len(),
        "every source patent is in the corpus"
    );

    let index = tmp.path().join("index");
    ingest_with_model(&index, &[input], None);

    let mut in_top = 0;
    let mut report = Vec::new();
    for (number, claim) in &claims {
        let output = patsearch()
            .args(["prior-art", "--json", "--limit", "10", "--index"])
            .arg(&index)
            .arg("--model")
            .arg(model_dir())
            .arg("--text")
            .arg(claim)
            .output()
            .unwrap();
        assert!(output.status.success(), "prior-art: {}", stderr(&output));
        let results: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let ranked = hit_numbers(&results);
        let rank = ranked.iter().position(|n| n == number).map(|r| r + 1);
        if rank.is_some_and(|r| r <= TOP) {
            in_top += 1;
        }
        report.push(format!("{number}: {rank:?}"));
    }
    eprintln!("source patent ranks: {}", report.join(", "));
    assert!(
        in_top >= AT_LEAST,
        "{in_top} of {} source patents in the top {TOP} (want {AT_LEAST}): {}",
        claims.len(),
        report.join(", ")
    );
}
