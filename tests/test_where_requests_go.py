"""``ls`` and ``drift`` say, in one line on stderr, when their requests go to Plivo's public
API because no ``--api-url`` or ``PLIVO_API_URL`` names another.

Nothing leaves this machine: ``HTTPS_PROXY`` points the real client at a loopback stand-in
for a proxy, which records where each tunnel was asked to go and refuses it.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from plivo_media_provider.settings import DEFAULT_API_URL
from tests.conftest import AUTH_ID, AUTH_TOKEN, Result

NOTE = (
    "plivo-media: no --api-url or PLIVO_API_URL is set, so requests go to Plivo's public "
    f"API, {DEFAULT_API_URL} (for the emulator: --api-url http://127.0.0.1:8099)."
)


class RefusingProxy:
    """Accepts proxy connections on loopback, records each request line, answers 403."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                head = b""
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    head += chunk
                self.lines.append(head.split(b"\r\n", 1)[0].decode("latin-1"))
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    def __enter__(self) -> RefusingProxy:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[RefusingProxy]:
    monkeypatch.setenv("PLIVO_AUTH_ID", AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", AUTH_TOKEN)
    for key in ("NO_PROXY", "no_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(key, raising=False)
    with RefusingProxy() as running:
        monkeypatch.setenv("HTTPS_PROXY", running.url)
        yield running


@pytest.fixture
def state(tmp_path: Path) -> str:
    media = {"urn": "urn:pulumi:dev::p::pulumi-python:dynamic/plivo:MediaFile::logo",
             "custom": True, "id": "m1", "type": "pulumi-python:dynamic/plivo:MediaFile",
             "inputs": {"path": "logo.png"},
             "outputs": {"path": "logo.png", "media_id": "m1"}}
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"version": 3, "deployment": {"resources": [media]}}))
    return str(path)


@pytest.mark.parametrize("command", ["ls", "drift"])
def test_with_no_api_url_the_command_says_it_goes_to_plivos_public_api(
    command: str, proxy: RefusingProxy, state: str, run: Callable[..., Result],
) -> None:
    argv = ["ls"] if command == "ls" else ["drift", "--state", state]

    code, _, err = run(*argv, "--retries", "0")

    assert code == 1  # the stand-in proxy refuses the tunnel
    lines = err.splitlines()
    assert lines[0] == NOTE
    assert lines[1].startswith("Error: ")
    assert proxy.lines and all(line.startswith("CONNECT api.plivo.com:443 ")
                               for line in proxy.lines)


@pytest.fixture
def emulator_url(creds: None) -> str:
    return os.environ["PLIVO_API_URL"]


@pytest.mark.parametrize("where", ["flag", "environment"])
@pytest.mark.parametrize("command", ["ls", "drift"])
def test_an_api_url_set_either_way_means_no_note(
    command: str, where: str, creds: None, emulator_url: str, state: str,
    monkeypatch: pytest.MonkeyPatch, run: Callable[..., Result],
) -> None:
    argv = ["ls"] if command == "ls" else ["drift", "--state", state]
    if where == "flag":
        monkeypatch.delenv("PLIVO_API_URL")
        argv += ["--api-url", emulator_url]

    _, _, err = run(*argv)

    assert "public API" not in err
