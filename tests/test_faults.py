"""Fault injection: every failed ``up`` leaves Plivo and the state consistent, and the next
``up`` finishes the job without duplicates.

Faults come from the emulator's fault API. They are driven through the real client and
through the SDK's real dynamic-provider server (``ProviderProcess`` + ``Engine``). After each
engine scenario, :func:`assert_converged` runs ``up`` again and checks that every declared
file exists in the emulator exactly once, that the state matches the emulator, and that a
further ``up`` changes nothing. Every failure the user saw must be one line.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from plivo_media_provider.api.client import MediaClient, UploadFile
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.errors import ConfigurationError, RateLimited, ServerError
from plivo_media_provider.plugin.properties import CORE_NAMES
from plivo_media_provider.settings import DEFAULT_READ_TIMEOUT, RetryPolicy, resolve_settings
from plivo_media_provider.uploads.protocol import upload_once
from tests.conftest import AUTH_ID, AUTH_TOKEN, provider_env
from tests.support import files
from tests.support.control import Control
from tests.support.engine import Engine, Outcome, ProviderProcess

API = f"/v1/Account/{AUTH_ID}/Media/"
BYTES = f"/Account/{AUTH_ID}/Media/"
READ_TIMEOUT = 1.0  # the provider server's, through PLIVO_READ_TIMEOUT


# -- helpers ---------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def output_names(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """State outputs by the field schema's names, whichever face wrote them (the plugin
    writes ``mediaId``, the dynamic provider ``media_id``)."""
    return {CORE_NAMES.get(key, key): value for key, value in outputs.items()}


def clear_faults(url: str) -> None:
    requests.delete(f"{url}/__emulator__/faults", timeout=10).raise_for_status()


def assert_one_line_errors(outcome: Outcome, *expected: str) -> None:
    """Each failure reached the user as one clear line, not a traceback."""
    assert sorted(outcome.errors) == sorted(expected), outcome.errors
    for name, text in outcome.errors.items():
        line = text.strip()
        assert line and "\n" not in line, f"{name}: {text!r}"
        assert "Traceback" not in line and 'File "' not in line, f"{name}: {text!r}"


def census(url: str) -> Counter[tuple[str, str]]:
    """(file name, sha256) of every media the emulator holds, with multiplicity."""
    with MediaClient(AUTH_ID, AUTH_TOKEN, url) as client:
        return Counter(
            (media.file_name, hashlib.sha256(client.download(media)).hexdigest())
            for media in client.iter_media()
        )


@dataclass
class Stack:
    """A project of media files, the emulator it targets, and the engine that deploys it."""

    url: str
    engine: Engine
    files: dict[str, Path]

    @property
    def control(self) -> Control:
        return Control(self.url)

    def resources(self) -> dict[str, dict[str, Any]]:
        return {name: {"path": str(path)} for name, path in self.files.items()}

    def up(self) -> Outcome:
        return self.engine.up(self.resources())

    def expected(self) -> Counter[tuple[str, str]]:
        return Counter((path.name, sha256_of(path)) for path in self.files.values())

    def assert_state_matches_emulator(self) -> None:
        """Every resource in state names media the emulator holds, with its size and bytes."""
        with MediaClient(AUTH_ID, AUTH_TOKEN, self.url) as client:
            for name, entry in self.engine.state.items():
                media = client.get(entry.id)
                path = self.files[name]
                outputs = output_names(entry.outputs)
                assert outputs["media_id"] == media.media_id == entry.id
                assert outputs["size"] == media.size == path.stat().st_size
                assert outputs["file_name"] == media.file_name == path.name
                assert hashlib.sha256(client.download(media)).hexdigest() == sha256_of(path)
                assert outputs["content_sha256"] == sha256_of(path)

    def assert_converged(self) -> None:
        """The next ``up`` finishes the job: all declared, each exactly once, nothing else."""
        outcome = self.up()
        assert outcome.ok, outcome.errors
        assert set(self.engine.state) == set(self.files)
        self.assert_state_matches_emulator()
        assert census(self.url) == self.expected()
        assert self.control.stats()["media"] == len(self.files)
        assert not self.up().changed


def make_files(folder: Path, count: int) -> dict[str, Path]:
    return {
        f"media{i}": files.random_png(folder / f"media-{i}.png", 700 + 37 * i, seed=i)
        for i in range(count)
    }


@pytest.fixture
def stack(emulator: Emulator, tmp_path: Path) -> Iterator[Stack]:
    """Four files, a provider server with a 1 s read timeout, and an empty state."""
    env = provider_env(emulator.url, PLIVO_READ_TIMEOUT=str(READ_TIMEOUT))
    with ProviderProcess(env) as process:
        yield Stack(emulator.url, Engine(process), make_files(tmp_path, 4))


# -- through the real client -----------------------------------------------------------------


@pytest.fixture
def fast_client(emulator: Emulator) -> Iterator[MediaClient]:
    with MediaClient(AUTH_ID, AUTH_TOKEN, emulator.url, read_timeout=0.5, retries=3,
                     backoff_factor=0.01) as client:
        yield client


def png_upload(seed: int = 1) -> UploadFile:
    return UploadFile(f"f{seed}.png", files.png_bytes(pad_to=500, seed=seed), "image/png")


GET_ENDPOINTS: dict[str, Callable[[MediaClient, Any], object]] = {
    "get": lambda client, media: client.get(media.media_id),
    "list": lambda client, media: client.list_page(),
    "bytes": lambda client, media: client.download(media),
}


def fault_path(endpoint: str, media_id: str) -> str:
    return {"get": f"{API}{media_id}", "list": API, "bytes": f"{BYTES}{media_id}"}[endpoint]


@pytest.mark.parametrize("status", [500, 503])
@pytest.mark.parametrize("endpoint", sorted(GET_ENDPOINTS))
def test_a_short_5xx_burst_on_a_read_is_retried(
    fast_client: MediaClient, emulator: Emulator, endpoint: str, status: int
) -> None:
    [media] = fast_client.upload([png_upload()])
    control = Control(emulator.url)
    control.fault(method="GET", path=fault_path(endpoint, media.media_id), status=status,
                  count=2, retry_after=0)
    GET_ENDPOINTS[endpoint](fast_client, media)
    assert control.stats()["media"] == 1
    assert requests.get(f"{emulator.url}/__emulator__/faults", timeout=5).json() == {"faults": []}


@pytest.mark.parametrize("endpoint", sorted(GET_ENDPOINTS))
def test_a_read_slower_than_the_read_timeout_is_retried(
    fast_client: MediaClient, emulator: Emulator, endpoint: str
) -> None:
    [media] = fast_client.upload([png_upload()])
    control = Control(emulator.url)
    before = control.stats()["requests"]
    control.fault(method="GET", path=fault_path(endpoint, media.media_id), delay=1.0)
    GET_ENDPOINTS[endpoint](fast_client, media)
    if endpoint != "bytes":  # media bytes are not API requests
        assert control.stats()["requests"] - before == 2


@pytest.mark.parametrize("drop", ["before", "after"])
@pytest.mark.parametrize("endpoint", sorted(GET_ENDPOINTS))
def test_a_read_whose_connection_drops_is_retried(
    fast_client: MediaClient, emulator: Emulator, endpoint: str, drop: str
) -> None:
    [media] = fast_client.upload([png_upload()])
    control = Control(emulator.url)
    control.fault(method="GET", path=fault_path(endpoint, media.media_id), drop=drop)
    answer = GET_ENDPOINTS[endpoint](fast_client, media)
    # The retry got the real answer, and the one-shot fault was spent on the first try.
    expected = {"get": media, "bytes": png_upload().content}.get(endpoint)
    if expected is not None:
        assert answer == expected
    else:
        assert media.media_id in [m.media_id for m in answer.objects]  # type: ignore[attr-defined]
    assert requests.get(f"{emulator.url}/__emulator__/faults", timeout=5).json() == {"faults": []}


def test_a_503_burst_on_upload_is_settled_by_searching_and_stores_once(
    fast_client: MediaClient, emulator: Emulator
) -> None:
    """A 503 is not proof that nothing was stored, so each is followed by a search."""
    control = Control(emulator.url)
    control.fault(method="POST", path=API, status=503, count=2, retry_after=0)
    upload_once(fast_client, png_upload())
    stats = control.stats()
    # 503, list, 503, list, the upload that landed.
    assert (stats["requests"], stats["uploads"], stats["media"]) == (5, 1, 1)


def test_a_500_on_upload_is_not_retried_and_stores_nothing(
    fast_client: MediaClient, emulator: Emulator
) -> None:
    """A 500 may come after Plivo did some work, so the client does not resend on its own."""
    control = Control(emulator.url)
    control.fault(method="POST", path=API, status=500)
    with pytest.raises(ServerError) as caught:
        fast_client.upload([png_upload()])
    assert "HTTP 500" in str(caught.value) and "\n" not in str(caught.value)
    assert (control.stats()["requests"], control.stats()["uploads"]) == (1, 0)


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_429_burst_waits_as_retry_after_says(
    fast_client: MediaClient, emulator: Emulator, retry_sleeps: list[float], method: str
) -> None:
    """urllib3 sleeps for Retry-After between attempts; its sleep is the seam we watch."""
    control = Control(emulator.url)
    control.fault(method=method, path=API, status=429, count=3, retry_after=7)
    if method == "POST":
        fast_client.upload([png_upload()])
    else:
        fast_client.list_page()
    assert retry_sleeps == [7.0] * 3
    assert control.stats()["requests"] == 4
    assert control.stats()["uploads"] == (1 if method == "POST" else 0)


def test_a_429_storm_longer_than_the_retries_is_one_clear_error(
    fast_client: MediaClient, emulator: Emulator, retry_sleeps: list[float]
) -> None:
    control = Control(emulator.url)
    control.fault(method="POST", path=API, status=429, count=10, retry_after=3)
    with pytest.raises(RateLimited) as caught:
        fast_client.upload([png_upload()])
    assert caught.value.retry_after == 3
    assert "rate limit" in str(caught.value) and "\n" not in str(caught.value)
    assert (control.stats()["requests"], control.stats()["uploads"]) == (4, 0)


# -- the read-timeout knob -------------------------------------------------------------------


def test_read_timeout_precedence_is_explicit_then_config_then_environment() -> None:
    env = {"PLIVO_AUTH_ID": AUTH_ID, "PLIVO_AUTH_TOKEN": "t", "PLIVO_READ_TIMEOUT": "4"}
    config = {"plivo:readTimeout": "3"}
    assert resolve_settings(environ={**env, "PLIVO_READ_TIMEOUT": ""}).read_timeout == (
        DEFAULT_READ_TIMEOUT)
    assert resolve_settings(environ=env).read_timeout == 4.0
    assert resolve_settings(config=config, environ=env).read_timeout == 3.0
    assert resolve_settings(read_timeout=2.5, config=config, environ=env).read_timeout == 2.5
    settings = resolve_settings(config=config, environ=env)
    with MediaClient.from_settings(settings) as client:
        assert client.timeout[1] == 3.0


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan", "inf", "3601"])
def test_a_bad_read_timeout_is_one_clear_configuration_error(value: str) -> None:
    env = {"PLIVO_AUTH_ID": AUTH_ID, "PLIVO_AUTH_TOKEN": "t", "PLIVO_READ_TIMEOUT": value}
    with pytest.raises(ConfigurationError) as caught:
        resolve_settings(environ=env)
    message = str(caught.value)
    assert repr(value) in message and "PLIVO_READ_TIMEOUT" in message
    assert "plivo:readTimeout" in message and "\n" not in message


def test_stack_config_read_timeout_reaches_the_provider_server(
    emulator: Emulator, tmp_path: Path
) -> None:
    """Config (1 s) beats the environment (30 s): the slow read times out and is retried."""
    logo = files.random_png(tmp_path / "logo.png", 900, seed=5)
    env = provider_env(emulator.url, PLIVO_READ_TIMEOUT="30")
    with ProviderProcess(env) as process:
        process.configure({"plivo:readTimeout": "1"})
        engine = Engine(process)
        assert engine.up({"logo": {"path": str(logo)}}).ok
        control = Control(emulator.url)
        before = control.stats()["requests"]
        control.fault(method="GET", path=API, delay=2.0)
        assert engine.refresh().ok
        assert control.stats()["requests"] - before == 2


# -- through the engine ----------------------------------------------------------------------


def test_a_429_burst_with_retry_after_during_up_is_absorbed(stack: Stack) -> None:
    stack.control.fault(method="POST", path=API, status=429, count=3, retry_after=1)
    outcome = stack.up()
    assert outcome.ok, outcome.errors
    assert sorted(outcome.created) == sorted(stack.files)
    stack.assert_converged()


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_on_upload_during_up_is_settled_by_searching(stack: Stack, status: int) -> None:
    stack.control.fault(method="POST", path=API, status=status, count=2, retry_after=1)
    outcome = stack.up()
    assert outcome.ok, outcome.errors
    assert set(stack.engine.state) == set(stack.files)
    stack.assert_state_matches_emulator()
    assert stack.control.stats()["media"] == len(stack.files)
    stack.assert_converged()


@pytest.mark.parametrize("drop", ["before", "after"])
def test_dropped_upload_connections_during_up_create_nothing_twice(
    stack: Stack, drop: str
) -> None:
    stack.control.fault(method="POST", path=API, drop=drop, count=2)
    outcome = stack.up()
    assert outcome.ok, outcome.errors
    assert stack.control.stats()["uploads"] == len(stack.files)
    stack.assert_converged()


def test_uploads_slower_than_the_read_timeout_are_adopted_not_duplicated(stack: Stack) -> None:
    stack.control.fault(method="POST", path=API, delay=READ_TIMEOUT * 2, count=2)
    outcome = stack.up()
    assert outcome.ok, outcome.errors
    stack.assert_converged()


def test_reconciliation_survives_5xx_on_list_and_media_bytes(stack: Stack) -> None:
    """A dropped upload is settled by listing and downloading, which retry their own 5xx."""
    stack.control.fault(method="POST", path=API, drop="after", count=4)
    stack.control.fault(method="GET", path=API, status=503, count=2, retry_after=0)
    stack.control.fault(method="GET", path=BYTES, status=500, count=2)
    outcome = stack.up()
    assert outcome.ok, outcome.errors
    assert stack.control.stats()["uploads"] == len(stack.files)
    stack.assert_converged()


def test_reconciliation_that_cannot_list_fails_in_one_line_and_the_next_up_uploads(
    stack: Stack,
) -> None:
    """A dropped upload whose lookup fails too: create fails in one line saying the upload
    may be stored, nothing enters the state, and the next up uploads it (it was not stored)."""
    name = next(iter(stack.files))
    stack.files = {name: stack.files[name]}
    stack.control.fault(method="POST", path=API, drop="before")
    stack.control.fault(method="GET", path=API, status=503, count=5, retry_after=0)
    outcome = stack.up()
    assert_one_line_errors(outcome, name)
    assert "may be stored" in outcome.errors[name] and "HTTP 503" in outcome.errors[name]
    assert stack.engine.state == {}
    assert stack.control.stats()["media"] == 0  # dropped before: nothing was stored
    stack.assert_converged()


def test_slow_reads_during_refresh_are_retried(stack: Stack) -> None:
    assert stack.up().ok
    stack.control.fault(method="GET", path=API, delay=READ_TIMEOUT * 2, count=2)
    outcome = stack.engine.refresh()
    assert outcome.ok, outcome.errors
    assert sorted(outcome.same) == sorted(stack.files)
    stack.assert_converged()


@pytest.mark.parametrize("status", [500, 503])
def test_refresh_during_a_5xx_storm_keeps_every_resource(stack: Stack, status: int) -> None:
    assert stack.up().ok
    before = {name: (e.id, dict(e.outputs)) for name, e in stack.engine.state.items()}
    # Retry-After: 0 keeps the storm's 503s asking for a retry without the suite sleeping
    # through them; honouring a real Retry-After is the 429 burst's test.
    stack.control.fault(method="GET", path=API, status=status, count=1000, retry_after=0)

    outcome = stack.engine.refresh()

    assert_one_line_errors(outcome, *stack.files)
    assert all(f"HTTP {status}" in text for text in outcome.errors.values())
    assert outcome.deleted == []
    assert {name: (e.id, e.outputs) for name, e in stack.engine.state.items()} == before
    clear_faults(stack.url)
    assert stack.engine.refresh().ok
    stack.assert_converged()


def test_adoption_retries_5xx_on_get_and_media_bytes(stack: Stack) -> None:
    path = stack.files["media0"]
    with MediaClient(AUTH_ID, AUTH_TOKEN, stack.url) as client:
        [existing] = client.upload([UploadFile(path.name, path.read_bytes(), "image/png")])
    stack.control.fault(method="GET", path=f"{API}{existing.media_id}", status=500, count=2)
    stack.control.fault(method="GET", path=BYTES, status=503, count=1, retry_after=1)
    resources = stack.resources()
    resources["media0"]["adopt_media_id"] = existing.media_id
    outcome = stack.engine.up(resources)
    assert outcome.ok, outcome.errors
    assert stack.engine.state["media0"].id == existing.media_id
    assert stack.control.stats()["uploads"] == len(stack.files)


# -- an emulator restart in the middle of an up ----------------------------------------------


@dataclass
class Restartable:
    """An emulator with a data directory that can be stopped and started on the same port."""

    data_dir: Path
    port: int = 0
    server: Emulator | None = None

    def start(self) -> Emulator:
        self.server = Emulator(port=self.port, auth_id=AUTH_ID, auth_token=AUTH_TOKEN,
                               data_dir=self.data_dir, rate_limit=None).start()
        self.port = self.server.port
        return self.server

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[Restartable]:
    emulator = Restartable(tmp_path / "emulator-data")
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


def stop_when_all_arrived(
    emulator: Restartable, arrivals: int, then: Callable[[], None] = lambda: None
) -> threading.Thread:
    """Stop the emulator once ``arrivals`` uploads have reached it, then run ``then``."""
    assert emulator.server is not None
    control = Control(emulator.server.url)

    def watch() -> None:
        deadline = time.monotonic() + 30
        while control.stats()["requests"] < arrivals and time.monotonic() < deadline:
            time.sleep(0.02)
        emulator.stop()
        then()

    watcher = threading.Thread(target=watch, name="restart-watcher")
    watcher.start()
    return watcher


def restart_stack(
    restartable: Restartable, tmp_path: Path, **env: str
) -> tuple[ProviderProcess, Stack, Mapping[str, Path]]:
    assert restartable.server is not None
    url = restartable.server.url
    declared = make_files(tmp_path / "project", 8)
    process = ProviderProcess(provider_env(url, PLIVO_READ_TIMEOUT="5", **env))
    return process, Stack(url, Engine(process), dict(declared)), declared


def test_a_quick_emulator_restart_mid_up_loses_and_duplicates_nothing(
    restartable: Restartable, tmp_path: Path
) -> None:
    """Stop the emulator while four uploads are in its hands and start it again on the same
    port and data: the in-flight creates settle their uploads once it is back."""
    # The default backoff, whose retries outlast a quick restart, as they do for users.
    default_backoff = str(RetryPolicy().backoff_factor)
    process, stack, _ = restart_stack(restartable, tmp_path, PLIVO_BACKOFF_FACTOR=default_backoff)
    with process:
        # Every upload is held 1 s, so the second batch of four is in flight at the stop.
        stack.control.fault(method="POST", path=API, delay=1.0, count=8)
        watcher = stop_when_all_arrived(restartable, 8, then=restartable.start)
        outcome = stack.up()
        watcher.join()
        assert outcome.ok, outcome.errors
        stack.assert_converged()


def test_an_emulator_outage_mid_up_fails_creates_in_one_line_and_the_next_up_converges(
    restartable: Restartable, tmp_path: Path
) -> None:
    """The emulator goes down with four uploads in its hands and stays down for the rest of
    the up. The creates in flight fail with one line each; the next up, after the restart,
    finishes the job without duplicates: the uploads Plivo stored while it could not be asked
    were noted in the upload journal, and the next up adopts them.
    """
    process, stack, declared = restart_stack(restartable, tmp_path)
    with process:
        stack.control.fault(method="POST", path=API, delay=1.0, count=8)
        watcher = stop_when_all_arrived(restartable, 8)
        outcome = stack.up()
        watcher.join()
        assert len(outcome.errors) == 4, outcome.errors
        assert_one_line_errors(outcome, *outcome.errors)
        assert all("may be stored" in text for text in outcome.errors.values())
        noted = "adopts it instead of uploading it twice"
        assert all(noted in text for text in outcome.errors.values())
        assert set(stack.engine.state) == set(declared) - set(outcome.errors)

        failed = sorted(outcome.errors)
        restartable.start()
        stack.assert_state_matches_emulator()
        outcome = stack.up()
        assert outcome.ok, outcome.errors
        assert sorted(outcome.created) == failed
        stack.assert_state_matches_emulator()
        assert not stack.up().changed
        found = census(stack.url)
        assert set(found) == set(stack.expected())  # nothing lost
        duplicated = sorted(name for (name, _), count in found.items() if count > 1)
        assert duplicated == []
