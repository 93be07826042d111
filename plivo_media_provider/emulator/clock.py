"""The emulator's clock: real UTC time plus an offset that only moves forward.

Retention (6 hours for unsent media, 1 year for sent media) is judged by this clock, so tests
can jump hours ahead through the control API instead of waiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone

from ..facts import format_time


class Clock:
    """Thread-safe ``source() + offset`` in POSIX seconds; ``advance`` never goes backwards."""

    def __init__(self, offset: float = 0.0, source: Callable[[], float] = time.time) -> None:
        self._offset = offset
        self._source = source
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def now(self) -> float:
        with self._lock:
            return self._source() + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock ``seconds`` (>= 0) ahead and return the new time.

        Raises ValueError for a negative or non-finite amount: media already expired must
        stay expired, so time never runs backwards.
        """
        if not seconds >= 0 or seconds == float("inf"):
            raise ValueError(f"advance must be a finite number of seconds >= 0, not {seconds!r}")
        with self._lock:
            self._offset += seconds
            return self._source() + self._offset

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0


def isoformat(timestamp: float) -> str:
    """``timestamp`` as Plivo writes times: ISO 8601 UTC, 6 fractional digits, ending in Z."""
    return format_time(datetime.fromtimestamp(timestamp, timezone.utc))
