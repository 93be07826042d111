"""Shared fixtures: a clean environment, a loopback emulator, a client, and provider servers."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pulumi
import pytest
import requests
from pytest_mock import MockerFixture

from plivo_media_provider import cli
from plivo_media_provider.api.client import MediaClient
from plivo_media_provider.cancel import CANCEL
from plivo_media_provider.clock import CLOCK
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.uploads.journal import JOURNAL_DIR_ENV
from tests.support.plugin_engine import EngineService

AUTH_ID = "MATESTACCOUNT0000001"
# Distinctive, so a test can scan any output for it.
AUTH_TOKEN = "tok-SECRET-7f3a9c1e5b2d4680-never-print"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's real Plivo or Pulumi settings, or their upload journal."""
    for key in list(os.environ):
        if key.startswith(("PLIVO_", "PULUMI_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv(JOURNAL_DIR_ENV, str(tmp_path / "upload-journal"))


@pytest.fixture(autouse=True)
def reset_pulumi_runtime() -> Iterator[None]:
    """A test that installs Pulumi mocks must not leave their engine to later tests."""
    yield
    pulumi.runtime.settings.reset_options()


Result = tuple[int, str, str]
"""What ``run`` gives back: the exit code, stdout and stderr of one ``plivo-media`` call."""


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """``run(*argv)`` runs ``plivo-media`` in-process and holds that it printed no
    traceback and never the token."""
    def invoke(*argv: str) -> Result:
        code = cli.main(list(argv))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        assert AUTH_TOKEN not in captured.out + captured.err
        return code, captured.out, captured.err

    return invoke


@pytest.fixture
def creds(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment points ``ls`` and ``drift`` at the emulator with the test account."""
    monkeypatch.setenv("PLIVO_AUTH_ID", AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("PLIVO_API_URL", emulator.url)


PinClock = Callable[[datetime | Callable[[], datetime]], None]


@pytest.fixture
def pin_clock() -> Iterator[PinClock]:
    """``pin_clock(at)`` pins the package's one clock (provider, drift, ls, uploads) to ``at``,
    a time or a function of none, until the test ends; a later call replaces the pin."""
    with contextlib.ExitStack() as stack:
        yield lambda at: stack.enter_context(CLOCK.pinned(at))


@pytest.fixture
def retry_sleeps(mocker: MockerFixture) -> list[float]:
    """The waits the client's retries make in the test's own thread, recorded instead of
    slept.

    Retries wait through the process's one cancellation (``CANCEL.sleep``), which every
    thread shares, so other threads (the in-process emulator's, a proxy's) are let through
    to a real wait.
    """
    real_sleep, here, slept = CANCEL.sleep, threading.get_ident(), []

    def sleep(seconds: float) -> None:
        if threading.get_ident() == here:
            slept.append(seconds)
        else:
            real_sleep(seconds)

    mocker.patch.object(CANCEL, "sleep", side_effect=sleep)
    return slept


@pytest.fixture(scope="session")
def _session_emulator() -> Iterator[Emulator]:
    """One emulator for the whole session: starting and stopping one per test cost seconds."""
    server = Emulator(port=0, auth_id=AUTH_ID, auth_token=AUTH_TOKEN, rate_limit=None)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def emulator(_session_emulator: Emulator) -> Emulator:
    """An emulator on a free loopback port, rate limit off, in memory, and empty.

    It is the session's one emulator, reset before each test: no media, faults, clock offset
    or counters are left by an earlier test, even one that failed.
    """
    response = requests.post(f"{_session_emulator.url}/__emulator__/reset", timeout=10)
    response.raise_for_status()
    return _session_emulator


@pytest.fixture
def client(emulator: Emulator) -> Iterator[MediaClient]:
    with MediaClient(
        AUTH_ID, AUTH_TOKEN, emulator.url, backoff_factor=0.01, read_timeout=5.0
    ) as media_client:
        yield media_client


def provider_env(emulator_url: str, **extra: str) -> dict[str, str]:
    """Environment for a provider server that reaches ``emulator_url`` with test creds and a
    short backoff; ``extra`` overrides any of it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "PULUMI_"))}
    env.update(PLIVO_AUTH_ID=AUTH_ID, PLIVO_AUTH_TOKEN=AUTH_TOKEN, PLIVO_API_URL=emulator_url)
    # Retries back off briefly: the policy is the same, the suite just doesn't sleep through it.
    env["PLIVO_BACKOFF_FACTOR"] = "0.01"
    # Each provider server gets a journal of its own, never the developer's ~/.cache.
    journal = tempfile.mkdtemp(prefix="plivo-upload-journal-")
    atexit.register(shutil.rmtree, journal, True)
    env[JOURNAL_DIR_ENV] = journal
    env.update(extra)
    return env


@pytest.fixture
def engine_service() -> Iterator[EngineService]:
    """A stand-in for the engine's ``pulumirpc.Engine``, recording the plugin's logs."""
    service = EngineService()
    yield service
    service.close()
