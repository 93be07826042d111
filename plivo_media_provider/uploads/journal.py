"""A write-ahead journal of uploads, so a run that dies mid-upload is settled by the next.

Before an upload's first byte is sent, :meth:`UploadJournal.begin` writes one small JSON
file naming the account, the file name, size and sha256, and when the attempt started. When
the outcome is settled (the media is known, or known to be absent) the record is removed.
A record that outlives its run (the provider was killed, or Plivo could not be asked) makes
the next upload of the same bytes under the same name first look for media uploaded since
that attempt, and adopt it instead of storing a second copy (see :mod:`.protocol`).

Each attempt has its own record, so two creates of the same file at once (twins, or two
stacks sharing the folder) never remove each other's. Records hold no credentials. A record
older than Plivo's 6-hour retention of unsent media is stale (an unsent copy is gone by
then) and is dropped.

A record is a plain write, renamed into place, without fsync: it survives a killed process,
not a power loss or a lost machine. The journal is best effort: if its folder cannot be
written, the upload goes ahead and an unknown outcome says the media may be stored.

Location: ``PLIVO_MEDIA_JOURNAL_DIR`` if set, else
``$XDG_CACHE_HOME/plivo-media-provider/unsettled-uploads`` (``~/.cache`` by default).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..facts import UNSENT_RETENTION, sha256_hex

STALE_AFTER = UNSENT_RETENTION
"""Plivo deletes unsent media this long after upload, so older records settle nothing."""

JOURNAL_DIR_ENV = "PLIVO_MEDIA_JOURNAL_DIR"

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
"""A record's temporary file is new (its name is random) and private to this process."""


def default_directory() -> Path:
    """The journal's folder, read from the environment at call time."""
    explicit = os.environ.get(JOURNAL_DIR_ENV)
    if explicit:
        return Path(explicit)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "plivo-media-provider" / "unsettled-uploads"


@dataclass(frozen=True)
class UploadKey:
    """What identifies an upload across runs: account, name, size and content hash."""

    auth_id: str
    file_name: str
    size: int
    sha256: str

    @functools.cached_property
    def file_stem(self) -> str:
        """The prefix of the key's record files, computed once per key (pending() and
        begin() both need it)."""
        name_hash = sha256_hex(self.file_name.encode("utf-8"))[:16]
        return f"{self.sha256}-{self.size}-{name_hash}"


@dataclass(frozen=True)
class Attempt:
    """One journaled attempt at uploading ``key``, started at ``started``."""

    key: UploadKey
    started: datetime
    path: Path


class UploadJournal:
    """Upload attempts not yet settled, one JSON file each, under one folder per account."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_directory()

    def _folder(self, key: UploadKey) -> Path:
        return self.directory / key.auth_id

    def pending(self, key: UploadKey, now: datetime) -> list[Attempt]:
        """The unsettled attempts at ``key``, oldest first; stale ones are dropped.

        One directory scan matched by prefix: this runs before every upload, and a glob
        would compile a new pattern (the key's sha256 is in it) each time.
        """
        attempts = []
        stem = key.file_stem
        try:
            with os.scandir(self._folder(key)) as entries:
                names = [e.name for e in entries
                         if e.name.startswith(stem) and e.name.endswith(".json")]
        except OSError:
            return []  # no folder (nothing was ever journaled here), or it cannot be read
        for name in names:
            path = self._folder(key) / name
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                started = datetime.fromisoformat(record["started"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if started.tzinfo is None or now - started > STALE_AFTER:
                with contextlib.suppress(OSError):
                    path.unlink()
                continue
            attempts.append(Attempt(key, started, path))
        return sorted(attempts, key=lambda attempt: attempt.started)

    def begin(self, key: UploadKey, started: datetime) -> Attempt | None:
        """Record an attempt before anything is sent; None if the folder cannot be written.

        Written to a temporary file and renamed, so a crash never leaves half a record.
        """
        body = {
            "auth_id": key.auth_id,
            "file_name": key.file_name,
            "size": key.size,
            "sha256": key.sha256,
            "started": started.astimezone(timezone.utc).isoformat(),
        }
        folder = self._folder(key)
        name = f"{key.file_stem}.{uuid.uuid4().hex[:16]}"
        path = folder / f"{name}.json"
        temporary = folder / f"{name}.tmp"
        data = json.dumps(body).encode("utf-8")
        try:
            try:
                handle = os.open(temporary, _CREATE, 0o600)
            except FileNotFoundError:  # the first record of this account: make its folder
                folder.mkdir(parents=True, exist_ok=True)
                handle = os.open(temporary, _CREATE, 0o600)
        except OSError:
            return None
        try:
            try:
                if os.write(handle, data) != len(data):
                    raise OSError(errno.ENOSPC, "short write", str(temporary))
            finally:
                os.close(handle)
            os.replace(temporary, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            return None
        return Attempt(key, started, path)

    @staticmethod
    def settle(attempt: Attempt) -> None:
        """Forget ``attempt``: its upload is known to be stored, or known to be absent."""
        with contextlib.suppress(OSError):
            attempt.path.unlink(missing_ok=True)
