"""The platform benchmark: what the provider costs at 200 accounts.

Runs real Terraform 1.0.3 on the configuration of `platform_hcl` against
moto and the Kubernetes stand-in, each behind the acceptance harness's
fault proxy (`calls.TimedProxy`), which counts every call and, for the
latency figures, delays each one. It measures, each ``--runs`` times:

- a plan of the new platform (nothing exists): calls made, which must be 0;
- after a staged first apply, the refresh plan a scheduled drift detection
  runs: the provider processes' peak RSS and CPU against Terraform's,
  calls against the sub-objects read, AssumeRole calls against accounts;
- the same plan targeted at each resource type, for calls per type;
- that refresh plan's wall time at ``-parallelism=1`` and ``10`` with each
  ``--latency`` added to every AWS and Kubernetes call.

It prints one table (`platform_table`), headed by the provider process
figures of ``cargo bench --bench provider`` (``--provider-figures``, its
saved output) and the stripped binary size, and writes every sample to
``--json``. Every server it starts listens on 127.0.0.1 and is stopped.

Usage (``make bench`` runs it after building the release binaries)::

    .tools/venv/bin/python bench/platform_bench.py --provider-dir target/bench \\
        --provider-figures target/bench/provider.txt
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "acceptance"))

from harness import paths  # noqa: E402
from harness.faults import AWS, KUBERNETES  # noqa: E402
from harness.kube import KubeStandin  # noqa: E402
from harness.moto import MotoServer  # noqa: E402
from harness.processes import ProcessRegistry, describe  # noqa: E402
from harness.terraform import Terraform  # noqa: E402

import platform_hcl as hcl  # noqa: E402
import platform_table  # noqa: E402
from calls import CallCounts, InFlight, TimedProxy, in_flight  # noqa: E402
from procstat import Measured, cpu_seconds, run_measured  # noqa: E402

#: Seconds one measured terraform command may take.
COMMAND_TIMEOUT = 1800.0

#: Resource type to the address that targets all its instances.
TYPES = {
    "ci_account_access": hcl.ACCESS_ADDRESS,
    "ci_runner_pool": hcl.POOL_ADDRESS,
    "ci_cluster": hcl.CLUSTER_ADDRESS,
    "ci_warm_pool": hcl.WARM_POOL_ADDRESS,
}

PARALLELISMS = (1, 10)


@dataclass
class PlanSample:
    """One measured plan, the calls it made and what the rig spent."""

    measured: Measured
    calls: CallCounts
    in_flight: InFlight
    #: CPU of moto and the stand-in during the plan.
    emulator_cpu_seconds: float
    #: CPU of this process during the plan: the two proxies, the sampler.
    proxy_cpu_seconds: float

    @property
    def peak_fds(self) -> int:
        return max((p.peak_fds for p in self.measured.providers), default=0)

    def to_json(self) -> dict:
        m = self.measured
        return {
            "code": m.code,
            "wall_seconds": m.wall_seconds,
            "total_cpu_seconds": m.total_cpu_seconds,
            "providers": [vars(p) for p in m.providers],
            "aws_calls": dict(self.calls.aws),
            "kube_calls": dict(self.calls.kube),
            "in_flight": vars(self.in_flight),
            "emulator_cpu_seconds": self.emulator_cpu_seconds,
            "proxy_cpu_seconds": self.proxy_cpu_seconds,
        }


@dataclass
class Results:
    """Every sample of one benchmark run."""

    new_plans: list[PlanSample] = field(default_factory=list)
    refresh_plans: list[PlanSample] = field(default_factory=list)
    by_type: dict[str, list[PlanSample]] = field(default_factory=dict)
    #: By (latency, parallelism).
    slow: dict[tuple[float, int], list[PlanSample]] = field(default_factory=dict)
    #: Sub-objects per resource type, and by kind (`iam_role`, `Secret`).
    sub_objects: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, Counter[str]] = field(default_factory=dict)
    resources: dict[str, int] = field(default_factory=dict)
    apply_seconds: float = 0.0
    load_average: list[float] = field(default_factory=list)

    def to_json(self) -> dict:
        def samples(plans):
            return [p.to_json() for p in plans]

        return {
            "new_plans": samples(self.new_plans),
            "refresh_plans": samples(self.refresh_plans),
            "by_type": {t: samples(ps) for t, ps in self.by_type.items()},
            "slow": {f"{l}/{p}": samples(ps) for (l, p), ps in self.slow.items()},
            "sub_objects": self.sub_objects,
            "kinds": {t: dict(k) for t, k in self.kinds.items()},
            "resources": self.resources,
            "apply_seconds": self.apply_seconds,
            "load_average": self.load_average,
        }


class Bench:
    """The emulators, their proxies and one Terraform working dir."""

    def __init__(self, args: argparse.Namespace, workdir: Path):
        self.args = args
        self.platform = hcl.Platform(args.accounts, args.pools, args.warm_pools)
        self.registry = ProcessRegistry(workdir / "processes")
        self.workdir = workdir
        self.proxies: list[TimedProxy] = []
        self.results = Results()

    # -- life cycle ----------------------------------------------------------

    def start(self) -> None:
        self.moto = MotoServer.start(self.registry)
        self.kube = KubeStandin.start(self.registry)
        self.aws = self._proxy(TimedProxy(self.moto.url, api=AWS))
        self.kubernetes = self._proxy(TimedProxy(self.kube.url, api=KUBERNETES))
        self.terraform = Terraform(
            self.workdir / "terraform",
            self.registry,
            provider_dir=self.args.provider_dir,
            timeout=COMMAND_TIMEOUT,
        )
        config = hcl.configuration(self.platform, self.aws.url, self.kubernetes.url)
        self.terraform.write_config(config)
        _ensure_namespace(self.kube, "kube-system")

    def _proxy(self, proxy: TimedProxy) -> TimedProxy:
        self.proxies.append(proxy.start())
        return proxy

    def stop(self) -> None:
        for proxy in self.proxies:
            proxy.stop()
        self.registry.stop_all()
        left = self.registry.wait_for_no_survivors(5.0, include_children=True)
        if left:
            report = ", ".join(describe(p) for p in left)
            self.registry.kill_survivors(include_children=True)
            raise SystemExit(f"processes outlived the benchmark: {report}")

    # -- phases --------------------------------------------------------------

    def run(self) -> Results:
        runs, results = self.args.runs, self.results
        results.load_average.append(os.getloadavg()[0])
        results.new_plans = [self.plan(2) for _ in _progress("new platform plan", runs)]
        self.apply_staged()
        self.count_sub_objects()
        results.refresh_plans = [self.plan(0) for _ in _progress("refresh plan", runs)]
        for type_name, address in TYPES.items():
            label = f"refresh plan of {type_name}"
            results.by_type[type_name] = [
                self.plan(0, [f"-target={address}"]) for _ in _progress(label, runs)
            ]
        for latency in self.args.latency:
            self.measure_with_latency(latency)
        results.load_average.append(os.getloadavg()[0])
        return results

    def apply_staged(self) -> None:
        """A first apply, in `hcl.STAGES` order; timed, not measured."""
        started = time.monotonic()
        for targets in hcl.STAGES:
            _log(f"apply {' '.join(targets) if targets else 'everything'}")
            flags = [f"-target={t}" for t in targets or ()]
            self.terraform.run("apply", "-auto-approve", "-no-color", "-input=false", *flags)
        self.results.apply_seconds = time.monotonic() - started

    def count_sub_objects(self) -> None:
        """Sub-objects and resources per type, from the state's `rendered`."""
        state = self.terraform.state_json()
        sub_objects, resources = Counter(), Counter()
        for resource in state["values"]["root_module"].get("resources", []):
            type_name, ids = resource["type"], resource["values"].get("rendered") or {}
            resources[type_name] += 1
            sub_objects[type_name] += len(ids)
            kinds = self.results.kinds.setdefault(type_name, Counter())
            kinds.update(_kind_of(id) for id in ids)
        self.results.sub_objects = dict(sub_objects)
        self.results.resources = dict(resources)

    def measure_with_latency(self, latency: float) -> None:
        for proxy in self.proxies:
            proxy.latency = latency
        label = f"refresh plans with {latency * 1000:.0f} ms per call"
        try:
            for _ in _progress(label, self.args.runs):
                for parallelism in PARALLELISMS:
                    sample = self.plan(0, [f"-parallelism={parallelism}"])
                    self.results.slow.setdefault((latency, parallelism), []).append(sample)
        finally:
            for proxy in self.proxies:
                proxy.latency = 0.0

    # -- one plan ------------------------------------------------------------

    def plan(self, expect: int, extra: list[str] | None = None) -> PlanSample:
        """A measured ``terraform plan -detailed-exitcode``."""
        for proxy in self.proxies:
            proxy.reset()
        args = ["plan", "-no-color", "-input=false", "-detailed-exitcode", "-lock=false"]
        args += extra or []
        emulators, ours = self._emulator_cpu(), time.process_time()
        measured = self._measured(args)
        sample = PlanSample(
            measured,
            CallCounts(self.aws.counts(), self.kubernetes.counts()),
            in_flight(self.aws.arrivals() + self.kubernetes.arrivals(), self.aws.latency),
            emulator_cpu_seconds=self._emulator_cpu() - emulators,
            proxy_cpu_seconds=time.process_time() - ours,
        )
        if measured.code != expect:
            raise SystemExit(
                f"`terraform {' '.join(args)}` exited {measured.code}, expected {expect}; "
                f"see {self._last_log}"
            )
        return sample

    def _emulator_cpu(self) -> float:
        return cpu_seconds(self.moto.process.pid) + cpu_seconds(self.kube.process.pid)

    def _measured(self, args: list[str]) -> Measured:
        tf = self.terraform
        self._last_log = tf.log_dir / f"measured-{time.monotonic_ns()}-{args[0]}.log"
        argv = [str(paths.TERRAFORM), *args]
        env = self.registry.marked_env(tf.env())
        return run_measured(argv, env, tf.config_dir, self._last_log, COMMAND_TIMEOUT)


