"""The order of the media list, as the pages read show it.

Plivo's documentation does not say in which order ``GET .../Media/`` returns media. Code that
reads the list must not assume one: it learns it from the ``upload_time`` of the media on
the pages it has read, in list order, and relies on it only as far as they show it. Times
that only fall (ties allowed), with at least one fall, show *newest first*; times that only
rise show *oldest first*; both show *no order*; neither (one media, or all uploaded in one
request) shows nothing yet. A later page can always overturn an order believed so far, so
callers check again after every page.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from .media import Media


class ListOrder(enum.Enum):
    """What the pages read so far show of the list's order."""

    NEWEST_FIRST = "newest first"
    OLDEST_FIRST = "oldest first"
    UNKNOWN = "not shown yet"
    NONE = "in no time order"

    @property
    def ordered(self) -> bool:
        """True for newest first and oldest first: an order a reader may rely on."""
        return self in (ListOrder.NEWEST_FIRST, ListOrder.OLDEST_FIRST)


def order_of(times: Iterable[datetime]) -> ListOrder:
    """The order ``times`` (upload times in list order) show."""
    falls = rises = False
    previous: datetime | None = None
    for moment in times:
        if previous is not None:
            falls = falls or moment < previous
            rises = rises or moment > previous
        previous = moment
    if falls and rises:
        return ListOrder.NONE
    if falls:
        return ListOrder.NEWEST_FIRST
    return ListOrder.OLDEST_FIRST if rises else ListOrder.UNKNOWN


def in_list_order(pages: Mapping[int, Sequence[Media]]) -> list[Media]:
    """The media of ``pages`` (offset to the page's media) in list order, each once: pages
    by offset, a media listed again on a later page (pages that overlap, or a list that
    shifted between reads) kept where it was first listed."""
    seen: set[str] = set()
    ordered: list[Media] = []
    for offset in sorted(pages):
        for media in pages[offset]:
            if media.media_id not in seen:
                seen.add(media.media_id)
                ordered.append(media)
    return ordered


def pages_order(pages: Mapping[int, Sequence[Media]]) -> ListOrder:
    """The order that ``pages`` (offset to the page's media), read in offset order, show."""
    return order_of(media.upload_time for media in in_list_order(pages))
