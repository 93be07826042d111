"""A stack program that declares MediaFiles registers what it should (pulumi mocks)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import dill
import pulumi
import pytest
from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks

from plivo_media_provider import MediaFile, MediaFileArgs
from plivo_media_provider.provider import MediaFileProvider
from tests.support import files

TYPE = "pulumi-python:dynamic/plivo:MediaFile"


class RecordingMocks(Mocks):
    """Records registrations and answers with outputs shaped like the provider's."""

    def __init__(self) -> None:
        self.registered: list[MockResourceArgs] = []

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.registered.append(args)
        outputs = {**args.inputs, "media_id": f"{args.name}-id",
                   "media_url": f"https://media.example/{args.name}"}
        return f"{args.name}-id", outputs

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture
def mocks() -> RecordingMocks:
    recording = RecordingMocks()
    pulumi.runtime.set_mocks(recording, project="demo", stack="dev", preview=False)
    return recording


@pytest.fixture
def assets(tmp_path: Path) -> Path:
    files.write(tmp_path / "logo.png", files.png_bytes())
    files.write(tmp_path / "menu.pdf", files.pdf_bytes())
    return tmp_path


@pulumi.runtime.test
def test_a_program_registers_each_media_file_with_its_inputs(
    mocks: RecordingMocks, assets: Path
) -> Any:
    logo = MediaFile("logo", path=str(assets / "logo.png"))
    menu = MediaFile("menu", MediaFileArgs(path=str(assets / "menu.pdf"), file_name="dinner.pdf",
                                           reupload_after="5h"))

    def verify(values: list[Any]) -> None:
        logo_url, menu_name = values
        assert logo_url == "https://media.example/logo"
        assert menu_name == "dinner.pdf"
        by_name = {r.name: r for r in mocks.registered}
        assert set(by_name) == {"logo", "menu"}
        assert all(r.typ == TYPE for r in mocks.registered)
        assert by_name["logo"].inputs["path"] == str(assets / "logo.png")
        assert by_name["menu"].inputs["reupload_after"] == "5h"
        blob = by_name["logo"].inputs["__provider"]
        # The provider is a secret by default: mocks see the secret wrapper.
        assert isinstance(blob, dict) and "value" in blob
        provider = dill.loads(base64.b64decode(blob["value"]))
        assert isinstance(provider, MediaFileProvider)

    return pulumi.Output.all(logo.media_url, menu.file_name).apply(verify)


def test_media_file_needs_a_path() -> None:
    with pytest.raises(TypeError, match="needs path="):
        MediaFile("nothing")
