"""Faults: the fault proxy itself, then every resource applied, planned and
destroyed while AWS throttles and fails calls and Kubernetes answers 429s.

The proxy's self-tests run it in front of a small echo server (bodies and
framing) and in front of moto (error shapes that boto3, another AWS SDK,
must classify as AWS's own). The platform scenarios point the provider at
two proxies, one per emulator, and take the resources from `SUBJECTS`, a
table that the crash-at-every-step scenarios (``test_crash.py``) share:
each entry knows its configuration, how to take a census of what it made
in moto and the stand-in, and what that census should say.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import botocore.exceptions
import pytest
import requests
from botocore.config import Config

from harness import Apply, CheckNothingLeft, Destroy, ExpectEmptyPlan, OutOfBand, Scenario
from harness.aws import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, AwsSession
from harness.config import provider_block
from harness.faults import (
    AWS,
    KUBERNETES,
    Fault,
    FaultPlan,
    FaultProxy,
    Trigger,
    aws_operation,
    kubernetes_operation,
    mutating,
)
from harness.kube import KubeStandin
from harness.namespace import Namespace
from harness.terraform import Terraform

# -- an echo server to proxy to ------------------------------------------------


class _Echo(BaseHTTPRequestHandler):
    """Answers every request with its own body, chunked when asked to
    (``X-Echo-Chunked``), and headers naming what it received."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_any(self) -> None:
        server: _EchoServer = self.server  # type: ignore[assignment]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        server.received.append((self.command, self.path, dict(self.headers), body))
        self.send_response_only(200)
        self.send_header("X-Echo-Method", self.command)
        self.send_header("X-Echo-Connection", str(id(self.connection)))
        if self.headers.get("X-Echo-Chunked"):
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(body), 7919):
                piece = body[start : start + 7919]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_any

    def log_message(self, format: str, *args) -> None:
        pass


class _EchoServer(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True

    def __init__(self):
        self.received: list[tuple[str, str, dict, bytes]] = []
        super().__init__(("127.0.0.1", 0), _Echo)


@pytest.fixture
def echo() -> Iterator[_EchoServer]:
    server = _EchoServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def _url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def _connect(proxy: FaultProxy) -> http.client.HTTPConnection:
    host, port = proxy.url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=30)


#: What a SigV4-signed IAM query call looks like to the proxy (moto and
#: the echo server check no signature).
_IAM_HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/iam/"
    "aws4_request, SignedHeaders=host, Signature=0",
}


def _iam_call(connection: http.client.HTTPConnection, action: str) -> http.client.HTTPResponse:
    body = f"Action={action}&Version=2010-05-08"
    connection.request("POST", "/", body=body, headers=_IAM_HEADERS)
    response = connection.getresponse()
    response.read()
    return response


# -- the proxy itself ------------------------------------------------------------


def test_the_proxy_passes_bodies_through_byte_for_byte_on_one_kept_alive_connection(echo):
    rng = random.Random(7)
    bodies = [bytes(range(256)) * 64, rng.randbytes(1 << 20), b"", b"\r\n0\r\n\r\n"]

    with FaultProxy(_url(echo), api=KUBERNETES) as proxy:
        connection = _connect(proxy)
        sockets, answers = set(), []
        for index, body in enumerate(bodies):
            # Odd requests go chunked; the last two answers come back chunked.
            chunked = index % 2 == 1
            third = len(body) // 3
            payload = iter([body[:third], body[third:]]) if chunked else body
            headers = {"X-Echo-Chunked": "1"} if index >= 2 else {}
            path = f"/api/v1/namespaces/n{index}"
            connection.request("PUT", path, payload, headers, encode_chunked=chunked)
            response = connection.getresponse()
            answers.append((response.read(), response.getheader("X-Echo-Connection")))
            sockets.add(connection.sock)
        connection.close()

    assert [body for body, _ in answers] == bodies
    assert [received[3] for received in echo.received] == bodies
    assert len(sockets) == 1, "one client connection, kept alive"
    assert len({upstream for _, upstream in answers}) == 1, "and one upstream connection"
    assert proxy.counts() == Counter({"kubernetes update namespaces": 4})


def test_the_proxy_throttles_the_fraction_asked_for_reproducibly(echo):
    plan = FaultPlan(throttle=0.3, error_5xx=0.05, seed=1)

    def statuses(proxy: FaultProxy) -> list[int]:
        connection = _connect(proxy)
        found = [_iam_call(connection, "GetRole").status for _ in range(1000)]
        connection.close()
        return found

    with FaultProxy(_url(echo), plan=plan) as proxy:
        first = statuses(proxy)
        faulted = proxy.faulted()
        proxy.reset()
        again = statuses(proxy)

    counted = Counter(first)
    assert 270 <= counted[400] <= 330, counted
    assert 30 <= counted[500] <= 70, counted
    assert counted[200] == len(echo.received) / 2
    assert faulted == Counter({("iam GetRole", "throttle"): counted[400],
                               ("iam GetRole", "5xx"): counted[500]})
    assert again == first, "the same seed faults the same calls"


