"""The emulator's store: crash safety of uploads, expiry, and concurrent use on disk."""

from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path

import pytest
import requests

from plivo_media_provider.emulator import Emulator
from plivo_media_provider.emulator import store as store_module
from plivo_media_provider.emulator.store import (
    SENT_RETENTION,
    UNSENT_RETENTION,
    MediaStore,
    NewMedia,
)

ACCOUNT = "MAEMULATORTEST000002"
TOKEN = "tok-PERSIST-2b8e4f61-never-printed"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)


@pytest.fixture(params=["memory", "disk"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStore:
    media = MediaStore(None if request.param == "memory" else tmp_path)
    request.addfinalizer(media.close)
    return media


def test_a_failed_blob_write_leaves_no_record_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(source: str, target: object) -> None:
        raise OSError(28, "No space left on device")

    media = MediaStore(tmp_path)
    try:
        monkeypatch.setattr(store_module.os, "replace", fail)
        with pytest.raises(OSError, match="No space"):
            media.add(ACCOUNT, [NewMedia("a.png", "image/png", PNG)], now=1000.0)
        monkeypatch.undo()

        assert media.page(ACCOUNT, 20, 0, now=1000.0) == ([], 0)
        assert os.listdir(tmp_path / "blobs") == []
    finally:
        media.close()


def test_an_orphan_blob_without_a_record_is_ignored(tmp_path: Path) -> None:
    MediaStore(tmp_path).close()
    (tmp_path / "blobs" / str(uuid.uuid4())).write_bytes(PNG)

    media = MediaStore(tmp_path)
    try:
        assert media.count(now=0.0) == 0
        (record,) = media.add(ACCOUNT, [NewMedia("a.png", "image/png", PNG)], now=0.0)
        assert media.read(ACCOUNT, record.media_id, now=1.0) == (record, PNG)
    finally:
        media.close()


def test_unsent_media_lives_exactly_six_hours(store: MediaStore) -> None:
    (record,) = store.add(ACCOUNT, [NewMedia("a.png", "image/png", PNG)], now=100.0)

    assert store.get(ACCOUNT, record.media_id, now=100.0 + UNSENT_RETENTION - 1) == record
    assert store.get(ACCOUNT, record.media_id, now=100.0 + UNSENT_RETENTION) is None
    assert store.read(ACCOUNT, record.media_id, now=100.0) is None  # purged for good


def test_sent_media_lives_a_year_from_its_upload(store: MediaStore) -> None:
    (record,) = store.add(ACCOUNT, [NewMedia("a.png", "image/png", PNG)], now=0.0)

    sent = store.mark_sent(record.media_id, now=10.0)

    assert sent is not None and sent.sent and sent.expires_at == SENT_RETENTION
    assert store.get(ACCOUNT, record.media_id, now=SENT_RETENTION - 1) is not None
    assert store.get(ACCOUNT, record.media_id, now=SENT_RETENTION) is None


def test_media_of_another_account_is_invisible(store: MediaStore) -> None:
    (record,) = store.add(ACCOUNT, [NewMedia("a.png", "image/png", PNG)], now=0.0)

    assert store.get("MAOTHERACCOUNT000001", record.media_id, now=1.0) is None
    assert store.page("MAOTHERACCOUNT000001", 20, 0, now=1.0) == ([], 0)


def test_clock_offset_is_saved(tmp_path: Path) -> None:
    first = MediaStore(tmp_path)
    first.save_clock_offset(1234.5)
    first.close()

    second = MediaStore(tmp_path)
    try:
        assert second.load_clock_offset() == 1234.5
    finally:
        second.close()


def test_concurrent_uploads_on_disk_all_land(tmp_path: Path) -> None:
    failures: list[str] = []

    def client(worker: int, url: str) -> None:
        with requests.Session() as session:
            session.auth = (ACCOUNT, TOKEN)
            for round_ in range(3):
                data = PNG + bytes([worker, round_])
                response = session.post(
                    f"{url}/v1/Account/{ACCOUNT}/Media/", timeout=10,
                    files=[("file", (f"{worker}-{round_}.png", data, "image/png"))],
                )
                if response.status_code != 200:
                    failures.append(response.text)

    with Emulator(auth_id=ACCOUNT, auth_token=TOKEN, data_dir=tmp_path,
                  rate_limit=None) as emulator:
        threads = [threading.Thread(target=client, args=(n, emulator.url)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stats = requests.get(f"{emulator.url}/__emulator__/stats", timeout=10).json()

    assert failures == []
    assert (stats["uploads"], stats["media"]) == (24, 24)
    assert len(os.listdir(tmp_path / "blobs")) == 24
