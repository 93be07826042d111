"""A stack program that declares MediaFiles registers what it should (pulumi mocks)."""

from __future__ import annotations

import base64
import re
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


ARGUMENTS = "the arguments are path, file_name, content_type, adopt_media_id, reupload_after"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: MediaFile("logo", pth="logo.png"),  # type: ignore[call-overload]
         f"MediaFile 'logo': unknown argument 'pth' (did you mean path?); {ARGUMENTS} and opts"),
        (lambda: MediaFile("logo", path="logo.png", reupload_afer="5h"),  # type: ignore[call-overload]
         "MediaFile 'logo': unknown argument 'reupload_afer' (did you mean reupload_after?); "
         f"{ARGUMENTS} and opts"),
        (lambda: MediaFileArgs(pth="logo.png"),  # type: ignore[call-arg]
         "MediaFileArgs: unknown argument 'pth' (did you mean path?); the arguments are "
         "path, file_name, content_type, adopt_media_id and reupload_after"),
        (lambda: MediaFile("logo", path="a.png", colour="red", fle_name="b.png"),  # type: ignore[call-overload]
         "MediaFile 'logo': unknown arguments 'colour', 'fle_name' (did you mean file_name?); "
         f"{ARGUMENTS} and opts"),
        (lambda: MediaFile("logo", MediaFileArgs(path="a.png"), path="b.png"),  # type: ignore[call-overload]
         "MediaFile 'logo': pass either MediaFileArgs or keyword arguments, not both"),
        (lambda: MediaFile("logo", {"path": "a.png"}),  # type: ignore[call-overload]
         "MediaFile 'logo': args must be MediaFileArgs, got dict"),
    ],
    ids=["misspelt-path", "misspelt-option", "misspelt-args-field", "two-unknown",
         "args-and-keywords", "args-not-args"],
)
def test_a_misspelt_or_misused_argument_is_one_type_error_naming_it(
    mocks: RecordingMocks, call: Any, message: str,
) -> None:
    with pytest.raises(TypeError) as caught:
        call()

    assert str(caught.value) == message
    assert mocks.registered == []


def test_the_media_file_page_quotes_the_misspelt_keyword_message_as_raised(
    mocks: RecordingMocks,
) -> None:
    docs = Path(__file__).resolve().parents[1] / "docs"
    page = (docs / "media-file.md").read_text(encoding="utf-8")
    quoted = re.search(r"`(MediaFile 'logo': unknown argument 'pth'.*?)`", page, re.DOTALL)
    assert quoted is not None

    with pytest.raises(TypeError) as caught:
        MediaFile("logo", pth="logo.png")  # type: ignore[call-overload]

    assert " ".join(quoted.group(1).split()) == str(caught.value)
