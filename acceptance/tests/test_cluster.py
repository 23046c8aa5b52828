"""`ci_cluster` end to end: real Terraform 1.0.3, moto, the stand-in.

Apply from nothing; the objects read back from moto and the stand-in; an
empty plan; import by cluster name; four kinds of drift found and
repaired and read back; destroy leaves nothing in moto or the stand-in; a
plan for a new cluster makes no AWS or Kubernetes call; without a
`kubernetes` block the cluster is found with DescribeCluster and reached
with a signed EKS token.
"""

from __future__ import annotations

import base64
import datetime
import json

import requests

from harness import aws as aws_env
from harness import config, eks_token
from harness.faults import AWS, KUBERNETES, FaultProxy
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

    def policy_restored(ctx):
        assert first_policy(ctx)["spec"].get("background") is False

    def queue_restored(ctx):
        assert sqs.get_queue_url(QueueName=queue)["QueueUrl"].endswith(queue)

    def controller_policy_restored(ctx):
        policy = iam.get_role_policy(RoleName=controller, PolicyName="karpenter-controller")
        actions = [s["Action"] for s in policy["PolicyDocument"]["Statement"]]
        assert "*" not in actions and "iam:PassRole" in actions, actions

    def node_class_restored(ctx):
        node_class = requests.get(kube.api(f"{NODE_CLASS_PATH}/default"), timeout=10).json()
        assert node_class["spec"]["amiSelectorTerms"] == [{"alias": "al2023@v20250505"}]

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
        aws_auth = requests.get(kube.api("/api/v1/namespaces/kube-system/configmaps/aws-auth"), timeout=10)
        if aws_auth.status_code != 404 and f"KarpenterNodeRole-{name}" in json.dumps(aws_auth.json()):
            left.append("aws-auth mapping of the node role")
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
            OutOfBand(policy_restored, "the policy is as declared again"),
            ExpectEmptyPlan(),
            OutOfBand(delete_queue, "the interruption queue deleted"),
            ExpectPlanChanges(contains=[f"sqs_queue/{queue}"]),
            Apply(hcl),
            OutOfBand(queue_restored, "the queue exists again"),
            ExpectEmptyPlan(),
            OutOfBand(widen_controller_policy, "the controller role's policy widened"),
            ExpectPlanChanges(contains=[f"inline_policy/{controller}/karpenter-controller"]),
            Apply(hcl),
            OutOfBand(controller_policy_restored, "the policy is narrow again"),
            ExpectEmptyPlan(),
            OutOfBand(change_node_class, "the EC2NodeClass changed"),
            ExpectPlanChanges(contains=["EC2NodeClass", "al2023@v20250505"]),
            Apply(hcl),
            OutOfBand(node_class_restored, "the AMI alias is back"),
            ExpectEmptyPlan(),
            Destroy(),
            CheckNothingLeft(nothing_left),
        ],
    ).run()


def test_a_plan_for_a_new_cluster_makes_no_api_call(terraform, aws_faults, kube_faults, namespace,
                                                    provider_binary):
    # Both proxies pass calls on to working emulators and count them.
    config_text = config.provider_block(aws_faults.url, kube_faults.url) + cluster(namespace.name("ci"))
    terraform.write_config(config_text)

    code, output = terraform.plan()

    assert code == 2, output
    assert "1 to add" in output
    assert "EC2NodeClass" in output and "AmazonEKSWorkerNodePolicy" in output, "the plan shows sub-objects"
    assert aws_faults.counts() == {} and kube_faults.counts() == {}


def test_without_a_kubernetes_block_the_cluster_is_found_and_a_signed_eks_token_used(
    terraform, moto, kube, aws, namespace, provider_binary
):
    """The default Kubernetes access, end to end: no `kubernetes` block, so
    the provider finds the API server and CA with `eks:DescribeCluster` and
    authenticates with an EKS token it signs itself. moto's clusters have
    an unreachable endpoint and random CA data, so the AWS proxy puts the
    Kubernetes proxy's URL and a real PEM into DescribeCluster's answer."""
    name = namespace.name("ci")
    ensure_namespace(kube, "kube-system")
    ca = base64.b64encode(_self_signed_pem().encode()).decode()
    eks = aws.client("eks")

    with FaultProxy(kube.url, api=KUBERNETES) as kubernetes:
        def lead_to_the_stand_in(call, status, body):
            if call.name != "eks DescribeCluster" or status != 200:
                return body
            described = json.loads(body)
            described["cluster"]["endpoint"] = kubernetes.url
            described["cluster"]["certificateAuthority"] = {"data": ca}
            return json.dumps(described).encode()

        with FaultProxy(moto, api=AWS, answer=lead_to_the_stand_in) as aws_proxy:
            hcl = config.provider_block(aws_proxy.url, None) + cluster(name)

            def authenticated_with_eks_tokens(ctx):
                assert aws_proxy.counts()["eks DescribeCluster"] >= 1
                seen = kubernetes.authorizations()
                assert seen, "the provider wrote its Kubernetes objects"
                tokens = {header for _, header in seen}
                assert all(t and t.startswith("Bearer k8s-aws-v1.") for t in tokens), tokens
                for header in tokens:
                    token = header.removeprefix("Bearer ")
                    expected = eks_token.expected_token(
                        name, aws_env.REGION, aws_env.ACCESS_KEY_ID, aws_env.SECRET_ACCESS_KEY,
                        eks_token.signed_at(token),
                    )
                    assert token == expected, eks_token.presigned_url(token)
                policies = requests.get(kube.api(POLICY_PATH), timeout=10).json()["items"]
                assert any(p["metadata"].get("annotations", {}).get("ci-platform/owner") == name
                           for p in policies)

            def nothing_left(ctx):
                left = [c for c in eks.list_clusters()["clusters"] if c == name]
                for path in (POLICY_PATH, NODE_CLASS_PATH):
                    items = requests.get(kube.api(path), timeout=10).json()["items"]
                    left += [i["metadata"]["name"] for i in items
                             if i["metadata"].get("annotations", {}).get("ci-platform/owner") == name]
                return left

            Scenario(
                terraform,
                [
                    Apply(hcl),
                    OutOfBand(authenticated_with_eks_tokens, "every Kubernetes call carried an EKS token"),
                    ExpectEmptyPlan(),
                    Destroy(),
                    CheckNothingLeft(nothing_left),
                ],
            ).run()


def _self_signed_pem() -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()
