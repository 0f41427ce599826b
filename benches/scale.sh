#!/usr/bin/env bash
# Scale benchmark. For each size N given: an index of N documents (the 6,940
# real patents of the corpus, then N - 6,940 records of benches/scale-corpus,
# seed SEED), keyword-only, timed (wall, documents/s, peak RSS, size on disk);
# then `patsearch serve` on it under wrk: keyword search with the
# natural-language and the keyword form of the 45 eval topics, with facets,
# without snippets, each paced (8 connections, PACE_MS between a connection's
# requests: about 100 requests/s) and at saturation, and the server's RSS;
# then a weekly update (WEEK records after the loaded ones, added with
# `patsearch ingest`), the replacement of 1,000 stored documents and the
# deletion of 1,000. Sizes run in turn in one sitting, so ratios between them
# are fair; the figures go to the "Scale" section of benches/RESULTS.md
# (replacing an older one), with this command.
#
# An index that benches/scale-load.sh loaded in slices (a million documents
# take more than one sitting) is used as it is, with the sum of its slices'
# walls and their highest peak RSS as the ingest figures; the week, the
# replacements and the deletions below then change it.
#
# VECTORS=1 then gives each index a vector side (`scale-vectors`: the real
# patents embedded with the model, title and abstract; every generated record
# a structured vector around its donor's, see benches/scale-corpus/README.md)
# and measures semantic and hybrid search the same way, with the
# natural-language queries; MODEL (default models/all-MiniLM-L6-v2).
#
# Usage: bash benches/scale.sh N... (for example: 6940 100000 1000000)
# WORK (default target/scale) holds the generated corpora, kept between runs
# (the generator never overwrites a file), and the indexes, rebuilt each run.
# The script only removes an index directory it created (it leaves a marker
# beside it) and refuses any other. SEED=2026, WEEK=14000, PACE_MS=60,
# DURATION=20s, PORT=18090.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: bash benches/scale.sh N... (sizes, for example 6940 100000)" >&2; exit 2; }
shared=../shared
corpus=$shared/data/corpus/patents-2013.jsonl.zst
[ -f "$corpus" ] || { echo "no $corpus: the benchmark needs the shared data beside the project root" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
real=6940
work=${WORK:-target/scale}
seed=${SEED:-2026}
week=${WEEK:-14000}
pace=${PACE_MS:-60}
duration=${DURATION:-20s}
port=${PORT:-18090}
with_vectors=${VECTORS:-0}
model=${MODEL:-models/all-MiniLM-L6-v2}
for n in "$@"; do
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge "$real" ] || { echo "each size must be a number >= $real (the real corpus is part of every index): $n" >&2; exit 2; }
done
mkdir -p "$work"
cargo build --release --quiet -p patsearch -p patsearch-scale-corpus
bin=target/release/patsearch
gen=target/release/scale-corpus
vectors_tool=target/release/scale-vectors
if [ "$with_vectors" = 1 ] && [ ! -f "$model/model.safetensors" ]; then
  echo "no model at $model: run bash models/fetch.sh" >&2; exit 1
fi
rows=$work/rows.md
: > "$rows"

# corpus FIRST COUNT: the generated records FIRST..FIRST+COUNT, made once.
corpus_file() {
  local file=$work/scale-seed$seed-$1-$2.jsonl.zst
  [ -f "$file" ] || "$gen" --seed "$seed" --start "$1" --docs "$2" --out "$file" >&2
  echo "$file"
}

# Refuses an index directory the script did not create; removes its own.
claim_index() {
  local index=$1
  if [ -e "$index" ]; then
    [ -f "$index.created-by-scale-bench" ] || { echo "$index exists and was not created by benches/scale.sh: refusing to overwrite it" >&2; exit 1; }
    rm -rf "$index"
  fi
  touch "$index.created-by-scale-bench"
}

# timed LABEL COMMAND...: runs it under /usr/bin/time; sets wall (s) and rss (MiB).
timed() {
  local label=$1; shift
  local shown="$*"; echo "== $label: ${shown:0:160}" >&2
  /usr/bin/time -f '%e %M' -o "$work/time.txt" "$@" > "$work/$label.log" 2>&1 || { tail -20 "$work/$label.log" >&2; exit 1; }
  read -r wall kib < "$work/time.txt"
  rss=$((kib / 1024))
}

