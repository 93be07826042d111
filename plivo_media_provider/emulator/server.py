"""The threaded HTTP server: keep-alive, dropped connections, connection counting.

Werkzeug's own request handler always answers ``Connection: close`` and, after each
response, discards whatever the client sends next, which would eat the next request on a
kept-alive connection. This handler replaces that dispatch: it drains exactly the unread
rest of the request body, then answers with a Content-Length so the connection can carry
the next request. The log shows only method, path and status, and only when verbose, so
credentials can never reach it.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import socket
import sys
import threading
import traceback
from collections.abc import Callable
from http import HTTPStatus
from typing import IO, TYPE_CHECKING, Any, cast

from werkzeug.exceptions import ClientDisconnected
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wsgi import LimitedStream

from .app import DROP_CONNECTION, Stats
from .multipart import MAX_BODY_BYTES

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

    from .multipart import Readable

# Seconds an idle kept-alive connection (or a stalled body) may hold its thread.
_IDLE_TIMEOUT = 30.0
_DRAIN_BUDGET = MAX_BODY_BYTES + 1024 * 1024
_INTERNAL_ERROR = b'{"error": "internal emulator error"}'


class EmulatorServer(ThreadedWSGIServer):
    """A thread per connection; :meth:`stop_connections` unblocks them all for shutdown.

    ``now`` is the emulator's clock (POSIX seconds): every answer's ``Date`` header is
    written by it, as Plivo's are by Plivo's clock, which also stamps ``upload_time``.
    """

    daemon_threads = False
    block_on_close = True

    def __init__(
        self,
        host: str,
        port: int,
        app: WSGIApplication,
        stats: Stats,
        verbose: bool = False,
        fd: int | None = None,
        now: Callable[[], float] | None = None,
    ) -> None:
        self.stats = stats
        self.verbose = verbose
        self.now = now
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._stopping = False
        # ``fd``: a socket already listening (see ``startup.bind``); Werkzeug serves a dup.
        super().__init__(host, port, app, handler=_Handler, fd=fd)

    def connection_opened(self, connection: socket.socket) -> None:
        self.stats.bump("connections")
        with self._open_lock:
            if self._stopping:
                _shutdown(connection)
            self._open.add(connection)

    def connection_closed(self, connection: socket.socket) -> None:
        with self._open_lock:
            self._open.discard(connection)

    def stop_connections(self) -> None:
        """Shut down every open connection, so idle keep-alive threads end at once."""
        with self._open_lock:
            self._stopping = True
            for connection in self._open:
                _shutdown(connection)

    def handle_error(self, request: Any, client_address: tuple[str, int] | str) -> None:
        # A client vanishing mid-request is routine for an emulator that drops connections
        # on purpose; anything else is a bug worth a traceback.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, the body waits for the
    # client's delayed ACK of the headers, about 40 ms per kept-alive response.
    disable_nagle_algorithm = True
    timeout = _IDLE_TIMEOUT
    server: EmulatorServer

    def setup(self) -> None:
        super().setup()
        self.server.connection_opened(self.connection)

    def finish(self) -> None:
        try:
            with contextlib.suppress(OSError):
                super().finish()
        finally:
            self.server.connection_closed(self.connection)

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.make_environ()
        self.environ = environ
        body = self._body(environ)
        environ["wsgi.input"] = body
        environ["wsgi.input_terminated"] = True

        answer: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None
        ) -> _Discard:
            answer[:] = [(status, headers)]
            return _discard

        try:
            chunks = self.server.app(environ, start_response)
            try:
                payload = b"".join(chunks)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
            status, headers = answer[0]
        except Exception:  # noqa: BLE001 - one broken request must still get an answer
            traceback.print_exc()
            status, headers = "500 INTERNAL SERVER ERROR", [("Content-Type", "application/json")]
            payload = _INTERNAL_ERROR
            self.close_connection = True

        if environ.get(DROP_CONNECTION):
            self.close_connection = True
            _shutdown(self.connection)
            return
        if not _drain(body):
            self.close_connection = True
        self._respond(status, headers, payload)

    def _body(self, environ: WSGIEnvironment) -> Readable:
        if environ.get("wsgi.input_terminated"):  # chunked: Werkzeug already de-chunks it
            body: Readable = environ["wsgi.input"]
            return body
        try:
            length = max(0, int(self.headers.get("Content-Length") or 0))
        except ValueError:
            length = 0
            self.close_connection = True  # the body's end is unknown, so no next request
        return LimitedStream(cast("IO[bytes]", self.rfile), length)

    def _respond(self, status: str, headers: list[tuple[str, str]], payload: bytes) -> None:
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        names = set()
        for name, value in headers:
            if name.lower() in ("connection", "transfer-encoding"):
                continue
            names.add(name.lower())
            self.send_header(name, value)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()

    def date_time_string(self, timestamp: float | None = None) -> str:
        clock = self.server.now
        moment = timestamp if timestamp is not None or clock is None else clock()
        return email.utils.formatdate(moment, usegmt=True)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.server.verbose:
            path = getattr(self, "path", "").split("?", 1)[0]
            print(f"{getattr(self, 'command', '-')} {path} {code}", file=sys.stderr, flush=True)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        # Timeouts and malformed request lines: the client got its answer (or left), and the
        # raw request line is not worth the risk of echoing client data.
        return

    def log_error(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        # Werkzeug routes http.server's errors ("Bad request syntax ('...')") to its logger
        # here, bypassing log_message; they quote client bytes, so they are dropped too.
        return

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Answer http.server's own refusals (a malformed request line, oversized headers)
        in JSON like every other error, without quoting the client's bytes."""
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "error"
        body = json.dumps({"error": phrase.lower()}).encode()
        self.close_connection = True
        self.send_response(code, phrase)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)


class _Discard:
    def __call__(self, data: bytes, /) -> object:
        return None


_discard = _Discard()


def _drain(body: Readable) -> bool:
    """Read and discard the rest of the request body; False if it could not be finished.

    A declared remainder over the budget is not read at all: the connection is closed
    instead, so a refused oversized upload costs neither memory nor a wait for its bytes.
    """
    budget = _DRAIN_BUDGET
    if isinstance(body, LimitedStream) and body.limit - body.tell() > budget:
        return False
    try:
        while chunk := body.read(64 * 1024):
            budget -= len(chunk)
            if budget < 0:
                return False
    except (ClientDisconnected, OSError, ValueError):
        return False
    return True


def _shutdown(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
