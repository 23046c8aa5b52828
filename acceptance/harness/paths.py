"""Where the harness finds the repository, its tools and the shared files.

Vocabulary:

- *repo*: the checkout holding this file (``acceptance/harness/paths.py``).
- *tools*: ``<repo>/.tools``, filled by ``scripts/setup-tools.sh``.
- *shared*: the project's shared folder, a sibling of the repo named
  ``shared/`` unless ``CI_SHARED_DIR`` says otherwise; it holds the CRDs.
- *target dir*: Cargo's ``<repo>/target/debug`` unless ``CARGO_TARGET_DIR``
  moves it; the provider and the Kubernetes stand-in are built there
  (``KUBE_STANDIN_BIN`` may name the stand-in's binary directly).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".tools"
VENV_BIN = TOOLS / "venv" / "bin"

TERRAFORM = TOOLS / "bin" / "terraform"
MOTO_SERVER = VENV_BIN / "moto_server"

PROVIDER_NAME = "terraform-provider-ci"
KUBE_STANDIN_NAME = "kube-standin"


def shared_dir() -> Path:
    """The shared folder: ``$CI_SHARED_DIR`` or the repo's sibling."""
    override = os.environ.get("CI_SHARED_DIR")
    if override:
        return Path(override).resolve()
    return (REPO.parent / "shared").resolve()


def crds_dir() -> Path:
    """The CRDs the Kubernetes stand-in registers."""
    return shared_dir() / "crds"


def cargo_target_debug() -> Path:
    """Cargo's debug output folder, honouring ``CARGO_TARGET_DIR``."""
    target = os.environ.get("CARGO_TARGET_DIR")
    base = Path(target) if target else REPO / "target"
    if not base.is_absolute():
        base = REPO / base
    return base / "debug"


def provider_binary() -> Path:
    """The provider binary Terraform's ``dev_overrides`` points at."""
    return cargo_target_debug() / PROVIDER_NAME


def kube_standin_binary() -> Path:
    """The Kubernetes API stand-in binary; ``$KUBE_STANDIN_BIN`` overrides."""
    override = os.environ.get("KUBE_STANDIN_BIN")
    if override:
        return Path(override).resolve()
    return cargo_target_debug() / KUBE_STANDIN_NAME
