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
not a power loss or a lost machine. A record also holds how far this machine's clock was
from Plivo's when the attempt began, when the process knew it, so the next run searches
from the attempt's start on Plivo's clock, whatever its own clock says.

The journal is never skipped. Before the first upload of a process, :meth:`ready` makes
sure the folder can be written (it creates it, writes and removes a small file), and
:meth:`begin` raises :class:`~..errors.JournalUnavailable` when a record cannot be written:
no upload is ever sent without its record.

Location: ``PLIVO_MEDIA_JOURNAL_DIR`` if set, else
``$XDG_CACHE_HOME/plivo-media-provider/unsettled-uploads`` (``~/.cache`` when
``XDG_CACHE_HOME`` is not set). A folder named by ``PLIVO_MEDIA_JOURNAL_DIR`` (or given
explicitly) that cannot be written fails the upload, in one line naming the setting and the
reason. The default folder that cannot be written (a ``HOME`` that does not exist or is
read-only, as in many CI containers) falls back to :func:`fallback_directory`, under the
system's temporary folder, with one warning line (:func:`take_fallback_note`): records there
survive a killed provider, but not a new machine.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import stat
import tempfile
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..errors import JournalUnavailable
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


def fallback_directory() -> Path:
    """Where records go when the default folder cannot be written: a folder of this user's
    under the system's temporary folder (``TMPDIR``, else ``/tmp``)."""
    user = getattr(os, "getuid", lambda: "user")()
    return Path(tempfile.gettempdir()) / f"plivo-media-provider-{user}" / "unsettled-uploads"


def _unwritable(folder: Path, *, private: bool = False) -> str | None:
    """Why records cannot be written in ``folder`` (made if missing), or None if they can.

    ``private``: the folder is in a shared place, so it and its parent must be this user's
    own folders, not links another user planted there.
    """
    try:
        if private:
            owner = getattr(os, "getuid", lambda: None)()
            for part in (folder.parent, folder):
                part.mkdir(mode=0o700, exist_ok=True)
                found = os.lstat(part)
                if not stat.S_ISDIR(found.st_mode) or owner not in (None, found.st_uid):
                    return f"{part} is not a folder of this user's"
        else:
            folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{uuid.uuid4().hex[:16]}"
        os.close(os.open(probe, _CREATE, 0o600))
        os.unlink(probe)
    except OSError as exc:
        return f"{exc.strerror or exc}: {exc.filename or folder}"
    return None


_usable: dict[Path, Path] = {}
"""Folders checked in this process: the folder asked for, to the one records go to."""
_notes: list[str] = []
_checked_lock = threading.Lock()


def take_fallback_note() -> str | None:
    """The warning line about the fallback folder, once per process; None otherwise."""
    with _checked_lock:
        return _notes.pop() if _notes else None


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
    """One journaled attempt at uploading ``key``, started at ``started`` by the clock of the
    process that made it, which was ``offset`` behind Plivo's (None: not known then)."""

    key: UploadKey
    started: datetime
    path: Path
    offset: timedelta | None = None


class UploadJournal:
    """Upload attempts not yet settled, one JSON file each, under one folder per account.

    ``directory``: the folder; by default ``PLIVO_MEDIA_JOURNAL_DIR`` or the cache folder
    (see the module), read when the journal is made.
    """

    def __init__(self, directory: Path | str | None = None) -> None:
        self.explicit = directory is not None or bool(os.environ.get(JOURNAL_DIR_ENV))
        self.directory = Path(directory) if directory is not None else default_directory()

    def ready(self) -> None:
        """Make sure records can be written, once per folder per process: create the folder,
        write and remove a small file. The default folder falls back to
        :func:`fallback_directory` (see :func:`take_fallback_note`); otherwise raise
        JournalUnavailable, in one line naming the setting and the reason."""
        with _checked_lock:
            usable = _usable.get(self.directory)
            if usable is None:
                usable = self._check()
                _usable[self.directory] = usable
        self.directory = usable

    def _check(self) -> Path:
        """The folder records can go to; the caller holds the lock."""
        why = _unwritable(self.directory)
        if why is None:
            return self.directory
        if not self.explicit:
            fallback = fallback_directory()
            if _unwritable(fallback, private=True) is None:
                _notes.append(
                    f"The upload journal's folder {self.directory} cannot be written ({why}); "
                    f"using {fallback} instead, which a new machine will not have. Set "
                    f"{JOURNAL_DIR_ENV} to a folder kept between runs."
                )
                return fallback
        raise JournalUnavailable(
            f"The upload journal's folder {self.directory} cannot be written ({why}), so no "
            "upload was sent: without its record, an upload whose answer is lost could be "
            f"stored twice. Set {JOURNAL_DIR_ENV} to a folder this user can write."
        )

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
                seconds = record.get("plivo_offset_seconds")
                offset = None if seconds is None else timedelta(seconds=float(seconds))
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                continue
            if started.tzinfo is None or now - started > STALE_AFTER:
                with contextlib.suppress(OSError):
                    path.unlink()
                continue
            attempts.append(Attempt(key, started, path, offset))
        return sorted(attempts, key=lambda attempt: attempt.started)

    def begin(
        self, key: UploadKey, started: datetime, offset: timedelta | None = None
    ) -> Attempt:
        """Record an attempt before anything is sent; raise JournalUnavailable if the record
        cannot be written. ``offset``: Plivo's clock minus this process's, if known.

        Written to a temporary file and renamed, so a crash never leaves half a record.
        """
        body: dict[str, object] = {
            "auth_id": key.auth_id,
            "file_name": key.file_name,
            "size": key.size,
            "sha256": key.sha256,
            "started": started.astimezone(timezone.utc).isoformat(),
        }
        if offset is not None:
            body["plivo_offset_seconds"] = offset.total_seconds()
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
        except OSError as exc:
            raise self._unavailable(exc) from None
        try:
            try:
                if os.write(handle, data) != len(data):
                    raise OSError(errno.ENOSPC, "short write", str(temporary))
            finally:
                os.close(handle)
            os.replace(temporary, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise self._unavailable(exc) from None
        return Attempt(key, started, path, offset)

    def _unavailable(self, exc: OSError) -> JournalUnavailable:
        return JournalUnavailable(
            f"The upload journal could not record an upload in {self.directory} "
            f"({exc.strerror or exc}), so it was not sent. Free space or fix the folder, or "
            f"set {JOURNAL_DIR_ENV} to a folder this user can write."
        )

    @staticmethod
    def settle(attempt: Attempt) -> None:
        """Forget ``attempt``: its upload is known to be stored, or known to be absent."""
        with contextlib.suppress(OSError):
            attempt.path.unlink(missing_ok=True)
