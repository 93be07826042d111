"""A test kit for programs that declare MediaFiles: pytest, no Plivo, no Pulumi CLI.

:class:`MediaTestKit` starts the Media API emulator in this process (loopback, a free port)
and runs a Pulumi program, a callable, under Pulumi's own mock runtime
(``pulumi.runtime.set_mocks``). Every MediaFile the program declares goes through the real
``MediaFileProvider``, unpickled from its ``__provider`` input as the engine does: its
check, then ``diff`` against the previous run's state, then ``create`` (or ``update``)
against the emulator. Any other resource falls through to ordinary mocks, which answer
with its inputs as outputs (or to the ``fallback`` mocks you pass).

This is a test harness, not a Pulumi deployment: no engine, no CLI, no Pulumi state. The
kit's own state (:class:`KitState`) lives in memory, where a test hands it to the next run.

``with MediaTestKit() as kit: run = kit.up(program)`` gives the stack's outputs, the media
the emulator now holds for each upload (and apart, each adoption), each check warning with
its resource, and ``run.second_run``: what running the program again against the new state
would change (check and diff for each MediaFile). ``kit.preview(program, state)`` plans
without uploading; ``kit.drift(run.state)`` is ``plivo-media drift``'s report of a state
while the kit's emulator still holds its media. For pytest, add
``pytest_plugins = ["plivo_media_provider.pytest_plugin"]`` to your ``conftest.py`` and use
the ``media_kit`` fixture.
"""

from __future__ import annotations

import contextlib
import json
import os
import runpy
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import pulumi

from ..api.client import Media, MediaClient
from ..api.pool import close_clients
from ..drift.check import check_drift
from ..drift.report import DEFAULT_WARN_WITHIN, DriftOptions, DriftReport
from ..drift.stack_export import media_resources, parse_export
from ..emulator import DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN, Emulator
from .engine import KitEngine, ProviderMocks
from .state import (
    KitRun,
    KitState,
    KitWarning,
    MediaKitWarning,
    Plan,
)

__all__ = ["MediaTestKit", "project_program"]
"""The kit's own names; the package (:mod:`plivo_media_provider.testing`) exports them with
the run's and the state's."""

Program = Callable[[], Any]


def project_program(folder: str | os.PathLike[str]) -> Program:
    """A program that runs ``folder/__main__.py`` as ``__main__``, as the language host
    does; run it with ``work_dir=folder`` so relative paths resolve as under the CLI.

    ``folder`` is resolved now, from the current working directory, so a run's
    ``work_dir`` does not move it (``project_program("infra")`` with ``work_dir="infra"``
    runs ``infra/__main__.py``, not ``infra/infra/__main__.py``).
    """
    main = Path(folder).resolve() / "__main__.py"

    def program() -> None:
        runpy.run_path(str(main), run_name="__main__")

    return program


@contextlib.contextmanager
def _working_directory(path: str | os.PathLike[str] | None) -> Iterator[None]:
    if path is None:
        yield
        return
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


