"""The upload protocol: one file stored exactly once, even when answers are lost.

Plivo has no idempotency keys, so an upload whose answer is lost can only be settled by
looking for it. :class:`Uploader` is a small state machine around one file:

1. **Journaled earlier attempts.** If the journal holds attempts at the same bytes under the
   same name (a run that died, or could not ask Plivo), the media list is searched back to
   the oldest of them first, and a match is adopted.
2. **Write-ahead.** An attempt record is written before the first byte is sent; a journal
   that cannot be written stops the upload before anything is sent (see :mod:`.journal`).
3. **Send.** The answer either settles the attempt or leaves it unknown. Only a connection
   never made or a 4xx (429 included) proves nothing was stored. Everything else is unknown:
   a 5xx (502, 503 and 504 included), a timeout, a reset, a redirect, an unreadable 2xx, or
   objects that do not match the file sent by name and size.
4. **Settle an unknown outcome** by searching the list before anything is sent again; send
   again only when the search proves nothing landed, at most :data:`MAX_SENDS` times in all.
   A search that cannot finish, or a last send still unknown, fails with the attempt kept in
   the journal, so the next run searches instead of uploading a second copy.

Times are Plivo's. The search window starts at the attempt's start on Plivo's clock (this
machine's time corrected by the offset the client learnt from Plivo's answers, see
:mod:`..api.plivo_clock`), less :data:`CLOCK_SKEW`; an attempt journaled by a process that
did not know the offset yet reaches back :data:`RECORD_SKEW` further. The search itself is
:mod:`.search`: it learns the list's order from the pages, reads no further than that order
allows, and is bounded by :data:`SEARCH_MAX_PAGES` and :data:`SEARCH_MAX_SECONDS`. Among
identical matches (twins: same name, size and sha256, all equally good) the oldest is
adopted, ties broken by media id, so every searcher picks the same one. Media with less life
left by Plivo's clock than ``reupload_after`` or :data:`ADOPT_MARGIN` is never adopted: it
would expire or be replaced at once. Every wait is :func:`..api.deadline.pause`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from ..api.client import MediaClient
from ..api.deadline import pause
from ..api.media import Media, UploadFile
from ..clock import CLOCK
from ..errors import (
    APIError,
    PlivoMediaError,
    ReconciliationError,
    TransportError,
    UnexpectedResponse,
    UploadOutcomeUnknown,
)
from ..facts import UNSENT_RETENTION, UNSENT_RETENTION_WORDS
from .journal import Attempt, UploadJournal, UploadKey
from .search import ListSearch, SearchUnfinished

CLOCK_SKEW = timedelta(seconds=60)
"""How far before the attempt's start, on Plivo's clock as this process knows it, the search
reaches: the margin for the offset's error and for an upload time stamped early."""
RECORD_SKEW = timedelta(minutes=15)
"""How much further back the search reaches for an attempt journaled by a process that did
not know Plivo's clock yet: how far that process's clock may have been from this one's."""
ADOPT_MARGIN = timedelta(minutes=30)
"""The least remaining life (before the 6-hour expiry of unsent media) for media to adopt."""
IN_FLIGHT = timedelta(minutes=10)
"""A journaled attempt younger than this may still be running elsewhere, so a search that
does not find it does not settle it."""
SETTLE_WAIT = 10.0
"""Seconds to keep looking for an upload whose answer was late: Plivo may still store it."""
SEARCH_MAX_PAGES = 50
SEARCH_MAX_SECONDS = 60.0
MAX_SENDS = 3


def _nothing_stored(err: PlivoMediaError) -> bool:
    """True when the error proves the upload was not stored: no connection, or a 4xx."""
    if isinstance(err, UploadOutcomeUnknown):
        return False
    if isinstance(err, TransportError):
        return True  # the client raises plain TransportError only for a connection never made
    if isinstance(err, UnexpectedResponse):
        return False
    return isinstance(err, APIError) and 400 <= err.status < 500


def _may_still_land(err: PlivoMediaError) -> bool:
    """True when the answer was late rather than broken, so the upload may land later."""
    if isinstance(err, UploadOutcomeUnknown):
        return err.timed_out
    return isinstance(err, APIError) and err.status == 504


