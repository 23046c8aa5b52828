"""Self-tests of the acceptance harness and the real components it runs.

They prove what every scenario relies on: Terraform is the pinned 1.0.3
and reads only our CLI configuration; moto serves AssumeRole into other
account ids and the services the provider calls; the Kubernetes stand-in
enforces the Karpenter CRD schema; the step runner behaves like
Terraform's own acceptance framework; and the process-leak check catches
what it should.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest
import requests

from harness import (
    Apply,
    CheckNothingLeft,
    Destroy,
    ExpectEmptyPlan,
    ExpectPlanChanges,
    OutOfBand,
    ProcessRegistry,
    Scenario,
    StepFailed,
)
from harness.scenario import differences

# -- Terraform ----------------------------------------------------------------


def test_terraform_is_version_1_0_3(terraform):
    assert terraform.version() == "Terraform v1.0.3"


def test_terraform_reads_only_its_own_cli_config(terraform):
    terraform.write_config('output "x" { value = 1 }')

    output = terraform.validate().output

    assert "Provider development overrides are in effect" in output
    assert f"ci-platform/ci in {terraform.provider_dir}" in output
    env = terraform.env()
    assert env["TF_CLI_CONFIG_FILE"] == str(terraform.workdir / "cli.tfrc")
    assert env["AWS_ACCESS_KEY_ID"] == "AKIAIOSFODNN7EXAMPLE"
    assert "AWS_PROFILE" not in env
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"


def test_terraform_loads_the_built_provider(terraform, provider_binary):
    terraform.write_config(_REQUIRES_CI_PROVIDER)

    schemas = terraform.providers_schema_json()["provider_schemas"]

    assert "registry.terraform.io/ci-platform/ci" in schemas


_REQUIRES_CI_PROVIDER = """
terraform {
  required_providers {
    ci = { source = "ci-platform/ci" }
  }
}
"""

# -- Scenario runner ----------------------------------------------------------

# A configuration without providers whose plan depends on a file, so that
# writing the file is an out-of-band change Terraform's plan must notice.
_GREETING = """
output "greeting" {
  value = trimspace(file("${path.module}/greeting.txt"))
}
"""


def _write_greeting(text):
    def write(ctx):
        (ctx.terraform.config_dir / "greeting.txt").write_text(text)

    write.__name__ = f"write_greeting({text!r})"
    return write


def _outputs_left(ctx):
    return [f"output {name}" for name in ctx.terraform.outputs()]


def test_scenario_runs_apply_plan_drift_and_destroy_in_order(terraform):
    (terraform.config_dir / "greeting.txt").write_text("hello\n")

    Scenario(
        terraform,
        [
            Apply(_GREETING),
            ExpectEmptyPlan(),
            OutOfBand(_write_greeting("bonjour")),
            ExpectPlanChanges(contains=["greeting", '"hello" -> "bonjour"']),
            Apply(_GREETING),
            ExpectEmptyPlan(),
            Destroy(),
            CheckNothingLeft(_outputs_left),
        ],
    ).run()


def test_scenario_destroys_when_a_step_fails(terraform):
    (terraform.config_dir / "greeting.txt").write_text("hello\n")
    scenario = Scenario(
        terraform, [Apply(_GREETING), ExpectPlanChanges(contains=["greeting"])]
    )

    with pytest.raises(StepFailed, match=r"step 2 of 2, ExpectPlanChanges"):
        scenario.run()

    assert terraform.outputs() == {}


def test_scenario_check_nothing_left_fails_on_leftovers(terraform):
    (terraform.config_dir / "greeting.txt").write_text("hello\n")
    scenario = Scenario(terraform, [Apply(_GREETING), CheckNothingLeft(_outputs_left)])

    with pytest.raises(StepFailed, match=r"left behind.*\n  output greeting"):
        scenario.run()

    assert terraform.outputs() == {}


def test_apply_expecting_an_error_accepts_a_matching_failure(terraform):
    broken = 'output "x" { value = file("${path.module}/missing.txt") }'

    Scenario(terraform, [Apply(broken, expect_error=r"no file exists")]).run()


def test_scenario_destroys_with_the_last_applied_config_after_an_error(terraform):
    (terraform.config_dir / "greeting.txt").write_text("hello\n")
    broken = 'output "x" { value = file("${path.module}/missing.txt") }'

    Scenario(
        terraform, [Apply(_GREETING), Apply(broken, expect_error=r"no file exists")]
    ).run()

    assert terraform.outputs() == {}


@pytest.mark.parametrize(
    "applied, imported, ignore, expected",
    [
        ({"a": 1}, {"a": 1}, [], []),
        ({"a": 1}, {"a": 2}, [], ["a: applied 1, imported 2"]),
        (
            {"t": {"k": "v"}},
            {"t": {}},
            [],
            ["t: applied (absent), imported {}", "t.k: applied 'v', imported (absent)"],
        ),
        ({"l": []}, {"l": None}, [], ["l: applied [], imported None"]),
        ({"s": "x", "n": [1]}, {"s": "y", "n": [2]}, ["s", "n"], []),
    ],
    ids=["equal", "changed", "key dropped", "empty list vs null", "ignored"],
)
def test_import_comparison_lists_each_differing_path(
    applied, imported, ignore, expected
):
    assert differences(applied, imported, ignore) == expected


# -- moto ---------------------------------------------------------------------


def test_moto_assume_role_acts_in_the_other_account(aws, namespace):
    target = namespace.target_account_ids[0]
    role_name = namespace.name("only-in-target")

    other = aws.assume_role(target, "OrganizationAccountAccessRole")
    created = other.client("iam").create_role(
        RoleName=role_name, AssumeRolePolicyDocument=json.dumps(_TRUST)
    )["Role"]

    assert other.account_id() == target
    assert created["Arn"] == f"arn:aws:iam::{target}:role/{role_name}"
    assert role_name in _role_names(other)
    assert role_name not in _role_names(aws)


def test_moto_registers_an_oidc_provider_in_the_target_account(aws, namespace):
    target = namespace.target_account_ids[1]
    issuer = f"oidc.eks.eu-west-1.amazonaws.com/id/{namespace.slug.upper()}"

    other = aws.assume_role(target, "OrganizationAccountAccessRole")
    arn = other.client("iam").create_open_id_connect_provider(
        Url=f"https://{issuer}",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
    )["OpenIDConnectProviderArn"]

    assert arn == f"arn:aws:iam::{target}:oidc-provider/{issuer}"
    listed = aws.client("iam").list_open_id_connect_providers()
    assert arn not in [p["Arn"] for p in listed["OpenIDConnectProviderList"]]


def test_moto_serves_eks_sqs_events_and_scheduler(aws, namespace):
    ci = aws.assume_role(namespace.ci_account_id, "ci-admin")
    eks = ci.client("eks")
    cluster = namespace.cluster_name

    created = eks.create_cluster(
        name=cluster,
        roleArn=f"arn:aws:iam::{namespace.ci_account_id}:role/{cluster}",
        resourcesVpcConfig={"subnetIds": ["subnet-0a", "subnet-0b"]},
    )["cluster"]
    group = eks.create_nodegroup(
        clusterName=cluster,
        nodegroupName=namespace.name("warm"),
        nodeRole=f"arn:aws:iam::{namespace.ci_account_id}:role/node",
        subnets=["subnet-0a"],
        scalingConfig={"minSize": 0, "maxSize": 4, "desiredSize": 2},
    )["nodegroup"]
    queue = ci.client("sqs").create_queue(QueueName=namespace.name("q"))
    rule = ci.client("events").put_rule(
        Name=namespace.name("spot"), EventPattern='{"source":["aws.ec2"]}'
    )
    schedule = ci.client("scheduler").create_schedule(**_weekend_schedule(namespace))

    assert created["status"] == "ACTIVE"
    assert created["identity"]["oidc"]["issuer"].startswith("https://oidc.eks.")
    assert group["status"] == "ACTIVE"
    assert f"/{namespace.ci_account_id}/" in queue["QueueUrl"]
    assert f":{namespace.ci_account_id}:rule/" in rule["RuleArn"]
    assert f":{namespace.ci_account_id}:schedule/" in schedule["ScheduleArn"]


_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "eks.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _role_names(session):
    roles = session.client("iam").list_roles()["Roles"]
    return [role["RoleName"] for role in roles]


def _weekend_schedule(namespace):
    return {
        "Name": namespace.name("scale-down"),
        "ScheduleExpression": "cron(0 20 ? * FRI *)",
        "ScheduleExpressionTimezone": "Europe/Berlin",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {
            "Arn": "arn:aws:scheduler:::aws-sdk:eks:updateNodegroupConfig",
            "RoleArn": f"arn:aws:iam::{namespace.ci_account_id}:role/scheduler",
            "Input": "{}",
        },
    }


# -- Kubernetes stand-in ------------------------------------------------------

_NODEPOOLS = "/apis/karpenter.sh/v1/nodepools"

_VALID_NODEPOOL = {
    "apiVersion": "karpenter.sh/v1",
    "kind": "NodePool",
    "metadata": {"name": "payments"},
    "spec": {
        "template": {
            "spec": {
                "nodeClassRef": {
                    "group": "karpenter.k8s.aws",
                    "kind": "EC2NodeClass",
                    "name": "default",
                },
                "requirements": [
                    {
                        "key": "karpenter.sh/capacity-type",
                        "operator": "In",
                        "values": ["spot", "on-demand"],
                    },
                    {
                        "key": "kubernetes.io/arch",
                        "operator": "In",
                        "values": ["amd64"],
                    },
                ],
                "taints": [
                    {"key": "ci/pool", "value": "payments", "effect": "NoSchedule"}
                ],
                "expireAfter": "720h",
            }
        },
        "limits": {"cpu": "1000", "memory": "1000Gi"},
        "disruption": {
            "consolidationPolicy": "WhenEmptyOrUnderutilized",
            "consolidateAfter": "1m",
        },
        "weight": 10,
    },
}


_REMOVE = object()

# Each case: the path of one field under ``spec`` and its new value.
_SCHEMA_VIOLATIONS = {
    "requirements missing": (("template", "spec", "requirements"), _REMOVE),
    "nodeClassRef missing": (("template", "spec", "nodeClassRef"), _REMOVE),
    "operator outside its enum": (
        ("template", "spec", "requirements", 0, "operator"),
        "Maybe",
    ),
    "requirements not a list": (("template", "spec", "requirements"), "spot"),
    "weight above its maximum": (("weight",), 101),
    "expireAfter not a duration": (("template", "spec", "expireAfter"), "30 days"),
}


def _nodepool_violating(violation):
    path, value = _SCHEMA_VIOLATIONS[violation]
    nodepool = copy.deepcopy(_VALID_NODEPOOL)
    parent = nodepool["spec"]
    for key in path[:-1]:
        parent = parent[key]
    if value is _REMOVE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return nodepool


def test_standin_accepts_a_valid_nodepool(kube):
    created = requests.post(kube.api(_NODEPOOLS), json=_VALID_NODEPOOL, timeout=10)
    assert created.status_code in (200, 201), created.text

    fetched = requests.get(kube.api(f"{_NODEPOOLS}/payments"), timeout=10)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["spec"]["weight"] == 10


@pytest.mark.parametrize("violation", sorted(_SCHEMA_VIOLATIONS))
def test_standin_rejects_a_nodepool_violating_the_crd_schema(kube, violation):
    nodepool = _nodepool_violating(violation)

    response = requests.post(kube.api(_NODEPOOLS), json=nodepool, timeout=10)

    assert response.status_code == 422, response.text
    missing = requests.get(kube.api(f"{_NODEPOOLS}/payments"), timeout=10)
    assert missing.status_code == 404


def test_standin_counts_requests_and_resets_them(kube):
    requests.get(kube.api(_NODEPOOLS), timeout=10).raise_for_status()
    counted = kube.request_counts()

    kube.reset_counts()

    assert counted["counts"]["GET nodepools.karpenter.sh"] == 1
    assert kube.request_counts()["total"] == 0


# -- Process hygiene ----------------------------------------------------------


def test_leak_check_sees_a_running_server_until_it_is_stopped(tmp_path):
    registry = ProcessRegistry(tmp_path)
    try:
        server = registry.start("http.server", _HTTP_SERVER)
        server.wait_for_line(r"Serving HTTP on 127\.0\.0\.1 port \d+", 30)

        assert server.pid in _pids(registry.survivors())

        server.stop()
        assert registry.wait_for_no_survivors(timeout=5) == []
    finally:
        registry.kill_survivors()


def test_leak_check_finds_a_grandchild_whose_parent_exited(tmp_path):
    registry = ProcessRegistry(tmp_path)
    orphan = "sleep 120 >/dev/null 2>&1 & echo $!"
    try:
        pid = int(registry.run(["sh", "-c", orphan], timeout=30).stdout)

        assert pid in _pids(registry.survivors())

        registry.kill_survivors()
        assert registry.wait_for_no_survivors(timeout=5) == []
    finally:
        registry.kill_survivors()


def test_leak_check_fails_a_session_that_leaves_a_process(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parents[1]))
    pytester.makeconftest('pytest_plugins = ["harness.fixtures"]')
    pytester.makepyfile(_LEAKING_TEST)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*processes outlived the test session*", "*sleep 97*"])


_LEAKING_TEST = """
def test_starts_a_process_and_forgets_it(processes):
    processes.start("sleeper", ["sleep", "97"])
"""

_HTTP_SERVER = [sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1", "0"]


def _pids(processes):
    return {process.pid for process in processes}
