"""``plivo-media demo``: each step this machine can run, and the whole demo where Pulumi is.

Without the Pulumi CLI (this sandbox, offline) the steps up to the CLI are covered: finding
or copying the project, the emulator's start and stop, the backend and stack config, the
table, the change check, and the whole demo without Pulumi (through the test kit, for real
against the emulator). The installer, the one step that needs the network, is replaced at
its seam (``PulumiCommand.install``); PATH and HOME are real.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.error
from datetime import datetime, timezone
from pathlib import Path

import pytest
from pulumi import automation as auto
from pulumi.automation.errors import InvalidVersionError
from pulumi.automation.events import OpType
from pytest_mock import MockerFixture

import plivo_media_provider
from plivo_media_provider.api.client import MediaClient, UploadFile
from plivo_media_provider.cli.demo import live as demo
from plivo_media_provider.cli.demo import offline as demo_kit
from plivo_media_provider.cli.demo import project as demo_project
from plivo_media_provider.cli.dispatch import EXIT_ERROR, main
from plivo_media_provider.emulator import DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN, Emulator
from plivo_media_provider.errors import ConfigurationError, TransportError
from tests.support import files

REPO = Path(__file__).resolve().parents[1]
POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="fake CLI is a shell script")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the root project: its Pulumi.yaml and the campaign program with assets."""
    root = tmp_path / "checkout"
    root.mkdir()
    shutil.copy(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    shutil.copytree(REPO / "examples" / "campaign", root / "examples" / "campaign")
    return root


@pytest.fixture
def no_pulumi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH and HOME where no Pulumi CLI is installed; returns the (empty) bin folder."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return bin_dir


def fake_cli(folder: Path, version: str) -> Path:
    """A ``pulumi`` that answers ``pulumi version`` with ``version``."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "pulumi"
    script.write_text(f"#!/bin/sh\necho {version}\n")
    script.chmod(0o755)
    return script


# -- 1. the project ----------------------------------------------------------------------


def test_the_project_is_found_from_a_folder_inside_it() -> None:
    assert demo_project.find_project(REPO / "examples" / "folder" / "media") == REPO


def test_outside_any_checkout_the_installed_checkout_is_used(tmp_path: Path) -> None:
    checkout = Path(plivo_media_provider.__file__).resolve().parents[1]
    if not (checkout / "Pulumi.yaml").is_file():
        pytest.skip("the package is not installed from a checkout (pip install -e .)")

    assert demo_project.find_project(tmp_path) == checkout


def test_no_project_anywhere_says_where_to_run(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        demo_project.find_project(tmp_path, package=tmp_path / "site" / "pkg")

    assert f"No plivo-media-demo project (a Pulumi.yaml named plivo-media-demo) in {tmp_path}" \
        in str(caught.value)
    assert "--project-dir" in str(caught.value)


def test_a_project_dir_holding_something_else_is_refused_before_anything_starts(
    tmp_path: Path,
) -> None:
    files.write(tmp_path / "notes.txt", b"mine")

    with pytest.raises(ConfigurationError, match=r"has no Pulumi\.yaml, not plivo-media-demo"):
        demo.run_demo(project_dir=tmp_path)

    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_project_dir_of_another_project_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["demo", "--project-dir", str(REPO / "examples" / "single-file")])

    assert code == EXIT_ERROR
    assert capsys.readouterr().err == (
        f"Error: {REPO / 'examples' / 'single-file'} holds the project "
        "'plivo-media-single-file', not plivo-media-demo; pass --project-dir with the "
        "repository checkout, whose Pulumi.yaml is the demo project, or with an empty folder "
        "to copy the demo project into.\n"
    )


def test_the_shipped_pulumi_yaml_is_the_root_projects() -> None:
    assert (REPO / "Pulumi.yaml").read_text(encoding="utf-8") == demo_project.PULUMI_YAML


def test_a_copied_project_has_the_checkouts_layout_and_bytes(tmp_path: Path) -> None:
    said: list[str] = []

    found = demo_project.locate_project(tmp_path / "work", say=said.append)

    assert found == tmp_path / "work"
    assert said == [f"Copied the demo project to {found} (Pulumi.yaml and examples/campaign/); "
                    "the demo works there."]
    assert (found / "Pulumi.yaml").read_bytes() == (REPO / "Pulumi.yaml").read_bytes()
    program = REPO / "examples" / "campaign"
    shipped = sorted(p.relative_to(program) for p in program.rglob("*") if p.is_file()
                     and "__pycache__" not in p.parts)
    copied = sorted(p.relative_to(found / "examples" / "campaign")
                    for p in (found / "examples" / "campaign").rglob("*") if p.is_file())
    assert copied == shipped
    for relative in shipped:
        assert (found / "examples" / "campaign" / relative).read_bytes() == \
            (program / relative).read_bytes()
    assert demo_project.locate_project(found, say=pytest.fail) == found  # reused as it is
    (tmp_path / "empty").mkdir()
    assert demo_project.locate_project(tmp_path / "empty", say=said.append) == \
        tmp_path / "empty"
    assert (tmp_path / "empty" / "Pulumi.yaml").is_file()


def test_outside_a_checkout_the_project_is_copied_to_a_folder_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site" / "plivo_media_provider"
    shutil.copytree(REPO / "examples" / "campaign", site / "demo_campaign")
    monkeypatch.chdir(tmp_path)
    said: list[str] = []

    found = demo_project.locate_project(say=said.append, package=site)

    assert found == tmp_path / "plivo-media-demo"
    assert demo_project.shipped_program(package=site) == site / "demo_campaign"
    assert (found / "examples" / "campaign" / "assets" / "menu.pdf").is_file()
    assert said[0].startswith(f"Copied the demo project to {found}")


# -- 2. the Pulumi CLI -------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(urllib.error.URLError("[Errno -2] Name or service not known"), id="offline"),
        pytest.param(subprocess.CalledProcessError(1, ["install.sh"]), id="installer-failed"),
        pytest.param(InvalidVersionError("Could not parse the Pulumi CLI version."),
                     id="unusable-download"),
    ],
)
def test_without_the_cli_and_its_installer_the_demo_runs_through_the_test_kit_and_exits_0(
    failure: Exception,
    no_pulumi: Path,
    project: Path,
    mocker: MockerFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    install = mocker.patch.object(auto.PulumiCommand, "install", side_effect=failure)

    code = main(["demo", "--project-dir", str(project)])

    assert code == 0
    install.assert_called_once_with()
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "The Pulumi CLI is not on PATH; installing it with Pulumi's Automation " \
        "API installer…"
    assert lines[1].startswith(
        "No Pulumi CLI: it is not on PATH and could not be installed automatically ("
        f"{type(failure).__name__}: "
    )
    assert lines[2].startswith("This is NOT a Pulumi deployment")
    assert "curl -fsSL https://get.pulumi.com | sh" in lines[3]
    assert lines[-2].startswith("Done, WITHOUT Pulumi. This is NOT a Pulumi deployment")
    assert "curl -fsSL https://get.pulumi.com | sh" in lines[-1]
    assert "Pulumi deployment" not in out.replace("NOT a Pulumi deployment", "")
    assert "Traceback" not in out + err
    assert err == ""
    assert not (project / demo.BACKEND_DIR).exists()  # no Pulumi state, no stack
    assert not list(project.rglob("Pulumi.*.yaml"))


def test_the_demo_without_pulumi_uploads_the_campaign_and_the_media_stay_with_the_emulator(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shipped = {p: p.read_bytes() for p in (project / "examples" / "campaign").rglob("*")
               if p.is_file()}

    outcome = demo.run_demo(project_dir=project, use_pulumi=False)

    logical = {"contact.vcf", "images/banner.jpg", "images/logo.png", "images/spinner.gif",
               "menu.pdf"}
    assert outcome.ok and not outcome.with_pulumi
    assert set(outcome.ids) == set(outcome.urls) == logical
    assert outcome.first_changes == {"create": 5}
    assert outcome.second_changes == {}
    assert outcome.edit_changes == {"replace": 1}
    assert outcome.drift == {f"campaign/{name}": "in_sync" for name in logical} | {
        "campaign/menu.pdf": "local_changed"}
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Not using the Pulumi CLI (--no-pulumi)."
    assert "replace  campaign/menu.pdf  (content_sha256 changed)" in out
    assert "the kit's state, not a Pulumi stack" in out
    for name in logical:
        assert f"{outcome.ids[name]}  {outcome.urls[name]}" in out
    # The edit was made in the working copy, never in the project.
    assert {p: p.read_bytes() for p in shipped} == shipped
    work = project / demo_kit.KIT_DIR
    assert outcome.work_dir == work
    assert (work / "program" / "assets" / "menu.pdf").read_bytes() != \
        (project / "examples" / "campaign" / "assets" / "menu.pdf").read_bytes()
    export = json.loads((work / demo_kit.STATE_FILE).read_text())
    assert "Not a Pulumi stack" in export["plivo_media_testkit"]
    assert not (project / demo.BACKEND_DIR).exists()

    # The media are there afterwards: the emulator serves them again from its data.
    with Emulator(port=0, data_dir=work / "emulator-data") as emulator, \
            demo_client(emulator.url) as client:
        held = {m.media_id: m for m in client.iter_media()}
        assert set(held) == set(outcome.ids.values())
        logo = held[outcome.ids["images/logo.png"]]
        assert client.download(logo) == \
            (project / "examples" / "campaign" / "assets" / "images" / "logo.png").read_bytes()


def test_the_demo_without_pulumi_honours_the_port(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]

    code = main(["demo", "--no-pulumi", "--project-dir", str(project), "--port", str(free)])

    out = capsys.readouterr().out
    assert code == 0
    assert f"Plivo Media API emulator on http://127.0.0.1:{free};" in out
    assert "is taken" not in out


def test_the_demo_without_pulumi_says_so_when_the_port_is_taken_and_takes_a_free_one(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        outcome = demo.run_demo(project_dir=project, port=port, use_pulumi=False)

    out = capsys.readouterr().out
    assert outcome.ok
    assert f"Port {port} is taken; the emulator takes a free port instead." in out.splitlines()
    emulator_line = next(line for line in out.splitlines()
                         if line.startswith("Plivo Media API emulator on"))
    assert f":{port};" not in emulator_line


def test_a_second_demo_without_pulumi_starts_from_a_fresh_working_folder(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = demo.run_demo(project_dir=project, use_pulumi=False)

    again = demo.run_demo(project_dir=project, use_pulumi=False)

    assert again.ok and again.edit_changes == {"replace": 1}
    assert set(again.ids.values()).isdisjoint(first.ids.values())


@POSIX_ONLY
def test_a_cli_on_path_is_used_and_nothing_is_installed(
    no_pulumi: Path, mocker: MockerFixture
) -> None:
    fake_cli(no_pulumi, "v3.200.0")
    install = mocker.patch.object(auto.PulumiCommand, "install")

    command = demo.find_pulumi_cli(say=pytest.fail)

    assert isinstance(command, auto.PulumiCommand)
    assert command.command == "pulumi"
    assert str(command.version) == "3.200.0"
    install.assert_not_called()


@POSIX_ONLY
def test_a_cli_installed_in_home_but_not_on_path_is_used(
    no_pulumi: Path, mocker: MockerFixture
) -> None:
    script = fake_cli(Path(os.environ["HOME"]) / ".pulumi" / "bin", "v3.201.0")
    install = mocker.patch.object(auto.PulumiCommand, "install")

    command = demo.find_pulumi_cli(say=pytest.fail)

    assert isinstance(command, auto.PulumiCommand)
    assert command.command == str(script)
    install.assert_not_called()


@POSIX_ONLY
def test_a_cli_too_old_for_the_sdk_is_refused_with_how_to_install(no_pulumi: Path) -> None:
    fake_cli(no_pulumi, "v3.0.1")

    with pytest.raises(ConfigurationError) as caught:
        demo.find_pulumi_cli()

    assert "does not work with this Pulumi SDK" in str(caught.value)
    assert "Minimum version requirement failed" in str(caught.value)
    assert "get.pulumi.com" in str(caught.value)


# -- 3. the emulator ---------------------------------------------------------------------


def demo_client(url: str) -> MediaClient:
    return MediaClient(DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN, url, retries=0, read_timeout=5.0)


def test_the_emulator_keeps_media_in_its_data_dir_across_restarts(tmp_path: Path) -> None:
    data_dir = tmp_path / demo.EMULATOR_DIR
    emulator = demo.start_emulator(data_dir, port=0, say=pytest.fail)
    try:
        with demo_client(emulator.url) as client:
            uploaded = client.upload([UploadFile("logo.png", files.png_bytes(), "image/png")])[0]
    finally:
        emulator.stop()
    assert data_dir.is_dir() and any(data_dir.iterdir())

    restarted = demo.start_emulator(data_dir, port=0, say=pytest.fail)
    try:
        with demo_client(restarted.url) as client:
            assert client.get(uploaded.media_id).size == uploaded.size
    finally:
        restarted.stop()


def test_a_stopped_emulator_answers_no_more(tmp_path: Path) -> None:
    emulator = demo.start_emulator(tmp_path / "data", port=0)
    url = emulator.url
    emulator.stop()

    with demo_client(url) as client, pytest.raises(TransportError):
        client.list_page(limit=1, offset=0)


def test_a_taken_port_falls_back_to_a_free_one(tmp_path: Path) -> None:
    said: list[str] = []
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        emulator = demo.start_emulator(tmp_path / "data", port=port, say=said.append)
        try:
            assert emulator.port != port
            with demo_client(emulator.url) as client:
                assert client.list_page(limit=1, offset=0).objects == ()
        finally:
            emulator.stop()

    assert said == [f"Port {port} is taken; the emulator takes a free port instead."]


# -- 4./5. the backend and the stack config ------------------------------------------------


def test_the_backend_is_a_local_folder_and_the_program_runs_with_this_python(
    project: Path,
) -> None:
    env = demo.backend_env(project)

    backend = project / demo.BACKEND_DIR
    assert backend.is_dir()
    assert env["PULUMI_BACKEND_URL"] == backend.resolve().as_uri()
    assert env["PULUMI_BACKEND_URL"].startswith("file:///")
    assert env["PULUMI_CONFIG_PASSPHRASE"] == demo.PASSPHRASE
    assert env["PULUMI_PYTHON_CMD"] == sys.executable
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    assert shutil.which("python3", path=env["PATH"]) or shutil.which("python", path=env["PATH"])


def test_the_backend_and_emulator_folders_are_ignored_by_git() -> None:
    inside = [f"{demo.BACKEND_DIR}/.pulumi/stacks/x.json", f"{demo.EMULATOR_DIR}/media.db",
              "Pulumi.dev.yaml", f"{demo_kit.KIT_DIR}/{demo_kit.STATE_FILE}"]
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    ignored = subprocess.run(
        ["git", "check-ignore", *inside], cwd=REPO, capture_output=True, text=True, check=False
    )
    if ignored.returncode == 128:
        pytest.skip("not a git checkout")

    assert ignored.stdout.split() == inside


def test_the_stack_config_points_at_the_emulator_with_the_token_as_a_secret() -> None:
    config = demo.demo_config("http://127.0.0.1:8099")

    assert {k: (v.value, v.secret) for k, v in config.items()} == {
        "plivo:apiUrl": ("http://127.0.0.1:8099", False),
        "plivo:authId": (DEFAULT_AUTH_ID, False),
        "plivo:authToken": (DEFAULT_AUTH_TOKEN, True),
    }


# -- 6. the table and the change check -----------------------------------------------------


def summary(changes: dict[str, int] | dict[OpType, int]) -> auto.UpdateSummary:
    return auto.UpdateSummary(
        kind="update", start_time=datetime.now(timezone.utc), message="", environment={},
        config={}, result="succeeded", resource_changes=changes,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        pytest.param({"same": 7}, {}, id="all-same"),
        pytest.param({OpType.SAME: 7}, {}, id="op-type-keys"),
        pytest.param({"same": 6, "replace": 1}, {"replace": 1}, id="one-replace"),
        pytest.param({"create": 7}, {"create": 7}, id="first-up"),
        pytest.param({"same": 7, "update": 0}, {}, id="zero-counts-ignored"),
        pytest.param({}, {}, id="empty"),
    ],
)
def test_changes_are_every_operation_but_same(
    counts: dict[str, int], expected: dict[str, int]
) -> None:
    assert demo.changes(summary(counts)) == expected


def test_the_table_lists_each_file_with_its_id_and_url_aligned() -> None:
    table = demo.format_table(
        {"menu.pdf": "http://h/m/2", "images/logo.png": "http://h/m/1"},
        {"menu.pdf": "2", "images/logo.png": "1"},
    )

    assert table.splitlines() == [
        "FILE             MEDIA ID  URL",
        "images/logo.png  1         http://h/m/1",
        "menu.pdf         2         http://h/m/2",
    ]


# -- the whole demo, where the Pulumi CLI exists -------------------------------------------


@pytest.mark.skipif(shutil.which("pulumi") is None, reason="pulumi CLI not on PATH")
def test_the_demo_deploys_the_campaign_and_a_second_up_changes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = demo.run_demo(project_dir=project, port=0)

    logical = {"contact.vcf", "images/banner.jpg", "images/logo.png", "images/spinner.gif",
               "menu.pdf"}
    assert set(outcome.urls) == logical
    assert set(outcome.ids) == logical
    assert outcome.first_changes.get("create") == 7  # the component and five files, + stack
    assert outcome.converged, outcome.second_changes
    assert all(outcome.ids[name] in url for name, url in outcome.urls.items())
    out = capsys.readouterr().out
    assert "Second `pulumi up`: no changes" in out
    assert DEFAULT_AUTH_TOKEN not in out
    assert (project / demo.BACKEND_DIR).is_dir()

    again = demo.run_demo(project_dir=project, port=0)

    assert again.ids == outcome.ids  # the emulator's data and the state were both kept
    assert again.converged