def test_throttles_and_5xx_are_shaped_so_an_aws_sdk_classifies_them(moto):
    # botocore parses each protocol's error as the Rust SDK does: the code
    # from the XML body (query), `__type` (JSON) or x-amzn-ErrorType (REST).
    session = boto3.Session(
        aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY,
        region_name=REGION,
    )
    calls = {
        "iam": lambda c: c.list_roles(),
        "sts": lambda c: c.get_caller_identity(),
        "sqs": lambda c: c.list_queues(),
        "events": lambda c: c.list_rules(),
        "eks": lambda c: c.list_clusters(),
        "scheduler": lambda c: c.list_schedules(),
    }
    no_retries = Config(retries={"total_max_attempts": 1, "mode": "standard"})

    def errors(proxy: FaultProxy) -> dict[str, tuple[str, int]]:
        found = {}
        for service, call in calls.items():
            client = session.client(service, endpoint_url=proxy.url, config=no_retries)
            with pytest.raises(botocore.exceptions.ClientError) as raised:
                call(client)
            error = raised.value.response
            found[service] = (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"])
        return found

    with FaultProxy(moto, plan=FaultPlan(throttle=1.0)) as proxy:
        throttled = errors(proxy)
        proxy.set_plan(FaultPlan(error_5xx=1.0))
        failed = errors(proxy)
        proxy.set_plan(FaultPlan(throttle=0.5, seed=3))
        retrying = Config(retries={"total_max_attempts": 20, "mode": "standard"})
        sts = session.client("sts", endpoint_url=proxy.url, config=retrying)
        identity = [sts.get_caller_identity()["Account"] for _ in range(5)]
        counts = proxy.counts()

    query = ("Throttling", 400)
    assert throttled == {s: query if s in ("iam", "sts") else ("ThrottlingException", 400)
                         for s in calls}
    assert failed == {s: ("InternalFailure", 500) for s in calls}
    assert identity == ["123456789012"] * 5
    assert counts["sts GetCallerIdentity"] > 7, "throttled calls were retried through the proxy"


def test_kubernetes_throttles_are_429_statuses_with_retry_after(kube):
    with FaultProxy(kube.url, plan=FaultPlan(throttle=1.0), api=KUBERNETES) as proxy:
        throttled = requests.get(proxy.url + "/api/v1/namespaces", timeout=10)
        proxy.set_plan(FaultPlan(error_5xx=1.0, retry_after_seconds=3))
        unavailable = requests.get(proxy.url + "/api/v1/namespaces", timeout=10)
        proxy.set_plan(None)
        passed = requests.get(proxy.url + "/api/v1/namespaces", timeout=10)

    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert throttled.json()["reason"] == "TooManyRequests"
    assert unavailable.status_code == 503 and unavailable.headers["Retry-After"] == "3"
    assert unavailable.json()["kind"] == "Status"
    assert passed.status_code == 200 and passed.json()["kind"] == "NamespaceList"


def test_the_proxy_names_calls_by_service_and_operation(moto, kube):
    aws = AwsSession(moto)
    with FaultProxy(moto) as proxy:
        through = AwsSession(proxy.url)
        through.client("iam").list_roles()
        through.client("sts").get_caller_identity()
        through.client("sqs").list_queues()
        through.client("events").list_rules()
        through.client("eks").list_clusters()
        through.client("scheduler").list_schedules()
        aws_counts = proxy.counts()
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "named"}}
    merge = {"Content-Type": "application/merge-patch+json"}
    with FaultProxy(kube.url, api=KUBERNETES) as proxy:
        requests.post(proxy.url + "/api/v1/namespaces", json=namespace, timeout=10)
        requests.get(proxy.url + "/api/v1/namespaces/named", timeout=10)
        requests.patch(proxy.url + "/api/v1/namespaces/named", json={}, headers=merge, timeout=10)
        requests.get(proxy.url + "/api/v1/namespaces/named/serviceaccounts", timeout=10)
        requests.delete(proxy.url + "/api/v1/namespaces/named", timeout=10)
        kube_counts = proxy.counts()
        kube_mutating = proxy.counts(mutating)

    assert aws.account_id() == "123456789012"
    assert aws_counts == Counter({
        "iam ListRoles": 1, "sts GetCallerIdentity": 1, "sqs ListQueues": 1,
        "events ListRules": 1, "eks ListClusters": 1, "scheduler ListSchedules": 1,
    })
    assert kube_counts == Counter({
        "kubernetes create namespaces": 1, "kubernetes get namespaces": 1,
        "kubernetes patch namespaces": 1, "kubernetes list serviceaccounts": 1,
        "kubernetes delete namespaces": 1,
    })
    assert sum(kube_mutating.values()) == 3


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "service", "operation"),
    [
        ("POST", "/", {"Content-Type": "application/x-www-form-urlencoded"},
         b"Action=CreateRole&RoleName=r", "iam", "CreateRole"),
        ("POST", "/", {"X-Amz-Target": "AWSEvents.PutRule"}, b"{}", "events", "PutRule"),
        ("POST", "/", {"X-Amz-Target": "AmazonSQS.CreateQueue"}, b"{}", "sqs", "CreateQueue"),
        ("POST", "/clusters", {}, b"{}", "eks", "CreateCluster"),
        ("DELETE", "/clusters/c/node-groups/g", {}, b"", "eks", "DeleteNodegroup"),
        ("POST", "/clusters/c/node-groups/g/update-config", {}, b"{}", "eks",
         "UpdateNodegroupConfig"),
        ("PUT", "/schedules/s?x=1", {}, b"{}", "scheduler", "UpdateSchedule"),
        ("POST", "/tags/arn%3Aaws%3Aeks", {}, b"{}", "eks", "TagResource"),
        ("PATCH", "/somewhere/else", {}, b"", "eks", "PATCH /somewhere"),
    ],
)
def test_aws_operations_are_read_from_the_protocol(method, path, headers, body, service, operation):
    assert aws_operation(method, path, headers, body, service) == operation


