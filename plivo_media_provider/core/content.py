"""Local content inspection: size, streamed sha256, content type, and Plivo's limits.

Inspection never raises for a bad file. Every problem comes back as a ``Problem`` naming the
input property at fault (``path`` or ``content_type``) and saying what is wrong, the actual
value, the limit, and what to do. Only :func:`read_verified` raises, because it is called at
upload time, when a problem must stop the upload.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from dataclasses import dataclass, field
from typing import BinaryIO

from ..errors import ContentError
from ..facts import (
    ALLOWED_CONTENT_TYPES,
    EXTENSION_TYPES,
    MAX_FILE_BYTES,
    MAX_FILE_SIZE_WORDS,
    MAX_FILES_PER_UPLOAD,
    TEXT_TYPES,
    sha256_hex,
    sha256_stream,
)

__all__ = [  # the limits and tables live in facts; they are re-exported for old imports
    "ALLOWED_CONTENT_TYPES", "EXTENSION_TYPES", "MAX_FILES_PER_UPLOAD", "MAX_FILE_BYTES",
    "TEXT_TYPES", "Inspection", "Problem", "describe_size", "has_control_characters",
    "inspect_file", "read_verified", "sha256_bytes", "sniff_binary_type",
]

_CHUNK = 256 * 1024


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be uploaded, attributed to the input property at fault."""

    property_: str
    message: str


@dataclass(frozen=True)
class Inspection:
    """What a file is. ``content_type`` is the resolved type, or None when it is unusable."""

    path: str
    size: int | None = None
    sha256: str | None = None
    content_type: str | None = None
    problems: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


