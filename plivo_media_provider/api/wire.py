"""What goes on the wire for the client: the multipart upload body and the retry policy.

Both are urllib3 objects; :mod:`.client`, which with :mod:`.transport` alone knows
``requests``, mounts them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any

import urllib3
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import MaxRetryError, NewConnectionError, ResponseError
from urllib3.filepost import choose_boundary
from urllib3.util.retry import Retry

from ..cancel import CANCEL
from .deadline import pause
from .media import UploadFile

RETRY_AFTER_MAX = 60.0
"""The longest ``Retry-After`` wait honoured, in seconds; a longer one is cut to this."""


class MultipartBody:
    """A ``multipart/form-data`` upload body sent part by part, never joined into one buffer.

    requests' ``files=`` copies every file into one body (a second copy of each file, up to
    2 MiB (2,097,152 bytes) more per file in flight); this sends the same bytes straight from
    each ``UploadFile.content``, with the part headers ``files=`` writes except for the
    quoting of the file name (:func:`quoted_param`).
    It has a length, so the request carries a Content-Length rather than chunked encoding,
    and it can be iterated again, so urllib3 can resend it when it retries a 429.
    """

    def __init__(self, files: Sequence[UploadFile]) -> None:
        boundary = choose_boundary()
        self.content_type = f"multipart/form-data; boundary={boundary}"
        # Each file's content is one part; the text between them is joined, so a one-file
        # upload is three writes to the socket (each write releases and retakes the GIL).
        parts: list[bytes] = []
        text = ""
        for file in files:
            disposition = f'form-data; name="file"; {quoted_param("filename", file.file_name)}'
            text += (f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                     f"Content-Type: {file.content_type}\r\n\r\n")
            parts += [text.encode(), file.content]
            text = "\r\n"
        parts.append(f"{text}--{boundary}--\r\n".encode())
        self._parts = tuple(parts)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._parts)

    def __len__(self) -> int:
        return sum(len(part) for part in self._parts)


def quoted_param(name: str, value: str | bytes) -> str:
    """A multipart header parameter as an RFC 7230 quoted-string: ``\\`` and ``"`` escaped.

    urllib3's default (the HTML5 form encoding) writes ``"`` as ``%22`` and leaves ``%``
    alone, so a file literally named ``a%22b.png`` cannot be told from ``a"b.png``. A
    backslash escape is unambiguous; non-ASCII names are sent as UTF-8, as browsers do.
    """
    text = value.decode("utf-8") if isinstance(value, bytes) else value
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'{name}="{escaped}"'


class PlivoRetry(Retry):
    """urllib3 ``Retry`` that lets an upload be retried only on a 429, within a deadline.

    Reads and broken connections are never retried for POST because ``allowed_methods``
    excludes it; connection failures before anything was sent are retried for every method.
    ``deadline`` (a ``time.monotonic()`` value) ends the retries when the next wait (the
    backoff, or ``Retry-After`` up to :data:`RETRY_AFTER_MAX`) would end at or after it: that
    wait is not started, and the last answer or error stands. With ``fail_fast``, a
    connection refused or a host name that does not resolve is not retried at all: the
    client sets it until its host has answered once, so a wrong URL or a server that is not
    there fails at once, while a server that answered before and drops out for a moment (a
    restart) is retried. Every wait is :func:`.deadline.pause`.
    """

    def __init__(
        self, *args: Any, deadline: float | None = None, fail_fast: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline
        self.fail_fast = fail_fast
        self._wait = 0.0

    def new(self, **kw: Any) -> PlivoRetry:
        kw.setdefault("deadline", self.deadline)
        kw.setdefault("fail_fast", self.fail_fast)
        return super().new(**kw)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if method.upper() == "POST":
            return bool(self.total) and status_code == 429
        return super().is_retry(method, status_code, has_retry_after)

    def get_retry_after(self, response: urllib3.BaseHTTPResponse) -> float | None:
        wait = super().get_retry_after(response)
        return None if wait is None else max(0.0, min(wait, RETRY_AFTER_MAX))

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: urllib3.BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> PlivoRetry:
        if self.fail_fast and isinstance(error, NewConnectionError):
            raise MaxRetryError(_pool, url, error) from error  # type: ignore[arg-type]
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        wait = retry.get_backoff_time()
        if self.respect_retry_after_header and response is not None:
            wait = retry.get_retry_after(response) or wait
        if self.deadline is not None and time.monotonic() + wait >= self.deadline:
            reason = error or ResponseError(
                ResponseError.SPECIFIC_ERROR.format(status_code=response.status)
                if response is not None else ResponseError.GENERIC_ERROR)
            raise MaxRetryError(_pool, url, reason) from reason  # type: ignore[arg-type]
        retry._wait = wait
        return retry

    def sleep(self, response: urllib3.BaseHTTPResponse | None = None) -> None:
        """Wait as :meth:`increment` decided, through the one bounded wait; once the engine
        has cancelled the run, the wait ends and no retry is sent."""
        pause(self._wait, self.deadline)
        CANCEL.check()
