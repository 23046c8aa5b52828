"""The bad-input corpus: each invalid configuration fails at the right step.

Resource blocks are checked by ``terraform validate`` (which calls the
provider's ValidateResourceConfig); the provider block only by ``plan``.
Plan cases point every AWS endpoint and the Kubernetes host at a closed
loopback port (and the harness sets ``AWS_ENDPOINT_URL`` to one too), so no
call to AWS or Kubernetes can succeed. Each case must report ``Error:``, its
summary, and the offending source line that Terraform quotes only when the
diagnostic carries the attribute path. The table is in ``bad_input/``.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

from harness.terraform import TerraformError


def _load_corpus():
    path = Path(__file__).parent / "bad_input" / "corpus.py"
    spec = importlib.util.spec_from_file_location("bad_input_corpus", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()

_REQUIRED_PROVIDERS = """\
terraform {
  required_providers {
    ci = { source = "registry.terraform.io/ci-platform/ci" }
  }
}
"""

KINDS = ("cluster", "runner_pool", "account_access", "warm_pool", "provider")


def test_the_corpus_has_at_least_60_cases_across_every_resource_and_the_provider():
    ids = [case.id for case in corpus.CASES]
    per_kind = Counter(case.kind for case in corpus.CASES)

    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert len(ids) >= 60
    assert set(per_kind) == set(KINDS)
    for case in corpus.CASES:
        assert case.id.startswith(f"{case.kind}-"), case.id


@pytest.mark.parametrize("kind", KINDS)
def test_every_baseline_is_accepted(terraform, provider_binary, kind):
    # The corpus's failures are due to the bad value, not to the baseline.
    terraform.write_config(_REQUIRED_PROVIDERS + corpus.valid_hcl(kind))

    if kind == "provider":
        code, _ = terraform.plan()
        assert code == 2
    else:
        assert "The configuration is valid" in terraform.validate().output


@pytest.mark.parametrize("case", corpus.CASES, ids=lambda case: case.id)
def test_bad_input_is_rejected_pointing_at_its_attribute(terraform, provider_binary, case):
    terraform.write_config(_REQUIRED_PROVIDERS + case.hcl())

    run = terraform.plan if case.command == "plan" else terraform.validate
    with pytest.raises(TerraformError) as failed:
        run()

    output = failed.value.completed.output
    assert "Error: " in output
    assert case.summary in output, output
    assert case.source_line in output, output