def sniff_binary_type(head: bytes) -> str | None:
    """The allowed binary type whose signature starts ``head``, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _text_type_for(path: str) -> str:
    declared = EXTENSION_TYPES.get(os.path.splitext(path)[1].lower())
    return declared if declared in TEXT_TYPES else "text/plain"


_CONTROL = re.compile("[\x00-\x1f\x7f]")


def has_control_characters(text: str) -> bool:
    """True when ``text`` holds an ASCII control character (below 32, or DEL): refused in
    names Plivo shows and in the names Pulumi puts in URNs."""
    return _CONTROL.search(text) is not None


def _shown(path: str) -> str:
    """``path`` for a message: as is, or quoted and escaped if it holds control characters,
    so every message stays on one line."""
    return path if path.isprintable() else repr(path)


def _unreadable(shown: str, exc: OSError) -> Problem:
    return Problem("path", f"{shown}: cannot be read ({exc.strerror}); fix its permissions or "
                           "point path at a readable file.")


def describe_size(size: int) -> str:
    return f"{size:,} bytes"


def inspect_file(
    path: str, content_type: str | None = None, *, file_name: str | None = None
) -> Inspection:
    """Inspect ``path`` against Plivo's limits; ``content_type`` is the user's explicit type.

    ``content_type`` is compared case-insensitively and resolved in lower case, as MIME
    types are. ``file_name``, the user's explicit name, must not have an extension that
    contradicts the content, just as the path must not (a Problem on ``file_name``).

    Reads the file once, in chunks, so memory stays flat whatever its size. Symlinks are
    followed: a link to a regular file is inspected as that file's content.
    """
    problems: list[Problem] = []
    shown = _shown(path)
    wanted = content_type.lower() if content_type is not None else None
    if content_type is not None and wanted not in ALLOWED_CONTENT_TYPES:
        problems.append(
            Problem(
                "content_type",
                f"content_type {content_type!r} is not a type Plivo accepts for MMS media; "
                f"use one of {', '.join(ALLOWED_CONTENT_TYPES)}, or leave it unset to detect it.",
            )
        )
    if "\x00" in path:
        problems.append(Problem("path", f"{shown}: contains a NUL character, which no file "
                                        "path can hold; fix the path."))
        return Inspection(path, problems=tuple(problems))
    try:
        info = os.stat(path)
    except FileNotFoundError:
        problems.append(
            Problem("path", f"{shown}: no such file; check the path (relative paths are "
                            f"resolved from {os.getcwd()}).")
        )
        return Inspection(path, problems=tuple(problems))
    except OSError as exc:
        problems.append(_unreadable(shown, exc))
        return Inspection(path, problems=tuple(problems))
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        problems.append(Problem("path", f"{shown}: is {kind}; path must name one regular file "
                                        "(use MediaAssets for a folder)."))
        return Inspection(path, problems=tuple(problems))
    if info.st_size == 0:
        problems.append(Problem("path", f"{shown}: is empty (0 bytes); Plivo refuses empty media, "
                                        "so give it content or remove it."))
        return Inspection(path, size=0, problems=tuple(problems))
    if info.st_size > MAX_FILE_BYTES:
        problems.append(
            Problem(
                "path",
                f"{shown}: is {describe_size(info.st_size)}, over Plivo's limit of "
                f"{MAX_FILE_SIZE_WORDS} per file; compress or resize it.",
            )
        )
        return Inspection(path, size=info.st_size, problems=tuple(problems))

    try:
        size, digest, head, is_text = _scan(path)
    except OSError as exc:
        problems.append(_unreadable(shown, exc))
        return Inspection(path, problems=tuple(problems))

    detected = sniff_binary_type(head) or (_text_type_for(path) if is_text else None)
    resolved = _resolve_type(path, detected, content_type, file_name, problems)
    return Inspection(path, size, digest, resolved, tuple(problems))


class _TextSniffer:
    """Decides, chunk by chunk, whether a file is UTF-8 text without NUL bytes."""

    def __init__(self) -> None:
        self.head = b""
        self.is_text = True
        self._decoder: codecs.IncrementalDecoder | None = None

    def __call__(self, chunk: bytes) -> None:
        if not self.head:
            self.head = chunk[:64]
        if not self.is_text:
            return
        if b"\x00" in chunk:  # binary media (every image, video and PDF) ends here
            self.is_text = False
            return
        if self._decoder is None:
            self._decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            self._decoder.decode(chunk)
        except UnicodeDecodeError:
            self.is_text = False

    def finish(self) -> bool:
        if self.is_text and self._decoder is not None:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.is_text = False
        return self.is_text


def _scan(path: str) -> tuple[int, str, bytes, bool]:
    """Hash the file and decide whether it is UTF-8 text without NUL bytes, in one pass."""
    sniffer = _TextSniffer()
    with _open_regular(path) as stream:
        digest, size = sha256_stream(stream, chunk=_CHUNK, inspect=sniffer)
    return size, digest, sniffer.head, sniffer.finish()


def _resolve_type(
    path: str,
    detected: str | None,
    explicit: str | None,
    file_name: str | None,
    problems: list[Problem],
) -> str | None:
    """The type to upload as (lower case), or None after adding the problems."""
    extension = os.path.splitext(path)[1].lower()
    declared = EXTENSION_TYPES.get(extension)
    shown = _shown(path)
    if detected is None:
        problems.append(
            Problem(
                "path",
                f"{shown}: content is not a type Plivo accepts (none of JPEG, PNG, GIF, MP4, "
                "PDF, or UTF-8 text); convert it to one of those.",
            )
        )
        return None
    contradicted = False
    if declared is not None and not _compatible(declared, detected):
        problems.append(
            Problem(
                "path",
                f"{shown}: the extension {extension!r} says {declared} but the content is "
                f"{detected}; rename the file or fix its content.",
            )
        )
        contradicted = True
    if file_name is not None:
        name_problem = _file_name_extension_problem(file_name, shown, detected)
        if name_problem is not None:
            problems.append(name_problem)
            contradicted = True
    if contradicted:
        return None
    wanted = explicit.lower() if explicit is not None else None
    if wanted is not None and wanted in ALLOWED_CONTENT_TYPES:
        if not _compatible(wanted, detected):
            problems.append(
                Problem(
                    "content_type",
                    f"content_type {explicit!r} does not match the content of {shown}, which is "
                    f"{detected}; set content_type to {detected!r} or leave it unset.",
                )
            )
            return None
        return wanted
    if wanted is not None:
        return None
    return declared if declared in TEXT_TYPES and detected in TEXT_TYPES else detected


def _file_name_extension_problem(file_name: str, shown: str, detected: str) -> Problem | None:
    """The path's extension rule applied to an explicit ``file_name``: the name Plivo shows
    must not say one type while the bytes are another."""
    stem, extension = os.path.splitext(file_name)
    declared = EXTENSION_TYPES.get(extension.lower())
    if declared is None or _compatible(declared, detected):
        return None
    fitting = next((ext for ext, type_ in EXTENSION_TYPES.items() if type_ == detected), "")
    return Problem(
        "file_name",
        f"file_name {file_name!r}: the extension {extension!r} says {declared} but the "
        f"content of {shown} is {detected}; name it like {stem + fitting!r}, or leave "
        "file_name unset to use the path's name.",
    )


def _compatible(claimed: str, detected: str) -> bool:
    # Any UTF-8 text may be declared as any of the text types: CSV and vCard are just text.
    return claimed == detected or (claimed in TEXT_TYPES and detected in TEXT_TYPES)


def _open_regular(path: str) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file; never block on a FIFO.

    The file may have been swapped since it was inspected. ``O_NONBLOCK`` keeps ``open``
    from waiting for a FIFO's writer, and ``fstat`` on the opened descriptor refuses
    anything but a regular file with an OSError.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


sha256_bytes = sha256_hex
"""The old name of :func:`facts.sha256_hex`."""


def read_verified(path: str, expected_sha256: str) -> bytes:
    """Read the whole file and return its bytes if they hash to ``expected_sha256``.

    Raises ContentError if the file is unreadable, over the limit, or changed since it was
    checked; in that case nothing should be uploaded.
    """
    shown = _shown(path)
    try:
        with _open_regular(path) as stream:
            # One byte past the size it has now, to see it grew; never a buffer of the
            # limit's size for a small file (allocating the limit to read 100 KB cost more than
            # hashing it).
            size = os.fstat(stream.fileno()).st_size
            data = stream.read(min(size, MAX_FILE_BYTES) + 1)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise ContentError(
            f"{shown}: cannot be read ({reason}); nothing was uploaded."
        ) from exc
    if len(data) > MAX_FILE_BYTES:
        raise ContentError(
            f"{shown}: grew past Plivo's limit of {describe_size(MAX_FILE_BYTES)} after it was "
            "checked; nothing was uploaded. Shrink it and run again."
        )
    actual = sha256_hex(data)
    if actual != expected_sha256:
        raise ContentError(
            f"{shown}: changed after it was checked (sha256 {actual[:12]}… instead of "
            f"{expected_sha256[:12]}…); nothing was uploaded. Run again once the file is stable."
        )
    return data
