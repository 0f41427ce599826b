"""Markdown rows for benches/README.md ("Relevance tuning") from run
directories (run.sh outputs) and offline fusion grids.

Usage: report.py keyword DIR=LABEL...       one row per keyword configuration
       report.py fusion KDIR SDIR GRID...    one row per fusion setting"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trec import NL, evaluate, read_qrels, read_run, split, topics_of  # noqa: E402

qrels = read_qrels(os.path.join(NL, "qrels.tsv"))
topics = topics_of(qrels)
A, B = split(topics)


def scores(run):
    n, r = evaluate(qrels, run)
    na, _ = evaluate(qrels, run, A)
    nb, _ = evaluate(qrels, run, B)
    return n, na, nb, r


def row(label, nl, kw):
    cells = [label]
    for n, na, nb, r in (nl, kw):
        cells += [f"{n:.3f}", f"{na:.3f} / {nb:.3f}", f"{r:.3f}"]
    return "| " + " | ".join(cells) + " |"


HEADER = ("| configuration | NL nDCG@10 | NL A / B | NL R@100 | KW nDCG@10 | KW A / B | KW R@100 |\n"
          "|---|---|---|---|---|---|---|")


def keyword(args):
    print(HEADER)
    for arg in args:
        d, label = arg.split("=", 1)
        mode = "keyword"
        if ":" in d:
            d, mode = d.split(":")
        res = []
        for form in ("nl", "kw"):
            run = read_run(os.path.join(d, f"{form}.{mode}.txt"))
            res.append(scores({t: [x for x, _ in v] for t, v in run.items()}))
        print(row(label, *res))


def fusion(kdir, sdir, grids):
    import fusion_sweep as fs  # noqa: E402
    data = fs.load(kdir, sdir)
    print(HEADER)
    settings = []
    for grid in grids:
        if grid == "rrf":
            for k in (5, 10, 20, 30, 60, 100):
                for wk, ws in ((1, 1), (1, 1.5), (1.5, 1), (1, 2), (2, 1)):
                    settings.append((f"RRF k={k}, weights {wk}:{ws}",
                                     lambda kk, s, q, k=k, wk=wk, ws=ws: fs.fuse_rrf(kk, s, k, wk, ws)))
        elif grid == "linear":
            for norm, floor in (("minmax", 0.1), ("minmax", 0.0), ("minmax", 0.5), ("max", 0), ("z", 0)):
                for wk, ws in ((1, 1), (1, 1.5), (1.5, 1), (1, 2), (2, 1), (1, 3)):
                    name = {"minmax": f"min-max (floor {floor})", "max": "score/max", "z": "z-score"}[norm]
                    settings.append((f"linear {name}, weights {wk}:{ws}",
                                     lambda kk, s, q, n=norm, f=floor, wk=wk, ws=ws:
                                     fs.fuse_linear(kk, s, wk, ws, f, norm=n)))
        elif grid == "window":
            for w in (20, 50, 200, 300):
                settings.append((f"RRF k=60, window {w}", lambda kk, s, q, w=w: fs.fuse_rrf(kk, s, 60, 1, 1, w)))
                settings.append((f"linear min-max (floor 0.1), window {w}",
                                 lambda kk, s, q, w=w: fs.fuse_linear(kk, s, 1, 1, 0.1, w)))
        elif grid == "length":
            for sw in (0.5, 0.75, 1.5, 2):
                for cut in (6, 8):
                    settings.append((f"RRF k=60, keyword weight {sw} for queries of <= {cut} words",
                                     lambda kk, s, q, sw=sw, c=cut:
                                     fs.fuse_rrf(kk, s, 60, sw if fs.words(q) <= c else 1, 1)))
        elif grid == "default":
            settings.append(("RRF k=60, weights 1:1, window 100 (default)", lambda kk, s, q: fs.fuse_rrf(kk, s)))
            settings.append(("linear min-max (floor 0.1), weights 1:1, window 100",
                             lambda kk, s, q: fs.fuse_linear(kk, s)))
    for label, fuse in settings:
        res = []
        for form in ("nl", "kw"):
            kw, se, qs = data[form]
            res.append(scores({t: fuse(kw.get(t, []), se.get(t, []), qs.get(t, "")) for t in topics}))
        print(row(label, *res))


if sys.argv[1] == "keyword":
    keyword(sys.argv[2:])
else:
    fusion(sys.argv[2], sys.argv[3], sys.argv[4:])