@pytest.mark.parametrize(
    ("method", "path", "headers", "operation"),
    [
        ("GET", "/api/v1/namespaces", {}, "list namespaces"),
        ("GET", "/api/v1/namespaces/a", {}, "get namespaces"),
        ("GET", "/api/v1/namespaces/a/secrets?labelSelector=x", {}, "list secrets"),
        ("PATCH", "/apis/karpenter.sh/v1/nodepools/p?fieldManager=ci",
         {"Content-Type": "application/apply-patch+yaml"}, "apply nodepools"),
        ("PUT", "/apis/apps/v1/namespaces/a/deployments/d/scale", {}, "update deployments/scale"),
        ("DELETE", "/api/v1/namespaces/a/configmaps/c", {}, "delete configmaps"),
        ("DELETE", "/api/v1/namespaces/a/configmaps", {}, "deletecollection configmaps"),
        ("GET", "/api/v1/namespaces/a/pods?watch=true", {}, "watch pods"),
    ],
)
def test_kubernetes_verbs_are_read_from_method_and_path(method, path, headers, operation):
    assert kubernetes_operation(method, path, headers) == operation


def test_a_trigger_fires_once_at_the_nth_matching_call_across_proxies(echo):
    hooked = []
    trigger = Trigger(3, Fault.DENY, matching=mutating, hook=hooked.append)
    plan = FaultPlan(triggers=(trigger,))

    with FaultProxy(_url(echo), plan=plan) as aws, \
            FaultProxy(_url(echo), plan=plan, api=KUBERNETES) as kube:
        connection = _connect(aws)
        first = _iam_call(connection, "CreateRole").status
        read = _iam_call(connection, "GetRole").status
        kube_connection = _connect(kube)
        kube_connection.request("DELETE", "/api/v1/namespaces/x")
        second = kube_connection.getresponse()
        second.read()
        third = _iam_call(connection, "AttachRolePolicy")
        fourth = _iam_call(connection, "CreateRole").status
        connection.close()
        kube_connection.close()

    assert (first, read, second.status, fourth) == (200, 200, 200, 200)
    assert third.status == 403 and third.getheader("Content-Type") == "text/xml"
    assert trigger.fired is not None and trigger.fired.name == "iam AttachRolePolicy"
    assert hooked == [trigger.fired]
    assert [r[3] for r in echo.received].count(b"Action=AttachRolePolicy&Version=2010-05-08") == 0


def test_a_halting_trigger_lets_no_later_call_through(echo):
    trigger = Trigger(2, Fault.DENY, matching=mutating, halt=True)

    with FaultProxy(_url(echo), plan=FaultPlan(triggers=(trigger,))) as proxy:
        connection = _connect(proxy)
        statuses = [_iam_call(connection, "CreateRole").status for _ in range(2)]
        for action in ("GetRole", "CreateRole"):
            connection = _connect(proxy)
            with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
                _iam_call(connection, action)

    assert statuses == [200, 403]
    assert len(echo.received) == 1


def test_a_call_dropped_after_upstream_reaches_it_gets_no_answer(echo):
    trigger = Trigger(1, Fault.DROP, after_upstream=True)

    with FaultProxy(_url(echo), plan=FaultPlan(triggers=(trigger,))) as proxy:
        connection = _connect(proxy)
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
            _iam_call(connection, "CreateRole")
        connection.close()
        connection = _connect(proxy)
        again = _iam_call(connection, "CreateRole").status
        connection.close()

    assert again == 200
    assert len(echo.received) == 2, "the emulator did the dropped call's work"


