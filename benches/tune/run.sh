#!/usr/bin/env bash
# Runs the judged nl/ topics (both forms) through `patsearch eval` in the
# given modes and keeps the TREC runs under $RUNS/NAME/ for offline fusion
# (benches/tune/score.py). Usage: run.sh NAME INDEX [MODE] (MODE: all, keyword,
# semantic, hybrid; default all). Environment: PATSEARCH (the binary),
# SHARED (the shared data folder), RUNS (where runs go, target/tune-runs),
# DEPTH (hits per topic and candidates per retriever, 100; fusion_sweep.py's
# window grid needs 300).
set -euo pipefail
name=$1 index=$2 mode=${3:-all}
bin=${PATSEARCH:-./target/release/patsearch}
shared=${SHARED:-../shared}
out=${RUNS:-target/tune-runs}/$name
mkdir -p "$out"
for form in nl kw; do
  "$bin" eval --index "$index" --queries "$shared/eval/nl/queries-$form.tsv" \
    --qrels "$shared/eval/nl/qrels.tsv" --mode "$mode" --depth "${DEPTH:-100}" --candidates "${DEPTH:-100}" --run-out "$out/$form.txt" \
    >"$out/$form.table" 2>"$out/$form.log"
  if [ "$mode" != all ]; then mv "$out/$form.txt" "$out/$form.$mode.txt"; fi
done
python3 "$(dirname "$0")/score.py" "$out"