class Uploader:
    """Uploads files through ``client`` by the module's protocol, journaling in ``journal``.

    ``clock`` is this machine's clock (:data:`clock.CLOCK` by default; the client corrects
    it to Plivo's by the offset it has learnt) and ``monotonic`` the one timing searches;
    both are seams for tests. ``settle_wait`` is how long an empty search is repeated after
    a late answer. Without a journal nothing is recorded, and an upload whose outcome stays
    unknown can only say it may be stored.
    """

    def __init__(
        self,
        client: MediaClient,
        journal: UploadJournal | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        settle_wait: float = SETTLE_WAIT,
        max_pages: int = SEARCH_MAX_PAGES,
        max_seconds: float = SEARCH_MAX_SECONDS,
    ) -> None:
        self.client = client
        self.journal = journal
        self._clock = clock or CLOCK.now
        self._monotonic = monotonic
        self.settle_wait = settle_wait
        self.max_pages = max_pages
        self.max_seconds = max_seconds

    def upload(self, file: UploadFile, reupload_after: timedelta | None = None) -> Media:
        """Return the one media holding ``file``: adopted if an earlier attempt stored it,
        else uploaded. Raises JournalUnavailable, having sent nothing, if the journal cannot
        record the attempt; ReconciliationError, with the attempt kept in the journal, if
        the upload may be stored but could not be found; any other error means nothing was
        stored by this call."""
        key = UploadKey(self.client.auth_id, file.file_name, len(file.content), file.sha256)
        if self.journal is not None:
            self.journal.ready()
        now = self._clock()
        life = max(ADOPT_MARGIN, reupload_after or timedelta(0))
        hashes: dict[str, str] = {}
        earlier = self.journal.pending(key, now) if self.journal is not None else []
        if earlier:
            oldest = earlier[0]

            def back() -> datetime:
                return self._reach(oldest.started, oldest.offset, own=False)

            found = self._search(file, back, life, hashes, False, noted=True)
            if found is not None:
                self._settle(earlier)
                return found
            plivo_now = self._plivo(now, None)
            self._settle([a for a in earlier
                          if plivo_now - self._plivo(a.started, a.offset) > IN_FLIGHT])
        offset = self.client.plivo_clock.offset
        attempt = self.journal.begin(key, now, offset) if self.journal is not None else None

        def since() -> datetime:
            reach = self._reach(now, None, own=True)
            return min(reach, self._reach(earlier[0].started, earlier[0].offset, own=False)) \
                if earlier else reach

        for _ in range(MAX_SENDS):
            try:
                [media] = self.client.upload([file])
            except PlivoMediaError as err:
                if _nothing_stored(err):
                    self._settle([attempt])
                    raise
                unknown = err
            else:
                self._settle([attempt])
                return media
            found = self._search(file, since, life, hashes, _may_still_land(unknown),
                                 noted=attempt is not None)
            if found is not None:
                self._settle([attempt])
                return found
        raise self._unsettled(
            file, f"{MAX_SENDS} uploads in a row got no usable answer ({unknown})",
            noted=attempt is not None,
        )

    def _plivo(self, local: datetime, offset: timedelta | None) -> datetime:
        """``local`` on Plivo's clock: by ``offset`` when known, else by the client's."""
        return local + offset if offset is not None else self.client.plivo_clock.plivo_time(local)

    def _reach(self, started: datetime, offset: timedelta | None, *, own: bool) -> datetime:
        """How far back, on Plivo's clock, the search for an attempt started at ``started``
        reaches. A journaled attempt is placed by the ``offset`` its process recorded; this
        process's own (``own``), and one whose process knew no offset, by the client's.
        The reach is widened by RECORD_SKEW when the offset that placed it is not known."""
        known = self.client.plivo_clock.offset is not None if own else offset is not None
        return self._plivo(started, offset) - (CLOCK_SKEW if known else CLOCK_SKEW + RECORD_SKEW)

    def _settle(self, attempts: list[Attempt | None] | list[Attempt]) -> None:
        if self.journal is not None:
            for attempt in attempts:
                if attempt is not None:
                    self.journal.settle(attempt)

    def _unsettled(self, file: UploadFile, why: str, *, noted: bool) -> ReconciliationError:
        """The error for an upload that may be stored; ``noted`` if the journal holds it."""
        if self.journal is not None and noted:
            advice = (f"It is noted in {self.journal.directory}, so running again once Plivo "
                      "answers adopts it instead of uploading it twice.")
        else:
            advice = ("Run again once Plivo answers; if `plivo-media ls` then shows it twice, "
                      f"the unused copy expires unsent {UNSENT_RETENTION_WORDS} after its "
                      "upload.")
        return ReconciliationError(
            f"The upload of {file.file_name!r} may be stored, but {why}. {advice}"
        )

    def _search(
        self,
        file: UploadFile,
        since: Callable[[], datetime],
        life: timedelta,
        hashes: dict[str, str],
        may_still_land: bool,
        *,
        noted: bool,
    ) -> Media | None:
        """The media to adopt for ``file`` uploaded since ``since()`` (Plivo's time), or None
        if none is. After a late answer an empty search is repeated for ``settle_wait``
        seconds."""
        wait_until = self._monotonic() + (self.settle_wait if may_still_land else 0.0)
        step = 0.25
        while True:
            try:
                matches = self.find_uploads(file, since, hashes)
            except SearchUnfinished as exc:
                raise self._unsettled(file, f"searching for it could not finish: {exc}",
                                      noted=noted) from None
            except PlivoMediaError as exc:
                why = f"HTTP {exc.status}" if isinstance(exc, APIError) else "no answer"
                raise self._unsettled(
                    file, f"asking Plivo whether it stored it failed too ({why}: {exc})",
                    noted=noted,
                ) from None
            now = self._plivo(self._clock(), None)
            alive = [m for m in matches if m.upload_time + UNSENT_RETENTION - now >= life]
            if alive:
                return min(alive, key=lambda m: (m.upload_time, m.media_id))
            remaining = wait_until - self._monotonic()
            if remaining <= 0:
                return None
            pause(min(step, remaining))
            step = min(step * 2, 2.0)

    def find_uploads(
        self, file: UploadFile, since: Callable[[], datetime] | datetime,
        hashes: dict[str, str] | None = None,
    ) -> list[Media]:
        """Media uploaded at or after ``since`` (Plivo's time, or a function giving it once
        the first page has taught the client Plivo's clock) with ``file``'s name, size and
        sha256, in any list order (see :mod:`.search`). Raises SearchUnfinished when the
        pages it may read cannot rule a match out. Only media with the same name and size
        are downloaded; ``hashes`` (media id to sha256) caches their digests."""
        start = since if callable(since) else (lambda: since)
        return ListSearch(
            self.client, file, start, {} if hashes is None else hashes,
            max_pages=self.max_pages, max_seconds=self.max_seconds, monotonic=self._monotonic,
        ).run()


def upload_once(
    client: MediaClient,
    file: UploadFile,
    journal: UploadJournal | None = None,
    *,
    reupload_after: timedelta | None = None,
) -> Media:
    """Upload ``file`` exactly once by the module's protocol; see :meth:`Uploader.upload`."""
    return Uploader(client, journal).upload(file, reupload_after)
