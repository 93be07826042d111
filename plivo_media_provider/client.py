"""The HTTP client for Plivo's Media API: the only module that knows ``requests``.

Every ``requests``/``urllib3`` failure and every error status is translated into the
package's error tree in one place, :func:`_translated`, and nowhere else.

Retries belong to urllib3 (``Retry`` mounted through requests' ``HTTPAdapter``), not to a
hand-written loop:

* GETs are retried on connection errors, broken reads, 429 and 5xx, with exponential backoff
  and jitter, honouring ``Retry-After``.
* An upload (POST) is retried only when nothing can have reached Plivo: the connection could
  not be made, or Plivo answered 429/503 (it refused the request without storing anything).
  Once the body may have been sent, a broken connection or a read timeout raises
  :class:`UploadOutcomeUnknown` instead, because a blind retry can create a duplicate.
  :meth:`MediaClient.upload_one` settles that case by looking for the upload.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import requests
from urllib3.exceptions import NewConnectionError
from urllib3.fields import RequestField
from urllib3.filepost import choose_boundary
from urllib3.util.retry import Retry

from ._version import __version__
from .content import MAX_FILES_PER_UPLOAD
from .errors import (
    APIError,
    AuthenticationError,
    InvalidRequest,
    MediaNotFound,
    PlivoMediaError,
    RateLimited,
    ReconciliationError,
    ServerError,
    TransportError,
    UploadOutcomeUnknown,
)
from .journal import UploadJournal, UploadKey
from .settings import DEFAULT_API_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, Settings

USER_AGENT = f"plivo-media-provider/{__version__}"
MAX_PAGE_SIZE = 20
RECONCILE_CLOCK_SKEW = timedelta(seconds=60)
"""How far Plivo's clock may lag ours when matching an upload to the attempt that made it."""
RECONCILE_WAIT = 10.0
"""Seconds to keep looking for an upload that timed out: Plivo may still be storing it."""

_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$")


def parse_upload_time(text: str) -> datetime:
    """Parse Plivo's ISO 8601 time: ``Z`` or an offset, and 0 to 9 fractional digits."""
    match = _TIME.match(text.strip())
    if match is None:
        raise ValueError(f"not an ISO 8601 time: {text!r}")
    whole, fraction, zone = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    parsed = datetime.fromisoformat(whole).replace(microsecond=micros)
    if zone in (None, "Z"):
        return parsed.replace(tzinfo=timezone.utc)
    sign = 1 if zone[0] == "+" else -1
    hours, minutes = int(zone[1:3]), int(zone[4:6])
    offset = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return parsed.replace(tzinfo=offset).astimezone(timezone.utc)


def format_time(moment: datetime) -> str:
    """ISO 8601 UTC with microseconds and a trailing ``Z``, as Plivo writes it."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Media:
    """One media object as Plivo describes it."""

    media_id: str
    file_name: str
    content_type: str
    size: int
    upload_time: datetime
    media_url: str

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Media:
        """Build from Plivo's JSON; accepts ``size``/``media_size`` and ``media_url``/``url``."""
        size = obj.get("size", obj.get("media_size"))
        url = obj.get("media_url", obj.get("url"))
        try:
            return cls(
                media_id=str(obj["media_id"]),
                file_name=str(obj.get("file_name", "")),
                content_type=str(obj.get("content_type", "")),
                size=int(size) if size is not None else 0,
                upload_time=parse_upload_time(str(obj["upload_time"])),
                media_url=str(url or ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise APIError(
                f"Plivo returned a media object this client cannot read ({exc}); "
                "the API may have changed.",
                status=200,
            ) from exc


@dataclass(frozen=True)
class UploadFile:
    """One file to upload: the name Plivo shows, its bytes, and its content type.

    ``sha256`` is the bytes' digest; a caller that has just verified it passes it so the
    bytes are not hashed again, otherwise it is computed here.
    """

    file_name: str
    content: bytes
    content_type: str
    sha256: str = ""

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.content).hexdigest())


