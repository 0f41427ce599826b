#!/usr/bin/env bash
# Peak resident memory of `patsearch ingest` on a ~10 MB and a ~1 GB weekly
# grant file, both built by concatenating the PatentsView weekly fixtures
# (../shared/data/patents/uspto-patentsview-db-fixtures). Memory must stay
# flat as input grows: the 1 GB run may need only a few times the 10 MB one.
# Usage: benches/ingest-memory.sh [THREADS]   (needs /usr/bin/time)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fixtures="$root/../shared/data/patents/uspto-patentsview-db-fixtures"
[ -d "$fixtures" ] || { echo "missing $fixtures: the shared data folder must sit beside the project" >&2; exit 1; }
threads=${1:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat "$fixtures"/ipgxml/*.xml "$fixtures"/xml/ipg120327.196.xml > "$work/unit.xml"
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
unit = open(f"{work}/unit.xml", "rb").read()
docs = [b"<?xml " + d for d in unit.split(b"<?xml ")[1:]]
with open(f"{work}/weekly-10mb.xml", "wb") as f:
    n = 0
    for d in docs:
        if n >= 10_000_000:
            break
        f.write(d); n += len(d)
with open(f"{work}/weekly-1gb.xml", "wb") as f:
    n = 0
    while n < 1_000_000_000:
        f.write(unit); n += len(unit)
PY
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
for input in weekly-10mb.xml weekly-1gb.xml; do
  size=$(stat -c %s "$work/$input")
  /usr/bin/time -v "$root/target/release/patsearch" ingest --quiet --threads "$threads" "$work/$input" 2> "$work/time.txt" || true
  rss=$(grep "Maximum resident" "$work/time.txt" | awk '{print $NF}')
  wall=$(grep "Elapsed (wall clock)" "$work/time.txt" | awk '{print $NF}')
  summary=$(grep "^read " "$work/time.txt")
  echo "$input: $size bytes, peak RSS ${rss} KiB, wall $wall; $summary"
done
