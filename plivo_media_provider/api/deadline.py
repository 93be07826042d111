"""One deadline per API call, held on every byte and every wait.

A call's deadline (``requestDeadline`` seconds after it starts, a ``time.monotonic()``
value) bounds all of it: connecting, sending the request, the status line and headers, the
body, urllib3's retries and the waits between them. Per-operation socket timeouts alone do
not: a server that trickles its answer one byte every half second resets a read timeout
with every byte, headers included. So while a call runs (:func:`bounded_by`), every socket
operation of its connection gets the smaller of its own timeout and the time left, and one
that would start at or after the deadline fails at once as a timeout. The adapter
:class:`DeadlineAdapter` installs the connections that do this.

Not bounded: the host-name lookup, which the system resolver times out (usually 5 s a try),
and connections through a SOCKS proxy.

Every wait of the client and of the upload protocol is :func:`pause`: it sleeps only when
the sleep ends before the deadline, so a wait that would pass it is never started, and it
sleeps through :data:`~..cancel.CANCEL`, so the engine's Cancel ends it at once.
"""

from __future__ import annotations

import http.client
import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError

from ..cancel import CANCEL

_call = threading.local()


def pause(seconds: float, deadline: float | None = None) -> bool:
    """Sleep ``seconds``, unless that would end at or after ``deadline`` (monotonic); return
    whether it slept. The one wait of the client's retries and the upload protocol; a
    cancelled run cuts it short (the caller then finds :data:`~..cancel.CANCEL` set)."""
    if seconds <= 0:
        return True
    if deadline is not None and time.monotonic() + seconds >= deadline:
        return False
    CANCEL.sleep(seconds)
    return True


@contextmanager
def bounded_by(deadline: float) -> Iterator[None]:
    """Within the block, this thread's connections hold every socket operation to
    ``deadline`` (a ``time.monotonic()`` value)."""
    previous = getattr(_call, "deadline", None)
    _call.deadline = deadline
    try:
        yield
    finally:
        _call.deadline = previous


def remaining() -> float | None:
    """Seconds left before this thread's call deadline; None outside :func:`bounded_by`."""
    deadline: float | None = getattr(_call, "deadline", None)
    return None if deadline is None else deadline - time.monotonic()


class DeadlinePassed(TimeoutError):
    """A socket operation would have started at or after the call's deadline."""


def _bounded(timeout: float | None) -> float | None:
    """``timeout`` for the next socket operation, cut to the time left; raises
    DeadlinePassed when none is left."""
    left = remaining()
    if left is None:
        return timeout
    if left <= 0:
        raise DeadlinePassed("the call's deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineIO(io.RawIOBase):
    """Reads an answer from the socket, each read held to the call's deadline.

    Wraps the reader http.client made (``sock.makefile``), whose reference keeps the socket
    open until the answer is read, and reads through its raw socket stream.
    """

    def __init__(self, made: io.BufferedReader, sock: Any, timeout: float | None) -> None:
        super().__init__()
        self._made = made
        self._sock = sock
        self._timeout = timeout

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        self._sock.settimeout(_bounded(self._timeout))
        read: int | None = self._made.raw.readinto(buffer)
        return read

    def close(self) -> None:
        if not self.closed:
            self._made.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    """http.client's response, reading its status line, headers and body within the call's
    deadline when one is set."""

    def __init__(self, sock: Any, debuglevel: int = 0, method: str | None = None,
                 url: str | None = None) -> None:
        super().__init__(sock, debuglevel, method, url)
        if remaining() is not None:
            raw = _DeadlineIO(self.fp, sock, sock.gettimeout())
            self.fp = io.BufferedReader(raw)


class _Bounded:
    """What a deadline-held connection adds to urllib3's: connect and send within the time
    left, and answers read by :class:`_DeadlineResponse`."""

    response_class: type[http.client.HTTPResponse] = _DeadlineResponse
    timeout: Any
    sock: Any
    host: str

    def connect(self) -> None:
        left = remaining()
        if left is not None:
            if left <= 0:
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} not started: the call's deadline passed"
                )
            if not isinstance(self.timeout, (int, float)) or self.timeout > left:
                self.timeout = left
        super().connect()  # type: ignore[misc]

    def send(self, data: Any) -> None:
        if self.sock is not None and remaining() is not None:
            self.sock.settimeout(_bounded(self.timeout if isinstance(
                self.timeout, (int, float)) else None))
        super().send(data)  # type: ignore[misc]


class _HTTPConnection(_Bounded, HTTPConnection):
    pass


class _HTTPSConnection(_Bounded, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


def _hold(manager: Any) -> Any:
    if isinstance(manager, PoolManager):
        manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
    return manager


class DeadlineAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter whose connections hold each call to its deadline (see the module);
    direct and through an HTTP(S) proxy."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _hold(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        known = proxy in self.proxy_manager
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        return manager if known else _hold(manager)
