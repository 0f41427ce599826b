"""Offline fusion sweep (issue 8): fuses a keyword run and a semantic run
(run.sh outputs, depth >= the largest window) per topic with each method
and parameter set, and prints nDCG@10 / R@100 for both query forms on all
topics, the tuning half A and the held-out half B.

Usage: fusion_sweep.py KEYWORD_DIR SEMANTIC_DIR [grid]
grid: rrf (default), linear, window, length."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trec import (NL, evaluate, fuse_linear, fuse_rrf, read_qrels, read_run,  # noqa: E402
                  split, topics_of)

QRELS = os.path.join(NL, "qrels.tsv")
SHARED = NL


def words(text):
    return len(re.findall(r"\w+", text))


def load(kdir, sdir):
    data = {}
    for form in ("nl", "kw"):
        kw = read_run(os.path.join(kdir, f"{form}.keyword.txt"))
        se = read_run(os.path.join(sdir, f"{form}.semantic.txt"))
        qs = dict(l.rstrip("\n").split("\t", 1) for l in open(os.path.join(SHARED, f"queries-{form}.tsv")))
        data[form] = (kw, se, qs)
    return data


def report(name, data, fuse):
    qrels = read_qrels(QRELS)
    topics = topics_of(qrels)
    a, b = split(topics)
    out = [f"{name:44s}"]
    for form in ("nl", "kw"):
        kw, se, qs = data[form]
        run = {t: fuse(kw.get(t, []), se.get(t, []), qs.get(t, "")) for t in topics}
        n, r = evaluate(qrels, run)
        na, _ = evaluate(qrels, run, a)
        nb, _ = evaluate(qrels, run, b)
        out.append(f"{form} {n:.4f} (A {na:.4f} B {nb:.4f}) R@100 {r:.4f}")
    print("  ".join(out), flush=True)


def main():
    kdir, sdir = sys.argv[1], sys.argv[2]
    grid = sys.argv[3] if len(sys.argv) > 3 else "rrf"
    data = load(kdir, sdir)
    report("keyword only", data, lambda k, s, q: [d for d, _ in k])
    report("semantic only", data, lambda k, s, q: [d for d, _ in s])
    if grid == "rrf":
        for k in (5, 10, 20, 30, 60, 100):
            for wk, ws in ((1, 1), (1, 1.5), (1.5, 1), (1, 2), (2, 1)):
                report(f"rrf k={k} wk={wk} ws={ws}", data,
                       lambda kk, s, q, k=k, wk=wk, ws=ws: fuse_rrf(kk, s, k, wk, ws))
    elif grid == "linear":
        for norm, floor in (("minmax", 0.1), ("minmax", 0.0), ("minmax", 0.5), ("max", 0), ("z", 0)):
            for wk, ws in ((1, 1), (1, 1.5), (1.5, 1), (1, 2), (2, 1), (1, 3)):
                report(f"linear {norm} floor={floor} wk={wk} ws={ws}", data,
                       lambda kk, s, q, n=norm, f=floor, wk=wk, ws=ws: fuse_linear(kk, s, wk, ws, f, norm=n))
    elif grid == "window":
        for w in (20, 50, 100, 200, 300):
            report(f"rrf k=60 window={w}", data, lambda kk, s, q, w=w: fuse_rrf(kk, s, 60, 1, 1, w))
            report(f"linear minmax 0.1 window={w}", data,
                   lambda kk, s, q, w=w: fuse_linear(kk, s, 1, 1, 0.1, w))
    elif grid == "length":
        # keyword weight by query length: short queries lean on one side.
        for short_w in (0.5, 0.75, 1.5, 2):
            for cut in (6, 8):
                report(f"rrf k=60 wk={short_w} if <= {cut} words", data,
                       lambda kk, s, q, sw=short_w, c=cut: fuse_rrf(kk, s, 60, sw if words(q) <= c else 1, 1))


if __name__ == "__main__":
    main()
