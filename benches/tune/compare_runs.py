"""Paired comparison of two TREC run files (`patsearch eval --run-out`) on
the judged topics of ../shared/eval/nl: nDCG@10 of each on all topics and on
the halves A (even positions of the sorted topics) and B (odd), the mean
difference B - A with a paired bootstrap 95% interval (10,000 resamples,
fixed seed), topics better / worse, and a two-sided paired randomisation
test (sign flips, 10,000 draws, fixed seed).

Usage: compare_runs.py BASELINE_RUN CANDIDATE_RUN"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trec import NL, ndcg10, read_qrels, read_run, split, topics_of  # noqa: E402

qrels = read_qrels(os.path.join(NL, "qrels.tsv"))
topics = topics_of(qrels)
base_run, cand_run = (read_run(p) for p in sys.argv[1:3])


def scores(run):
    return {t: ndcg10(qrels[t], [d for d, _ in run.get(t, [])]) for t in topics}


base, cand = scores(base_run), scores(cand_run)
half_a, half_b = split(topics)


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


for name, ts in (("all", topics), ("A", half_a), ("B", half_b)):
    print(f"{name:>3}: baseline {mean([base[t] for t in ts]):.4f}  candidate {mean([cand[t] for t in ts]):.4f}  ({len(ts)} topics)")

diffs = [cand[t] - base[t] for t in topics]
rng = random.Random(7)
boots = sorted(mean([rng.choice(diffs) for _ in diffs]) for _ in range(10000))
observed = mean(diffs)
extreme = sum(
    abs(mean([d if rng.random() < 0.5 else -d for d in diffs])) >= abs(observed) - 1e-12
    for _ in range(10000)
)
print(f"difference {observed:+.4f}, 95% CI [{boots[250]:+.4f}, {boots[9750]:+.4f}]; "
      f"better {sum(d > 1e-9 for d in diffs)}, worse {sum(d < -1e-9 for d in diffs)}, "
      f"same {sum(abs(d) <= 1e-9 for d in diffs)}; randomisation p = {extreme / 10000:.4f}")
