"""A reference BM25 outside tantivy, to check the anchor figure of
../shared/eval/nl/README.md ("BM25 over title + abstract + description"):
one concatenated field, words [a-z0-9]+ lower-cased, an optional crude
suffix stemmer, optional stop words, Lucene's idf, k1 and b as given.
Usage: bm25_reference.py CORPUS.jsonl.zst [k1 b stem stop fields description_chars]"""
import io
import json
import math
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trec import NL, evaluate, read_qrels, split, topics_of  # noqa: E402

STOP = set("a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with".split())
WORD = re.compile(r"[a-z0-9]+")


def stem(w):
    for suf in ("ations", "ation", "ings", "ing", "edly", "ed", "ies", "es", "s", "ly"):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            return w[: -len(suf)]
    return w


def toks(text, do_stem, do_stop):
    out = WORD.findall(text.lower())
    if do_stop:
        out = [w for w in out if w not in STOP]
    if do_stem:
        out = [stem(w) for w in out]
    return out


def main():
    corpus = sys.argv[1]
    k1 = float(sys.argv[2]) if len(sys.argv) > 2 else 1.2
    b = float(sys.argv[3]) if len(sys.argv) > 3 else 0.75
    do_stem = (sys.argv[4] if len(sys.argv) > 4 else "1") == "1"
    do_stop = (sys.argv[5] if len(sys.argv) > 5 else "1") == "1"
    fields = (sys.argv[6] if len(sys.argv) > 6 else "title,abstract,description").split(",")
    cut = int(sys.argv[7]) if len(sys.argv) > 7 else None
    raw = subprocess.run(["zstdcat", corpus], capture_output=True, check=True).stdout
    postings = defaultdict(list)
    lengths, ids = [], []
    for line in io.BytesIO(raw):
        r = json.loads(line)
        text = " ".join((r.get(f) or "")[:cut] if f == "description" else (r.get(f) or "") for f in fields)
        tf = Counter(toks(text, do_stem, do_stop))
        i = len(ids)
        ids.append(r["publication_number"])
        lengths.append(sum(tf.values()))
        for w, c in tf.items():
            postings[w].append((i, c))
    n = len(ids)
    avg = sum(lengths) / n
    qrels = read_qrels(os.path.join(NL, "qrels.tsv"))
    a, bb = split(topics_of(qrels))
    for form in ("nl", "kw"):
        run = {}
        for line in open(os.path.join(NL, f"queries-{form}.tsv")):
            topic, text = line.rstrip("\n").split("\t", 1)
            scores = defaultdict(float)
            for w in set(toks(text, do_stem, do_stop)):
                plist = postings.get(w, [])
                if not plist:
                    continue
                idf = math.log(1 + (n - len(plist) + 0.5) / (len(plist) + 0.5))
                for i, c in plist:
                    scores[i] += idf * c * (k1 + 1) / (c + k1 * (1 - b + b * lengths[i] / avg))
            top = sorted(scores.items(), key=lambda x: -x[1])[:100]
            run[topic] = [ids[i] for i, _ in top]
        nd, r100 = evaluate(qrels, run)
        na, _ = evaluate(qrels, run, a)
        nb, _ = evaluate(qrels, run, bb)
        print(f"ref-bm25 k1={k1} b={b} stem={do_stem} stop={do_stop} {'+'.join(fields)} cut={cut} {form}: nDCG@10 {nd:.4f} (A {na:.4f} B {nb:.4f}) R@100 {r100:.4f}")


main()
