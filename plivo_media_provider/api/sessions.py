"""The client's ``requests`` sessions: one per thread, each set up once.

A :class:`ThreadSessions` gives every thread its own ``requests.Session`` (so no session
state is shared), made by the client's session factory (the transport seam), with the
client's headers and a :class:`~.deadline.DeadlineAdapter` that retries by the client's
policy. Each session keeps its connection alive between calls: a thread reuses one pooled
connection for all its requests instead of opening one per call.

The environment's proxy settings (``HTTPS_PROXY``, ``NO_PROXY``, ...) and CA bundle
(``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``), and a session factory's own ``proxies``,
``verify`` and ``cert``, are honoured as requests merges them, but once per thread and
origin rather than on every request: requests scans the whole environment twice per
request, which was a third of a provider server's CPU during ``pulumi up``. ``.netrc`` is
not read: the API gets the client's credentials, and media downloads get none.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests

from .deadline import DeadlineAdapter
from .wire import PlivoRetry


def origin(url: str) -> str:
    """``scheme://host:port/`` of ``url``: what connections and settings are kept by."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


class ThreadSessions:
    """Every thread's session for one client, made on the thread's first call."""

    def __init__(
        self,
        factory: Callable[[], requests.Session],
        retry: PlivoRetry,
        headers: dict[str, str],
    ) -> None:
        self._factory = factory
        self._retry = retry
        self._headers = headers
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def current(self, retry: PlivoRetry) -> requests.Session:
        """This thread's session, its adapter retrying by ``retry`` for the next call."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._factory()
            session.headers.update(self._headers)
            adapter = DeadlineAdapter(max_retries=self._retry, pool_maxsize=2)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._local.session = session
            self._local.adapter = adapter
            self._local.environment = {}
            with self._lock:
                self._sessions.append(session)
        self._local.adapter.max_retries = retry
        return session

    def environment_for(self, session: requests.Session, url: str) -> dict[str, Any]:
        """``proxies``, ``verify`` and ``cert`` for ``url``, merged by requests itself from
        the session's own settings and, when its ``trust_env`` is on, the environment; once
        per thread's session and origin."""
        where = origin(url)
        cache: dict[str, dict[str, Any]] = self._local.environment
        found = cache.get(where)
        if found is None:
            merged = session.merge_environment_settings(where, {}, None, None, None)
            found = {key: merged[key] for key in ("proxies", "verify", "cert")}
            cache[where] = found
        return found

    def close(self) -> None:
        """Close every thread's session and its pooled connections."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()
