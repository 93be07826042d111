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
from plivo_media_provider.provider import MediaFileProvider
from tests.support import files
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
