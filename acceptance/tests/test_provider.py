"""The provider binary driven by the real Terraform 1.0.3.

Terraform launches the provider through ``dev_overrides``, negotiates
protocol 6 and pins its client certificate; these tests prove that the
configurations a platform team writes are checked by the provider itself.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from harness import paths
from harness.terraform import TerraformError

EXAMPLES = paths.REPO / "examples"
RESOURCES = {"ci_cluster", "ci_runner_pool", "ci_account_access", "ci_warm_pool"}


def use_example(terraform, name: str) -> None:
    for source in (EXAMPLES / name).glob("*.tf"):
        shutil.copy(source, terraform.config_dir / source.name)


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
def test_every_example_validates(terraform, provider_binary, example):
    use_example(terraform, example)

    output = terraform.validate().output

    assert "The configuration is valid" in output


def test_the_self_service_example_plans_a_pool_per_team_and_an_access_per_service_account(
    terraform, provider_binary
):
    # The YAML is read by `file()`, which `validate` leaves unevaluated; a
    # plan reads it. A new platform's plan makes no AWS or Kubernetes call,
    # so the example's provider block (real AWS, no endpoints) is kept as
    # is and AWS_ENDPOINT_URL stays on the harness's closed port.
    for source in (EXAMPLES / "self-service").iterdir():
        shutil.copy(source, terraform.config_dir / source.name)
    teams = yaml.safe_load((EXAMPLES / "self-service" / "teams.yaml").read_text())["teams"]
    tokens = {team: f"glrt-{team}-token" for team in teams}
    (terraform.config_dir / "tokens.auto.tfvars.json").write_text(json.dumps({"runner_tokens": tokens}))

    code, output = terraform.plan()

    accesses = [f"{team}/{sa}" for team, t in teams.items() for sa in t.get("accesses") or {}]
    assert code == 2, output
    for team in teams:
        assert f'ci_runner_pool.team["{team}"] will be created' in output
    for key in accesses:
        assert f'ci_account_access.team["{key}"] will be created' in output
    assert f"Plan: {len(teams) + len(accesses)} to add, 0 to change, 0 to destroy" in output
    assert not any(token in output for token in tokens.values()), "runner tokens stay out of the plan"


def test_the_platform_example_uses_all_four_resources_and_the_provider_block():
    text = "".join(p.read_text() for p in (EXAMPLES / "platform").glob("*.tf"))

    for resource in RESOURCES:
        assert f'resource "{resource}"' in text
    assert 'provider "ci"' in text


def test_schema_json_lists_the_provider_and_all_four_resources(terraform, provider_binary):
    use_example(terraform, "platform")

    schema = terraform.providers_schema_json()["provider_schemas"]
    ours = schema["registry.terraform.io/ci-platform/ci"]

    assert set(ours["resource_schemas"]) == RESOURCES
    assert "region" in ours["provider"]["block"]["attributes"]
    token = ours["resource_schemas"]["ci_runner_pool"]["block"]["attributes"]["runner_token"]
    assert token["sensitive"] is True


BAD_VALUES = [
    (
        'resource "ci_account_access" "a" {\n'
        '  cluster_name    = "ci"\n'
        '  account_id      = "12345"\n'
        '  oidc_issuer_url = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"\n'
        '  namespace       = "payments"\n'
        '  service_account = "deploy"\n'
        "}\n",
        "Invalid AWS account ID",
        'account_id      = "12345"',
    ),
    (
        'resource "ci_warm_pool" "w" {\n'
        '  cluster_name  = "ci"\n'
        '  runner_pool   = "payments"\n'
        '  node_role_arn = "arn:aws:iam::123456789012:role/node"\n'
        '  subnet_ids    = ["subnet-0123456789abcdef0"]\n'
        "  group {\n"
        '    name           = "small"\n'
        '    instance_types = ["c6i.large"]\n'
        "    desired_size   = 5\n"
        "    max_size       = 2\n"
        "  }\n"
        "}\n",
        "desired_size",
        "desired_size   = 5",
    ),
    (
        'provider "ci" {\n'
        "  endpoints {\n"
        '    iam = "not a url"\n'
        "  }\n"
        "}\n"
        'resource "ci_account_access" "a" {\n'
        '  cluster_name    = "ci"\n'
        '  oidc_issuer_url = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"\n'
        '  namespace       = "payments"\n'
        '  service_account = "deploy"\n'
        "}\n",
        "iam",
        'iam = "not a url"',
    ),
]

# Terraform 1.0.3's `validate` checks resource configurations with the
# provider but not the provider block itself; `plan` does.


@pytest.mark.parametrize("config,summary,source_line", BAD_VALUES)
def test_validate_rejects_a_bad_value_pointing_at_its_attribute(
    terraform, provider_binary, config, summary, source_line
):
    terraform.write_config(_REQUIRED_PROVIDERS + config)

    run = terraform.plan if config.startswith("provider") else terraform.validate
    with pytest.raises(TerraformError) as failed:
        run()

    output = failed.value.completed.output
    assert "Error: " in output
    assert summary in output
    # Terraform quotes the offending line only when the diagnostic carries
    # the attribute path.
    assert source_line in output


_REQUIRED_PROVIDERS = """
terraform {
  required_providers {
    ci = { source = "registry.terraform.io/ci-platform/ci" }
  }
}
"""
