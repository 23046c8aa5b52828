"""The benchmark's one table: a row per figure, min / median / max, target.

`provider_rows` turns the saved output of ``cargo bench --bench provider``
(benches/provider.rs) into rows, so its figures head the same table.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from pathlib import Path

#: Targets of issue 9 for the provider process figures, by label.
_PROVIDER_TARGETS = {"exec to handshake line (ms)": ("< 20 median", lambda mid: mid < 20)}

_NUMBER = r"(-?\d+(?:\.\d+)?)"
_FIGURE_LINE = re.compile(rf"^(\S.*?\S)\s+{_NUMBER}(?:\s+{_NUMBER}\s+{_NUMBER})?\s*$")


@dataclass
class Row:
    """One figure: its samples, how to show them, and its target."""

    label: str
    samples: list[float]
    #: A format for one number; None: whole numbers as such, others to 0.1.
    fmt: str | None = None
    target: str = ""
    met: bool | None = None

    def cells(self) -> list[str]:
        if not self.samples:
            return [self.label, "", "n/a", "", self.target, self._verdict()]
        ordered = sorted(self.samples)
        show = self.fmt.format if self.fmt else _number
        if len(ordered) == 1:
            middle = ["", show(ordered[0]), ""]
        else:
            middle = [show(ordered[0]), show(statistics.median(ordered)), show(ordered[-1])]
        return [self.label, *middle, self.target, self._verdict()]

    def _verdict(self) -> str:
        return {True: "met", False: "MISSED", None: ""}[self.met]


@dataclass
class Table:
    rows: list[Row]

    def render(self) -> str:
        header = ["figure", "min", "median", "max", "target", ""]
        lines = [header, *(row.cells() for row in self.rows)]
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        return "\n".join(_line(line, widths) for line in lines)


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _line(cells: list[str], widths: list[int]) -> str:
    label = cells[0].ljust(widths[0])
    numbers = [c.rjust(w) for c, w in zip(cells[1:4], widths[1:4])]
    rest = [c.ljust(w) for c, w in zip(cells[4:], widths[4:])]
    return "  ".join([label, *numbers, *rest]).rstrip()


def provider_rows(saved: Path | None) -> list[Row]:
    """Rows from ``cargo bench --bench provider`` output; none without it."""
    if saved is None or not saved.exists():
        return [Row("provider process figures: run `make bench`", [])]
    rows = []
    for line in saved.read_text().splitlines():
        found = _FIGURE_LINE.match(line)
        if not found or found.group(1) == "binary size (bytes)":
            continue
        rows.append(_provider_row(found.group(1), found.groups()[1:]))
    return rows


def _provider_row(label: str, numbers: tuple[str | None, ...]) -> Row:
    first, median, last = numbers
    if median is None:
        return Row(label, [float(first)], "{:.0f}")
    whole = all("." not in n for n in numbers)
    row = Row(label, [float(first), float(median), float(last)], "{:.0f}" if whole else "{:.2f}")
    target = _PROVIDER_TARGETS.get(label)
    if target:
        row.target, check = target
        row.met = check(float(median))
    return row
