//! all-MiniLM-L6-v2 against `../shared/eval/embedding-reference/reference.jsonl`:
//! 57 texts (queries, edge cases, abstracts, texts longer than 256 tokens) with
//! their token ids and the vectors of an independent float64 implementation.
//! The token ids must be identical and every vector must have cosine >= 0.9999
//! with the reference, embedded alone and in shuffled padded batches.
//!
//! Needs the model (`models/fetch.sh`) and the shared data folder beside the
//! project; fails, never skips, when either is absent. Run with `--release`.

use std::path::{Path, PathBuf};

use patsearch_embed::{Backend, EmbedOptions, Embedder};

const MIN_COSINE: f64 = 0.9999;

fn model_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/all-MiniLM-L6-v2");
    assert!(
        dir.join("model.safetensors").is_file(),
        "the embedding model is missing at {}: run `models/fetch.sh` from the project root to download all-MiniLM-L6-v2",
        dir.display()
    );
    dir
}

struct Reference {
    id: String,
    text: String,
    token_ids: Vec<u32>,
    embedding: Vec<f64>,
}

fn references() -> Vec<Reference> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/eval/embedding-reference/reference.jsonl");
    let body = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "reference vectors not found at {} ({e}): the shared data folder must sit beside the project root",
            path.display()
        )
    });
    let refs: Vec<Reference> = body
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("reference line");
            Reference {
                id: v["id"].as_str().unwrap().to_string(),
                text: v["text"].as_str().unwrap().to_string(),
                token_ids: v["token_ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_u64().unwrap() as u32)
                    .collect(),
                embedding: v["embedding"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap())
                    .collect(),
            }
        })
        .collect();
    assert_eq!(refs.len(), 57, "{}", path.display());
    refs
}

fn cosine(a: &[f32], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let dot: f64 = a.iter().zip(b).map(|(&x, &y)| f64::from(x) * y).sum();
    let na: f64 = a.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|y| y * y).sum::<f64>().sqrt();
    dot / (na * nb)
}

fn load(batch_size: usize, approximate_gelu: bool) -> Embedder {
    Embedder::load(
        &model_dir(),
        EmbedOptions {
            batch_size,
            approximate_gelu,
            ..EmbedOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// A fixed permutation (an LCG-driven Fisher-Yates shuffle).
fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut state = seed;
    for i in (1..n).rev() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        order.swap(i, (state >> 33) as usize % (i + 1));
    }
    order
}

/// Min cosine (and the worst id) over all references, texts embedded in
/// batches of `batch_size` in a shuffled order.
fn batched_min_cosine(embedder: &Embedder, refs: &[Reference], seed: u64) -> (f64, String) {
    let order = shuffled(refs.len(), seed);
    let texts: Vec<&str> = order.iter().map(|&i| refs[i].text.as_str()).collect();
    let vectors = embedder.embed(&texts).unwrap();
    order
        .iter()
        .zip(&vectors)
        .map(|(&i, v)| (cosine(v, &refs[i].embedding), refs[i].id.clone()))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap()
}

#[test]
fn minilm_matches_the_reference_vectors() {
    let refs = references();
    let embedder = load(32, false);
    assert_eq!(embedder.dimension(), 384);
    assert_eq!(embedder.max_seq_length(), 256);
    assert_eq!(embedder.model_id(), "all-MiniLM-L6-v2@53aa51172d142c89");

    for r in &refs {
        assert_eq!(
            embedder.tokenize(&r.text).unwrap(),
            r.token_ids,
            "token ids of {} ({:?})",
            r.id,
            r.text.chars().take(60).collect::<String>()
        );
    }

    let mut single_min = (f64::INFINITY, String::new());
    for r in &refs {
        let v = embedder.embed_one(&r.text).unwrap();
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "{}: norm {norm}", r.id);
        let c = cosine(&v, &r.embedding);
        if c < single_min.0 {
            single_min = (c, r.id.clone());
        }
    }
    println!(
        "one at a time: min cosine {:.9} (1 - cos = {:.1e}, {})",
        single_min.0,
        1.0 - single_min.0,
        single_min.1
    );
    assert!(
        single_min.0 >= MIN_COSINE,
        "one at a time: cosine {} for {} is below {MIN_COSINE}",
        single_min.0,
        single_min.1
    );

    // Under an emulator (tests/aarch64.sh runs these tests under qemu-user,
    // 50-100 times slower) the cross-checks that do not depend on the
    // instruction set (other batch sizes, candle's model, approximate GELU)
    // are left to the native run.
    let emulated = std::env::var_os("PATSEARCH_TEST_EMULATED").is_some();
    let batches: &[(usize, u64)] = if emulated {
        &[(32, 2)]
    } else {
        &[(8, 1), (32, 2)]
    };
    for &(batch_size, seed) in batches {
        let embedder = load(batch_size, false);
        let (c, id) = batched_min_cosine(&embedder, &refs, seed);
        println!(
            "batches of {batch_size}, shuffled: min cosine {c:.9} (1 - cos = {:.1e}, {id})",
            1.0 - c
        );
        assert!(
            c >= MIN_COSINE,
            "batches of {batch_size}: cosine {c} for {id} is below {MIN_COSINE}"
        );
    }

    // Every instruction set this CPU runs gives the same vectors, bit for
    // bit (the scalar path, slow, on a sample).
    let default_isa = embedder.options().simd.expect("resolved at load");
    for isa in patsearch_simd::Isa::available() {
        if isa == default_isa {
            continue;
        }
        let other = Embedder::load(
            &model_dir(),
            EmbedOptions {
                simd: Some(isa),
                ..EmbedOptions::default()
            },
        )
        .unwrap();
        let sample = if isa == patsearch_simd::Isa::Scalar {
            6
        } else {
            refs.len()
        };
        for r in &refs[..sample] {
            assert_eq!(
                other.embed_one(&r.text).unwrap(),
                embedder.embed_one(&r.text).unwrap(),
                "{}: {isa} and {default_isa} give different vectors",
                r.id
            );
        }
        println!("{isa}: the same vectors as {default_isa} for {sample} texts");
    }

    if emulated {
        return;
    }
    // candle's own BERT, the cross-check of the fused pass, meets it too.
    let candle = Embedder::load(
        &model_dir(),
        EmbedOptions {
            backend: Backend::Candle,
            ..EmbedOptions::default()
        },
    )
    .unwrap();
    let (c, id) = batched_min_cosine(&candle, &refs, 3);
    println!("candle backend, batches of 32: min cosine {c:.9} ({id})");
    assert!(c >= MIN_COSINE, "candle backend: cosine {c} for {id}");

    // Informational: how far the tanh approximation of GELU moves the vectors.
    let (c, id) = batched_min_cosine(&load(32, true), &refs, 4);
    println!(
        "approximate GELU, batches of 32: min cosine {c:.9} (1 - cos = {:.1e}, {id})",
        1.0 - c
    );
}
