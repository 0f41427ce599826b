//! A tiny randomly initialised BERT (hidden size 32, 2 layers) with a small
//! WordPiece vocabulary, written to a temporary directory: tests of batching,
//! padding, pooling, normalisation, order and error messages that need no
//! downloaded model.

use std::path::Path;

use candle_core::{DType, Device};
use candle_nn::{VarBuilder, VarMap};
use candle_transformers::models::bert::{BertModel, Config};
use patsearch_embed::{Backend, EmbedError, EmbedOptions, Embedder, Pooling};
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::bert::BertProcessing;
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

const WORDS: &[&str] = &[
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "of", "and", "battery", "lithium",
    "cool", "##ing", "system", "phone", "wireless", "charg", "##er", "##e", "device", "method",
    "for", "with", "heat", "sink", "patent", "claim", "##s", ".", ",", "1", "2",
];
const MAX_SEQ_LENGTH: usize = 12;

const TEXTS: &[&str] = &[
    "the battery",
    "wireless charger for a phone",
    "",
    "a method of cooling a lithium battery with a heat sink, and a system for the same.",
    "claims",
    "device",
    "unknownword patent claim 1 and claim 2",
    "the cooling system of a wireless phone charger",
    "HEAT SINK",
];

/// Writes a tiny model directory; `pooling` is the body of `1_Pooling/config.json`.
fn write_model(dir: &Path, pooling: &str) {
    let config = serde_json::json!({
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": 32,
        "initializer_range": 0.02,
        "intermediate_size": 64,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": 16,
        "model_type": "bert",
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "type_vocab_size": 2,
        "vocab_size": WORDS.len(),
    });
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();

    let bert: Config = serde_json::from_value(config).unwrap();
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    BertModel::load(vb, &bert).unwrap();
    varmap.save(dir.join("model.safetensors")).unwrap();

    let vocab_path = dir.join("vocab.txt");
    std::fs::write(&vocab_path, WORDS.join("\n")).unwrap();
    let wordpiece = WordPiece::from_file(vocab_path.to_str().unwrap())
        .unk_token("[UNK]".into())
        .build()
        .unwrap();
    let mut tokenizer = Tokenizer::new(wordpiece);
    tokenizer
        .with_normalizer(Some(BertNormalizer::new(true, true, None, true)))
        .unwrap()
        .with_pre_tokenizer(Some(BertPreTokenizer))
        .with_post_processor(Some(BertProcessing::new(
            ("[SEP]".into(), 3),
            ("[CLS]".into(), 2),
        )))
        // Like the real model's tokenizer.json: fixed padding and a different
        // truncation, both of which the embedder must override.
        .with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::Fixed(16),
            pad_token: "[PAD]".into(),
            ..PaddingParams::default()
        }));
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: 6,
            ..TruncationParams::default()
        }))
        .unwrap();
    tokenizer.save(dir.join("tokenizer.json"), false).unwrap();

    std::fs::write(
        dir.join("sentence_bert_config.json"),
        format!(r#"{{"max_seq_length": {MAX_SEQ_LENGTH}, "do_lower_case": false}}"#),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("1_Pooling")).unwrap();
    std::fs::write(dir.join("1_Pooling/config.json"), pooling).unwrap();
}

const MEAN_POOLING: &str = r#"{"word_embedding_dimension": 32, "pooling_mode_cls_token": false, "pooling_mode_mean_tokens": true, "pooling_mode_max_tokens": false, "pooling_mode_mean_sqrt_len_tokens": false}"#;

fn tiny_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("tiny-bert")
        .tempdir()
        .unwrap();
    write_model(dir.path(), MEAN_POOLING);
    dir
}

