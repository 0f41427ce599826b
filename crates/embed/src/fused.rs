//! The BERT encoder's forward pass on plain f32 buffers: the fast path of the
//! embedder.
//!
//! candle's `BertModel` builds a tensor per operation (reshapes, transposes,
//! copies, a fresh allocation each time) and pads every batch to its longest
//! text, which costs several times the arithmetic on a CPU (benches/README.md,
//! "Figures behind the code's choices"). This pass does
//! the same computation with the weights candle loaded, but:
//! - the tokens of all texts of a batch are concatenated without padding: the
//!   linear layers see one `tokens x hidden` matrix, attention runs per text on
//!   its own length (so a text's vector does not depend on its batch mates);
//! - the query, key and value projections are one product with a fused
//!   `hidden x 3*hidden` weight; biases and residuals are folded into the
//!   products (the destination starts as bias or residual + bias and the
//!   product is accumulated into it);
//! - attention reads heads in place through strides (no transposes);
//! - GELU, softmax and layer norm are vectorised (see `kernels`);
//! - scratch buffers are allocated once per batch.
//!
//! The matrix products are `gemm`'s, as in candle. The embedding test checks
//! this pass against independent reference vectors, and a unit test checks it
//! against candle's `BertModel` on a random tiny model.

use std::collections::HashMap;

use candle_core::Tensor;
use candle_transformers::models::bert::{Config, HiddenAct};

use crate::kernels::{self, Activation};
use crate::matmul::{matmul, MatMut, MatRef, Parallelism};
use crate::skinny;

/// Rows per chunk of the feed-forward block: 256 x 1536 floats (1.5 MiB for
/// MiniLM) of intermediate activations, about what a core's L2 cache holds.
const FEED_FORWARD_ROWS: usize = 256;

/// A linear layer's weight, `inputs x outputs` row-major (input-major) for
/// `gemm`, and packed again for the few-rows kernel of short texts.
struct Linear {
    inputs: usize,
    outputs: usize,
    weight: Vec<f32>,
    panels: skinny::Panels,
}

impl Linear {
    fn new(weight: Vec<f32>, inputs: usize, outputs: usize) -> Self {
        let panels = skinny::Panels::new(&weight, inputs, outputs);
        Self {
            inputs,
            outputs,
            weight,
            panels,
        }
    }
}

struct Layer {
    /// `[hidden, 3 * hidden]`: query | key | value weights.
    qkv_weight: Linear,
    qkv_bias: Vec<f32>,
    /// `[hidden, hidden]`.
    attention_out_weight: Linear,
    attention_out_bias: Vec<f32>,
    attention_norm: (Vec<f32>, Vec<f32>),
    /// `[hidden, intermediate]`.
    up_weight: Linear,
    up_bias: Vec<f32>,
    /// `[intermediate, hidden]`.
    down_weight: Linear,
    down_bias: Vec<f32>,
    output_norm: (Vec<f32>, Vec<f32>),
}

/// A BERT encoder ready for [`FusedBert::forward`].
pub(crate) struct FusedBert {
    hidden: usize,
    heads: usize,
    intermediate: usize,
    max_positions: usize,
    /// The position-table row of a sequence's first token (XLM-RoBERTa
    /// counts positions from `padding_idx + 1`).
    position_offset: usize,
    eps: f32,
    activation: Activation,
    word_embeddings: Vec<f32>,
    vocab_size: usize,
    position_embeddings: Vec<f32>,
    token_type_embedding: Vec<f32>,
    embedding_norm: (Vec<f32>, Vec<f32>),
    layers: Vec<Layer>,
    /// The instruction set of the hand-written kernels (`gemm` picks its
    /// own).
    arch: pulp::Arch,
}

/// Why the weights cannot be used.
pub(crate) type LoadError = String;

struct Weights<'a> {
    tensors: &'a HashMap<String, Tensor>,
    prefix: &'static str,
}

impl Weights<'_> {
    fn get(&self, name: &str) -> Result<&Tensor, LoadError> {
        self.tensors
            .get(&format!("{}{name}", self.prefix))
            .ok_or_else(|| format!("the weights have no tensor {}{name}", self.prefix))
    }

    fn vector(&self, name: &str, len: usize) -> Result<Vec<f32>, LoadError> {
        let t = self.get(name)?;
        let v = t
            .flatten_all()
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(|e| format!("{name}: {e}"))?;
        if v.len() != len {
            return Err(format!("{name} has {} values, expected {len}", v.len()));
        }
        Ok(v)
    }

    /// A `[rows, cols]` matrix, row-major.
    fn matrix(&self, name: &str, rows: usize, cols: usize) -> Result<Vec<f32>, LoadError> {
        let t = self.get(name)?;
        if t.dims() != [rows, cols] {
            return Err(format!(
                "{name} has shape {:?}, expected [{rows}, {cols}]",
                t.dims()
            ));
        }
        t.flatten_all()
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(|e| format!("{name}: {e}"))
    }

    /// A linear layer's `[out, in]` weight, returned input-major (`[in, out]`).
    fn linear_weight(
        &self,
        name: &str,
        inputs: usize,
        outputs: usize,
    ) -> Result<Vec<f32>, LoadError> {
        let w = self.matrix(name, outputs, inputs)?;
        let mut t = vec![0.0f32; inputs * outputs];
        for o in 0..outputs {
            for i in 0..inputs {
                t[i * outputs + o] = w[o * inputs + i];
            }
        }
        Ok(t)
    }

    fn norm(&self, name: &str, len: usize) -> Result<(Vec<f32>, Vec<f32>), LoadError> {
        let gamma = self
            .vector(&format!("{name}.weight"), len)
            .or_else(|_| self.vector(&format!("{name}.gamma"), len))?;
        let beta = self
            .vector(&format!("{name}.bias"), len)
            .or_else(|_| self.vector(&format!("{name}.beta"), len))?;
        Ok((gamma, beta))
    }
}

