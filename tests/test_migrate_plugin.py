"""A stack moved from the dynamic provider to the ``plivo`` plugin uploads nothing.

The dynamic provider's real server uploads the 0.1.0 fixture's declarations to the
emulator; ``plivo-media migrate`` turns its export into an import document; then the real
``pulumi-resource-plivo`` is driven as the engine drives ``pulumi import --file`` (Read with
only the document's id, then Check with Read's inputs as olds and news) and then the next
``pulumi up`` of the switched program (Check with the program's camelCase inputs, Diff
against the imported outputs). The emulator's counters show that nothing was uploaded.
"""

from __future__ import annotations

import json
import shutil
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from plivo_media_provider.emulator import Emulator
from plivo_media_provider.exits import ExitCode
from plivo_media_provider.plugin.schema import MEDIA_FILE, camel
from tests.conftest import AUTH_ID, AUTH_TOKEN, Result, provider_env
from tests.fixtures.make_state_v0_1_0 import RESOURCES
from tests.support.engine import Engine, ProviderProcess, StateEntry
from tests.support.plugin_engine import EngineService, PluginEngine, PluginProcess

FIXTURE_PROJECT = Path(__file__).resolve().parent / "fixtures" / "state-v0.1.0"


def stats(emulator: Emulator) -> dict[str, int]:
    with urllib.request.urlopen(f"{emulator.url}/__emulator__/stats", timeout=10) as reply:
        result: dict[str, int] = json.load(reply)
    return result


class Moved:
    """A dynamic stack on the emulator, and the document migrate wrote from its export."""

    def __init__(self, project: Path, engine: Engine, document: dict[str, Any]) -> None:
        self.project = project
        self.engine = engine
        self.document = document


@pytest.fixture
def moved(tmp_path: Path, emulator: Emulator, run: Callable[..., Result]) -> Iterator[Moved]:
    project = Path(shutil.copytree(FIXTURE_PROJECT, tmp_path / "project"))
    with ProviderProcess(provider_env(emulator.url), cwd=project) as provider:
        engine = Engine(provider)
        outcome = engine.up(RESOURCES)
        assert outcome.ok and sorted(outcome.created) == sorted(RESOURCES), outcome
        export = tmp_path / "export.json"
        export.write_text(json.dumps(engine.export()))
        target = tmp_path / "import.json"
        code, _, _ = run("migrate", "--state", str(export), "--root", str(project),
                         "--out", str(target))
        assert code == ExitCode.OK
        yield Moved(project, engine, json.loads(target.read_text()))


@pytest.fixture
def plugin(moved: Moved, emulator: Emulator) -> Iterator[PluginEngine]:
    with closing(EngineService()) as service, PluginProcess(
        service, env=provider_env(emulator.url), cwd=moved.project
    ) as process:
        process.configure({})
        yield PluginEngine(process)


def import_all(plugin: PluginEngine, moved: Moved) -> dict[str, StateEntry]:
    """``pulumi import --file``: Read each id alone, then Check Read's inputs against
    themselves (the engine only warns on its failures; here there must be none)."""
    for spec in moved.document["resources"]:
        assert spec["type"] == MEDIA_FILE
        _, failures = plugin.import_(spec["name"], spec["id"])
        assert failures == [], (spec["name"], failures)
    return plugin.state


def program() -> dict[str, dict[str, Any]]:
    """What the switched program declares: the old program's inputs, camelCase."""
    return {name: {camel(key): value for key, value in inputs.items()}
            for name, inputs in RESOURCES.items()}


def test_importing_the_document_reads_every_media_and_uploads_nothing(
    moved: Moved, plugin: PluginEngine, emulator: Emulator
) -> None:
    imported = import_all(plugin, moved)

    assert sorted(imported) == sorted(RESOURCES)
    for name, entry in imported.items():
        old = moved.engine.state[name]
        assert entry.id == old.id
        assert entry.outputs["mediaUrl"] == old.outputs["media_url"]
        assert entry.outputs["contentSha256"] == old.outputs["content_sha256"]
        assert entry.inputs["path"] == RESOURCES[name]["path"]
    assert stats(emulator)["uploads"] == len(RESOURCES)
    assert stats(emulator)["media"] == len(RESOURCES)


def test_the_switched_program_plans_no_change_except_reupload_after_as_an_update(
    moved: Moved, plugin: PluginEngine, emulator: Emulator
) -> None:
    import_all(plugin, moved)

    first = plugin.up(program())
    second = plugin.up(program())

    assert first.ok, (first.failures, first.errors)
    assert sorted(first.same) == ["banner", "logo", "photo"]
    assert first.updated == ["menu"]  # reuploadAfter recorded: an update, no upload
    assert not (first.created or first.replaced or first.deleted)
    assert second.ok and not second.changed
    assert stats(emulator)["uploads"] == len(RESOURCES)


def test_declaring_adopt_media_id_after_the_import_would_plan_a_replace(
    moved: Moved, plugin: PluginEngine
) -> None:
    entry = import_all(plugin, moved)["logo"]

    planned = plugin.preview({**program(), "logo": {**program()["logo"],
                                                     "adoptMediaId": entry.id}})

    assert planned.replaces == {"logo": ["adoptMediaId"]}


def test_the_old_resources_leave_through_up_without_plivo_losing_anything(
    moved: Moved, emulator: Emulator
) -> None:
    before = stats(emulator)

    outcome = moved.engine.up({})  # the program no longer declares the dynamic MediaFiles

    assert outcome.ok and sorted(outcome.deleted) == sorted(RESOURCES)
    after = stats(emulator)
    assert after["media"] == before["media"] == len(RESOURCES)
    assert after["uploads"] == before["uploads"]


def test_an_alias_would_replace_every_media_file_when_stack_config_sets_auth_id(
    emulator: Emulator, tmp_path: Path
) -> None:
    # The credentials in plivo:* stack config, none in the plugin's environment.
    env = {k: v for k, v in provider_env(emulator.url).items()
           if k not in ("PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN")}

    with closing(EngineService()) as service, \
            PluginProcess(service, env=env, cwd=tmp_path) as process:
        # What the engine asks the plivo default provider when a resource moves to it from
        # the dynamic provider's default provider, which has no settings.
        diff = process.diff_config({}, {"authId": AUTH_ID, "authToken": AUTH_TOKEN})

    assert list(diff.replaces) == ["authId"]