fn load(dir: &Path, batch_size: usize) -> Embedder {
    Embedder::load(
        dir,
        EmbedOptions {
            batch_size,
            ..EmbedOptions::default()
        },
    )
    .unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn describes_the_model() {
    let dir = tiny_dir();
    let e = load(dir.path(), 32);
    assert_eq!(e.dimension(), 32);
    assert_eq!(e.max_seq_length(), MAX_SEQ_LENGTH);
    assert_eq!(e.pooling(), &[Pooling::Mean]);
    let name = dir.path().file_name().unwrap().to_str().unwrap();
    let (id_name, digest) = e.model_id().split_once('@').unwrap();
    assert_eq!(id_name, name);
    assert_eq!(digest.len(), 16);
    assert!(digest.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(format!("{e:?}").contains(e.model_id()));
}

#[test]
fn tokenizes_with_special_tokens_truncation_and_no_padding() {
    let dir = tiny_dir();
    let e = load(dir.path(), 32);
    assert_eq!(e.tokenize("").unwrap(), vec![2, 3]);
    assert_eq!(e.tokenize("the battery").unwrap(), vec![2, 5, 9, 3]);
    assert_eq!(e.tokenize("Cooling").unwrap(), vec![2, 11, 12, 3]);
    assert_eq!(e.tokenize("xyzzy").unwrap(), vec![2, 1, 3]);
    let long = e.tokenize(&"battery ".repeat(50)).unwrap();
    assert_eq!(long.len(), MAX_SEQ_LENGTH);
    assert_eq!((long[0], long[MAX_SEQ_LENGTH - 1]), (2, 3));
}

#[test]
fn vectors_have_unit_length() {
    let dir = tiny_dir();
    let e = load(dir.path(), 32);
    for v in e.embed(TEXTS).unwrap() {
        assert_eq!(v.len(), 32);
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "norm {norm}");
        assert!(v.iter().all(|x| x.is_finite()));
    }
}

#[test]
fn a_text_has_the_same_vector_alone_and_in_any_batch() {
    let dir = tiny_dir();
    let alone: Vec<Vec<f32>> = {
        let e = load(dir.path(), 1);
        TEXTS.iter().map(|t| e.embed_one(t).unwrap()).collect()
    };
    // Texts are distinct: the model is not constant.
    assert!(max_abs_diff(&alone[0], &alone[1]) > 1e-3);
    for batch_size in [1, 2, 3, 8, 32] {
        let e = load(dir.path(), batch_size);
        let batched = e.embed(TEXTS).unwrap();
        for (i, (a, b)) in alone.iter().zip(&batched).enumerate() {
            let d = max_abs_diff(a, b);
            assert!(d < 1e-5, "text {i} batch {batch_size}: max diff {d}");
        }
    }
}

#[test]
fn keeps_the_callers_order() {
    let dir = tiny_dir();
    let e = load(dir.path(), 2);
    let forward = e.embed(TEXTS).unwrap();
    let reversed: Vec<&str> = TEXTS.iter().rev().copied().collect();
    let mut backward = e.embed(&reversed).unwrap();
    backward.reverse();
    for (a, b) in forward.iter().zip(&backward) {
        assert!(max_abs_diff(a, b) < 1e-5);
    }
    // Duplicates get the same vector; an empty input gives no vectors.
    let twice = e.embed(&["device", "the battery", "device"]).unwrap();
    assert!(max_abs_diff(&twice[0], &twice[2]) < 1e-6);
    assert!(e.embed(&[]).unwrap().is_empty());
    assert!(max_abs_diff(&twice[1], &e.embed_one("the battery").unwrap()) < 1e-5);
}

#[test]
fn the_fused_pass_computes_what_candles_bert_computes() {
    let dir = tiny_dir();
    for approximate_gelu in [false, true] {
        let with = |backend| {
            Embedder::load(
                dir.path(),
                EmbedOptions {
                    backend,
                    approximate_gelu,
                    batch_size: 3,
                    ..EmbedOptions::default()
                },
            )
            .unwrap()
        };
        let fused = with(Backend::Fused);
        let candle = with(Backend::Candle);
        let a = fused.embed(TEXTS).unwrap();
        let b = candle.embed(TEXTS).unwrap();
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            let d = max_abs_diff(x, y);
            assert!(
                d < 1e-5,
                "text {i} (approximate GELU {approximate_gelu}): max diff {d}"
            );
        }
        for (i, text) in TEXTS.iter().enumerate() {
            let d = max_abs_diff(&fused.embed_one(text).unwrap(), &b[i]);
            assert!(d < 1e-5, "text {i} alone: max diff {d}");
        }
    }
}

