//! Reading the configuration files of a sentence-transformers model directory.
//!
//! A sentence-transformers BERT model directory holds:
//! - `config.json`: the Hugging Face BERT configuration (sizes, activation);
//! - `tokenizer.json`: the Hugging Face `tokenizers` definition;
//! - `model.safetensors`: the weights;
//! - `sentence_bert_config.json`: `max_seq_length` (256 when absent);
//! - `modules.json` (optional): where the pooling module lives, `1_Pooling`
//!   when absent;
//! - `<pooling dir>/config.json`: the pooling modes (mean pooling when absent).

use std::path::{Path, PathBuf};

use candle_transformers::models::bert;
use serde::Deserialize;

use crate::error::EmbedError;
use crate::pooling::Pooling;

/// The sequence length used when `sentence_bert_config.json` is absent or
/// does not say.
pub(crate) const DEFAULT_MAX_SEQ_LENGTH: usize = 256;

/// Reads a file the model needs, mapping "not found" to [`EmbedError::MissingFile`].
pub(crate) fn read_required(path: &Path) -> Result<Vec<u8>, EmbedError> {
    std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            EmbedError::MissingFile {
                path: path.to_path_buf(),
            }
        } else {
            EmbedError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

/// Reads an optional file: `None` when it does not exist.
fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, EmbedError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(EmbedError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn invalid(path: &Path, reason: impl std::fmt::Display) -> EmbedError {
    EmbedError::InvalidModel {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

fn parse_json<T: for<'de> Deserialize<'de>>(path: &Path, bytes: &[u8]) -> Result<T, EmbedError> {
    serde_json::from_slice(bytes).map_err(|e| invalid(path, e))
}

/// The encoder families `config.json` may name. Both are the same BERT
/// encoder; they differ in where positions start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Architecture {
    /// `model_type` "bert" (or absent): positions 0, 1, 2, ...
    Bert,
    /// `model_type` "xlm-roberta" (and "roberta"): positions start after the
    /// padding index (`pad_token_id + 1`), as fairseq numbered them; one
    /// token type.
    XlmRoberta,
}

/// A model's `config.json`: candle's BERT configuration and the family.
#[derive(Debug, Clone)]
pub(crate) struct ModelConfig {
    pub(crate) bert: bert::Config,
    pub(crate) architecture: Architecture,
}

impl ModelConfig {
    /// The row of the position table the first token reads.
    pub(crate) fn position_offset(&self) -> usize {
        match self.architecture {
            Architecture::Bert => 0,
            Architecture::XlmRoberta => self.bert.pad_token_id + 1,
        }
    }

    /// The longest token sequence the position table covers.
    pub(crate) fn max_sequence(&self) -> usize {
        self.bert
            .max_position_embeddings
            .saturating_sub(self.position_offset())
    }
}

/// Reads `config.json` as a BERT or XLM-RoBERTa configuration.
///
/// Activation names that Hugging Face uses for the tanh approximation of GELU
/// (`gelu_new`, `gelu_pytorch_tanh`, `gelu_fast`) are read as candle's
/// `gelu_approximate`.
pub(crate) fn read_model_config(dir: &Path) -> Result<ModelConfig, EmbedError> {
    let path = dir.join("config.json");
    let bytes = read_required(&path)?;
    let mut value: serde_json::Value = parse_json(&path, &bytes)?;
    let architecture = match value.get("model_type").and_then(|v| v.as_str()) {
        None | Some("bert") => Architecture::Bert,
        Some("xlm-roberta" | "roberta") => Architecture::XlmRoberta,
        Some(model_type) => {
            return Err(invalid(
                &path,
                format!(
                    "model_type is {model_type:?}; only BERT (\"bert\") and XLM-RoBERTa (\"xlm-roberta\") encoders are supported"
                ),
            ));
        }
    };
    if let Some(act) = value.get_mut("hidden_act") {
        if matches!(
            act.as_str(),
            Some("gelu_new" | "gelu_pytorch_tanh" | "gelu_fast")
        ) {
            *act = serde_json::Value::from("gelu_approximate");
        }
    }
    let config: bert::Config = serde_json::from_value(value).map_err(|e| invalid(&path, e))?;
    if config.hidden_size == 0
        || config.num_attention_heads == 0
        || !config
            .hidden_size
            .is_multiple_of(config.num_attention_heads)
    {
        return Err(invalid(
            &path,
            format!(
                "hidden_size {} is not a positive multiple of num_attention_heads {}",
                config.hidden_size, config.num_attention_heads
            ),
        ));
    }
    let model = ModelConfig {
        bert: config,
        architecture,
    };
    if model.max_sequence() < 2 {
        return Err(invalid(
            &path,
            "max_position_embeddings must leave at least 2 positions",
        ));
    }
    Ok(model)
}

/// The prompts a model prepends to queries and to passages (empty for
/// models trained without them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prompts {
    /// Prepended to a search query ("query: " for the E5 models).
    pub query: String,
    /// Prepended to a text that is searched ("passage: " for E5).
    pub passage: String,
}

#[derive(Debug, Deserialize)]
struct SentenceTransformersConfig {
    #[serde(default)]
    prompts: std::collections::HashMap<String, String>,
}

/// Reads the prompts of `config_sentence_transformers.json` (as
/// sentence-transformers stores them): "query", and "passage" or "document".
pub(crate) fn read_prompts(dir: &Path) -> Result<Prompts, EmbedError> {
    let path = dir.join("config_sentence_transformers.json");
    let Some(bytes) = read_optional(&path)? else {
        return Ok(Prompts::default());
    };
    let config: SentenceTransformersConfig = parse_json(&path, &bytes)?;
    let prompt = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| config.prompts.get(*n).cloned())
            .unwrap_or_default()
    };
    Ok(Prompts {
        query: prompt(&["query"]),
        passage: prompt(&["passage", "document"]),
    })
}

