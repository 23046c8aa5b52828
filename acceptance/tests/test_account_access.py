"""`ci_account_access` end to end: real Terraform 1.0.3, moto, the stand-in.

Three accesses into two target accounts; the trust policy read back from
moto; an empty plan; import; drift of each kind found and repaired;
destroying one access leaves its neighbour working; destroying all leaves
nothing; a failing apply keeps what it created and a corrected one
converges; one AssumeRole per account per provider process.
"""

from __future__ import annotations

import json
import re

import requests

from harness import config
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

TARGET_ROLE = "ci-platform-provisioner"
ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF"
ISSUER_HOST = ISSUER.removeprefix("https://")


def provider_block(aws_endpoint: str, kube_url: str) -> str:
    settings = f'  target_role_name = "{TARGET_ROLE}"\n  default_tags     = {{ "cost-center" = "ci" }}'
    return config.provider_block(aws_endpoint, kube_url, settings)


def access(name: str, account: str, namespace: str, service_account: str, extra: str = "") -> str:
    return f"""
resource "ci_account_access" "{name}" {{
  cluster_name    = "central"
  account_id      = "{account}"
  oidc_issuer_url = "{ISSUER}"
  namespace       = "{namespace}"
  service_account = "{service_account}"
  policy_arns     = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
{extra}}}
"""


def make_namespace(kube, name: str) -> None:
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    response = requests.post(kube.api("/api/v1/namespaces"), json=body, timeout=10)
    assert response.status_code in (200, 201, 409), response.text


def role_name(namespace: str, service_account: str) -> str:
    return f"ci-{namespace}-{service_account}"


