"""How the client's HTTP calls end: answers read within bounds, failures translated.

:func:`translated` is the one place where ``requests`` and ``urllib3`` exceptions become the
package's errors (an error *status* is :mod:`.answers`' business). Credentials never leave
inside an exception: the requests exceptions chained to the package's errors have their
request and response removed (:func:`scrubbed`). :func:`read_body` reads an answer as it
arrives, refusing one over :data:`MAX_ANSWER_BYTES` or still arriving at its deadline (the
connections of :mod:`.deadline` hold every socket operation to it; this is the check for an
answer that comes from elsewhere, such as a test's transport).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests
import urllib3
from urllib3.exceptions import NameResolutionError, NewConnectionError

from ..errors import TransportError, UploadOutcomeUnknown
from ..settings import PULUMI_SOURCES, Sources
from .answers import Answer

MAX_ANSWER_BYTES = 8 * 1024 * 1024
"""The largest answer body read (API JSON or media bytes); a larger one is refused."""
_READ_CHUNK = 64 * 1024


def answer_of(response: requests.Response) -> Answer:
    """What :mod:`.answers` needs of a response: status, headers and reason."""
    return Answer(response.status_code, response.headers, response.reason or "")


class _AnswerTooLarge(Exception):
    """Raised inside :func:`translated`: the answer passed MAX_ANSWER_BYTES."""


class _DeadlinePassed(Exception):
    """Raised inside :func:`translated`: the answer was still arriving at the deadline."""


def read_body(response: requests.Response, operation: str, deadline: float) -> bytes:
    """The answer's body, read as it arrives, refused past MAX_ANSWER_BYTES or the deadline."""
    raw = response.raw
    if not isinstance(raw, urllib3.BaseHTTPResponse):
        return response.content  # an answer built in memory, e.g. by a test's transport
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        response.close()
        raise _AnswerTooLarge(int(declared))
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := raw.read1(_READ_CHUNK):
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise _AnswerTooLarge(size)
            chunks.append(chunk)
            if time.monotonic() > deadline and raw.length_remaining != 0:
                raise _DeadlinePassed(operation)
    except (_AnswerTooLarge, _DeadlinePassed):
        response.close()
        raise
    return b"".join(chunks)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps: its ``reason`` (urllib3), the first exception among its
    args (requests), else its cause or context; eight links at most."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return
        yield seen
        reason = getattr(seen, "reason", None)
        if isinstance(reason, BaseException) and reason is not seen:
            seen = reason
            continue
        args = getattr(seen, "args", ())
        nested = next((a for a in args if isinstance(a, BaseException)), None)
        seen = nested or seen.__cause__ or seen.__context__


def caused_by_connect_failure(exc: BaseException) -> bool:
    """True when the chain shows the TCP connection was never made, so nothing was sent."""
    return any(isinstance(link, (NewConnectionError, requests.exceptions.ConnectTimeout))
               for link in _chain(exc))


def connect_failure_reason(exc: BaseException) -> str:
    """Why a connection was never made, in a few words: the host name does not resolve, the
    connection was refused, or it timed out."""
    for link in _chain(exc):
        if isinstance(link, NameResolutionError):
            return "the host name does not resolve"
        if isinstance(link, ConnectionRefusedError):
            return "connection refused"
        if isinstance(link, OSError) and not isinstance(link, TimeoutError) and link.strerror:
            return link.strerror.lower()
    return "timed out"


def scrubbed(exc: BaseException) -> BaseException:
    """``exc`` with every request and response it carries removed: they hold credentials."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        for attribute in ("request", "response"):
            if getattr(current, attribute, None) is not None:
                setattr(current, attribute, None)
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None),
                  *current.args]
        pending.extend(item for item in linked if isinstance(item, BaseException))
    return exc


@contextmanager
def translated(
    operation: str, *, upload: bool, url: str, file_names: tuple[str, ...] = (),
    sources: Sources = PULUMI_SOURCES, deadline: float | None = None,
) -> Iterator[None]:
    """Translate requests' exceptions into the package's; the one place that does so.

    ``deadline`` (monotonic) is the call's: a failure at or after it says so, naming the
    setting, rather than blaming the network.
    """
    url_setting = sources.name("api_url")
    deadline_setting = sources.name("request_deadline")
    host = re.sub(r"^(https?://[^/]+).*$", r"\1", url)
    names = ", ".join(repr(n) for n in file_names)
    what = f"{operation[:1].upper()}{operation[1:]} at {host}"
    try:
        yield
    except _AnswerTooLarge as exc:
        message = (f"Plivo's answer to {operation} at {host} is over {MAX_ANSWER_BYTES:,} bytes "
                   f"({exc.args[0]:,} read); it was refused unread. Check {url_setting}.")
        if upload:
            raise UploadOutcomeUnknown(f"{message} The upload of {names} may be stored.",
                                       file_names=file_names) from None
        raise TransportError(message) from None
    except _DeadlinePassed:
        message = f"{what} was still arriving at its deadline ({deadline_setting})"
        if upload:
            raise UploadOutcomeUnknown(f"{message}; the upload of {names} may be stored.",
                                       file_names=file_names, timed_out=True) from None
        raise TransportError(f"{message}; check the network and run again.") from None
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as exc:
        scrubbed(exc)
        late = deadline is not None and time.monotonic() >= deadline
        if caused_by_connect_failure(exc):
            why = (f"its deadline ({deadline_setting}) passed" if late
                   else connect_failure_reason(exc))
            raise TransportError(
                f"Could not connect to {host} for {operation} ({why}); nothing was sent. Check "
                f"the API URL ({url_setting}) and the network, then run again."
            ) from exc
        timed_out = late or isinstance(exc, (requests.exceptions.Timeout,
                                             urllib3.exceptions.TimeoutError))
        if late:
            message = f"{what} did not finish by its deadline ({deadline_setting})"
            if upload:
                raise UploadOutcomeUnknown(f"{message}; the upload of {names} may be stored.",
                                           file_names=file_names, timed_out=True) from exc
            raise TransportError(f"{message}; check the network and run again.") from exc
        if upload:
            raise UploadOutcomeUnknown(
                f"The upload of {names} to {host} got no answer ({type(exc).__name__}); "
                "Plivo may or may not have stored it.",
                file_names=file_names, timed_out=timed_out,
            ) from exc
        kind = "timed out" if timed_out else "failed"
        raise TransportError(
            f"{what} {kind} with no answer ({type(exc).__name__}) after retries; check the "
            "network and run again."
        ) from exc
