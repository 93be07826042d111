"""Test a Pulumi program that declares MediaFiles: no Plivo, no Pulumi CLI."""

from pathlib import Path

import pulumi

from plivo_media_provider import MediaFile
from plivo_media_provider.testing import MediaTestKit


def program() -> None:
    offer = MediaFile("offer", path="offer.txt", reupload_after="4h")
    pulumi.export("offer_url", offer.media_url)


def test_the_offer_is_uploaded_once_then_replaced_when_edited(
    media_kit: MediaTestKit, tmp_path: Path
) -> None:
    (tmp_path / "offer.txt").write_text("20% off all week\n")

    run = media_kit.up(program, work_dir=tmp_path)

    assert run.steps.changes == {"create": 1}
    [offer] = run.uploaded
    assert run.outputs["offer_url"] == offer.media_url
    assert media_kit.client.download(offer) == b"20% off all week\n"
    assert run.second_run.changes == {}  # a second run would change nothing

    (tmp_path / "offer.txt").write_text("30% off this weekend\n")
    plan = media_kit.preview(program, run.state, work_dir=tmp_path)

    assert plan.changes == {"replace": 1}
    assert plan.step("offer").properties == ("content_sha256",)
