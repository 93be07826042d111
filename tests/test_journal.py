"""The upload journal, alone and as the upload protocol uses it across runs."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from plivo_media_provider.api.client import MediaClient, UploadFile
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.errors import JournalUnavailable, ReconciliationError
from plivo_media_provider.uploads.journal import (
    JOURNAL_DIR_ENV,
    UploadJournal,
    UploadKey,
    default_directory,
)
from plivo_media_provider.uploads.protocol import upload_once
from tests.conftest import AUTH_ID, AUTH_TOKEN
from tests.support import files
from tests.support.control import Control

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=timezone.utc)
KEY = UploadKey(AUTH_ID, "logo.png", 73, "ab" * 32)
UPLOADS = f"/v1/Account/{AUTH_ID}/Media"


def started(journal: UploadJournal, key: UploadKey, now: datetime) -> list[datetime]:
    return [attempt.started for attempt in journal.pending(key, now)]


def test_a_recorded_attempt_is_found_by_the_same_key_only(tmp_path: Path) -> None:
    journal = UploadJournal(tmp_path)
    assert journal.begin(KEY, NOW) is not None
    assert started(journal, KEY, NOW + timedelta(minutes=5)) == [NOW]
    other = UploadKey(AUTH_ID, "brand.png", 73, "ab" * 32)
    assert journal.pending(other, NOW) == []


def test_each_attempt_has_its_own_record_oldest_first(tmp_path: Path) -> None:
    """Twins (or two stacks sharing the folder) settling one attempt leave the other's."""
    journal = UploadJournal(tmp_path)
    later = journal.begin(KEY, NOW + timedelta(minutes=10))
    first = journal.begin(KEY, NOW)
    assert later is not None and first is not None
    assert started(journal, KEY, NOW + timedelta(minutes=20)) == [NOW, later.started]
    journal.settle(later)
    assert started(journal, KEY, NOW + timedelta(minutes=20)) == [NOW]


def test_records_older_than_plivos_retention_are_dropped(tmp_path: Path) -> None:
    journal = UploadJournal(tmp_path)
    journal.begin(KEY, NOW)
    assert journal.pending(KEY, NOW + timedelta(hours=6, seconds=1)) == []
    assert not list(tmp_path.rglob("*.json"))


def test_settle_forgets_and_records_hold_no_secrets(tmp_path: Path) -> None:
    journal = UploadJournal(tmp_path)
    attempt = journal.begin(KEY, NOW)
    assert attempt is not None
    [record] = list(tmp_path.rglob("*.json"))
    assert set(json.loads(record.read_text())) == {"auth_id", "file_name", "size", "sha256",
                                                    "started"}
    journal.settle(attempt)
    assert journal.pending(KEY, NOW) == []


def test_an_unwritable_journal_refuses_to_record_in_one_line(tmp_path: Path) -> None:
    """No upload is sent without its record, so a record that cannot be written is an error
    naming the setting, never a silent None."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(JournalUnavailable) as caught:
        UploadJournal(blocker).begin(KEY, NOW)
    message = str(caught.value)
    assert JOURNAL_DIR_ENV in message and "Not a directory" in message and "\n" not in message


def test_a_corrupt_record_is_ignored(tmp_path: Path) -> None:
    journal = UploadJournal(tmp_path)
    journal.begin(KEY, NOW)
    [record] = list(tmp_path.rglob("*.json"))
    record.write_text("{not json")
    assert journal.pending(KEY, NOW) == []


def test_the_folder_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.setenv(JOURNAL_DIR_ENV, str(tmp_path / "j"))
    assert default_directory() == tmp_path / "j"
    monkeypatch.delenv(JOURNAL_DIR_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert default_directory() == tmp_path / "cache" / "plivo-media-provider" / "unsettled-uploads"


def test_an_upload_that_cannot_be_settled_is_adopted_by_the_next_run(
    emulator: Emulator, tmp_path: Path
) -> None:
    """The upload is stored but its answer lost, and listing fails too: the first run can
    only say it may be stored; the second run finds it instead of uploading it again."""
    control = Control(emulator.url)
    journal = UploadJournal(tmp_path / "journal")
    logo = UploadFile("logo.png", files.png_bytes(), "image/png")
    control.fault(method="POST", path=UPLOADS, drop="after")
    control.fault(method="GET", path=UPLOADS, status=500, count=50)
    with MediaClient(AUTH_ID, AUTH_TOKEN, emulator.url, retries=1, backoff_factor=0.01) as c:
        with pytest.raises(ReconciliationError, match="adopts it instead of uploading it twice"):
            upload_once(c, logo, journal)
        assert control.stats()["uploads"] == 1
        control.clear_faults()
        media = upload_once(c, logo, journal)
    assert control.stats()["uploads"] == 1
    assert media.file_name == "logo.png"
    assert not list((tmp_path / "journal").rglob("*.json"))


def test_a_journaled_upload_that_never_landed_is_sent_once(
    emulator: Emulator, tmp_path: Path
) -> None:
    control = Control(emulator.url)
    journal = UploadJournal(tmp_path / "journal")
    logo = UploadFile("logo.png", files.png_bytes(), "image/png")
    key = UploadKey(AUTH_ID, logo.file_name, len(logo.content),
                    hashlib.sha256(logo.content).hexdigest())
    journal.begin(key, datetime.now(timezone.utc) - timedelta(minutes=15))
    with MediaClient(AUTH_ID, AUTH_TOKEN, emulator.url) as c:
        upload_once(c, logo, journal)
    assert control.stats()["uploads"] == 1
    assert journal.pending(key, datetime.now(timezone.utc)) == []
