"""`ci_cluster` end to end: real Terraform 1.0.3, moto, the stand-in.

Apply from nothing; the objects read back from moto and the stand-in; an
empty plan; import by cluster name; four kinds of drift found and
repaired; destroy leaves nothing in moto or the stand-in; a plan for a new
cluster makes no AWS or Kubernetes call.
"""

from __future__ import annotations

import json

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

SUBNETS = '["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]'
POLICY_PATH = "/apis/kyverno.io/v1/clusterpolicies"
NODE_CLASS_PATH = "/apis/karpenter.k8s.aws/v1/ec2nodeclasses"


def cluster(name: str, extra: str = "") -> str:
    return f"""
resource "ci_cluster" "main" {{
  name       = "{name}"
  subnet_ids = {SUBNETS}
  tags       = {{ team = "platform" }}
  node_class {{
    ami_alias = "al2023@v20250505"
    tags      = {{ "cost-center" = "ci" }}
  }}
{extra}}}

output "issuer" {{ value = ci_cluster.main.oidc_issuer_url }}
output "controller" {{ value = ci_cluster.main.controller_role_arn }}
"""


def ensure_namespace(kube, name: str) -> None:
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    response = requests.post(kube.api("/api/v1/namespaces"), json=body, timeout=10)
    assert response.status_code in (200, 201, 409), response.text


def merge_patch(kube, path: str, patch: dict) -> None:
    response = requests.patch(
        kube.api(path), json=patch, timeout=10,
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.text


def test_a_cluster_applies_drifts_imports_and_destroys(terraform, moto, kube, aws, namespace, provider_binary):
    name = namespace.name("ci")
    ensure_namespace(kube, "kube-system")
    head = config.provider_block(moto, kube.url)
    hcl = head + cluster(name)
    iam = aws.client("iam")
    sqs = aws.client("sqs")
    eks = aws.client("eks")
    events = aws.client("events")
    queue = f"karpenter-{name}"
    controller = f"KarpenterController-{name}"

    def everything_exists(ctx):
        described = eks.describe_cluster(name=name)["cluster"]
        assert described["tags"]["ci-platform/managed-by"] == "terraform-provider-ci"
        issuer = described["identity"]["oidc"]["issuer"].removeprefix("https://")
        trust = iam.get_role(RoleName=controller)["Role"]["AssumeRolePolicyDocument"]
        assert trust["Statement"][0]["Condition"] == {"StringEquals": {
            f"{issuer}:sub": "system:serviceaccount:kube-system:karpenter",
            f"{issuer}:aud": "sts.amazonaws.com",
        }}
        policy = iam.get_role_policy(RoleName=controller, PolicyName="karpenter-controller")
        statements = policy["PolicyDocument"]["Statement"]
        passes = [s for s in statements if s["Action"] == "iam:PassRole"]
        assert passes and passes[0]["Resource"].endswith(f":role/KarpenterNodeRole-{name}")
        describe = [s for s in statements if s["Action"] == "eks:DescribeCluster"]
        assert describe[0]["Resource"] == described["arn"]
        rules = events.list_rules(NamePrefix=f"karpenter-{name}-")["Rules"]
        assert len(rules) == 4
        for rule in rules:
            targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
            assert [t["Arn"].rsplit(":", 1)[1] for t in targets] == [queue]
        policies = requests.get(kube.api(POLICY_PATH), timeout=10).json()["items"]
        ours = [p for p in policies if p["metadata"].get("annotations", {}).get("ci-platform/owner") == name]
        assert len(ours) == 5, [p["metadata"]["name"] for p in ours]
        aws_auth = requests.get(kube.api("/api/v1/namespaces/kube-system/configmaps/aws-auth"), timeout=10)
        assert f"KarpenterNodeRole-{name}" in aws_auth.json()["data"]["mapRoles"]

    def first_policy(ctx) -> dict:
        policies = requests.get(kube.api(POLICY_PATH), timeout=10).json()["items"]
        return next(p for p in policies if p["metadata"]["name"].endswith("spot-by-annotation"))

    def edit_policy(ctx):
        policy = first_policy(ctx)
        merge_patch(kube, f"{POLICY_PATH}/{policy['metadata']['name']}", {"spec": {"background": True}})

    def delete_queue(ctx):
        sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=queue)["QueueUrl"])

    def widen_controller_policy(ctx):
        document = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        iam.put_role_policy(
            RoleName=controller, PolicyName="karpenter-controller", PolicyDocument=json.dumps(document)
        )

    def change_node_class(ctx):
        merge_patch(kube, f"{NODE_CLASS_PATH}/default", {"spec": {"amiSelectorTerms": [{"alias": "al2@latest"}]}})

    def nothing_left(ctx):
        left = [c for c in eks.list_clusters()["clusters"] if c == name]
        left += [r["RoleName"] for r in iam.list_roles()["Roles"] if name in r["RoleName"]]
        left += [q for q in sqs.list_queues().get("QueueUrls", []) if q.endswith(queue)]
        left += [r["Name"] for r in events.list_rules(NamePrefix=f"karpenter-{name}-")["Rules"]]
        left += [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
                 if "oidc.eks" in p["Arn"] and name in json.dumps(
                     iam.get_open_id_connect_provider(OpenIDConnectProviderArn=p["Arn"]).get("Tags", []))]
        for path in (POLICY_PATH, NODE_CLASS_PATH):
            items = requests.get(kube.api(path), timeout=10).json()["items"]
            left += [i["metadata"]["name"] for i in items
                     if i["metadata"].get("annotations", {}).get("ci-platform/owner") == name]
        return left

    Scenario(
        terraform,
        [
            Apply(hcl),
            OutOfBand(everything_exists, "every sub-object read back from moto and the stand-in"),
            ExpectEmptyPlan(),
            ImportAndCompare("ci_cluster.main", name),
            OutOfBand(edit_policy, "a Kyverno policy edited"),
            ExpectPlanChanges(contains=["ClusterPolicy", "spot-by-annotation"]),
            Apply(hcl),
            ExpectEmptyPlan(),
            OutOfBand(delete_queue, "the interruption queue deleted"),
            ExpectPlanChanges(contains=[f"sqs_queue/{queue}"]),
            Apply(hcl),
            ExpectEmptyPlan(),
            OutOfBand(widen_controller_policy, "the controller role's policy widened"),
            ExpectPlanChanges(contains=[f"inline_policy/{controller}/karpenter-controller"]),
            Apply(hcl),
            ExpectEmptyPlan(),
            OutOfBand(change_node_class, "the EC2NodeClass changed"),
            ExpectPlanChanges(contains=["EC2NodeClass", "al2023@v20250505"]),
            Apply(hcl),
            ExpectEmptyPlan(),
            Destroy(),
            CheckNothingLeft(nothing_left),
        ],
    ).run()


def test_a_plan_for_a_new_cluster_makes_no_api_call(terraform, kube, namespace, provider_binary):
    # Every AWS endpoint is a closed loopback port: any AWS call would fail
    # the plan. The stand-in counts every Kubernetes request it receives.
    config_text = config.provider_block("http://127.0.0.1:1", kube.url) + cluster(namespace.name("ci"))
    terraform.write_config(config_text)
    kube.reset_counts()

    code, output = terraform.plan()

    assert code == 2, output
    assert "1 to add" in output
    assert "EC2NodeClass" in output and "AmazonEKSWorkerNodePolicy" in output, "the plan shows sub-objects"
    assert kube.request_counts()["total"] == 0
