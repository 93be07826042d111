"""A listing shared by concurrent Reads: one list page answers up to 20 of them.

Refresh sends one Read per resource, several at once (the SDK's provider server runs 4 on
its worker threads; ``plivo-media drift`` runs 8), and each would otherwise cost one GET.
Plivo's list returns 20 media per request, addressed by ``offset``. So the Reads of one
process share one :class:`SharedListing` per client, and meet through it without any
batching window: every Read asks the listing first, and a page fetched for one Read answers
every other Read whose media it holds, now or later.

Plivo does not document the list's order, so each listing learns it from its first page
(:mod:`.order`). Newest first is read as described below. Oldest first is read through a
mirror: the listing works in newest-first offsets and fetches the real page at ``total_count``
less that offset, reversed. A list in no time order cannot be placed by time, so after its
first page every Read the page does not answer GETs its media; so does every Read after a
page contradicts the order learnt. Correctness never depends on the order: only what a page
lists is believed.

How a Read is answered (:meth:`SharedListing.lookup`):

* its media id is on a page already fetched: the media as listed;
* otherwise the listing picks the page where the media should be, by its ``upload_time`` in
  state, and fetches it. Concurrent Reads fetch different offsets in parallel; a Read whose
  page is already in flight waits for it. The first page is offset 0 (it also gives
  ``total_count``), the second the oldest page, later ones interpolate by time between the
  pages that bracket the wanted time;
* a Read whose page is already in flight fetches an unclaimed neighbouring page of the same
  gap instead (up to :data:`SPREAD` pages away), while the budget allows, and otherwise
  waits for it. Refresh and drift send Reads in state order, oldest first, so the Reads in
  flight at once all want the same next page; the neighbours are what they want next, and
  fetching them together costs one round trip instead of one per page;
* the listing gives up, and the Read falls back to one GET, when no page can hold it any more
  (a page brackets its time but does not list it, or it is older than the oldest media), or
  when the page budget is spent.

Budget: pages are paid for by the Reads they answer. A page is fetched only while
``pages < answered + PROBES``, counted over the listing's life, so the process sends at most
``PROBES`` (2) requests more than one GET per media would, and fewer as soon as 3 Reads are
answered from pages.

A listing restarts (forgets its pages and starts again at offset 0) ``max_age`` after it
started, or when, having answered Reads, it is asked for media newer than any it listed:
the state it serves was written after it (a later refresh in the same process). A restart
that finds nothing newer is not repeated for that reason until ``max_age`` has passed.

Correctness does not depend on the listing. A media seen on a page existed when that page
was served, with the fields it lists, as a GET at that moment would have said. Absence is
never concluded here: a Read the listing cannot answer falls back to the GET and the proof
of :mod:`.proof` (a confirmed Plivo 404). Uploads and deletions while the listing runs shift
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

from ..errors import PlivoMediaError
from ..facts import MAX_PAGE_SIZE
from .client import Media, MediaClient
from .order import ListOrder, order_of
from .proof import proof_for

PROBES = 2
"""Pages the listing may fetch before they have answered any Read: offset 0 and the oldest."""
SPREAD = 8
"""How many pages away from its own a waiting Read may fetch a neighbour (in flight at once,
with drift's 8 workers, about as many pages as there are Reads waiting)."""
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
    """The pages of one client's media list fetched in this process, shared by all threads.

    ``pages_fetched`` and ``answered`` count over the listing's whole life, across restarts,
    so the budget holds for the process, however many refreshes it serves.
    """

    def __init__(self, client: MediaClient, *, max_age: timedelta = MAX_AGE) -> None:
        self.client = client
        self.max_age = max_age
        self._cond = threading.Condition()
        self.pages_fetched = 0
        self.answered = 0
        self.restarts = 0
        self._restart_on_newer = True
        self._reset(None)

    def _reset(self, started: datetime | None) -> None:
        self._started = started
        self._media: dict[str, Media] = {}
        self._pages: list[_Page] = []
        self._in_flight: set[int] = set()
        self._end: int | None = None
        """The lowest offset a page came back empty from: the list ends before it."""
        self._total: int | None = None
        self._answered_here = 0
        self._restarted_for: datetime | None = None
        self._order: ListOrder | None = None
        """The order the first page showed (None before it): pages are placed by it."""

    @property
    def saw_plivo_list(self) -> bool:
        """True once a page answered in Plivo's list shape (``list_page`` checks it)."""
        with self._cond:
            return bool(self._pages)

    def _outdated(self, wanted: datetime, now: datetime) -> str | None:
        """Why the pages must be forgotten before answering a Read of ``wanted``: "new" (no
        listing yet), "age" or "newer"; None if they answer it.

        Never while a page is in flight (its Reads wait for it). Pages are forgotten
        ``max_age`` after the first; and once they have answered a Read, a Read of media
        newer than any of them shows the listing predates the state it serves (a later
        refresh in the same process), so a new listing starts. A listing that has answered
        nothing is never restarted that way, and once such a restart finds nothing newer
        (the newest media were deleted, say) it is not tried again until ``max_age`` has
        passed: otherwise media newer than the whole list would restart it at every Read.
        """
        if self._started is None:
            return "new"
        if self._in_flight:
            return None
        if now - self._started > self.max_age:
            return "age"
        if (self._restart_on_newer and self._answered_here > 0 and self._pages
                and wanted > max(p.newest for p in self._pages)):
            return "newer"
        return None

    def lookup(self, media_id: str, upload_time: datetime, now: datetime) -> Media | None:
        """The media as listed, or None if the listing cannot say (then GET it).

        ``now`` is the caller's clock; pages older than ``max_age`` by it are forgotten.
        Never raises for a failed page: that Read falls back to its GET, which reports the
        failure itself.
        """
        while True:
            with self._cond:
                why = self._outdated(upload_time, now)
                if why is not None:
                    self.restarts += why != "new"
                    self._restart_on_newer = self._restart_on_newer or why == "age"
                    self._reset(now)
                    self._restarted_for = upload_time
                found = self._media.get(media_id)
                if found is not None:
                    self.answered += 1
                    self._answered_here += 1
                    return found
                aim = self._target(upload_time)
                if aim is None:
                    return None
                offset = aim.offset
                spent = self.pages_fetched >= self.answered + PROBES
                if self._claimed(offset):
                    # Its page is on its way: rather than wait idle, fetch a neighbour in
                    # the same gap, which the Reads around this one are likely to want.
                    spare = None if spent else self._spare(aim)
                    if spare is None:
                        self._cond.wait()
                        continue
                    offset = spare
                elif spent:
                    return None
                self._in_flight.add(offset)
                self.pages_fetched += 1
                order, total = self._order, self._total
            try:
                placed, objects, total, mirrored = self._fetch(offset, order, total)
            except PlivoMediaError:
                with self._cond:
                    self._in_flight.discard(offset)
                    self._cond.notify_all()
                return None
            with self._cond:
                self._in_flight.discard(offset)
                if objects:
                    self._keep(placed, objects, total, mirrored)
                else:
                    self._end = offset if self._end is None else min(self._end, offset)
                self._cond.notify_all()
                if not objects and offset == aim.offset:
                    return None

    def _fetch(
        self, offset: int, order: ListOrder | None, total: int | None
    ) -> tuple[int, tuple[Media, ...], int, bool]:
        """The page at ``offset`` in newest-first offsets: where it is placed, its media
        newest first, the list's ``total_count``, and whether it was read mirrored. The first
        page of a listing is the list's offset 0, whatever the order; an oldest-first list
        is read mirrored."""
        if order is not ListOrder.OLDEST_FIRST or total is None:
            page = self.client.list_page(MAX_PAGE_SIZE, offset)
            if order is None and order_of(m.upload_time for m in page.objects) \
                    is ListOrder.OLDEST_FIRST:
                placed = page.total_count - len(page.objects)
                return placed, tuple(reversed(page.objects)), page.total_count, True
            return offset, page.objects, page.total_count, False
        real, limit = total - offset - MAX_PAGE_SIZE, MAX_PAGE_SIZE
        if real < 0:
            real, limit = 0, MAX_PAGE_SIZE + real
        if limit <= 0:
            return offset, (), total, True
        page = self.client.list_page(limit, real)
        placed = page.total_count - real - len(page.objects)
        return placed, tuple(reversed(page.objects)), page.total_count, True

    def _keep(self, offset: int, objects: tuple[Media, ...], total: int, mirrored: bool) -> None:
        """Remember a fetched page (newest first, at ``offset``); the caller holds the lock.
        The first page sets the order; a page that breaks it ends the placing of pages."""
        shown = order_of(m.upload_time for m in objects)
        if self._order is None:
            self._order = (ListOrder.OLDEST_FIRST if mirrored
                           else ListOrder.NONE if shown is ListOrder.NONE
                           else ListOrder.NEWEST_FIRST)
        elif shown not in (ListOrder.NEWEST_FIRST, ListOrder.UNKNOWN):
            self._order = ListOrder.NONE
        if offset == 0 and self._restarted_for is not None:
            # The newest media now listed is older than the Read that restarted the
            # listing: that media is not listed, and restarting cannot help.
            self._restart_on_newer = objects[0].upload_time >= self._restarted_for
            self._restarted_for = None
        self._total = total
        for media in objects:
            self._media[media.media_id] = media
        self._pages.append(_Page(
            offset, max(m.upload_time for m in objects), min(m.upload_time for m in objects),
            frozenset(m.media_id for m in objects), offset + len(objects) >= total,
        ))
        self._pages.sort(key=lambda p: p.offset)

    def _claimed(self, offset: int) -> bool:
        """True when a page in flight covers ``offset``'s page."""
        return any(abs(offset - other) < MAX_PAGE_SIZE for other in self._in_flight)

    def _spare(self, aim: _Aim) -> int | None:
        """The unclaimed page nearest ``aim.offset`` inside its gap, or None if none is."""
        for step in range(1, SPREAD + 1):
            for offset in (aim.offset + step * MAX_PAGE_SIZE, aim.offset - step * MAX_PAGE_SIZE):
                if not aim.low <= offset < aim.high or self._claimed(offset):
                    continue
                if self._end is not None and offset >= self._end:
                    continue  # the list has shrunk since: nothing is there any more
                if any(p.offset - MAX_PAGE_SIZE < offset < p.end for p in self._pages):
                    continue
                return offset
        return None

    def _target(self, wanted: datetime) -> _Aim | None:
        """The offset of the page that should list media uploaded at ``wanted``, with the gap
        between fetched pages it lies in; None when no page can: a fetched page already spans
        that time without it.

        Media uploaded in one request share a time, so a page whose first or last media has
        exactly that time does not rule it out: the neighbouring page may hold it.
        """
        if self._total is None:
            return _Aim(0, 0, MAX_PAGE_SIZE)
        if self._order is ListOrder.NONE:
            return None  # Pages cannot be placed by time: GET the media instead.
        if not any(p.offset == 0 for p in self._pages):
            return _Aim(0, 0, MAX_PAGE_SIZE)  # oldest first: the newest page, mirrored
        if any(p.oldest < wanted < p.newest for p in self._pages):
            return None
        newer = [p for p in self._pages if p.oldest >= wanted]
        older = [p for p in self._pages if p.newest <= wanted]
        if not newer:
            return None  # Newer than the newest media listed: not a listing question.
        above = max(newer, key=lambda p: p.offset)
        if not older:
            if above.last:
                return None
            low, high = above.end, self._total
            target = max(above.end, self._total - MAX_PAGE_SIZE)
        else:
            below = min(older, key=lambda p: p.offset)
            if below.offset <= above.end:
                return None  # Adjacent pages, and it is on neither: shifted, or gone.
            low, high = above.end, below.offset
            span = (above.oldest - below.newest).total_seconds()
            share = (above.oldest - wanted).total_seconds() / span if span > 0 else 0.5
            guess = above.end + int(share * (below.offset - above.end)) - MAX_PAGE_SIZE // 2
            target = max(above.end, min(guess, below.offset - MAX_PAGE_SIZE))
        if any(p.offset == target for p in self._pages):
            return None  # Fetching a page again would not tell more.
        return _Aim(target, low, high)


@dataclass(frozen=True)
class _Aim:
    """Where a Read's media should be: the page at ``offset``, in the unfetched gap of the
    list from ``low`` to ``high`` (offsets) that the fetched pages around it leave."""

    offset: int
    low: int
    high: int


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
