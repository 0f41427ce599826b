#!/usr/bin/env bash
# Prior art for the 20 hand-written claims of tests/fixtures/prior-art-claims.tsv
# over a whole index (the corpus index of the README's first command): prints
# each source patent's rank in `patsearch prior-art` (top 10; "-" when absent)
# and how many are in the top 3.
#
# Usage: bash benches/prior-art-claims.sh [INDEX]   (default: index)
# Environment: BIN (default target/release/patsearch).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
index=${1:-index}
bin=${BIN:-target/release/patsearch}
[ -d "$index" ] || { echo "no index at $index: build it with the README's first command" >&2; exit 2; }
top3=0
total=0
while IFS=$'\t' read -r number claim; do
  case "$number" in '#'*|'') continue ;; esac
  rank=$("$bin" prior-art --index "$index" --json --limit 10 --text "$claim" 2>/dev/null |
    python3 -c "import json,sys; n=[h['publication_number'] for h in json.load(sys.stdin)['hits']]; print(n.index('$number')+1 if '$number' in n else '-')")
  echo "$number $rank"
  total=$((total + 1))
  if [ "$rank" != "-" ] && [ "$rank" -le 3 ]; then top3=$((top3 + 1)); fi
done < tests/fixtures/prior-art-claims.tsv
echo "source patent in the top 3: $top3 of $total"
