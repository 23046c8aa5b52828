"""`ci_runner_pool` end to end: real Terraform 1.0.3 and the stand-in.

Two pools on one cluster; an empty plan after apply; import; drift of the
NodePool's limits, of `config.toml` and of a deleted Deployment found and
repaired; a new token rolls the runner Deployment; removing one pool
leaves the other untouched; destroying all leaves nothing; the token shows
up neither in plans nor in `TF_LOG=trace` output.
"""

from __future__ import annotations

import requests

from harness.config import provider_block
from harness import (
    Apply,
    CheckNothingLeft,
    Destroy,
    ExpectEmptyPlan,
    ExpectPlanChanges,
    ImportAndCompare,
    OutOfBand,
    Scenario,
)

CLUSTER = "central"
FIRST_TOKEN = "glrt-first-Zq8vXw3kLm"
SECOND_TOKEN = "glrt-second-Hy7tRb2nPc"
CHECKSUM = "ci-platform/config-checksum"
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


def pool(name: str, group: str, token: str, extra: str = "") -> str:
    return f"""
resource "ci_runner_pool" "{name}" {{
  cluster_name = "{CLUSTER}"
  group        = "{group}"
  gitlab_url   = "https://gitlab.example.com"
  runner_token = "{token}"
  allowed_service_accounts = ["deploy"]
  job_maximums {{
    cpu_request  = "4"
    memory_limit = "8Gi"
  }}
  node_pool {{
    cpu_limit = "100"
  }}
{extra}}}
"""


def test_two_pools_apply_drift_import_token_roll_and_destroy(
    terraform, moto, kube, namespace, provider_binary
):
    first, second = namespace.name("pay"), namespace.name("web")
    head = provider_block(moto, kube.url)
    both = head + pool("first", first, FIRST_TOKEN) + pool("second", second, FIRST_TOKEN)
    new_token = both.replace(FIRST_TOKEN, SECOND_TOKEN)
    only_second = head + pool("second", second, SECOND_TOKEN)

    def ns(group: str) -> str:
        return f"ci-{group}"

    def manager(group: str) -> str:
        return f"gitlab-runner-{group}"

    def node_pool_path(group: str) -> str:
        return f"/apis/karpenter.sh/v1/nodepools/ci-{group}"

    def deployment_path(group: str) -> str:
        return f"/apis/apps/v1/namespaces/{ns(group)}/deployments/{manager(group)}"

    def config_map_path(group: str) -> str:
        return f"/api/v1/namespaces/{ns(group)}/configmaps/{manager(group)}"

    def get(path: str) -> requests.Response:
        return requests.get(kube.api(path), timeout=10)

    def patch(path: str, body: dict) -> None:
        response = requests.patch(kube.api(path), json=body, timeout=10, headers=MERGE_PATCH)
        assert response.status_code == 200, response.text

    def checksum(group: str) -> str:
        deployment = get(deployment_path(group)).json()
        return deployment["spec"]["template"]["metadata"]["annotations"][CHECKSUM]

    seen: dict[str, str] = {}

    def objects_exist(ctx):
        for group in (first, second):
            node_pool = get(node_pool_path(group))
            assert node_pool.status_code == 200, node_pool.text
            assert node_pool.json()["spec"]["limits"]["cpu"] == "100"
            config = get(config_map_path(group)).json()["data"]["config.toml"]
            assert 'executor = "kubernetes"' in config
            assert FIRST_TOKEN not in config
            secret = get(f"/api/v1/namespaces/{ns(group)}/secrets/{manager(group)}").json()
            assert secret["data"]["runner-token"] != FIRST_TOKEN
        seen["checksum"] = checksum(first)

    def edit_limits(ctx):
        patch(node_pool_path(first), {"spec": {"limits": {"cpu": "9999"}}})

    def edit_config(ctx):
        patch(config_map_path(first), {"data": {"config.toml": "concurrent = 999\n"}})

    def delete_deployment(ctx):
        response = requests.delete(kube.api(deployment_path(first)), timeout=10)
        assert response.status_code == 200, response.text

    def deployment_rolled(ctx):
        assert checksum(first) != seen["checksum"]

    def token_never_printed(ctx):
        # The plan that rolls the token, with everything Terraform and the
        # provider log at trace level.
        ctx.terraform.write_config(new_token)
        ctx.terraform.extra_env["TF_LOG"] = "trace"
        try:
            code, output = ctx.terraform.plan()
            trace = ctx.terraform.run("plan", "-no-color")
        finally:
            del ctx.terraform.extra_env["TF_LOG"]
        assert code == 2, output
        assert "runner-token" in output and CHECKSUM in output, output
        assert "provider.terraform-provider-ci" in trace.stderr
        for text in (output, trace.stdout, trace.stderr):
            assert SECOND_TOKEN not in text
            assert FIRST_TOKEN not in text

    def objects_of(group: str) -> list[str]:
        space, name = ns(group), manager(group)
        return [
            f"/api/v1/namespaces/{space}",
            f"/api/v1/namespaces/{space}/serviceaccounts/{name}",
            f"/apis/rbac.authorization.k8s.io/v1/namespaces/{space}/roles/{name}",
            f"/apis/rbac.authorization.k8s.io/v1/namespaces/{space}/rolebindings/{name}",
            f"/api/v1/namespaces/{space}/secrets/{name}",
            config_map_path(group),
            deployment_path(group),
            node_pool_path(group),
        ]

    def neighbour_untouched(ctx):
        for path in objects_of(first):
            assert get(path).status_code == 404, path
        for path in objects_of(second):
            assert get(path).status_code == 200, path

    def nothing_left(ctx):
        paths = objects_of(first) + objects_of(second)
        return [path for path in paths if get(path).status_code != 404]

    Scenario(
        terraform,
        [
            Apply(both),
            OutOfBand(objects_exist, "objects of both pools exist"),
            ExpectEmptyPlan(),
            ImportAndCompare("ci_runner_pool.first", f"{CLUSTER}/{first}", ignore=["runner_token"]),
            OutOfBand(edit_limits, "NodePool limits edited"),
            ExpectPlanChanges(contains=[f"NodePool/_/ci-{first}", "9999"]),
            Apply(both),
            ExpectEmptyPlan(),
            OutOfBand(edit_config, "config.toml edited"),
            ExpectPlanChanges(contains=[f"ConfigMap/{ns(first)}", "concurrent = 999"]),
            Apply(both),
            ExpectEmptyPlan(),
            OutOfBand(delete_deployment, "Deployment deleted"),
            ExpectPlanChanges(contains=[f"Deployment/{ns(first)}/{manager(first)}"]),
            Apply(both),
            ExpectEmptyPlan(),
            OutOfBand(token_never_printed, "no token in plan output or TF_LOG=trace"),
            Apply(new_token),
            OutOfBand(deployment_rolled, "a new token changed the pod template checksum"),
            ExpectEmptyPlan(),
            Apply(only_second),
            OutOfBand(neighbour_untouched, "the other pool is untouched"),
            ExpectEmptyPlan(),
            Destroy(),
            CheckNothingLeft(nothing_left),
        ],
        namespace=namespace,
    ).run()