# load QUERIES FACETS HIGHLIGHT THINK [MODE]: one wrk run; prints "req/s p50 p99".
load() {
  QUERIES=$1 MODE=${5:-keyword} FACETS=$2 HIGHLIGHT=$3 THINK_MS=$4 wrk -t 2 -c 8 -d "$duration" --timeout 30s --latency \
    -s benches/http/queries.lua "http://127.0.0.1:$port" > "$work/wrk.txt"
  grep -q 'status 0 timeout 0' "$work/wrk.txt" || { cat "$work/wrk.txt" >&2; echo "failed requests" >&2; exit 1; }
  sed -nE 's/^requests\/s ([0-9.]+), latency p50 ([0-9.]+) ms, p90 [0-9.]+ ms, p99 ([0-9.]+) ms.*/\1 \2 \3/p' "$work/wrk.txt"
}

# warm MODE QUERIES: every query once, one at a time, before the timed runs:
# a time-boxed warm-up leaves a large index mostly on disk (at 1,000,000
# documents 5 s of wrk read a few dozen queries' postings of 47 GB).
warm() {
  python3 - "http://127.0.0.1:$port/v1/search" "$1" "$2" <<'PY'
import json, sys, urllib.request
url, mode, path = sys.argv[1:]
for line in open(path, encoding="utf-8"):
    text = line.rstrip("\n").partition("\t")[2]
    if text:
        body = json.dumps({"query": text, "mode": mode, "limit": 10}).encode()
        request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=300).read()
PY
}

# serve INDEX LOG: starts `patsearch serve` (pid in $server) and waits until it is ready.
serve() {
  "$bin" serve --index "$1" --addr "127.0.0.1:$port" --model "$model" > "$2" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  for _ in $(seq 1 3000); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { echo "the server did not become ready (see $2)" >&2; exit 1; }
}

for n in "$@"; do
  index=$work/index-$n
  extra=$((n - real))
  if [ -f "$index.load" ]; then
    # Loaded in slices by benches/scale-load.sh: its walls summed, its peak.
    read -r loaded ingest_wall ingest_rss <<< "$(awk '!/^#/ { end = $1 + $2; if (end > max) max = end; wall += $3; if ($4 > rss) rss = $4 } END { print max + 0, wall, rss + 0 }' "$index.load")"
    [ "$loaded" -ge "$extra" ] || { echo "$index.load covers $loaded of $extra generated records: run benches/scale-load.sh $n first" >&2; exit 1; }
  else
    claim_index "$index"
    inputs=("$corpus")
    [ "$extra" -gt 0 ] && inputs+=("$(corpus_file 0 "$extra")")
    timed "ingest-$n" "$bin" ingest --no-embed --quiet "${inputs[@]}" --index "$index"
    ingest_wall=$wall ingest_rss=$rss
  fi
  size_mb=$(du -sm "$index" | cut -f1)

  serve "$index" "$work/serve-$n.log"
  nl=$shared/eval/nl/queries-nl.tsv kw=$shared/eval/nl/queries-kw.tsv
  warm keyword "$nl"; warm keyword "$kw"
  http=()
  for config in "NL:$nl:false:true" "KW:$kw:false:true" "NL, facets:$nl:true:true" "NL, no snippets:$nl:false:false"; do
    IFS=: read -r name queries facets highlight <<< "$config"
    read -r paced_rate paced_p50 paced_p99 <<< "$(load "$queries" "$facets" "$highlight" "$pace")"
    read -r sat_rate sat_p50 sat_p99 <<< "$(load "$queries" "$facets" "$highlight" 0)"
    http+=("| $n | $name | $paced_rate | $paced_p50 / $paced_p99 | $sat_rate | $sat_p50 / $sat_p99 |")
  done
  server_rss=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$server/status")
  kill "$server"; wait "$server" 2>/dev/null || true
  trap - EXIT

  week_file=$(corpus_file "$extra" "$week")
  timed "week-$n" "$bin" ingest --no-embed --quiet "$week_file" --index "$index"
  week_wall=$wall
  replace=$work/replace-$n.jsonl
  # head closes the pipe early: zstd's SIGPIPE is expected.
  zstd -dcq "$week_file" | head -n 1000 > "$replace" || true
  timed "replace-$n" "$bin" ingest --no-embed --quiet "$replace" --index "$index"
  replace_wall=$wall
  mapfile -t numbers < <(python3 -c 'import json,sys; [print(json.loads(l)["publication_number"]) for l in open(sys.argv[1])]' "$replace")
  timed "delete-$n" "$bin" delete --index "$index" "${numbers[@]}"
  delete_wall=$wall
  rm -f "$replace"

  if [ "$with_vectors" = 1 ]; then
    timed "vectors-$n" "$vectors_tool" --index "$index" --model "$model" --corpus "$corpus" --seed "$seed"
    vectors_wall=$wall vectors_rss=$rss
    serve "$index" "$work/serve-vectors-$n.log"
    warm semantic "$nl"; warm hybrid "$nl"
    for mode in semantic hybrid; do
      read -r paced_rate paced_p50 paced_p99 <<< "$(load "$nl" false true "$pace" "$mode")"
      read -r sat_rate sat_p50 sat_p99 <<< "$(load "$nl" false true 0 "$mode")"
      http+=("| $n | NL, $mode | $paced_rate | $paced_p50 / $paced_p99 | $sat_rate | $sat_p50 / $sat_p99 |")
    done
    vectors_server_rss=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$server/status")
    kill "$server"; wait "$server" 2>/dev/null || true
    trap - EXIT
    echo "vectors|$n|$vectors_wall|$vectors_rss|$vectors_server_rss|$(tail -1 "$work/vectors-$n.log")" >> "$rows"
  fi

  {
    echo "ingest|$n|$ingest_wall|$(awk -v n="$n" -v s="$ingest_wall" 'BEGIN {printf "%.0f", n / s}')|$ingest_rss|$size_mb|$server_rss|$week_wall|$replace_wall|$delete_wall"
    printf 'http%s\n' "${http[@]}"
  } >> "$rows"