#[test]
fn thread_and_gelu_options() {
    let dir = tiny_dir();
    let default = load(dir.path(), 4).embed(TEXTS).unwrap();
    let one_thread = Embedder::load(
        dir.path(),
        EmbedOptions {
            threads: 1,
            ..EmbedOptions::default()
        },
    )
    .unwrap();
    for (a, b) in default.iter().zip(one_thread.embed(TEXTS).unwrap()) {
        assert!(max_abs_diff(a, &b) < 1e-5);
    }
    let approx = Embedder::load(
        dir.path(),
        EmbedOptions {
            approximate_gelu: true,
            ..EmbedOptions::default()
        },
    )
    .unwrap();
    for (a, b) in default.iter().zip(approx.embed(TEXTS).unwrap()) {
        let cos: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!(cos > 0.99, "cos {cos}");
    }
}

/// The kernels of every instruction set this CPU runs (`PATSEARCH_SIMD`'s
/// choices) give the scalar path's vectors bit for bit, alone (the skinny
/// kernel of a query) and in batches on one thread or two.
#[test]
fn every_instruction_set_gives_the_same_vectors() {
    let dir = tiny_dir();
    let with = |isa, threads| {
        Embedder::load(
            dir.path(),
            EmbedOptions {
                threads,
                simd: Some(isa),
                ..EmbedOptions::default()
            },
        )
        .unwrap()
    };
    let scalar = with(patsearch_simd::Isa::Scalar, 1);
    assert_eq!(scalar.options().simd, Some(patsearch_simd::Isa::Scalar));
    let expected: Vec<Vec<f32>> = TEXTS.iter().map(|t| scalar.embed_one(t).unwrap()).collect();
    for isa in patsearch_simd::Isa::available() {
        for threads in [1, 2] {
            let embedder = with(isa, threads);
            assert_eq!(embedder.options().simd, Some(isa));
            for (text, want) in TEXTS.iter().zip(&expected) {
                assert_eq!(
                    &embedder.embed_one(text).unwrap(),
                    want,
                    "{isa}, {threads} threads: {text:?}"
                );
            }
            assert_eq!(
                embedder.embed(TEXTS).unwrap(),
                expected,
                "{isa}, {threads} threads, batch"
            );
        }
    }
    let default = Embedder::load(dir.path(), EmbedOptions::default()).unwrap();
    assert_eq!(default.options().simd, Some(patsearch_simd::selected()));
}

/// A query embeds on the calling thread: the embedder's thread count does
/// not change its vector.
#[test]
fn a_short_text_gets_the_same_vector_whatever_the_embedders_threads() {
    let dir = tiny_dir();
    let with = |threads| {
        Embedder::load(
            dir.path(),
            EmbedOptions {
                threads,
                ..EmbedOptions::default()
            },
        )
        .unwrap()
    };
    let one = with(1);
    for threads in [2, 3, 4] {
        let many = with(threads);
        for text in TEXTS {
            assert_eq!(
                one.embed_one(text).unwrap(),
                many.embed_one(text).unwrap(),
                "{text:?} with {threads} threads"
            );
        }
    }
}

#[test]
fn several_pooling_modes_concatenate() {
    let dir = tempfile::tempdir().unwrap();
    write_model(
        dir.path(),
        r#"{"word_embedding_dimension": 32, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true}"#,
    );
    let e = load(dir.path(), 32);
    assert_eq!(e.pooling(), &[Pooling::Cls, Pooling::Mean]);
    assert_eq!(e.dimension(), 64);
    let v = e.embed_one("the battery").unwrap();
    assert_eq!(v.len(), 64);
}

