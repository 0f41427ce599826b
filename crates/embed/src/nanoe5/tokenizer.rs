//! The Hugging Face `tokenizer.json` of the container's Unigram pieces and
//! normalisation rules.

use base64::Engine as _;
use serde_json::{json, Value};

use super::container::Vocabulary;

/// Compiles single-codepoint rules into a SentencePiece `precompiled_charsmap`:
/// a little-endian u32 trie size, the darts-clone double array over the
/// UTF-8 bytes of each codepoint (values: offsets into the replacements),
/// then the NUL-terminated replacements.
pub(super) fn compile_charsmap(rules: &[(char, String)]) -> Result<Vec<u8>, String> {
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
pub(super) fn tokenizer_json(v: &Vocabulary, rules: &[(char, String)]) -> Result<Value, String> {
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
