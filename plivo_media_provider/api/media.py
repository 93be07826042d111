"""What Plivo's Media API describes: media objects, list pages, files to upload, and times.

Plain data, parsed from and formatted to Plivo's JSON; nothing here talks to the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import UnexpectedResponse
from ..facts import UNSENT_RETENTION, format_time, parse_time, sha256_hex

parse_upload_time = parse_time
"""Plivo's ``upload_time`` to an aware UTC datetime: :func:`facts.parse_time`."""

__all__ = ["UNSENT_RETENTION", "Media", "MediaPage", "UploadFile", "format_time",
           "parse_upload_time"]


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
            object.__setattr__(self, "sha256", sha256_hex(self.content))


@dataclass(frozen=True)
class MediaPage:
    """One page of the media list, newest first."""

    objects: tuple[Media, ...]
    limit: int
    offset: int
    total_count: int