impl FusedBert {
    /// Builds the encoder from f32 weight tensors named as in Hugging Face's
    /// `BertModel` (with or without the `bert.` prefix).
    pub(crate) fn new(
        tensors: &HashMap<String, Tensor>,
        config: &Config,
        position_offset: usize,
        activation: Activation,
        arch: pulp::Arch,
    ) -> Result<FusedBert, LoadError> {
        let linear = Linear::new;
        let prefix = if tensors.contains_key("embeddings.word_embeddings.weight") {
            ""
        } else {
            "bert."
        };
        let w = Weights { tensors, prefix };
        let h = config.hidden_size;
        let heads = config.num_attention_heads;
        if heads == 0 || !h.is_multiple_of(heads) {
            return Err(format!(
                "hidden_size {h} is not a multiple of num_attention_heads {heads}"
            ));
        }
        let inter = config.intermediate_size;
        let word_embeddings =
            w.matrix("embeddings.word_embeddings.weight", config.vocab_size, h)?;
        let position_embeddings = w.matrix(
            "embeddings.position_embeddings.weight",
            config.max_position_embeddings,
            h,
        )?;
        let token_types = w.matrix(
            "embeddings.token_type_embeddings.weight",
            config.type_vocab_size.max(1),
            h,
        )?;
        let mut layers = Vec::with_capacity(config.num_hidden_layers);
        for l in 0..config.num_hidden_layers {
            let p = format!("encoder.layer.{l}");
            let q = w.linear_weight(&format!("{p}.attention.self.query.weight"), h, h)?;
            let k = w.linear_weight(&format!("{p}.attention.self.key.weight"), h, h)?;
            let v = w.linear_weight(&format!("{p}.attention.self.value.weight"), h, h)?;
            let mut qkv_weight = Vec::with_capacity(3 * h * h);
            for i in 0..h {
                qkv_weight.extend_from_slice(&q[i * h..(i + 1) * h]);
                qkv_weight.extend_from_slice(&k[i * h..(i + 1) * h]);
                qkv_weight.extend_from_slice(&v[i * h..(i + 1) * h]);
            }
            let mut qkv_bias = w.vector(&format!("{p}.attention.self.query.bias"), h)?;
            qkv_bias.extend(w.vector(&format!("{p}.attention.self.key.bias"), h)?);
            qkv_bias.extend(w.vector(&format!("{p}.attention.self.value.bias"), h)?);
            layers.push(Layer {
                qkv_weight: linear(qkv_weight, h, 3 * h),
                qkv_bias,
                attention_out_weight: linear(
                    w.linear_weight(&format!("{p}.attention.output.dense.weight"), h, h)?,
                    h,
                    h,
                ),
                attention_out_bias: w.vector(&format!("{p}.attention.output.dense.bias"), h)?,
                attention_norm: w.norm(&format!("{p}.attention.output.LayerNorm"), h)?,
                up_weight: linear(
                    w.linear_weight(&format!("{p}.intermediate.dense.weight"), h, inter)?,
                    h,
                    inter,
                ),
                up_bias: w.vector(&format!("{p}.intermediate.dense.bias"), inter)?,
                down_weight: linear(
                    w.linear_weight(&format!("{p}.output.dense.weight"), inter, h)?,
                    inter,
                    h,
                ),
                down_bias: w.vector(&format!("{p}.output.dense.bias"), h)?,
                output_norm: w.norm(&format!("{p}.output.LayerNorm"), h)?,
            });
        }
        Ok(FusedBert {
            hidden: h,
            heads,
            intermediate: inter,
            max_positions: config.max_position_embeddings,
            position_offset,
            eps: config.layer_norm_eps as f32,
            activation,
            word_embeddings,
            vocab_size: config.vocab_size,
            position_embeddings,
            token_type_embedding: token_types[..h].to_vec(),
            embedding_norm: w.norm("embeddings.LayerNorm", h)?,
            layers,
            arch,
        })
    }

    /// The activation that `config.hidden_act` names.
    pub(crate) fn activation_of(act: HiddenAct) -> Activation {
        match act {
            HiddenAct::Gelu => Activation::Gelu,
            HiddenAct::GeluApproximate => Activation::GeluTanh,
            HiddenAct::Relu => Activation::Relu,
        }
    }

