"""A local journal of uploads whose outcome could not be settled, so the next run settles it.

An upload that got no answer is normally settled at once by looking for it in Plivo's
media list (``MediaClient.upload_one``). When Plivo cannot be asked either, the upload may
or may not be stored, and nothing in Pulumi's state remembers it. The journal does: one
small JSON file per unsettled upload, naming the account, the file name, size and sha256,
and when the first attempt started. The next upload of the same bytes under the same name
first looks for media uploaded since then and adopts it, so the retry does not store a
second copy.

Records hold no credentials. A record older than Plivo's 6-hour retention of unsent media
is stale (an unsent copy is gone by then) and is dropped. The journal is best effort: if
its folder cannot be written, the upload's error still says that the media may be stored.

Location: ``PLIVO_MEDIA_JOURNAL_DIR`` if set, else
``$XDG_CACHE_HOME/plivo-media-provider/unsettled-uploads`` (``~/.cache`` by default).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

STALE_AFTER = timedelta(hours=6)
"""Plivo deletes unsent media this long after upload, so older records settle nothing."""

JOURNAL_DIR_ENV = "PLIVO_MEDIA_JOURNAL_DIR"


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

    def file_stem(self) -> str:
        name_hash = hashlib.sha256(self.file_name.encode("utf-8")).hexdigest()[:16]
        return f"{self.sha256}-{self.size}-{name_hash}"


class UploadJournal:
    """Unsettled uploads, one JSON file each, under one folder per account."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_directory()

    def _path(self, key: UploadKey) -> Path:
        return self.directory / key.auth_id / f"{key.file_stem()}.json"

    def since(self, key: UploadKey, now: datetime) -> datetime | None:
        """When the earliest unsettled attempt at ``key`` started, or None if there is none."""
        path = self._path(key)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            started = datetime.fromisoformat(record["started"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if started.tzinfo is None or now - started > STALE_AFTER:
            self.settle(key)
            return None
        return started

    def record(self, key: UploadKey, started: datetime) -> bool:
        """Note an unsettled attempt, keeping the earliest start; False if it cannot be written.

        Written to a temporary file and renamed, so a crash never leaves half a record.
        """
        earlier = self.since(key, started)
        first = min(started, earlier) if earlier is not None else started
        body = {
            "auth_id": key.auth_id,
            "file_name": key.file_name,
            "size": key.size,
            "sha256": key.sha256,
            "started": first.astimezone(timezone.utc).isoformat(),
        }
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        except OSError:
            return False
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(body, stream)
            os.replace(temporary, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            return False
        return True

    def settle(self, key: UploadKey) -> None:
        """Forget ``key``: its upload is known to be stored once, or known to be absent."""
        with contextlib.suppress(OSError):
            self._path(key).unlink(missing_ok=True)
