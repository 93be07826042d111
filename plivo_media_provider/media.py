"""What Plivo's Media API describes: media objects, list pages, files to upload, and times.

Plain data, parsed from and formatted to Plivo's JSON; nothing here talks to the network.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import UnexpectedResponse

UNSENT_RETENTION = timedelta(hours=6)
"""Plivo deletes media that was never sent in an MMS this long after its upload."""

_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$")


def parse_upload_time(text: str) -> datetime:
    """Parse Plivo's ISO 8601 time: ``Z`` or an offset, and 0 to 9 fractional digits."""
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


@dataclass(frozen=True)
class Media:
    """One media object as Plivo describes it."""

    media_id: str
    file_name: str
    content_type: str
    size: int
    upload_time: datetime
    media_url: str

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Media:
        """Build from Plivo's JSON; accepts ``size``/``media_size`` and ``media_url``/``url``."""
        size = obj.get("size", obj.get("media_size"))
        url = obj.get("media_url", obj.get("url"))
        try:
            return cls(
                media_id=str(obj["media_id"]),
                file_name=str(obj.get("file_name", "")),
                content_type=str(obj.get("content_type", "")),
                size=int(size) if size is not None else 0,
                upload_time=parse_upload_time(str(obj["upload_time"])),
                media_url=str(url or ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise UnexpectedResponse(
                f"Plivo returned a media object this client cannot read ({exc}); "
                "the API may have changed.",
                status=200,
            ) from None


@dataclass(frozen=True)
class UploadFile:
    """One file to upload: the name Plivo shows, its bytes, and its content type.

    ``sha256`` is the bytes' digest; a caller that has just verified it passes it so the
    bytes are not hashed again, otherwise it is computed here.
    """

    file_name: str
    content: bytes
    content_type: str
    sha256: str = ""

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.content).hexdigest())


@dataclass(frozen=True)
class MediaPage:
    """One page of the media list, newest first."""

    objects: tuple[Media, ...]
    limit: int
    offset: int
    total_count: int
