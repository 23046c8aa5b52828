"""The Kubernetes API stand-in, ``kube-standin``, on a loopback port.

Contract with the binary (built from ``acceptance/kube-standin``):

- ``kube-standin --listen 127.0.0.1:0 --crds DIR`` registers the CRDs in
  ``DIR`` and, once it accepts connections, prints exactly one line
  ``listening http://127.0.0.1:PORT`` on stdout;
- ``GET /__standin/requests`` answers JSON request counts and
  ``POST /__standin/reset-counts`` sets them back to zero;
- everything else is the Kubernetes API, which rejects objects that
  violate a registered CRD's schema with 422.
"""

from __future__ import annotations

from typing import Any

import requests

from . import paths
from .processes import HarnessError, ProcessRegistry, Tracked

_LISTENING = r"^listening (https?://\S+)$"

START_TIMEOUT = 30.0


class KubeStandin:
    """A running stand-in; `stop` it when done."""

    def __init__(self, process: Tracked, url: str):
        self.process = process
        self.url = url

    @classmethod
    def start(cls, registry: ProcessRegistry) -> KubeStandin:
        """Start the stand-in and wait for its ``listening`` line."""
        argv = [
            str(_binary()),
            "--listen",
            "127.0.0.1:0",
            "--crds",
            str(_crds()),
        ]
        process = registry.start("kube-standin", argv)
        try:
            url = process.wait_for_line(_LISTENING, START_TIMEOUT).group(1)
        except BaseException:
            process.stop()
            raise
        return cls(process, url)

    def api(self, path: str) -> str:
        """The full URL of an API path such as ``/api/v1/namespaces``."""
        return self.url + path

    def request_counts(self) -> Any:
        """Requests served so far, by method and kind of path.

        Shaped ``{"total": 3, "counts": {"GET nodepools.karpenter.sh": 1}}``.
        """
        response = requests.get(self.api("/__standin/requests"), timeout=10)
        response.raise_for_status()
        return response.json()

    def reset_counts(self) -> None:
        response = requests.post(self.api("/__standin/reset-counts"), timeout=10)
        response.raise_for_status()

    def stop(self) -> None:
        self.process.stop()


def _binary():
    binary = paths.kube_standin_binary()
    if not binary.exists():
        raise HarnessError(
            f"the Kubernetes stand-in binary {binary} does not exist: "
            "run `cargo build -p kube-standin` first"
        )
    return binary


def _crds():
    crds = paths.crds_dir()
    if not crds.is_dir():
        raise HarnessError(
            f"the CRD folder {crds} does not exist: set CI_SHARED_DIR to the "
            "shared folder holding crds/, or put it beside the repository"
        )
    return crds
