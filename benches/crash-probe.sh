#!/usr/bin/env bash
# Crash-consistency probe: kill -9 `patsearch serve` in the middle of a
# stream of upserts (new documents, and replacements switching a number
# between its kindless and kinded form) and `patsearch ingest` mid-run, then
# open each index read-only, before anything repairs it, and compare its
# keyword and vector sides document by document.
#
# Prints, for each kind of trial: acknowledged writes lost (serve) or
# documents lost after re-running the ingest, keyword documents without
# vectors, vectors without a keyword record, publications stored twice,
# and how many kills landed between the vector and the keyword commit.
#
# Usage: benches/crash-probe.sh [SERVER_TRIALS [INGEST_TRIALS]]   (default 50 20)
# Needs: the model (bash models/fetch.sh) and /work/shared-style data beside
# the project root (../shared/data), as the end-to-end tests do.
# It runs tests/crash_consistency.rs with more trials; the test fails (and
# this script exits non-zero) when any figure but the last is not 0.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
server=${1:-50}
ingest=${2:-20}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
PATSEARCH_CRASH_SERVER_TRIALS=$server PATSEARCH_CRASH_INGEST_TRIALS=$ingest \
    cargo test --release --test crash_consistency -- --nocapture >"$log" 2>&1 || status=$?
grep -E '^crash-probe:|^trial |panicked' "$log" || tail -40 "$log"
exit $status
