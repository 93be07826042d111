"""A local emulator of Plivo's MMS Media API, faithful enough that a Plivo client cannot tell.

Plivo endpoints (HTTP Basic ``auth_id:auth_token``; trailing slash optional). The emulator
serves one account (``auth_id``) or several (``accounts``; ``--account ID:TOKEN`` on the
command line), each with its own media, list and rate limit, as Plivo's subaccounts are:

- ``POST /v1/Account/{auth_id}/Media/``: multipart upload of 1 to 10 ``file`` parts; 200.
- ``GET /v1/Account/{auth_id}/Media/{media_id}/``: one media's details; 404 if unknown.
- ``GET /v1/Account/{auth_id}/Media/?limit=&offset=``: newest first, at most 20 a page.
- ``GET /Account/{auth_id}/Media/{media_id}``: the bytes, public, as Plivo's media URLs are.

Errors are ``{"api_id": ..., "error": ...}`` with 400, 401, 404, 405 (media cannot be
deleted through the API) or 429 (per-account rate limit, with ``Retry-After``). Unsent media
expires 6 hours after upload and sent media after a year, by the emulator's clock.

The control API is **not part of Plivo**; it exists so tests can steer the emulator. It
needs no auth and is neither rate limited nor subject to faults:

- ``GET|POST /__emulator__/clock``: read the clock, or advance it with ``{"advance": s}``.
- ``POST /__emulator__/media/{id}/sent``: mark media as sent in an MMS (kept a year).
- ``DELETE /__emulator__/media/{id}``: remove media as if deleted out of band.
- ``GET|POST|DELETE /__emulator__/faults``: list, add or clear injected faults. A fault is
  ``{"method", "path" (prefix), "count", and one of "status" (+ "retry_after"), "delay"
  (seconds) or "drop": "before" | "after"}``; ``{"faults": [...]}`` or a list adds several.
- ``GET /__emulator__/stats``: ``requests`` (Plivo API requests, faulted ones included),
  ``uploads`` (media created), ``media`` (media retained, every account's), ``connections``
  (TCP connections accepted), ``delayed`` (answers held back by the latency),
  ``max_in_flight`` (the most Plivo requests, media URLs included, answered at once).

``latency`` (seconds; ``--latency 60ms`` on the command line) holds back every Plivo answer,
API and media URLs, by that long, to stand in for a client's round trip to Plivo over a
WAN. The control API is never delayed. Only the answer waits: a new connection's handshake
does not, so the figures favour a client that opens many connections.
- ``POST /__emulator__/reset``: forget media, faults, counters, clock offset and rate windows.

A start that cannot happen (a port in use, a host it cannot bind, a data folder it cannot
use) raises :class:`~.startup.StartupError`, one line naming the option; see ``startup``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType

from .app import EmulatorApp, Stats
from .clock import Clock
from .latency import check_latency, parse_latency
from .ratelimit import RateLimiter, parse_rate_limit
from .server import EmulatorServer
from .startup import (
    StartupError,
    bind,
    check_port,
    merge_accounts,
    parse_account,
    remove_ready_file,
    write_ready_file,
)
from .store import MediaStore

__all__ = [
    "DEFAULT_AUTH_ID",
    "DEFAULT_AUTH_TOKEN",
    "DEFAULT_RATE_LIMIT",
    "Emulator",
    "StartupError",
    "parse_account",
    "parse_latency",
    "parse_rate_limit",
    "serve",
]

DEFAULT_AUTH_ID = "MAEMULATOR0000000000"
"""The emulator's demo auth id: 20 characters starting with MA, as Plivo's are."""

DEFAULT_AUTH_TOKEN = "emulator-demo-token"
"""The emulator's demo auth token. It is public, so the emulator may print it."""

DEFAULT_RATE_LIMIT: tuple[int, float] = (300, 5.0)
"""Plivo's limit: 300 requests per account in any 5 seconds."""