def test_latency_and_delays_are_added_to_calls(echo):
    plan = FaultPlan(delay=1.0, delay_seconds=0.3)

    with FaultProxy(_url(echo), latency=0.2) as proxy:
        connection = _connect(proxy)
        started = time.monotonic()
        _iam_call(connection, "GetRole")
        latency = time.monotonic() - started
        proxy.set_plan(plan)
        started = time.monotonic()
        delayed = _iam_call(connection, "GetRole").status
        both = time.monotonic() - started
        connection.close()

    assert 0.2 <= latency < 1.0
    assert delayed == 200 and 0.5 <= both < 1.5


def test_stopping_the_proxy_joins_its_threads_and_closes_its_port(echo):
    proxy = FaultProxy(_url(echo)).start()
    idle = _connect(proxy)
    _iam_call(idle, "GetRole")  # leaves a kept-alive connection open
    host, port = proxy.url.removeprefix("http://").split(":")

    ours = [t for t in threading.enumerate() if t.name.startswith(f"fault-proxy-{port}")]
    proxy.stop()

    assert len(ours) == 2, "the server's thread and one connection's"
    assert not [t for t in threading.enumerate() if t.name.startswith("fault-proxy-")]
    with pytest.raises(OSError):
        socket.create_connection((host, int(port)), timeout=2).close()
    idle.close()


# -- what each resource makes, for fault and crash scenarios -----------------------

#: The provider's AWS retry settings under faults (see docs/reliability.md):
#: with 35% of attempts failing, a call fails after 12 attempts with
#: probability 0.35^12, about 3 in a million.
RETRY_SETTINGS = '  max_attempts = 12\n  retry_mode   = "standard"'

TARGET_ROLE = "ci-platform-provisioner"
ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/FAULTS0123456789"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"

#: A census: identities of the objects found, by kind, each as often as
#: it was found (a duplicate shows up twice).
Census = dict[str, list[str]]


@dataclass
class World:
    """What a subject's callables can reach: the emulators directly
    (never through a proxy) and the scenario's names."""

    namespace: Namespace
    aws: AwsSession
    kube: KubeStandin

    def iam(self, account: str):
        return self.aws.assume_role(account, TARGET_ROLE).client("iam")

    def kube_names(self, path: str) -> list[str]:
        """Names of the objects a Kubernetes list path returns."""
        response = requests.get(self.kube.api(path), timeout=10)
        if response.status_code == 404:
            return []
        response.raise_for_status()
        return [item["metadata"]["name"] for item in response.json()["items"]]


@dataclass(frozen=True)
class Subject:
    """One resource type as the fault and crash scenarios drive it."""

    name: str
    #: Provider settings the resource needs beyond endpoints and retries.
    settings: Callable[[World], str]
    #: The resource blocks of version 1 or 2 (2 changes what can change
    #: in place).
    blocks: Callable[[World, int], str]
    #: What exists in moto and the stand-in, found directly.
    census: Callable[[World], Census]
    #: What the census should say once version 1 or 2 is applied; None:
    #: what it says after a fault-free apply (`reference_censuses`), for
    #: resources whose names are hashed or too many to list by hand.
    expected: Callable[[World, int], Census] | None
    #: Anything the resource needs to exist first, made directly.
    prepare: Callable[[World], None] = lambda world: None
    #: Whether it calls AWS at all (a runner pool talks only to Kubernetes).
    uses_aws: bool = True
    #: Whether it calls Kubernetes at all (a warm pool talks only to AWS).
    uses_kube: bool = True
    #: Environment the provider needs (e.g. a pinned clock).
    env: dict[str, str] = field(default_factory=dict)
    #: The crash scenarios try every `crash_stride`-th step (1: all;
    #: ``CI_CRASH_EVERY_STEP=1`` tries all whatever this says).
    crash_stride: int = 1

    def config(self, world: World, aws_url: str, kube_url: str, version: int | None) -> str:
        """The whole configuration; ``version`` None declares no resource."""
        settings = "\n".join(filter(None, [self.settings(world), RETRY_SETTINGS]))
        head = provider_block(aws_url, kube_url, settings)
        return head if version is None else head + self.blocks(world, version)


def reference_censuses(
    subject: Subject,
    world: World,
    terraform: Terraform,
    aws_url: str,
    kube_url: str,
    versions: tuple[int, ...] = (1, 2),
) -> dict[int, Census]:
    """The census after a fault-free apply of each version; afterwards
    nothing is declared and nothing may be left."""
    found = {}
    for version in (*versions, None):
        terraform.write_config(subject.config(world, aws_url, kube_url, version))
        terraform.apply()
        census = subject.census(world)
        if version is None:
            left = [f"{kind} {name}" for kind, names in census.items() for name in names]
            assert not left, f"left after a fault-free delete: {left}"
        else:
            found[version] = census
    return found