def test_three_accesses_in_two_accounts_apply_drift_import_and_destroy(
    terraform, moto, kube, aws, namespace, provider_binary
):
    first, second = namespace.target_account_ids[:2]
    pool = namespace.name("pay")
    make_namespace(kube, pool)
    iam_first = aws.assume_role(first, TARGET_ROLE).client("iam")
    iam_second = aws.assume_role(second, TARGET_ROLE).client("iam")
    head = provider_block(moto, kube.url)
    all_three = head + access("deploy", first, pool, "deploy") + access(
        "audit", first, pool, "audit"
    ) + access("dns", second, pool, "dns")
    deploy_role = role_name(pool, "deploy")
    sa_path = f"/api/v1/namespaces/{pool}/serviceaccounts/deploy"

    def trust_policy_pins_sub_and_aud(ctx):
        role = iam_first.get_role(RoleName=deploy_role)["Role"]
        statement = role["AssumeRolePolicyDocument"]["Statement"]
        assert len(statement) == 1
        assert statement[0]["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement[0]["Principal"]["Federated"] == (
            f"arn:aws:iam::{first}:oidc-provider/{ISSUER_HOST}"
        )
        assert statement[0]["Condition"] == {
            "StringEquals": {
                f"{ISSUER_HOST}:sub": f"system:serviceaccount:{pool}:deploy",
                f"{ISSUER_HOST}:aud": "sts.amazonaws.com",
            }
        }
        sa = requests.get(kube.api(sa_path), timeout=10).json()
        annotation = sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
        assert annotation == f"arn:aws:iam::{first}:role/{deploy_role}"

    def edit_trust_policy(ctx):
        document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
        iam_first.update_assume_role_policy(RoleName=deploy_role, PolicyDocument=json.dumps(document))

    def detach_policy(ctx):
        iam_first.detach_role_policy(
            RoleName=deploy_role, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
        )

    def change_annotation(ctx):
        patch = {"metadata": {"annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/x"}}}
        response = requests.patch(
            kube.api(sa_path), json=patch, timeout=10,
            headers={"Content-Type": "application/merge-patch+json"},
        )
        assert response.status_code == 200, response.text

    def delete_role(ctx):
        iam = iam_second
        name = role_name(pool, "dns")
        for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
        iam.delete_role(RoleName=name)

    def neighbour_still_works(ctx):
        # `audit` is gone; `deploy` in the same account keeps its provider.
        providers = iam_first.list_open_id_connect_providers()["OpenIDConnectProviderList"]
        assert len(providers) == 1
        names = [r["RoleName"] for r in iam_first.list_roles()["Roles"]]
        assert deploy_role in names and role_name(pool, "audit") not in names

    def nothing_left(ctx):
        left = []
        for iam in (iam_first, iam_second):
            left += [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("ci-")]
            left += [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
        listed = requests.get(kube.api(f"/api/v1/namespaces/{pool}/serviceaccounts"), timeout=10)
        left += [item["metadata"]["name"] for item in listed.json()["items"]]
        return left

    Scenario(
        terraform,
        [
            Apply(all_three),
            OutOfBand(trust_policy_pins_sub_and_aud, "trust policy read back from moto"),
            ExpectEmptyPlan(),
            ImportAndCompare("ci_account_access.deploy", f"{first}/{deploy_role}"),
            OutOfBand(edit_trust_policy, "trust policy edited"),
            ExpectPlanChanges(contains=[f"iam_role/{first}/{deploy_role}", "sts:AssumeRole"]),
            Apply(all_three),
            ExpectEmptyPlan(),
            OutOfBand(detach_policy, "policy detached"),
            ExpectPlanChanges(contains=["policy_attachment/", "ReadOnlyAccess"]),
            Apply(all_three),
            OutOfBand(change_annotation, "ServiceAccount annotation changed"),
            ExpectPlanChanges(contains=["ServiceAccount", "arn:aws:iam::1:role/x"]),
            Apply(all_three),
            OutOfBand(delete_role, "role deleted"),
            ExpectPlanChanges(contains=[
                "ci_account_access.dns will be updated in-place",
                f"iam_role/{second}/{role_name(pool, 'dns')}",
            ]),
            Apply(all_three),
            ExpectEmptyPlan(),
            Apply(head + access("deploy", first, pool, "deploy") + access("dns", second, pool, "dns")),
            OutOfBand(neighbour_still_works, "the other access in the account still works"),
            ExpectEmptyPlan(),
            Destroy(),
            CheckNothingLeft(nothing_left),
        ],
        namespace=namespace,
    ).run()


def test_a_failed_apply_keeps_what_it_made_and_a_corrected_one_converges(
    terraform, moto, kube, aws, namespace, provider_binary
):
    account = namespace.target_account_ids[0]
    pool = namespace.name("fail")
    make_namespace(kube, pool)
    iam = aws.assume_role(account, TARGET_ROLE).client("iam")
    head = provider_block(moto, kube.url)
    broken = head + access(
        "job", account, pool, "job", '  inline_policy = jsonencode({Version = "2012-10-17", '
        'Statement = [{Effect = "Allow", Action = "s3:GetObject", Resource = "*"}]})\n'
    ).replace("ReadOnlyAccess", "DoesNotExist")
    fixed = broken.replace("DoesNotExist", "ReadOnlyAccess")

    def partial_state_recorded(ctx):
        state = ctx.resource("ci_account_access.job")
        recorded = set(state["rendered"])
        assert any(k.startswith("iam_role/") for k in recorded), recorded
        assert not any(k.startswith("policy_attachment/") for k in recorded), recorded

    def exactly_one_of_each(ctx):
        roles = [r for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("ci-")]
        assert len(roles) == 1
        assert len(iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]) == 1
        attached = iam.list_attached_role_policies(RoleName=roles[0]["RoleName"])
        assert [p["PolicyArn"] for p in attached["AttachedPolicies"]] == [
            "arn:aws:iam::aws:policy/ReadOnlyAccess"
        ]

    def nothing_left(ctx):
        return [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("ci-")]

    Scenario(
        terraform,
        [
            Apply(broken, expect_error="Cannot apply policy_attachment/"),
            OutOfBand(partial_state_recorded, "the role is in state, the attachment is not"),
            Apply(fixed),
            OutOfBand(exactly_one_of_each, "no duplicates"),
            ExpectEmptyPlan(),
            Destroy(),
            CheckNothingLeft(nothing_left),
        ],
        namespace=namespace,
    ).run()


