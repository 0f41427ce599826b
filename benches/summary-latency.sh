#!/usr/bin/env bash
# Summary latency as a client sees it: `patsearch serve` over the corpus
# index, GET /v1/patents/{n}/summary (no query: the invention summary and the
# key facts) for N corpus patents spread evenly over the corpus (every k-th
# line of its MANIFEST), one request at a time after a warm-up. Prints the
# wall time p50/p95/max per request (curl's time_total) and the server's own
# took_ms p50.
#
# Usage: bash benches/summary-latency.sh [INDEX_DIR] (default: index, built by
# the README's first command). N=200 and BIN (the binary) change the run.
set -euo pipefail
cd "$(dirname "$0")/.."
index=${1:-index}
manifest=../shared/data/corpus/MANIFEST.tsv
[ -f "$manifest" ] || { echo "no $manifest: the corpus is read from ../shared" >&2; exit 1; }
n=${N:-200}
port=${PORT:-18081}
source benches/serve.sh
serve_index "$index" "$port" /tmp/patsearch-summary-latency.log
total=$(( $(wc -l < "$manifest") - 1 ))
step=$(( total / n > 0 ? total / n : 1 ))
numbers=$(tail -n +2 "$manifest" | cut -f2 | awk -v s="$step" 'NR % s == 0 {print "US" ($1 + 0)}' | head -n "$n")
for number in $(echo "$numbers" | head -n 5); do
  curl -sf "http://127.0.0.1:$port/v1/patents/$number/summary" >/dev/null
done
walls=$(mktemp) took=$(mktemp)
for number in $numbers; do
  body=$(curl -sf -w '\n%{time_total}' "http://127.0.0.1:$port/v1/patents/$number/summary")
  echo "$body" | tail -n 1 >> "$walls"
  echo "$body" | head -n -1 | grep -o '"took_ms":[0-9.]*' | cut -d: -f2 >> "$took"
done
pct() { sort -g "$1" | awk -v q="$2" '{a[NR]=$1} END {i=int((NR-1)*q+0.5)+1; print a[i]}'; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "GET /v1/patents/{n}/summary, $(wc -l < "$walls") patents: wall p50 $(awk "BEGIN{print $(pct "$walls" 0.5)*1000}") ms, p95 $(awk "BEGIN{print $(pct "$walls" 0.95)*1000}") ms, max $(awk "BEGIN{print $(pct "$walls" 1)*1000}") ms; server took_ms p50 $(pct "$took" 0.5)"
rm -f "$walls" "$took"
