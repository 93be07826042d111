"""The upload protocol: one file stored exactly once, even when answers are lost.

Plivo has no idempotency keys, so an upload whose answer is lost can only be settled by
looking for it. :class:`Uploader` is a small state machine around one file:

1. **Journaled earlier attempts.** If the journal holds attempts at the same bytes under the
   same name (a run that died, or could not ask Plivo), the media list is searched back to
   the oldest of them first, and a match is adopted.
2. **Write-ahead.** An attempt record is written before the first byte is sent.
3. **Send.** The answer either settles the attempt or leaves it unknown. Only a connection
   never made or a 4xx (429 included) proves nothing was stored. Everything else is unknown:
   a 5xx (502, 503 and 504 included), a timeout, a reset, a redirect, an unreadable 2xx, or
   objects that do not match the file sent by name and size.
4. **Settle an unknown outcome** by searching the list before anything is sent again; send
   again only when the search proves nothing landed, at most :data:`MAX_SENDS` times in all.
   A search that cannot finish, or a last send still unknown, fails with the attempt kept in
   the journal, so the next run searches instead of uploading a second copy.

The search pages newest first until it passes the attempt's start (less
:data:`CLOCK_SKEW`), trusting neither ``total_count`` nor ``next``: it keeps paging while
pages are full, stops at a page that repeats (a list that ignores ``offset``), and is bounded
by :data:`SEARCH_MAX_PAGES` and :data:`SEARCH_MAX_SECONDS`. Among identical matches (twins:
same name, size and sha256, all equally good) the oldest is adopted, ties broken by media
id, so every searcher picks the same one. Media with less life left than ``reupload_after``
or :data:`ADOPT_MARGIN` is never adopted: it would expire or be replaced at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from ..api.client import MediaClient
from ..api.media import Media, UploadFile
from ..cancel import CANCEL
from ..clock import CLOCK
from ..errors import (
    APIError,
    PlivoMediaError,
    ReconciliationError,
    TransportError,
    UnexpectedResponse,
    UploadOutcomeUnknown,
)
from ..facts import MAX_PAGE_SIZE, UNSENT_RETENTION, UNSENT_RETENTION_WORDS, sha256_hex
from .journal import Attempt, UploadJournal, UploadKey

CLOCK_SKEW = timedelta(seconds=60)
"""How far Plivo's clock may lag ours when matching an upload to the attempt that made it."""
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


class _SearchUnfinished(Exception):
    """The list could not be searched back to the attempt; the reason is the message."""


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

    ``clock`` (UTC now; :data:`clock.CLOCK` by default) and ``monotonic`` are seams for
    tests; ``settle_wait`` is how long an empty search is repeated after a late answer.
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
        else uploaded. Raises ReconciliationError, with the attempt kept in the journal, if
        the upload may be stored but could not be found; any other error means nothing was
        stored by this call."""
        key = UploadKey(self.client.auth_id, file.file_name, len(file.content), file.sha256)
        now = self._clock()
        life = max(ADOPT_MARGIN, reupload_after or timedelta(0))
        hashes: dict[str, str] = {}
        earlier = self.journal.pending(key, now) if self.journal is not None else []
        if earlier:
            found = self._search(file, earlier[0].started, life, hashes, False, noted=True)
            if found is not None:
                self._settle(earlier)
                return found
            self._settle([a for a in earlier if now - a.started > IN_FLIGHT])
        started = earlier[0].started if earlier else now
        attempt = self.journal.begin(key, now) if self.journal is not None else None
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
            found = self._search(file, started, life, hashes, _may_still_land(unknown),
                                 noted=attempt is not None)
            if found is not None:
                self._settle([attempt])
                return found
        raise self._unsettled(
            file, f"{MAX_SENDS} uploads in a row got no usable answer ({unknown})",
            noted=attempt is not None,
        )

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
        started: datetime,
        life: timedelta,
        hashes: dict[str, str],
        may_still_land: bool,
        *,
        noted: bool,
    ) -> Media | None:
        """The media to adopt for ``file`` uploaded since ``started``, or None if none is.

        After a late answer an empty search is repeated for ``settle_wait`` seconds.
        """
        since = started - CLOCK_SKEW
        wait_until = self._monotonic() + (self.settle_wait if may_still_land else 0.0)
        pause = 0.25
        while True:
            try:
                matches = self.find_uploads(file, since, hashes)
            except _SearchUnfinished as exc:
                raise self._unsettled(file, f"searching for it could not finish: {exc}",
                                      noted=noted) from None
            except PlivoMediaError as exc:
                why = f"HTTP {exc.status}" if isinstance(exc, APIError) else "no answer"
                raise self._unsettled(
                    file, f"asking Plivo whether it stored it failed too ({why}: {exc})",
                    noted=noted,
                ) from None
            now = self._clock()
            alive = [m for m in matches if m.upload_time + UNSENT_RETENTION - now >= life]
            if alive:
                return min(alive, key=lambda m: (m.upload_time, m.media_id))
            remaining = wait_until - self._monotonic()
            if remaining <= 0:
                return None
            CANCEL.sleep(min(pause, remaining))
            pause = min(pause * 2, 2.0)

    def find_uploads(
        self, file: UploadFile, since: datetime, hashes: dict[str, str] | None = None
    ) -> list[Media]:
        """Media uploaded at or after ``since`` with ``file``'s name, size and sha256.

        Pages newest first while pages are full and not yet older than ``since``. Raises
        _SearchUnfinished when it cannot get there: a page repeats, or the page or time
        bound is reached. Only media with the same name and size are downloaded; ``hashes``
        (media id to sha256) caches their digests across repeated searches.
        """
        hashes = {} if hashes is None else hashes
        found: list[Media] = []
        seen: set[str] = set()
        offset = 0
        give_up = self._monotonic() + self.max_seconds
        for _ in range(self.max_pages):
            page = self.client.list_page(MAX_PAGE_SIZE, offset)
            fresh = [m for m in page.objects if m.media_id not in seen]
            if page.objects and not fresh:
                if found:
                    return found  # any identical match is safe to adopt
                raise _SearchUnfinished(
                    f"the media list repeated itself at offset {offset} (it ignores offset)")
            for media in fresh:
                seen.add(media.media_id)
                if (media.upload_time < since or media.file_name != file.file_name
                        or media.size != len(file.content)):
                    continue
                if media.media_id not in hashes:
                    hashes[media.media_id] = sha256_hex(self.client.download(media))
                if hashes[media.media_id] == file.sha256:
                    found.append(media)
            past = any(media.upload_time < since for media in fresh)
            if past or len(page.objects) < MAX_PAGE_SIZE:
                return found
            offset += len(page.objects)
            if self._monotonic() > give_up:
                break
        if found:
            return found
        raise _SearchUnfinished(
            f"{offset} media newer than the attempt, more than {self.max_pages} pages or "
            f"{self.max_seconds:g} s allow")


def upload_once(
    client: MediaClient,
    file: UploadFile,
    journal: UploadJournal | None = None,
    *,
    reupload_after: timedelta | None = None,
) -> Media:
    """Upload ``file`` exactly once by the module's protocol; see :meth:`Uploader.upload`."""
    return Uploader(client, journal).upload(file, reupload_after)
