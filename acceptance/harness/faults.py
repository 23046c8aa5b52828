"""A fault-injecting HTTP proxy in front of moto and the Kubernetes stand-in.

The provider block's endpoints point at a `FaultProxy` instead of the
emulator; the proxy passes every call on, except those its plan picks,
which it answers the way an overloaded AWS or Kubernetes API would.

Vocabulary:

- *call*: one HTTP request through the proxy, named by service and
  operation: ``iam CreateRole``, ``eks CreateCluster``,
  ``kubernetes patch nodepools``. Every retry is a call of its own.
- *api*: what the proxy stands in front of, ``"aws"`` (moto) or
  ``"kubernetes"`` (the stand-in); it decides how calls are named and how
  errors are shaped.
- *fault*: what the proxy does to a call, a `Fault`.
- *plan*: a `FaultPlan`: a fraction of calls to fault, drawn from a seeded
  generator, plus *triggers* that fire at the n-th call matching a
  predicate (`Trigger`).
- *latency*: a fixed delay added to every call, faulted or not (for
  benchmarks, which need no plan at all).

Errors are shaped so the clients classify them as the real services'
would be. The Rust AWS SDK (``aws-runtime``'s ``AwsErrorCodeClassifier``)
retries the error codes ``Throttling`` and ``ThrottlingException`` among
others, and (``aws-smithy-runtime``'s ``HttpStatusCodeClassifier``) any
500, 502, 503 or 504; it finds the code where the protocol puts it:

- awsQuery (IAM, STS; SQS before 2024): an XML ``ErrorResponse`` body;
- awsJson 1.0/1.1 (SQS, EventBridge; requests with ``X-Amz-Target``):
  ``__type`` in a JSON body;
- restJson1 (EKS, Scheduler): the ``x-amzn-ErrorType`` header.

``kube`` (4.x) retries 429, 503 and 504 up to 15 times, waiting at least
the ``Retry-After`` it is given; it retries neither 500 nor a dropped
connection. Kubernetes faults are therefore a 429 ``TooManyRequests`` or a
503 ``ServiceUnavailable`` `Status`, each with ``Retry-After``, which is
what an API server under load answers.
"""

from __future__ import annotations

import enum
import http.client
import json
import random
import re
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

AWS = "aws"
KUBERNETES = "kubernetes"

#: Seconds an idle client connection is kept open. Longer than any
#: client's own idle timeout, so a client never reuses a connection the
#: proxy has just closed.
IDLE_TIMEOUT = 300.0

#: Seconds the proxy waits for the emulator's answer.
UPSTREAM_TIMEOUT = 120.0

#: Headers that describe one connection, not the message (RFC 9110 7.6.1);
#: the proxy frames each message itself.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "expect",
        "content-length",
    }
)


class Fault(enum.Enum):
    """What the proxy does to a call."""

    #: AWS: 400 ``Throttling``; Kubernetes: 429 with ``Retry-After``.
    THROTTLE = "throttle"
    #: AWS: 500 ``InternalFailure``; Kubernetes: 503 with ``Retry-After``.
    ERROR_5XX = "5xx"
    #: Wait the plan's ``delay_seconds``, then pass the call on.
    DELAY = "delay"
    #: Close the connection without an answer; the emulator never sees
    #: the call.
    DROP = "drop"
    #: Pass the call on, then close the connection without its answer:
    #: the work is done and the client does not know.
    LOSE = "lose"
    #: A refusal no client retries: AWS 403 ``AccessDenied``,
    #: Kubernetes 403 ``Forbidden``.
    DENY = "deny"


# -- calls ------------------------------------------------------------------


#: Operation name prefixes of AWS calls that change something.
_MUTATING_PREFIXES = (
    "Add",
    "Associate",
    "Attach",
    "Change",
    "Create",
    "Delete",
    "Deregister",
    "Detach",
    "Disable",
    "Disassociate",
    "Enable",
    "Modify",
    "Purge",
    "Put",
    "Register",
    "Remove",
    "Send",
    "Set",
    "Start",
    "Stop",
    "Tag",
    "Untag",
    "Update",
    "Upload",
)

