"""Paired comparison of two fused or single rankings per topic: mean
nDCG@10 difference, topics better/worse, and a paired bootstrap 95%
interval (10,000 resamples, fixed seed).
Usage: paired.py KDIR_A SDIR_A SPEC_A KDIR_B SDIR_B SPEC_B
SPEC: keyword | semantic | rrf | linear"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trec import NL, fuse_linear, fuse_rrf, ndcg10, read_qrels, read_run, topics_of  # noqa: E402

qrels = read_qrels(os.path.join(NL, "qrels.tsv"))
topics = topics_of(qrels)


def per_topic(kdir, sdir, spec, form):
    kw = read_run(os.path.join(kdir, f"{form}.keyword.txt")) if spec != "semantic" else {}
    se = read_run(os.path.join(sdir, f"{form}.semantic.txt")) if spec != "keyword" else {}
    out = {}
    for t in topics:
        k, s = kw.get(t, []), se.get(t, [])
        r = {"keyword": lambda: [d for d, _ in k], "semantic": lambda: [d for d, _ in s],
             "rrf": lambda: fuse_rrf(k, s), "linear": lambda: fuse_linear(k, s)}[spec]()
        out[t] = ndcg10(qrels[t], r)
    return out


a = sys.argv[1:4]
b = sys.argv[4:7]
for form in ("nl", "kw"):
    x, y = per_topic(*a, form), per_topic(*b, form)
    d = [y[t] - x[t] for t in topics]
    rng = random.Random(8)
    means = sorted(sum(rng.choice(d) for _ in d) / len(d) for _ in range(10000))
    print(f"{form}: {' '.join(a[2:])} -> {' '.join(b[2:])}: mean diff {sum(d)/len(d):+.4f}, "
          f"better {sum(v > 1e-9 for v in d)}, worse {sum(v < -1e-9 for v in d)}, "
          f"95% CI [{means[250]:+.4f}, {means[9750]:+.4f}]")
