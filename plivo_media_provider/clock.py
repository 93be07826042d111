"""The one wall clock of the provider, drift, ls and the upload protocol.

Everything that judges an age or an expiry asks :data:`CLOCK`. Tests, and the test kit,
pin it instead of patching module attributes::

    with CLOCK.pinned(datetime(2026, 1, 1, tzinfo=timezone.utc)):
        ...

A pin is process-wide, not per thread, because the provider's calls run on the SDK server's
worker threads while the test that pinned the clock waits on the main thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

Source = Callable[[], datetime]


class Clock:
    """UTC now, from the system or from whatever a ``pinned`` block gives it."""

    def __init__(self) -> None:
        self._source: Source | None = None

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        source = self._source
        return datetime.now(timezone.utc) if source is None else source()

    @contextmanager
    def pinned(self, at: datetime | Source) -> Iterator[Clock]:
        """Within the block, ``now()`` is ``at`` (a fixed aware time), or what ``at()`` says
        (a function: to follow the emulator's clock, say). Blocks nest; leaving one restores
        the clock it found."""
        if isinstance(at, datetime):
            if at.tzinfo is None:
                raise ValueError(f"pin the clock to an aware time, not the naive {at!r}")
            moment = at

            def source() -> datetime:
                return moment
        else:
            source = at
        previous = self._source
        self._source = source
        try:
            yield self
        finally:
            self._source = previous


CLOCK = Clock()
"""The process's clock. Code reads ``CLOCK.now()``; tests use ``CLOCK.pinned(...)``."""
