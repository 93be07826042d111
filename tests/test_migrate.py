"""``plivo-media migrate``: a dynamic stack's MediaFiles as a ``pulumi import --file`` document.

Run in-process through ``cli.main`` on the 0.1.0 state fixture and on exports the dynamic
provider's real server writes against the emulator. What the document does to the plugin
(Read as import, then Check and Diff with the program's inputs) is in
``tests/test_migrate_plugin.py``.
"""

from __future__ import annotations

import copy
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from plivo_media_provider.cli.migrate import (
    ASSETS_TYPE,
    PLUGIN_MEDIA_FILE_TYPE,
    plan_migration,
)
from plivo_media_provider.exits import ExitCode
from tests.conftest import Result
from tests.support import files

FIXTURES = Path(__file__).resolve().parent / "fixtures"
STATE_0_1_0 = FIXTURES / "state-v0.1.0.json"
PROJECT_0_1_0 = FIXTURES / "state-v0.1.0"
DYNAMIC = "pulumi-python:dynamic/plivo:MediaFile"
SECRET_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"

Run = Callable[..., Result]


def fixture_export() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(STATE_0_1_0.read_text())
    return loaded


def media_entries(export: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in export["deployment"]["resources"] if e["type"] == DYNAMIC]


def write_export(folder: Path, export: dict[str, Any]) -> Path:
    path = folder / "export.json"
    path.write_text(json.dumps(export))
    return path


# -- the 0.1.0 fixture -----------------------------------------------------------------------


def test_the_0_1_0_fixture_becomes_one_plugin_import_per_media_file(run: Run) -> None:
    code, out, err = run("migrate", "--state", str(STATE_0_1_0), "--root", str(PROJECT_0_1_0))

    assert code == ExitCode.OK
    document = json.loads(out)
    entries = media_entries(fixture_export())
    assert [r["name"] for r in document["resources"]] == ["menu", "photo", "logo", "banner"]
    assert {r["type"] for r in document["resources"]} == {PLUGIN_MEDIA_FILE_TYPE}
    assert [r["id"] for r in document["resources"]] == [
        format_id(e["id"], e["inputs"]["path"]) for e in entries
    ]
    assert set(document) == {"resources"}
    for line in ["Wrote the import document for 4 MediaFile(s) to stdout.",
                 "pulumi import --file import.json --protect=false --yes"]:
        assert line in err
    for entry in entries:
        assert f"pulumi state delete --yes {entry['urn']}\n" in err


def format_id(media_id: str, path: str) -> str:
    return f"{media_id}:{path}"


def test_the_0_1_0_fixture_warns_only_about_reupload_after(run: Run) -> None:
    _, _, err = run("migrate", "--state", str(STATE_0_1_0), "--root", str(PROJECT_0_1_0))

    warnings = [line for line in err.splitlines() if line.startswith("Warning:")]
    assert warnings == [
        "Warning: menu: declares reupload_after '5h'; the first `pulumi up` after the import "
        "records it as an update, which uploads nothing"
    ]


def test_the_state_can_come_on_stdin(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(STATE_0_1_0.read_text()))

    code, out, _ = run("migrate", "--state", "-", "--root", str(PROJECT_0_1_0))

    assert code == ExitCode.OK
    assert len(json.loads(out)["resources"]) == 4


def test_out_writes_the_document_to_a_file_and_names_it_in_the_next_steps(
    run: Run, tmp_path: Path
) -> None:
    target = tmp_path / "my import.json"

    code, out, err = run("migrate", "--state", str(STATE_0_1_0), "--root", str(PROJECT_0_1_0),
                         "--out", str(target))

    assert code == ExitCode.OK and out == ""
    assert len(json.loads(target.read_text())["resources"]) == 4
    assert f"pulumi import --file '{target}' --protect=false --yes" in err
    assert [p.name for p in tmp_path.iterdir()] == ["my import.json"]  # no temporary left


def test_stack_without_the_pulumi_cli_is_one_line(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "")

    code, out, err = run("migrate", "--stack", "dev")

    assert code == ExitCode.ERROR and out == ""
    assert err.count("\n") == 1 and "needs the pulumi CLI" in err


def test_neither_state_nor_stack_is_bad_usage(run: Run) -> None:
    code, _, err = run("migrate")

    assert code == ExitCode.USAGE
    assert "one of the arguments --state --stack is required" in err


# -- what it refuses -------------------------------------------------------------------------


def refused(run: Run, tmp_path: Path, export: dict[str, Any]) -> str:
    """Run migrate on ``export`` with --out; hold that it failed and wrote nothing."""
    target = tmp_path / "import.json"
    code, out, err = run("migrate", "--state", str(write_export(tmp_path, export)),
                         "--root", str(PROJECT_0_1_0), "--out", str(target))
    assert code == ExitCode.ERROR and out == ""
    assert not target.exists()
    assert err.startswith("Error: ")
    return err


def test_a_missing_state_file_says_how_to_write_one(run: Run, tmp_path: Path) -> None:
    code, _, err = run("migrate", "--state", str(tmp_path / "nope.json"))

    assert code == ExitCode.ERROR
    assert "no such file" in err and "pulumi stack export --file" in err


def test_an_export_without_media_files_is_refused(run: Run, tmp_path: Path) -> None:
    export = fixture_export()
    export["deployment"]["resources"] = []

    err = refused(run, tmp_path, export)

    assert "holds no pulumi-python:dynamic/plivo:MediaFile resources" in err


