"""The emulator's own table of the content types Plivo stores, and how it recognises them.

This is a deliberate second copy of :mod:`plivo_media_provider.facts`' type table: the
emulator stands in for Plivo, so a mistake in the client's table (a type Plivo refuses, an
extension mapped wrongly) must show up as a refusal here rather than be agreed with.
``tests/test_facts.py`` holds the two copies equal.
"""

from __future__ import annotations

STORED_TYPES: tuple[str, ...] = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "video/mp4",
    "application/pdf",
    "text/plain",
    "text/csv",
    "text/vcard",
)

TYPE_OF_EXTENSION: dict[str, str] = {
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

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)


def sniff(head: bytes) -> str | None:
    """The binary type whose signature starts ``head`` (an ISO BMFF ``ftyp`` box is mp4)."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "video/mp4"
    return None