_KUBE_MUTATING_VERBS = frozenset(
    {"create", "update", "patch", "apply", "delete", "deletecollection"}
)


@dataclass(frozen=True)
class Call:
    """One request seen by a proxy."""

    #: 1-based, in the order the proxy received calls.
    number: int
    api: str
    #: ``iam``, ``sts``, ``eks``, ``sqs``, ``events``, ``scheduler``, or
    #: ``kubernetes``.
    service: str
    #: The AWS operation (``CreateRole``) or the Kubernetes verb and
    #: resource (``patch nodepools``).
    operation: str
    method: str
    path: str

    @property
    def name(self) -> str:
        """``service operation``, the key `FaultProxy.counts` uses."""
        return f"{self.service} {self.operation}"

    @property
    def mutating(self) -> bool:
        """Whether the call changes something (create, update, delete,
        tag, put, attach ...), as opposed to reading."""
        if self.api == KUBERNETES:
            return self.operation.split(" ", 1)[0] in _KUBE_MUTATING_VERBS
        if self.operation.startswith(("GET ", "HEAD ")):
            return False
        if " " in self.operation:  # an unrecognised REST route
            return True
        return self.operation.startswith(_MUTATING_PREFIXES)


def any_call(call: Call) -> bool:
    """The default trigger predicate: every call matches."""
    return True


def mutating(call: Call) -> bool:
    """A trigger predicate matching calls that change something."""
    return call.mutating


#: restJson1 routes of the EKS and Scheduler operations the provider uses:
#: (service, method, path pattern, operation). Unlisted routes are named
#: ``METHOD /first-segment``.
_REST_ROUTES: Sequence[tuple[str, str, str, str]] = [
    ("eks", "POST", r"/clusters", "CreateCluster"),
    ("eks", "GET", r"/clusters", "ListClusters"),
    ("eks", "GET", r"/clusters/[^/]+", "DescribeCluster"),
    ("eks", "DELETE", r"/clusters/[^/]+", "DeleteCluster"),
    ("eks", "POST", r"/clusters/[^/]+/update-config", "UpdateClusterConfig"),
    ("eks", "POST", r"/clusters/[^/]+/updates", "UpdateClusterVersion"),
    ("eks", "GET", r"/clusters/[^/]+/updates/[^/]+", "DescribeUpdate"),
    ("eks", "POST", r"/clusters/[^/]+/node-groups", "CreateNodegroup"),
    ("eks", "GET", r"/clusters/[^/]+/node-groups", "ListNodegroups"),
    ("eks", "GET", r"/clusters/[^/]+/node-groups/[^/]+", "DescribeNodegroup"),
    ("eks", "DELETE", r"/clusters/[^/]+/node-groups/[^/]+", "DeleteNodegroup"),
    ("eks", "POST", r"/clusters/[^/]+/node-groups/[^/]+/update-config",
     "UpdateNodegroupConfig"),
    ("eks", "POST", r"/clusters/[^/]+/node-groups/[^/]+/update-version",
     "UpdateNodegroupVersion"),
    ("eks", "POST", r"/clusters/[^/]+/access-entries", "CreateAccessEntry"),
    ("eks", "GET", r"/clusters/[^/]+/access-entries", "ListAccessEntries"),
    ("eks", "GET", r"/clusters/[^/]+/access-entries/[^/]+", "DescribeAccessEntry"),
    ("eks", "POST", r"/clusters/[^/]+/access-entries/[^/]+", "UpdateAccessEntry"),
    ("eks", "DELETE", r"/clusters/[^/]+/access-entries/[^/]+", "DeleteAccessEntry"),
    ("eks", "POST", r"/clusters/[^/]+/access-entries/[^/]+/access-policies",
     "AssociateAccessPolicy"),
    ("eks", "GET", r"/clusters/[^/]+/access-entries/[^/]+/access-policies",
     "ListAssociatedAccessPolicies"),
    ("eks", "DELETE", r"/clusters/[^/]+/access-entries/[^/]+/access-policies/.+",
     "DisassociateAccessPolicy"),
    ("eks", "POST", r"/clusters/[^/]+/addons", "CreateAddon"),
    ("eks", "GET", r"/clusters/[^/]+/addons/[^/]+", "DescribeAddon"),
    ("eks", "DELETE", r"/clusters/[^/]+/addons/[^/]+", "DeleteAddon"),
    ("scheduler", "POST", r"/schedules/[^/]+", "CreateSchedule"),
    ("scheduler", "PUT", r"/schedules/[^/]+", "UpdateSchedule"),
    ("scheduler", "GET", r"/schedules/[^/]+", "GetSchedule"),
    ("scheduler", "DELETE", r"/schedules/[^/]+", "DeleteSchedule"),
    ("scheduler", "GET", r"/schedules", "ListSchedules"),
    ("scheduler", "POST", r"/schedule-groups/[^/]+", "CreateScheduleGroup"),
    ("scheduler", "GET", r"/schedule-groups/[^/]+", "GetScheduleGroup"),
    ("scheduler", "DELETE", r"/schedule-groups/[^/]+", "DeleteScheduleGroup"),
    ("*", "POST", r"/tags/.+", "TagResource"),
    ("*", "DELETE", r"/tags/.+", "UntagResource"),
    ("*", "GET", r"/tags/.+", "ListTagsForResource"),
]

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/[^/,]+/([^/,]+)/aws4_request")


