"""A command's CPU time and its provider processes' memory, read from /proc.

Vocabulary:

- *command*: one ``terraform`` run, started and reaped by `run_measured`;
- *provider process*: a descendant of that command whose name is the
  provider's. Terraform starts the provider several times per command
  (schema, validate, plan), so a command has several;
- *peak RSS*: a process's ``VmHWM``, the kernel's high-water mark of its
  resident set, which only grows; the last value read before the process
  exits is its peak, so sampling every 10 ms loses nothing but growth in
  the last 10 ms;
- *CPU*: user plus system time. The command's total comes from the
  ``rusage`` that ``wait4`` reports, which includes every descendant it
  reaped (the provider processes); a provider process's own comes from
  ``/proc/<pid>/stat``, last read while it ran.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: Seconds between samples. A provider process lives at least tens of
#: milliseconds (its handshake alone is a few), so none goes unseen.
SAMPLE_INTERVAL = 0.01

#: Samples between counts of open file descriptors: listing a few hundred
#: of them is the one costly read, and the count only grows slowly.
FD_EVERY = 10

#: ``comm`` is the executable name cut to 15 characters.
PROVIDER_COMM = "terraform-provider-ci"[:15]

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class ProcessFigures:
    """The last figures read for one provider process."""

    pid: int
    peak_rss_kib: int = 0
    cpu_seconds: float = 0.0
    #: Most file descriptors open at once: almost all are connections,
    #: which the AWS SDK and kube-rs keep open, idle, in their pools.
    peak_fds: int = 0


@dataclass
class Measured:
    """What one command cost."""

    code: int
    wall_seconds: float
    #: The command and every descendant it reaped.
    total_cpu_seconds: float
    providers: list[ProcessFigures] = field(default_factory=list)

    @property
    def peak_rss_kib(self) -> int:
        """The largest peak RSS of any of the command's provider processes."""
        return max((p.peak_rss_kib for p in self.providers), default=0)

    @property
    def provider_cpu_seconds(self) -> float:
        return sum(p.cpu_seconds for p in self.providers)

    @property
    def terraform_cpu_seconds(self) -> float:
        """Terraform's own CPU: the total less its provider processes'."""
        return max(self.total_cpu_seconds - self.provider_cpu_seconds, 0.0)


class ProviderSampler(threading.Thread):
    """Polls /proc for the provider descendants of one process until stopped."""

    def __init__(self, parent_pid: int):
        super().__init__(name=f"sampler-{parent_pid}", daemon=True)
        self.parent_pid = parent_pid
        self.figures: dict[int, ProcessFigures] = {}
        self._strangers: set[int] = set()
        self._family: set[int] = {parent_pid}
        self._comm: dict[int, str] = {}
        self._samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(SAMPLE_INTERVAL)

    def stop(self) -> list[ProcessFigures]:
        self._stop_event.set()
        self.join()
        return sorted(self.figures.values(), key=lambda p: p.pid)

    def sample(self) -> None:
        for pid in self._provider_pids():
            self._read(self.figures.setdefault(pid, ProcessFigures(pid)))
        self._samples += 1

    def _provider_pids(self) -> list[int]:
        """Provider processes among the command's descendants.

        Terraform 1.0 re-executes itself under a panic monitor, so the
        provider is a grandchild of the process we started, not a child.
        """
        unplaced: dict[int, tuple[str, int]] = {}
        for entry in os.listdir("/proc"):
            pid = int(entry) if entry.isdigit() else 0
            if pid and pid not in self._strangers and pid not in self._family:
                stat = _stat_fields(pid)
                if stat is not None:
                    unplaced[pid] = (stat[0], int(stat[2]))
        self._place(unplaced)
        return [pid for pid in self._family if self._comm.get(pid) == PROVIDER_COMM]

    def _place(self, unplaced: dict[int, tuple[str, int]]) -> None:
        """Adds descendants to the family, until no process joins it.

        A process that is not a descendant now never becomes one, but a
        process seen before it executed the provider may still change its
        name, so a family member's name is read again on every sample.
        """
        joined = True
        while joined:
            joined = False
            for pid, (comm, ppid) in list(unplaced.items()):
                if ppid in self._family:
                    self._family.add(pid)
                    del unplaced[pid]
                    joined = True
        self._strangers.update(unplaced)
        for pid in self._family:
            stat = _stat_fields(pid)
            if stat is not None:
                self._comm[pid] = stat[0]

    def _read(self, figures: ProcessFigures) -> None:
        stat = _stat_fields(figures.pid)
        if stat is not None:
            # utime and stime, fields 14 and 15 of proc(5): 12 and 13 here.
            ticks = int(stat[12]) + int(stat[13])
            figures.cpu_seconds = max(figures.cpu_seconds, ticks / _TICKS)
        figures.peak_rss_kib = max(figures.peak_rss_kib, _peak_rss_kib(figures.pid))
        if self._samples % FD_EVERY == 0:
            figures.peak_fds = max(figures.peak_fds, _open_fds(figures.pid))


def run_measured(
    argv: Sequence[str],
    env: Mapping[str, str],
    cwd: Path,
    log_path: Path,
    timeout: float,
) -> Measured:
    """Run ``argv`` to completion, sampling its provider descendants."""
    with open(log_path, "wb") as log:
        started = time.monotonic()
        popen = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
        sampler = ProviderSampler(popen.pid)
        sampler.start()
        try:
            _, status, usage = _wait4(popen, timeout)
        finally:
            providers = sampler.stop()
        wall = time.monotonic() - started
    popen.returncode = os.waitstatus_to_exitcode(status)
    total = usage.ru_utime + usage.ru_stime
    return Measured(popen.returncode, wall, total, providers)


def _wait4(popen: subprocess.Popen, timeout: float):
    """``os.wait4`` with a deadline; kills the process group when it passes."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(popen.pid, os.WNOHANG)
        if pid == popen.pid:
            return pid, status, usage
        if time.monotonic() >= deadline:
            os.killpg(popen.pid, 9)
            raise TimeoutError(f"{' '.join(popen.args)} ran past {timeout:.0f}s")
        time.sleep(0.01)


def _stat_fields(pid: int) -> list[str] | None:
    """``comm`` and the fields after it of /proc/<pid>/stat; None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
    except OSError:
        return None
    # comm is in parentheses and may itself hold spaces or parentheses.
    open_at, close_at = text.find("("), text.rfind(")")
    return [text[open_at + 1 : close_at], *text[close_at + 2 :].split()]


def cpu_seconds(pid: int) -> float:
    """User plus system time of a running process so far; 0 if gone."""
    stat = _stat_fields(pid)
    return (int(stat[12]) + int(stat[13])) / _TICKS if stat else 0.0


def _open_fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def _peak_rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