#[derive(Debug, Deserialize)]
struct SentenceBertConfig {
    max_seq_length: Option<usize>,
}

/// Reads `max_seq_length` from `sentence_bert_config.json` (256 when the file
/// or the field is absent).
pub(crate) fn read_max_seq_length(dir: &Path) -> Result<usize, EmbedError> {
    let path = dir.join("sentence_bert_config.json");
    let Some(bytes) = read_optional(&path)? else {
        tracing::debug!(path = %path.display(), "absent: max_seq_length {DEFAULT_MAX_SEQ_LENGTH}");
        return Ok(DEFAULT_MAX_SEQ_LENGTH);
    };
    let config: SentenceBertConfig = parse_json(&path, &bytes)?;
    match config.max_seq_length {
        Some(0) => Err(invalid(&path, "max_seq_length must be at least 1")),
        Some(n) => Ok(n),
        None => Ok(DEFAULT_MAX_SEQ_LENGTH),
    }
}

#[derive(Debug, Deserialize)]
struct Module {
    path: String,
    #[serde(rename = "type")]
    kind: String,
}

/// Where the pooling configuration lives: the `Pooling` module of
/// `modules.json`, else `1_Pooling/config.json`.
fn pooling_config_path(dir: &Path) -> Result<PathBuf, EmbedError> {
    let modules_path = dir.join("modules.json");
    if let Some(bytes) = read_optional(&modules_path)? {
        let modules: Vec<Module> = parse_json(&modules_path, &bytes)?;
        if let Some(m) = modules.iter().find(|m| m.kind.ends_with(".Pooling")) {
            return Ok(dir.join(&m.path).join("config.json"));
        }
    }
    Ok(dir.join("1_Pooling").join("config.json"))
}

#[derive(Debug, Deserialize)]
struct PoolingConfig {
    word_embedding_dimension: Option<usize>,
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
    #[serde(default)]
    pooling_mode_weightedmean_tokens: bool,
    #[serde(default)]
    pooling_mode_lasttoken: bool,
}

/// Reads the pooling modes. Mean pooling when the file is absent (what
/// sentence-transformers does for a plain transformer directory).
pub(crate) fn read_pooling(dir: &Path, hidden_size: usize) -> Result<Vec<Pooling>, EmbedError> {
    let path = pooling_config_path(dir)?;
    let Some(bytes) = read_optional(&path)? else {
        tracing::warn!(path = %path.display(), "no pooling configuration: using mean pooling");
        return Ok(vec![Pooling::Mean]);
    };
    let config: PoolingConfig = parse_json(&path, &bytes)?;
    if let Some(dim) = config.word_embedding_dimension {
        if dim != hidden_size {
            return Err(invalid(
                &path,
                format!("word_embedding_dimension {dim} differs from the model's hidden_size {hidden_size}"),
            ));
        }
    }
    if config.pooling_mode_weightedmean_tokens || config.pooling_mode_lasttoken {
        return Err(invalid(
            &path,
            "weighted-mean and last-token pooling are not supported (only cls, mean, max, mean_sqrt_len)",
        ));
    }
    // The order sentence-transformers concatenates the modes in.
    let modes: Vec<Pooling> = [
        (config.pooling_mode_cls_token, Pooling::Cls),
        (config.pooling_mode_max_tokens, Pooling::Max),
        (config.pooling_mode_mean_tokens, Pooling::Mean),
        (
            config.pooling_mode_mean_sqrt_len_tokens,
            Pooling::MeanSqrtLen,
        ),
    ]
    .into_iter()
    .filter_map(|(on, mode)| on.then_some(mode))
    .collect();
    if modes.is_empty() {
        return Err(invalid(&path, "no pooling mode is enabled"));
    }
    Ok(modes)
}