def test_every_resource_that_cannot_be_imported_is_listed_at_once(
    run: Run, tmp_path: Path
) -> None:
    export = fixture_export()
    menu, photo, *_ = media_entries(export)
    menu["id"] = ""
    menu["outputs"].pop("media_id")
    photo["inputs"]["path"] = {SECRET_KEY: SECRET_SIG, "ciphertext": "v1:AAAA"}
    photo["outputs"].pop("path")

    err = refused(run, tmp_path, export)

    assert "fix these 2 problems" in err
    assert "  - menu: it has no id (media_id) in state; run `pulumi refresh`" in err
    assert "  - photo: path is encrypted in the export; export with `pulumi stack export " \
           "--show-secrets" in err
    assert "Traceback" not in err


def test_a_pending_operation_on_a_media_file_is_refused(run: Run, tmp_path: Path) -> None:
    export = fixture_export()
    interrupted = copy.deepcopy(media_entries(export)[0])
    interrupted["urn"] = interrupted["urn"].replace("::menu", "::flyer")
    export["deployment"]["pending_operations"] = [
        {"resource": interrupted, "type": "creating"}
    ]

    err = refused(run, tmp_path, export)

    assert "flyer: a creating operation was interrupted, so its upload may or may not have " \
           "happened; run `pulumi refresh`" in err


def test_two_media_files_with_one_name_under_different_parents_are_refused(
    run: Run, tmp_path: Path
) -> None:
    export = fixture_export()
    twin = copy.deepcopy(media_entries(export)[2])  # logo
    twin["urn"] = "urn:pulumi:dev::demo::my:index:Brand$" + DYNAMIC + "::logo"
    twin["parent"] = "urn:pulumi:dev::demo::my:index:Brand::acme"
    export["deployment"]["resources"].append(twin)

    err = refused(run, tmp_path, export)

    assert "logo: both urn:pulumi:dev::demo::pulumi-python:dynamic/plivo:MediaFile::logo " \
           "and urn:pulumi:dev::demo::my:index:Brand$" in err
    assert "rename one in the program" in err


# -- what it warns about ---------------------------------------------------------------------


def test_a_missing_or_changed_file_is_a_warning_and_the_document_is_still_written(
    run: Run, tmp_path: Path
) -> None:
    project = Path(shutil.copytree(PROJECT_0_1_0, tmp_path / "project"))
    (project / "media" / "photo.jpg").unlink()
    files.write(project / "media" / "logo.png", files.png_bytes(rgb=(9, 9, 9)))

    code, out, err = run("migrate", "--state", str(STATE_0_1_0), "--root", str(project))

    assert code == ExitCode.OK and len(json.loads(out)["resources"]) == 4
    assert f"Warning: photo: media/photo.jpg (from {project}) does not exist; the next " \
           "`pulumi up` fails until path names a file with the media's bytes" in err
    assert f"Warning: logo: media/logo.png (from {project}) changed since the last " \
           "`pulumi up`" in err and "uploads it as new media" in err


def test_adopt_media_id_is_a_warning_to_leave_it_out_of_the_new_program(
    run: Run, tmp_path: Path
) -> None:
    export = fixture_export()
    banner = media_entries(export)[3]
    banner["inputs"]["adopt_media_id"] = banner["id"]

    code, _, err = run("migrate", "--state", str(write_export(tmp_path, export)),
                       "--root", str(PROJECT_0_1_0))

    assert code == ExitCode.OK
    assert "Warning: banner: declares adopt_media_id; leave adoptMediaId out of the new " \
           "program" in err


# -- what leaves the state -------------------------------------------------------------------


def test_media_assets_and_the_default_provider_leave_after_their_media_files() -> None:
    export = fixture_export()
    stack = "urn:pulumi:dev::demo::pulumi:pulumi:Stack::demo-dev"
    provider = "urn:pulumi:dev::demo::pulumi:providers:pulumi-python::default"
    assets = f"urn:pulumi:dev::demo::{ASSETS_TYPE}::campaign"
    other_dynamic = "urn:pulumi:dev::demo::pulumi-python:dynamic:Resource::counter"
    entries = media_entries(export)
    for entry in entries:
        entry["provider"] = f"{provider}::0c6f3b2d"
    for entry in entries[:2]:
        name = entry["urn"].rsplit("::", 1)[-1]
        entry["urn"] = f"urn:pulumi:dev::demo::{ASSETS_TYPE}${DYNAMIC}::campaign/{name}"
        entry["parent"] = assets
    export["deployment"]["resources"] = [
        {"urn": stack, "type": "pulumi:pulumi:Stack", "custom": False},
        {"urn": provider, "type": "pulumi:providers:pulumi-python", "custom": True,
         "id": "0c6f3b2d"},
        {"urn": assets, "type": ASSETS_TYPE, "custom": False, "parent": stack},
        *entries,
    ]

    alone = plan_migration(copy.deepcopy(export), root=str(PROJECT_0_1_0), source="test")
    export["deployment"]["resources"].append(
        {"urn": other_dynamic, "type": "pulumi-python:dynamic:Resource", "custom": True,
         "id": "1", "provider": f"{provider}::0c6f3b2d"}
    )
    shared = plan_migration(export, root=str(PROJECT_0_1_0), source="test")

    media = [e["urn"] for e in entries]
    assert [r["name"] for r in alone.document["resources"]] == [
        "campaign/menu", "campaign/photo", "logo", "banner"]
    assert alone.old_urns == (*media, assets, provider)
    assert shared.old_urns == (*media, assets)  # another dynamic resource still uses it
