"""The release artifacts, installed the way a team with a private mirror does.

``scripts/package.sh`` builds the zip, its manifest and SHA256SUMS. Here it
packages the debug binary (``PROFILE=debug``, no release build, to keep the
suite fast); the zip is laid out as a ``filesystem_mirror`` in the packed
layout, and the real Terraform 1.0.3 installs it with ``terraform init``,
with no ``dev_overrides``, and plans a configuration with it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from harness import paths
from harness.terraform import PROVIDER_ADDRESS

NAME = "terraform-provider-ci"
PACKAGE = paths.REPO / "scripts" / "package.sh"
MANIFEST = {"version": 1, "metadata": {"protocol_versions": ["6.0"]}}

CONFIG = """
terraform {
  required_providers {
    ci = {
      source  = "registry.terraform.io/ci-platform/ci"
      version = "VERSION"
    }
  }
}

# Nothing is reachable: planning a new access needs no API call.
provider "ci" {
  region = "eu-west-1"

  endpoints {
    iam = "http://127.0.0.1:1"
    sts = "http://127.0.0.1:1"
  }

  kubernetes {
    host = "http://127.0.0.1:1"
  }
}

resource "ci_account_access" "deploy" {
  cluster_name    = "ci-central"
  account_id      = "111111111111"
  oidc_issuer_url = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
  namespace       = "ci-payments"
  service_account = "payments-deploy"
  policy_arns     = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
}
"""


def cargo_version() -> str:
    in_package = False
    for line in (paths.REPO / "Cargo.toml").read_text().splitlines():
        if line.startswith("["):
            in_package = line.strip() == "[package]"
        elif in_package and line.startswith("version"):
            return line.split('"')[1]
    raise AssertionError("no version in Cargo.toml's [package]")


@pytest.fixture(scope="module")
def version() -> str:
    return cargo_version()


@pytest.fixture
def dist(tmp_path: Path, provider_binary: Path) -> Path:
    """The artifacts of ``package.sh`` with the debug binary, in a temp dir."""
    out = tmp_path / "dist"
    env = dict(os.environ, PROFILE="debug", DIST_DIR=str(out))
    done = subprocess.run(
        [str(PACKAGE)],
        env=env,
        cwd=paths.REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_package_writes_the_zip_manifest_and_matching_sha256sums(dist, version):
    zip_path = dist / f"{NAME}_{version}_linux_amd64.zip"
    manifest = dist / f"{NAME}_{version}_manifest.json"
    sums = dist / f"{NAME}_{version}_SHA256SUMS"

    assert sorted(p.name for p in dist.iterdir()) == sorted(
        [zip_path.name, manifest.name, sums.name]
    )
    assert json.loads(manifest.read_text()) == MANIFEST
    # The standard `sha256sum` format: hash, two spaces, file name.
    assert sums.read_text().splitlines() == [
        f"{sha256(zip_path)}  {zip_path.name}",
        f"{sha256(manifest)}  {manifest.name}",
    ]
    with zipfile.ZipFile(zip_path) as archive:
        (entry,) = archive.infolist()
    assert entry.filename == f"{NAME}_v{version}"
    assert (entry.external_attr >> 16) & 0o111, "the binary must be executable"
    assert entry.file_size == paths.provider_binary().stat().st_size


def test_the_repository_manifest_declares_protocol_6():
    manifest = paths.REPO / "terraform-registry-manifest.json"

    assert json.loads(manifest.read_text()) == MANIFEST


def test_init_installs_the_zip_from_a_filesystem_mirror_and_plan_works(
    terraform, dist, version, tmp_path
):
    zip_path = dist / f"{NAME}_{version}_linux_amd64.zip"
    mirror = tmp_path / "mirror"
    packed = mirror / PROVIDER_ADDRESS
    packed.mkdir(parents=True)
    shutil.copy(zip_path, packed / zip_path.name)
    # Only the mirror: no dev_overrides, no direct installation.
    (terraform.workdir / "cli.tfrc").write_text(
        "disable_checkpoint = true\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path = {json.dumps(str(mirror))}\n"
        "  }\n"
        "}\n"
    )
    terraform.write_config(CONFIG.replace("VERSION", version))

    init = terraform.run("init", "-no-color", "-input=false").output

    assert f"Installing ci-platform/ci v{version}" in init
    assert f"Installed ci-platform/ci v{version}" in init
    assert "overrides" not in init
    lock = (terraform.config_dir / ".terraform.lock.hcl").read_text()
    assert f'provider "{PROVIDER_ADDRESS}"' in lock
    assert re.search(rf'^\s*version\s*=\s*"{re.escape(version)}"$', lock, re.M), lock
    # Installing from a local archive records the h1: hash of its contents;
    # a zh: hash (recorded from a registry's SHA256SUMS) is the zip's SHA-256.
    assert re.search(r'"h1:[A-Za-z0-9+/]{43}="', lock), lock
    for line in lock.splitlines():
        if '"zh:' in line:
            assert f'"zh:{sha256(zip_path)}"' in line
    unpacked = (
        terraform.config_dir / ".terraform/providers" / PROVIDER_ADDRESS / version / "linux_amd64"
    )
    assert (unpacked / f"{NAME}_v{version}").is_file()

    code, plan = terraform.plan(detailed_exitcode=True)

    assert code == 2, plan
    assert "1 to add, 0 to change, 0 to destroy" in plan
    assert "ci_account_access.deploy will be created" in plan