class _MultipartBody:
    """A ``multipart/form-data`` upload body sent part by part, never joined into one buffer.

    requests' ``files=`` copies every file into one body (2 MB more per upload in flight);
    this sends the same bytes (headers rendered by urllib3's ``RequestField``, as ``files=``
    does) straight from each ``UploadFile.content``. It has a length, so the request carries
    a Content-Length rather than chunked encoding, and it can be iterated again, so urllib3
    can resend it when it retries an upload refused with 429 or 503.
    """

    def __init__(self, files: Sequence[UploadFile]) -> None:
        boundary = choose_boundary()
        self.content_type = f"multipart/form-data; boundary={boundary}"
        parts: list[bytes] = []
        for file in files:
            field = RequestField(name="file", data=b"", filename=file.file_name)
            field.make_multipart(content_type=file.content_type)
            parts += [f"--{boundary}\r\n".encode(), field.render_headers().encode(), file.content,
                      b"\r\n"]
        parts.append(f"--{boundary}--\r\n".encode())
        self._parts = tuple(parts)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._parts)

    def __len__(self) -> int:
        return sum(len(part) for part in self._parts)


@dataclass(frozen=True)
class MediaPage:
    """One page of the media list, newest first."""

    objects: tuple[Media, ...]
    limit: int
    offset: int
    total_count: int


class _PlivoRetry(Retry):
    """urllib3 ``Retry`` that lets an upload be retried only on 429 and 503 answers.

    Reads and broken connections are never retried for POST because ``allowed_methods``
    excludes it; connection failures before anything was sent are retried for every method.
    """

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if method.upper() == "POST":
            return bool(self.total) and status_code in (429, 503)
        return super().is_retry(method, status_code, has_retry_after)


