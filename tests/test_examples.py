"""Every example program, run as Pulumi runs it: under mocks, then end to end on the emulator.

The mocked run executes the example's own ``__main__.py`` with its folder as the working
directory (as the CLI does) and records what it registers. The end-to-end run feeds those
registered MediaFile inputs to the gRPC engine stand-in, against the emulator, from a copy
of the example folder so a test may edit a file.
"""

from __future__ import annotations

import json
import runpy
import shutil
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from plivo_media_provider.api.client import MediaClient, UploadFile, parse_upload_time
from plivo_media_provider.core.content import inspect_file
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.facts import UNSENT_RETENTION, parse_duration
from plivo_media_provider.testing import MediaTestKit, project_program
from tests.conftest import PinClock, provider_env
from tests.support import files
from tests.support.engine import Engine, ProviderProcess
from tests.support.programs import ASSETS_TYPE, MEDIA_FILE_TYPE, ProgramRun, run_program

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
OWN_EXAMPLES = ["single-file", "folder", "from-config", "adopt", "keep-fresh"]


def project_of(folder: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((folder / "Pulumi.yaml").read_text())
    return loaded


def example_config(folder: Path, stack: str = "example") -> dict[str, str]:
    """A stack config file as the CLI hands it to a program: objects as JSON text."""
    loaded = yaml.safe_load((folder / f"Pulumi.{stack}.yaml").read_text())
    return {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in loaded["config"].items()
    }


def run_example(folder: Path, config: dict[str, str] | None = None) -> ProgramRun:
    name = project_of(REPO if folder == EXAMPLES / "campaign" else folder)["name"]
    return run_program(folder, config=config, project=name, stack="dev")


def stats(emulator: Emulator) -> dict[str, int]:
    with urllib.request.urlopen(f"{emulator.url}/__emulator__/stats", timeout=10) as reply:
        result: dict[str, int] = json.load(reply)
    return result


# -- the projects ----------------------------------------------------------------------------


def test_the_root_project_is_the_demo_running_the_campaign() -> None:
    project = project_of(REPO)

    assert project["name"] == "plivo-media-demo"
    assert project["runtime"] == "python"
    assert (REPO / project["main"] / "__main__.py").is_file()
    assert (REPO / project["main"]).resolve() == EXAMPLES / "campaign"


@pytest.mark.parametrize("example", OWN_EXAMPLES)
def test_each_example_is_a_project_with_a_program_and_a_readme(example: str) -> None:
    folder = EXAMPLES / example
    project = project_of(folder)

    assert project["name"] == f"plivo-media-{example}"
    assert project["runtime"] == "python"
    assert "main" not in project
    assert (folder / "__main__.py").is_file()
    assert "pulumi up" in (folder / "README.md").read_text()


def test_the_committed_assets_are_what_the_generator_writes(tmp_path: Path) -> None:
    generator = runpy.run_path(str(EXAMPLES / "generate_assets.py"))

    written = generator["generate"](tmp_path)

    assert len(written) == 22
    for path in written:
        relative = path.relative_to(tmp_path)
        assert (EXAMPLES / relative).read_bytes() == path.read_bytes(), relative
    assert generator["main"](["--check"]) == 0


@pytest.mark.parametrize(
    ("relative", "content_type"),
    [
        ("campaign/assets/images/banner.jpg", "image/jpeg"),
        ("campaign/assets/images/logo.png", "image/png"),
        ("campaign/assets/images/spinner.gif", "image/gif"),
        ("campaign/assets/menu.pdf", "application/pdf"),
        ("campaign/assets/contact.vcf", "text/vcard"),
        ("folder/media/photos/beach.jpg", "image/jpeg"),
        ("folder/media/photos/sunset.png", "image/png"),
        ("folder/media/stickers/wave.gif", "image/gif"),
    ],
)
def test_the_assets_are_valid_small_media(relative: str, content_type: str) -> None:
    found = inspect_file(str(EXAMPLES / relative))

    assert found.problems == ()
    assert found.content_type == content_type
    assert found.size is not None and found.size < 16 * 1024


# -- what each program registers (mocked runtime) ---------------------------------------------

CAMPAIGN = {
    "campaign/contact.vcf": "assets/contact.vcf",
    "campaign/images/banner.jpg": "assets/images/banner.jpg",
    "campaign/images/logo.png": "assets/images/logo.png",
    "campaign/images/spinner.gif": "assets/images/spinner.gif",
    "campaign/menu.pdf": "assets/menu.pdf",
}


def test_campaign_declares_one_media_file_per_asset_and_exports_their_urls() -> None:
    run = run_example(EXAMPLES / "campaign")

    assert run.media_files == {name: {"path": path} for name, path in CAMPAIGN.items()}
    assert [r.name for r in run.of_type(ASSETS_TYPE)] == ["campaign"]
    logical = {name.removeprefix("campaign/") for name in CAMPAIGN}
    assert set(run.exports["media_urls"]) == logical
    assert set(run.exports["media_ids"]) == logical


def test_single_file_declares_one_media_file_that_is_reuploaded_before_expiry() -> None:
    run = run_example(EXAMPLES / "single-file")

    assert run.media_files == {"logo": {"path": "logo.png", "reupload_after": "5h"}}
    assert [r.type_ for r in run.resources] == [MEDIA_FILE_TYPE]
    assert set(run.exports) == {"media_url", "media_id", "expires_at"}


def test_folder_takes_the_images_but_not_drafts_or_hidden_files() -> None:
    run = run_example(EXAMPLES / "folder")

    assert run.media_files == {
        "gallery/photos/beach.jpg": {"path": "media/photos/beach.jpg"},
        "gallery/photos/sunset.png": {"path": "media/photos/sunset.png"},
        "gallery/stickers/wave.gif": {"path": "media/stickers/wave.gif"},
    }
    assert (EXAMPLES / "folder/media/drafts/sketch.png").is_file()
    assert (EXAMPLES / "folder/media/.notes.txt").is_file()


def test_from_config_declares_what_the_example_stack_config_says() -> None:
    folder = EXAMPLES / "from-config"

    run = run_example(folder, config=example_config(folder))

    assert run.media_files == {
        "campaign/contact": {"path": "media/contact.vcf", "content_type": "text/vcard"},
        "campaign/logo": {"path": "media/logo.png"},
        "campaign/menu": {"path": "media/menu.pdf", "file_name": "lunch-menu.pdf"},
    }
    assert set(run.exports["media_urls"]) == {"contact", "logo", "menu"}


def test_adopt_passes_the_configured_media_id() -> None:
    run = run_example(EXAMPLES / "adopt", config={"plivo-media-adopt:mediaId": "abc-123"})

    assert run.media_files == {"logo": {"path": "logo.png", "adopt_media_id": "abc-123"}}


def test_adopt_without_a_media_id_names_the_missing_config() -> None:
    with pytest.raises(pulumi.ConfigMissingError) as caught:
        run_example(EXAMPLES / "adopt")

    assert "plivo-media-adopt:mediaId" in str(caught.value)


def test_ci_drift_declares_the_offer_that_its_workflow_watches() -> None:
    run = run_example(EXAMPLES / "ci-drift")

    assert run.media_files == {"offer": {"path": "media/offer.txt"}}
    assert set(run.exports) == {"offer_media_id", "offer_media_url",
                                "offer_expires_at_if_unsent"}


def test_keep_fresh_declares_each_file_renewed_before_the_next_scheduled_run() -> None:
    run = run_example(EXAMPLES / "keep-fresh")

    assert run.media_files == {
        "campaign/offer.txt": {"path": "media/offer.txt", "reupload_after": "3h"},
    }
    assert set(run.exports) == {"media_urls", "media_ids"}


def keep_fresh_workflow() -> dict[str, Any]:
    text = (EXAMPLES / "keep-fresh" / "README.md").read_text(encoding="utf-8")
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    loaded: dict[str, Any] = yaml.safe_load(block)
    return loaded


KEEP_FRESH_INTERVAL = timedelta(hours=4)


def test_keep_fresh_workflow_runs_up_with_refresh_every_4_hours_above_reupload_after() -> None:
    workflow = keep_fresh_workflow()
    declared = run_example(EXAMPLES / "keep-fresh").media_files["campaign/offer.txt"]

    # YAML 1.1 reads the bare key `on` as True.
    assert workflow[True]["schedule"] == [{"cron": "0 */4 * * *"}]
    steps = workflow["jobs"]["up"]["steps"]
    runs = [step.get("run", "") for step in steps]
    assert any(r.startswith("pulumi up ") and "--refresh" in r and "--yes" in r for r in runs)
    assert not any("pip install plivo-media-provider" in r for r in runs)
    assert parse_duration(declared["reupload_after"]) < KEEP_FRESH_INTERVAL < UNSENT_RETENTION
    assert workflow["jobs"]["up"]["env"]["PROJECT_DIR"] == "examples/keep-fresh"


def _advance(kit: MediaTestKit, delta: timedelta) -> None:
    request = urllib.request.Request(
        f"{kit.emulator.url}/__emulator__/clock", method="POST",
        data=json.dumps({"advance": delta.total_seconds()}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.status == 200


def _emulator_now(kit: MediaTestKit) -> datetime:
    with urllib.request.urlopen(f"{kit.emulator.url}/__emulator__/clock", timeout=10) as reply:
        return parse_upload_time(json.load(reply)["now"])


@pytest.mark.parametrize(
    "gaps",
    [
        pytest.param([4, 4, 4], id="on-time"),
        pytest.param([4, 3.9, 4.5], id="early-and-late"),
    ],
)
def test_keep_fresh_on_schedule_renews_every_run_and_no_media_expires_unsent(
    gaps: list[float], tmp_path: Path, pin_clock: PinClock
) -> None:
    folder = Path(shutil.copytree(EXAMPLES / "keep-fresh", tmp_path / "keep-fresh"))
    program = project_program(folder)
    with MediaTestKit(project="plivo-media-keep-fresh", stack="dev") as kit:
        # One clock for the provider's diff and the emulator's expiry, moved by the test.
        pin_clock(lambda: _emulator_now(kit))
        run = kit.up(program, work_dir=folder)
        assert run.steps.counts == {"create": 1}
        for hours in gaps:
            _advance(kit, timedelta(hours=hours))  # the next scheduled run starts
            held = {m.media_id for m in kit.media()}
            assert set(run.outputs["media_ids"].values()) <= held  # still there, unsent

            run = kit.up(program, run.state, work_dir=folder)

            assert run.steps.counts == {"replace": 1}
            assert run.steps.step("campaign/offer.txt").properties == ("reupload_after",)
            assert len(run.uploaded) == 1


# -- end to end: the engine stand-in against the emulator --------------------------------------


def _new_pdf(path: Path) -> None:
    files.write(path, files.pdf_bytes("Dinner"))


def _new_png(path: Path) -> None:
    files.write(path, files.png_bytes(rgb=(1, 2, 3)))


def _new_jpeg(path: Path) -> None:
    files.write(path, files.jpeg_bytes())


def _new_text(path: Path) -> None:
    files.write(path, b"Summer sale: 30% off this weekend only.\n")


def _new_vcard(path: Path) -> None:
    files.write(path, files.vcard_bytes("Grace Hopper"))


E2E = [
    pytest.param("campaign", None, "assets/menu.pdf", "campaign/menu.pdf", _new_pdf,
                 id="campaign"),
    pytest.param("single-file", None, "logo.png", "logo", _new_png, id="single-file"),
    pytest.param("folder", None, "media/photos/beach.jpg", "gallery/photos/beach.jpg",
                 _new_jpeg, id="folder"),
    pytest.param("from-config", "example", "media/contact.vcf", "campaign/contact", _new_vcard,
                 id="from-config"),
    pytest.param("ci-drift", None, "media/offer.txt", "offer", _new_text, id="ci-drift"),
    pytest.param("keep-fresh", None, "media/offer.txt", "campaign/offer.txt", _new_text,
                 id="keep-fresh"),
]


@pytest.mark.parametrize(("example", "stack", "edited", "replaced", "edit"), E2E)
def test_example_uploads_every_asset_then_changes_nothing_then_replaces_one_edited_file(
    example: str,
    stack: str | None,
    edited: str,
    replaced: str,
    edit: Callable[[Path], None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    emulator: Emulator,
    client: MediaClient,
) -> None:
    folder = Path(shutil.copytree(EXAMPLES / example, tmp_path / example))
    config = example_config(folder, stack) if stack else None
    name = project_of(REPO if example == "campaign" else folder)["name"]
    declared = run_program(folder, config=config, project=name, stack="dev").media_files
    count = len(declared)
    monkeypatch.chdir(folder)  # the provider runs where the program ran, as under the CLI

    with ProviderProcess(provider_env(emulator.url)) as provider:
        engine = Engine(provider)
        first = engine.up(declared)
        assert first.ok, (first.failures, first.errors)
        assert sorted(first.created) == sorted(declared)
        assert stats(emulator)["uploads"] == count
        assert stats(emulator)["media"] == count
        for resource, entry in engine.state.items():
            held = client.download(client.get(entry.id))
            assert held == (folder / declared[resource]["path"]).read_bytes()

        second = engine.up(declared)
        assert second.ok and not second.changed
        assert sorted(second.same) == sorted(declared)
        assert stats(emulator)["uploads"] == count

        edit(folder / edited)
        redeclared = run_program(folder, config=config, project=name, stack="dev").media_files
        third = engine.up(redeclared)

    assert third.ok, (third.failures, third.errors)
    assert third.replaced == [replaced]
    assert third.replaces[replaced] == ["content_sha256"]
    assert sorted(third.same) == sorted(set(declared) - {replaced})
    assert not third.created and not third.deleted
    assert stats(emulator)["uploads"] == count + 1


def test_adopt_takes_over_uploaded_media_without_uploading_and_refuses_other_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: Emulator, client: MediaClient
) -> None:
    folder = Path(shutil.copytree(EXAMPLES / "adopt", tmp_path / "adopt"))
    [existing] = client.upload(
        [UploadFile("logo.png", (folder / "logo.png").read_bytes(), "image/png")]
    )
    config = {"plivo-media-adopt:mediaId": existing.media_id}
    declared = run_program(folder, config=config, project="plivo-media-adopt").media_files
    monkeypatch.chdir(folder)

    with ProviderProcess(provider_env(emulator.url)) as provider:
        engine = Engine(provider)
        first = engine.up(declared)
        assert first.ok and first.created == ["logo"]
        assert engine.state["logo"].id == existing.media_id
        assert engine.state["logo"].outputs["media_url"] == existing.media_url
        assert not engine.up(declared).changed

        _new_png(folder / "logo.png")
        edited = engine.up(run_program(folder, config=config, project="plivo-media-adopt")
                           .media_files)

    assert "adopt_media_id" in edited.errors["logo"]
    assert "differ from logo.png" in edited.errors["logo"]
    assert stats(emulator)["uploads"] == 1
