"""Finding an upload in the media list, in whatever order the list comes.

Plivo does not document the list's order, so the search learns it from the upload times on
the pages it reads (:mod:`..api.order`), and uses it only as far as those pages show it:

* **newest first** (times only fall): it reads from offset 0 and stops once the pages read
  without a gap reach a media uploaded before the window: everything after is older;
* **oldest first** (times only rise): the newest media are at the end, so it goes to the
  last page (by ``total_count``, then forward until a page is not full) and reads backwards
  until the pages read reach a media uploaded before the window;
* **no order**, or none shown yet: it reads every page, from offset 0 to the end.

A page that contradicts the order believed so far drops it, and the search goes on reading
every page it has not read. The end of the list is a page that is not full: neither
``total_count`` nor ``next`` is trusted. A page that brings no media not seen before, read
where no page was read before, shows a list that ignores ``offset``. Reading is bounded by
pages and seconds; a search that cannot finish raises :class:`SearchUnfinished` with the
reason, so the caller keeps its journal record: "not stored" is never concluded from a page
the search could not place.

What it costs: in an ordered list, the pages between the newest media and the window's
start (one page, usually); in a list in no order, every page of the account.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from ..api.client import MediaClient
from ..api.media import Media, UploadFile
from ..api.order import ListOrder, in_list_order, pages_order
from ..facts import MAX_PAGE_SIZE, sha256_hex


class SearchUnfinished(Exception):
    """The list could not be searched far enough to settle; the reason is the message."""


def _covered_from(start: int, ranges: list[tuple[int, int]]) -> int:
    """The end of the run of read offsets that starts at ``start`` (``start`` if unread)."""
    reach = start
    for low, high in sorted(ranges):
        if low <= reach < high:
            reach = high
    return reach


def _covered_down_to(end: int, ranges: list[tuple[int, int]]) -> int:
    """The start of the run of read offsets that ends at ``end`` (``end`` if unread)."""
    reach = end
    for low, high in sorted(ranges, key=lambda r: -r[1]):
        if low < reach <= high:
            reach = low
    return reach


class ListSearch:
    """One search of ``client``'s list for media holding ``file`` uploaded at or after
    ``since()`` (Plivo's time; asked once the first page has taught the client Plivo's
    clock). ``hashes`` caches media id to sha256 across searches."""

    def __init__(
        self,
        client: MediaClient,
        file: UploadFile,
        since: Callable[[], datetime],
        hashes: dict[str, str],
        *,
        max_pages: int,
        max_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.file = file
        self._since_of = since
        self.hashes = hashes
        self.max_pages = max_pages
        self.max_seconds = max_seconds
        self._monotonic = monotonic
        self.pages: dict[int, tuple[Media, ...]] = {}
        self.total = 0
        self.end: int | None = None
        """Where the list ends, shown by a page that is not full."""
        self.beyond: int | None = None
        """An offset at or past the end: an empty page read there, away from other pages."""
        self.found: list[Media] = []

    def run(self) -> list[Media]:
        """Every match, or raise SearchUnfinished when matches cannot be ruled out."""
        give_up = self._monotonic() + self.max_seconds
        since: datetime | None = None
        for _ in range(self.max_pages):
            offset = 0 if since is None else self._next(since)
            if offset is None:
                return self.found
            fresh = self._read(offset)
            if fresh is None:
                if self.found:
                    return self.found  # any identical match is safe to adopt
                raise SearchUnfinished(
                    f"the media list repeated itself at offset {offset} (it ignores offset)")
            if since is None:
                since = self._since_of()
            self._match(since, fresh)
            if self._monotonic() > give_up:
                break
        if (since is not None and self._next(since) is None) or self.found:
            return self.found  # settled by the last page, or any identical match will do
        order = pages_order(self.pages)
        if order.ordered:
            raise SearchUnfinished(
                f"{len(self.pages)} pages of media newer than the attempt, more than "
                f"{self.max_pages} pages or {self.max_seconds:g} s allow")
        raise SearchUnfinished(
            f"the media list is {order.value}, so every page must be read, and it holds "
            f"more than {self.max_pages} pages or {self.max_seconds:g} s allow")

    def _read(self, offset: int) -> list[Media] | None:
        """Read the page at ``offset``; its media not seen before, or None when it repeats
        pages read elsewhere (the list ignores ``offset``)."""
        page = self.client.list_page(MAX_PAGE_SIZE, offset)
        objects = page.objects
        seen = {m.media_id for p in self.pages.values() for m in p}
        fresh = [m for m in objects if m.media_id not in seen]
        ends = {o + len(p) for o, p in self.pages.items()}
        overlaps = any(o < offset + MAX_PAGE_SIZE and offset < o + len(p)
                       for o, p in self.pages.items())
        if objects and not fresh and not overlaps:
            return None
        self.pages[offset] = objects
        self.total = page.total_count
        if objects:
            if len(objects) < MAX_PAGE_SIZE:
                self.end = offset + len(objects)
        elif offset == 0 or offset in ends:
            self.end = offset  # right after media read: the list ends here
        else:
            self.beyond = offset if self.beyond is None else min(self.beyond, offset)
        return fresh

    def _match(self, since: datetime, listed: list[Media]) -> None:
        for media in listed:
            if (media.upload_time < since or media.file_name != self.file.file_name
                    or media.size != len(self.file.content)):
                continue
            if media.media_id not in self.hashes:
                self.hashes[media.media_id] = sha256_hex(self.client.download(media))
            if self.hashes[media.media_id] == self.file.sha256:
                self.found.append(media)

    def _next(self, since: datetime) -> int | None:
        """The offset to read next, or None when the pages read settle the search."""
        ranges = [(o, o + len(p)) for o, p in self.pages.items()]
        prefix = _covered_from(0, ranges)
        if self.end is not None and prefix >= self.end:
            return None  # every page read, to the end of the list
        order = pages_order(self.pages)
        if order is ListOrder.NEWEST_FIRST:
            read = in_list_order({o: p for o, p in self.pages.items() if o < prefix})
            return None if any(m.upload_time < since for m in read) else prefix
        if order is ListOrder.OLDEST_FIRST:
            if self.end is None:
                high = max(high for low, high in ranges if high > low)
                jump = self.total - MAX_PAGE_SIZE
                fits = self.beyond is None or jump < self.beyond
                return jump if jump > high and fits else high
            low = _covered_down_to(self.end, ranges)
            tail = in_list_order({o: p for o, p in self.pages.items() if o >= low})
            if any(m.upload_time < since for m in tail):
                return None
            return max(prefix, low - MAX_PAGE_SIZE)
        return prefix