def _caused_by_connect_failure(exc: BaseException) -> bool:
    """True when the chain shows the TCP connection was never made, so nothing was sent."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, (NewConnectionError, requests.exceptions.ConnectTimeout)):
            return True
        reason = getattr(seen, "reason", None)
        if isinstance(reason, BaseException) and reason is not seen:
            seen = reason
            continue
        args = getattr(seen, "args", ())
        nested = next((a for a in args if isinstance(a, BaseException)), None)
        seen = nested or seen.__cause__ or seen.__context__
    return False


class MediaClient:
    """A client for one Plivo account's Media API.

    Thread safety: one instance may be shared by any number of threads. Each thread gets its
    own ``requests.Session`` (held in a ``threading.local``), so no session state is shared,
    and each session keeps its connection alive between calls: a thread reuses one pooled
    connection for all its requests instead of opening one per call.
    """

    def __init__(
        self,
        auth_id: str,
        auth_token: str,
        api_url: str = DEFAULT_API_URL,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        retries: int = 4,
        backoff_factor: float = 0.5,
        backoff_max: float = 10.0,
        reconcile_wait: float = RECONCILE_WAIT,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.auth_id = auth_id
        self._auth = (auth_id, auth_token)
        self.api_url = api_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self._retry = _PlivoRetry(
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
        self.reconcile_wait = reconcile_wait
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> MediaClient:
        options.setdefault("read_timeout", settings.read_timeout)
        return cls(settings.auth_id, settings.auth_token, settings.api_url, **options)

    def __repr__(self) -> str:
        return f"MediaClient(auth_id={self.auth_id!r}, api_url={self.api_url!r})"

    def __enter__(self) -> MediaClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every thread's session and its pooled connections."""
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()

    @property
    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
            session.headers["Accept"] = "application/json"
            adapter = requests.adapters.HTTPAdapter(max_retries=self._retry, pool_maxsize=2)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def _media_path(self, media_id: str | None = None) -> str:
        base = f"{self.api_url}/v1/Account/{quote(self.auth_id, safe='')}/Media/"
        return base if media_id is None else f"{base}{quote(media_id, safe='')}/"

    # -- operations -------------------------------------------------------------------------

    def upload(self, files: Sequence[UploadFile]) -> list[Media]:
        """Upload 1 to 10 files in one request; return their media in input order.

        Raises UploadOutcomeUnknown if the request may have reached Plivo but no answer
        arrived; in every other failure, nothing was uploaded by this call.
        """
        if not 1 <= len(files) <= MAX_FILES_PER_UPLOAD:
            raise ValueError(
                f"upload takes 1 to {MAX_FILES_PER_UPLOAD} files per request, got {len(files)}"
            )
        names = tuple(f.file_name for f in files)
        upload = _MultipartBody(files)
        body = self._request(
            "POST", self._media_path(), "upload", file_names=names, data=upload,
            headers={"Content-Type": upload.content_type},
        )
        objects = body.get("objects")
        if not isinstance(objects, list) or len(objects) != len(files):
            raise APIError(
                f"Plivo answered the upload of {', '.join(names)} without one object per file; "
                "check the account's media list before uploading again.",
                status=200,
                api_id=body.get("api_id"),
            )
        media = []
        for name, obj in zip(names, objects, strict=True):
            if not isinstance(obj, dict) or obj.get("status", "success") != "success":
                reason = obj.get("error") or obj.get("message") if isinstance(obj, dict) else obj
                raise InvalidRequest(
                    f"Plivo refused {name!r} in the upload: {reason}.",
                    status=int(obj.get("status_code", 400)) if isinstance(obj, dict) else 400,
                    api_id=body.get("api_id"),
                    error=str(reason),
                )
            media.append(Media.from_json(obj))
        return media

    def upload_one(self, file: UploadFile, journal: UploadJournal | None = None) -> Media:
        """Upload one file exactly once, settling an unknown outcome instead of guessing.

        If the upload's outcome is unknown, look for it among the newest media: same file
        name and size, uploaded since the attempt started (less ``RECONCILE_CLOCK_SKEW``),
        and the same sha256 once downloaded. One match is adopted; none means the upload
        never landed, so it is sent once more; several raise ReconciliationError naming them.
        After a read timeout Plivo may still be storing the upload, so an empty search is
        repeated for up to ``reconcile_wait`` seconds before "none" is believed.

        If the search itself fails, the attempt is noted in ``journal`` and
        ReconciliationError says the upload may be stored. A later call with the same
        journal first looks for media uploaded since that attempt, and adopts it.
        """
        key = UploadKey(self.auth_id, file.file_name, len(file.content), file.sha256)
        earlier = journal.since(key, self._clock()) if journal is not None else None
        found: Media | None = None
        if earlier is not None:
            try:
                matches = self._search(file, earlier - RECONCILE_CLOCK_SKEW, False)
            except ReconciliationError as err:
                raise self._unsettled(err, key, earlier, journal) from err.__cause__
            found = self._settle(file, matches)
        if found is None:
            started = earlier or self._clock()
            try:
                found = self.upload([file])[0]
            except UploadOutcomeUnknown as unknown:
                timed_out = isinstance(unknown.__cause__, requests.exceptions.Timeout)
                try:
                    matches = self._search(file, started - RECONCILE_CLOCK_SKEW, timed_out)
                except ReconciliationError as err:
                    raise self._unsettled(err, key, started, journal) from err.__cause__
                found = self._settle(file, matches) or self.upload([file])[0]
        if journal is not None:
            journal.settle(key)
        return found

    @staticmethod
    def _unsettled(
        err: ReconciliationError, key: UploadKey, started: datetime, journal: UploadJournal | None
    ) -> ReconciliationError:
        """The error for an upload that may be stored; noted in the journal if there is one."""
        if journal is not None and journal.record(key, started):
            advice = (f"It is noted in {journal.directory}, so running again once Plivo answers "
                      "adopts it instead of uploading it twice.")
        else:
            advice = ("Run again once Plivo answers; if `plivo-media ls` then shows it twice, "
                      "the unused copy expires unsent 6 hours after its upload.")
        return ReconciliationError(f"{err} {advice}")

    @staticmethod
    def _settle(file: UploadFile, matches: list[Media]) -> Media | None:
        """The one media an unknown upload became, None if none, or an error if several."""
        if len(matches) > 1:
            ids = ", ".join(m.media_id for m in matches)
            raise ReconciliationError(
                f"The upload of {file.file_name!r} got no answer and {len(matches)} identical "
                f"media appeared since ({ids}); set adopt_media_id to the one to keep and run "
                "again."
            )
        return matches[0] if matches else None

    def _search(self, file: UploadFile, since: datetime, timed_out: bool) -> list[Media]:
        """``find_uploads``, repeated while it finds nothing and a timed-out upload may land."""
        deadline = time.monotonic() + (self.reconcile_wait if timed_out else 0.0)
        pause = 0.25
        hashes: dict[str, str] = {}
        while True:
            try:
                matches = self.find_uploads(file, since, hashes)
            except PlivoMediaError as exc:
                why = f"HTTP {exc.status}" if isinstance(exc, APIError) else "no answer"
                raise ReconciliationError(
                    f"The upload of {file.file_name!r} got no answer, and asking Plivo whether "
                    f"it stored it failed too ({why}), so it may be stored."
                ) from exc
            remaining = deadline - time.monotonic()
            if matches or remaining <= 0:
                return matches
            time.sleep(min(pause, remaining))
            pause = min(pause * 2, 2.0)

    def find_uploads(
        self, file: UploadFile, since: datetime, hashes: dict[str, str] | None = None
    ) -> list[Media]:
        """Media uploaded at or after ``since`` with ``file``'s name, size and sha256.

        Lists newest first and stops at the first media older than ``since``. Only media
        with the same name and size are downloaded; ``hashes`` (media id to sha256) caches
        their digests across repeated searches.
        """
        hashes = {} if hashes is None else hashes
        found = []
        for media in self.iter_media():
            if media.upload_time < since:
                break
            if media.file_name != file.file_name or media.size != len(file.content):
                continue
            if media.media_id not in hashes:
                hashes[media.media_id] = hashlib.sha256(self.download(media)).hexdigest()
            if hashes[media.media_id] == file.sha256:
                found.append(media)
        return found

    def get(self, media_id: str) -> Media:
        """Return one media; raises MediaNotFound if Plivo has no media with that id."""
        body = self._request("GET", self._media_path(media_id), f"retrieve media {media_id}")
        return Media.from_json(body)

    def list_page(self, limit: int = MAX_PAGE_SIZE, offset: int = 0) -> MediaPage:
        """Return one page of the account's media, newest first; ``limit`` is 1 to 20."""
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be 1 to {MAX_PAGE_SIZE}, got {limit}")
        body = self._request(
            "GET", self._media_path(), "list media", params={"limit": limit, "offset": offset}
        )
        meta = body.get("meta") or {}
        objects = tuple(Media.from_json(o) for o in body.get("objects") or [])
        return MediaPage(
            objects=objects,
            limit=int(meta.get("limit", limit)),
            offset=int(meta.get("offset", offset)),
            total_count=int(meta.get("total_count", len(objects))),
        )

    def iter_media(self, page_size: int = MAX_PAGE_SIZE) -> Iterator[Media]:
        """Yield every media of the account, newest first, one page request at a time.

        Media uploaded while iterating shift later pages; each id is yielded at most once.
        """
        offset = 0
        seen: set[str] = set()
        while True:
            page = self.list_page(page_size, offset)
            for media in page.objects:
                if media.media_id not in seen:
                    seen.add(media.media_id)
                    yield media
            offset += len(page.objects)
            if not page.objects or offset >= page.total_count:
                return

    def download(self, media: Media) -> bytes:
        """Return the bytes served at ``media.media_url`` (a public URL: no credentials sent)."""
        operation = f"download media {media.media_id}"
        with _translated(operation, upload=False, url=media.media_url):
            response = self._session.get(media.media_url, timeout=self.timeout, stream=False)
        if response.status_code != 200:
            _raise_for_status(response, operation)
        return response.content

    # -- transport --------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        url: str,
        operation: str,
        file_names: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> dict[str, Any]:
        upload = method == "POST"
        with _translated(operation, upload=upload, url=url, file_names=file_names):
            response = self._session.request(
                method, url, auth=self._auth, timeout=self.timeout, **kwargs
            )
        if not 200 <= response.status_code < 300:
            _raise_for_status(response, operation)
        try:
            body = response.json()
        except ValueError:
            raise APIError(
                f"Plivo answered {operation} with HTTP {response.status_code} but the body is "
                f"not JSON: {_excerpt(response)!r}.",
                status=response.status_code,
            ) from None
        if not isinstance(body, dict):
            raise APIError(
                f"Plivo answered {operation} with JSON that is not an object: "
                f"{_excerpt(response)!r}.",
                status=response.status_code,
            )
        return body


