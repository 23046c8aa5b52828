"""Names and account ids that belong to one scenario.

Scenarios share one moto server and may share a Kubernetes stand-in, so
each draws its own *namespace*: a slug for object names, a CI account id
and a few target account ids that no other scenario of the session uses.
Nothing here is a Kubernetes namespace, though a scenario can name one
with `Namespace.name`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

#: Account ids handed out start here, well away from moto's default.
_FIRST_ACCOUNT = 200_000_000_000

#: Account ids per scenario: the CI account and its targets.
_ACCOUNTS_PER_SCENARIO = 4

_sequence = itertools.count()


@dataclass(frozen=True)
class Namespace:
    """What one scenario may create without meeting another's objects."""

    slug: str
    ci_account_id: str
    target_account_ids: tuple[str, ...]

    @property
    def cluster_name(self) -> str:
        return f"{self.slug}-cluster"

    def name(self, suffix: str) -> str:
        """A DNS-1123 name owned by this scenario, e.g. ``t3-payments``."""
        return f"{self.slug}-{suffix}"


def allocate(label: str = "") -> Namespace:
    """A fresh namespace; ``label`` (e.g. the test name) aids reading."""
    index = next(_sequence)
    first = _FIRST_ACCOUNT + index * _ACCOUNTS_PER_SCENARIO
    accounts = [f"{first + k:012d}" for k in range(_ACCOUNTS_PER_SCENARIO)]
    return Namespace(
        slug=_slug(index, label),
        ci_account_id=accounts[0],
        target_account_ids=tuple(accounts[1:]),
    )


def _slug(index: int, label: str) -> str:
    """``t<index>`` plus a short DNS-1123-safe hint from ``label``."""
    words = label.lower().removeprefix("test_")
    hint = re.sub(r"[^a-z0-9]+", "-", words).strip("-")[:20].rstrip("-")
    return f"t{index}-{hint}" if hint else f"t{index}"
