"""``pulumi import plivo:index:MediaFile NAME ID`` as ``docs/other-languages.md`` describes it:
the real ``pulumi-resource-plivo`` read with only the id, as the engine's import step sends
it, against the emulator."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from plivo_media_provider.api.client import MediaClient, UploadFile
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.facts import sha256_hex
from plivo_media_provider.plugin.schema import MEDIA_FILE
from tests.conftest import AUTH_TOKEN, provider_env
from tests.support import files
from tests.support.plugin_host import PluginHost

EXECUTABLE = str(Path(sys.executable).parent / "pulumi-resource-plivo")
URN = f"urn:pulumi:dev::demo::{MEDIA_FILE}::logo"
LOGO = files.png_bytes(rgb=(4, 5, 6))


@pytest.fixture
def host(emulator: Emulator, tmp_path: Path) -> Iterator[PluginHost]:
    with PluginHost([EXECUTABLE], env=provider_env(emulator.url), cwd=tmp_path) as plugin:
        plugin.configure({})
        yield plugin


@pytest.fixture
def media_id(client: MediaClient) -> str:
    [stored] = client.upload([UploadFile("brand-logo.png", LOGO, "image/png")])
    return stored.media_id


def test_a_media_id_alone_imports_with_its_file_name_as_the_path(
    host: PluginHost, media_id: str
) -> None:
    id_, outputs, inputs = host.read_for_import(URN, media_id)

    assert id_ == media_id
    assert inputs == {"path": "brand-logo.png", "fileName": "brand-logo.png",
                      "contentType": "image/png"}
    assert outputs["contentSha256"] == sha256_hex(LOGO)


def test_a_path_after_the_colon_is_the_path_and_the_state_id_is_the_media_id_alone(
    host: PluginHost, media_id: str, tmp_path: Path
) -> None:
    files.write(tmp_path / "assets" / "logo.png", LOGO)

    id_, _, inputs = host.read_for_import(URN, f"{media_id}:assets/logo.png")

    assert id_ == media_id
    assert inputs["path"] == "assets/logo.png"
    assert host.engine.logs == []  # the file holds the media's bytes: nothing to warn about


def test_a_path_with_other_bytes_imports_with_a_warning_on_the_resource(
    host: PluginHost, media_id: str, tmp_path: Path
) -> None:
    files.write(tmp_path / "logo.png", files.png_bytes(rgb=(7, 7, 7)))

    id_, _, inputs = host.read_for_import(URN, f"{media_id}:logo.png")

    assert id_ == media_id and inputs["path"] == "logo.png"
    [warning] = host.engine.logs
    assert warning.urn == URN and "logo.png" in warning.message


def test_an_id_plivo_does_not_have_fails_the_import_in_one_line(host: PluginHost) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        host.read_for_import(URN, "0178eb8a-461a-4fd1-bc37-13eebfdc0676")

    details = caught.value.details()
    assert "\n" not in details and "Traceback" not in details
    assert "Cannot import media '0178eb8a-461a-4fd1-bc37-13eebfdc0676'" in details
    assert AUTH_TOKEN not in details