    /// The last hidden states of every token of every sequence, concatenated
    /// (`sum of lengths x hidden`, row-major). Sequences must be non-empty,
    /// no longer than the model's positions, with ids inside the vocabulary.
    /// Runs on the calling thread.
    pub(crate) fn forward(&self, sequences: &[&[u32]]) -> Vec<f32> {
        // `dst (rows x outputs) += x (rows x inputs) * weight`, row-major.
        let linear = |dst: &mut [f32], x: &[f32], w: &Linear, rows: usize| {
            let (k, n) = (w.inputs, w.outputs);
            if rows <= skinny::MAX_ROWS {
                skinny::matmul_accumulate(dst, x, &w.panels, rows, self.arch);
            } else {
                matmul(
                    MatMut::row_major(dst, rows, n),
                    MatRef::row_major(x, rows, k),
                    MatRef::row_major(&w.weight, k, n),
                    true,
                    1.0,
                    Parallelism::None,
                );
            }
        };
        let h = self.hidden;
        let inter = self.intermediate;
        let total: usize = sequences.iter().map(|s| s.len()).sum();
        let longest = sequences.iter().map(|s| s.len()).max().unwrap_or(0);
        assert!(
            longest + self.position_offset <= self.max_positions,
            "sequence longer than the model's positions"
        );

        let mut x = vec![0.0f32; total * h];
        let mut row = 0;
        for seq in sequences {
            for (pos, &id) in seq.iter().enumerate() {
                let id = (id as usize).min(self.vocab_size - 1);
                let out = &mut x[row * h..(row + 1) * h];
                let word = &self.word_embeddings[id * h..(id + 1) * h];
                let pos = pos + self.position_offset;
                let position = &self.position_embeddings[pos * h..(pos + 1) * h];
                for (((o, a), b), c) in out
                    .iter_mut()
                    .zip(word)
                    .zip(position)
                    .zip(&self.token_type_embedding)
                {
                    *o = a + b + c;
                }
                row += 1;
            }
        }
        let (gamma, beta) = &self.embedding_norm;
        kernels::layer_norm_rows(&mut x, gamma, beta, self.eps, self.arch);

        let mut qkv = vec![0.0f32; total * 3 * h];
        let mut context = vec![0.0f32; total * h];
        let mut residual = vec![0.0f32; total * h];
        let mut up = vec![0.0f32; total.min(FEED_FORWARD_ROWS) * inter];
        let mut scores = vec![0.0f32; longest * longest];
        let head_dim = h / self.heads;
        let scale = 1.0 / (head_dim as f32).sqrt();

        for layer in &self.layers {
            kernels::fill_rows(&mut qkv, &layer.qkv_bias);
            linear(&mut qkv, &x, &layer.qkv_weight, total);

            let mut start = 0;
            for seq in sequences {
                let len = seq.len();
                let block = &qkv[start * 3 * h..(start + len) * 3 * h];
                let scores = &mut scores[..len * len];
                for head in 0..self.heads {
                    let q = MatRef::new(&block[head * head_dim..], len, head_dim, 3 * h, 1);
                    let k = MatRef::new(&block[h + head * head_dim..], len, head_dim, 3 * h, 1);
                    let v = MatRef::new(&block[2 * h + head * head_dim..], len, head_dim, 3 * h, 1);
                    matmul(
                        MatMut::row_major(scores, len, len),
                        q,
                        k.t(),
                        false,
                        scale,
                        Parallelism::None,
                    );
                    kernels::softmax_rows(scores, len, self.arch);
                    matmul(
                        MatMut::new(
                            &mut context[start * h + head * head_dim..],
                            len,
                            head_dim,
                            h,
                            1,
                        ),
                        MatRef::row_major(scores, len, len),
                        v,
                        false,
                        1.0,
                        Parallelism::None,
                    );
                }
                start += len;
            }

            kernels::add_bias_into(&mut residual, &x, &layer.attention_out_bias, self.arch);
            linear(&mut residual, &context, &layer.attention_out_weight, total);
            let (gamma, beta) = &layer.attention_norm;
            kernels::layer_norm_rows(&mut residual, gamma, beta, self.eps, self.arch);
            std::mem::swap(&mut x, &mut residual);

            // The feed-forward block runs on chunks of rows so that its wide
            // intermediate activations stay in cache between the two products
            // and the activation (a whole batch's would be tens of megabytes).
            kernels::add_bias_into(&mut residual, &x, &layer.down_bias, self.arch);
            for (rows_x, rows_out) in x
                .chunks(FEED_FORWARD_ROWS * h)
                .zip(residual.chunks_mut(FEED_FORWARD_ROWS * h))
            {
                let rows = rows_x.len() / h;
                let up = &mut up[..rows * inter];
                kernels::fill_rows(up, &layer.up_bias);
                linear(up, rows_x, &layer.up_weight, rows);
                kernels::activate(up, self.activation, self.arch);
                linear(rows_out, up, &layer.down_weight, rows);
            }
            let (gamma, beta) = &layer.output_norm;
            kernels::layer_norm_rows(&mut residual, gamma, beta, self.eps, self.arch);
            std::mem::swap(&mut x, &mut residual);
        }
        x
    }
}
