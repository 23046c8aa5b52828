"""pytest fixtures: the emulators, Terraform, and the process-leak check.

Scopes follow cost and sharing:

- ``processes`` and the autouse leak check live for the whole session;
- ``moto`` is one server per session (start-up takes seconds); scenarios
  stay apart through their ``namespace``'s account ids and names;
- ``kube`` is one stand-in per test (it starts in milliseconds), so its
  request counts and cluster-scoped objects belong to that test alone;
- ``terraform`` is one working dir per test, under pytest's ``tmp_path``;
- ``aws_faults`` and ``kube_faults`` are fault proxies of one test, in
  front of moto and of that test's stand-in (see `harness.faults`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from . import namespace as namespaces
from . import paths
from .aws import AwsSession
from .faults import AWS, KUBERNETES, FaultProxy
from .kube import KubeStandin
from .moto import MotoServer
from .processes import HarnessError, ProcessRegistry, describe
from .terraform import Terraform

#: Seconds stopped processes get to disappear before they count as leaked.
LEAK_GRACE = 3.0


@pytest.fixture(scope="session")
def processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProcessRegistry]:
    """The registry every harness process is started through."""
    registry = ProcessRegistry(tmp_path_factory.mktemp("processes"))
    yield registry
    registry.stop_all()


@pytest.fixture(scope="session", autouse=True)
def no_leaked_processes(processes: ProcessRegistry) -> Iterator[None]:
    """After the last test: no process started by the harness is alive.

    Being autouse and session-scoped, this is set up before, and so torn
    down after, every fixture that starts a process.
    """
    yield
    leaked = processes.wait_for_no_survivors(LEAK_GRACE, include_children=True)
    if leaked:
        report = "\n  ".join(describe(p) for p in leaked)
        processes.kill_survivors(include_children=True)
        pytest.fail(f"processes outlived the test session:\n  {report}")


@pytest.fixture(scope="session")
def moto(processes: ProcessRegistry) -> Iterator[str]:
    """The URL of a moto server shared by the session."""
    server = _started(MotoServer.start, processes)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def aws(moto: str) -> AwsSession:
    """boto3 in moto's default account (dummy credentials, eu-west-1)."""
    return AwsSession(moto)


@pytest.fixture
def kube(processes: ProcessRegistry) -> Iterator[KubeStandin]:
    """A Kubernetes API stand-in of this test's own."""
    standin = _started(KubeStandin.start, processes)
    try:
        yield standin
    finally:
        standin.stop()


@pytest.fixture
def aws_faults(moto: str) -> Iterator[FaultProxy]:
    """A fault proxy in front of moto; it faults nothing until given a plan."""
    with FaultProxy(moto, api=AWS) as proxy:
        yield proxy


@pytest.fixture
def kube_faults(kube: KubeStandin) -> Iterator[FaultProxy]:
    """A fault proxy in front of this test's stand-in; no faults until planned."""
    with FaultProxy(kube.url, api=KUBERNETES) as proxy:
        yield proxy


@pytest.fixture
def namespace(request: pytest.FixtureRequest) -> namespaces.Namespace:
    """Account ids and a name slug no other test of the session uses."""
    return namespaces.allocate(request.node.name)


@pytest.fixture
def terraform(tmp_path: Path, processes: ProcessRegistry) -> Terraform:
    """Terraform 1.0.3 in a fresh working dir, our provider installed."""
    return Terraform(tmp_path / "terraform", processes)


@pytest.fixture
def provider_binary() -> Path:
    """The built provider; fails (never skips) when it has not been built."""
    binary = paths.provider_binary()
    if not binary.exists():
        pytest.fail(
            f"{binary} does not exist: run `cargo build` first",
            pytrace=False,
        )
    return binary


def _started(start, processes: ProcessRegistry):
    """``start(processes)``, turning harness errors into a plain failure."""
    try:
        return start(processes)
    except HarnessError as error:
        message = str(error)
    # Outside the except block, so the report is not a chained traceback.
    pytest.fail(message, pytrace=False)
