//! The container's tensors as f32 weights under Hugging Face `BertModel`
//! names, Q4_0 blocks dequantised.

use rayon::prelude::*;

use super::container::{f32s, Container, Header, DTYPE_F32, DTYPE_Q4_0, Q4_BLOCK, Q4_BLOCK_BYTES};

/// Dequantises Q4_0 blocks into little-endian f32 bytes.
pub(super) fn dequantise_q4_0(blocks: &[u8], out: &mut [u8]) {
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
pub(super) fn tensor_plan(h: &Header) -> Vec<(String, String, Vec<usize>, u8)> {
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
pub(super) struct Weight {
    pub(super) name: String,
    pub(super) shape: Vec<usize>,
    pub(super) bytes: Vec<u8>,
}

/// The weights, dequantised.
pub(super) fn weights(c: &Container<'_>) -> Result<Vec<Weight>, String> {
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
