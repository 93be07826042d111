"""Per-account sliding-window rate limiting, as Plivo applies to its REST API."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """At most ``limit`` requests per key in any ``window`` seconds of monotonic time."""

    def __init__(
        self, limit: int, window: float, source: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1 or not window > 0:
            raise ValueError("a rate limit needs at least 1 request per a positive window")
        self.limit = limit
        self.window = window
        self._source = source
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> int | None:
        """Record one request for ``key``; None if allowed, else the Retry-After seconds (>= 1).

        A refused request is not recorded, so a client that waits as told gets through.
        """
        now = self._source()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            return None

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


def parse_rate_limit(text: str) -> tuple[int, float]:
    """Parse ``"REQUESTS/SECONDS"`` (e.g. ``"300/5"``) into ``(300, 5.0)``.

    Raises ValueError with a message fit to show a CLI user.
    """
    requests_text, slash, seconds_text = text.strip().partition("/")
    try:
        if not slash:
            raise ValueError
        requests = int(requests_text)
        seconds = float(seconds_text)
    except ValueError:
        raise ValueError(
            f"rate limit {text!r} is not REQUESTS/SECONDS, e.g. 300/5 for 300 requests per 5 s"
        ) from None
    if requests < 1 or not (0 < seconds < math.inf):
        raise ValueError(
            f"rate limit {text!r} needs at least 1 request and a positive, finite window"
        )
    return requests, seconds