done

section=$work/section.md
{
  echo "## Scale (issue 24)"
  echo
  echo "Command: \`bash benches/scale.sh $*\` on $(date -u +%Y-%m-%d) at commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)'); $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average after: $(cut -d' ' -f1-3 /proc/loadavg). Keyword-only indexes: the 6,940 real patents plus records of \`benches/scale-corpus\` (seed $seed)."
  echo
  for n in "$@"; do if [ -f "$work/index-$n.load" ]; then echo "The $n-document index was loaded in slices by \`benches/scale-load.sh $n\` (slices in \`$work/index-$n.load\`: first record, records, wall s, peak RSS MiB, nice level): its ingest wall is their sum."; echo; fi; done
  echo "| documents | ingest wall s | docs/s | ingest peak RSS MiB | index MB | server peak RSS MiB | week of $week added, s | 1,000 replaced, s | 1,000 deleted, s |"
  echo "|---|---|---|---|---|---|---|---|---|"
  grep '^ingest|' "$rows" | cut -d'|' -f2- | sed 's/^/| /; s/$/ |/; s/|/ | /g; s/  */ /g; s/^ //; s/ $//'
  echo
  if grep -q '^vectors|' "$rows"; then
    echo "Vector side added afterwards (\`scale-vectors\`, after the week, the replacements and the deletions; one title-and-abstract vector per document, $model):"
    echo
    echo "| documents | vectors wall s | peak RSS MiB | server peak RSS MiB with vectors | what it did |"
    echo "|---|---|---|---|---|"
    grep '^vectors|' "$rows" | cut -d'|' -f2- | sed 's/^/| /; s/$/ |/; s/|/ | /g; s/  */ /g; s/^ //; s/ $//'
    echo
  fi
  echo "Search over HTTP (\`POST /v1/search\`, mode keyword unless the row says otherwise, limit 10, wrk 8 connections, $duration each; paced: $pace ms between a connection's requests):"
  echo
  echo "| documents | queries | paced req/s | paced p50 / p99 ms | saturation req/s | saturation p50 / p99 ms |"
  echo "|---|---|---|---|---|---|"
  grep '^http' "$rows" | sed 's/^http//'
  echo
} > "$section"

# Splice: the new section replaces an older "## Scale (issue 24)" one.
results=benches/RESULTS.md
python3 - "$results" "$section" <<'EOF'
import re, sys
path, section = sys.argv[1], open(sys.argv[2]).read()
text = open(path).read() if __import__("os").path.exists(path) else "# Benchmark results\n\n"
text = re.sub(r"## Scale \(issue 24\)\n.*?(?=\n## |\Z)", "", text, flags=re.S).rstrip("\n") + "\n\n"
open(path, "w").write(text + section)
EOF
cat "$section"
