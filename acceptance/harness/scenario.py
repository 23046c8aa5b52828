"""Acceptance scenarios: lists of steps, shaped like Terraform's own tests.

A `Scenario` runs its steps in order in one `Terraform` working dir:

- `Apply` writes a configuration and applies it (or expects it to fail);
- `ExpectEmptyPlan` wants ``plan -detailed-exitcode`` to exit 0;
- `ExpectPlanChanges` wants exit 2 and an output naming each given string;
- `ImportAndCompare` imports a resource by id into a fresh state and
  compares it with the applied one, attribute by attribute;
- `OutOfBand` runs a callable that changes things behind Terraform's back
  (boto3 against moto, HTTP against the Kubernetes stand-in);
- `Destroy` destroys;
- `CheckNothingLeft` runs a callable that lists what is left and fails
  when it lists anything.

Whatever happens, the scenario ends with a ``terraform destroy`` of what it
applied, so a failing step leaves nothing behind for the next scenario.
Callables take one argument, the `StepContext`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .namespace import Namespace
from .terraform import Terraform, TerraformError


class ScenarioFailure(AssertionError):
    """A step's expectation was not met."""


class StepFailed(ScenarioFailure):
    """A step failed; the message says which and why."""

    def __init__(self, index: int, total: int, step: Step, error: Exception):
        self.step = step
        super().__init__(f"step {index} of {total}, {step.describe()}, failed: {error}")


@dataclass
class StepContext:
    """What steps and their callables can reach."""

    terraform: Terraform
    namespace: Namespace | None = None
    step_index: int = 0
    #: Whether the state may hold something a final destroy must remove.
    needs_destroy: bool = False
    #: The configuration of the last apply that succeeded.
    applied_config: str | None = None

    def resource(self, address: str) -> dict[str, Any]:
        """The attribute values of ``address`` in the current state."""
        return resource_values(self.terraform.state_json(), address)


class Step:
    """One step of a scenario."""

    def run(self, ctx: StepContext) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        return repr(self)


@dataclass
class Apply(Step):
    """Write ``config`` and apply it; with ``expect_error``, expect failure.

    ``expect_error`` is a regular expression the failing output must match.
    """

    config: str = field(repr=False)
    expect_error: str | None = None

    def run(self, ctx: StepContext) -> None:
        ctx.terraform.write_config(self.config)
        ctx.needs_destroy = True
        try:
            ctx.terraform.apply()
        except TerraformError as error:
            if not self._expected(error.completed.output):
                raise
            return
        ctx.applied_config = self.config
        if self.expect_error:
            raise ScenarioFailure(
                f"apply succeeded; expected an error matching {self.expect_error!r}"
            )

    def _expected(self, output: str) -> bool:
        return bool(self.expect_error) and bool(re.search(self.expect_error, output))


@dataclass
class ExpectEmptyPlan(Step):
    """A plan finds nothing to do (``-detailed-exitcode`` 0)."""

    def run(self, ctx: StepContext) -> None:
        code, output = ctx.terraform.plan(detailed_exitcode=True)
        if code != 0:
            raise ScenarioFailure(f"expected an empty plan, got:\n{output}")


@dataclass
class ExpectPlanChanges(Step):
    """A plan has changes (exit 2) and its output names each of ``contains``."""

    contains: Sequence[str] = ()

    def run(self, ctx: StepContext) -> None:
        code, output = ctx.terraform.plan(detailed_exitcode=True)
        if code != 2:
            raise ScenarioFailure(f"expected plan changes, got:\n{output}")
        missing = [text for text in self.contains if text not in output]
        if missing:
            raise ScenarioFailure(
                f"the plan does not mention {missing}; it says:\n{output}"
            )


@dataclass
class ImportAndCompare(Step):
    """Import ``address`` by ``id`` into a fresh state; compare with ours.

    Attributes in ``ignore`` (and everything under them) are not compared:
    use it for values the remote API cannot return, such as secrets.
    """

    address: str
    id: str
    ignore: Sequence[str] = ()

    def run(self, ctx: StepContext) -> None:
        applied = ctx.resource(self.address)
        fresh = ctx.terraform.fork(f"import-{ctx.step_index}")
        fresh.import_(self.address, self.id)
        imported = resource_values(fresh.state_json(), self.address)

        found = differences(applied, imported, self.ignore)
        if found:
            raise ScenarioFailure(
                f"importing {self.address} by id {self.id!r} gives a state "
                "that differs from the applied one:\n  " + "\n  ".join(found)
            )


