"""The emulator's control API (not Plivo's), wrapped for tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import requests

from plivo_media_provider.facts import parse_time


class Control:
    """Steer an emulator at ``url``: faults, clock, out-of-band changes, stats."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/") + "/__emulator__"

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = requests.request(method, f"{self.url}{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None

    def fault(self, **fault: Any) -> None:
        self._call("POST", "/faults", fault)

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def advance(self, seconds: float) -> None:
        self._call("POST", "/clock", {"advance": seconds})

    def now(self) -> datetime:
        """The emulator's clock, which judges retention: pin the provider's clock to it."""
        return parse_time(self._call("GET", "/clock")["now"])

    def list_order(self, order: str) -> None:
        """Serve the media list in ``order``: newest-first, oldest-first, media-id, file-name."""
        self._call("POST", "/list-order", {"order": order})

    def mark_sent(self, media_id: str) -> None:
        self._call("POST", f"/media/{media_id}/sent")

    def delete(self, media_id: str) -> None:
        self._call("DELETE", f"/media/{media_id}")

    def stats(self) -> dict[str, int]:
        result: dict[str, int] = self._call("GET", "/stats")
        return result

    def reset(self) -> None:
        self._call("POST", "/reset")
