#!/usr/bin/env python3
"""Reference ROUGE scores and Porter stems from the Python packages that define them.

patsearch-eval's `rouge` module reimplements Google's `rouge-score` (with
NLTK's Porter stemmer) so that summary scores can be compared with published
ones. This script produces the values that implementation is tested against
(crates/eval/tests/rouge_reference.rs). It needs exactly these versions:

    python3 -m venv /tmp/rouge-venv
    /tmp/rouge-venv/bin/pip install rouge-score==0.1.2 nltk==3.10.4 zstandard

(`zstandard` only for the `pairs` command; the stemmer needs no NLTK data.)

Commands:

  scores PAIRS OUT   PAIRS is JSONL of {"id", "reference", "candidate"}; OUT
                     gets one line per pair, in order: {"id", "rouge1",
                     "rouge2", "rougeLsum"}, each [precision, recall, f1] from
                     RougeScorer(["rouge1", "rouge2", "rougeLsum"],
                     use_stemmer=True).score(reference, candidate). The
                     numbers are strings (Python's repr, the shortest decimal
                     that reads back to the same double) because JSON readers
                     may round decimals a last place off (serde_json does by
                     default), which would hide whether the scores agree
                     exactly.
  stems PAIRS OUT    Every distinct [a-z0-9]+ word of the texts in PAIRS plus a
                     built-in list of words that exercise each Porter rule,
                     written as `word<TAB>PorterStemmer().stem(word)` lines.
  pairs CORPUS OUT   Builds the test pairs from the patents-2013 corpus (JSONL,
                     zstd-compressed): every 100th patent with an abstract and
                     a description, 60 of them; the abstract is the reference
                     and description excerpts, reordered abstract sentences,
                     the abstract itself and an empty text are candidates, plus
                     hand-written edge cases.

The test fixtures were made with:

    F=crates/eval/tests/fixtures/rouge
    PY=/tmp/rouge-venv/bin/python
    $PY benches/summary/make_rouge_reference.py pairs \\
        /work/shared/data/corpus/patents-2013.jsonl.zst $F/pairs.jsonl
    $PY benches/summary/make_rouge_reference.py scores $F/pairs.jsonl $F/expected.jsonl
    $PY benches/summary/make_rouge_reference.py stems $F/pairs.jsonl $F/porter_stems.tsv
"""

import argparse
import importlib.metadata
import io
import json
import re
import sys

PINNED = {"rouge-score": "0.1.2", "nltk": "3.10.4"}

# Porter's examples, NLTK's irregular forms and extensions, and words that
# reach each rule's edge (zero measure, y after y, doubled consonants, ...).
RULE_WORDS = """
caresses ponies ties caress cats feed agreed plastered bled motoring sing
conflated troubled sized hopping tanned falling hissing fizzed failing filing
happy sky relational conditional rational valenci hesitanci digitizer
conformabli radicalli differentli vileli analogousli vietnamization
predication operator feudalism decisiveness hopefulness callousness formaliti
sensitiviti sensibiliti triplicate formative formalize electriciti electrical
hopeful goodness revival allowance inference airliner gyroscopic adjustable
defensible irritant replacement adjustment dependent adoption homologou
communism activate angulariti homologous effective bowdlerize probate rate
cease controll roll generalizations oscillators skies dying lying tying news
innings inning outings outing cannings canning howe proceed exceed succeed
dies pies lies cries tied died lied cried studied studies studying replied
enjoy enjoyment spy fly try spied flies tries by toy toys syzygy yyyy yyyyy
ay yay eying flying crying skying ow owed owing bowed eed deed indeed bleed
needed seeing ing king things string ed bed red shred sses ss s is as us
gas bus yes ys ies yies ied ying abilities capabilities sensibilities
electricity logically dialogue analogies analogy archaeology eulogy biology
universality tional ational ization alli allied rally ally tally totally
fully hopefully beautifully carefully typically critically ideally
generically biologically fulli falli logi ologi eulogi apologi 12345 3ds
abc123ing mp3s x86 1990s a an i Running CATS Generalization naïvely cafés
baññed ñandúes agreement agreements cement
"""


def check_versions():
    for package, version in PINNED.items():
        installed = importlib.metadata.version(package)
        if installed != version:
            sys.exit(f"{package} {installed} is installed; the fixtures pin {version}")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def scores(args):
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    rows = []
    for pair in read_jsonl(args.pairs):
        result = scorer.score(pair["reference"], pair["candidate"])
        row = {"id": pair["id"]}
        for name in ("rouge1", "rouge2", "rougeLsum"):
            s = result[name]
            row[name] = [repr(float(v)) for v in (s.precision, s.recall, s.fmeasure)]
        rows.append(row)
    write_jsonl(args.out, rows)
    print(f"{len(rows)} pairs scored -> {args.out}")


