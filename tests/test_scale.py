"""Scale: 5,000 MediaFiles in one program under Pulumi's mocks, 2,000 through the gRPC server.

The SDK's ``serialize_provider`` wraps ``pickle._Pickler._batch_setitems`` once more on every
call and never unwraps it; a provider whose pickle walks that chain hit ``RecursionError``
near the 1,000th resource. These tests declare far more than that. The mocked-program test
restores the pickler afterwards, so later tests in this process see a clean one.
"""

from __future__ import annotations

import base64
import pickle
from collections.abc import Iterator
from pathlib import Path

import dill
import pytest

from plivo_media_provider import MediaFile
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.provider import MediaFileProvider
from tests.conftest import provider_env
from tests.support import files
from tests.support.control import Control
from tests.support.engine import Engine, ProviderProcess
from tests.support.programs import MEDIA_FILE_TYPE, declare

PROGRAM_RESOURCES = 5_000


@pytest.fixture
def sdk_pickler_restored() -> Iterator[None]:
    """Undo the SDK's per-call patching of the pure-Python pickler once the test is done."""
    saved = (pickle._Pickler._batch_setitems, pickle._Pickler.save_dict)  # type: ignore[attr-defined]
    yield
    pickle._Pickler._batch_setitems, pickle._Pickler.save_dict = saved  # type: ignore[attr-defined]


def test_a_program_declares_5000_media_files(
    tmp_path: Path, sdk_pickler_restored: None
) -> None:
    logo = files.write(tmp_path / "logo.png", files.png_bytes())

    def program() -> None:
        for index in range(PROGRAM_RESOURCES):
            MediaFile(f"m{index:04d}", path=str(logo), file_name=f"m{index:04d}.png")

    run = declare(program)
    registered = run.of_type(MEDIA_FILE_TYPE)
    assert len(registered) == PROGRAM_RESOURCES
    blobs = {r.inputs["__provider"]["value"] for r in registered}
    assert len(blobs) == 1, "every resource carries the same provider bytes"
    assert isinstance(dill.loads(base64.b64decode(blobs.pop())), MediaFileProvider)


ENGINE_RESOURCES = 2_000


def test_2000_media_files_through_the_provider_server(
    emulator: Emulator, tmp_path: Path
) -> None:
    """up, a no-op preview, and a refresh that lists rather than sending 2,000 GETs."""
    logo = str(files.write(tmp_path / "logo.png", files.png_bytes()))
    resources = {f"m{i:04d}": {"path": logo, "file_name": f"m{i:04d}.png"}
                 for i in range(ENGINE_RESOURCES)}
    control = Control(emulator.url)
    with ProviderProcess(provider_env(emulator.url)) as provider:
        engine = Engine(provider, parallelism=8)
        created = engine.up(resources)
        assert created.ok and len(created.created) == ENGINE_RESOURCES
        assert control.stats()["uploads"] == ENGINE_RESOURCES

        preview = engine.preview(resources)
        assert preview.ok and not preview.changed
        assert len(preview.same) == ENGINE_RESOURCES

        before = control.stats()["requests"]
        refreshed = engine.refresh()
        sent = control.stats()["requests"] - before
    assert refreshed.ok and refreshed.deleted == [] and len(engine.state) == ENGINE_RESOURCES
    # One list request per 20 media, the listing's page budget allowing a couple more.
    assert sent <= ENGINE_RESOURCES // 20 + 3, f"refresh sent {sent} requests"
