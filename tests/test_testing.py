"""The test kit: programs under Pulumi's mocks, their MediaFiles through the real provider."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from plivo_media_provider import KitRunError, MediaFile
from plivo_media_provider import provider as provider_module
from plivo_media_provider.cli.dispatch import main
from plivo_media_provider.drift.check import check_drift
from plivo_media_provider.drift.report import DriftOptions
from plivo_media_provider.drift.stack_export import media_resources, parse_export
from plivo_media_provider.emulator import DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN
from plivo_media_provider.testing import MediaTestKit, project_program
from tests.support import files

REPO = Path(__file__).resolve().parents[1]
KIT_EXAMPLE = REPO / "examples" / "testing"


@pytest.fixture
def kit() -> Iterator[MediaTestKit]:
    with MediaTestKit(project="shop", stack="dev") as running:
        yield running


@pytest.fixture
def media(tmp_path: Path) -> Path:
    files.write(tmp_path / "logo.png", files.png_bytes())
    files.write(tmp_path / "menu.pdf", files.pdf_bytes())
    return tmp_path


def stats(kit: MediaTestKit) -> dict[str, int]:
    with urllib.request.urlopen(f"{kit.emulator.url}/__emulator__/stats", timeout=10) as reply:
        result: dict[str, int] = json.load(reply)
    return result


class Bucket(pulumi.CustomResource):
    """A resource of another provider, which the kit leaves to ordinary mocks."""

    def __init__(self, name: str, region: str) -> None:
        super().__init__("aws:s3/bucket:Bucket", name, {"region": region, "arn": None})


def shop() -> None:
    logo = MediaFile("logo", path="logo.png")
    menu = MediaFile("menu", path="menu.pdf", file_name="dinner.pdf")
    bucket = Bucket("site", region="eu-west-1")
    pulumi.export("logo_url", logo.media_url)
    pulumi.export("menu_id", menu.media_id)
    pulumi.export("bucket_region", bucket.urn.apply(lambda _: "eu-west-1"))


# -- a first run ---------------------------------------------------------------------------


def test_a_first_run_uploads_each_media_file_and_returns_the_stack_outputs(
    kit: MediaTestKit, media: Path
) -> None:
    run = kit.up(shop, work_dir=media)

    assert run.steps.counts == {"create": 2}
    assert stats(kit)["uploads"] == 2
    uploaded = {m.file_name: m for m in run.uploaded}
    assert set(uploaded) == {"logo.png", "dinner.pdf"}
    assert kit.client.download(uploaded["logo.png"]) == (media / "logo.png").read_bytes()
    assert kit.client.download(uploaded["dinner.pdf"]) == (media / "menu.pdf").read_bytes()
    assert run.outputs["logo_url"] == uploaded["logo.png"].media_url
    assert run.outputs["menu_id"] == uploaded["dinner.pdf"].media_id
    assert sorted(m.media_id for m in kit.media()) == sorted(m.media_id for m in run.uploaded)
    logo = run.outputs_of("logo")
    assert logo["content_sha256"] == hashlib.sha256((media / "logo.png").read_bytes()).hexdigest()
    assert logo["content_type"] == "image/png"


def test_other_resources_fall_through_to_ordinary_mocks(kit: MediaTestKit, media: Path) -> None:
    run = kit.up(shop, work_dir=media)

    bucket = next(e for e in run.state.entries if e.name == "site")
    assert bucket.type_ == "aws:s3/bucket:Bucket"
    assert bucket.id_ == "site-id"
    assert bucket.outputs == {"region": "eu-west-1"}
    assert [s.name for s in run.steps.steps] == ["logo", "menu"]


def test_other_resources_go_to_the_mocks_you_pass(media: Path) -> None:
    class Fallback(pulumi.runtime.Mocks):
        def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
            return "bucket-7", {**args.inputs, "arn": "arn:aws:s3:::site"}

        def call(self, args: Any) -> tuple[dict[str, Any], None]:
            return {}, None

    with MediaTestKit(fallback=Fallback()) as kit:
        run = kit.up(shop, work_dir=media)

    bucket = next(e for e in run.state.entries if e.name == "site")
    assert (bucket.id_, bucket.outputs["arn"]) == ("bucket-7", "arn:aws:s3:::site")


# -- what a second run would change --------------------------------------------------------


def test_a_second_run_with_the_first_runs_state_changes_nothing(
    kit: MediaTestKit, media: Path
) -> None:
    run = kit.up(shop, work_dir=media)

    assert run.second_run.counts == {"same": 2}
    assert run.second_run.changes == {}
    again = kit.up(shop, run.state, work_dir=media)
    assert again.steps.changes == {}
    assert again.uploaded == ()
    assert stats(kit)["uploads"] == 2
    assert again.outputs == run.outputs


def test_an_edited_file_is_planned_as_one_replace_and_uploaded_once(
    kit: MediaTestKit, media: Path
) -> None:
    first = kit.up(shop, work_dir=media)
    files.write(media / "menu.pdf", files.pdf_bytes("Dinner"))

    plan = kit.preview(shop, first.state, work_dir=media)

    assert plan.changes == {"replace": 1}
    assert plan.step("menu").properties == ("content_sha256",)
    assert plan.step("logo").op == "same"
    assert stats(kit)["uploads"] == 2  # a preview uploads nothing

    second = kit.up(shop, first.state, work_dir=media)

    assert second.steps.names("replace") == ["menu"]
    [menu] = second.uploaded
    assert kit.client.download(menu) == (media / "menu.pdf").read_bytes()
    assert second.outputs["menu_id"] == menu.media_id != first.outputs["menu_id"]
    assert second.outputs["logo_url"] == first.outputs["logo_url"]
    assert second.second_run.changes == {}


def test_a_changed_reupload_after_is_an_update_without_an_upload(
    kit: MediaTestKit, media: Path
) -> None:
    first = kit.up(lambda: MediaFile("logo", path="logo.png"), work_dir=media)

    second = kit.up(lambda: MediaFile("logo", path="logo.png", reupload_after="5h"),
                    first.state, work_dir=media)

    assert second.steps.steps[0].op == "update"
    assert second.steps.steps[0].properties == ("reupload_after",)
    assert second.uploaded == ()
    assert second.outputs_of("logo")["media_id"] == first.outputs_of("logo")["media_id"]
    assert second.outputs_of("logo")["reupload_after"] == "5h"


def test_a_media_file_the_program_no_longer_declares_is_planned_as_a_delete(
    kit: MediaTestKit, media: Path
) -> None:
    first = kit.up(shop, work_dir=media)

    plan = kit.preview(lambda: MediaFile("logo", path="logo.png"), first.state, work_dir=media)

    assert plan.counts == {"delete": 1, "same": 1}
    assert plan.names("delete") == ["menu"]


def test_a_media_assets_set_runs_each_child_through_the_provider(
    kit: MediaTestKit, tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(REPO / "examples" / "campaign", tmp_path / "campaign"))

    run = kit.up(project_program(folder), work_dir=folder)

    assert run.steps.counts == {"create": 5}
    assert set(run.outputs["media_ids"]) == {"contact.vcf", "images/banner.jpg",
                                             "images/logo.png", "images/spinner.gif",
                                             "menu.pdf"}
    assert [e.custom for e in run.state.entries if e.type_ == "plivo:index:MediaAssets"] \
        == [False]
    assert run.second_run.counts == {"same": 5}


# -- failures ------------------------------------------------------------------------------


def test_check_failures_of_every_file_are_raised_together_and_nothing_is_uploaded(
    kit: MediaTestKit, tmp_path: Path
) -> None:
    files.write(tmp_path / "empty.png", b"")
    files.write(tmp_path / "fake.jpg", files.png_bytes())

    def broken() -> None:
        MediaFile("empty", path="empty.png")
        MediaFile("fake", path="fake.jpg")
        MediaFile("missing", path="missing.gif")

    with pytest.raises(KitRunError) as caught:
        kit.up(broken, work_dir=tmp_path)

    assert len(caught.value.failures) == 3
    assert sorted(f.split(":")[0] for f in caught.value.failures) == [
        "MediaFile 'empty'", "MediaFile 'fake'", "MediaFile 'missing'"]
    assert "empty.png" in str(caught.value) and "missing.gif" in str(caught.value)
    assert isinstance(caught.value, AssertionError)
    assert stats(kit)["uploads"] == 0


def test_a_provider_error_is_reported_as_a_failure_of_that_file(
    kit: MediaTestKit, media: Path
) -> None:
    def adopting() -> None:
        MediaFile("logo", path="logo.png", adopt_media_id="no-such-media")

    with pytest.raises(KitRunError, match=r"MediaFile 'logo': adopt_media_id 'no-such-media'"):
        kit.up(adopting, work_dir=media)


# -- the kit's state -----------------------------------------------------------------------


def test_the_state_export_is_labelled_as_the_kits_and_drift_reads_it_as_in_sync(
    kit: MediaTestKit, media: Path
) -> None:
    run = kit.up(shop, work_dir=media)

    export = parse_export(json.dumps(run.state.to_export()), "kit state")

    assert "Not a Pulumi stack" in export["plivo_media_testkit"]
    found = media_resources(export)
    assert sorted(r.name for r in found) == ["logo", "menu"]
    assert all(not r.problems for r in found)
    assert "__provider" not in json.dumps(export)
    report = check_drift(found, kit.client, DriftOptions(root=str(media)))
    assert [r.status for r in report.resources] == ["in_sync", "in_sync"]


def test_plivo_media_drift_reads_the_kits_state_file(
    kit: MediaTestKit, media: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = kit.up(shop, work_dir=media)
    state = tmp_path / "kit-state.json"
    state.write_text(json.dumps(run.state.to_export()))
    monkeypatch.setenv("PLIVO_AUTH_ID", DEFAULT_AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", DEFAULT_AUTH_TOKEN)

    code = main(["drift", "--state", str(state), "--root", str(media),
                 "--api-url", kit.emulator.url, "--json"])

    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert sorted((r["name"], r["status"]) for r in report["resources"]) == [
        ("logo", "in_sync"), ("menu", "in_sync")]


def test_leaving_the_kit_closes_the_providers_clients_for_its_emulator(media: Path) -> None:
    with MediaTestKit() as kit:
        kit.up(shop, work_dir=media)
        url = kit.emulator.url
        assert url in provider_module.cached_api_urls()

    assert url not in provider_module.cached_api_urls()


def test_the_kit_must_be_started_before_use() -> None:
    with pytest.raises(RuntimeError, match="use it in a `with` block"):
        MediaTestKit().preview(shop)


# -- the example on the test kit's page (docs/testing.md) ------------------------------------


def page_block(after: str) -> str:
    """The first fenced code block after the line ``after`` on the test kit's page."""
    text = (REPO / "docs" / "testing.md").read_text(encoding="utf-8")
    start = text.index(after)
    match = re.search(r"```[a-z]*\n(.*?)```", text[start:], re.DOTALL)
    assert match, f"no code block after {after!r}"
    return match.group(1)


def test_the_page_shows_the_example_files_exactly() -> None:
    assert page_block("`conftest.py`:") == (KIT_EXAMPLE / "conftest.py").read_text()
    assert page_block("`test_media.py`:") == (KIT_EXAMPLE / "test_media.py").read_text()


def test_the_pages_example_passes_under_pytest(tmp_path: Path) -> None:
    project = Path(shutil.copytree(KIT_EXAMPLE, tmp_path / "user-project"))
    (project / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "PULUMI_"))}
    env["PLIVO_MEDIA_JOURNAL_DIR"] = str(tmp_path / "journal")

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