def stems(args):
    from nltk.stem.porter import PorterStemmer

    stemmer = PorterStemmer()
    words = set(RULE_WORDS.split())
    for pair in read_jsonl(args.pairs):
        for text in (pair["reference"], pair["candidate"]):
            words.update(w for w in re.split(r"[^a-z0-9]+", text.lower()) if w)
    with open(args.out, "w", encoding="utf-8") as f:
        for word in sorted(words):
            f.write(f"{word}\t{stemmer.stem(word)}\n")
    print(f"{len(words)} words stemmed -> {args.out}")


# A sentence ends at '.', '!' or '?' after three lowercase letters or digits
# and before a capital, which keeps "U.S. Ser. No. 12" and "FIG. 3" whole.
SENTENCE_END = re.compile(r"(?<=[a-z0-9)]{3}[.!?])\s+(?=[A-Z])")


def sentences(text, max_chars=300):
    """The sentences of each paragraph (line), each cut at a word boundary
    after max_chars to keep the fixture small."""
    out = []
    for paragraph in text.split("\n"):
        for sentence in SENTENCE_END.split(" ".join(paragraph.split())):
            if sentence:
                if len(sentence) > max_chars:
                    sentence = sentence[:max_chars].rsplit(" ", 1)[0]
                out.append(sentence)
    return out


EDGE_CASES = [
    ("worked-example", "The cats are running quickly.\nA second sentence.",
     "A cat runs fast.\nSecond sentences here."),
    ("paper-union-lcs", "w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5"),
    ("lcs-tie-break", "alpha beta\nbeta", "beta alpha"),
    ("clipping", "the cat the cat", "the the the the"),
    ("both-empty", "", ""),
    ("empty-reference", "", "A candidate with words."),
    ("blank-lines", "First line.\n\n\nSecond line.\n", "\nSecond line.\n\nFirst line.\n"),
    ("whitespace-only", "A reference sentence.", " \n\t\n  "),
    ("punctuation-only-line", "Gears mesh.\n--- ;; ---\nShafts turn.", "...\nShafts turn; gears mesh."),
    ("crlf", "Line one of text.\r\nLine two of text.", "line two of text\r\nline one"),
    ("unicode", "İstanbul's naïve café: 3.5 µm H₂O at 25 °C, Ⅻ ① ﬁle ΣΑΣ Å \u212a-band.",
     "ISTANBUL naive cafe 3 5 um h2o 25 c xii 1 file sas a k band"),
    ("digits", "Model X-100 v2.0 ran 1,000,000 ops in 0.5s (RFC 7231, IPv6).",
     "x 100 v2 0 ran 1 000 000 ops rfc 7231 ipv6 in 0 5s"),
    ("stemming-only", "Generalizations of oscillators agreed",
     "generalization oscillator agree"),
]


def pairs(args):
    import zstandard

    rows = []
    chosen = 0
    with open(args.corpus, "rb") as f:
        lines = io.TextIOWrapper(zstandard.ZstdDecompressor().stream_reader(f), encoding="utf-8")
        for index, line in enumerate(lines):
            if index % 100:
                continue
            patent = json.loads(line)
            abstract = patent.get("abstract") or ""
            description_sentences = sentences(patent.get("description") or "")
            if not abstract.strip() or len(description_sentences) < 6:
                continue
            abstract_sentences = sentences(abstract, max_chars=10**6)
            # Half the references keep the abstract on one line (ROUGE-Lsum
            # is then ROUGE-L), half have one sentence per line.
            reference = "\n".join(abstract_sentences) if chosen % 2 else abstract
            middle = len(description_sentences) // 2
            candidates = [
                ("lead3", "\n".join(description_sentences[:3])),
                ("middle", ("\n" if chosen % 2 == 0 else " ").join(description_sentences[middle:middle + 3])),
            ]
            if chosen % 5 == 0:
                candidates.append(("abstract-reversed", "\n".join(reversed(abstract_sentences))))
            if chosen % 10 == 0:
                candidates.append(("identical", reference))
            if chosen % 10 == 5:
                candidates.append(("empty", ""))
            for kind, candidate in candidates:
                rows.append({"id": f"{patent['publication_number']}/{kind}",
                             "reference": reference, "candidate": candidate})
            chosen += 1
            if chosen == 60:
                break
    for name, reference, candidate in EDGE_CASES:
        rows.append({"id": f"edge/{name}", "reference": reference, "candidate": candidate})
    write_jsonl(args.out, rows)
    print(f"{len(rows)} pairs ({chosen} patents) -> {args.out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, function, source in (("scores", scores, "pairs"), ("stems", stems, "pairs"),
                                   ("pairs", pairs, "corpus")):
        command = commands.add_parser(name)
        command.add_argument(source)
        command.add_argument("out")
        command.set_defaults(function=function)
    args = parser.parse_args()
    check_versions()
    args.function(args)


if __name__ == "__main__":
    main()
