#!/usr/bin/env bash
# HTTP load benchmark: `patsearch serve` over the 6,940-patent corpus index,
# POST /v1/search with the 45 eval/nl natural-language queries in turn
# (hybrid by default, query embedding included), concurrency 8, with wrk
# (Debian's `wrk` package). Prints requests/s, latency p50/p90/p99, failed
# requests, and the server's resident memory (VmRSS, VmHWM) after the run.
# Two runs: at saturation (each connection sends its next request as soon as
# the last is answered: latency is then mostly queueing, about connections /
# throughput), and paced (each connection waits THINK_MS, default 150 ms,
# between requests: latency at a load the server keeps up with; the line
# gives the rate it came to).
#
# Usage: bash benches/http-load.sh [INDEX_DIR] (default: index, built by the
# README's first command). MODE=keyword|semantic|hybrid, DURATION=30s,
# CONNECTIONS=8, THREADS=2 and BIN (the binary) change the run.
set -euo pipefail
cd "$(dirname "$0")/.."
index=${1:-index}
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
port=${PORT:-18080}
source benches/serve.sh
serve_index "$index" "$port" /tmp/patsearch-http-load.log
export QUERIES=${QUERIES:-../shared/eval/nl/queries-nl.tsv} MODE=${MODE:-hybrid}
# Warm-up, then the measured run.
THINK_MS=0 wrk -t "${THREADS:-2}" -c "${CONNECTIONS:-8}" -d 5s -s benches/http/queries.lua "http://127.0.0.1:$port" >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); mode $MODE; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "saturation:"
THINK_MS=0 wrk -t "${THREADS:-2}" -c "${CONNECTIONS:-8}" -d "${DURATION:-30s}" --latency -s benches/http/queries.lua "http://127.0.0.1:$port" | grep -E "^requests|Non-2xx|Socket errors"
echo "paced (each connection waits ${THINK_MS:-150} ms between requests):"
THINK_MS=${THINK_MS:-150} wrk -t "${THREADS:-2}" -c "${CONNECTIONS:-8}" -d "${DURATION:-30s}" --latency -s benches/http/queries.lua "http://127.0.0.1:$port" | grep -E "^requests|Non-2xx|Socket errors"
grep -E "VmRSS|VmHWM" "/proc/$server/status"
