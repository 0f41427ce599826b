//! End-to-end tests of semantic and hybrid search through the binary: an
//! ingest that embeds with the real model (models/all-MiniLM-L6-v2), then
//! `patsearch search --mode semantic --json`, the default hybrid mode,
//! deletes, and the messages for a missing model or a keyword-only index.

mod common;

use std::path::Path;
use std::process::Output;

use common::{hit_numbers, ingest_with_model, model_dir, patsearch, stderr, write_corpus_lines};

fn search(index: &Path, query: &str, extra: &[&str]) -> Output {
    patsearch()
        .args(["search", "--index"])
        .arg(index)
        .arg("--model")
        .arg(model_dir())
        .args(extra)
        .arg("--")
        .arg(query)
        .output()
        .unwrap()
}

fn search_json(index: &Path, query: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--json"];
    args.extend_from_slice(extra);
    let output = search(index, query, &args);
    assert!(
        output.status.success(),
        "search {query:?}: {}",
        stderr(&output)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Paraphrases of three of the first 40 corpus patents (insulating gasket
/// for head-of-wall joints; dive computer with remote upload; cryogenic
/// liquid level sensor), in other words than theirs.
const PARAPHRASES: &[(&str, &str)] = &[
    (
        "US8826599",
        "fireproof seal for the gap where a partition meets the overhead slab",
    ),
    (
        "US9443039",
        "scuba wristwatch that keeps a diary of how far below the surface you went and sends it to other gadgets",
    ),
    (
        "US9074921",
        "gauging how full a tank of super-cold fluid is by warming a glass filament and watching it cool",
    ),
];

#[test]
fn ingest_embeds_and_semantic_search_finds_paraphrases() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("corpus-40.jsonl");
    write_corpus_lines(&input, 0, 40);
    let index = tmp.path().join("idx");
    let output = patsearch()
        .args(["ingest", "--quiet", "--index"])
        .arg(&index)
        .arg("--model")
        .arg(model_dir())
        .arg(&input)
        .output()
        .unwrap();
    assert!(output.status.success(), "ingest: {}", stderr(&output));
    assert!(
        // Title + abstract and three chosen description paragraphs each
        // (the corpus has no claims).
        stderr(&output).contains("40 documents, 160 vectors (all-MiniLM-L6-v2@"),
        "{}",
        stderr(&output)
    );

    // Semantic mode, JSON: the paraphrased patent in the top 3, each hit
    // with its cosine, rank and matched passage.
    for (expected, query) in PARAPHRASES {
        let results = search_json(
            &index,
            query,
            &["--mode", "semantic", "--limit", "3", "--no-collapse"],
        );
        assert_eq!(results["mode"], "semantic");
        let found = hit_numbers(&results);
        assert!(found.contains(&expected.to_string()), "{query}: {found:?}");
        let hits = results["hits"].as_array().unwrap();
        assert_eq!(hits.len(), 3);
        for (i, hit) in hits.iter().enumerate() {
            assert_eq!(hit["rank"], i + 1);
            let semantic = &hit["semantic"];
            assert_eq!(semantic["rank"], i + 1);
            let cosine = semantic["score"].as_f64().unwrap();
            assert!(cosine > 0.0 && cosine <= 1.0, "{hit}");
            // Title and abstract, or a chosen description paragraph (the
            // corpus has no claims), named as such.
            let kind = &semantic["passage"]["kind"];
            if kind == "title_abstract" {
                assert_eq!(semantic["label"], "title and abstract");
            } else {
                let index = kind["description"].as_u64().expect("a paragraph");
                assert_eq!(semantic["label"], format!("description paragraph {index}"));
            }
            assert!(hit.get("keyword").is_none(), "{hit}");
            assert!(!hit["title"].as_str().unwrap().is_empty());
        }
        assert_eq!(results["total"], 40);
    }

    // The default mode on an index with vectors is hybrid, with both
    // retrievers' components.
    let results = search_json(&index, "virtual machine migration", &["--limit", "5"]);
    assert_eq!(results["mode"], "hybrid");
    let hits = results["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 5);
    assert!(hits
        .iter()
        .any(|h| h.get("keyword").is_some() && h.get("semantic").is_some()));
    for hit in hits {
        let mut rrf = 0.0;
        for side in ["keyword", "semantic"] {
            if let Some(c) = hit.get(side) {
                rrf += 1.0 / (60.0 + c["rank"].as_f64().unwrap());
            }
        }
        assert!((hit["score"].as_f64().unwrap() - rrf).abs() < 1e-9, "{hit}");
    }

    // Plain output names the matched passage and the component scores.
    let output = search(&index, PARAPHRASES[0].1, &["--mode", "semantic"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("semantic #1 (cosine"), "{text}");
    assert!(text.contains("matched title and abstract: "), "{text}");
    let output = search(&index, "virtual machine migration", &[]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("hybrid search"), "{text}");
    assert!(text.contains("keyword #1 (BM25"), "{text}");

    // Keyword mode needs no model at all.
    let output = patsearch()
        .args([
            "search",
            "--json",
            "--mode",
            "keyword",
            "--model",
            "/nonexistent",
            "--index",
        ])
        .arg(&index)
        .arg("gasket")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));

    // Deleting removes the document from both sides.
    let output = patsearch()
        .args(["delete", "--index"])
        .arg(&index)
        .arg("US8826599")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let results = search_json(
        &index,
        PARAPHRASES[0].1,
        &["--mode", "semantic", "--limit", "50", "--no-collapse"],
    );
    assert!(!hit_numbers(&results).contains(&"US8826599".to_string()));
    assert_eq!(results["total"], 39);
    let results = search_json(&index, "pn:US8826599", &["--mode", "keyword"]);
    assert_eq!(results["total"], 0);

    // Adding to it without the model is refused: the documents would lack vectors.
    let output = patsearch()
        .args(["ingest", "--quiet", "--no-embed", "--index"])
        .arg(&index)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("models/fetch.sh"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_missing_model_or_a_keyword_only_index_is_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("corpus-5.jsonl");
    write_corpus_lines(&input, 0, 5);
    let index = tmp.path().join("idx");

    // No model where the default says (run from a directory without models/).
    let output = patsearch()
        .current_dir(tmp.path())
        .args(["ingest", "--quiet", "--index"])
        .arg(&index)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("models/all-MiniLM-L6-v2"), "{err}");
    assert!(err.contains("models/fetch.sh"), "{err}");
    assert!(err.contains("--no-embed"), "{err}");
    assert!(!index.exists(), "nothing is written before the model loads");

    // PATSEARCH_MODEL points at the model.
    let output = patsearch()
        .current_dir(tmp.path())
        .env("PATSEARCH_MODEL", model_dir())
        .args(["ingest", "--quiet", "--index"])
        .arg(&index)
        .arg(&input)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("5 documents, 20 vectors"),
        "{}",
        stderr(&output)
    );
    // Searching it semantically without the model: said how to get it.
    let output = patsearch()
        .current_dir(tmp.path())
        .args(["search", "--mode", "semantic", "--index"])
        .arg(&index)
        .arg("encrypted files")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("models/fetch.sh"),
        "{}",
        stderr(&output)
    );

    // A keyword-only index: keyword by default, semantic refused with advice.
    let keyword_index = tmp.path().join("kw");
    let output = patsearch()
        .args(["ingest", "--quiet", "--no-embed", "--index"])
        .arg(&keyword_index)
        .arg(&input)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let results = search_json(&keyword_index, "encrypted", &[]);
    assert_eq!(results["mode"], "keyword");
    assert_eq!(hit_numbers(&results)[0], "US8799651");
    let output = search(&keyword_index, "encrypted files", &["--mode", "semantic"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("no vector index"), "{err}");
    assert!(err.contains("--mode keyword"), "{err}");
    // Embedding into it would leave its documents without vectors.
    let output = patsearch()
        .args(["ingest", "--quiet", "--index"])
        .arg(&keyword_index)
        .arg("--model")
        .arg(model_dir())
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("--no-embed"),
        "{}",
        stderr(&output)
    );
}

