"""One client per settings per process, shared by every thread that serves MediaFiles.

A :class:`~.client.MediaClient` is thread-safe and pools its connections, so the provider's
worker threads (the dynamic server's four, the plugin's pool) share one per account and API
URL instead of opening connections per call. The cache is keyed by the whole
:class:`~plivo_media_provider.settings.Settings`, so a rotated token gets a new client.
"""

from __future__ import annotations

import threading

from ..settings import Settings
from .client import MediaClient

_clients: dict[Settings, MediaClient] = {}
_clients_lock = threading.Lock()


def client_for(settings: Settings) -> MediaClient:
    """The process's one client for ``settings``, made on first use."""
    with _clients_lock:
        client = _clients.get(settings)
        if client is None:
            client = MediaClient.from_settings(settings)
            _clients[settings] = client
        return client


def close_clients(api_url: str | None = None) -> None:
    """Close and forget this process's cached clients: those for ``api_url``, or all.

    The public reset of the cache: the test kit calls it when its emulator stops, so no
    connection outlives it, and tests call it so no client outlives a test.
    """
    with _clients_lock:
        gone = [s for s in _clients if api_url is None or s.api_url == api_url]
        closing = [_clients.pop(settings) for settings in gone]
    for client in closing:
        client.close()


def cached_api_urls() -> frozenset[str]:
    """The API URLs this process holds clients for (what :func:`close_clients` would close)."""
    with _clients_lock:
        return frozenset(settings.api_url for settings in _clients)
