"""The AWS emulator: moto in server mode on a loopback port.

One server holds many accounts: moto keys every resource by the account of
the credentials that created it, and AssumeRole into any account id hands
out credentials that act in that account. Scenarios therefore share one
server and stay apart by using account ids and names of their own (see
`harness.namespace`).
"""

from __future__ import annotations

import os
import time

import requests

from . import paths
from .processes import HarnessError, ProcessRegistry, Tracked

#: Werkzeug's start-up line, which names the port the kernel picked.
_RUNNING_ON = r"Running on (http://127\.0\.0\.1:\d+)"

START_TIMEOUT = 60.0


class MotoServer:
    """A running ``moto_server``; `stop` it when done."""

    def __init__(self, process: Tracked, url: str):
        self.process = process
        self.url = url

    @classmethod
    def start(cls, registry: ProcessRegistry) -> MotoServer:
        """Start moto on an ephemeral loopback port and wait until it answers.

        Port 0 lets the kernel pick the port at bind time, so parallel
        sessions cannot race for one; moto prints the port it got.
        """
        if not paths.MOTO_SERVER.exists():
            raise HarnessError(
                f"{paths.MOTO_SERVER} not found: run scripts/setup-tools.sh"
            )
        argv = [str(paths.MOTO_SERVER), "-H", "127.0.0.1", "-p", "0"]
        # AWS managed policies (arn:aws:iam::aws:policy/...) exist only when
        # moto is asked to load them, as real IAM always has them.
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
        process = registry.start("moto_server", argv, env=env)
        try:
            url = process.wait_for_line(_RUNNING_ON, START_TIMEOUT).group(1)
            server = cls(process, url)
            server.wait_until_ready(START_TIMEOUT)
        except BaseException:
            process.stop()
            raise
        return server

    def wait_until_ready(self, timeout: float) -> None:
        """Poll moto's own API until it answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._answers():
                return
            if not self.process.alive():
                break
            time.sleep(0.05)
        raise HarnessError(
            f"moto_server at {self.url} did not answer within {timeout:.0f}s; "
            f"its log:\n{self.process.log_tail()}"
        )

    def reset(self) -> None:
        """Forget every resource in every account."""
        requests.post(f"{self.url}/moto-api/reset", timeout=10).raise_for_status()

    def stop(self) -> None:
        self.process.stop()

    def _answers(self) -> bool:
        try:
            return requests.get(f"{self.url}/moto-api/", timeout=2).ok
        except requests.RequestException:
            return False
