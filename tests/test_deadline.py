"""A deadline for every byte, and no silent retries when nothing answers.

Issue 20, observation 4: ``requestDeadline`` bounds the whole call, the status line and
headers included; a gateway that trickles its whole answer one byte at a time cannot hold a
call past it. Issue 19: a connection refused, or a host name that does not resolve, fails
at once instead of being retried for seconds, unless the host has answered this client
before (a restart mid-run is retried). Waits are recorded through the ``retry_sleeps``
fixture, never timed; a hang is caught by a generous bound, not measured.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from plivo_media_provider.api.client import MediaClient, UploadFile
from plivo_media_provider.api.deadline import pause
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.errors import TransportError, UploadOutcomeUnknown
from plivo_media_provider.facts import MAX_FILE_BYTES
from tests.conftest import AUTH_ID, AUTH_TOKEN, Result, provider_env
from tests.support import files
from tests.support.control import Control
from tests.support.engine import Engine, ProviderProcess
from tests.support.proxy import Answer, Proxy, Request, proxy_to
from tests.test_faults import Stack, make_files
from tests.test_upload_protocol import FirstUploads, bounded

Forward = Callable[[], Answer]


def trickled(pause_s: float) -> Callable[[Request, Forward], Answer]:
    """The emulator's answer, status line and headers too, one byte every ``pause_s``."""

    def rule(_request: Request, forward: Forward) -> Answer:
        answer = forward()
        return Answer(answer.status, answer.headers, answer.body, trickle=pause_s,
                      trickle_head=True)

    return rule


@pytest.fixture
def proxy(emulator: Emulator) -> Iterator[Proxy]:
    with proxy_to(emulator.url) as running:
        yield running


# -- the deadline -------------------------------------------------------------------------------


def test_trickled_headers_cannot_hold_a_call_past_its_deadline(proxy: Proxy) -> None:
    """About 150 bytes of status line and headers at 0.3 s each would take 45 s; a 1 s read
    timeout never fires, since a byte comes every 0.3 s. The 2 s deadline ends it."""
    proxy.rule = trickled(0.3)
    with MediaClient(AUTH_ID, AUTH_TOKEN, proxy.url, read_timeout=1.0, request_deadline=2.0,
                     retries=2, backoff_factor=0.01) as client:
        error = bounded(client.list_page, limit=30)
    assert isinstance(error, TransportError), error
    message = str(error)
    assert "did not finish by its deadline" in message and "PLIVO_REQUEST_DEADLINE" in message
    assert "\n" not in message


def test_a_refresh_through_a_trickling_gateway_fails_in_one_line_by_the_deadline(
    emulator: Emulator, proxy: Proxy, tmp_path: Path
) -> None:
    """Through the SDK's provider server: PLIVO_REQUEST_DEADLINE=3 and PLIVO_READ_TIMEOUT=2,
    a gateway trickling every answer at 0.5 s a byte. Each call of the Read (the list page,
    then its GET) ends at its deadline, and the refresh keeps the resource."""
    env = provider_env(proxy.url, PLIVO_REQUEST_DEADLINE="3", PLIVO_READ_TIMEOUT="2")
    with ProviderProcess(env) as process:
        engine = Engine(process)
        assert engine.up({"logo": {"path": str(files.random_png(tmp_path / "l.png", 600))}}).ok
        proxy.rule = trickled(0.5)
        outcome: list[object] = []
        assert bounded(lambda: outcome.append(engine.refresh()), limit=60) is None
    [refreshed] = outcome
    [text] = refreshed.errors.values()  # type: ignore[attr-defined]
    line = text.strip()
    assert "deadline" in line and "PLIVO_REQUEST_DEADLINE" in line and "\n" not in line
    assert set(engine.state) == {"logo"}


def test_an_upload_whose_answer_trickles_past_the_deadline_is_settled_not_duplicated(
    emulator: Emulator, proxy: Proxy, tmp_path: Path
) -> None:
    """The upload's answer is still arriving at the deadline: its outcome is unknown, so it
    is searched for and adopted, never sent again."""
    proxy.rule = FirstUploads(trickled(0.5))
    env = provider_env(proxy.url, PLIVO_REQUEST_DEADLINE="3", PLIVO_READ_TIMEOUT="2")
    with ProviderProcess(env) as process:
        stack = Stack(emulator.url, Engine(process), make_files(tmp_path, 1))
        outcome: list[object] = []
        assert bounded(lambda: outcome.append(stack.up()), limit=60) is None
        assert Control(emulator.url).stats()["uploads"] == 1
        stack.assert_converged()


