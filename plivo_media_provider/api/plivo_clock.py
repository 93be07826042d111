"""Plivo's clock, learnt from its answers: how far this machine's clock is off from it.

Plivo stamps media with its own clock (``upload_time``) and expires unsent media by it, so
every comparison of an upload time with "now" must use Plivo's now, not this machine's: a
CI runner drifts, and a VM restored from a snapshot can be minutes off. Each API answer
carries a ``Date`` header (whole seconds), and an upload's answer the ``upload_time`` of the
media just stored. Either, with this machine's times (:data:`~..clock.CLOCK`) when the
request left and when its answer arrived, bounds the *offset*: Plivo's time minus ours.

:class:`PlivoClock` keeps the interval that every recent observation agrees with. One that
agrees narrows it; one that does not (this clock was stepped, or a test moved it) replaces
it. The offset used is the value in that interval nearest zero: this machine's clock is
trusted wherever the answers cannot show it wrong, and corrected by no more than they show,
so equal clocks compare exactly and a clock minutes off is corrected to within a second or
two. An observation that brackets more than :data:`MAX_UNCERTAINTY` (a slow answer) is
ignored. Until an answer has arrived the offset is unknown (``None``) and Plivo's time is
taken to be this machine's.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from ..clock import CLOCK

CLOCK_WARN_OFFSET = timedelta(minutes=2)
"""An offset larger than this is worth one warning: beyond it, tools that trust this
machine's clock (and people reading its logs) are misled."""

MAX_UNCERTAINTY = timedelta(seconds=30)
"""An observation that bounds the offset less tightly than this is ignored; the search for
an upload allows a minute either way, so a bound this wide would add nothing."""

_DATE_RESOLUTION = timedelta(seconds=1)


def _words(delta: timedelta) -> str:
    seconds = round(abs(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


class PlivoClock:
    """The offset between one API's clock and this machine's, shared by every thread."""

    def __init__(self, *, warn_over: timedelta = CLOCK_WARN_OFFSET) -> None:
        self.warn_over = warn_over
        self._lock = threading.Lock()
        self._bounds: tuple[timedelta, timedelta] | None = None
        self._warned = False
        self._warning: str | None = None
        self._asked = False

    def observe(
        self,
        plivo_time: datetime,
        sent: datetime,
        received: datetime,
        resolution: timedelta = timedelta(0),
    ) -> None:
        """Plivo's clock read ``plivo_time`` (or up to ``resolution`` later: a ``Date`` header
        drops the fraction) at some moment between ``sent`` and ``received`` on this
        machine's clock."""
        low, high = plivo_time - received, plivo_time + resolution - sent
        if high < low or high - low > MAX_UNCERTAINTY:
            return  # this clock went backwards meanwhile, or the answer was too slow to tell
        with self._lock:
            known = self._bounds
            if known is not None and max(low, known[0]) <= min(high, known[1]):
                low, high = max(low, known[0]), min(high, known[1])
            self._bounds = (low, high)
            offset = self._offset_locked()
            if offset is not None and abs(offset) > self.warn_over and not self._warned:
                self._warned = True
                way = "behind" if offset > timedelta(0) else "ahead of"
                middle = (low + high) / 2  # what to say: the best guess, not the cautious one
                self._warning = (
                    f"This machine's clock is about {_words(middle)} {way} Plivo's (learnt "
                    "from its answers); upload times and expiries are judged by Plivo's clock, "
                    "but set this clock right (NTP), as other tools trust it."
                )

    def observe_date(self, header: str | None, sent: datetime, received: datetime) -> None:
        """Observe an answer's ``Date`` header (RFC 9110 HTTP-date); a missing or unreadable
        one is ignored."""
        if not header:
            return
        try:
            told = parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError):
            return
        if told.tzinfo is None:
            told = told.replace(tzinfo=timezone.utc)
        self.observe(told, sent, received, _DATE_RESOLUTION)

    def _offset_locked(self) -> timedelta | None:
        if self._bounds is None:
            return None
        low, high = self._bounds
        return low if low > timedelta(0) else high if high < timedelta(0) else timedelta(0)

    @property
    def offset(self) -> timedelta | None:
        """Plivo's time minus this machine's, or None before any answer told it."""
        with self._lock:
            return self._offset_locked()

    def plivo_time(self, local: datetime) -> datetime:
        """``local`` (a time on this machine's clock) on Plivo's clock, as far as known."""
        return local + (self.offset or timedelta(0))

    def now(self) -> datetime:
        """Plivo's time now, as far as known: ``CLOCK.now()`` corrected by the offset."""
        return self.plivo_time(CLOCK.now())

    def first_ask(self) -> bool:
        """True the first time only: the caller that gets it asks Plivo (a request whose
        answer the client observes); later callers take the offset as it then stands."""
        with self._lock:
            first, self._asked = not self._asked, True
            return first

    def take_warning(self) -> str | None:
        """The one-line warning about a large offset, once per clock; None otherwise."""
        with self._lock:
            warning, self._warning = self._warning, None
            return warning