def duplicates(census: Census) -> list[str]:
    """Identities found more than once."""
    found = []
    for kind, names in census.items():
        found += [f"{kind} {name} x{n}" for name, n in Counter(names).items() if n > 1]
    return found


def strays(census: Census, expected: Census) -> list[str]:
    """Objects found that the configuration does not declare: orphans."""
    return [
        f"{kind} {name}"
        for kind, names in census.items()
        for name in sorted(set(names) - set(expected.get(kind, ())))
    ]


def missing(census: Census, expected: Census) -> list[str]:
    return [
        f"{kind} {name}"
        for kind, names in expected.items()
        for name in sorted(set(names) - set(census.get(kind, ())))
    ]


# ci_account_access: two accesses in two target accounts, one pool namespace.


def _access_pool(world: World) -> str:
    return world.namespace.name("acc")


def _accesses(world: World) -> list[tuple[str, str, str]]:
    """(resource name, account, service account) of each access."""
    first, second = world.namespace.target_account_ids[:2]
    return [("deploy", first, "deploy"), ("audit", second, "audit")]


def _access_blocks(world: World, version: int) -> str:
    pool = _access_pool(world)
    blocks = []
    for name, account, service_account in _accesses(world):
        policies = [READ_ONLY] + ([S3_READ_ONLY] if version == 2 else [])
        extra = ""
        if version == 2:
            extra = (
                '  inline_policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = '
                '"Allow", Action = "s3:GetObject", Resource = "*"}]})\n'
                '  tags = { "version" = "2" }\n'
            )
        blocks.append(f"""
resource "ci_account_access" "{name}" {{
  cluster_name    = "central"
  account_id      = "{account}"
  oidc_issuer_url = "{ISSUER}"
  namespace       = "{pool}"
  service_account = "{service_account}"
  policy_arns     = {json.dumps(policies)}
{extra}}}
""")
    return "".join(blocks)


def _access_census(world: World) -> Census:
    pool = _access_pool(world)
    census: Census = {"iam role": [], "oidc provider": [], "attachment": [], "inline policy": []}
    for account in sorted({account for _, account, _ in _accesses(world)}):
        iam = world.iam(account)
        roles = [r["RoleName"] for r in iam.list_roles()["Roles"]]
        for role in (r for r in roles if r.startswith(f"ci-{pool}-")):
            census["iam role"].append(f"{account}/{role}")
            attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
            census["attachment"] += [f"{account}/{role}/{p['PolicyArn']}" for p in attached]
            inline = iam.list_role_policies(RoleName=role)["PolicyNames"]
            census["inline policy"] += [f"{account}/{role}/{name}" for name in inline]
        providers = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
        census["oidc provider"] += [f"{account}/{p['Arn'].split('/', 1)[1]}" for p in providers]
    census["service account"] = world.kube_names(f"/api/v1/namespaces/{pool}/serviceaccounts")
    return census


def _access_expected(world: World, version: int) -> Census:
    pool = _access_pool(world)
    issuer = ISSUER.removeprefix("https://")
    expected: Census = {"iam role": [], "oidc provider": [], "attachment": [],
                        "inline policy": [], "service account": []}
    for _, account, service_account in _accesses(world):
        role = f"{account}/ci-{pool}-{service_account}"
        expected["iam role"].append(role)
        expected["oidc provider"].append(f"{account}/{issuer}")
        expected["attachment"].append(f"{role}/{READ_ONLY}")
        if version == 2:
            expected["attachment"].append(f"{role}/{S3_READ_ONLY}")
            expected["inline policy"].append(f"{role}/ci-inline")
        expected["service account"].append(service_account)
    return expected


def _make_pool_namespace(world: World) -> None:
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": _access_pool(world)}}
    response = requests.post(world.kube.api("/api/v1/namespaces"), json=body, timeout=10)
    assert response.status_code in (200, 201, 409), response.text


ACCOUNT_ACCESS = Subject(
    name="ci_account_access",
    settings=lambda world: f'  target_role_name = "{TARGET_ROLE}"',
    blocks=_access_blocks,
    census=_access_census,
    expected=_access_expected,
    prepare=_make_pool_namespace,
    # 8 mutating calls to create, 6 to update and 14 to delete.
    crash_stride=2,
)


# ci_runner_pool: one GitLab group's pool.

_POOL_KINDS = {
    "service account": "/api/v1/namespaces/{ns}/serviceaccounts",
    "role": "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles",
    "role binding": "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
    "secret": "/api/v1/namespaces/{ns}/secrets",
    "config map": "/api/v1/namespaces/{ns}/configmaps",
    "deployment": "/apis/apps/v1/namespaces/{ns}/deployments",
}


