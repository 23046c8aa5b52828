#!/usr/bin/env python3
"""The README's main job: the example platform applied on local emulators.

Starts moto and the Kubernetes API stand-in on loopback, applies the full
``examples/platform`` (one cluster, two runner pools with warm pools,
accesses into two target accounts) with the real Terraform 1.0.3 and the
freshly built provider, shows the outputs and an empty follow-up plan,
destroys everything and stops the emulators.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "acceptance"))


from harness.kube import KubeStandin  # noqa: E402
from harness.moto import MotoServer  # noqa: E402
from harness.processes import ProcessRegistry  # noqa: E402
from harness.terraform import Terraform  # noqa: E402

EXAMPLE = REPO / "examples" / "platform"


def say(title: str, text: str = "") -> None:
    print(f"\n=== {title}", flush=True)
    if text:
        print(text.rstrip(), flush=True)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="ci-demo-") as work:
        registry = ProcessRegistry(Path(work) / "processes")
        try:
            return run(Path(work), registry)
        finally:
            registry.stop_all()
            say("emulators stopped")


def install_from_mirror(terraform: Terraform, mirror: Path) -> None:
    """Let `terraform init` install the built provider from a local mirror.

    A filesystem mirror in the unpacked layout is what a team with a
    private mirror uses; unlike ``dev_overrides`` it makes ``init`` work
    and records the provider's hash in the lock file.
    """
    version = cargo_version()
    platform = mirror / "registry.terraform.io/ci-platform/ci" / version / "linux_amd64"
    platform.mkdir(parents=True)
    built = REPO / "target" / "debug" / "terraform-provider-ci"
    shutil.copy(built, platform / f"terraform-provider-ci_v{version}")
    config = (
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n'
        "}\n"
    )
    (terraform.workdir / "cli.tfrc").write_text(config)


def cargo_version() -> str:
    for line in (REPO / "Cargo.toml").read_text().splitlines():
        if line.startswith("version"):
            return line.split('"')[1]
    raise RuntimeError("no version in Cargo.toml")


def run(work: Path, registry: ProcessRegistry) -> int:
    moto = MotoServer.start(registry)
    kube = KubeStandin.start(registry)
    say("emulators", f"moto (AWS)          {moto.url}\nKubernetes stand-in {kube.url}")

    terraform = Terraform(work / "terraform", registry)
    install_from_mirror(terraform, work / "mirror")
    for source in EXAMPLE.glob("*.tf"):
        shutil.copy(source, terraform.config_dir / source.name)
    variables = f'aws_endpoint = "{moto.url}"\nkubernetes_host = "{kube.url}"\n'
    (terraform.config_dir / "terraform.tfvars").write_text(variables)

    say("terraform init", terraform.run("init", "-no-color", "-input=false").output)
    say("terraform apply", terraform.apply().output)
    say("terraform output", terraform.run("output", "-no-color").output)
    code, output = terraform.plan(detailed_exitcode=True)
    say(f"terraform plan -detailed-exitcode (exit {code})", output)
    say("terraform destroy", terraform.destroy().output)
    if code != 0:
        print("the plan after apply was not empty", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
