"""``pulumi import`` of existing media through the plugin, as the engine runs it.

The engine sends Read with only the import id (no state, no inputs), keeps the id Read
answers, then sends Check with Read's inputs (``ImportStep.Apply`` in pulumi/pulumi). With
the ``import`` resource option, the program's inputs are checked and then diffed against
what Read found: that diff must be empty.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2

from plivo_media_provider.api.client import MediaClient, UploadFile
from plivo_media_provider.emulator import Emulator
from tests.conftest import AUTH_ID, provider_env
from tests.support import files
from tests.support.control import Control
from tests.support.plugin_engine import EngineService, PluginEngine, PluginProcess, to_struct


@pytest.fixture
def engine(engine_service: EngineService, emulator: Emulator, tmp_path: Path
           ) -> Iterator[PluginEngine]:
    """A plugin for the test account, run in the project folder ``tmp_path``."""
    with PluginProcess(engine_service, provider_env(emulator.url), cwd=tmp_path) as plugin:
        yield PluginEngine(plugin)


def existing(client: MediaClient, path: Path, name: str | None = None) -> str:
    """Media uploaded outside Pulumi, holding ``path``'s bytes; its id."""
    [media] = client.upload([UploadFile(name or path.name, path.read_bytes(), "image/png")])
    return media.media_id


def test_import_by_id_and_path_then_up_changes_nothing(
    engine: PluginEngine, client: MediaClient, emulator: Emulator, tmp_path: Path
) -> None:
    logo = files.random_png(tmp_path / "media" / "logo.png", 900, seed=1)
    media_id = existing(client, logo)
    entry, failures = engine.import_("logo", f"{media_id}:media/logo.png")
    assert failures == []
    assert entry.id == media_id  # the media id alone: the path is not part of the id
    assert entry.outputs["contentSha256"] == hashlib.sha256(logo.read_bytes()).hexdigest()
    assert entry.outputs["size"] == 900 and entry.outputs["mediaId"] == media_id
    assert entry.inputs == {"path": "media/logo.png", "fileName": "logo.png",
                            "contentType": "image/png"}
    # The generated code declares those inputs; the next up shows no change.
    outcome = engine.up({"logo": dict(entry.inputs)})
    assert outcome.ok and outcome.same == ["logo"] and not outcome.changed
    assert Control(emulator.url).stats()["uploads"] == 1


def test_import_by_id_alone_names_the_media_file_name_as_its_path(
    engine: PluginEngine, client: MediaClient, emulator: Emulator, tmp_path: Path
) -> None:
    source = files.random_png(tmp_path / "download" / "menu.png", 700, seed=2)
    media_id = existing(client, source)
    files.write(tmp_path / "menu.png", source.read_bytes())  # the project folder
    entry, failures = engine.import_("menu", media_id)
    assert failures == [] and entry.inputs["path"] == "menu.png"
    assert not engine.up({"menu": dict(entry.inputs)}).changed


def test_a_path_with_other_bytes_imports_with_a_warning_and_up_replaces(
    engine: PluginEngine, engine_service: EngineService, client: MediaClient, tmp_path: Path
) -> None:
    logo = files.random_png(tmp_path / "logo.png", 700, seed=3)
    media_id = existing(client, logo)
    files.random_png(logo, 750, seed=4)
    entry, _ = engine.import_("logo", f"{media_id}:{logo}")
    [warning] = engine_service.warnings(engine.urn("logo"))
    assert media_id in warning.message and "replaces the media" in warning.message
    outcome = engine.up({"logo": dict(entry.inputs)})
    assert outcome.replaced == ["logo"] and outcome.replaces["logo"] == ["contentSha256"]


def test_an_id_plivo_does_not_have_fails_the_import_in_one_line(engine: PluginEngine) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        engine.import_("ghost", "0b5e5d9e-0000-4000-8000-000000000000:ghost.png")
    text = caught.value.details()
    assert "Cannot import media '0b5e5d9e-0000-4000-8000-000000000000'" in text
    assert AUTH_ID in text and "plivo-media ls" in text and "\n" not in text
    assert engine.state == {}


def test_the_import_option_plans_no_change_for_the_programs_inputs(
    engine: PluginEngine, client: MediaClient, tmp_path: Path
) -> None:
    logo = files.random_png(tmp_path / "logo.png", 800, seed=5)
    media_id = existing(client, logo)
    program = {"path": str(logo)}
    inputs, failures = engine.check("logo", {}, program)
    assert failures == []
    read = engine.plugin.call("Read", provider_pb2.ReadRequest(id=media_id,
                                                               urn=engine.urn("logo")))
    diff = engine.plugin.call("Diff", provider_pb2.DiffRequest(
        id=read.id, urn=engine.urn("logo"), olds=read.properties, news=to_struct(inputs),
        old_inputs=read.inputs))
    assert diff.changes == provider_pb2.DiffResponse.DIFF_NONE