def aws_service(headers) -> str:
    """The service a SigV4-signed request is for, from its credential
    scope (``Credential=AKID/20240101/eu-west-1/iam/aws4_request``)."""
    found = _CREDENTIAL_SCOPE.search(headers.get("Authorization", ""))
    return found.group(1) if found else "aws"


def aws_operation(method: str, path: str, headers, body: bytes, service: str) -> str:
    """The AWS operation of a request, whatever its protocol."""
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    if "x-www-form-urlencoded" in headers.get("Content-Type", ""):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return action[0]
    route = urlsplit(path).path.rstrip("/") or "/"
    for owner, verb, pattern, operation in _REST_ROUTES:
        if owner in (service, "*") and verb == method and re.fullmatch(pattern, route):
            return operation
    first = route.split("/")[1] if route.count("/") else ""
    return f"{method} /{first}"


def kubernetes_operation(method: str, path: str, headers) -> str:
    """``verb resource`` of a Kubernetes API request, e.g. ``patch nodepools``,
    ``list serviceaccounts``, ``get namespaces``."""
    url = urlsplit(path)
    segments = [s for s in url.path.split("/") if s]
    if segments[:1] == ["api"]:
        rest = segments[2:]
    elif segments[:1] == ["apis"]:
        rest = segments[3:]
    else:
        return f"{method.lower()} {url.path}"
    if len(rest) >= 3 and rest[0] == "namespaces":
        rest = rest[2:]
    resource = rest[0] if rest else "(root)"
    named = len(rest) >= 2
    if len(rest) >= 3:
        resource = f"{resource}/{rest[2]}"
    return f"{_kubernetes_verb(method, named, url.query, headers)} {resource}"


def _kubernetes_verb(method: str, named: bool, query: str, headers) -> str:
    if method == "GET":
        if "watch=true" in query or "watch=1" in query:
            return "watch"
        return "get" if named else "list"
    if method == "PATCH":
        applying = "apply-patch" in headers.get("Content-Type", "")
        return "apply" if applying else "patch"
    if method == "DELETE":
        return "delete" if named else "deletecollection"
    return {"POST": "create", "PUT": "update", "HEAD": "get"}.get(method, method.lower())


# -- plans ------------------------------------------------------------------


