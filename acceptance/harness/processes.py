"""Processes the harness starts, and the check that none outlives a run.

Vocabulary:

- *registry*: one `ProcessRegistry` per test session. Every process the
  harness starts, long-lived server or one-shot command, goes through it.
- *mark*: the registry's token, put in each started process's environment
  as ``CI_ACCEPTANCE_HARNESS_MARK``. Children inherit their parent's
  environment, so a grandchild that was re-parented to init (a provider
  plugin whose ``terraform`` was killed) still carries the mark and is
  found by `ProcessRegistry.survivors`.
- *survivor*: a live process with the mark; the session's leak check also
  counts any live descendant of the test process, marked or not.
- *group*: each started process leads a new session and process group, so
  stopping it signals its children too.
"""

from __future__ import annotations

import atexit
import os
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

MARK_VARIABLE = "CI_ACCEPTANCE_HARNESS_MARK"

#: Seconds between SIGTERM and SIGKILL when stopping a process group.
STOP_GRACE = 5.0


class HarnessError(Exception):
    """A component the harness manages could not be started or used."""


@dataclass
class Tracked:
    """A long-lived process started by the registry, logging to a file."""

    name: str
    popen: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the process's combined stdout and stderr."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def wait_for_line(self, pattern: str, timeout: float) -> re.Match:
        """Wait until the log has a line matching ``pattern``.

        Fails early, with the log, when the process exits first.
        """
        regex = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = regex.search(self.log_tail(chars=1 << 20))
            if found:
                return found
            if not self.alive():
                raise HarnessError(
                    f"{self.name} exited with code {self.popen.returncode} "
                    f"before printing {pattern!r}; its log:\n{self.log_tail()}"
                )
            time.sleep(0.05)
        raise HarnessError(
            f"{self.name} printed no line matching {pattern!r} within "
            f"{timeout:.0f}s; its log:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """SIGTERM the whole group, then SIGKILL what is left after a grace."""
        stop_group(self.popen, STOP_GRACE)


@dataclass
class Completed:
    """A finished one-shot command."""

    args: Sequence[str]
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class CommandTimeout(HarnessError):
    """A one-shot command ran past its timeout and was killed."""


class ProcessRegistry:
    """Starts, tracks and stops every process of one test session."""

    def __init__(self, log_dir: Path):
        self.mark = uuid.uuid4().hex
        self.log_dir = log_dir
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._tracked: list[Tracked] = []
        atexit.register(self.kill_survivors)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Tracked:
        """Start a long-lived process whose output goes to ``<name>.log``."""
        log_path = self._unique_log_path(name)
        with open(log_path, "wb") as log:
            popen = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.marked_env(env),
                cwd=cwd,
                start_new_session=True,
            )
        tracked = Tracked(name, popen, log_path)
        self._tracked.append(tracked)
        return tracked

    def run(
        self,
        argv: Sequence[str],
        timeout: float,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Completed:
        """Run a command to completion, capturing its output.

        On timeout the command's whole group is stopped and
        `CommandTimeout` raised with whatever it printed.
        """
        popen = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.marked_env(env),
            cwd=cwd,
            start_new_session=True,
            text=True,
            errors="replace",
        )
        try:
            stdout, stderr = popen.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_group(popen, STOP_GRACE)
            stdout, stderr = popen.communicate()
            raise CommandTimeout(
                f"{' '.join(argv)} ran past {timeout:.0f}s and was killed; "
                f"its output:\n{(stdout + stderr)[-4000:]}"
            ) from None
        except BaseException:
            # Interrupted (Ctrl-C): take the command down with us.
            stop_group(popen, STOP_GRACE)
            raise
        return Completed(list(argv), popen.returncode, stdout, stderr)

    def marked_env(self, env: Mapping[str, str] | None) -> dict[str, str]:
        """``env`` (default: ours) with this registry's mark added."""
        marked = dict(os.environ if env is None else env)
        marked[MARK_VARIABLE] = self.mark
        return marked

    def stop_all(self) -> None:
        """Stop every tracked process still running."""
        for tracked in self._tracked:
            tracked.stop()

    def survivors(self) -> list[psutil.Process]:
        """Live processes carrying this registry's mark."""
        marked = filter(self._is_marked, psutil.process_iter())
        return [p for p in marked if _is_running(p)]

    def wait_for_no_survivors(
        self, timeout: float, include_children: bool = False
    ) -> list[psutil.Process]:
        """Give exiting processes ``timeout`` seconds; return those left.

        With ``include_children``, any live descendant of this process
        counts too, marked or not.
        """
        deadline = time.monotonic() + timeout
        while True:
            left = self.survivors()
            if include_children:
                left = _union(left, live_children())
            if not left or time.monotonic() >= deadline:
                return left
            time.sleep(0.1)

    def kill_survivors(self, include_children: bool = False) -> None:
        """SIGKILL every survivor: the last resort, also run at exit."""
        left = self.survivors()
        if include_children:
            left = _union(left, live_children())
        for process in left:
            try:
                process.kill()
            except psutil.Error:
                pass

    def _is_marked(self, process: psutil.Process) -> bool:
        try:
            return process.environ().get(MARK_VARIABLE) == self.mark
        except psutil.Error:
            return False

    def _unique_log_path(self, name: str) -> Path:
        index = len(self._tracked)
        return self.log_dir / f"{index:03d}-{name}.log"


def live_children() -> list[psutil.Process]:
    """Descendants of this process that are still running."""
    children = psutil.Process().children(recursive=True)
    return [p for p in children if _is_running(p)]


def describe(process: psutil.Process) -> str:
    """One line naming a process, for leak reports."""
    try:
        return f"pid {process.pid}: {' '.join(process.cmdline())}"
    except psutil.Error:
        return f"pid {process.pid}: (gone)"


def stop_group(popen: subprocess.Popen, grace: float) -> None:
    """SIGTERM ``popen``'s process group, SIGKILL it after ``grace`` s."""
    _signal_group(popen.pid, signal.SIGTERM)
    try:
        popen.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    # The leader may have exited while members of its group linger.
    _signal_group(popen.pid, signal.SIGKILL)
    popen.wait()


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def _is_running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _union(*groups: list[psutil.Process]) -> list[psutil.Process]:
    by_pid = {p.pid: p for group in groups for p in group}
    return list(by_pid.values())
