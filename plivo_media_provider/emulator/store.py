"""Media records and bytes, in memory or under a data directory.

Records live in SQLite (``:memory:`` without a data directory). With a data directory, each
file's bytes go to ``blobs/<media_id>``, written atomically and fsynced *before* its record
is committed: a crash mid-upload can leave an orphan blob, which is ignored, but never a
record without its bytes. One connection serves all threads, guarded by one lock.

Expiry is lazy: every read first purges what the emulator clock says has expired, so get,
list, bytes and counts always agree.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import facts

UNSENT_RETENTION = facts.UNSENT_RETENTION.total_seconds()
"""Seconds Plivo keeps media that was never sent in a message."""

SENT_RETENTION = facts.SENT_RETENTION.total_seconds()
"""Seconds Plivo keeps media that was sent in an MMS."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS media (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    media_id     TEXT NOT NULL UNIQUE,
    account      TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    upload_time  REAL NOT NULL,
    sent         INTEGER NOT NULL DEFAULT 0,
    expires_at   REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS media_by_account ON media (account, upload_time, seq);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value REAL NOT NULL);
"""

_COLUMNS = "media_id, account, file_name, content_type, size, upload_time, sent, expires_at"

LIST_ORDERS: dict[str, str] = {
    "newest-first": "upload_time DESC, seq DESC",
    "oldest-first": "upload_time ASC, seq ASC",
    "media-id": "media_id ASC",
    "file-name": "file_name ASC, media_id ASC",
}
"""The orders the list can be served in, by name, to their SQL. Plivo does not document its
order; the emulator serves newest first unless told otherwise, so tests can check that the
client assumes none."""


@dataclass(frozen=True)
class MediaRecord:
    """One stored media file; times are emulator-clock POSIX seconds."""

    media_id: str
    account: str
    file_name: str
    content_type: str
    size: int
    upload_time: float
    sent: bool
    expires_at: float


@dataclass(frozen=True)
class NewMedia:
    """A validated file about to be stored."""

    file_name: str
    content_type: str
    data: bytes


class MediaStore:
    """Thread-safe media persistence; call :meth:`close` when done."""

    def __init__(self, data_dir: str | os.PathLike[str] | None = None) -> None:
        self._blob_dir: Path | None = None
        self._blobs: dict[str, bytes] = {}
        if data_dir is None:
            database = ":memory:"
        else:
            root = Path(data_dir)
            self._blob_dir = root / "blobs"
            self._blob_dir.mkdir(parents=True, exist_ok=True)
            database = str(root / "media.sqlite3")
        self._lock = threading.Lock()
        self._db = sqlite3.connect(database, check_same_thread=False)
        try:
            if self._blob_dir is not None:
                self._db.execute("PRAGMA journal_mode=WAL")
            with self._db:
                self._db.executescript(_SCHEMA)
        except sqlite3.Error:
            self._db.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._blobs.clear()

    # -- media ---------------------------------------------------------------------------

    def add(self, account: str, files: Sequence[NewMedia], now: float) -> list[MediaRecord]:
        """Store all ``files`` uploaded at ``now``, in order; all or nothing."""
        records = [
            MediaRecord(
                str(uuid.uuid4()), account, item.file_name, item.content_type,
                len(item.data), now, False, now + UNSENT_RETENTION,
            )
            for item in files
        ]
        with self._lock:
            for record, item in zip(records, files, strict=True):
                self._put_blob(record.media_id, item.data)
            try:
                with self._db:
                    self._db.executemany(
                        f"INSERT INTO media ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [_row(record) for record in records],
                    )
            except sqlite3.Error:
                for record in records:
                    self._drop_blob(record.media_id)
                raise
        return records

    def _retained_row(self, account: str, media_id: str, now: float) -> Any:
        """The row of a retained media file, or None; the caller holds the lock."""
        self._purge(now)
        return self._db.execute(
            f"SELECT {_COLUMNS} FROM media WHERE account = ? AND media_id = ?",
            (account, media_id),
        ).fetchone()

    def get(self, account: str, media_id: str, now: float) -> MediaRecord | None:
        with self._lock:
            row = self._retained_row(account, media_id, now)
        return _record(row) if row else None

    def read(self, account: str, media_id: str, now: float) -> tuple[MediaRecord, bytes] | None:
        """The record and bytes of a retained media file, or None."""
        with self._lock:
            row = self._retained_row(account, media_id, now)
            if row is None:
                return None
            data = self._get_blob(media_id)
        return (_record(row), data) if data is not None else None

    def page(
        self, account: str, limit: int, offset: int, now: float, order: str = "newest-first"
    ) -> tuple[list[MediaRecord], int]:
        """``limit`` records from ``offset`` in ``order`` (a key of LIST_ORDERS), and the
        account's total count."""
        with self._lock:
            self._purge(now)
            (total,) = self._db.execute(
                "SELECT COUNT(*) FROM media WHERE account = ?", (account,)
            ).fetchone()
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM media WHERE account = ? "
                f"ORDER BY {LIST_ORDERS[order]} LIMIT ? OFFSET ?",
                (account, limit, offset),
            ).fetchall()
        return [_record(row) for row in rows], int(total)

    def mark_sent(self, media_id: str, now: float) -> MediaRecord | None:
        """Keep the media a year from its upload, as if sent in an MMS; None if unknown."""
        with self._lock:
            self._purge(now)
            with self._db:
                self._db.execute(
                    "UPDATE media SET sent = 1, expires_at = upload_time + ? WHERE media_id = ?",
                    (SENT_RETENTION, media_id),
                )
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM media WHERE media_id = ?", (media_id,)
            ).fetchone()
        return _record(row) if row else None

    def delete(self, media_id: str, now: float) -> bool:
        """Remove the media as if deleted out of band; False if there was none."""
        with self._lock:
            self._purge(now)
            with self._db:
                deleted = self._db.execute(
                    "DELETE FROM media WHERE media_id = ?", (media_id,)
                ).rowcount
            if deleted:
                self._drop_blob(media_id)
        return bool(deleted)

    def count(self, now: float) -> int:
        with self._lock:
            self._purge(now)
            (total,) = self._db.execute("SELECT COUNT(*) FROM media").fetchone()
        return int(total)

    def clear(self) -> None:
        with self._lock:
            ids = [row[0] for row in self._db.execute("SELECT media_id FROM media")]
            with self._db:
                self._db.execute("DELETE FROM media")
            for media_id in ids:
                self._drop_blob(media_id)

    # -- clock ---------------------------------------------------------------------------

    def load_clock_offset(self) -> float:
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM settings WHERE key = 'clock_offset'"
            ).fetchone()
        return float(row[0]) if row else 0.0

    def save_clock_offset(self, offset: float) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES ('clock_offset', ?)",
                (offset,),
            )

    # -- internals (caller holds the lock) -----------------------------------------------

    def _purge(self, now: float) -> None:
        expired = [
            row[0]
            for row in self._db.execute("SELECT media_id FROM media WHERE expires_at <= ?", (now,))
        ]
        if not expired:
            return
        with self._db:
            self._db.executemany("DELETE FROM media WHERE media_id = ?", [(m,) for m in expired])
        for media_id in expired:
            self._drop_blob(media_id)

    def _put_blob(self, media_id: str, data: bytes) -> None:
        if self._blob_dir is None:
            self._blobs[media_id] = data
            return
        descriptor, temp_path = tempfile.mkstemp(dir=self._blob_dir, prefix=".upload-")
        try:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temp_path, self._blob_dir / media_id)
        except OSError:
            Path(temp_path).unlink(missing_ok=True)
            raise

    def _get_blob(self, media_id: str) -> bytes | None:
        if self._blob_dir is None:
            return self._blobs.get(media_id)
        try:
            return (self._blob_dir / media_id).read_bytes()
        except FileNotFoundError:
            return None

    def _drop_blob(self, media_id: str) -> None:
        if self._blob_dir is None:
            self._blobs.pop(media_id, None)
        else:
            (self._blob_dir / media_id).unlink(missing_ok=True)


def _row(record: MediaRecord) -> tuple[object, ...]:
    return (
        record.media_id, record.account, record.file_name, record.content_type,
        record.size, record.upload_time, int(record.sent), record.expires_at,
    )


def _record(row: Any) -> MediaRecord:
    media_id, account, file_name, content_type, size, upload_time, sent, expires_at = row
    return MediaRecord(
        media_id, account, file_name, content_type,
        int(size), float(upload_time), bool(sent), float(expires_at),
    )
