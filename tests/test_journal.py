"""The upload journal, alone and as the upload protocol uses it across runs."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from plivo_media_provider.api.client import MediaClient, UploadFile
from plivo_media_provider.core.media_file import MediaFiles
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.errors import JournalUnavailable, ReconciliationError
from plivo_media_provider.uploads.journal import (
    JOURNAL_DIR_ENV,
    UploadJournal,
    UploadKey,
    default_directory,
)
from plivo_media_provider.uploads.protocol import upload_once
from tests.conftest import AUTH_ID, AUTH_TOKEN, provider_env
from tests.support import files
from tests.support.control import Control
from tests.support.engine import Engine, ProviderProcess
from tests.support.proxy import Answer, Drop, Request, proxy_to
from tests.test_faults import Stack

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


# -- a journal that is never skipped (issue 20, observation 3) ---------------------------------


def test_a_journal_folder_under_a_regular_file_fails_the_up_before_anything_is_sent(
    emulator: Emulator, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a regular file")
    logo = files.random_png(tmp_path / "logo.png", 700, seed=2)
    env = provider_env(emulator.url, PLIVO_MEDIA_JOURNAL_DIR=str(blocker / "journal"))
    with ProviderProcess(env) as process:
        engine = Engine(process)
        outcome = engine.up({"logo": {"path": str(logo)}})
    [text] = outcome.errors.values()
    line = text.strip()
    assert JOURNAL_DIR_ENV in line and "Not a directory" in line and str(blocker) in line
    assert "\n" not in line and "Traceback" not in line
    assert Control(emulator.url).stats()["requests"] == 0 and not engine.state


def unusable_home(tmp_path: Path, emulator_url: str) -> dict[str, str]:
    """A provider's environment with no journal setting, no XDG_CACHE_HOME and a HOME that
    cannot be created (under a regular file), as in many CI containers."""
    blocker = tmp_path / "home-is-a-file"
    blocker.write_text("")
    env = provider_env(emulator_url, HOME=str(blocker / "runner"),
                       TMPDIR=str(tmp_path / "tmp"))
    del env[JOURNAL_DIR_ENV]
    env.pop("XDG_CACHE_HOME", None)
    (tmp_path / "tmp").mkdir()
    return env


def test_an_unusable_home_falls_back_says_so_and_a_killed_upload_is_adopted_next_run(
    emulator: Emulator, tmp_path: Path
) -> None:
    """The default folder cannot be made: records go to the fallback, with one warning line,
    so a provider killed after Plivo stored its upload leaves a record the next run adopts."""
    logo = files.random_png(tmp_path / "logo.png", 900, seed=3)
    env = unusable_home(tmp_path, emulator.url)
    with proxy_to(emulator.url) as proxy:
        env["PLIVO_API_URL"] = proxy.url
        stored, release = threading.Event(), threading.Event()

        def hold(request: Request, forward: Callable[[], Answer]) -> Answer:
            if request.method != "POST":
                return forward()
            forward()
            stored.set()
            release.wait(30)
            raise Drop

        proxy.rule = hold
        first = ProviderProcess(env)
        try:
            up = threading.Thread(target=Engine(first).up, args=({"logo": {"path": str(logo)}},))
            up.start()
            assert stored.wait(30)
            first.process.kill()
            first.process.wait(10)
            release.set()
            up.join(30)
            warned = first.stderr_text()
        finally:
            release.set()
            first.close()
    fallback = tmp_path / "tmp" / f"plivo-media-provider-{os.getuid()}" / "unsettled-uploads"
    assert warned.count("cannot be written") == 1, warned
    assert f"using {fallback} instead" in warned and JOURNAL_DIR_ENV in warned
    assert len(list(fallback.rglob("*.json"))) == 1
    env["PLIVO_API_URL"] = emulator.url
    with ProviderProcess(env) as second:
        stack = Stack(emulator.url, Engine(second), {"logo": logo})
        stack.assert_converged()
    assert Control(emulator.url).stats()["uploads"] == 1
    assert not list(fallback.rglob("*.json"))


def test_the_fallback_is_refused_when_it_is_not_this_users_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fallback lives in a shared temporary folder: a link planted there is refused."""
    monkeypatch.delenv(JOURNAL_DIR_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file" / "cache"))
    (tmp_path / "file").write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "shared"))
    planted = tmp_path / "shared" / f"plivo-media-provider-{os.getuid()}"
    planted.parent.mkdir()
    (tmp_path / "elsewhere").mkdir()
    planted.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(JournalUnavailable) as caught:
        UploadJournal().ready()
    assert JOURNAL_DIR_ENV in str(caught.value) and "\n" not in str(caught.value)
    assert not list((tmp_path / "elsewhere").iterdir())


def test_the_default_folder_follows_xdg_cache_home_and_is_checked_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(JOURNAL_DIR_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    journal = UploadJournal()
    journal.ready()
    expected = tmp_path / "cache" / "plivo-media-provider" / "unsettled-uploads"
    assert journal.directory == expected and expected.is_dir()
    assert list(expected.iterdir()) == []  # the probe file is gone


def test_create_in_process_sends_nothing_when_the_journal_cannot_be_written(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setenv(JOURNAL_DIR_ENV, str(tmp_path / "file" / "journal"))
    logo = files.write(tmp_path / "logo.png", files.png_bytes())
    warned: list[str] = []
    core = MediaFiles({"plivo:authId": AUTH_ID, "plivo:authToken": AUTH_TOKEN,
                       "plivo:apiUrl": emulator.url}, warn=warned.append)
    checked = core.check({"path": str(logo)})
    with pytest.raises(JournalUnavailable):
        core.create(checked.inputs)
    assert Control(emulator.url).stats()["requests"] == 0 and warned == []


def test_a_record_that_cannot_be_written_after_the_check_stops_that_upload_unsent(
    emulator: Emulator, tmp_path: Path
) -> None:
    journal = UploadJournal(tmp_path / "journal")
    journal.ready()
    (tmp_path / "journal" / AUTH_ID).write_text("the account's folder, replaced by a file")
    logo = UploadFile("logo.png", files.png_bytes(), "image/png")
    with MediaClient(AUTH_ID, AUTH_TOKEN, emulator.url) as client, \
            pytest.raises(JournalUnavailable, match="so it was not sent"):
        upload_once(client, logo, journal)
    assert Control(emulator.url).stats()["requests"] == 0
