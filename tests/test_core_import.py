"""The core's import: media that already exists, read by its import id, in-process.

What ``pulumi import`` needs of MediaFile is engine-neutral, so it is tested here on plain
values; ``tests/test_plugin_import.py`` drives the same through the plugin.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from plivo_media_provider.api.client import MediaClient, UploadFile
from plivo_media_provider.api.pool import close_clients
from plivo_media_provider.core.media_file import MediaFiles
from plivo_media_provider.core.values import UNKNOWN, ImportId
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.errors import MediaNotFound, PlivoMediaError
from tests.conftest import AUTH_ID, AUTH_TOKEN
from tests.support import files


@pytest.fixture
def core(monkeypatch: pytest.MonkeyPatch, emulator: Emulator) -> Iterator[MediaFiles]:
    monkeypatch.setenv("PLIVO_AUTH_ID", AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("PLIVO_API_URL", emulator.url)
    yield MediaFiles()
    close_clients()


def stored(client: MediaClient, path: Path, name: str | None = None) -> str:
    [media] = client.upload([UploadFile(name or path.name, path.read_bytes(), "image/png")])
    return media.media_id


@pytest.mark.parametrize(("text", "media_id", "path"), [
    ("0a1b-2c3d", "0a1b-2c3d", None),
    ("0a1b-2c3d:media/logo.png", "0a1b-2c3d", "media/logo.png"),
    ("0a1b-2c3d:C:\\media\\logo.png", "0a1b-2c3d", "C:\\media\\logo.png"),
    ("  0a1b-2c3d:./a b.png", "0a1b-2c3d", "./a b.png"),
])
def test_an_import_id_is_a_media_id_and_maybe_a_path(
    text: str, media_id: str, path: str | None
) -> None:
    parsed = ImportId.parse(text)
    assert (parsed.media_id, parsed.path) == (media_id, path)
    assert ImportId.parse(str(parsed)) == parsed


@pytest.mark.parametrize("text", ["", ":logo.png", "0a1b:", "   "])
def test_a_malformed_import_id_says_what_to_write(text: str) -> None:
    with pytest.raises(ValueError, match=r"<media_id>:<path>"):
        ImportId.parse(text)


def test_import_reads_plivos_bytes_and_gives_inputs_that_plan_no_change(
    core: MediaFiles, client: MediaClient, tmp_path: Path
) -> None:
    logo = files.random_png(tmp_path / "logo.png", 900, seed=1)
    media_id = stored(client, logo)
    imported = core.import_(f"{media_id}:{logo}")
    sha = hashlib.sha256(logo.read_bytes()).hexdigest()
    assert imported.id_ == media_id and imported.warnings == []
    assert imported.inputs == {"path": str(logo), "file_name": "logo.png",
                               "content_type": "image/png"}
    outputs = imported.outputs
    assert outputs["content_sha256"] == sha and outputs["size"] == 900
    assert outputs["media_id"] == media_id and outputs["schema_version"] == 1
    checked = core.check(imported.inputs)
    assert checked.failures == []
    assert not core.diff(outputs, checked.inputs).changes


def test_import_without_a_path_names_the_media_file_name(
    core: MediaFiles, client: MediaClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logo = files.random_png(tmp_path / "elsewhere.png", 700, seed=2)
    media_id = stored(client, logo, name="brand.png")
    monkeypatch.chdir(tmp_path)
    missing = core.import_(media_id)
    assert missing.inputs is not None and missing.inputs["path"] == "brand.png"
    [warning] = missing.warnings
    assert "'brand.png'" in warning and "put the media's file there" in warning
    files.write(tmp_path / "brand.png", logo.read_bytes())
    assert core.import_(media_id).warnings == []


def test_import_of_a_path_with_other_bytes_warns_that_up_replaces(
    core: MediaFiles, client: MediaClient, tmp_path: Path
) -> None:
    logo = files.random_png(tmp_path / "logo.png", 700, seed=3)
    media_id = stored(client, logo)
    files.random_png(logo, 800, seed=4)
    imported = core.import_(f"{media_id}:{logo}")
    [warning] = imported.warnings
    assert "differ from Plivo's" in warning and "replaces the media" in warning
    planned = core.diff(imported.outputs, core.check(imported.inputs or {}).inputs)
    assert planned.replaces == ["content_sha256"]


def test_import_of_an_id_plivo_does_not_have_fails_in_one_line(core: MediaFiles) -> None:
    with pytest.raises(MediaNotFound) as caught:
        core.import_("no-such-media:logo.png")
    message = str(caught.value)
    assert "'no-such-media'" in message and AUTH_ID in message and "plivo-media ls" in message
    assert "\n" not in message


def test_import_of_a_malformed_id_fails_in_one_line(core: MediaFiles) -> None:
    with pytest.raises(PlivoMediaError, match="import id ':x' is malformed"):
        core.import_(":x")


def test_a_previewed_create_leaves_only_plivos_values_unknown() -> None:
    outputs = MediaFiles.preview_create({"path": "a.png", "file_name": "a.png",
                                         "content_type": "image/png", "content_sha256": "ab",
                                         "size": 12})
    assert {k for k, v in outputs.items() if v is UNKNOWN} == {
        "media_id", "media_url", "upload_time", "expires_at"}
    assert outputs["size"] == 12 and outputs["schema_version"] == 1
