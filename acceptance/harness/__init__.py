"""Acceptance harness for terraform-provider-ci.

Tests run the real ``terraform`` CLI against the built provider, with AWS
emulated by moto in server mode and Kubernetes by the ``kube-standin``
binary, each started on a loopback port by the harness and always stopped.

Modules, from the bottom up:

- `paths`: where the repo, its tools, the shared CRDs and binaries are;
- `processes`: starting, stopping and leak-checking every process;
- `moto`, `kube`: the two emulators;
- `aws`: boto3 sessions against moto, including AssumeRole;
- `namespace`: account ids and names one scenario owns;
- `terraform`: the CLI in a working dir of its own;
- `scenario`: step lists shaped like Terraform's acceptance tests;
- `fixtures`: the pytest fixtures tying them together.
"""

from .aws import AwsSession
from .kube import KubeStandin
from .moto import MotoServer
from .namespace import Namespace
from .processes import HarnessError, ProcessRegistry
from .scenario import (
    Apply,
    CheckNothingLeft,
    Destroy,
    ExpectEmptyPlan,
    ExpectPlanChanges,
    ImportAndCompare,
    OutOfBand,
    Scenario,
    ScenarioFailure,
    StepContext,
    StepFailed,
)
from .terraform import Terraform, TerraformError

__all__ = [
    "Apply",
    "AwsSession",
    "CheckNothingLeft",
    "Destroy",
    "ExpectEmptyPlan",
    "ExpectPlanChanges",
    "HarnessError",
    "ImportAndCompare",
    "KubeStandin",
    "MotoServer",
    "Namespace",
    "OutOfBand",
    "ProcessRegistry",
    "Scenario",
    "ScenarioFailure",
    "StepContext",
    "StepFailed",
    "Terraform",
    "TerraformError",
]
