"""``plivo-media ls``: the account's media, newest first, with ids to adopt.

JSON schema ``plivo-media-ls/1`` (fields may be added within ``/1``; none is removed or
changes meaning)::

    {
      "schema": "plivo-media-ls/1",
      "generated_at": "2025-01-01T12:00:00.000000Z",   # the lister's clock, UTC
      "plivo_time": "2025-01-01T12:00:03.000000Z",     # Plivo's clock then, as learnt
      "api_url": "https://api.plivo.com",
      "count": 2,                                      # len(media)
      "media": [{"media_id", "file_name", "content_type", "size", "upload_time",
                 "expires_at_if_unsent", "media_url"}],  # newest first
      "filters": {"name": "*.png" | null, "since_seconds": 3600 | null, "limit": 20 | null},
      "error": null,                                   # or the message of a failed run
      "exit_code": 0
    }

``--json`` prints this document whatever happens: a run that fails (bad usage, no
credentials, an unreachable API) prints it with ``media`` empty, ``count`` 0, ``error``
the message and ``exit_code`` the command's exit code; what it never learnt is null
(:func:`failure_document`).

Filters narrow what is listed. Plivo does not document the list's order, so the listing
learns it from the upload times it reads (:mod:`..api.order`) and stops paging early only
while they show newest first: ``since`` ends it at the first media older than the window,
``limit`` at the N-th match. In any other order every page is read, and the media are
sorted newest first here. ``since`` counts back from Plivo's time (this machine's, corrected
by the offset learnt from Plivo's answers). ``name`` is a shell glob matched
case-sensitively against the file name.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TextIO

from ..api.client import Media, MediaClient, format_time, parse_upload_time
from ..api.order import ListOrder, order_of
from ..clock import CLOCK
from ..exits import ExitCode
from ..facts import UNSENT_RETENTION
from ..settings import CLI_SOURCES, Settings, resolve_settings
from ..table import render
from . import options
from .options import CREDENTIALS_NOTE, Commands, add_client_options

LS_SCHEMA = "plivo-media-ls/1"


@dataclass(frozen=True)
class ListFilter:
    """Which media ``ls`` lists: a file-name glob, an upload window, a most count."""

    name: str | None = None
    since: timedelta | None = None
    limit: int | None = None

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"limit must be 1 or more, not {self.limit}")
        if self.since is not None and self.since <= timedelta(0):
            raise ValueError(f"since must be longer than zero, not {self.since}")

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "since_seconds": self.since.total_seconds() if self.since is not None else None,
            "limit": self.limit,
        }

    def words(self) -> str:
        """The filters as the command line spells them, e.g. ``--name '*.png' --limit 5``."""
        parts = []
        if self.name is not None:
            parts.append(f"--name {self.name!r}")
        if self.since is not None:
            parts.append(f"--since {self.since.total_seconds():g}s")
        if self.limit is not None:
            parts.append(f"--limit {self.limit}")
        return " ".join(parts)


def media_listing(
    client: MediaClient, filters: ListFilter = ListFilter(), *, now: datetime | None = None,
) -> dict[str, Any]:
    """The account's media that pass ``filters``, newest first, as ``plivo-media-ls/1``.

    ``now`` (default: the package clock) is ``generated_at``; on Plivo's clock, learnt from
    the first page, it is ``plivo_time`` and the end of the ``since`` window.
    """
    moment = CLOCK.now() if now is None else now
    kept: list[Media] = []
    order = ListOrder.UNKNOWN
    previous: datetime | None = None
    oldest: datetime | None = None
    for m in client.iter_media():
        if filters.since is not None and oldest is None:
            oldest = client.plivo_clock.plivo_time(moment) - filters.since
        if previous is not None and order is not ListOrder.NONE:
            step = order_of((previous, m.upload_time))
            if step is not ListOrder.UNKNOWN:
                order = step if order in (ListOrder.UNKNOWN, step) else ListOrder.NONE
        previous = m.upload_time
        newest_first = order is ListOrder.NEWEST_FIRST
        if oldest is not None and m.upload_time < oldest:
            if newest_first:
                break  # Everything after this is older still.
            continue
        if filters.name is None or fnmatch.fnmatchcase(m.file_name, filters.name):
            kept.append(m)
        if newest_first and filters.limit is not None and len(kept) >= filters.limit:
            break  # The newest N, before the next page is asked for.
    kept.sort(key=lambda m: m.upload_time, reverse=True)  # stable: list order within a tie
    media = [{
        "media_id": m.media_id,
        "file_name": m.file_name,
        "content_type": m.content_type,
        "size": m.size,
        "upload_time": format_time(m.upload_time),
        "expires_at_if_unsent": format_time(m.upload_time + UNSENT_RETENTION),
        "media_url": m.media_url,
    } for m in kept[:filters.limit]]
    return {
        "schema": LS_SCHEMA,
        "generated_at": format_time(moment),
        "plivo_time": format_time(client.plivo_clock.plivo_time(moment)),
        "api_url": client.api_url,
        "count": len(media),
        "media": media,
        "filters": filters.to_json(),
        "error": None,
        "exit_code": int(ExitCode.OK),
    }


def failure_document(
    message: str, exit_code: ExitCode, *, filters: ListFilter | None = None,
) -> dict[str, Any]:
    """The ``plivo-media-ls/1`` document of a run that failed before it could list."""
    return {
        "schema": LS_SCHEMA,
        "generated_at": format_time(CLOCK.now()),
        "plivo_time": None,
        "api_url": None,
        "count": 0,
        "media": [],
        "filters": filters.to_json() if filters is not None else None,
        "error": message,
        "exit_code": int(exit_code),
    }


def render_listing(listing: Mapping[str, Any]) -> str:
    """The listing as a table; an expiry already past (by Plivo's clock) means the media was
    sent (kept a year)."""
    filters = listing.get("filters") or {}
    filtered = any(value is not None for value in filters.values())
    if not listing["media"]:
        return "No media matches these filters." if filtered else "No media in this account."
    now = parse_upload_time(listing.get("plivo_time") or listing["generated_at"])
    rows = []
    for m in listing["media"]:
        expiry = m["expires_at_if_unsent"]
        if parse_upload_time(expiry) <= now:
            expiry += " (passed: sent)"
        rows.append([m["media_id"], m["file_name"], m["content_type"], str(m["size"]),
                     m["upload_time"], expiry])
    table = render(
        ["MEDIA_ID", "NAME", "TYPE", "SIZE", "UPLOADED", "EXPIRES_AT (IF UNSENT)"], rows
    )
    more = ""
    if filters.get("limit") is not None and listing["count"] >= filters["limit"]:
        more = f" (--limit {filters['limit']} reached; there may be more)"
    return f"{table}\n{listing['count']} media{more}."


def run_ls(
    *, settings: Settings, as_json: bool, stdout: TextIO, filters: ListFilter = ListFilter(),
    stderr: TextIO | None = None,
) -> int:
    """The ``plivo-media ls`` command: list the account's media, newest first. The warning
    about this machine's clock, when it is far from Plivo's, goes to ``stderr``."""
    with MediaClient.from_settings(settings) as client:
        listing = media_listing(client, filters)
        note = client.plivo_clock.take_warning()
    if note is not None:
        print(f"warning: {note}", file=stderr or sys.stderr)
    text = json.dumps(listing, indent=2) if as_json else render_listing(listing)
    stdout.write(text + "\n")
    return ExitCode.OK


__all__ = ["LS_SCHEMA", "ListFilter", "failure_document", "media_listing", "render_listing",
           "run_ls"]


# -- the command -----------------------------------------------------------------------------


def add(commands: Commands) -> None:
    sub = commands.add_parser(
        "ls",
        help="list the account's media, with ids to adopt",
        description=(
            "List the account's media, newest first: id, name, type, size, upload time, and "
            "when Plivo deletes it if it was never sent (upload + 6 h; the API cannot tell "
            "sent from unsent). --json prints the plivo-media-ls/1 document."
        ),
        epilog=CREDENTIALS_NOTE,
    )
    sub.add_argument("--name", metavar="GLOB",
                     help="only media whose file name matches this shell glob "
                          "(case-sensitive), e.g. '*.png'")
    sub.add_argument("--since", type=options.since, metavar="DURATION",
                     help="only media uploaded within this long, e.g. 30m, 6h, 2d")
    sub.add_argument("--limit", type=options.at_least(1), metavar="N",
                     help="list at most N media, 1 or more (the newest that match)")
    add_client_options(sub)
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = resolve_settings(
        api_url=args.api_url, read_timeout=args.timeout, retries=args.retries,
        sources=CLI_SOURCES,
    )
    options.say_where_requests_go(args.api_url, sys.stderr)
    filters = ListFilter(name=args.name, since=args.since, limit=args.limit)
    return run_ls(settings=settings, as_json=args.json, stdout=sys.stdout, filters=filters)
