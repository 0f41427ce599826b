#!/usr/bin/env bash
# Two builds of `patsearch serve` against each other over HTTP, on one
# index, interleaved (A B A B ...) so that a noisy machine weighs on both
# alike: per round and binary a fresh server, a 3 s warm-up, then one wrk run
# (8 connections, POST /v1/search, the judged topics in turn). Prints each
# run and, per binary, the medians of requests/s, p50 and p99, and B/A.
#
# Usage: bash benches/http-ab.sh BIN_A BIN_B INDEX_DIR [INDEX_DIR_B]
# (B serves INDEX_DIR_B when given: two index layouts, one binary or two)
# ROUNDS=3, DURATION=10s, MODE=keyword|semantic|hybrid (keyword), FACETS,
# HIGHLIGHT (false/true), THINK_MS (0: saturation; 60: paced, about 100
# requests/s), QUERIES (a topics file, default the NL form), PORT=18091.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 3 ] || [ $# -eq 4 ] || { echo "usage: $0 BIN_A BIN_B INDEX_DIR [INDEX_DIR_B]" >&2; exit 2; }
bins=("$1" "$2") indexes=("$3" "${4:-$3}")
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
for b in "${bins[@]}"; do [ -x "$b" ] || { echo "$b is not an executable" >&2; exit 1; }; done
for index in "${indexes[@]}"; do [ -d "$index" ] || { echo "no index at $index" >&2; exit 1; }; done
port=${PORT:-18091} rounds=${ROUNDS:-3} duration=${DURATION:-10s}
export QUERIES=${QUERIES:-../shared/eval/nl/queries-nl.tsv} MODE=${MODE:-keyword}
export FACETS=${FACETS:-false} HIGHLIGHT=${HIGHLIGHT:-true} THINK_MS=${THINK_MS:-0}
out=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); mode $MODE, facets $FACETS, highlight $HIGHLIGHT, think $THINK_MS ms, $duration x $rounds"
for round in $(seq 1 "$rounds"); do
  for side in 0 1; do
    "${bins[$side]}" serve --index "${indexes[$side]}" --addr "127.0.0.1:$port" > "$out/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$out/serve.log" >&2; exit 1; }
    THINK_MS=0 wrk -t 2 -c 8 -d 3s -s benches/http/queries.lua "http://127.0.0.1:$port" > /dev/null
    wrk -t 2 -c 8 -d "$duration" --timeout 30s --latency -s benches/http/queries.lua "http://127.0.0.1:$port" > "$out/wrk.txt"
    grep -q 'status 0 timeout 0' "$out/wrk.txt" || { cat "$out/wrk.txt" >&2; echo "failed requests" >&2; exit 1; }
    line=$(sed -nE 's/^requests\/s ([0-9.]+), latency p50 ([0-9.]+) ms, p90 [0-9.]+ ms, p99 ([0-9.]+) ms.*/\1 \2 \3/p' "$out/wrk.txt")
    label=A; [ "$side" -eq 1 ] && label=B
    echo "round $round $label: req/s p50 p99 = $line"
    echo "$line" >> "$out/side-$side"
    kill "$server"; wait "$server" 2>/dev/null || true; server=
  done
done
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
for col in 1 2 3; do
  a=$(cut -d' ' -f$col "$out/side-0" | median) b=$(cut -d' ' -f$col "$out/side-1" | median)
  name=$(echo "req/s p50_ms p99_ms" | cut -d' ' -f$col)
  echo "median $name: A $a, B $b, B/A $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", b / a}')"
done
