"""Load and crash consistency: concurrent uploads lose nothing and duplicate nothing, and a
persistent emulator stays whole across a clean stop and a SIGKILL in the middle of a load.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from plivo_media_provider.api.client import Media, MediaClient, UploadFile
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.errors import PlivoMediaError
from tests.conftest import AUTH_ID, AUTH_TOKEN
from tests.support import files
from tests.support.control import Control

THREADS = 8
UPLOADS_PER_THREAD = 200


def upload_file(thread: int, number: int) -> UploadFile:
    """A distinct small PNG per (thread, number), so every upload is identifiable."""
    seed = thread * 100_000 + number
    data = files.png_bytes(pad_to=300 + seed % 97, seed=seed)
    return UploadFile(f"t{thread}-n{number}.png", data, "image/png")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_concurrent_uploads_lose_nothing_and_duplicate_nothing(
    client: MediaClient, emulator: Emulator
) -> None:
    """8 threads share one client and upload 200 files each."""

    def work(thread: int) -> list[tuple[UploadFile, Media]]:
        return [
            (file, client.upload([file])[0])
            for file in (upload_file(thread, n) for n in range(UPLOADS_PER_THREAD))
        ]

    with ThreadPoolExecutor(THREADS) as pool:
        results = [pair for batch in pool.map(work, range(THREADS)) for pair in batch]

    total = THREADS * UPLOADS_PER_THREAD
    sent = {file.file_name: file for file, _ in results}
    returned = {media.media_id: media for _, media in results}
    assert len(sent) == len(returned) == total
    listed = list(client.iter_media())
    assert {m.media_id for m in listed} == set(returned)
    assert len(listed) == total
    assert client.list_page().total_count == total
    stats = Control(emulator.url).stats()
    assert (stats["uploads"], stats["media"], stats["requests"]) == (
        total, total, total + len(listed) // 20 + 1)
    for media in listed:
        assert media == returned[media.media_id]
        assert media.size == len(sent[media.file_name].content)
    # The connections were kept alive: each thread used one, not one per request.
    assert stats["connections"] <= THREADS * 2 + 2


# -- a persistent emulator in a subprocess ---------------------------------------------------


class EmulatorProcess:
    """``plivo-media emulator`` on a free port with a data directory, as a user runs it."""

    def __init__(self, data_dir: Path) -> None:
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "plivo_media_provider", "emulator", "--port", "0",
             "--data-dir", str(data_dir), "--no-rate-limit", "--auth-id", AUTH_ID,
             "--auth-token", AUTH_TOKEN],
            stdout=subprocess.PIPE, stderr=self._log,
            env={k: v for k, v in os.environ.items() if not k.startswith("PLIVO_")},
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline().decode().strip()
        if "listening on " not in first:
            self.stop(signal.SIGKILL)
            raise RuntimeError(f"emulator did not start: {first!r}")
        self.url = first.rsplit(" ", 1)[1]
        self._signalled = False
        self.log = ""

    def signal(self, how: signal.Signals) -> None:
        """Send ``how`` once: SIGINT is Ctrl-C, a clean stop; a second one would cut the
        clean stop short, as a second Ctrl-C does."""
        if not self._signalled and self.process.poll() is None:
            self._signalled = True
            self.process.send_signal(how)

    def stop(self, how: signal.Signals) -> int:
        """Signal ``how`` unless done already, wait, keep the log, and return the exit status."""
        self.signal(how)
        try:
            code = self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        finally:
            if self.process.stdout is not None:
                self.process.stdout.close()
            self._log.seek(0)
            self.log = self._log.read().decode("utf-8", "replace")
            self._log.close()
        return code


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "emulator-data"


@dataclass
class LoadRecord:
    """What the uploading threads saw: confirmed uploads, and those whose outcome is unknown."""

    confirmed: dict[str, Media] = field(default_factory=dict)
    sent: dict[str, UploadFile] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def load_until_stopped(
    url: str, stop_after: int, stop: Callable[[], None], record: LoadRecord, first_thread: int
) -> None:
    """Upload from 8 threads until the emulator goes away; stop it after ``stop_after``
    confirmed uploads by calling ``stop()`` from the thread that saw the last of them."""
    stopped = threading.Event()
    goal = len(record.confirmed) + stop_after

    with MediaClient(AUTH_ID, AUTH_TOKEN, url, retries=0, read_timeout=10) as client:

        def work(thread: int) -> None:
            for number in range(UPLOADS_PER_THREAD):
                file = upload_file(thread, number)
                with record.lock:
                    record.sent[file.file_name] = file
                try:
                    [media] = client.upload([file])
                except PlivoMediaError:
                    return  # the emulator is gone; what happened to this one is unknown
                with record.lock:
                    record.confirmed[file.file_name] = media
                    due = len(record.confirmed) >= goal and not stopped.is_set()
                    if due:
                        stopped.set()
                if due:
                    stop()

        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(work, range(first_thread, first_thread + THREADS)))
    assert stopped.is_set(), "the load finished before the emulator was stopped"


def assert_whole(url: str, record: LoadRecord) -> int:
    """Every confirmed upload is there with its bytes; every record's bytes are whole."""
    with MediaClient(AUTH_ID, AUTH_TOKEN, url) as client:
        listed = {media.media_id: media for media in client.iter_media()}
        for name, media in record.confirmed.items():
            assert media.media_id in listed, f"confirmed upload {name} was lost"
        for media in listed.values():
            sent = record.sent[media.file_name]
            data = client.download(media)  # a record whose blob is missing answers 404
            assert len(data) == media.size == len(sent.content)
            assert sha256(data) == sha256(sent.content)
        names = [media.file_name for media in listed.values()]
        assert len(names) == len(set(names)), "an upload was stored twice"
        assert Control(url).stats()["media"] == len(listed)
    return len(listed)


@pytest.mark.parametrize(
    "how", [signal.SIGINT, signal.SIGKILL], ids=["clean-stop", "sigkill"]
)
def test_a_persistent_emulator_stopped_mid_load_restarts_whole(
    data_dir: Path, how: signal.Signals
) -> None:
    """Three rounds of: start on the same data, load from 8 threads, stop mid-load."""
    record = LoadRecord()
    for round_ in range(3):
        emulator = EmulatorProcess(data_dir)
        try:
            load_until_stopped(emulator.url, 150, lambda e=emulator: e.signal(how), record,
                               first_thread=round_ * THREADS)
        finally:
            code = emulator.stop(how)
        assert code == (0 if how == signal.SIGINT else -signal.SIGKILL)
        assert "Traceback" not in emulator.log
    assert len(record.confirmed) >= 3 * 150

    again = EmulatorProcess(data_dir)
    try:
        stored = assert_whole(again.url, record)
    finally:
        assert again.stop(signal.SIGINT) == 0
    assert "Traceback" not in again.log
    # Anything beyond the confirmed uploads was in flight when the emulator went away.
    assert len(record.confirmed) <= stored <= len(record.sent)