class MediaTestKit:
    """The emulator plus mocked program runs whose MediaFiles the real provider handles.

    Use it in a ``with`` block (or call :meth:`start` and :meth:`close`). Every parameter
    is keyword-only:

    :param project: The Pulumi project name the program sees (``pulumi.get_project()``),
        and the project of each URN. Default ``"test-project"``.
    :param stack: The stack name the program sees (``pulumi.get_stack()``). Default
        ``"test"``.
    :param config: The program's stack config, ``"namespace:key"`` to a string as the CLI
        passes it (objects as JSON text), read through ``pulumi.Config``. The provider is
        always configured for the kit's emulator whatever this holds: its ``plivo:*``
        settings are :attr:`provider_config`.
    :param data_dir: A folder where the emulator keeps its media across kits (SQLite and
        blob files); by default they live in memory and go with the kit.
    :param fallback: ``pulumi.runtime.Mocks`` that answer every resource other than a
        MediaFile (and every call); by default such a resource gets its inputs as its
        outputs and the id ``"<name>-id"``.
    :param port: The emulator's loopback port; 0, the default, takes a free one.
        :meth:`start` raises OSError if the port is taken.
    :param report_warnings: Also issue each check warning of :meth:`up` and
        :meth:`preview` as a Python warning of category :class:`MediaKitWarning`, which
        pytest lists in its warnings summary. The ``media_kit`` fixture turns it on;
        the warnings are on ``run.warnings`` either way.

    Runs are serialized: ``work_dir`` changes the process's working directory for the
    length of a run.
    """

    def __init__(
        self,
        *,
        project: str = "test-project",
        stack: str = "test",
        config: Mapping[str, str] | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        fallback: pulumi.runtime.Mocks | None = None,
        port: int = 0,
        report_warnings: bool = False,
    ) -> None:
        self.project = project
        self.stack = stack
        self.config = dict(config or {})
        self.fallback = fallback
        self.report_warnings = report_warnings
        self.emulator = Emulator(port=port, data_dir=data_dir, rate_limit=None)
        self._client: MediaClient | None = None
        self._lock = threading.Lock()

    def start(self) -> MediaTestKit:
        """Start the emulator and the kit's client; OSError if the emulator cannot listen."""
        self.emulator.start()
        self._client = MediaClient(
            DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN, self.emulator.url, read_timeout=10.0
        )
        return self

    def close(self) -> None:
        """Close the provider's clients for the emulator, the kit's client, the emulator."""
        if self._client is not None:
            close_clients(self._client.api_url)
            self._client.close()
            self._client = None
        self.emulator.stop()

    def __enter__(self) -> MediaTestKit:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def client(self) -> MediaClient:
        """A client for the kit's emulator, with its demo credentials; needs ``with``."""
        if self._client is None:
            raise RuntimeError("the test kit is not running; use it in a `with` block")
        return self._client

    @property
    def provider_config(self) -> dict[str, str]:
        """The ``plivo:*`` config the provider gets: the emulator's URL and credentials.
        Their ``PLIVO_*`` twins point ``plivo-media ls`` and ``drift`` at the emulator."""
        return {
            "plivo:apiUrl": self.client.api_url,
            "plivo:authId": DEFAULT_AUTH_ID,
            "plivo:authToken": DEFAULT_AUTH_TOKEN,
        }

    def media(self) -> list[Media]:
        """Every media the emulator holds, newest first."""
        return list(self.client.iter_media())

    def preview(
        self,
        program: Program,
        state: KitState | None = None,
        *,
        work_dir: str | os.PathLike[str] | None = None,
    ) -> Plan:
        """What running ``program`` against ``state`` would do, one Step per MediaFile:
        ``create``, ``same``, ``update``, ``replace`` or ``delete``, and the warnings its
        checks gave. Uploads nothing."""
        plan = self._run(program, state, work_dir, apply=False).plan()
        self._issue(plan.warnings)
        return plan

    def up(
        self,
        program: Program,
        state: KitState | None = None,
        *,
        work_dir: str | os.PathLike[str] | None = None,
    ) -> KitRun:
        """Run ``program`` against ``state`` (none: a new stack), uploading to the emulator.

        Raises KitRunError listing every check failure and provider error, after the whole
        program ran. The result's ``second_run`` is ``preview(program, result.state)``, its
        ``uploaded`` the media this run sent and ``adopted`` those it took over.
        """
        held_before = {media.media_id for media in self.client.iter_media()}
        engine = self._run(program, state, work_dir, apply=True)
        new_state = engine.new_state(str(Path(work_dir or os.getcwd()).resolve()))
        created = [self.client.get(media_id) for media_id in engine.created_ids]
        steps = engine.plan()
        run = KitRun(
            outputs=engine.exports, steps=steps, state=new_state,
            uploaded=tuple(m for m in created if m.media_id not in held_before),
            adopted=tuple(m for m in created if m.media_id in held_before),
            second_run=self._run(program, new_state, work_dir, apply=False).plan(),
        )
        self._issue(steps.warnings)
        return run

    def drift(
        self,
        state: KitState,
        *,
        root: str | os.PathLike[str] | None = None,
        warn_within: timedelta = DEFAULT_WARN_WITHIN,
        verify_content: bool = False,
    ) -> DriftReport:
        """``plivo-media drift``'s report of ``state`` against the kit's emulator, now.

        The same checks as ``plivo-media drift --state`` on ``state.to_export()``, with the
        same options (``root``: where relative paths start, by default the folder of the
        run that made ``state``). Call it while the kit runs: once the kit is closed its
        emulator and, without ``data_dir``, its media are gone, and the command reads
        every media of such a saved state as ``missing_remote``.
        """
        where = root if root is not None else (state.work_dir or ".")
        export = parse_export(json.dumps(state.to_export()), "the test kit's state")
        options = DriftOptions(root=str(where), warn_within=warn_within,
                               verify_content=verify_content)
        # A client of its own, as each run of the command has: a listing shared with an
        # earlier check would answer from pages served before the test changed anything.
        with MediaClient(DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN, self.client.api_url,
                         read_timeout=10.0) as client:
            return check_drift(media_resources(export), client, options,
                               source=f"test kit state {state.project}/{state.stack}")

    def _issue(self, found: tuple[KitWarning, ...]) -> None:
        if not self.report_warnings:
            return
        for warning in found:
            # stacklevel 3: the test's call of up() or preview(), where pytest shows it.
            warnings.warn(warning.message, MediaKitWarning, stacklevel=3)

    def _run(
        self,
        program: Program,
        state: KitState | None,
        work_dir: str | os.PathLike[str] | None,
        *,
        apply: bool,
    ) -> KitEngine:
        engine = KitEngine(
            prior=state or KitState(project=self.project, stack=self.stack),
            provider_config=self.provider_config, project=self.project, apply=apply,
        )
        mocks = ProviderMocks(engine, self.fallback)
        with self._lock, _working_directory(work_dir):
            engine.run(program, mocks, stack=self.stack, config=self.config)
        engine.raise_failures()
        return engine