def _group(world: World) -> str:
    return world.namespace.name("pool")


def _pool_blocks(world: World, version: int) -> str:
    cpu_limit, concurrent = ("100", 10) if version == 1 else ("200", 20)
    return f"""
resource "ci_runner_pool" "pool" {{
  cluster_name = "central"
  group        = "{_group(world)}"
  gitlab_url   = "https://gitlab.example.com"
  runner_token = "glrt-faults-Qm4sTz8vLp"
  concurrent   = {concurrent}
  allowed_service_accounts = ["deploy"]
  job_maximums {{
    cpu_request  = "4"
    memory_limit = "8Gi"
  }}
  node_pool {{
    cpu_limit = "{cpu_limit}"
  }}
}}
"""


def _pool_census(world: World) -> Census:
    group = _group(world)
    namespace = f"ci-{group}"
    census: Census = {"namespace": [n for n in world.kube_names("/api/v1/namespaces")
                                    if n == namespace]}
    for kind, path in _POOL_KINDS.items():
        census[kind] = world.kube_names(path.format(ns=namespace))
    census["node pool"] = world.kube_names("/apis/karpenter.sh/v1/nodepools")
    return census


def _pool_expected(world: World, version: int) -> Census:
    group = _group(world)
    expected: Census = {kind: [f"gitlab-runner-{group}"] for kind in _POOL_KINDS}
    expected["namespace"] = [f"ci-{group}"]
    expected["node pool"] = [f"ci-{group}"]
    return expected


RUNNER_POOL = Subject(
    name="ci_runner_pool",
    settings=lambda world: "",
    blocks=_pool_blocks,
    census=_pool_census,
    expected=_pool_expected,
    uses_aws=False,
)

# ci_cluster and ci_warm_pool: in the scenario's CI account, reached
# through assume_role; their censuses list by name, and what they should
# say comes from a fault-free apply (`reference_censuses`).

CLUSTER_SUBNETS = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]


def _assume_ci_role(world: World) -> str:
    account = world.namespace.ci_account_id
    return f'  assume_role {{\n    role_arn = "arn:aws:iam::{account}:role/ci-terraform"\n  }}'


def _ci(world: World) -> AwsSession:
    return world.aws.assume_role(world.namespace.ci_account_id, "ci-terraform")


def _cluster_name(world: World) -> str:
    return world.namespace.name("ci")


def _cluster_blocks(world: World, version: int) -> str:
    team = "platform" if version == 1 else "platform-2"
    return f"""
resource "ci_cluster" "main" {{
  name       = "{_cluster_name(world)}"
  subnet_ids = {json.dumps(CLUSTER_SUBNETS)}
  tags       = {{ team = "{team}" }}
  node_class {{
    ami_alias = "al2023@v20250505"
  }}
}}
"""


def _cluster_census(world: World) -> Census:
    name = _cluster_name(world)
    ci = _ci(world)
    iam, events = ci.client("iam"), ci.client("events")
    roles = [r["RoleName"] for r in iam.list_roles()["Roles"] if name in r["RoleName"]]
    rules = [r["Name"] for r in events.list_rules(NamePrefix=f"karpenter-{name}-")["Rules"]]
    queues = ci.client("sqs").list_queues(QueueNamePrefix=f"karpenter-{name}").get("QueueUrls", [])
    providers = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    census: Census = {
        "eks cluster": [c for c in ci.client("eks").list_clusters()["clusters"] if c == name],
        "iam role": roles,
        "attachment": [
            f"{role}/{p['PolicyArn']}" for role in roles
            for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        ],
        "inline policy": [
            f"{role}/{policy}" for role in roles
            for policy in iam.list_role_policies(RoleName=role)["PolicyNames"]
        ],
        "oidc provider": [p["Arn"].split("/", 1)[1] for p in providers],
        "sqs queue": [url.rsplit("/", 1)[1] for url in queues],
        "event rule": rules,
        "event target": [
            f"{rule}/{t['Id']}" for rule in rules
            for t in events.list_targets_by_rule(Rule=rule)["Targets"]
        ],
        "cluster policy": world.kube_names("/apis/kyverno.io/v1/clusterpolicies"),
        "node class": world.kube_names("/apis/karpenter.k8s.aws/v1/ec2nodeclasses"),
        "config map": world.kube_names("/api/v1/namespaces/kube-system/configmaps"),
    }
    return census


def _make_kube_system(world: World) -> None:
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}}
    response = requests.post(world.kube.api("/api/v1/namespaces"), json=body, timeout=10)
    assert response.status_code in (200, 201, 409), response.text