fn load_err(dir: &Path) -> EmbedError {
    Embedder::load(dir, EmbedOptions::default()).unwrap_err()
}

#[test]
fn a_missing_model_says_how_to_get_one() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("all-MiniLM-L6-v2");
    let err = load_err(&missing);
    assert!(matches!(&err, EmbedError::MissingFile { path } if path == &missing));
    assert!(err.is_user_error());
    let msg = err.to_string();
    assert!(
        msg.contains("all-MiniLM-L6-v2") && msg.contains("models/fetch.sh"),
        "{msg}"
    );

    for file in ["config.json", "tokenizer.json", "model.safetensors"] {
        let dir = tiny_dir();
        std::fs::remove_file(dir.path().join(file)).unwrap();
        let err = load_err(dir.path());
        match &err {
            EmbedError::MissingFile { path } => assert!(path.ends_with(file), "{err}"),
            other => panic!("{file}: {other}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains(file) && msg.contains("models/fetch.sh"),
            "{msg}"
        );
    }
}

#[test]
fn pytorch_weights_are_refused_with_a_reason() {
    let dir = tiny_dir();
    std::fs::rename(
        dir.path().join("model.safetensors"),
        dir.path().join("pytorch_model.bin"),
    )
    .unwrap();
    let err = load_err(dir.path());
    assert!(matches!(err, EmbedError::InvalidModel { .. }), "{err}");
    assert!(err.to_string().contains("safetensors"), "{err}");
}

#[test]
fn invalid_files_are_named() {
    let cases: &[(&str, &str, &str)] = &[
        ("config.json", "{ not json", "config.json"),
        (
            "config.json",
            r#"{"model_type": "gpt2", "hidden_size": 32}"#,
            "only BERT",
        ),
        ("tokenizer.json", r#"{"model": 3}"#, "tokenizer.json"),
        ("model.safetensors", "garbage", "model.safetensors"),
        (
            "1_Pooling/config.json",
            r#"{"word_embedding_dimension": 48, "pooling_mode_mean_tokens": true}"#,
            "word_embedding_dimension 48",
        ),
        (
            "1_Pooling/config.json",
            r#"{"pooling_mode_mean_tokens": false}"#,
            "no pooling mode",
        ),
        (
            "sentence_bert_config.json",
            r#"{"max_seq_length": "long"}"#,
            "sentence_bert_config.json",
        ),
    ];
    for (file, body, expect) in cases {
        let dir = tiny_dir();
        std::fs::write(dir.path().join(file), body).unwrap();
        let err = load_err(dir.path());
        let EmbedError::InvalidModel { path, .. } = &err else {
            panic!("{file}: expected InvalidModel, got {err}");
        };
        assert!(path.ends_with(file), "{err}");
        let msg = err.to_string();
        assert!(msg.contains(expect), "{file}: {msg}");
    }

    // A tokenizer with more tokens than the model's vocabulary.
    let dir = tiny_dir();
    let config_path = dir.path().join("config.json");
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&config_path).unwrap()).unwrap();
    config["vocab_size"] = 10.into();
    std::fs::write(&config_path, config.to_string()).unwrap();
    let err = load_err(dir.path());
    assert!(
        matches!(&err, EmbedError::InvalidModel { path, .. } if path.ends_with("tokenizer.json")),
        "{err}"
    );
    assert!(err.to_string().contains("vocab_size 10"), "{err}");

    // Weights that lack a tensor the configuration asks for.
    let dir = tiny_dir();
    let config_path = dir.path().join("config.json");
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&config_path).unwrap()).unwrap();
    config["num_hidden_layers"] = 3.into();
    std::fs::write(&config_path, config.to_string()).unwrap();
    let err = load_err(dir.path());
    assert!(
        matches!(&err, EmbedError::InvalidModel { path, .. } if path.ends_with("model.safetensors")),
        "{err}"
    );
}