def _kind_of(sub_object_id: str) -> str:
    """`iam_role` for `iam_role/1111/ci-x`; Kubernetes objects by their kind."""
    parts = sub_object_id.split("/")
    if parts[0] == "kube_object" and len(parts) > 2:
        return parts[2]
    return parts[0]


def _ensure_namespace(kube: KubeStandin, name: str) -> None:
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    response = requests.post(kube.api("/api/v1/namespaces"), json=body, timeout=10)
    if response.status_code not in (200, 201, 409):
        raise SystemExit(f"cannot create namespace {name}: {response.text}")


def _progress(what: str, runs: int):
    for run in range(runs):
        _log(f"{what} ({run + 1}/{runs})")
        yield run


def _log(message: str) -> None:
    print(f"bench: {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


# -- command line ----------------------------------------------------------------


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider-dir", type=Path, default=REPO / "target" / "bench",
                        help="folder holding the terraform-provider-ci binary to measure")
    parser.add_argument("--provider-figures", type=Path,
                        help="saved output of `cargo bench --bench provider`")
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each figure")
    parser.add_argument("--latency", type=float, action="append",
                        help="seconds added to every call for the parallelism figures; "
                        "repeatable (default: 0.05 and 0.2, see docs/performance.md)")
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--pools", type=int, default=20)
    parser.add_argument("--warm-pools", type=int, default=4)
    parser.add_argument("--json", type=Path, help="write every sample here")
    parser.add_argument("--keep", action="store_true",
                        help="keep the working dir (Terraform logs, state) for inspection")
    args = parser.parse_args(argv)
    args.provider_dir = args.provider_dir.resolve()
    args.latency = args.latency or [0.05, 0.2]
    return args


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    workdir = Path(tempfile.mkdtemp(prefix="ci-bench-"))
    bench = Bench(args, workdir)
    started = time.monotonic()
    keep = args.keep
    try:
        bench.start()
        results = bench.run()
    except BaseException:
        keep = True
        raise
    finally:
        bench.stop()
        if keep:
            _log(f"working dir kept (logs, state): {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results.to_json(), indent=1))
    print(platform_table.table(args, results, bench.platform).render())
    print()
    print(platform_table.breakdown(results))
    print(
        f"\nfirst apply (staged, not measured): {results.apply_seconds:.0f} s; "
        f"this benchmark: {time.monotonic() - started:.0f} s; load average "
        f"{' -> '.join(f'{load:.1f}' for load in results.load_average)} on "
        f"{os.cpu_count()} cores"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