CLUSTER = Subject(
    name="ci_cluster",
    settings=_assume_ci_role,
    blocks=_cluster_blocks,
    census=_cluster_census,
    expected=None,
    prepare=_make_kube_system,
    # About 27 mutating calls to create, 18 to update and 28 to delete.
    crash_stride=4,
)

#: Europe/Berlin, Wednesday 11:00: warm pools are awake (see test_warm_pool).
WEDNESDAY = "2026-03-25T10:00:00Z"


def _warm_names(world: World) -> tuple[str, str]:
    """The EKS cluster the warm pool joins, and its runner pool."""
    return world.namespace.name("warm"), world.namespace.name("wpay")


def _warm_blocks(world: World, version: int) -> str:
    cluster, pool = _warm_names(world)
    account = world.namespace.ci_account_id
    desired, high, scale_up = (2, 4, "cron(30 5 ? * MON *)")
    if version == 2:
        desired, high, scale_up = (3, 5, "cron(0 6 ? * MON *)")
    return f"""
resource "ci_warm_pool" "pool" {{
  cluster_name  = "{cluster}"
  runner_pool   = "{pool}"
  node_role_arn = "arn:aws:iam::{account}:role/{cluster}-nodes"
  subnet_ids    = {json.dumps(CLUSTER_SUBNETS)}
  group {{
    name           = "small"
    instance_types = ["c6i.xlarge"]
    min_size       = 1
    desired_size   = {desired}
    max_size       = {high}
  }}
  group {{
    name           = "large"
    instance_types = ["c6i.4xlarge"]
    desired_size   = 1
    max_size       = 2
  }}
  schedule {{
    time_zone  = "Europe/Berlin"
    scale_down = "cron(0 20 ? * FRI *)"
    scale_up   = "{scale_up}"
  }}
}}
"""


def _warm_census(world: World) -> Census:
    cluster, pool = _warm_names(world)
    ci = _ci(world)
    iam = ci.client("iam")
    prefix = f"ci-warm-{cluster}"
    roles = [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(prefix)]
    schedules = ci.client("scheduler").list_schedules(NamePrefix=prefix)["Schedules"]
    return {
        "node group": ci.client("eks").list_nodegroups(clusterName=cluster)["nodegroups"],
        "schedule": [s["Name"] for s in schedules],
        "iam role": roles,
        "inline policy": [
            f"{role}/{policy}" for role in roles
            for policy in iam.list_role_policies(RoleName=role)["PolicyNames"]
        ],
    }


def _make_warm_cluster(world: World) -> None:
    cluster, _ = _warm_names(world)
    account = world.namespace.ci_account_id
    _ci(world).client("eks").create_cluster(
        name=cluster,
        roleArn=f"arn:aws:iam::{account}:role/{cluster}",
        resourcesVpcConfig={"subnetIds": CLUSTER_SUBNETS},
    )


WARM_POOL = Subject(
    name="ci_warm_pool",
    settings=_assume_ci_role,
    blocks=_warm_blocks,
    census=_warm_census,
    expected=None,
    prepare=_make_warm_cluster,
    uses_kube=False,
    # 8 mutating calls to create, 4 to update and 8 to delete.
    crash_stride=2,
    env={"CI_WARM_POOL_NOW": WEDNESDAY},
)

#: Every resource type, each applied on its own.
SUBJECTS = [ACCOUNT_ACCESS, RUNNER_POOL, CLUSTER, WARM_POOL]


def together(name: str, subjects: list[Subject]) -> Subject:
    """One subject declaring all of ``subjects`` in one configuration;
    census kinds are prefixed with the resource type."""

    def merged(part: Callable[[Subject], Census]) -> Census:
        return {f"{s.name} {kind}": names for s in subjects for kind, names in part(s).items()}

    def prepare(world: World) -> None:
        for subject in subjects:
            subject.prepare(world)

    def settings(world: World) -> str:
        return "\n".join(dict.fromkeys(filter(None, (s.settings(world) for s in subjects))))

    known = all(s.expected is not None for s in subjects)
    return Subject(
        name=name,
        settings=settings,
        blocks=lambda world, v: "".join(s.blocks(world, v) for s in subjects),
        census=lambda world: merged(lambda s: s.census(world)),
        expected=(lambda world, v: merged(lambda s: s.expected(world, v))) if known else None,
        prepare=prepare,
        uses_aws=any(s.uses_aws for s in subjects),
        uses_kube=any(s.uses_kube for s in subjects),
        env={k: v for s in subjects for k, v in s.env.items()},
    )


PLATFORM = together("platform", SUBJECTS)


# -- the platform under faults -------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """What the two proxies do to calls."""

    name: str
    aws: FaultPlan
    kube: FaultPlan
    #: The API it faults, when only one: "aws" or "kubernetes".
    only: str | None = None

    def applies_to(self, subject: Subject) -> bool:
        if self.only == AWS:
            return subject.uses_aws
        if self.only == KUBERNETES:
            return subject.uses_kube
        return True


