#!/usr/bin/env bash
# Loads the index of benches/scale.sh for size N in slices, over as many
# sittings as it takes: a million documents take hours of keyword-only ingest
# on two cores, more than one sitting. Each slice is SLICE records of
# benches/scale-corpus (seed SEED), generated, added with `patsearch ingest
# --no-embed` (the first slice also adds the 6,940 real patents) and its file
# removed; a slice ends in a commit, so a killed run loses only the slice in
# progress, which the next run loads again (an upsert replaces what it had
# committed). WORK/index-N.load records each slice: first record, records,
# wall s, peak RSS MiB; `benches/scale.sh N` serves an index whose load
# covers N instead of rebuilding it, and reports the sum of the slices' walls.
#
# Usage: bash benches/scale-load.sh N
# SLICE=50000; STOP_AT (epoch seconds): no slice starts after it; NICE=0
# (a nice level, for a load beside other work: its walls are then not the
# machine's rate, which the load file says).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] && [[ "$1" =~ ^[0-9]+$ ]] || { echo "usage: bash benches/scale-load.sh N" >&2; exit 2; }
n=$1 real=6940
[ "$n" -gt "$real" ] || { echo "N must be above $real (the real corpus is part of every index)" >&2; exit 2; }
shared=../shared
corpus=$shared/data/corpus/patents-2013.jsonl.zst
[ -f "$corpus" ] || { echo "no $corpus: the benchmark needs the shared data beside the project root" >&2; exit 1; }
work=${WORK:-target/scale}
seed=${SEED:-2026}
slice=${SLICE:-50000}
stop_at=${STOP_AT:-}
niceness=${NICE:-0}
index=$work/index-$n
load=$index.load
mkdir -p "$work"
if [ -e "$index" ] && [ ! -f "$index.created-by-scale-bench" ]; then
  echo "$index exists and was not created by the scale benchmarks: refusing to load into it" >&2
  exit 1
fi
if [ ! -f "$load" ]; then
  [ ! -e "$index" ] || { echo "$index exists without $load: remove it (or run benches/scale.sh) first" >&2; exit 1; }
  touch "$index.created-by-scale-bench"
  echo "# first-record records wall-s peak-rss-mib nice (seed $seed)" > "$load"
fi
cargo build --release --quiet -p patsearch -p patsearch-scale-corpus
bin=target/release/patsearch
gen=target/release/scale-corpus
generated=$((n - real))
while :; do
  next=$(awk '!/^#/ { end = $1 + $2; if (end > max) max = end } END { print max + 0 }' "$load")
  [ "$next" -lt "$generated" ] || { echo "$index holds the $n documents of its load"; break; }
  if [ -n "$stop_at" ] && [ "$(date +%s)" -ge "$stop_at" ]; then
    echo "stopping at STOP_AT with $next of $generated generated records loaded"
    break
  fi
  count=$(( generated - next < slice ? generated - next : slice ))
  file=$work/load-seed$seed-$next-$count.jsonl.zst
  rm -f "$file"
  nice -n "$niceness" "$gen" --seed "$seed" --start "$next" --docs "$count" --out "$file" >&2
  inputs=("$file")
  [ "$next" -eq 0 ] && inputs=("$corpus" "$file")
  echo "== slice $next +$count ($(date -u +%H:%M:%S))" >&2
  /usr/bin/time -f '%e %M' -o "$work/load-time.txt" nice -n "$niceness" \
    "$bin" ingest --no-embed --quiet "${inputs[@]}" --index "$index" > "$work/load-$n.log" 2>&1 \
    || { tail -20 "$work/load-$n.log" >&2; rm -f "$file"; exit 1; }
  read -r wall kib < "$work/load-time.txt"
  echo "$next $count $wall $((kib / 1024)) $niceness" >> "$load"
  rm -f "$file"
done
