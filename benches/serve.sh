# Sourced by the HTTP benchmarks: `serve_index INDEX PORT LOG` starts
# `patsearch serve` on 127.0.0.1:PORT in the background, stops it when the
# calling script exits, and returns once /readyz answers. BIN names another
# build's binary to measure (an A/B against a copy of an older build); by
# default this checkout's, built here.
serve_index() {
  local index=$1 port=$2 log=$3
  [ -d "$index" ] || { echo "no index at $index: build it with the README's first command" >&2; exit 1; }
  if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet
    BIN=target/release/patsearch
  fi
  "$BIN" serve --index "$index" --addr "127.0.0.1:$port" > "$log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "patsearch serve did not become ready on port $port (see $log)" >&2
  exit 1
}