def test_assume_role_runs_once_per_account_per_provider_process(
    terraform, moto, kube, namespace, provider_binary
):
    first, second = namespace.target_account_ids[:2]
    pool = namespace.name("count")
    make_namespace(kube, pool)
    config = provider_block(moto, kube.url) + "".join(
        access(f"a{i}", account, pool, f"sa{i}")
        for i, account in enumerate([first, first, first, second, second])
    )
    terraform.write_config(config)
    terraform.extra_env["TF_LOG_PROVIDER"] = "INFO"
    try:
        terraform.apply()
        # A refreshing plan runs one provider process that reads all five.
        code, output = terraform.plan()
        log = terraform.run("plan", "-no-color").output
        assumed = re.findall(r"assumed role.*?aws\.account=(\d{12})", log)
        assert code == 0, output
        assert sorted(assumed) == sorted([first, second]), assumed
    finally:
        terraform.destroy()


def test_a_plan_for_new_accesses_makes_no_api_call(terraform, kube, namespace, provider_binary):
    # Every AWS endpoint is a closed loopback port: any AWS call would fail
    # the plan. The stand-in counts every Kubernetes request it receives.
    first, second = namespace.target_account_ids[:2]
    config = provider_block("http://127.0.0.1:1", kube.url) + access(
        "a", first, "pool", "deploy"
    ) + access("b", second, "pool", "audit")
    terraform.write_config(config)
    kube.reset_counts()

    code, output = terraform.plan()

    assert code == 2, output
    assert "2 to add" in output
    assert "sts:AssumeRoleWithWebIdentity" in output, "the plan shows the rendered trust policy"
    assert kube.request_counts()["total"] == 0


def test_a_role_someone_else_made_is_refused_and_left_alone(
    terraform, moto, kube, aws, namespace, provider_binary
):
    """Ownership tags keep the provider from taking over an IAM role it did
    not create, even one under exactly the name it would choose: the apply
    fails naming the role, and neither it nor a later destroy touches the
    role's trust, policies or tags."""
    account = namespace.target_account_ids[0]
    pool = namespace.name("theirs")
    make_namespace(kube, pool)
    iam = aws.assume_role(account, TARGET_ROLE).client("iam")
    name = role_name(pool, "job")
    their_trust = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }],
    }
    their_tags = [{"Key": "team", "Value": "someone-else"}]
    iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(their_trust), Tags=their_tags
    )

    def untouched(ctx):
        role = iam.get_role(RoleName=name)["Role"]
        assert role["AssumeRolePolicyDocument"] == their_trust, role["AssumeRolePolicyDocument"]
        assert iam.list_role_tags(RoleName=name)["Tags"] == their_tags
        assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []
        assert iam.list_role_policies(RoleName=name)["PolicyNames"] == []

    def only_their_role_left(ctx):
        untouched(ctx)
        ours = [r["RoleName"] for r in iam.list_roles()["Roles"]
                if r["RoleName"].startswith("ci-") and r["RoleName"] != name]
        providers = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
        return ours + [p["Arn"] for p in providers]

    refused = rf"iam_role/\S*{name}\S*\s+already\s+exists\s+and\s+was\s+not\s+created\s+by\s+this\s+provider"
    Scenario(
        terraform,
        [
            Apply(provider_block(moto, kube.url) + access("job", account, pool, "job"),
                  expect_error=refused),
            OutOfBand(untouched, "their role keeps its trust, tags and policies"),
            Destroy(),
            CheckNothingLeft(only_their_role_left, "only their role is left, unchanged"),
        ],
        namespace=namespace,
    ).run()
    iam.delete_role(RoleName=name)
