#!/usr/bin/env python3
"""Peer benchmark: all-MiniLM-L6-v2 on onnxruntime (fp32, CPU, fused contrib ops).

Builds an ONNX graph straight from the model's safetensors weights with onnxruntime's
fused "com.microsoft" ops (EmbedLayerNormalization, Attention, SkipLayerNormalization,
BiasGelu), checks it against ../shared/eval/embedding-reference, then measures:

- throughput over the 512 texts of ../shared/bench/abstracts-512.jsonl (truncation at 256,
  length-sorted batches of 32 padded to each batch's longest; tokens counted without padding,
  [CLS]/[SEP] included; tokenisation, pooling and normalisation included), best of 3 passes
  after a warm-up pass;
- single-query latency of a 12-token query (10 warm-up, 1,000 runs), p50/p99, with and
  without tokenisation.

Run from the project root:
    python3 -m venv target/peer-venv
    target/peer-venv/bin/pip install -r benches/peer/requirements.txt
    target/peer-venv/bin/python benches/peer/onnxruntime_peer.py

Options: --threads N (default 2), --batch N (default 32), --check-only (correctness only),
--quick (a short run: 64 texts, 1 pass, 100 queries; for development, figures not comparable).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import load_file
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "models" / "all-MiniLM-L6-v2"
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "eval" / "embedding-reference" / "reference.jsonl"
ABSTRACTS = SHARED / "bench" / "abstracts-512.jsonl"
ONNX_OUT = ROOT / "target" / "peer-model.onnx"

HIDDEN = 384
HEADS = 12
INTERMEDIATE = 1536
LAYERS = 6
EPS = 1e-12
MAX_LEN = 256
QUERY = "semantic search for patent claims about lithium battery cooling systems"


def load_average():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


# --------------------------------------------------------------------------- graph


def build_graph(weights):
    """The BERT encoder as an ONNX graph of fused onnxruntime contrib ops.

    Inputs: input_ids, segment_ids, attention_mask, all int32 [batch, seq] (right padding).
    Output: last_hidden_state float32 [batch, seq, 384].
    """
    prefix = "bert." if "bert.embeddings.word_embeddings.weight" in weights else ""

    def w(name):
        return np.ascontiguousarray(weights[prefix + name].astype(np.float32))

    inits = []
    nodes = []

    def init(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    ms = "com.microsoft"

    def dense_skip_layer_norm(input_, residual, prefix_, output, tag):
        """`prefix_.dense` (MatMul; its bias folded into the next node), then
        SkipLayerNormalization: + bias + residual, LayerNorm `prefix_.LayerNorm`."""
        nodes.append(
            helper.make_node(
                "MatMul",
                [input_, init(f"{tag}_w", w(prefix_ + ".dense.weight").T)],
                [f"{tag}_mm"],
                name=f"MatMul_{tag}",
            )
        )
        nodes.append(
            helper.make_node(
                "SkipLayerNormalization",
                inputs=[
                    f"{tag}_mm",
                    residual,
                    init(f"{tag}_ln_g", w(prefix_ + ".LayerNorm.weight")),
                    init(f"{tag}_ln_b", w(prefix_ + ".LayerNorm.bias")),
                    init(f"{tag}_bias", w(prefix_ + ".dense.bias")),
                ],
                outputs=[output],
                domain=ms,
                epsilon=EPS,
                name=f"SkipLayerNorm_{tag}",
            )
        )

    # Embeddings + LayerNorm; mask_index (1D: each row's number of real tokens) for Attention.
    nodes.append(
        helper.make_node(
            "EmbedLayerNormalization",
            inputs=[
                "input_ids",
                "segment_ids",
                init("word_embeddings", w("embeddings.word_embeddings.weight")),
                init("position_embeddings", w("embeddings.position_embeddings.weight")),
                init("segment_embeddings", w("embeddings.token_type_embeddings.weight")),
                init("emb_ln_gamma", w("embeddings.LayerNorm.weight")),
                init("emb_ln_beta", w("embeddings.LayerNorm.bias")),
                "attention_mask",
            ],
            outputs=["emb_out", "mask_index"],
            domain=ms,
            epsilon=EPS,
            name="EmbedLayerNorm",
        )
    )

    x = "emb_out"
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        # Fused QKV: weight [in, 3*out] (safetensors stores [out, in]), bias [3*out].
        qkv_w = np.concatenate(
            [w(p + f"attention.self.{n}.weight").T for n in ("query", "key", "value")], axis=1
        )
        qkv_b = np.concatenate([w(p + f"attention.self.{n}.bias") for n in ("query", "key", "value")])
        nodes.append(
            helper.make_node(
                "Attention",
                inputs=[x, init(f"l{i}_qkv_w", qkv_w), init(f"l{i}_qkv_b", qkv_b), "mask_index"],
                outputs=[f"l{i}_attn"],
                domain=ms,
                num_heads=HEADS,
                name=f"Attention_{i}",
            )
        )
        # Attention output projection, + bias + residual + LayerNorm.
        dense_skip_layer_norm(f"l{i}_attn", x, p + "attention.output", f"l{i}_ln1", f"attn_{i}")
        # Intermediate: MatMul + BiasGelu (exact erf GELU).
        nodes.append(
            helper.make_node(
                "MatMul",
                [f"l{i}_ln1", init(f"l{i}_in_w", w(p + "intermediate.dense.weight").T)],
                [f"l{i}_in_mm"],
                name=f"MatMul_inter_{i}",
            )
        )
        nodes.append(
            helper.make_node(
                "BiasGelu",
                [f"l{i}_in_mm", init(f"l{i}_in_b", w(p + "intermediate.dense.bias"))],
                [f"l{i}_gelu"],
                domain=ms,
                name=f"BiasGelu_{i}",
            )
        )
        # Output projection, + bias + residual + LayerNorm.
        out = "last_hidden_state" if i == LAYERS - 1 else f"l{i}_ln2"
        dense_skip_layer_norm(f"l{i}_gelu", f"l{i}_ln1", p + "output", out, f"out_{i}")
        x = out

    ids = lambda n: helper.make_tensor_value_info(n, TensorProto.INT32, ["batch", "seq"])
    graph = helper.make_graph(
        nodes,
        "all-MiniLM-L6-v2-fused",
        inputs=[ids("input_ids"), ids("segment_ids"), ids("attention_mask")],
        outputs=[
            helper.make_tensor_value_info(
                "last_hidden_state", TensorProto.FLOAT, ["batch", "seq", HIDDEN]
            )
        ],
        initializer=inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
        producer_name="patsearch-peer-bench",
    )
    model.ir_version = 8
    return model


# --------------------------------------------------------------------------- embedding


class Embedder:
    def __init__(self, model_path, threads):
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(
            str(model_path), opts, providers=["CPUExecutionProvider"]
        )
        self.tok = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
        # tokenizer.json ships with truncation 128 and fixed padding to 128: replace both.
        self.tok.no_padding()
        self.tok.enable_truncation(max_length=MAX_LEN)

    def tokenize(self, texts):
        return [e.ids for e in self.tok.encode_batch(texts)]

    def tokenize_one(self, text):
        return self.tok.encode(text).ids

    def embed_ids(self, batch):
        """Embeds lists of token ids (one batch, right-padded to its longest)."""
        seq = max(len(ids) for ids in batch)
        input_ids = np.zeros((len(batch), seq), dtype=np.int32)
        mask = np.zeros((len(batch), seq), dtype=np.int32)
        for r, ids in enumerate(batch):
            input_ids[r, : len(ids)] = ids
            mask[r, : len(ids)] = 1
        (hidden,) = self.session.run(
            None,
            {
                "input_ids": input_ids,
                "segment_ids": np.zeros_like(input_ids),
                "attention_mask": mask,
            },
        )
        # Mean pooling over the attention mask, then L2 normalisation.
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


# --------------------------------------------------------------------------- checks


def check(embedder, batch_size):
    refs = [json.loads(l) for l in REFERENCE.read_text().splitlines() if l.strip()]
    texts = [r["text"] for r in refs]
    ids = embedder.tokenize(texts)
    mismatched = [r["id"] for r, got in zip(refs, ids) if got != r["token_ids"]]
    print(
        f"token ids: {len(refs) - len(mismatched)}/{len(refs)} identical"
        + (f" (mismatched: {', '.join(mismatched)})" if mismatched else "")
    )
    ref = np.array([r["embedding"] for r in refs], dtype=np.float64)
    ref /= np.linalg.norm(ref, axis=1, keepdims=True)

    # One text at a time (no padding), from the reference's own token ids.
    one = np.concatenate([embedder.embed_ids([r["token_ids"]]) for r in refs])
    # Padded batches of batch_size in reference order (lengths mixed: up to 256 tokens,
    # so most rows carry padding).
    batched = np.concatenate(
        [
            embedder.embed_ids([r["token_ids"] for r in refs[s : s + batch_size]])
            for s in range(0, len(refs), batch_size)
        ]
    )
    results = {}
    for name, got in (("one at a time", one), (f"padded batches of {batch_size}", batched)):
        cos = (got.astype(np.float64) * ref).sum(axis=1) / np.linalg.norm(got, axis=1)
        worst = int(np.argmin(cos))
        results[name] = float(cos.min())
        print(
            f"cosine vs reference, {name}: min {cos.min():.7f} ({refs[worst]['id']}, "
            f"{refs[worst]['kind']}), mean {cos.mean():.7f}"
        )
    ok = not mismatched and min(results.values()) >= 0.9999
    print("correctness:", "PASS (ids identical, min cosine >= 0.9999)" if ok else "FAIL")
    return ok


# --------------------------------------------------------------------------- benchmarks


def throughput(embedder, texts, batch_size, passes):
    lens = [len(ids) for ids in embedder.tokenize(texts)]
    tokens = sum(lens)
    order = sorted(range(len(texts)), key=lambda i: lens[i])
    sorted_texts = [texts[i] for i in order]
    batches = [sorted_texts[s : s + batch_size] for s in range(0, len(texts), batch_size)]
    padded = sum(max(lens[i] for i in order[s : s + batch_size]) * len(order[s : s + batch_size])
                 for s in range(0, len(texts), batch_size))

    def one_pass(tokenize):
        """(wall seconds, this process's CPU seconds) of one pass over all batches."""
        pre = None if tokenize else [embedder.tokenize(b) for b in batches]
        cpu = time.process_time()
        t = time.perf_counter()
        for bi, b in enumerate(batches):
            ids = embedder.tokenize(b) if tokenize else pre[bi]
            embedder.embed_ids(ids)
        return time.perf_counter() - t, time.process_time() - cpu

    one_pass(True)  # warm-up
    runs = [one_pass(True) for _ in range(passes)]
    best, best_cpu = min(r[0] for r in runs), min(r[1] for r in runs)
    best_model = min(one_pass(False)[0] for _ in range(passes))
    print(
        f"throughput: {len(texts)} texts, {tokens} tokens (mean {tokens / len(texts):.1f} per text, "
        f"{padded} with padding), batches of {batch_size}, best of {passes} after 1 warm-up"
    )
    print(
        f"  tokenisation included: {tokens / best:,.0f} tokens/s, {len(texts) / best:,.1f} docs/s "
        f"({best:.3f} s per pass)"
    )
    print(
        f"  model + pooling only:  {tokens / best_model:,.0f} tokens/s, "
        f"{len(texts) / best_model:,.1f} docs/s ({best_model:.3f} s per pass)"
    )
    print(
        f"  per CPU second of this process (tokenisation included): {tokens / best_cpu:,.0f} tokens/s "
        f"({best_cpu:.3f} CPU s per pass, all threads; as benches/embed.rs prints it)"
    )


def latency(embedder, query, warmup, runs):
    ids = embedder.tokenize_one(query)
    print(f"query latency: {query!r} -> {len(ids)} token ids (CLS/SEP included)")

    def measure(tokenize):
        times = []
        for k in range(warmup + runs):
            t = time.perf_counter()
            embedder.embed_ids([embedder.tokenize_one(query) if tokenize else ids])
            if k >= warmup:
                times.append(time.perf_counter() - t)
        t = np.array(times) * 1e3
        return np.percentile(t, 50), np.percentile(t, 99)

    for label, tokenize in (("tokenisation included", True), ("model + pooling only", False)):
        p50, p99 = measure(tokenize)
        print(f"  {label}: p50 {p50:.3f} ms, p99 {p99:.3f} ms ({warmup} warm-up, {runs} runs)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--check-only", action="store_true")
    ap.add_argument("--quick", action="store_true", help="short development run, figures not comparable")
    args = ap.parse_args()

    print(f"load average at start: {load_average()} (1/5/15 min; {os.cpu_count()} CPUs)")
    print(f"onnxruntime {ort.__version__}, onnx {onnx.__version__}, numpy {np.__version__}, "
          f"python {sys.version.split()[0]}")
    print(f"threads: intra-op {args.threads}, inter-op 1; providers: CPUExecutionProvider")

    t = time.perf_counter()
    model = build_graph(load_file(str(MODEL_DIR / "model.safetensors")))
    onnx.checker.check_model(model)
    ONNX_OUT.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(ONNX_OUT))
    ops = {}
    for n in model.graph.node:
        key = f"{n.domain + ':' if n.domain else ''}{n.op_type}"
        ops[key] = ops.get(key, 0) + 1
    print(f"graph: {ONNX_OUT} ({', '.join(f'{v} {k}' for k, v in ops.items())}), "
          f"built in {time.perf_counter() - t:.1f} s")

    embedder = Embedder(ONNX_OUT, args.threads)
    ok = check(embedder, args.batch)
    if args.check_only:
        return 0 if ok else 1

    texts = [json.loads(l)["text"] for l in ABSTRACTS.read_text().splitlines() if l.strip()]
    if args.quick:
        throughput(embedder, texts[:64], args.batch, passes=1)
        latency(embedder, QUERY, warmup=10, runs=100)
    else:
        throughput(embedder, texts, args.batch, passes=3)
        latency(embedder, QUERY, warmup=10, runs=1000)
    print(f"load average at end: {load_average()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
