"""A listing shared by concurrent Reads: one list page answers up to 20 of them.

Refresh sends one Read per resource, several at once (the SDK's provider server runs 4 on
its worker threads; ``plivo-media drift`` runs 8), and each would otherwise cost one GET.
Plivo's list returns 20 media per request, newest first, addressed by ``offset``. So the
Reads of one process share one :class:`SharedListing` per client, and meet through it
without any batching window: every Read asks the listing first, and a page fetched for one
Read answers every other Read whose media it holds, now or later.

How a Read is answered (:meth:`SharedListing.lookup`):

* its media id is on a page already fetched: the media as listed;
* otherwise the listing picks the page where the media should be, by its ``upload_time`` in
  state, and fetches it. Concurrent Reads fetch different offsets in parallel; a Read whose
  page is already in flight waits for it. The first page is offset 0 (it also gives
  ``total_count``), the second the oldest page, later ones interpolate by time between the
  pages that bracket the wanted time;
* the listing gives up, and the Read falls back to one GET, when no page can hold it any more
  (a page brackets its time but does not list it, or it is older than the oldest media), or
  when the page budget is spent.

Budget: pages are paid for by the Reads they answer. A page is fetched only while
``pages < answered + PROBES``, so the whole run sends at most ``PROBES`` (2) requests more
than one GET per media would, and fewer as soon as 3 Reads are answered from pages.

Correctness does not depend on the listing. A media seen on a page existed when that page
was served, with the fields it lists, as a GET at that moment would have said. Absence is
never concluded here: a Read the listing cannot answer falls back to the GET and the proof
of :mod:`proof` (a confirmed Plivo 404). Uploads and deletions while the listing runs shift
offsets, which only costs a fallback: every decision uses the time range of one page, which
is one consistent answer. Pages are forgotten ``max_age`` seconds after the first, by the
caller's clock (the provider's and drift's one clock, which tests pin), so a long-lived
process never answers from an old listing.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from .client import Media, MediaClient
from .errors import PlivoMediaError
from .facts import MAX_PAGE_SIZE
from .proof import proof_for

PROBES = 2
"""Pages the listing may fetch before they have answered any Read: offset 0 and the oldest."""
MAX_AGE = timedelta(seconds=60)
"""How long a listing's pages answer Reads; a refresh of thousands of media fits within."""


@dataclass(frozen=True)
class _Page:
    offset: int
    newest: datetime
    oldest: datetime
    ids: frozenset[str]
    last: bool
    """True when the page reached the end of the list as ``total_count`` then said."""

    @property
    def end(self) -> int:
        return self.offset + len(self.ids)


class SharedListing:
    """The pages of one client's media list fetched in this process, shared by all threads."""

    def __init__(self, client: MediaClient, *, max_age: timedelta = MAX_AGE) -> None:
        self.client = client
        self.max_age = max_age
        self._cond = threading.Condition()
        self._reset(None)

    def _reset(self, started: datetime | None) -> None:
        self._started = started
        self._media: dict[str, Media] = {}
        self._pages: list[_Page] = []
        self._in_flight: set[int] = set()
        self._total: int | None = None
        self.pages_fetched = 0
        self.answered = 0

    @property
    def saw_plivo_list(self) -> bool:
        """True once a page answered in Plivo's list shape (``list_page`` checks it)."""
        with self._cond:
            return bool(self._pages)

    def lookup(self, media_id: str, upload_time: datetime, now: datetime) -> Media | None:
        """The media as listed, or None if the listing cannot say (then GET it).

        ``now`` is the caller's clock; pages older than ``max_age`` by it are forgotten.
        Never raises for a failed page: that Read falls back to its GET, which reports the
        failure itself.
        """
        while True:
            with self._cond:
                if self._started is None or (
                    now - self._started > self.max_age and not self._in_flight
                ):
                    self._reset(now)
                found = self._media.get(media_id)
                if found is not None:
                    self.answered += 1
                    return found
                offset = self._target(upload_time)
                if offset is None:
                    return None
                if offset in self._in_flight:
                    self._cond.wait()
                    continue
                if self.pages_fetched >= self.answered + PROBES:
                    return None
                self._in_flight.add(offset)
                self.pages_fetched += 1
            try:
                page = self.client.list_page(MAX_PAGE_SIZE, offset)
            except PlivoMediaError:
                with self._cond:
                    self._in_flight.discard(offset)
                    self._cond.notify_all()
                return None
            with self._cond:
                self._in_flight.discard(offset)
                if page.objects:
                    self._total = page.total_count
                    for media in page.objects:
                        self._media[media.media_id] = media
                    self._pages.append(_Page(
                        offset, page.objects[0].upload_time, page.objects[-1].upload_time,
                        frozenset(m.media_id for m in page.objects),
                        offset + len(page.objects) >= page.total_count,
                    ))
                    self._pages.sort(key=lambda p: p.offset)
                self._cond.notify_all()
                if not page.objects:
                    return None

    def _target(self, wanted: datetime) -> int | None:
        """The offset of the page that should list media uploaded at ``wanted``, or None
        when no page can: a fetched page already spans that time without it.

        Media uploaded in one request share a time, so a page whose first or last media has
        exactly that time does not rule it out: the neighbouring page may hold it.
        """
        if self._total is None:
            return 0
        if any(p.oldest < wanted < p.newest for p in self._pages):
            return None
        newer = [p for p in self._pages if p.oldest >= wanted]
        older = [p for p in self._pages if p.newest <= wanted]
        if not newer:
            return None  # Newer than the newest media listed: not a listing question.
        above = max(newer, key=lambda p: p.offset)
        if not older:
            target = None if above.last else max(above.end, self._total - MAX_PAGE_SIZE)
        else:
            below = min(older, key=lambda p: p.offset)
            if below.offset <= above.end:
                return None  # Adjacent pages, and it is on neither: shifted, or gone.
            span = (above.oldest - below.newest).total_seconds()
            share = (above.oldest - wanted).total_seconds() / span if span > 0 else 0.5
            guess = above.end + int(share * (below.offset - above.end)) - MAX_PAGE_SIZE // 2
            target = max(above.end, min(guess, below.offset - MAX_PAGE_SIZE))
        if target is None or any(p.offset == target for p in self._pages):
            return None  # Fetching a page again would not tell more.
        return target


_listings: weakref.WeakKeyDictionary[MediaClient, SharedListing] = weakref.WeakKeyDictionary()
_listings_lock = threading.Lock()


def listing_for(client: MediaClient) -> SharedListing:
    """The one SharedListing of ``client`` in this process."""
    with _listings_lock:
        listing = _listings.get(client)
        if listing is None:
            listing = _listings[client] = SharedListing(client)
        return listing


def find_media(
    client: MediaClient, media_id: str, upload_time: datetime | None, now: datetime
) -> Media | None:
    """The media ``media_id`` as Plivo holds it now, or None when it is proven gone.

    Asks the shared listing first (when state gives the upload time), then falls back to
    :meth:`proof.GoneProof.get_or_gone`: a GET, and a media is dropped only on its proof.
    A listing that served a page has shown the API base to be Plivo's, which the proof
    then need not ask again.
    """
    proof = proof_for(client)
    if upload_time is not None:
        listing = listing_for(client)
        found = listing.lookup(media_id, upload_time, now)
        if found is not None:
            return found
        if listing.saw_plivo_list:
            proof.mark_plivo_base()
    return proof.get_or_gone(media_id)