def test_a_connection_that_is_not_accepted_ends_at_the_deadline() -> None:
    """A listening socket whose backlog is full drops new connections' SYNs: connecting
    hangs. The connect timeout (5 s) is cut to the 1 s deadline, and the error says so."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        fillers = [socket.socket() for _ in range(3)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        try:
            with MediaClient(AUTH_ID, AUTH_TOKEN, f"http://127.0.0.1:{port}",
                             request_deadline=1.0) as client:
                error = bounded(client.list_page, limit=30)
        finally:
            for filler in fillers:
                filler.close()
    assert isinstance(error, TransportError), error
    message = str(error)
    assert "Could not connect" in message and "deadline" in message
    assert "nothing was sent" in message


def test_a_tls_handshake_that_is_never_answered_ends_at_the_deadline() -> None:
    """The TCP connection is accepted, the server never answers the TLS hello."""
    held: list[socket.socket] = []
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        threading.Thread(target=lambda: held.append(server.accept()[0]), daemon=True).start()
        with MediaClient(AUTH_ID, AUTH_TOKEN, f"https://127.0.0.1:{server.getsockname()[1]}",
                         request_deadline=1.0) as client:
            error = bounded(client.list_page, limit=30)
    for connection in held:
        connection.close()
    assert isinstance(error, TransportError), error
    assert "did not finish by its deadline" in str(error)


def test_sending_a_request_that_is_not_read_ends_at_the_deadline() -> None:
    """A server that accepts and never reads: 10 files of the largest size fill the buffers,
    and sending stops at the 1 s deadline (the server got less than the whole body)."""
    held: list[socket.socket] = []
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        accepting = threading.Thread(target=lambda: held.append(server.accept()[0]),
                                     daemon=True)
        accepting.start()
        body = [UploadFile(f"f{i}.txt", b"a" * MAX_FILE_BYTES, "text/plain") for i in range(10)]
        with MediaClient(AUTH_ID, AUTH_TOKEN, f"http://127.0.0.1:{server.getsockname()[1]}",
                         request_deadline=1.0, read_timeout=30.0) as client:
            error = bounded(lambda: client.upload(body), limit=30)
        accepting.join(10)
    [connection] = held
    received = 0
    with connection:
        connection.settimeout(5)
        while chunk := connection.recv(1 << 20):
            received += len(chunk)
    assert isinstance(error, UploadOutcomeUnknown) and error.timed_out, error
    assert "did not finish by its deadline" in str(error)
    assert received < 10 * MAX_FILE_BYTES


def test_a_wait_that_would_pass_the_deadline_is_not_started(retry_sleeps: list[float]) -> None:
    assert pause(5.0, deadline=time.monotonic() + 1.0) is False
    assert pause(0.5, deadline=time.monotonic() + 60.0) is True
    assert retry_sleeps == [0.5]


# -- nothing answers ------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize(("url", "reason"), [
    pytest.param("http://127.0.0.1:{port}", "connection refused", id="refused"),
    pytest.param("http://plivo-media-test.invalid", "does not resolve", id="unknown-host"),
])
def test_nothing_answering_fails_at_once_in_one_line(
    retry_sleeps: list[float], url: str, reason: str
) -> None:
    """Nothing was sent, so failing is safe; retrying silently would cost about 8 s."""
    with MediaClient(AUTH_ID, AUTH_TOKEN, url.format(port=closed_port())) as client, \
            pytest.raises(TransportError) as caught:
        client.list_page()
    message = str(caught.value)
    assert reason in message and "nothing was sent" in message and "\n" not in message
    assert retry_sleeps == []


def test_a_host_that_answered_before_is_retried_when_it_refuses(
    retry_sleeps: list[float],
) -> None:
    """A restart mid-run: the host answered this client once, so a refusal is retried."""
    server = Emulator(port=0, auth_id=AUTH_ID, auth_token=AUTH_TOKEN, rate_limit=None).start()
    with MediaClient(AUTH_ID, AUTH_TOKEN, server.url, retries=2,
                     backoff_factor=0.01) as client:
        try:
            client.list_page()
        finally:
            server.stop()
        with pytest.raises(TransportError, match="connection refused"):
            client.list_page()
    assert retry_sleeps  # it waited and tried again (the first retry of urllib3 waits 0 s)


def test_ls_at_an_address_where_nothing_listens_fails_at_once(
    run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch, retry_sleeps: list[float]
) -> None:
    monkeypatch.setenv("PLIVO_AUTH_ID", AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", AUTH_TOKEN)
    code, _, err = run("ls", "--api-url", f"http://127.0.0.1:{closed_port()}")
    assert code == 1 and "connection refused" in err and err.count("\n") == 1
    assert retry_sleeps == []
