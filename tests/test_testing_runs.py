"""The test kit's rough edges, smoothed: relative project folders, check warnings per
resource (and in pytest's summary), uploads apart from adoptions, drift while the emulator
is up, the emulator's port, and every parameter documented."""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from plivo_media_provider import MediaFile
from plivo_media_provider.api.client import UploadFile
from plivo_media_provider.cli.dispatch import main
from plivo_media_provider.emulator import DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN, Emulator
from plivo_media_provider.testing import (
    KitWarning,
    MediaKitWarning,
    MediaTestKit,
    project_program,
)
from tests.support import files

REPO = Path(__file__).resolve().parents[1]
SEVEN_HOURS = "reupload_after '7h' is not shorter than the 6 hours"


@pytest.fixture
def kit() -> Iterator[MediaTestKit]:
    with MediaTestKit() as running:
        yield running


@pytest.fixture
def media(tmp_path: Path) -> Path:
    folder = tmp_path / "media"
    files.write(folder / "logo.png", files.png_bytes())
    files.write(folder / "menu.pdf", files.pdf_bytes())
    return folder


def pair() -> None:
    MediaFile("logo", path="logo.png")
    MediaFile("menu", path="menu.pdf")


# -- project_program ----------------------------------------------------------------------


def test_a_relative_project_folder_is_resolved_when_the_program_is_made(
    kit: MediaTestKit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    files.write(tmp_path / "infra" / "logo.png", files.png_bytes())
    (tmp_path / "infra" / "__main__.py").write_text(
        "import pulumi\nfrom plivo_media_provider import MediaFile\n"
        "pulumi.export('url', MediaFile('logo', path='logo.png').media_url)\n"
    )
    monkeypatch.chdir(tmp_path)

    run = kit.up(project_program("infra"), work_dir="infra")

    [logo] = run.uploaded
    assert run.outputs["url"] == logo.media_url
    assert run.state.work_dir == str(tmp_path / "infra")


# -- warnings -----------------------------------------------------------------------------


def test_a_runs_check_warnings_name_the_resource_not_its_file(
    kit: MediaTestKit, media: Path,
) -> None:
    def program() -> None:
        MediaFile("logo", path="logo.png", reupload_after="7h")
        MediaFile("menu", path="menu.pdf", reupload_after="5h")

    with warnings.catch_warnings(record=True) as issued:
        warnings.simplefilter("always")
        run = kit.up(program, work_dir=media)
        plan = kit.preview(program, work_dir=media)

    [warning] = run.warnings
    assert warning.name == "logo"
    assert str(warning).startswith(f"MediaFile 'logo': {SEVEN_HOURS}")
    assert "logo.png" not in str(warning)
    assert run.steps.warnings == run.warnings == plan.warnings
    assert issued == []  # only a kit made with report_warnings=True issues them


def test_with_report_warnings_each_is_a_python_warning_at_the_tests_call(
    media: Path,
) -> None:
    def program() -> None:
        MediaFile("logo", path="logo.png", reupload_after="2m")

    with MediaTestKit(report_warnings=True) as kit, pytest.warns(MediaKitWarning) as issued:
        run = kit.up(program, work_dir=media)

    [warning] = issued.list
    assert str(warning.message) == str(run.warnings[0])
    assert str(warning.message).startswith("MediaFile 'logo': reupload_after '2m' is under 10")
    assert warning.filename == __file__


def test_warnings_of_a_media_assets_set_name_each_child(kit: MediaTestKit, media: Path) -> None:
    from plivo_media_provider import MediaAssets

    run = kit.up(lambda: MediaAssets("set", directory=".", reupload_after="7h"),
                 work_dir=media)

    assert [w.name for w in run.warnings] == ["set/logo.png", "set/menu.pdf"]
    assert run.warnings[0] == KitWarning(
        "set/logo.png", run.warnings[0].message)
    assert run.warnings[0].message.startswith(f"MediaFile 'set/logo.png': {SEVEN_HOURS}")


PROGRAM_WITH_A_WARNING = '''\
import pulumi

from plivo_media_provider import MediaFile
from plivo_media_provider.testing import MediaTestKit


def test_the_offer(media_kit: MediaTestKit, tmp_path) -> None:
    (tmp_path / "offer.txt").write_text("20% off\\n")
    run = media_kit.up(lambda: MediaFile("offer", path="offer.txt", reupload_after="7h"),
                       work_dir=tmp_path)
    assert len(run.uploaded) == 1
'''


def run_user_project(tmp_path: Path, ini: str) -> subprocess.CompletedProcess[str]:
    project = tmp_path / "user-project"
    project.mkdir()
    shutil.copy(REPO / "examples" / "testing" / "conftest.py", project / "conftest.py")
    (project / "test_offer.py").write_text(PROGRAM_WITH_A_WARNING)
    (project / "pytest.ini").write_text(ini)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "PULUMI_"))}
    env["PLIVO_MEDIA_JOURNAL_DIR"] = str(tmp_path / "journal")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_the_plugin_shows_a_kit_warning_in_pytests_summary_without_failing_the_test(
    tmp_path: Path,
) -> None:
    done = run_user_project(tmp_path, "[pytest]\nfilterwarnings = error\n")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed, 1 warning" in done.stdout
    assert "warnings summary" in done.stdout
    assert f"MediaKitWarning: MediaFile 'offer': {SEVEN_HOURS}" in done.stdout
    assert "test_offer.py::test_the_offer" in done.stdout


