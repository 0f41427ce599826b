#!/usr/bin/env bash
# Runs every benchmark of the project and writes benches/RESULTS.md: each
# benchmark's figures (with their units, as it prints them), the command that
# produced them, the data, and the machine (cores, CPU model, load average).
#
#   bash benches/run-all.sh            # everything: about 40 minutes on 2 cores
#   QUICK=1 bash benches/run-all.sh    # 1M-vector set cut to 200,000, 10 s HTTP runs
#   VECTORS_BENCH_KEEP=1 bash benches/run-all.sh   # reuse a kept 1M-vector index
#
# Steps: ingest parse rate; index build of the 6,940-patent corpus with
# vectors (`patsearch ingest`, timed, peak RSS); keyword index build and
# query latency; embedding throughput and query latency; HNSW on the corpus
# vectors and on 1,000,000 structured vectors; search latency per mode;
# summary and prior-art latency; HTTP load per mode (wrk). The benchmarks
# read ../shared (the corpus, the eval topics, bench inputs): it must exist.
# Other processes skew every figure: run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared
[ -d "$shared/data/corpus" ] || { echo "no $shared/data/corpus: the benchmarks need the shared data" >&2; exit 1; }
[ -f models/all-MiniLM-L6-v2/model.safetensors ] || bash models/fetch.sh
out=target/bench-results
mkdir -p "$out"
index=target/bench-index
quick=${QUICK:-0}
large=1000000
duration=30s
if [ "$quick" = 1 ]; then large=200000; duration=10s; fi

results=benches/RESULTS.md.tmp
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB memory"
# The CPU flags the kernels choose between (PATSEARCH_SIMD; patsearch-simd).
flags=$(grep -m1 -oE '^flags.*' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'avx|avx2|fma|f16c|avx512[a-z_0-9]*|asimd|fphp|sve' | tr '\n' ' ' | xargs)
{
  echo "# Benchmark results"
  echo
  echo "Written by \`bash benches/run-all.sh\` on $(date -u +%Y-%m-%d) at commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')."
  echo
  echo "- Machine: $machine; $(rustc --version)."
  echo "- CPU flags: ${flags:-none of avx/avx2/fma/avx512/asimd}; kernels: ${PATSEARCH_SIMD:-the widest the CPU runs} (\`PATSEARCH_SIMD\`); \`gemm\`'s large products always take the widest."
  echo "- Corpus: \`../shared/data/corpus/patents-2013.jsonl.zst\` (6,940 US patents with full descriptions) unless a section says otherwise."
  if [ "$quick" = 1 ]; then echo "- Quick run (\`QUICK=1\`): the structured vector set has $large vectors instead of 1,000,000, and each HTTP load run lasts $duration."; fi
  echo "- Each section gives the command and what the benchmark printed. Each benchmark's source file says at its top what it measures and on what data."
  echo
} > "$results"

# section TITLE COMMAND...: runs the command, keeps its output in $out and the
# lines with figures in RESULTS.md.
section() {
  local title=$1; shift
  local log="$out/$(echo "$title" | tr 'A-Z ' 'a-z-' | tr -cd 'a-z0-9-').log"
  echo "== $title: $*" >&2
  local start=$SECONDS
  if ! "$@" > "$log" 2>&1; then
    echo "$title failed; see $log" >&2
    tail -20 "$log" >&2
    exit 1
  fi
  {
    echo "## $title"
    echo
    echo "Command: \`$*\` ($((SECONDS - start)) s; load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
    echo
    echo '```'
    # criterion's progress lines and cargo's build lines are noise here.
    grep -vE '^\s*(Compiling|Finished|Running|Benchmarking .*: (Warming|Collecting|Analyzing))|^Gnuplot|^$' "$log" | sed -e 's/\x1b\[[0-9;]*m//g'
    echo '```'
    echo
  } >> "$results"
}

build_index() {
  rm -rf "$index"
  cargo build --release --quiet
  /usr/bin/time -v target/release/patsearch ingest --index "$index" "$shared/data/corpus/patents-2013.jsonl.zst" 2> "$out/ingest-time.txt" | tail -5
  grep -E "Elapsed|Maximum resident" "$out/ingest-time.txt"
  du -sh "$index" "$index"/* | sed 's/^/size on disk: /'
}

# Paced at 60 ms between a connection's requests: about 100 requests/s from
# 8 connections, the load issue 6's latency goals are set at.
http_load() {
  for mode in hybrid keyword semantic; do
    MODE=$mode DURATION=$duration THINK_MS=${THINK_MS:-60} bash benches/http-load.sh "$index"
  done
}

section "Ingest parse rate" cargo bench --bench ingest
section "Index build (keyword + vectors, 6,940 patents)" build_index
section "Keyword index build and query latency" cargo bench --bench keyword
section "Embedding throughput and query latency" env EMBED_BENCH_SWEEP=0 EMBED_BENCH_EXPORT=1 cargo bench --bench embed
section "Query embedding per instruction set" env EMBED_BENCH_ONLY=query cargo bench --bench embed
if [ -x target/peer-venv/bin/python ]; then
  section "onnxruntime peer (same machine, same run)" target/peer-venv/bin/python benches/peer/onnxruntime_peer.py
fi
section "HNSW (corpus vectors and $large structured vectors)" env VECTORS_BENCH_LARGE=$large cargo bench --bench vectors
section "Search latency per mode" env ENGINE_BENCH_INDEX=$index cargo bench --bench engine
if [ -f benches/summary.rs ]; then
  section "Summary and prior-art latency" env SUMMARY_BENCH_INDEX=$index cargo bench --bench summary
fi
section "HTTP load (wrk, concurrency 8)" http_load

# The scale section takes hours to measure (benches/scale.sh): kept as it was.
if [ -f benches/RESULTS.md ]; then
  python3 - benches/RESULTS.md >> "$results" <<'EOF'
import re, sys
found = re.search(r"## Scale \(issue 24\)\n.*?(?=\n## |\Z)", open(sys.argv[1]).read(), flags=re.S)
print(found.group(0).rstrip("\n") + "\n" if found else "", end="")
EOF
fi
mv "$results" benches/RESULTS.md
echo "wrote benches/RESULTS.md" >&2