class Trigger:
    """A fault for the `nth` call matching `matching`, once.

    A trigger counts matching calls itself, so one trigger placed in the
    plans of two proxies counts the calls of both: "the 3rd mutating call,
    AWS or Kubernetes". With ``after_upstream`` the call is passed on first
    and the fault replaces its answer (the emulator did the work; the
    client never hears of it). ``hook(call)`` runs just before the fault
    is applied, e.g. to kill the client. With ``halt``, every call after
    the n-th is dropped before it reaches the emulator, matching or not:
    a crash at the n-th call lets nothing later through, however many
    calls the client had in flight.
    """

    def __init__(
        self,
        nth: int,
        fault: Fault,
        matching: Callable[[Call], bool] = any_call,
        after_upstream: bool = False,
        hook: Callable[[Call], object] | None = None,
        halt: bool = False,
    ):
        if nth < 1:
            raise ValueError("nth counts from 1")
        self.nth = nth
        self.fault = fault
        self.matching = matching
        self.after_upstream = after_upstream
        self.hook = hook
        self.halt = halt
        self.seen = 0
        #: The call it fired on, once it has.
        self.fired: Call | None = None
        self._lock = threading.Lock()

    def claim(self, call: Call) -> Decision | None:
        """Count ``call`` if it matches; the trigger's fault at the n-th,
        a drop for any call after it when halting."""
        matches = self.matching(call)
        with self._lock:
            if self.halt and self.fired is not None:
                return Decision(Fault.DROP)
            if not matches:
                return None
            self.seen += 1
            if self.seen != self.nth:
                return None
            self.fired = call
        after = self.after_upstream or self.fault is Fault.LOSE
        return Decision(self.fault, after, self)

    def reset(self) -> None:
        with self._lock:
            self.seen = 0
            self.fired = None


@dataclass
class FaultPlan:
    """Which calls get which fault.

    Fractions are of eligible calls (``applies_to``) and exclusive: a call
    draws one number and gets at most one fault. The draw for the k-th
    call of an operation depends only on ``seed``, the operation and k, so
    a run is reproducible even though concurrent calls arrive in varying
    order. Triggers take precedence over fractions.
    """

    throttle: float = 0.0
    error_5xx: float = 0.0
    delay: float = 0.0
    drop: float = 0.0
    lose: float = 0.0
    seed: int = 0
    delay_seconds: float = 1.0
    #: ``Retry-After`` of Kubernetes 429s and 503s, whole seconds.
    retry_after_seconds: int = 1
    applies_to: Callable[[Call], bool] = any_call
    triggers: Sequence[Trigger] = field(default_factory=tuple)

    def __post_init__(self):
        total = self.throttle + self.error_5xx + self.delay + self.drop + self.lose
        if not 0.0 <= total <= 1.0:
            raise ValueError(f"fault fractions add up to {total}, not within 0..1")

    def drawn(self, call: Call, occurrence: int) -> Fault | None:
        """The fault, if any, for the ``occurrence``-th call of its name."""
        if not self.applies_to(call):
            return None
        draw = random.Random(f"{self.seed}/{call.name}/{occurrence}").random()
        for fault, fraction in (
            (Fault.THROTTLE, self.throttle),
            (Fault.ERROR_5XX, self.error_5xx),
            (Fault.DELAY, self.delay),
            (Fault.DROP, self.drop),
            (Fault.LOSE, self.lose),
        ):
            if draw < fraction:
                return fault
            draw -= fraction
        return None

    def reset(self) -> None:
        for trigger in self.triggers:
            trigger.reset()


#: A plan that faults nothing.
NO_FAULTS = FaultPlan()


@dataclass(frozen=True)
class Decision:
    """What the proxy does with one call: nothing, or ``fault`` before or
    after the emulator has seen the call."""

    fault: Fault | None = None
    after_upstream: bool = False
    trigger: Trigger | None = None


# -- the proxy --------------------------------------------------------------


