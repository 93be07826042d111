"""Run a Pulumi program inside the SDK's mocked runtime and record what it registers.

``run_program(path)`` executes the program file with ``runpy`` exactly as the language host
would (``__name__ == "__main__"``), in the mocked runtime of ``pulumi.runtime.set_mocks``,
waits for every registration, and returns the registered resources and the stack exports.
``declare(fn)`` does the same for a function, for tests that build resources directly.
"""

from __future__ import annotations

import contextlib
import os
import runpy
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings

from plivo_media_provider.testing.mock_runtime import in_own_thread

MEDIA_FILE_TYPE = "pulumi-python:dynamic/plivo:MediaFile"
ASSETS_TYPE = "plivo:index:MediaAssets"


@dataclass
class Registered:
    """One resource as the program registered it."""

    type_: str
    name: str
    inputs: dict[str, Any]
    custom: bool


@dataclass
class ProgramRun:
    """Everything a program run registered, in registration order, and its exports."""

    resources: list[Registered] = field(default_factory=list)
    exports: dict[str, Any] = field(default_factory=dict)
    urns: list[str] = field(default_factory=list)
    """URNs as the mock monitor built them; a child's type is prefixed by its parent's."""

    def of_type(self, type_: str) -> list[Registered]:
        return [r for r in self.resources if r.type_ == type_]

    @property
    def media_files(self) -> dict[str, dict[str, Any]]:
        """MediaFile name to its user inputs (no ``__provider``, no unset outputs)."""
        return {
            r.name: {k: v for k, v in r.inputs.items() if k != "__provider" and v is not None}
            for r in self.of_type(MEDIA_FILE_TYPE)
        }


class RecordingMocks(pulumi.runtime.Mocks):
    """Records registrations; a MediaFile gets a fake id and URL, as after an upload."""

    def __init__(self) -> None:
        self.resources: list[Registered] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        self.resources.append(
            Registered(args.typ, args.name, dict(args.inputs), bool(args.custom))
        )
        outputs = dict(args.inputs)
        if args.typ == MEDIA_FILE_TYPE:
            media_id = f"mock-{len(self.resources):04d}"
            outputs.update(media_id=media_id, media_url=f"https://media.example/{media_id}")
            return media_id, outputs
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        return {}, None


@contextlib.contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def declare(
    body: Callable[[], Any],
    *,
    config: Mapping[str, Any] | None = None,
    project: str = "test-project",
    stack: str = "test",
) -> ProgramRun:
    """Run ``body`` in a fresh mocked runtime; return what it registered and exported.

    ``config`` is stack config keyed ``"namespace:key"`` (values as the CLI passes them:
    strings, objects as JSON text). An exception from ``body`` propagates unchanged.
    """
    mocks = RecordingMocks()
    run = ProgramRun(resources=mocks.resources)

    def mocked() -> None:
        pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False)
        pulumi.runtime.set_all_config({k: str(v) for k, v in (config or {}).items()})

        @pulumi_mocks.test
        def _program() -> pulumi.Output[Any]:
            body()
            stack_resource = pulumi_settings.get_root_resource()
            outputs = dict(getattr(stack_resource, "outputs", {}) or {})
            return pulumi.Output.from_input(outputs).apply(run.exports.update)

        _program()
        run.urns = list(pulumi_settings.get_monitor().get_registered_resources())

    in_own_thread(mocked)
    return run


def run_program(
    program_dir: Path,
    *,
    config: Mapping[str, Any] | None = None,
    project: str = "test-project",
    stack: str = "test",
) -> ProgramRun:
    """Run ``program_dir/__main__.py`` with the working directory set to ``program_dir``,
    as the Pulumi CLI does for a project whose ``main`` is that folder."""
    main = program_dir / "__main__.py"
    with _working_directory(program_dir):
        return declare(
            lambda: runpy.run_path(str(main), run_name="__main__"),
            config=config,
            project=project,
            stack=stack,
        )