def _excerpt(response: requests.Response, limit: int = 120) -> str:
    text = response.content[:limit].decode("utf-8", "replace")
    return text + ("…" if len(response.content) > limit else "")


def _raise_for_status(response: requests.Response, operation: str) -> None:
    """Raise the APIError subclass for an error status, with Plivo's ``error`` text."""
    status = response.status_code
    api_id: str | None = None
    try:
        body = response.json()
        error = str(body.get("error")) if isinstance(body, dict) else _excerpt(response)
        api_id = body.get("api_id") if isinstance(body, dict) else None
    except ValueError:
        error = _excerpt(response) or response.reason or "no details"
    ref = f" (api_id {api_id})" if api_id else ""
    if status in (401, 403):
        raise AuthenticationError(
            f"Plivo refused the credentials for {operation} (HTTP {status}: {error}){ref}; check "
            "plivo:authId and plivo:authToken, or PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN.",
            status=status, api_id=api_id, error=error,
        )
    if status == 404:
        raise MediaNotFound(
            f"Plivo has no such media for {operation} (HTTP 404: {error}){ref}; it expired, was "
            "deleted, or the id is wrong.",
            status=status, api_id=api_id, error=error,
        )
    if status == 429:
        retry_after = response.headers.get("Retry-After")
        raise RateLimited(
            f"Plivo's rate limit stopped {operation} (HTTP 429: {error}){ref} even after "
            "retries; wait a minute and run again, or lower the parallelism.",
            status=status, api_id=api_id, error=error,
            retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
        )
    if status >= 500:
        raise ServerError(
            f"Plivo failed on its side during {operation} (HTTP {status}: {error}){ref}; "
            "run again later.",
            status=status, api_id=api_id, error=error,
        )
    if status in (400, 405, 413, 422):
        raise InvalidRequest(
            f"Plivo refused {operation} (HTTP {status}: {error}){ref}.",
            status=status, api_id=api_id, error=error,
        )
    raise APIError(
        f"Plivo answered {operation} with HTTP {status}: {error}{ref}.",
        status=status, api_id=api_id, error=error,
    )


@contextmanager
def _translated(
    operation: str, *, upload: bool, url: str, file_names: tuple[str, ...] = ()
) -> Iterator[None]:
    """Translate requests' exceptions into the package's; the one place that does so."""
    try:
        yield
    except requests.exceptions.RequestException as exc:
        host = re.sub(r"^(https?://[^/]+).*$", r"\1", url)
        if _caused_by_connect_failure(exc):
            raise TransportError(
                f"Could not connect to {host} for {operation}; nothing was sent. Check the API "
                "URL (plivo:apiUrl / PLIVO_API_URL) and the network, then run again."
            ) from exc
        if upload:
            names = ", ".join(repr(n) for n in file_names)
            raise UploadOutcomeUnknown(
                f"The upload of {names} to {host} got no answer ({type(exc).__name__}); "
                "Plivo may or may not have stored it.",
                file_names=file_names,
            ) from exc
        kind = "timed out" if isinstance(exc, requests.exceptions.Timeout) else "failed"
        raise TransportError(
            f"{operation[:1].upper()}{operation[1:]} at {host} {kind} with no answer "
            f"({type(exc).__name__}) after retries; check the network and run again."
        ) from exc
