"""The real ``terraform`` CLI, run against the locally built provider.

Each `Terraform` owns a working directory laid out as::

    <workdir>/cli.tfrc      its own CLI configuration (TF_CLI_CONFIG_FILE)
    <workdir>/config/       the configuration and its local state
    <workdir>/logs/         one file per command: argv, exit code, output

The CLI configuration installs ``registry.terraform.io/ci-platform/ci``
from Cargo's target folder through ``dev_overrides``; with it Terraform
needs no ``terraform init`` and warns on every command that overrides are
in effect, which is expected. The user's own CLI configuration, AWS
profiles and kubeconfig are never read.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import aws, paths
from .processes import Completed, HarnessError, ProcessRegistry

PROVIDER_ADDRESS = "registry.terraform.io/ci-platform/ci"

#: Default seconds one command may run; EKS-backed applies stay well below.
DEFAULT_TIMEOUT = 600.0

#: Variables that must not leak from the caller into Terraform or the
#: provider: they could select real credentials or another CLI config.
_SCRUBBED_PREFIXES = ("AWS_", "TF_", "KUBE")
_KEPT = ("TF_LOG", "TF_LOG_CORE", "TF_LOG_PROVIDER", "TF_LOG_PATH")

_COMMON = ("-no-color", "-input=false")


class TerraformError(HarnessError):
    """A terraform command exited with an unexpected code."""

    def __init__(self, completed: Completed, expected: tuple[int, ...]):
        self.completed = completed
        command = " ".join(completed.args[1:])
        super().__init__(
            f"`terraform {command}` exited {completed.code}, expected "
            f"{' or '.join(map(str, expected))}; its output ends:\n"
            f"{completed.output[-6000:]}"
        )


class Terraform:
    """One working directory and the commands run in it."""

    def __init__(
        self,
        workdir: Path,
        registry: ProcessRegistry,
        env: Mapping[str, str] | None = None,
        provider_dir: Path | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ):
        self.workdir = workdir
        self.config_dir = workdir / "config"
        self.log_dir = workdir / "logs"
        self.registry = registry
        self.extra_env = dict(env or {})
        self.provider_dir = provider_dir or paths.cargo_target_debug()
        self.timeout = timeout
        self._commands = 0
        self._lay_out()

    # -- configuration ---------------------------------------------------

    def write_config(self, hcl: str, name: str = "main.tf") -> None:
        """Replace the configuration with one file holding ``hcl``."""
        for old in self.config_dir.glob("*.tf"):
            old.unlink()
        (self.config_dir / name).write_text(hcl)

    def fork(self, name: str) -> Terraform:
        """A sibling working dir with this configuration and an empty state."""
        other = Terraform(
            self.workdir.parent / f"{self.workdir.name}-{name}",
            self.registry,
            self.extra_env,
            self.provider_dir,
            self.timeout,
        )
        for tf in self.config_dir.glob("*.tf"):
            shutil.copy(tf, other.config_dir / tf.name)
        return other

    # -- commands --------------------------------------------------------

    def version(self) -> str:
        """The first line of ``terraform version``, e.g. ``Terraform v1.0.3``."""
        return self.run("version").stdout.splitlines()[0]

    def validate(self) -> Completed:
        return self.run("validate", "-no-color")

    def apply(self) -> Completed:
        return self.run("apply", "-auto-approve", *_COMMON)

    def plan(self, detailed_exitcode: bool = True) -> tuple[int, str]:
        """Plan; returns the exit code (0 no changes, 2 changes) and output."""
        args = ["plan", *_COMMON]
        if detailed_exitcode:
            args.append("-detailed-exitcode")
        done = self.run(*args, ok_codes=(0, 2) if detailed_exitcode else (0,))
        return done.code, done.output

    def import_(self, address: str, id: str) -> Completed:
        return self.run("import", *_COMMON, address, id)

    def destroy(self) -> Completed:
        return self.run("destroy", "-auto-approve", *_COMMON)

    def state_show(self, address: str) -> str:
        return self.run("state", "show", "-no-color", address).stdout

    def state_json(self) -> dict[str, Any]:
        """The state as ``terraform show -json`` renders it."""
        return json.loads(self.run("show", "-json").stdout)

    def outputs(self) -> dict[str, Any]:
        """Output values by name (``terraform output -json``)."""
        rendered = json.loads(self.run("output", "-json").stdout)
        return {name: output["value"] for name, output in rendered.items()}

    def providers_schema_json(self) -> dict[str, Any]:
        return json.loads(self.run("providers", "schema", "-json").stdout)

    def run(
        self,
        *args: str,
        ok_codes: tuple[int, ...] = (0,),
        timeout: float | None = None,
    ) -> Completed:
        """Run ``terraform ARGS`` in the config dir; log it; check its code."""
        argv = [str(paths.TERRAFORM), *args]
        done = self.registry.run(
            argv,
            timeout=timeout or self.timeout,
            env=self.env(),
            cwd=self.config_dir,
        )
        self._log(done)
        if done.code not in ok_codes:
            raise TerraformError(done, ok_codes)
        return done

    def env(self) -> dict[str, str]:
        """The environment every command runs with.

        ``AWS_ENDPOINT_URL`` names a closed loopback port, so that an AWS
        call the configuration did not point at moto fails here instead of
        leaving the machine; pass ``env={"AWS_ENDPOINT_URL": moto}`` to
        make moto the default instead.
        """
        env = {k: v for k, v in os.environ.items() if not _scrubbed(k)}
        env.update(aws.dummy_credentials_env())
        env["AWS_ENDPOINT_URL"] = aws.UNREACHABLE_ENDPOINT
        env.update(
            TF_CLI_CONFIG_FILE=str(self.workdir / "cli.tfrc"),
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            CHECKPOINT_DISABLE="1",
            KUBECONFIG=str(self.workdir / "no-kubeconfig"),
        )
        env.update(self.extra_env)
        return env

    # -- internals -------------------------------------------------------

    def _lay_out(self) -> None:
        if not paths.TERRAFORM.exists():
            raise HarnessError(
                f"{paths.TERRAFORM} not found: run scripts/setup-tools.sh"
            )
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "cli.tfrc").write_text(cli_config(self.provider_dir))

    def _log(self, done: Completed) -> None:
        self._commands += 1
        verb = done.args[1] if len(done.args) > 1 else "terraform"
        path = self.log_dir / f"{self._commands:02d}-{verb}.log"
        path.write_text(
            f"$ {' '.join(done.args)}\nexit code {done.code}\n"
            f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        )


def cli_config(provider_dir: Path) -> str:
    """A CLI configuration that installs our provider from ``provider_dir``."""
    # json.dumps quotes a path the way HCL expects a string literal.
    return (
        "disable_checkpoint = true\n"
        "provider_installation {\n"
        "  dev_overrides {\n"
        f"    {json.dumps(PROVIDER_ADDRESS)} = {json.dumps(str(provider_dir))}\n"
        "  }\n"
        "  direct {}\n"
        "}\n"
    )


def _scrubbed(name: str) -> bool:
    return name.startswith(_SCRUBBED_PREFIXES) and name not in _KEPT
