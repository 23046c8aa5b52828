#!/usr/bin/env bash
# Build the release artifacts a private registry or filesystem mirror serves:
#
#   dist/terraform-provider-ci_<VERSION>_linux_amd64.zip   the binary, named
#                                                          terraform-provider-ci_v<VERSION>
#   dist/terraform-provider-ci_<VERSION>_manifest.json     protocol 6.0
#   dist/terraform-provider-ci_<VERSION>_SHA256SUMS        of the two above
#
# VERSION is the package version in Cargo.toml.
#
# Environment:
#   PROFILE=debug  package target/debug's binary as it is, without a release
#                  build (for tests; the default `release` builds one)
#   DIST_DIR=path  write the artifacts there instead of <repo>/dist
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

name="terraform-provider-ci"
profile="${PROFILE:-release}"
dist="${DIST_DIR:-$repo/dist}"
target="${CARGO_TARGET_DIR:-$repo/target}"
case "$target" in /*) ;; *) target="$repo/$target" ;; esac

# The first `version = "..."` of the [package] section.
version="$(awk -F'"' '
  /^\[/ { in_package = ($0 == "[package]") }
  in_package && /^version[[:space:]]*=/ { print $2; exit }
' Cargo.toml)"
if [[ -z "$version" ]]; then
  echo "package.sh: no version in Cargo.toml's [package]" >&2
  exit 1
fi

case "$profile" in
  release) cargo build --release --bin "$name" ;;
  debug) ;;
  *)
    echo "package.sh: PROFILE must be release or debug, not $profile" >&2
    exit 1
    ;;
esac
binary="$target/$profile/$name"
if [[ ! -x "$binary" ]]; then
  echo "package.sh: $binary not found (run cargo build first)" >&2
  exit 1
fi

zip_name="${name}_${version}_linux_amd64.zip"
manifest_name="${name}_${version}_manifest.json"
sums_name="${name}_${version}_SHA256SUMS"

mkdir -p "$dist"
rm -f "$dist/$zip_name" "$dist/$manifest_name" "$dist/$sums_name"

# python3's zipfile rather than zip(1), which minimal images lack. The entry
# is executable (mode 0755) so that Terraform can run it once unpacked.
python3 - "$binary" "$dist/$zip_name" "${name}_v${version}" <<'PY'
import sys
import zipfile

binary, archive, entry = sys.argv[1:]
info = zipfile.ZipInfo(entry, date_time=(1980, 1, 1, 0, 0, 0))
info.external_attr = (0o100755 & 0xFFFF) << 16
info.compress_type = zipfile.ZIP_DEFLATED
with open(binary, "rb") as source, zipfile.ZipFile(archive, "w") as out:
    out.writestr(info, source.read())
PY

printf '{"version":1,"metadata":{"protocol_versions":["6.0"]}}\n' >"$dist/$manifest_name"

(cd "$dist" && sha256sum "$zip_name" "$manifest_name" >"$sums_name")

echo "packaged ${name} ${version} (${profile}) into $dist:"
(cd "$dist" && ls -l "$zip_name" "$manifest_name" "$sums_name")