class FaultProxy:
    """An HTTP/1.1 proxy on ``127.0.0.1`` in front of one emulator.

    Use as a context manager, or call `start` and `stop`::

        with FaultProxy(moto_url, plan=FaultPlan(throttle=0.3, seed=1)) as aws:
            provider_block(aws.url, ...)
            ...
            aws.counts()["iam CreateRole"]
    """

    def __init__(
        self,
        upstream_url: str,
        plan: FaultPlan | None = None,
        latency: float = 0.0,
        api: str = AWS,
        answer: Callable[[Call, int, bytes], bytes] | None = None,
    ):
        """``answer``, when given, sees every call's answer from the
        emulator (status and body) and returns the body to send on; tests
        use it to make the emulator say what it cannot (an EKS endpoint
        that leads to the Kubernetes stand-in)."""
        if api not in (AWS, KUBERNETES):
            raise ValueError(f"api is {AWS!r} or {KUBERNETES!r}, not {api!r}")
        upstream = urlsplit(upstream_url)
        if upstream.scheme != "http" or not upstream.hostname:
            raise ValueError(f"the upstream must be an http:// URL, not {upstream_url!r}")
        self.upstream = (upstream.hostname, upstream.port or 80)
        self.api = api
        self.latency = latency
        self._plan = plan or NO_FAULTS
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._answer = answer
        self._authorizations: list[tuple[Call, str | None]] = []
        self._occurrences: Counter[str] = Counter()
        self._faulted: Counter[tuple[str, str]] = Counter()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the proxy is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FaultProxy:
        """Listen on an ephemeral loopback port and serve in a thread."""
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fault-proxy-{self._server.server_address[1]}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and join every thread."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()
        server.shutdown()
        thread.join()
        server.close_connections()
        # block_on_close: joins the handler threads.
        server.server_close()
        self._server = self._thread = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- plan and records ---------------------------------------------------

    @property
    def plan(self) -> FaultPlan:
        return self._plan

    def set_plan(self, plan: FaultPlan | None) -> None:
        """Fault from now on by ``plan`` (None: no faults); draws start over."""
        with self._lock:
            self._plan = plan or NO_FAULTS
            self._occurrences.clear()

    def reset(self) -> None:
        """Forget every call and fault so far; triggers and draws start over."""
        with self._lock:
            self._calls.clear()
            self._authorizations.clear()
            self._occurrences.clear()
            self._faulted.clear()
            self._plan.reset()

    def calls(self) -> list[Call]:
        """Every call so far, in the order received."""
        with self._lock:
            return list(self._calls)

    def counts(self, only: Callable[[Call], bool] = any_call) -> Counter[str]:
        """Calls so far by name (``iam CreateRole``); retries count apart."""
        return Counter(call.name for call in self.calls() if only(call))

    def authorizations(self) -> list[tuple[Call, str | None]]:
        """Every call so far with its ``Authorization`` header (None when
        it had none), for tests of how the provider authenticates."""
        with self._lock:
            return list(self._authorizations)

    def faulted(self) -> Counter[tuple[str, str]]:
        """Faults injected so far by (call name, fault value)."""
        with self._lock:
            return Counter(self._faulted)

    # -- used by the handler ------------------------------------------------

    def admit(self, method: str, path: str, headers, body: bytes) -> tuple[Call, Decision]:
        """Record a call and decide what to do with it."""
        if self.api == AWS:
            service = aws_service(headers)
            operation = aws_operation(method, path, headers, body, service)
        else:
            service = KUBERNETES
            operation = kubernetes_operation(method, path, headers)
        with self._lock:
            call = Call(len(self._calls) + 1, self.api, service, operation, method, path)
            self._calls.append(call)
            self._authorizations.append((call, headers.get("Authorization")))
            self._occurrences[call.name] += 1
            occurrence = self._occurrences[call.name]
            plan = self._plan
        decision = _decide(plan, call, occurrence)
        if decision.fault is not None:
            with self._lock:
                self._faulted[(call.name, decision.fault.value)] += 1
        return call, decision

    def sleep(self, seconds: float) -> None:
        """Wait, unless the proxy is stopping."""
        if seconds > 0:
            self._stopping.wait(seconds)


def _decide(plan: FaultPlan, call: Call, occurrence: int) -> Decision:
    for trigger in plan.triggers:
        decision = trigger.claim(call)
        if decision is not None:
            return decision
    fault = plan.drawn(call, occurrence)
    return Decision(fault, after_upstream=fault is Fault.LOSE)


