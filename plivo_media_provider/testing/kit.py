"""A test kit for programs that declare MediaFiles: pytest, no Plivo, no Pulumi CLI.

:class:`MediaTestKit` starts the Media API emulator in this process (loopback, a free port)
and runs a Pulumi program, a callable, under Pulumi's own mock runtime
(``pulumi.runtime.set_mocks``). Every MediaFile the program declares goes through the real
``MediaFileProvider``, unpickled from its ``__provider`` input as the engine does: its
``check``, then ``diff`` against the previous run's state, then ``create`` (or ``update``)
against the emulator. Any other resource falls through to ordinary mocks, which answer
with its inputs as outputs (or to the ``fallback`` mocks you pass).

This is a test harness, not a Pulumi deployment: no engine, no CLI, no Pulumi state. The
kit's own state (:class:`KitState`) lives in memory, where a test hands it to the next run.

``with MediaTestKit() as kit: run = kit.up(program)`` gives the stack's outputs, the media
the emulator now holds for each upload, and ``run.second_run``: what running the program
again against the new state would change (check and diff for each MediaFile).
``kit.preview(program, state)`` plans without uploading. For pytest, add
``pytest_plugins = ["plivo_media_provider.pytest_plugin"]`` to your ``conftest.py`` and use
the ``media_kit`` fixture.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import pulumi

from ..api.client import Media, MediaClient
from ..api.pool import close_clients
from ..emulator import DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN, Emulator
from .engine import KitEngine, ProviderMocks
from .state import KitRun, KitState, Plan, StateEntry, Step

__all__ = [
    "KitRun",
    "KitState",
    "MediaTestKit",
    "Plan",
    "StateEntry",
    "Step",
    "project_program",
]

Program = Callable[[], Any]


def project_program(folder: str | os.PathLike[str]) -> Program:
    """A program that runs ``folder/__main__.py`` as ``__main__``, as the language host
    does; run it with ``work_dir=folder`` so relative paths resolve as under the CLI."""
    main = Path(folder) / "__main__.py"

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

    ``config`` is the program's stack config (``"namespace:key"`` to a string, objects as
    JSON text); the provider itself is always configured for the kit's emulator. The kit
    keeps media in memory unless ``data_dir`` is given. Runs are serialized: ``work_dir``
    changes the process's working directory for the length of a run.
    """

    def __init__(
        self,
        *,
        project: str = "test-project",
        stack: str = "test",
        config: Mapping[str, str] | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        fallback: pulumi.runtime.Mocks | None = None,
    ) -> None:
        self.project = project
        self.stack = stack
        self.config = dict(config or {})
        self.fallback = fallback
        self.emulator = Emulator(port=0, data_dir=data_dir, rate_limit=None)
        self._client: MediaClient | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> MediaTestKit:
        self.emulator.start()
        self._client = MediaClient(
            DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN, self.emulator.url, read_timeout=10.0
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._client is not None:
            close_clients(self._client.api_url)
            self._client.close()
            self._client = None
        self.emulator.stop()

    @property
    def client(self) -> MediaClient:
        """A client for the kit's emulator, with its demo credentials; needs ``with``."""
        if self._client is None:
            raise RuntimeError("the test kit is not running; use it in a `with` block")
        return self._client

    @property
    def provider_config(self) -> dict[str, str]:
        """The ``plivo:*`` config the provider gets: the emulator's URL and credentials."""
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
        ``create``, ``same``, ``update``, ``replace`` or ``delete``. Uploads nothing."""
        engine = self._run(program, state, work_dir, apply=False)
        return engine.plan()

    def up(
        self,
        program: Program,
        state: KitState | None = None,
        *,
        work_dir: str | os.PathLike[str] | None = None,
    ) -> KitRun:
        """Run ``program`` against ``state`` (none: a new stack), uploading to the emulator.

        Raises KitRunError listing every check failure and provider error, after the whole
        program ran. The result's ``second_run`` is ``preview(program, result.state)``.
        """
        engine = self._run(program, state, work_dir, apply=True)
        new_state = engine.new_state()
        uploaded = tuple(self.client.get(media_id) for media_id in engine.uploaded_ids)
        run = KitRun(
            outputs=engine.exports, steps=engine.plan(), state=new_state, uploaded=uploaded,
            second_run=self.preview(program, new_state, work_dir=work_dir),
        )
        return run

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
