"""Plivo's facts, each written down once: limits, retention, types, durations, times, sha256.

This module is the bottom of the package. It imports only the standard library, so every
other module (the emulator included, where sharing a fact is honest) takes its numbers from
here. The emulator keeps its own copy of the type table on purpose, so that it can catch a
mistake in this one; ``tests/test_facts.py`` holds the two equal and pins every number here
to Plivo's documentation.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import BinaryIO

# -- limits -----------------------------------------------------------------------------------

MAX_FILE_BYTES = 2 * 1024 * 1024
"""Plivo's per-file limit for the Media API. Plivo's documentation gives it in megabytes;
it is read as binary ones, :data:`MAX_FILE_SIZE_WORDS`."""

MAX_FILE_SIZE_WORDS = f"{MAX_FILE_BYTES // (1024 * 1024)} MiB ({MAX_FILE_BYTES:,} bytes)"
""":data:`MAX_FILE_BYTES` as every message and document writes it:
``"2 MiB (2,097,152 bytes)"``."""

MAX_FILES_PER_UPLOAD = 10
"""Plivo accepts at most this many ``file`` parts in one upload request."""

MAX_PAGE_SIZE = 20
"""The largest ``limit`` the media list accepts. Plivo does not document the list's order."""

# -- retention --------------------------------------------------------------------------------

UNSENT_RETENTION = timedelta(hours=6)
"""Plivo deletes media that was never sent in an MMS this long after its upload."""

SENT_RETENTION = timedelta(days=365)
"""Plivo keeps media that was sent in an MMS this long."""

UNSENT_RETENTION_WORDS = f"{UNSENT_RETENTION.total_seconds() / 3600:g} hours"
""":data:`UNSENT_RETENTION` as messages say it: ``"6 hours"``."""

# -- types ------------------------------------------------------------------------------------

ALLOWED_CONTENT_TYPES: tuple[str, ...] = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "video/mp4",
    "application/pdf",
    "text/plain",
    "text/csv",
    "text/vcard",
)
"""The content types Plivo's Media API stores, in the order messages list them."""

EXTENSION_TYPES: dict[str, str] = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".mp4": "video/mp4",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".vcf": "text/vcard",
    ".vcard": "text/vcard",
}
"""The type each file extension (lower case, with its dot) declares."""

TEXT_TYPES = frozenset({"text/plain", "text/csv", "text/vcard"})
"""The allowed types that are text: their content has no signature to sniff."""

# -- sha256 -----------------------------------------------------------------------------------

_CHUNK = 256 * 1024


def sha256_hex(data: bytes) -> str:
    """The lower-case hex sha256 of ``data``: the identity of a file's content everywhere."""
    return hashlib.sha256(data).hexdigest()


def sha256_stream(
    stream: BinaryIO, *, chunk: int = _CHUNK, inspect: Callable[[bytes], None] | None = None,
) -> tuple[str, int]:
    """Hash ``stream`` to its end; return ``(hex digest, bytes read)``.

    ``inspect``, if given, sees every chunk as it is hashed, so a caller can look at the
    content (its head, whether it is text) in the same single pass.
    """
    digest = hashlib.sha256()
    size = 0
    while block := stream.read(chunk):
        digest.update(block)
        size += len(block)
        if inspect is not None:
            inspect(block)
    return digest.hexdigest(), size


# -- durations --------------------------------------------------------------------------------

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([dhms])")
_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
_UNIT_SECONDS = dict(_UNITS)


@dataclass(frozen=True, order=True)
class Duration:
    """A positive length of time written as Pulumi config and CLI options write it.

    ``Duration.parse("1h30m")``; ``str()`` gives the canonical spelling back (``"1h30m"``),
    and ``delta`` the ``timedelta``.
    """

    seconds: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.seconds) and self.seconds > 0):
            raise ValueError(f"a duration must be finite and longer than zero, not {self.seconds}")

    @classmethod
    def parse(cls, text: str, *, what: str = "duration") -> Duration:
        """Parse ``"5h"``, ``"90m"``, ``"1h30m"``, ``"2d"`` or ``"45s"`` (spaces and case are
        ignored). Raise ValueError with one line naming ``what`` otherwise."""
        compact = text.replace(" ", "").lower()
        parts = _DURATION.findall(compact)
        if not compact or "".join(n + u for n, u in parts) != compact:
            raise ValueError(
                f"{what} {text!r} is not a duration; write it like '5h', '90m' or '1h30m'."
            )
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)
        if seconds <= 0:
            raise ValueError(f"{what} {text!r} must be longer than zero.")
        return cls(seconds)

    @property
    def delta(self) -> timedelta:
        return timedelta(seconds=self.seconds)

    def __str__(self) -> str:
        whole, fraction = divmod(self.seconds, 1)
        left = int(whole)
        out = []
        for unit, size in _UNITS[:-1]:
            count, left = divmod(left, size)
            if count:
                out.append(f"{count}{unit}")
        if left or fraction:
            out.append(f"{left + fraction:g}s")
        return "".join(out)


def parse_duration(text: str, *, what: str = "reupload_after") -> timedelta:
    """``Duration.parse(text, what=what).delta``: the form most callers want."""
    return Duration.parse(text, what=what).delta


# -- times ------------------------------------------------------------------------------------

_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$")


def parse_time(text: str) -> datetime:
    """Parse Plivo's ISO 8601 time (``Z`` or an offset, 0 to 9 fractional digits) to UTC.

    A time with no zone is read as UTC, as Plivo writes it. Raise ValueError otherwise.
    """
    match = _TIME.match(text.strip())
    if match is None:
        raise ValueError(f"not an ISO 8601 time: {text!r}")
    whole, fraction, zone = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    parsed = datetime.fromisoformat(whole).replace(microsecond=micros)
    if zone in (None, "Z"):
        return parsed.replace(tzinfo=timezone.utc)
    sign = 1 if zone[0] == "+" else -1
    hours, minutes = int(zone[1:3]), int(zone[4:6])
    offset = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return parsed.replace(tzinfo=offset).astimezone(timezone.utc)


def format_time(moment: datetime) -> str:
    """ISO 8601 UTC with microseconds and a trailing ``Z``, as Plivo writes it."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