#[test]
fn options_are_checked_and_defaults_are_sane() {
    let dir = tiny_dir();
    let err = Embedder::load(
        dir.path(),
        EmbedOptions {
            batch_size: 0,
            ..EmbedOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, EmbedError::InvalidOptions(_)), "{err}");
    let d = EmbedOptions::default();
    assert_eq!(
        (d.batch_size, d.threads, d.approximate_gelu),
        (32, 0, false)
    );
}

#[test]
fn sequence_length_defaults_and_is_capped_by_positions() {
    // Without sentence_bert_config.json: 256, capped by max_position_embeddings (16).
    let dir = tiny_dir();
    std::fs::remove_file(dir.path().join("sentence_bert_config.json")).unwrap();
    let e = load(dir.path(), 32);
    assert_eq!(e.max_seq_length(), 16);
    let v = e.embed(&[&"battery ".repeat(40), "the"]).unwrap();
    assert_eq!(v.len(), 2);
    // Without a pooling configuration: mean pooling.
    std::fs::remove_dir_all(dir.path().join("1_Pooling")).unwrap();
    assert_eq!(load(dir.path(), 32).pooling(), &[Pooling::Mean]);
}

/// The tiny model as XLM-RoBERTa numbers positions: its position table with
/// `pad_token_id + 1` (here 2) rows put in front, so that row `i + 2` is the
/// BERT model's row `i`. Both must give the same vectors.
#[test]
fn xlm_roberta_positions_start_after_the_padding_index() {
    let bert = tiny_dir();
    let xlmr = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(bert.path()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), xlmr.path().join(entry.file_name())).unwrap();
        }
    }
    std::fs::create_dir_all(xlmr.path().join("1_Pooling")).unwrap();
    std::fs::write(xlmr.path().join("1_Pooling/config.json"), MEAN_POOLING).unwrap();
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bert.path().join("config.json")).unwrap()).unwrap();
    config["model_type"] = "xlm-roberta".into();
    config["pad_token_id"] = 1.into();
    config["max_position_embeddings"] = 18.into();
    std::fs::write(xlmr.path().join("config.json"), config.to_string()).unwrap();
    let mut tensors =
        candle_core::safetensors::load(bert.path().join("model.safetensors"), &Device::Cpu)
            .unwrap();
    let name = "embeddings.position_embeddings.weight";
    let positions = tensors[name].clone();
    let front = candle_core::Tensor::ones((2, 32), DType::F32, &Device::Cpu).unwrap();
    tensors.insert(
        name.to_string(),
        candle_core::Tensor::cat(&[&front, &positions], 0).unwrap(),
    );
    candle_core::safetensors::save(&tensors, xlmr.path().join("model.safetensors")).unwrap();

    let (a, b) = (load(bert.path(), 4), load(xlmr.path(), 4));
    assert_eq!(b.max_seq_length(), MAX_SEQ_LENGTH);
    let texts: Vec<&str> = TEXTS.iter().copied().filter(|t| !t.is_empty()).collect();
    let (va, vb) = (a.embed(&texts).unwrap(), b.embed(&texts).unwrap());
    for (x, y) in va.iter().zip(&vb) {
        assert!(max_abs_diff(x, y) < 1e-6);
    }
    // Read as BERT, the same weights start at the rows put in front.
    config["model_type"] = "bert".into();
    std::fs::write(xlmr.path().join("config.json"), config.to_string()).unwrap();
    let as_bert = load(xlmr.path(), 4);
    assert!(max_abs_diff(&as_bert.embed_one(texts[0]).unwrap(), &vb[0]) > 1e-3);
    config["model_type"] = "xlm-roberta".into();
    std::fs::write(xlmr.path().join("config.json"), config.to_string()).unwrap();
    let err = Embedder::load(
        xlmr.path(),
        EmbedOptions {
            backend: Backend::Candle,
            ..EmbedOptions::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("BERT models only"), "{err}");
}
