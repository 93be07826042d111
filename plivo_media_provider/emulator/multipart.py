"""Streaming validation of a Plivo media upload (multipart/form-data with ``file`` parts).

The body is read in small chunks and fed to Werkzeug's sans-IO decoder, so a request is
refused as soon as it breaks a limit (an 11th ``file`` part, a part over
``MAX_FILE_BYTES``, a body over :data:`MAX_BODY_BYTES`) without buffering the rest of it.

A part's ``filename`` is read as an RFC 7230 quoted-string (``\\"`` is a quote), not
decoded as an HTML5 form would be: Werkzeug turns every ``%22`` into ``"``, so a file
literally named ``a%22b.png`` would come back as ``a"b.png``.
"""

from __future__ import annotations

import os
import re
from typing import Protocol

from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import (
    Data,
    Epilogue,
    Field,
    File,
    MultipartDecoder,
    NeedData,
)

from ..facts import MAX_FILE_BYTES, MAX_FILE_SIZE_WORDS, MAX_FILES_PER_UPLOAD
from .store import NewMedia
from .types import STORED_TYPES as ALLOWED_CONTENT_TYPES
from .types import TYPE_OF_EXTENSION as EXTENSION_TYPES
from .types import sniff as sniff_binary_type

MAX_BODY_BYTES = MAX_FILES_PER_UPLOAD * MAX_FILE_BYTES + 1024 * 1024
"""The largest upload body accepted: ten full files plus room for part headers."""

_READ_SIZE = 64 * 1024
# Headers and boundaries are small; more than this buffered means the boundary is wrong.
_MAX_DECODER_BUFFER = 1024 * 1024
_GENERIC_TYPES = frozenset({"", "application/octet-stream"})
_FILENAME = re.compile(r';\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s"]+))', re.IGNORECASE)
_ESCAPE = re.compile(r"\\(.)")


def _filename(disposition: str | None, decoded: str) -> str:
    """The ``filename`` parameter as sent, unescaped; ``decoded`` (Werkzeug's) if absent."""
    match = _FILENAME.search(disposition or "")
    if match is None:
        return decoded
    quoted, token = match.groups()
    return _ESCAPE.sub(r"\1", quoted) if quoted is not None else token


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class UploadRejected(Exception):
    """The upload is invalid; the message is the ``error`` text of the 400 answer."""


def read_upload(
    stream: Readable, content_type: str | None, content_length: int | None
) -> list[NewMedia]:
    """Validate and return the ``file`` parts of an upload body, in order.

    Raises UploadRejected for any problem: not multipart, malformed or truncated body, no
    file, too many files, an empty or oversized file, or a type Plivo does not accept.
    Parts not named ``file`` are ignored, as form fields are.
    """
    mimetype, options = parse_options_header(content_type)
    boundary = options.get("boundary", "")
    if mimetype != "multipart/form-data" or not boundary:
        raise UploadRejected(
            "the upload must be multipart/form-data with a boundary, "
            "with one 'file' part per media file"
        )
    if content_length is not None and content_length > MAX_BODY_BYTES:
        raise UploadRejected(
            f"the request body is {content_length:,} bytes, over the {MAX_BODY_BYTES:,} bytes "
            f"an upload of at most {MAX_FILES_PER_UPLOAD} files can need"
        )
    try:
        files = _decode(stream, boundary.encode("latin-1"))
    except (ValueError, RequestEntityTooLarge) as exc:
        raise UploadRejected(f"the multipart/form-data body is malformed ({exc})") from None
    except (ClientDisconnected, OSError):
        raise UploadRejected(
            "the request body ended before all of it arrived; send the complete upload"
        ) from None
    if not files:
        raise UploadRejected("no media: the upload has no part named 'file'")
    return files


def _decode(stream: Readable, boundary: bytes) -> list[NewMedia]:
    decoder = MultipartDecoder(boundary, max_form_memory_size=_MAX_DECODER_BUFFER)
    files: list[NewMedia] = []
    parts_seen = 0
    name: str | None = None  # the open 'file' part's filename; None while skipping a part
    declared = ""
    buffer = bytearray()
    received = 0
    while True:
        event = decoder.next_event()
        if isinstance(event, NeedData):
            chunk = stream.read(_READ_SIZE)
            received += len(chunk)
            if received > MAX_BODY_BYTES:
                raise UploadRejected(f"the request body is over {MAX_BODY_BYTES:,} bytes")
            decoder.receive_data(chunk or None)
        elif isinstance(event, (File, Field)):
            name, declared = None, ""
            if event.name != "file":
                continue
            if isinstance(event, Field):
                raise UploadRejected("a 'file' part has no filename in its Content-Disposition")
            parts_seen += 1
            if parts_seen > MAX_FILES_PER_UPLOAD:
                raise UploadRejected(
                    f"too many files: an upload may carry at most {MAX_FILES_PER_UPLOAD} "
                    "'file' parts"
                )
            name = _filename(event.headers.get("Content-Disposition"), event.filename or "")
            declared = parse_options_header(event.headers.get("Content-Type"))[0].lower()
            if declared not in _GENERIC_TYPES and declared not in ALLOWED_CONTENT_TYPES:
                raise _bad_type(name, declared)
            buffer = bytearray()
        elif isinstance(event, Data):
            if name is None:
                continue
            buffer += event.data
            if len(buffer) > MAX_FILE_BYTES:
                raise UploadRejected(
                    f"file {name!r} is over the limit of {MAX_FILE_SIZE_WORDS} per media file"
                )
            if not event.more_data:
                files.append(_finish(name, declared, bytes(buffer)))
                name = None
        elif isinstance(event, Epilogue):
            return files


def _finish(name: str, declared: str, data: bytes) -> NewMedia:
    if not data:
        raise UploadRejected(f"file {name!r} is empty; Plivo does not accept empty media")
    content_type = declared
    if content_type in _GENERIC_TYPES:
        content_type = (
            sniff_binary_type(data[:64])
            or EXTENSION_TYPES.get(os.path.splitext(name)[1].lower())
            or "application/octet-stream"
        )
    if content_type not in ALLOWED_CONTENT_TYPES:
        raise _bad_type(name, content_type)
    return NewMedia(name, content_type, data)


def _bad_type(name: str, content_type: str) -> UploadRejected:
    return UploadRejected(
        f"file {name!r} has content type {content_type!r}, which is not allowed for MMS "
        f"media; use one of {', '.join(ALLOWED_CONTENT_TYPES)}"
    )
