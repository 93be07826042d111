"""What Plivo's Media API describes: media objects, list pages, files to upload, and times.

Plain data, parsed from and formatted to Plivo's JSON; nothing here talks to the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import UnexpectedResponse, UploadPartlyRefused
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


def read_upload_answer(
    files: Sequence[UploadFile], body: dict[str, Any]
) -> tuple[list[Media | None], UploadPartlyRefused | None]:
    """Each file's media in an upload's answer (None where Plivo refused it), and the error
    to raise for the refused ones, if any.

    Raises UnexpectedResponse when the answer does not prove what happened: not one object
    per file, or an object whose name or size is not the file's (Plivo may have stored it).
    """
    listed = ", ".join(repr(f.file_name) for f in files)
    api_id = body.get("api_id")
    objects = body.get("objects")
    if not isinstance(objects, list) or len(objects) != len(files):
        raise UnexpectedResponse(
            f"Plivo answered the upload of {listed} without one object per file; it may "
            "be stored, so check the account's media list before uploading again.",
            status=200, api_id=api_id,
        )
    stored: list[Media | None] = []
    problems: list[str] = []
    statuses: list[int] = []
    for file, obj in zip(files, objects, strict=True):
        if not isinstance(obj, dict) or obj.get("status", "success") != "success":
            reason = (obj.get("error") or obj.get("message")) if isinstance(obj, dict) else obj
            problems.append(f"{file.file_name!r}: {reason}")
            code = obj.get("status_code", 400) if isinstance(obj, dict) else 400
            statuses.append(int(code) if isinstance(code, (int, float, str))
                            and str(code).isdigit() else 400)
            stored.append(None)
            continue
        media = Media.from_json(obj)
        if media.file_name != file.file_name or media.size != len(file.content):
            raise UnexpectedResponse(
                f"Plivo answered the upload of {listed} with media {media.media_id} named "
                f"{media.file_name!r} of {media.size} bytes, not {file.file_name!r} of "
                f"{len(file.content)} bytes; it may be stored, so check the media list "
                "before uploading again.",
                status=200, api_id=api_id,
            )
        stored.append(media)
    if not problems:
        return stored, None
    kept = sum(1 for m in stored if m is not None)
    return stored, UploadPartlyRefused(
        f"Plivo refused {'; '.join(problems)} in the upload"
        + (f" and stored the other {kept} file(s)." if kept else "."),
        status=statuses[0], stored=stored, problems=problems, api_id=api_id,
    )


@dataclass(frozen=True)
class MediaPage:
    """One page of the media list, in the list's order (which Plivo does not document)."""

    objects: tuple[Media, ...]
    limit: int
    offset: int
    total_count: int
