"""The emulator's WSGI application: Plivo's Media API, public media URLs, and control API.

Request handling order for Plivo API requests (``/v1/...``): count it, apply an injected
fault, check Basic auth and the account in the path, apply the account's rate limit, then
route. Media-bytes URLs (``/Account/{auth_id}/Media/{media_id}``) are public and take faults
but neither auth nor the rate limit. The control API (``/__emulator__/...``) takes none.

A dropped connection is requested from the server by setting :data:`DROP_CONNECTION` in the
WSGI environ; the server then closes the socket without writing the response.
"""

from __future__ import annotations

import hmac
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ..facts import MAX_PAGE_SIZE
from .clock import Clock, isoformat
from .faults import FaultQueue, parse_faults
from .multipart import UploadRejected, read_upload
from .ratelimit import RateLimiter
from .store import MediaRecord, MediaStore

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

DROP_CONNECTION = "plivo_media_emulator.drop_connection"
"""Environ key: when true after the app returns, close the connection without answering."""

MAX_PAGE = MAX_PAGE_SIZE

_ACCOUNT = re.compile(r"^/v1/Account/(?P<account>[^/]+)")
_COLLECTION = re.compile(r"^/v1/Account/(?P<account>[^/]+)/Media/?$")
_ITEM = re.compile(r"^/v1/Account/(?P<account>[^/]+)/Media/(?P<media>[^/]+)/?$")
_BYTES = re.compile(r"^/Account/(?P<account>[^/]+)/Media/(?P<media>[^/]+)/?$")
_CONTROL_MEDIA = re.compile(r"^/__emulator__/media/(?P<media>[^/]+)(?P<sent>/sent)?$")
_MAX_CONTROL_BODY = 64 * 1024
_NO_TOKEN = uuid.uuid4().hex  # compared against when the auth id is unknown