class _Server(ThreadingHTTPServer):
    """Threads per connection, joined on close; open connections tracked
    so `close_connections` can end idle keep-alives."""

    daemon_threads = False
    block_on_close = True
    allow_reuse_address = False

    def __init__(self, proxy: FaultProxy):
        self.proxy = proxy
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._open_lock:
            (self._open.add if open_ else self._open.discard)(connection)

    def close_connections(self) -> None:
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            _shut(connection)


#: How a request meets a kept-alive connection the other side has closed.
_CLOSED_WHILE_IDLE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class _Handler(BaseHTTPRequestHandler):
    """One client connection: requests in turn, keep-alive, any method."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT
    # Headers and body leave in separate writes: without TCP_NODELAY,
    # Nagle's algorithm and the client's delayed ACK add 40 ms to a call.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        port = self.server.server_address[1]
        threading.current_thread().name = f"fault-proxy-{port}-connection"
        self.server.track(self.connection, True)
        self._upstream: http.client.HTTPConnection | None = None

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:
            # The client went away (or was killed) mid-request: its loss.
            self.close_connection = True

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)
            if self._upstream is not None:
                self._upstream.close()

    def log_message(self, format: str, *args) -> None:
        """Quiet: calls are recorded by the proxy, not logged."""

    def do_any(self) -> None:
        proxy = self.server.proxy
        body = self._read_body()
        if body is None:
            return
        call, decision = proxy.admit(self.command, self.path, self.headers, body)
        proxy.sleep(proxy.latency)

        if decision.fault is not None and not decision.after_upstream:
            self._run_hook(decision, call)
            if self._faulted(decision.fault, call, proxy):
                return

        answer = self._forward(body)
        if answer is None:
            self._send(502, [("Content-Type", "text/plain")], b"fault proxy: upstream failed")
            return

        if decision.fault is not None and decision.after_upstream:
            self._run_hook(decision, call)
            if self._faulted(decision.fault, call, proxy):
                return
        status, headers, payload = answer
        if proxy._answer is not None:
            payload = proxy._answer(call, status, payload)
        self._send(status, headers, payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_any

    # -- faults -------------------------------------------------------------

    def _run_hook(self, decision: Decision, call: Call) -> None:
        if decision.trigger is not None and decision.trigger.hook is not None:
            decision.trigger.hook(call)

    def _faulted(self, fault: Fault, call: Call, proxy: FaultProxy) -> bool:
        """Apply ``fault``; True when the call was answered (or dropped)."""
        if fault is Fault.DELAY:
            proxy.sleep(proxy.plan.delay_seconds)
            return False
        if fault in (Fault.DROP, Fault.LOSE):
            self.close_connection = True
            _shut(self.connection)
            return True
        if call.api == KUBERNETES:
            status, headers, payload = kubernetes_error(fault, proxy.plan.retry_after_seconds)
        else:
            status, headers, payload = aws_error(fault, self.headers)
        self._send(status, headers, payload)
        return True

    # -- HTTP plumbing ------------------------------------------------------

    def _read_body(self) -> bytes | None:
        """The request body, de-chunked; None if the client went away."""
        try:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                return _read_chunked(self.rfile)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            return body if len(body) == length else None
        except (OSError, ValueError):
            self.close_connection = True
            return None

    def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes] | None:
        """Send the request upstream; the answer, or None when it failed.

        The emulator may close a kept-alive connection while it is idle;
        a request that then meets a closed connection is sent once more,
        on a new one.
        """
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP]
        for _ in range(2):
            reused = self._upstream is not None
            try:
                if self._upstream is None:
                    self._upstream = _connect_upstream(*self.server.proxy.upstream)
                return self._exchange(self._upstream, headers, body)
            except (OSError, http.client.HTTPException) as error:
                if self._upstream is not None:
                    self._upstream.close()
                self._upstream = None
                if not (reused and isinstance(error, _CLOSED_WHILE_IDLE)):
                    return None
        return None

    def _exchange(self, upstream, headers, body: bytes):
        upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            upstream.putheader(name, value)
        if body or self.command in ("POST", "PUT", "PATCH"):
            upstream.putheader("Content-Length", str(len(body)))
        upstream.endheaders(body or None)
        response = upstream.getresponse()
        payload = response.read()
        kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP]
        if self.command == "HEAD" and response.getheader("Content-Length"):
            kept.append(("Content-Length", response.getheader("Content-Length")))
        if response.will_close:
            upstream.close()
            self._upstream = None
        return response.status, kept, payload

    def _send(self, status: int, headers: Iterable[tuple[str, str]], payload: bytes) -> None:
        try:
            self.send_response_only(status)
            for name, value in headers:
                self.send_header(name, value)
            no_body = self.command == "HEAD" or status in (204, 304) or 100 <= status < 200
            if not no_body:
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if not no_body:
                self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            self.close_connection = True


def _connect_upstream(host: str, port: int) -> http.client.HTTPConnection:
    """A connection to the emulator, sending small writes at once."""
    connection = http.client.HTTPConnection(host, port, timeout=UPSTREAM_TIMEOUT)
    connection.connect()
    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return connection


def _read_chunked(rfile) -> bytes:
    """A chunked body (RFC 9112 7.1), trailers discarded."""
    parts = []
    while True:
        size_line = rfile.readline(65537)
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            break
        parts.append(rfile.read(size))
        rfile.readline()  # CRLF after the chunk data
    while rfile.readline(65537) not in (b"\r\n", b"\n", b""):
        pass
    return b"".join(parts)


def _shut(connection: socket.socket) -> None:
    """End a client connection: the client reads end-of-file."""
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


# -- error answers ----------------------------------------------------------

_AWS_ERRORS = {
    # fault: (status, awsQuery code, JSON/REST code, awsQuery type, message)
    Fault.THROTTLE: (400, "Throttling", "ThrottlingException", "Sender", "Rate exceeded"),
    Fault.ERROR_5XX: (500, "InternalFailure", "InternalFailure", "Receiver", "Internal failure"),
    Fault.DENY: (403, "AccessDenied", "AccessDeniedException", "Sender", "Denied by a fault"),
}


def aws_error(fault: Fault, request_headers) -> tuple[int, list[tuple[str, str]], bytes]:
    """The answer an AWS service gives for ``fault``, in the request's protocol."""
    status, query_code, json_code, kind, message = _AWS_ERRORS[fault]
    request_id = str(uuid.uuid4())
    target = request_headers.get("X-Amz-Target")
    content_type = request_headers.get("Content-Type", "")
    if target:
        body = json.dumps({"__type": json_code, "message": message}).encode()
        headers = [("Content-Type", content_type or "application/x-amz-json-1.1")]
    elif "x-www-form-urlencoded" in content_type:
        body = (
            "<ErrorResponse><Error>"
            f"<Type>{kind}</Type><Code>{query_code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml")]
    else:
        body = json.dumps({"message": message}).encode()
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", json_code)]
    headers.append(("x-amzn-RequestId", request_id))
    return status, headers, body


_KUBERNETES_ERRORS = {
    Fault.THROTTLE: (429, "TooManyRequests", "the server has received too many requests"),
    Fault.ERROR_5XX: (503, "ServiceUnavailable", "the server is unable to handle the request"),
    Fault.DENY: (403, "Forbidden", "forbidden by the fault proxy"),
}


def kubernetes_error(fault: Fault, retry_after: int) -> tuple[int, list[tuple[str, str]], bytes]:
    """The `Status` an API server answers for ``fault``."""
    code, reason, message = _KUBERNETES_ERRORS[fault]
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    headers = [("Content-Type", "application/json")]
    if fault is not Fault.DENY:
        status["details"] = {"retryAfterSeconds": retry_after}
        headers.append(("Retry-After", str(retry_after)))
    return code, headers, json.dumps(status).encode()
