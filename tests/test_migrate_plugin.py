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
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime.proto import provider_pb2

from plivo_media_provider.emulator import Emulator
from plivo_media_provider.exits import ExitCode
from plivo_media_provider.plugin.schema import MEDIA_FILE, camel
from tests.conftest import AUTH_ID, AUTH_TOKEN, Result, provider_env
from tests.fixtures.make_state_v0_1_0 import RESOURCES
from tests.support.engine import Engine, ProviderProcess
from tests.support.plugin_host import PluginHost

FIXTURE_PROJECT = Path(__file__).resolve().parent / "fixtures" / "state-v0.1.0"
EXECUTABLE = str(Path(sys.executable).parent / "pulumi-resource-plivo")
NONE = provider_pb2.DiffResponse.DIFF_NONE
SOME = provider_pb2.DiffResponse.DIFF_SOME


def stats(emulator: Emulator) -> dict[str, int]:
    with urllib.request.urlopen(f"{emulator.url}/__emulator__/stats", timeout=10) as reply:
        result: dict[str, int] = json.load(reply)
    return result


def urn(name: str) -> str:
    return f"urn:pulumi:dev::demo::{MEDIA_FILE}::{name}"


class Moved:
    """A dynamic stack on the emulator, its export, and the document migrate wrote."""

    def __init__(self, project: Path, engine: Engine, document: dict[str, Any]) -> None:
        self.project = project
        self.engine = engine
        self.document = document


@pytest.fixture
def moved(
    tmp_path: Path, emulator: Emulator, run: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Moved]:
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
def plugin(moved: Moved, emulator: Emulator) -> Iterator[PluginHost]:
    with PluginHost([EXECUTABLE], env=provider_env(emulator.url), cwd=moved.project) as host:
        host.configure({})
        yield host


def import_all(plugin: PluginHost, moved: Moved) -> dict[str, tuple[str, dict[str, Any],
                                                                    dict[str, Any]]]:
    """``pulumi import --file``: Read each id alone, then Check Read's inputs against
    themselves (the engine only warns on its failures; here there must be none)."""
    imported = {}
    for spec in moved.document["resources"]:
        assert spec["type"] == MEDIA_FILE
        id_, outputs, inputs = plugin.read_for_import(urn(spec["name"]), spec["id"])
        _, failures = plugin.check(urn(spec["name"]), inputs, inputs)
        assert failures == [], (spec["name"], failures)
        imported[spec["name"]] = (id_, outputs, inputs)
    return imported


def program_inputs(name: str) -> dict[str, Any]:
    """What the switched program declares: the old program's inputs, camelCase."""
    return {camel(key): value for key, value in RESOURCES[name].items()}


def test_importing_the_document_reads_every_media_and_uploads_nothing(
    moved: Moved, plugin: PluginHost, emulator: Emulator
) -> None:
    imported = import_all(plugin, moved)

    assert sorted(imported) == sorted(RESOURCES)
    for name, (id_, outputs, inputs) in imported.items():
        old = moved.engine.state[name]
        assert id_ == old.id
        assert outputs["mediaUrl"] == old.outputs["media_url"]
        assert outputs["contentSha256"] == old.outputs["content_sha256"]
        assert inputs["path"] == RESOURCES[name]["path"]
    assert stats(emulator)["uploads"] == len(RESOURCES)
    assert stats(emulator)["media"] == len(RESOURCES)


def test_the_switched_program_plans_no_change_except_reupload_after_as_an_update(
    moved: Moved, plugin: PluginHost, emulator: Emulator
) -> None:
    imported = import_all(plugin, moved)

    planned = {}
    for name, (id_, outputs, inputs) in imported.items():
        checked, failures = plugin.check(urn(name), inputs, program_inputs(name))
        assert failures == [], (name, failures)
        diff = plugin.diff(id_, urn(name), outputs, checked, inputs)
        planned[name] = (diff.changes, list(diff.diffs), list(diff.replaces))

    assert planned == {
        "logo": (NONE, [], []),
        "banner": (NONE, [], []),
        "photo": (NONE, [], []),
        "menu": (SOME, ["reuploadAfter"], []),  # an update, which uploads nothing
    }
    assert stats(emulator)["uploads"] == len(RESOURCES)


def test_declaring_adopt_media_id_after_the_import_would_plan_a_replace(
    moved: Moved, plugin: PluginHost
) -> None:
    id_, outputs, inputs = import_all(plugin, moved)["logo"]

    news = {**program_inputs("logo"), "adoptMediaId": id_}
    checked, failures = plugin.check(urn("logo"), inputs, news)
    diff = plugin.diff(id_, urn("logo"), outputs, checked, inputs)

    assert failures == []
    assert list(diff.replaces) == ["adoptMediaId"]


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

    with PluginHost([EXECUTABLE], env=env, cwd=tmp_path) as host:
        # What the engine asks the plivo default provider when a resource moves to it from
        # the dynamic provider's default provider, which has no settings.
        diff = host.diff_config({}, {"authId": AUTH_ID, "authToken": AUTH_TOKEN})

    assert list(diff.replaces) == ["authId"]
