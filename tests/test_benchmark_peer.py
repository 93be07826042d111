"""The benchmark's naive peer really talks to the emulator through Plivo's own SDK."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import plivo.rest.client
import pytest

from plivo_media_provider.emulator import DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN, Emulator
from tests.benchmarks import peer
from tests.support import files
from tests.support.control import Control


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with Emulator(rate_limit=None) as running:
        monkeypatch.setenv("PLIVO_AUTH_ID", DEFAULT_AUTH_ID)
        monkeypatch.setenv("PLIVO_AUTH_TOKEN", DEFAULT_AUTH_TOKEN)
        monkeypatch.setenv("PLIVO_API_URL", running.url)
        # _point_at rewrites this module attribute; put it back after the test.
        monkeypatch.setattr(plivo.rest.client, "PLIVO_API_BASE_URI",
                            plivo.rest.client.PLIVO_API_BASE_URI)
        peer._client.cache_clear()
        yield running
        peer._client.cache_clear()


# plivo's media.upload opens each file and never closes it; that is the SDK's, not ours.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_peer_uploads_reads_and_sees_a_deletion(emulator: Emulator, tmp_path: Path) -> None:
    path = str(files.random_png(tmp_path / "logo.png", 3000, seed=7))
    provider = peer.NaivePlivoProvider()

    checked = provider.check({}, {"path": path}).inputs
    created = provider.create(checked)
    read = provider.read(created.id, created.outs)
    Control(emulator.url).delete(created.id)
    gone = provider.read(created.id, created.outs)

    with open(path, "rb") as stream:
        assert checked["sha256"] == hashlib.sha256(stream.read()).hexdigest()
    assert Control(emulator.url).stats()["uploads"] == 1
    assert read.id == created.id and read.outs == created.outs
    assert created.outs["media_url"].startswith(emulator.url)
    assert (gone.id, gone.outs) == (None, {})


def test_the_peer_diffs_by_hash(tmp_path: Path) -> None:
    provider = peer.NaivePlivoProvider()
    same = provider.diff("m", {"sha256": "a"}, {"sha256": "a"})
    changed = provider.diff("m", {"sha256": "a"}, {"sha256": "b"})

    assert (same.changes, same.replaces) == (False, [])
    assert (changed.changes, changed.replaces) == (True, ["sha256"])
