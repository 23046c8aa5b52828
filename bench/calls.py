"""AWS and Kubernetes calls as the benchmark sees them.

A `TimedProxy` is the acceptance harness's `FaultProxy`, which counts
calls by name (``iam GetRole``, ``kubernetes get nodepools``) and adds
latency, plus the time each call arrived. From arrival times and the
added latency, `in_flight` tells how many calls were in flight at once:
every call lasts at least the latency, so all calls that arrived within
one latency of each other were in flight together.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import Counter
from dataclasses import dataclass

from harness.faults import FaultProxy

ASSUME_ROLE = "sts AssumeRole"


class TimedProxy(FaultProxy):
    """A `FaultProxy` that also records when each call arrived."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._arrivals: list[float] = []
        self._arrivals_lock = threading.Lock()

    def admit(self, method, path, headers, body):
        admitted = super().admit(method, path, headers, body)
        with self._arrivals_lock:
            self._arrivals.append(time.monotonic())
        return admitted

    def reset(self) -> None:
        super().reset()
        with self._arrivals_lock:
            self._arrivals.clear()

    def arrivals(self) -> list[float]:
        with self._arrivals_lock:
            return list(self._arrivals)


@dataclass
class CallCounts:
    """The calls one plan made through the two proxies."""

    aws: Counter[str]
    kube: Counter[str]

    @property
    def total(self) -> int:
        return sum(self.aws.values()) + sum(self.kube.values())

    @property
    def assume_role(self) -> int:
        return self.aws[ASSUME_ROLE]

    @property
    def sessions(self) -> int:
        """STS calls: the provider's sessions, not reads of sub-objects."""
        return sum(n for name, n in self.aws.items() if name.startswith("sts "))

    @property
    def reads(self) -> int:
        """Calls that read sub-objects: every call but STS's."""
        return self.total - self.sessions

    @property
    def other_sessions(self) -> int:
        """STS calls other than AssumeRole (GetCallerIdentity)."""
        return self.sessions - self.assume_role

    def by_name(self) -> Counter[str]:
        return self.aws + self.kube


@dataclass(frozen=True)
class InFlight:
    """How many calls were in flight at once."""

    #: A lower bound on the most at any moment.
    most: int
    #: Calls times latency over the span from first to last arrival.
    mean: float


def in_flight(arrivals: list[float], latency: float) -> InFlight:
    """Concurrency of calls that each lasted at least ``latency`` seconds."""
    ordered = sorted(arrivals)
    if not ordered or latency <= 0:
        return InFlight(0, 0.0)
    most = 0
    for index, arrived in enumerate(ordered):
        first = bisect.bisect_left(ordered, arrived - latency)
        most = max(most, index - first + 1)
    span = ordered[-1] - ordered[0] + latency
    return InFlight(most, len(ordered) * latency / span)
