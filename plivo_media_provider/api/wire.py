"""What goes on the wire for the client: the multipart upload body and the retry policy.

Both are urllib3 objects; :mod:`.client`, which with :mod:`.transport` alone knows
``requests``, mounts them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

import urllib3
from urllib3.filepost import choose_boundary
from urllib3.util.retry import Retry

from ..cancel import CANCEL
from .media import UploadFile

RETRY_AFTER_MAX = 60.0
"""The longest ``Retry-After`` wait honoured, in seconds; a longer one is cut to this."""


class MultipartBody:
    """A ``multipart/form-data`` upload body sent part by part, never joined into one buffer.

    requests' ``files=`` copies every file into one body (2 MB more per upload in flight);
    this sends the same bytes straight from each ``UploadFile.content``, with the part
    headers ``files=`` writes except for the quoting of the file name (:func:`quoted_param`).
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
    ``deadline`` (a ``time.monotonic()`` value) ends the retries once the next wait would pass
    it, and ``Retry-After`` is honoured up to :data:`RETRY_AFTER_MAX` and the deadline.
    """

    def __init__(self, *args: Any, deadline: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def new(self, **kw: Any) -> PlivoRetry:
        kw.setdefault("deadline", self.deadline)
        return super().new(**kw)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if method.upper() == "POST":
            return bool(self.total) and status_code == 429
        return super().is_retry(method, status_code, has_retry_after)

    def _remaining(self) -> float:
        return float("inf") if self.deadline is None else self.deadline - time.monotonic()

    def get_retry_after(self, response: urllib3.BaseHTTPResponse) -> float | None:
        wait = super().get_retry_after(response)
        return None if wait is None else max(0.0, min(wait, RETRY_AFTER_MAX, self._remaining()))

    def sleep(self, response: urllib3.BaseHTTPResponse | None = None) -> None:
        """Wait before a retry as urllib3 does (``Retry-After``, else the backoff), through
        :data:`~..cancel.CANCEL`, so the engine's Cancel ends the wait and sends no retry."""
        wait = self.get_retry_after(response) if (
            self.respect_retry_after_header and response is not None) else None
        CANCEL.sleep(wait or self.get_backoff_time())
        CANCEL.check()

    def is_exhausted(self) -> bool:
        return super().is_exhausted() or self.get_backoff_time() >= self._remaining()
