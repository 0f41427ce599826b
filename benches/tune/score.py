"""Scores the runs of one configuration directory (run.sh's output):
nDCG@10 and R@100 per mode and query form, on all topics, the tuning half
(A) and the held-out half (B). Usage: score.py DIR [QRELS]"""
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trec import NL, evaluate, read_qrels, read_run, split, topics_of  # noqa: E402

d = sys.argv[1]
qrels = read_qrels(sys.argv[2] if len(sys.argv) > 2 else os.path.join(NL, "qrels.tsv"))
a, b = split(topics_of(qrels))
for path in sorted(glob.glob(os.path.join(d, "*.*.txt"))):
    form, mode = os.path.basename(path).split(".")[:2]
    run = {t: [doc for doc, _ in v] for t, v in read_run(path).items()}
    n, r = evaluate(qrels, run)
    na, _ = evaluate(qrels, run, a)
    nb, _ = evaluate(qrels, run, b)
    print(f"{os.path.basename(d):28s} {form} {mode:9s} nDCG@10 {n:.4f} (A {na:.4f} B {nb:.4f}) R@100 {r:.4f}")
