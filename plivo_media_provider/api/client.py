"""The HTTP client for Plivo's Media API: with :mod:`.transport`, the only code that knows
``requests``.

Every ``requests``/``urllib3`` failure is translated into the package's error tree in one
place, :func:`.transport.translated`, and every error status in :mod:`.answers`.

Retries belong to urllib3 (``Retry`` mounted through requests' ``HTTPAdapter``), not to a
hand-written loop:

* GETs are retried on connection errors, broken reads, 429 and 5xx, with exponential backoff
  and jitter, honouring ``Retry-After`` up to :data:`RETRY_AFTER_MAX` seconds.
* An upload (POST) is retried only when nothing can have reached Plivo: the connection could
  not be made, or Plivo answered 429. A 503 is not retried: it may come from a gateway after
  Plivo stored the upload. Once the body may have been sent, any answer but a 2xx, a 4xx or
  a connection never made leaves the outcome unknown; :mod:`..uploads.protocol` settles it.
  Redirects of an upload are not followed.

Waiting is bounded: every call has a deadline (``request_deadline``) covering all of it:
connecting, sending, the headers and body of the answer, the retries and the waits between
them (see :mod:`.deadline`), so an answer trickled one byte at a time cannot hold it past
the deadline; and no answer body over :data:`MAX_ANSWER_BYTES` is read. Until its host has
answered once, a connection refused or a host name that does not resolve fails at once
(nothing was sent); after that it is retried, as a restart mid-run needs.

Every API answer's ``Date`` header, and the ``upload_time`` of media just uploaded, teach
the client's :class:`.plivo_clock.PlivoClock` how far this machine's clock is from Plivo's.

Credentials never leave this module inside an exception: the requests exceptions chained to
the package's errors have their request and response removed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests

from .._version import __version__
from ..cancel import CANCEL
from ..clock import CLOCK
from ..errors import UnexpectedResponse
from ..facts import MAX_FILES_PER_UPLOAD, MAX_PAGE_SIZE
from ..settings import (
    DEFAULT_API_URL,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_REQUEST_DEADLINE,
    PULUMI_SOURCES,
    RetryPolicy,
    Settings,
    Sources,
)
from .answers import json_problem, raise_for_status, summary
from .deadline import bounded_by
from .media import (
    Media,
    MediaPage,
    UploadFile,
    format_time,
    parse_upload_time,
    read_upload_answer,
)
from .plivo_clock import PlivoClock
from .sessions import ThreadSessions, origin
from .transport import MAX_ANSWER_BYTES, answer_of, read_body, translated
from .wire import RETRY_AFTER_MAX, MultipartBody, PlivoRetry

__all__ = [
    "MAX_ANSWER_BYTES",
    "MAX_PAGE_SIZE",
    "RETRY_AFTER_MAX",
    "Media",
    "MediaClient",
    "MediaPage",
    "UploadFile",
    "format_time",
    "parse_upload_time",
]

USER_AGENT = f"plivo-media-provider/{__version__}"

class MediaClient:
    """A client for one Plivo account's Media API.

    Thread safety: one instance may be shared by any number of threads. Each thread gets its
    own ``requests.Session``, kept alive between calls, and the environment's proxy and CA
    settings are merged once per thread and host (see :mod:`.sessions`). ``.netrc`` is not
    read: the API gets the client's credentials, and media downloads get none.
    """

    def __init__(
        self,
        auth_id: str,
        auth_token: str,
        api_url: str = DEFAULT_API_URL,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        request_deadline: float = DEFAULT_REQUEST_DEADLINE,
        retries: int = RetryPolicy.retries,
        backoff_factor: float = RetryPolicy.backoff_factor,
        backoff_max: float = RetryPolicy.backoff_max,
        session_factory: Callable[[], requests.Session] = requests.Session,
        sources: Sources = PULUMI_SOURCES,
    ) -> None:
        self.auth_id = auth_id
        self.sources = sources
        """The settings the caller reads, for messages: see :class:`.settings.Sources`."""
        self._auth = (auth_id, auth_token)
        self.api_url = api_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.request_deadline = request_deadline
        self._retry = PlivoRetry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            other=0,
            allowed_methods=frozenset({"GET", "HEAD"}),
            status_forcelist=frozenset({429, 500, 502, 503, 504}),
            backoff_factor=backoff_factor,
            backoff_max=backoff_max,
            backoff_jitter=backoff_factor,
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        self._sessions = ThreadSessions(
            session_factory, self._retry,
            {"User-Agent": USER_AGENT, "Accept": "application/json"},
        )
        self._answered: set[str] = set()
        """Origins that have answered this client: a refused connection to one of them is
        a restart worth retrying, not a wrong URL."""
        self.plivo_clock = PlivoClock()
        """How far this machine's clock is from the API's, learnt from its answers."""

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        session_factory: Callable[[], requests.Session] = requests.Session,
    ) -> MediaClient:
        """A client with every timeout and the retry policy taken from ``settings``.

        ``session_factory`` makes each thread's ``requests.Session``; the client then sets
        its headers and mounts its retrying adapter on it. It is the transport seam: a test
        passes a Session subclass whose ``send`` answers, instead of patching requests.
        """
        return cls(
            settings.auth_id, settings.auth_token, settings.api_url,
            read_timeout=settings.read_timeout, request_deadline=settings.request_deadline,
            retries=settings.retry.retries, backoff_factor=settings.retry.backoff_factor,
            backoff_max=settings.retry.backoff_max, session_factory=session_factory,
            sources=settings.sources,
        )

    def __repr__(self) -> str:
        return f"MediaClient(auth_id={self.auth_id!r}, api_url={self.api_url!r})"

    def __enter__(self) -> MediaClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every thread's session and its pooled connections."""
        self._sessions.close()

    def _media_path(self, media_id: str | None = None) -> str:
        base = f"{self.api_url}/v1/Account/{quote(self.auth_id, safe='')}/Media/"
        return base if media_id is None else f"{base}{quote(media_id, safe='')}/"

    # -- operations -------------------------------------------------------------------------

    def upload(self, files: Sequence[UploadFile]) -> list[Media]:
        """Upload 1 to 10 files in one request; return their media in input order.

        Raises UploadOutcomeUnknown if the request may have reached Plivo but no answer
        arrived, and UnexpectedResponse or ServerError for an answer that does not prove what
        happened (5xx, a redirect, an unreadable 2xx, or objects that do not match the files
        sent by name and size): in these cases Plivo may have stored the files. If Plivo
        refused some files and stored the others, UploadPartlyRefused carries the stored
        media in ``stored``. In every other failure, nothing was uploaded by this call.
        """
        if not 1 <= len(files) <= MAX_FILES_PER_UPLOAD:
            raise ValueError(
                f"upload takes 1 to {MAX_FILES_PER_UPLOAD} files per request, got {len(files)}"
            )
        names = tuple(f.file_name for f in files)
        upload = MultipartBody(files)
        body, sent, received = self._exchange(
            "POST", self._media_path(), "upload", file_names=names, data=upload,
            headers={"Content-Type": upload.content_type}, allow_redirects=False,
        )
        stored, problem = read_upload_answer(files, body)
        for landed in stored:
            if landed is not None:  # stored between sending and the answer, by Plivo's clock
                self.plivo_clock.observe(landed.upload_time, sent, received)
        if problem is not None:
            raise problem
        return [m for m in stored if m is not None]

    def get(self, media_id: str) -> Media:
        """Return one media; raises MediaNotFound if Plivo has no media with that id."""
        body = self._request("GET", self._media_path(media_id), f"retrieve media {media_id}")
        return Media.from_json(body)

    def list_page(self, limit: int = MAX_PAGE_SIZE, offset: int = 0) -> MediaPage:
        """Return one page of the account's media, in the list's order (Plivo does not say
        which: see :mod:`.order`); ``limit`` is 1 to 20."""
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be 1 to {MAX_PAGE_SIZE}, got {limit}")
        body = self._request(
            "GET", self._media_path(), "list media", params={"limit": limit, "offset": offset}
        )
        meta, listed = body.get("meta"), body.get("objects")
        if not isinstance(meta, dict) or not isinstance(listed, list):
            raise UnexpectedResponse(
                f"The API at {self.api_url} answered list media with JSON that is not Plivo's "
                f"media list (no 'meta' object and 'objects' list; keys {sorted(body)[:6]}).",
                status=200, api_id=body.get("api_id"),
            )
        objects = tuple(Media.from_json(o) for o in listed)
        try:
            return MediaPage(
                objects=objects,
                limit=int(meta.get("limit", limit)),
                offset=int(meta.get("offset", offset)),
                total_count=int(meta.get("total_count", len(objects))),
            )
        except (TypeError, ValueError):
            raise UnexpectedResponse(
                f"Plivo answered list media with a page whose meta cannot be read: {meta!r:.120}.",
                status=200,
            ) from None

    def iter_media(self, page_size: int = MAX_PAGE_SIZE) -> Iterator[Media]:
        """Yield every media of the account in the list's order, one page request at a time.

        Media uploaded while iterating shift later pages; each id is yielded at most once.
        Paging ends at a page that is not full or at ``total_count``; a full page that
        brings no new media (a list that ignores ``offset``) raises UnexpectedResponse
        rather than looping.
        """
        offset = 0
        seen: set[str] = set()
        while True:
            page = self.list_page(page_size, offset)
            fresh = [media for media in page.objects if media.media_id not in seen]
            if page.objects and not fresh:
                raise UnexpectedResponse(
                    f"Plivo's media list repeated itself at offset {offset}: it ignores "
                    f"offset, so it cannot be read to the end; check "
                    f"{self.sources.name('api_url')}.",
                    status=200,
                )
            for media in fresh:
                seen.add(media.media_id)
                yield media
            offset += len(page.objects)
            if len(page.objects) < page_size or offset >= page.total_count:
                return

    def download(self, media: Media) -> bytes:
        """Return the bytes served at ``media.media_url`` (a public URL: no credentials sent)."""
        operation = f"download media {media.media_id}"
        deadline = time.monotonic() + self.request_deadline
        with translated(operation, upload=False, url=media.media_url, sources=self.sources,
                        deadline=deadline), bounded_by(deadline):
            response = self._send("GET", media.media_url, deadline)
            body = read_body(response, operation, deadline)
        if response.status_code != 200:
            raise_for_status(answer_of(response), body, operation, sources=self.sources)
        return body

    # -- transport --------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        url: str,
        deadline: float,
        *,
        auth: tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        allow_redirects: bool = True,
    ) -> requests.Response:
        """One call, its retries bounded by ``deadline``; the body is left to be streamed.

        The request is prepared here and handed to ``Session.send``, as Plivo's own SDK
        does, rather than through ``Session.request``: that merges seven settings per call
        through runtime Protocol checks, and with the environment read once per host
        (:meth:`.ThreadSessions.environment_for`) nothing is left for it to merge. The
        session's headers, cookies and adapters still apply.
        """
        CANCEL.check()
        where = origin(url)
        session = self._sessions.current(
            self._retry.new(deadline=deadline, fail_fast=where not in self._answered))
        prepared = requests.Request(
            method, url, headers={**session.headers, **(headers or {})}, params=params,
            data=data, auth=auth, cookies=session.cookies,
        ).prepare()
        response = session.send(
            prepared, timeout=self.timeout, stream=True,
            allow_redirects=allow_redirects, **self._sessions.environment_for(session, url),
        )
        self._answered.add(where)
        return response

    def _request(
        self,
        method: str,
        url: str,
        operation: str,
        file_names: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> dict[str, Any]:
        return self._exchange(method, url, operation, file_names, **kwargs)[0]

    def _exchange(
        self,
        method: str,
        url: str,
        operation: str,
        file_names: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> tuple[dict[str, Any], datetime, datetime]:
        """One API call: its JSON object, and this machine's times (``CLOCK``) when it was
        sent and when the answer's headers arrived. The answer's ``Date`` is observed."""
        upload = method == "POST"
        deadline = time.monotonic() + self.request_deadline
        sent = CLOCK.now()
        with translated(operation, upload=upload, url=url, file_names=file_names,
                        sources=self.sources, deadline=deadline), bounded_by(deadline):
            response = self._send(method, url, deadline, auth=self._auth, **kwargs)
            received = CLOCK.now()
            self.plivo_clock.observe_date(response.headers.get("Date"), sent, received)
            content = read_body(response, operation, deadline)
        if not 200 <= response.status_code < 300:
            collection = method == "GET" and url == self._media_path()  # the list
            raise_for_status(answer_of(response), content, operation, sources=self.sources,
                             base_url=self.api_url if collection else None)
        try:
            body = json.loads(content)
        except ValueError:
            raise UnexpectedResponse(
                f"Plivo answered {operation} with HTTP {response.status_code} but the body is "
                f"{json_problem(content)}: {summary(answer_of(response), content)}.",
                status=response.status_code,
            ) from None
        if not isinstance(body, dict):
            raise UnexpectedResponse(
                f"Plivo answered {operation} with JSON that is not an object: "
                f"{summary(answer_of(response), content)}.",
                status=response.status_code,
            )
        return body, sent, received