PROFILES = [
    # Issue 10's bar: 30% of AWS calls throttled and 5% answered 500; 10% of
    # Kubernetes calls answered 429 and 5% 503, each with Retry-After: 1.
    Profile(
        "throttled",
        FaultPlan(throttle=0.30, error_5xx=0.05, seed=10),
        FaultPlan(throttle=0.10, error_5xx=0.05, seed=10),
    ),
    # Connections closed before the call reaches AWS.
    Profile("aws-dropped", FaultPlan(drop=0.10, seed=10), FaultPlan(), only=AWS),
    # AWS does the work, the answer never arrives, the SDK sends it again.
    Profile("aws-lost", FaultPlan(lose=0.20, seed=4), FaultPlan(), only=AWS),
    # Connections closed before the call reaches the API server.
    Profile("kube-dropped", FaultPlan(), FaultPlan(drop=0.30, seed=4), only=KUBERNETES),
]

#: Provider bugs the fault scenarios have found and that are not fixed yet:
#: (resource, profile) -> what fails. Each becomes a strict xfail, so the
#: mark must go with the fix. The two found so far (aws-lost, kube-dropped)
#: were fixed in d73f768 (see docs/reliability.md).
KNOWN_FAILURES: dict[tuple[str, str], str] = {}


def _fault_cases():
    for subject in [*SUBJECTS, PLATFORM]:
        for profile in PROFILES:
            if not profile.applies_to(subject):
                continue
            if subject is PLATFORM and profile.name != "throttled":
                continue
            reason = KNOWN_FAILURES.get((subject.name, profile.name))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(subject, profile, marks=marks, id=f"{subject.name}-{profile.name}")


@pytest.mark.parametrize(("subject", "profile"), list(_fault_cases()))
def test_resources_apply_plan_empty_and_destroy_under_faults(
    subject, profile, terraform, aws, kube, aws_faults, kube_faults, namespace,
    provider_binary, capsys,
):
    world = World(namespace, aws, kube)
    subject.prepare(world)
    terraform.extra_env.update(subject.env)
    urls = (aws_faults.url, kube_faults.url)
    config = subject.config(world, *urls, version=1)
    expected: Census = {}
    if subject.expected is not None:
        expected = subject.expected(world, 1)
    elif (subject.name, profile.name) not in KNOWN_FAILURES:
        expected = reference_censuses(subject, world, terraform, *urls, versions=(1,))[1]
    for proxy in (aws_faults, kube_faults):
        proxy.reset()  # count the scenario's calls only
    aws_faults.set_plan(profile.aws)
    kube_faults.set_plan(profile.kube)

    def exactly_what_was_declared(ctx):
        census = subject.census(world)
        problems = duplicates(census) + strays(census, expected) + missing(census, expected)
        assert not problems, problems

    def nothing_left(ctx):
        return [f"{kind} {name}" for kind, names in subject.census(world).items() for name in names]

    started = time.monotonic()
    try:
        Scenario(
            terraform,
            [
                Apply(config),
                OutOfBand(exactly_what_was_declared, "no duplicates, nothing missing"),
                ExpectEmptyPlan(),
                Destroy(),
                CheckNothingLeft(nothing_left),
            ],
            namespace=namespace,
        ).run()
    except BaseException:
        _clean_up_without_faults(terraform, aws_faults, kube_faults)
        raise
    finally:
        row = fault_row(subject.name, profile.name, aws_faults, kube_faults,
                        time.monotonic() - started)
        with capsys.disabled():
            print(f"\n{FAULT_HEADER}\n{row}")
    injected = aws_faults.faulted() + kube_faults.faulted()
    assert injected, "the proxies injected no fault: the scenario proved nothing"


def _clean_up_without_faults(terraform, *proxies: FaultProxy) -> None:
    for proxy in proxies:
        proxy.set_plan(None)
    try:
        terraform.destroy()
    except Exception:  # the scenario's own failure is the one to report
        pass


FAULT_HEADER = (
    "| resource | faults | AWS calls | AWS faults | Kubernetes calls | Kubernetes faults "
    "| seconds |\n|---|---|---:|---|---:|---|---:|"
)


def fault_row(name: str, profile: str, aws: FaultProxy, kube: FaultProxy, seconds: float) -> str:
    """One line of the fault table: calls seen and faults injected."""

    def injected(proxy: FaultProxy) -> str:
        by_fault = Counter()
        for (_, fault), n in proxy.faulted().items():
            by_fault[fault] += n
        return ", ".join(f"{n} {fault}" for fault, n in sorted(by_fault.items())) or "none"

    return (
        f"| {name} | {profile} | {len(aws.calls())} | {injected(aws)} "
        f"| {len(kube.calls())} | {injected(kube)} | {seconds:.0f} |"
    )