@dataclass
class OutOfBand(Step):
    """Change something behind Terraform's back: ``fn(ctx)``."""

    fn: Callable[[StepContext], object]
    description: str = ""

    def run(self, ctx: StepContext) -> None:
        self.fn(ctx)

    def describe(self) -> str:
        return f"OutOfBand({self.description or self.fn.__name__})"


@dataclass
class Destroy(Step):
    """Destroy everything the configuration manages."""

    def run(self, ctx: StepContext) -> None:
        ctx.terraform.destroy()
        ctx.needs_destroy = False


@dataclass
class CheckNothingLeft(Step):
    """``fn(ctx)`` lists what is left over; the step fails if it is non-empty.

    ``fn`` may also assert by itself and return None.
    """

    fn: Callable[[StepContext], Iterable[Any] | None]
    description: str = ""

    def run(self, ctx: StepContext) -> None:
        left = list(self.fn(ctx) or ())
        if left:
            raise ScenarioFailure(
                "left behind after destroy:\n  " + "\n  ".join(map(str, left))
            )

    def describe(self) -> str:
        return f"CheckNothingLeft({self.description or self.fn.__name__})"


class Scenario:
    """Steps run in order against one working dir, then a clean-up destroy."""

    def __init__(
        self,
        terraform: Terraform,
        steps: Sequence[Step],
        namespace: Namespace | None = None,
    ):
        self.terraform = terraform
        self.steps = list(steps)
        self.namespace = namespace

    def run(self) -> None:
        ctx = StepContext(self.terraform, self.namespace)
        try:
            self._run_steps(ctx)
        except BaseException as failure:
            self._clean_up_after(failure, ctx)
            raise
        self._clean_up(ctx)

    def _run_steps(self, ctx: StepContext) -> None:
        for index, step in enumerate(self.steps, start=1):
            ctx.step_index = index
            try:
                step.run(ctx)
            except Exception as error:
                raise StepFailed(index, len(self.steps), step, error) from error

    def _clean_up(self, ctx: StepContext) -> None:
        """Destroy what the state holds, whatever the last step left."""
        if ctx.needs_destroy and not _state_is_empty(ctx.terraform):
            self._destroy(ctx)
        ctx.needs_destroy = False

    def _destroy(self, ctx: StepContext) -> None:
        """Destroy with the current configuration, else the last applied one.

        A step expecting an error may leave a configuration that cannot be
        evaluated, and destroy evaluates the configuration.
        """
        try:
            ctx.terraform.destroy()
        except TerraformError:
            if ctx.applied_config is None:
                raise
            ctx.terraform.write_config(ctx.applied_config)
            ctx.terraform.destroy()

    def _clean_up_after(self, failure: BaseException, ctx: StepContext) -> None:
        try:
            self._clean_up(ctx)
        except Exception as error:
            failure.add_note(f"The clean-up destroy failed as well: {error}")


def resource_values(state: dict[str, Any], address: str) -> dict[str, Any]:
    """The ``values`` of ``address`` in a ``terraform show -json`` document."""
    root = state.get("values", {}).get("root_module", {})
    for resource in _resources(root):
        if resource.get("address") == address:
            return resource.get("values", {})
    raise ScenarioFailure(f"{address} is not in the state")


def _state_is_empty(terraform: Terraform) -> bool:
    """Whether the state holds no resource and no output.

    Unknown (False) when the state cannot be shown.
    """
    try:
        values = terraform.state_json().get("values", {})
    except TerraformError:
        return False
    root = values.get("root_module", {})
    return not values.get("outputs") and not any(_resources(root))


def _resources(module: dict[str, Any]) -> Iterable[dict[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _resources(child)


_MISSING = object()


def differences(
    applied: dict[str, Any], imported: dict[str, Any], ignore: Sequence[str]
) -> list[str]:
    """One line per attribute path whose values differ, ``ignore`` aside."""
    left, right = flatten(applied), flatten(imported)
    lines = []
    for path in sorted(set(left) | set(right)):
        a, b = left.get(path, _MISSING), right.get(path, _MISSING)
        if a != b and not _ignored(path, ignore):
            lines.append(f"{path}: applied {_show(a)}, imported {_show(b)}")
    return lines


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves of nested dicts and lists keyed by dotted path (``a.0.b``).

    Empty containers are leaves, so ``[]`` and ``null`` stay different.
    """
    if isinstance(value, dict) and value:
        items = value.items()
    elif isinstance(value, list) and value:
        items = enumerate(value)
    else:
        return {prefix: value}
    flat: dict[str, Any] = {}
    for key, item in items:
        flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def _ignored(path: str, ignore: Sequence[str]) -> bool:
    return any(path == i or path.startswith(i + ".") for i in ignore)


def _show(value: Any) -> str:
    return "(absent)" if value is _MISSING else repr(value)