/// `PATSEARCH_SIMD` forces the kernels' instruction set: every one this CPU
/// runs gives the same hits with the same scores, and a name that is not an
/// instruction set, or one this CPU cannot run, is a usage error (exit 2)
/// before any work.
#[test]
fn every_instruction_set_gives_the_same_results_and_a_bad_one_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("corpus.jsonl");
    write_corpus_lines(&input, 0, 12);
    let index = tmp.path().join("idx");
    ingest_with_model(&index, &[input], None);

    let query = PARAPHRASES[0].1;
    let search_with = |simd: &str| {
        patsearch()
            .env("PATSEARCH_SIMD", simd)
            .args(["search", "--json", "--mode", "semantic", "--index"])
            .arg(&index)
            .arg("--model")
            .arg(model_dir())
            .arg("--")
            .arg(query)
            .output()
            .unwrap()
    };
    let scores = |output: &Output| {
        assert!(output.status.success(), "{}", stderr(output));
        let results: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        results["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["number"].to_string(), h["semantic"]["score"].to_string()))
            .collect::<Vec<_>>()
    };
    let expected = scores(&search_with(""));
    assert!(!expected.is_empty());
    for isa in patsearch_simd::Isa::available() {
        assert_eq!(scores(&search_with(isa.name())), expected, "{isa}");
    }

    let foreign = if cfg!(target_arch = "x86_64") {
        "neon"
    } else {
        "avx2"
    };
    for (value, message) in [
        ("sse9", "is not an instruction set"),
        (foreign, "this CPU cannot run it"),
    ] {
        let output = search_with(value);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{value}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(message),
            "{value}: {}",
            stderr(&output)
        );
        assert!(output.stdout.is_empty());
    }
}