class Emulator:
    """A Plivo Media API on a local port, served from a background thread.

    Nothing is bound until :meth:`start`; :meth:`stop` (or leaving the ``with`` block)
    closes every connection and the store. Media lives in memory unless ``data_dir`` is
    given, in which case media, sent marks and the clock offset survive a restart.
    ``rate_limit`` is ``(requests, seconds)`` per account, or None for no limit. ``latency``
    is the seconds every Plivo answer waits (0: none), spent through ``sleep``. ``accounts``
    maps more auth ids to their tokens, beside ``auth_id``'s: each account has its own media.
    A ``port`` outside 0 to 65535, or an account given twice with two tokens, raises
    ValueError.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        auth_id: str = DEFAULT_AUTH_ID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        data_dir: str | os.PathLike[str] | None = None,
        rate_limit: tuple[int, float] | None = DEFAULT_RATE_LIMIT,
        *,
        verbose: bool = False,
        latency: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        accounts: Mapping[str, str] | None = None,
    ) -> None:
        self.host = host
        self._requested_port = check_port(port)
        self.auth_id = auth_id
        self._accounts = merge_accounts(auth_id, auth_token, (accounts or {}).items())
        self.data_dir = data_dir
        self._limiter = RateLimiter(*rate_limit) if rate_limit is not None else None
        self.verbose = verbose
        self.latency = check_latency(latency)
        self._sleep = sleep
        self._server: EmulatorServer | None = None
        self._store: MediaStore | None = None
        self._thread: threading.Thread | None = None

    @property
    def account_ids(self) -> list[str]:
        """Every account's auth id, ``auth_id``'s first."""
        return list(self._accounts)

    @property
    def port(self) -> int:
        """The bound port (the real one when constructed with port 0); needs :meth:`start`."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return self._server.port

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321``; needs :meth:`start`."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> Emulator:
        """Bind and serve in a daemon thread; returns self.

        Raises StartupError (an OSError), naming ``port``, ``host`` or ``data_dir``, if it
        cannot bind or cannot open its store; nothing is left open then.
        """
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        # Bound here, not by Werkzeug, which prints to stderr and exits when it cannot bind.
        listening = bind(self.host, self._requested_port)
        try:
            store = _open_store(self.data_dir)
        except StartupError:
            listening.close()
            raise
        stats = Stats()
        app = EmulatorApp(
            self._accounts, store, Clock(store.load_clock_offset()),
            self._limiter, stats, self.latency, self._sleep,
        )
        try:
            server = EmulatorServer(self.host, self._requested_port, app, stats, self.verbose,
                                    fd=listening.fileno())
        except BaseException:
            store.close()
            raise
        finally:
            listening.close()  # The server listens on its own duplicate of the socket.
        self._store, self._server = store, server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02},
            name=f"plivo-media-emulator:{server.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end every connection, and close the store. Safe to call twice."""
        server, thread, store = self._server, self._thread, self._store
        self._server = self._thread = self._store = None
        if server is not None:
            server.shutdown()
            server.stop_connections()
            if thread is not None:
                thread.join()
            server.server_close()
        if store is not None:
            store.close()

    def __enter__(self) -> Emulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _open_store(data_dir: str | os.PathLike[str] | None) -> MediaStore:
    try:
        return MediaStore(data_dir)
    except (OSError, sqlite3.Error) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise StartupError(
            "data_dir", data_dir, f"cannot hold the emulator's data ({reason})",
            "choose a folder you can write to (it is created if missing)",
        ) from None


def serve(
    host: str = "127.0.0.1",
    port: int = 8099,
    auth_id: str = DEFAULT_AUTH_ID,
    auth_token: str = DEFAULT_AUTH_TOKEN,
    data_dir: str | os.PathLike[str] | None = None,
    rate_limit: tuple[int, float] | None = DEFAULT_RATE_LIMIT,
    *,
    verbose: bool = False,
    latency: float = 0.0,
    ready_file: str | os.PathLike[str] | None = None,
    accounts: Mapping[str, str] | None = None,
) -> None:
    """Run the emulator in the foreground until Ctrl-C, then stop cleanly and return.

    Once the socket listens, writes the URL to ``ready_file`` if given, then prints ``Plivo
    Media emulator listening on URL`` (flushed at once), then the credentials to use. Both
    are readiness signals; the ready file is removed on the way out. A token other than the
    public demo token is never printed, for any account. Raises StartupError if it cannot
    start.
    """
    with Emulator(
        host, port, auth_id, auth_token, data_dir, rate_limit, verbose=verbose, latency=latency,
        accounts=accounts,
    ) as emu:
        shown = auth_token if auth_token == DEFAULT_AUTH_TOKEN else "(the token you gave)"
        limit = ("off" if rate_limit is None
                 else f"{rate_limit[0]} requests / {rate_limit[1]:g} s per account")
        if ready_file is not None:  # First, so a reader of the line below finds the file.
            write_ready_file(ready_file, emu.url)
        print(f"Plivo Media emulator listening on {emu.url}", flush=True)
        print(f"  auth id:    {auth_id}")
        print(f"  auth token: {shown}")
        print(f"  storage:    {data_dir if data_dir is not None else 'in memory'}")
        print(f"  rate limit: {limit}")
        print(f"  latency:    {latency * 1000:g} ms per answer")
        for extra in emu.account_ids[1:]:
            print(f"  account:    {extra} (the token you gave)")
        print("Press Ctrl-C to stop.")
        sys.stdout.flush()
        stop = threading.Event()
        try:
            with _stopped_by_sigterm(stop):
                stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            print("Stopping.", flush=True)
            if ready_file is not None:
                remove_ready_file(ready_file, emu.url)


@contextlib.contextmanager
def _stopped_by_sigterm(stop: threading.Event) -> Iterator[None]:
    """SIGTERM (``kill``, a service manager) stops as cleanly as Ctrl-C does. A shell's
    background job ignores SIGINT, so ``kill %1`` is how a script stops the emulator."""
    if threading.current_thread() is not threading.main_thread():
        yield  # Signal handlers can only be set from the main thread.
        return
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