def test_a_project_that_asks_for_it_fails_on_a_kit_warning(tmp_path: Path) -> None:
    done = run_user_project(
        tmp_path,
        "[pytest]\nfilterwarnings =\n    error\n"
        "    error::plivo_media_provider.testing.MediaKitWarning\n",
    )

    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed" in done.stdout
    assert f"MediaKitWarning: MediaFile 'offer': {SEVEN_HOURS}" in done.stdout


# -- uploads and adoptions ----------------------------------------------------------------


def test_uploaded_holds_only_what_the_run_sent_and_adoptions_are_apart(
    kit: MediaTestKit, media: Path,
) -> None:
    [held] = kit.client.upload([UploadFile("logo.png", (media / "logo.png").read_bytes(),
                                           "image/png")])

    def program() -> None:
        MediaFile("logo", path="logo.png", adopt_media_id=held.media_id)
        MediaFile("menu", path="menu.pdf")

    run = kit.up(program, work_dir=media)

    assert run.steps.counts == {"create": 2}
    assert [m.media_id for m in run.adopted] == [held.media_id]
    [menu] = run.uploaded
    assert menu.file_name == "menu.pdf" and menu.media_id != held.media_id
    assert len(kit.media()) == 2


# -- drift while the emulator is up -------------------------------------------------------


def test_the_kit_reports_drift_of_a_runs_state_while_its_emulator_is_up(
    kit: MediaTestKit, media: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = kit.up(pair, work_dir=media)
    monkeypatch.chdir(tmp_path)  # relative paths start at the run's work_dir, not here

    clean = kit.drift(run.state)
    files.write(media / "menu.pdf", files.pdf_bytes("Dinner"))
    gone = run.outputs_of("logo")["media_id"]
    requests.delete(f"{kit.emulator.url}/__emulator__/media/{gone}",
                    timeout=10).raise_for_status()
    drifted = kit.drift(run.state)

    assert [(r.resource.name, r.status.value) for r in clean.resources] == [
        ("logo", "in_sync"), ("menu", "in_sync")]
    assert clean.exit_code == 0 and clean.source == "test kit state test-project/test"
    assert [(r.resource.name, r.status.value) for r in drifted.resources] == [
        ("logo", "missing_remote"), ("menu", "local_changed")]
    assert drifted.exit_code == 2
    assert drifted.to_json()["schema"] == "plivo-media-drift/1"


def test_a_saved_kit_state_checked_after_the_kit_closed_finds_no_media(
    media: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """As docs/testing.md says: the kit's emulator went with it, so another emulator (or the
    command line's default) holds none of the saved state's media."""
    with MediaTestKit() as kit:
        saved = tmp_path / "kit-state.json"
        saved.write_text(json.dumps(kit.up(pair, work_dir=media).state.to_export()))
        gone_url = kit.emulator.url
    monkeypatch.setenv("PLIVO_AUTH_ID", DEFAULT_AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", DEFAULT_AUTH_TOKEN)
    check = ["drift", "--state", str(saved), "--root", str(media), "--json", "--retries", "0"]

    unreachable = main([*check, "--api-url", gone_url])
    failed = json.loads(capsys.readouterr().out)
    with Emulator(port=0) as other:
        elsewhere = main([*check, "--api-url", other.url])
    report = json.loads(capsys.readouterr().out)

    assert unreachable == 1 and failed["resources"] == [] and failed["error"]
    assert elsewhere == 2
    assert {r["status"] for r in report["resources"]} == {"missing_remote"}


def test_with_a_data_dir_the_media_outlive_the_kit_and_drift_finds_them(
    media: Path, tmp_path: Path,
) -> None:
    with MediaTestKit(data_dir=tmp_path / "data") as kit:
        state = kit.up(pair, work_dir=media).state

    with MediaTestKit(data_dir=tmp_path / "data") as again:
        report = again.drift(state)

    assert [r.status.value for r in report.resources] == ["in_sync", "in_sync"]


def test_config_reaches_the_program_and_never_moves_the_provider_off_the_emulator(
    media: Path,
) -> None:
    import pulumi

    def program() -> None:
        MediaFile("logo", path="logo.png")
        pulumi.export("region", pulumi.Config("shop").require("region"))

    config = {"shop:region": "eu", "plivo:apiUrl": "http://127.0.0.1:9"}
    with MediaTestKit(config=config) as kit:
        run = kit.up(program, work_dir=media)
        held = kit.media()

    assert run.outputs["region"] == "eu"
    assert [m.media_id for m in run.uploaded] == [m.media_id for m in held]


# -- the emulator's port ------------------------------------------------------------------


def test_the_kit_listens_on_the_port_asked_for_and_refuses_a_taken_one() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    with MediaTestKit(port=free) as kit:
        assert kit.emulator.url == f"http://127.0.0.1:{free}"

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            MediaTestKit(port=taken.getsockname()[1]).start()


# -- documented -----------------------------------------------------------------------------


def test_every_parameter_of_the_kit_is_documented_in_its_docstring_and_its_page() -> None:
    page = (REPO / "docs" / "testing.md").read_text(encoding="utf-8")
    assert page.startswith("# Testing your own stacks")
    section = page
    names = [p for p in inspect.signature(MediaTestKit).parameters]
    doc = inspect.getdoc(MediaTestKit) or ""

    assert names == ["project", "stack", "config", "data_dir", "fallback", "port",
                     "report_warnings"]
    assert [n for n in names if f":param {n}:" not in doc] == []
    assert [n for n in names if f"`{n}=" not in section] == []
    assert "provider_config" in section and "kit.drift(" in section
    assert re.search(r"missing_remote", section)
