"""Upgrading the provider never replaces anything.

The state in `fixtures/platform-v0.tfstate` was written by the first
release (every resource at schema version 0) applying `examples/platform`.
This version must read it (upgrading `ci_warm_pool` to schema version 1)
and plan no change for the same configuration: no replacement of the
cluster, nothing at all. The plan does not refresh, so no AWS or
Kubernetes call is made (every endpoint is a closed port).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from harness.terraform import Terraform

FIXTURE = Path(__file__).parent / "fixtures" / "platform-v0.tfstate"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "platform"
# The fixture was written on a Thursday, when warm pools run at week size.
WRITTEN_ON_A_THURSDAY = "2026-12-03T18:00:00Z"


def test_the_first_releases_state_plans_no_change(tmp_path, processes, provider_binary):
    terraform = Terraform(
        tmp_path / "terraform", processes, env={"CI_WARM_POOL_NOW": WRITTEN_ON_A_THURSDAY}
    )
    for source in EXAMPLE.glob("*.tf"):
        shutil.copy(source, terraform.config_dir / source.name)
    closed = "http://127.0.0.1:1"
    (terraform.config_dir / "terraform.tfvars").write_text(
        f'aws_endpoint = "{closed}"\nkubernetes_host = "{closed}"\n'
    )
    state = json.loads(FIXTURE.read_text())
    versions = {r["type"]: r["instances"][0]["schema_version"] for r in state["resources"]}
    assert set(versions.values()) == {0}, versions
    shutil.copy(FIXTURE, terraform.config_dir / "terraform.tfstate")

    done = terraform.run(
        "plan", "-no-color", "-input=false", "-refresh=false", "-detailed-exitcode",
        ok_codes=(0, 2),
    )

    output = done.output
    assert done.code == 0, output
    assert "No changes" in output
