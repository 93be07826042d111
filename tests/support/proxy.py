"""A small forwarding proxy in front of the emulator, for answers the emulator can't give.

Tests put it between the real client and the emulator. Each request is handed to the
proxy's ``rule``, which may forward it (``forward()`` returns the emulator's answer) and then
return that answer unchanged, rewritten, or replaced; or raise :class:`Drop` to close the
connection without answering, before or after forwarding. ``trickle`` on an answer sends its
body one byte at a time with that pause between bytes; with ``trickle_head`` the status line
and headers too, as a gateway that trickles everything does. Every answer's ``Date`` header
is the proxy's, ``date_offset`` seconds off this machine's clock (a Plivo whose clock is
off: see ``skewed`` in the tests that use it).

Everything listens on loopback only.
"""

from __future__ import annotations

import email.utils
import http.client
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "server",
               "date"}


@dataclass(frozen=True)
class Request:
    """One request as the client sent it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Answer:
    """One answer to give the client."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    trickle: float = 0.0
    trickle_head: bool = False

    def with_body(self, body: bytes, content_type: str | None = None) -> Answer:
        headers = dict(self.headers)
        if content_type is not None:
            headers["Content-Type"] = content_type
        return replace(self, body=body, headers=headers)


class Drop(Exception):
    """Raised by a rule: close the connection without an answer."""


Rule = Callable[[Request, Callable[[], Answer]], Answer]


def forward_unchanged(_request: Request, forward: Callable[[], Answer]) -> Answer:
    """The default rule: the emulator's answer as it is."""
    return forward()


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-answer (a timed-out read, a killed provider) is routine
    here; only other errors print a traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class Proxy:
    """A loopback HTTP proxy to ``upstream``; ``url`` is its base, ``requests`` its log."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.rule: Rule = forward_unchanged
        self.date_offset = 0.0
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(self.command, self.path, dict(self.headers.items()), body)
                with proxy._lock:
                    proxy.requests.append(request)
                try:
                    answer = proxy.rule(request, lambda: proxy._forward(request))
                except Drop:
                    self.close_connection = True
                    return
                self._trickle = answer.trickle if answer.trickle_head else 0.0
                self.send_response(answer.status)
                for key, value in answer.headers.items():
                    if key.lower() not in _HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                if answer.trickle:
                    for index in range(len(answer.body)):
                        self.wfile.write(answer.body[index:index + 1])
                        self.wfile.flush()
                        time.sleep(answer.trickle)
                else:
                    self.wfile.write(answer.body)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def date_time_string(self, timestamp: float | None = None) -> str:
                moment = time.time() + proxy.date_offset if timestamp is None else timestamp
                return email.utils.formatdate(moment, usegmt=True)

            def flush_headers(self) -> None:
                pause = getattr(self, "_trickle", 0.0)
                if not pause:
                    super().flush_headers()
                    return
                head = b"".join(getattr(self, "_headers_buffer", []))
                self._headers_buffer = []
                for index in range(len(head)):
                    self.wfile.write(head[index:index + 1])
                    self.wfile.flush()
                    time.sleep(pause)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _forward(self, request: Request) -> Answer:
        connection = http.client.HTTPConnection(*self._upstream, timeout=30)
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() != "connection"}
            connection.request(request.method, request.path, request.body, headers)
            response = connection.getresponse()
            return Answer(response.status, dict(response.getheaders()), response.read())
        finally:
            connection.close()

    def count(self, method: str, path_contains: str = "") -> int:
        """How many requests with ``method`` (and a path containing the text) arrived."""
        with self._lock:
            return sum(1 for r in self.requests
                       if r.method == method and path_contains in r.path)

    def start(self) -> Proxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def proxy_to(upstream: str) -> Iterator[Proxy]:
    """A started proxy to ``upstream``, stopped afterwards."""
    proxy = Proxy(upstream).start()
    try:
        yield proxy
    finally:
        proxy.stop()