@dataclass
class Stats:
    """Counters reported by ``GET /__emulator__/stats``; thread-safe through ``lock``.

    ``in_flight`` is the Plivo requests being answered now (their latency included), and
    ``max_in_flight`` the most there were at once since the last reset: how many requests
    a client really had open together.
    """

    requests: int = 0
    uploads: int = 0
    connections: int = 0
    delayed: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def bump(self, name: str, amount: int = 1) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + amount)

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Count one request in flight while the block runs."""
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            yield
        finally:
            with self.lock:
                self.in_flight -= 1

    def reset(self) -> None:
        with self.lock:
            self.requests = self.uploads = self.connections = self.delayed = 0
            self.max_in_flight = self.in_flight


class EmulatorApp:
    """The WSGI callable; owns no sockets, only the shared emulator state passed in.

    ``accounts`` maps each auth id the emulator serves to its token; each account sees only
    its own media, and has its own rate limit.
    """

    def __init__(
        self,
        accounts: Mapping[str, str],
        store: MediaStore,
        clock: Clock,
        rate_limiter: RateLimiter | None,
        stats: Stats,
        latency: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._accounts = dict(accounts)
        self.store = store
        self.clock = clock
        self.rate_limiter = rate_limiter
        self.stats = stats
        self.latency = latency
        self._sleep = sleep
        self.faults = FaultQueue()

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        request = Request(environ)
        path = request.path
        if path.startswith("/__emulator__/"):
            response = self._control(request, path.rstrip("/"))
        elif path.startswith(("/v1/", "/Account/")):
            with self.stats.answering():
                response = self._faulted(request, path)
        else:
            response = _error(404, "not found", str(uuid.uuid4()))
        return response(environ, start_response)

    # -- Plivo ---------------------------------------------------------------------------

    def _faulted(self, request: Request, path: str) -> Response:
        is_api = path.startswith("/v1/")
        api_id = str(uuid.uuid4())
        if is_api:
            self.stats.bump("requests")
        if self.latency > 0:
            # One round trip's wait before any answer, faulted ones included, as a client
            # far from Plivo sees it. The connection's handshake is not delayed.
            self.stats.bump("delayed")
            self._sleep(self.latency)
        fault = self.faults.take(request.method, path)
        if fault is not None and fault.status is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.status in (429, 503) else {}
            return _error(fault.status, HTTPStatus(fault.status).phrase.lower(), api_id, headers)
        if fault is not None and fault.drop == "before":
            request.environ[DROP_CONNECTION] = True
            return _error(500, "connection dropped", api_id)  # never sent: the server drops
        if fault is not None and fault.delay is not None:
            time.sleep(fault.delay)
        if is_api:
            response = self._api(request, path, api_id)
        else:
            response = self._bytes(request, path, api_id)
        if fault is not None and fault.drop == "after":
            request.environ[DROP_CONNECTION] = True
        return response

    def _api(self, request: Request, path: str, api_id: str) -> Response:
        account = self._authenticate(request, path, api_id)
        if isinstance(account, Response):
            return account
        if self.rate_limiter is not None:
            retry_after = self.rate_limiter.acquire(account)
            if retry_after is not None:
                return _error(
                    429, "too many requests; slow down and retry after the Retry-After delay",
                    api_id, {"Retry-After": str(retry_after)},
                )
        if match := _COLLECTION.match(path):
            if request.method == "POST":
                return self._upload(request, account, api_id)
            if request.method in ("GET", "HEAD"):
                return self._list(request, account, api_id)
            return _not_allowed("GET, POST", api_id)
        if match := _ITEM.match(path):
            if request.method not in ("GET", "HEAD"):
                return _not_allowed("GET", api_id)
            record = self.store.get(account, match["media"], self.clock.now())
            if record is None:
                return _error(404, "media not found", api_id)
            return _json(200, {"api_id": api_id, **self._describe(request, record)})
        return _error(404, "not found", api_id)

    def _authenticate(self, request: Request, path: str, api_id: str) -> Response | str:
        """The authenticated account's auth id, or the refusal to answer."""
        try:
            credentials = request.authorization
        except ValueError:  # Basic credentials that are not ASCII base64 of UTF-8 text
            return _error(
                401, "the Authorization header is malformed; use HTTP Basic auth with your "
                "auth id and auth token", api_id, {"WWW-Authenticate": 'Basic realm="plivo"'},
            )
        if credentials is None or credentials.type != "basic" or credentials.username is None:
            return _error(
                401, "authentication credentials were not provided; use HTTP Basic auth "
                "with your auth id and auth token", api_id,
                {"WWW-Authenticate": 'Basic realm="plivo"'},
            )
        # Compared in constant time whether or not the account exists.
        expected = self._accounts.get(credentials.username)
        valid = hmac.compare_digest(
            (credentials.password or "").encode(), (expected or _NO_TOKEN).encode()
        ) and expected is not None
        if not valid:
            return _error(401, "invalid auth id or auth token", api_id,
                          {"WWW-Authenticate": 'Basic realm="plivo"'})
        account = _ACCOUNT.match(path)
        if account is not None and account["account"] != credentials.username:
            return _error(401, "the account in the URL is not the authenticated account",
                          api_id)
        return credentials.username

    def _upload(self, request: Request, account: str, api_id: str) -> Response:
        try:
            files = read_upload(request.stream, request.content_type, request.content_length)
        except UploadRejected as exc:
            return _error(400, str(exc), api_id)
        records = self.store.add(account, files, self.clock.now())
        self.stats.bump("uploads", len(records))
        objects = [
            {
                **self._describe(request, record),
                "status": "success",
                "status_code": 201,
            }
            for record in records
        ]
        return _json(200, {"api_id": api_id, "objects": [dict(sorted(o.items())) for o in objects]})

    def _list(self, request: Request, account: str, api_id: str) -> Response:
        try:
            limit = _int_arg(request.args.get("limit"), 20)
            offset = _int_arg(request.args.get("offset"), 0)
        except ValueError:
            return _error(400, "limit and offset must be integers", api_id)
        if not 1 <= limit <= MAX_PAGE:
            return _error(400, f"limit must be between 1 and {MAX_PAGE}", api_id)
        if offset < 0:
            return _error(400, "offset must be 0 or more", api_id)
        records, total = self.store.page(account, limit, offset, self.clock.now())
        base = f"/v1/Account/{account}/Media"
        meta = {
            "limit": limit,
            "next": f"{base}?offset={offset + limit}&limit={limit}"
            if offset + limit < total else None,
            "offset": offset,
            "previous": f"{base}?offset={max(0, offset - limit)}&limit={limit}"
            if offset > 0 else None,
            "total_count": total,
        }
        objects = [self._describe(request, record) for record in records]
        return _json(200, {"api_id": api_id, "meta": meta, "objects": objects})

    def _describe(self, request: Request, record: MediaRecord) -> dict[str, Any]:
        # The host the client used, so URLs stay right across restarts on other ports.
        base = request.host_url.rstrip("/")
        return {
            "content_type": record.content_type,
            "file_name": record.file_name,
            "media_id": record.media_id,
            "media_url": f"{base}/Account/{record.account}/Media/{record.media_id}",
            "size": record.size,
            "upload_time": isoformat(record.upload_time),
        }

    def _bytes(self, request: Request, path: str, api_id: str) -> Response:
        match = _BYTES.match(path)
        if match is None:
            return _error(404, "not found", api_id)
        if request.method not in ("GET", "HEAD"):
            return _not_allowed("GET, HEAD", api_id)
        found = self.store.read(match["account"], match["media"], self.clock.now())
        if found is None:
            return _error(404, "media not found", api_id)
        record, data = found
        return Response(data, 200, content_type=record.content_type)

    # -- control -------------------------------------------------------------------------

    def _control(self, request: Request, path: str) -> Response:
        method = request.method
        now = self.clock.now()
        if path == "/__emulator__/clock" and method == "GET":
            return _json(200, {"now": isoformat(now)})
        if path == "/__emulator__/clock" and method == "POST":
            try:
                body = _json_body(request)
            except ValueError:
                body = None
            seconds = body.get("advance") if isinstance(body, dict) else None
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
                return _error(400, 'send {"advance": seconds}', None)
            try:
                moved = self.clock.advance(float(seconds))
            except ValueError as exc:
                return _error(400, str(exc), None)
            self.store.save_clock_offset(self.clock.offset)
            return _json(200, {"now": isoformat(moved)})
        if match := _CONTROL_MEDIA.match(path):
            if match["sent"] and method == "POST":
                record = self.store.mark_sent(match["media"], now)
                if record is None:
                    return _error(404, "media not found", None)
                return _json(200, {"media_id": record.media_id, "sent": True,
                                   "expires_at": isoformat(record.expires_at)})
            if not match["sent"] and method == "DELETE":
                if not self.store.delete(match["media"], now):
                    return _error(404, "media not found", None)
                return _json(200, {"media_id": match["media"], "deleted": True})
        if path == "/__emulator__/faults":
            if method == "GET":
                return _json(200, {"faults": self.faults.pending()})
            if method == "DELETE":
                self.faults.clear()
                return _json(200, {"faults": []})
            if method == "POST":
                try:
                    self.faults.add(parse_faults(_json_body(request)))
                except ValueError as exc:
                    return _error(400, str(exc), None)
                return _json(200, {"faults": self.faults.pending()})
        if path == "/__emulator__/stats" and method == "GET":
            with self.stats.lock:
                counters = {"requests": self.stats.requests, "uploads": self.stats.uploads,
                            "connections": self.stats.connections,
                            "delayed": self.stats.delayed,
                            "max_in_flight": self.stats.max_in_flight}
            return _json(200, {**counters, "media": self.store.count(now)})
        if path == "/__emulator__/reset" and method == "POST":
            self.store.clear()
            self.faults.clear()
            self.stats.reset()
            self.clock.reset()
            self.store.save_clock_offset(0.0)
            if self.rate_limiter is not None:
                self.rate_limiter.reset()
            return _json(200, {"reset": True})
        return _error(404, "no such control endpoint or method", None)


def _json_body(request: Request) -> object:
    """The request's JSON body; ValueError (JSONDecodeError) when it is not JSON."""
    if (request.content_length or 0) > _MAX_CONTROL_BODY:
        raise ValueError("control request body is too large")
    raw = request.get_data(cache=False)
    return json.loads(raw) if raw else None


def _int_arg(value: str | None, default: int) -> int:
    return default if value is None else int(value)


def _json(status: int, body: object, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status, headers, content_type="application/json")


def _error(
    status: int, message: str, api_id: str | None, headers: dict[str, str] | None = None
) -> Response:
    body = {"api_id": api_id, "error": message} if api_id else {"error": message}
    return _json(status, body, headers)


def _not_allowed(allow: str, api_id: str | None) -> Response:
    return _error(405, "method not allowed", api_id, {"Allow": allow})
