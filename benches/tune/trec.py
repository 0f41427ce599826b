"""Offline relevance tuning helpers (issue 8): qrels, TREC runs, the metrics
of `patsearch eval` (nDCG@10, R@100 as trec_eval defines them), rank fusion
of a keyword and a semantic run, and the tuning/held-out split of topics.

Used by the other scripts of benches/tune; no third-party packages.
"""
import math
import os
from collections import defaultdict

# The shared data folder beside the project root (as the tests expect it).
SHARED = os.environ.get(
    "SHARED", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared")
)
NL = os.path.join(SHARED, "eval", "nl")


def read_qrels(path):
    q = defaultdict(dict)
    for line in open(path):
        parts = line.split()
        if len(parts) != 4:
            continue
        topic, _, doc, grade = parts
        q[topic][doc] = int(grade)
    return q


def read_run(path):
    """topic -> [(doc, score)] in rank order."""
    run = defaultdict(list)
    for line in open(path):
        topic, _, doc, rank, score, _tag = line.split()
        run[topic].append((doc, float(score), int(rank)))
    return {t: [(d, s) for d, s, _ in sorted(v, key=lambda x: x[2])] for t, v in run.items()}


def ndcg10(judg, ranking):
    dcg = sum(judg.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranking[:10]))
    ideal = sorted((g for g in judg.values() if g > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg


def recall(judg, ranking, k):
    rel = {d for d, g in judg.items() if g > 0}
    return len(rel & set(ranking[:k])) / len(rel)


def topics_of(qrels):
    return sorted(t for t, j in qrels.items() if any(g > 0 for g in j.values()))


def split(topics):
    """Tuning half (even positions of the sorted judged topics) and held-out
    half (odd positions): fixed, so every configuration sees the same."""
    ts = sorted(topics)
    return ts[0::2], ts[1::2]


def evaluate(qrels, rankings, topics=None):
    """Mean nDCG@10 and R@100 over `topics` (default: every judged topic);
    rankings: topic -> [doc]."""
    topics = topics or topics_of(qrels)
    n = [ndcg10(qrels[t], rankings.get(t, [])) for t in topics]
    r = [recall(qrels[t], rankings.get(t, []), 100) for t in topics]
    return sum(n) / len(n), sum(r) / len(r)


def ranked(lst):
    """Canonical order as the engine's fusion::ranked: score desc, number asc."""
    out, seen = [], set()
    for d, s in sorted(lst, key=lambda x: (-x[1], x[0])):
        if d not in seen:
            seen.add(d)
            out.append((d, s))
    return out


def fuse_rrf(kw, sem, k=60.0, wk=1.0, ws=1.0, window=100):
    kw, sem = ranked(kw)[:window], ranked(sem)[:window]
    score = defaultdict(float)
    for i, (d, _) in enumerate(kw):
        score[d] += wk / (k + i + 1)
    for i, (d, _) in enumerate(sem):
        score[d] += ws / (k + i + 1)
    return [d for d, _ in sorted(score.items(), key=lambda x: (-x[1], x[0]))]


def norm_minmax(lst, floor):
    if not lst:
        return {}
    hi, lo = lst[0][1], lst[-1][1]
    if hi == lo:
        return {d: 1.0 for d, _ in lst}
    return {d: floor + (1 - floor) * (s - lo) / (hi - lo) for d, s in lst}


def norm_max(lst):
    hi = lst[0][1] if lst else 1.0
    return {d: s / hi for d, s in lst}


def norm_z(lst):
    xs = [s for _, s in lst]
    m = sum(xs) / len(xs)
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / len(xs)) or 1.0
    return {d: (s - m) / sd for d, s in lst}


def fuse_linear(kw, sem, wk=1.0, ws=1.0, floor=0.1, window=100, norm="minmax", absent=0.0):
    kw, sem = ranked(kw)[:window], ranked(sem)[:window]
    if norm == "minmax":
        nk, ns = norm_minmax(kw, floor), norm_minmax(sem, floor)
    elif norm == "max":
        nk, ns = norm_max(kw), norm_max(sem)
    elif norm == "z":
        nk, ns = norm_z(kw), norm_z(sem)
    elif norm == "raw":
        nk, ns = dict(kw), dict(sem)
    docs = set(nk) | set(ns)
    if norm == "z":
        absent_k = min(nk.values()) if nk else 0
        absent_s = min(ns.values()) if ns else 0
    else:
        absent_k = absent_s = absent
    score = {d: wk * nk.get(d, absent_k) + ws * ns.get(d, absent_s) for d in docs}
    return [d for d, _ in sorted(score.items(), key=lambda x: (-x[1], x[0]))]
