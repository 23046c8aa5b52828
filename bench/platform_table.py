"""The platform benchmark's results as rows of one table, with targets.

The targets are issue 9's: peak RSS under 60 MB, no call for a new
platform, one read call per sub-object, one AssumeRole per account, a
speed-up of at least 7 between ``-parallelism=1`` and ``10``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from report import Row, Table, provider_rows

if TYPE_CHECKING:
    from platform_bench import PlanSample, Results
    from platform_hcl import Platform

RSS_TARGET_MIB = 60
SPEED_UP_TARGET = 7
BINARY_TARGET_BYTES = 60_000_000


def table(args: argparse.Namespace, results: Results, platform: Platform) -> Table:
    rows = provider_rows(args.provider_figures)
    rows.append(_stripped_binary_row(args.provider_dir / "terraform-provider-ci"))
    rows += _new_plan_rows(results.new_plans)
    rows += _refresh_rows(results, platform)
    rows += _per_type_rows(results)
    for latency in args.latency:
        rows += _latency_rows(results, latency)
    return Table(rows)


def breakdown(results: Results) -> str:
    """Per resource type: its sub-objects by kind and its calls by name."""
    lines = ["Calls of one refresh of each resource type, against its sub-objects:"]
    for type_name, plans in results.by_type.items():
        if plans:
            lines.append(f"  {type_name}")
            lines.append(f"    sub-objects: {_listed(results.kinds.get(type_name, Counter()))}")
            lines.append(f"    calls:       {_listed(plans[0].calls.by_name())}")
    return "\n".join(lines)


def _new_plan_rows(plans: list[PlanSample]) -> list[Row]:
    calls = [p.calls.total for p in plans]
    return [
        Row("new platform plan: wall (s)", _walls(plans), "{:.2f}"),
        Row("new platform plan: AWS + Kubernetes calls", calls,
            target="0", met=all(c == 0 for c in calls)),
        _rss_row("new platform plan: provider peak RSS (MiB)", plans),
    ]


def _refresh_rows(results: Results, platform: Platform) -> list[Row]:
    plans = results.refresh_plans
    floor = sum(results.sub_objects.values())
    reads = [p.calls.reads for p in plans]
    assumes = [p.calls.assume_role for p in plans]
    accounts = platform.accounts
    return [
        Row("refresh plan: wall (s)", _walls(plans), "{:.2f}"),
        _rss_row("refresh plan: provider peak RSS (MiB)", plans),
        Row("refresh plan: provider processes", [len(p.measured.providers) for p in plans]),
        Row("refresh plan: provider open fds, most", [p.peak_fds for p in plans]),
        *_cpu_rows("refresh plan", plans),
        Row(f"refresh plan: read calls ({floor} sub-objects)", reads,
            target=f"= {floor}", met=all(r == floor for r in reads)),
        Row(f"refresh plan: AssumeRole ({accounts} accounts)", assumes,
            target=f"= {accounts}", met=all(a == accounts for a in assumes)),
        Row("refresh plan: other STS calls", [p.calls.other_sessions for p in plans]),
    ]


def _cpu_rows(prefix: str, plans: list[PlanSample]) -> list[Row]:
    provider = [p.measured.provider_cpu_seconds for p in plans]
    terraform = [p.measured.terraform_cpu_seconds for p in plans]
    share = [100 * p / t for p, t in zip(provider, terraform) if t > 0]
    return [
        Row(f"{prefix}: provider CPU (s)", provider, "{:.2f}"),
        Row(f"{prefix}: Terraform CPU (s)", terraform, "{:.2f}"),
        Row(f"{prefix}: provider CPU / Terraform CPU (%)", share, "{:.0f}"),
        Row(f"{prefix}: moto + stand-in CPU (s)",
            [p.emulator_cpu_seconds for p in plans], "{:.2f}"),
        Row(f"{prefix}: proxies + sampler CPU (s)",
            [p.proxy_cpu_seconds for p in plans], "{:.2f}"),
    ]


def _per_type_rows(results: Results) -> list[Row]:
    rows = []
    for type_name, plans in results.by_type.items():
        floor = results.sub_objects.get(type_name, 0)
        count = results.resources.get(type_name, 0)
        reads = [p.calls.reads for p in plans]
        label = f"  {count} {type_name}: read calls ({floor} sub-objects)"
        rows.append(Row(label, reads, target=f"= {floor}", met=all(r == floor for r in reads)))
    return rows


def _latency_rows(results: Results, latency: float) -> list[Row]:
    ms = f"{latency * 1000:.0f} ms/call"
    serial = results.slow.get((latency, 1), [])
    parallel = results.slow.get((latency, 10), [])
    ratios = [s / p for s, p in zip(_walls(serial), _walls(parallel))]
    met = bool(ratios) and statistics.median(ratios) >= SPEED_UP_TARGET
    return [
        Row(f"refresh plan, {ms}, -parallelism=1 (s)", _walls(serial), "{:.2f}"),
        Row(f"refresh plan, {ms}, -parallelism=10 (s)", _walls(parallel), "{:.2f}"),
        Row("  speed-up (1 over 10)", ratios, "{:.2f}",
            target=f">= {SPEED_UP_TARGET} median", met=met),
        Row("  -parallelism=10: calls in flight, most",
            [p.in_flight.most for p in parallel]),
        Row("  -parallelism=10: calls in flight, mean",
            [p.in_flight.mean for p in parallel], "{:.1f}"),
        Row("  -parallelism=10: CPU of Terraform + provider (s)",
            [p.measured.total_cpu_seconds for p in parallel], "{:.2f}"),
        Row("  -parallelism=10: CPU of moto + stand-in (s)",
            [p.emulator_cpu_seconds for p in parallel], "{:.2f}"),
        Row("  -parallelism=10: CPU of proxies + sampler (s)",
            [p.proxy_cpu_seconds for p in parallel], "{:.2f}"),
    ]


def _rss_row(label: str, plans: list[PlanSample]) -> Row:
    peaks = [p.measured.peak_rss_kib / 1024 for p in plans]
    met = bool(peaks) and max(peaks) < RSS_TARGET_MIB
    return Row(label, peaks, "{:.1f}", target=f"< {RSS_TARGET_MIB}", met=met)


def _stripped_binary_row(binary: Path) -> Row:
    with tempfile.TemporaryDirectory() as scratch:
        stripped = Path(scratch) / "stripped"
        subprocess.run(["strip", "-o", str(stripped), str(binary)], check=True)
        size = stripped.stat().st_size
    shipped = binary.stat().st_size
    label = "stripped binary (bytes)"
    if size != shipped:
        label += f", as built {shipped}"
    return Row(label, [size], target="< 60 MB", met=size < BINARY_TARGET_BYTES)


def _walls(plans: list[PlanSample]) -> list[float]:
    return [p.measured.wall_seconds for p in plans]


def _listed(counts: Counter[str]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "none"
