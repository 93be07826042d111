"""Input hygiene in check: warnings that reach the user, lower-case types, file_name extensions.

Warnings are asserted where the user would see them: in the stderr of the SDK's real
dynamic-provider server (``python -m pulumi.dynamic``), which the engine shows for dynamic
providers, and in the mocks' logger under the test kit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pulumi
import pytest

from plivo_media_provider import MediaFile
from plivo_media_provider import provider as provider_module
from plivo_media_provider.core.inputs import SHORT_REUPLOAD, reupload_after_warning
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.facts import UNSENT_RETENTION, parse_duration
from plivo_media_provider.provider import MediaFileProvider
from plivo_media_provider.testing import MediaTestKit
from tests.conftest import AUTH_ID, AUTH_TOKEN, provider_env
from tests.support import files
from tests.support.engine import Engine, ProviderProcess


@pytest.fixture(autouse=True)
def fresh_clients() -> Iterator[None]:
    yield
    provider_module.close_clients()


@pytest.fixture
def server(emulator: Emulator) -> Iterator[ProviderProcess]:
    with ProviderProcess(provider_env(emulator.url)) as process:
        yield process


@pytest.fixture
def logo(tmp_path: Path) -> str:
    return str(files.write(tmp_path / "logo.png", files.png_bytes()))


def warnings_of(server: ProviderProcess) -> list[str]:
    return [line for line in server.stderr_text().splitlines() if line.startswith("warning: ")]


# -- reupload_after ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("6h", "not shorter than the 6 hours"), ("2d", "not shorter than the 6 hours"),
     ("9m59s", "under 10 minutes"), ("30s", "under 10 minutes"),
     ("5h59m", None), ("10m", None), ("5h", None)],
    ids=["at-retention", "past-retention", "just-under-10m", "seconds", "just-under-6h",
         "at-10m", "advised"],
)
def test_reupload_after_is_warned_at_or_past_retention_and_under_ten_minutes(
    value: str, fragment: str | None
) -> None:
    warning = reupload_after_warning("MediaFile 'logo.png'", value, parse_duration(value))
    if fragment is None:
        assert warning is None
        return
    assert warning is not None and fragment in warning
    assert warning.startswith("MediaFile 'logo.png': reupload_after ")
    assert repr(value) in warning and "'5h'" in warning and "\n" not in warning


def test_the_thresholds_are_plivos_retention_and_ten_minutes() -> None:
    assert reupload_after_warning("x", "a", UNSENT_RETENTION) is not None
    assert reupload_after_warning("x", "a", UNSENT_RETENTION - timedelta(seconds=1)) is None
    assert reupload_after_warning("x", "a", SHORT_REUPLOAD) is None
    assert reupload_after_warning("x", "a", SHORT_REUPLOAD - timedelta(seconds=1)) is not None


def test_a_useless_reupload_after_reaches_the_provider_servers_stderr_as_one_warning(
    server: ProviderProcess, logo: str, emulator: Emulator
) -> None:
    outcome = Engine(server).up({"logo": {"path": logo, "reupload_after": "7h"}})

    assert outcome.ok and outcome.created == ["logo"]  # a warning, not a failure
    [line] = warnings_of(server)
    assert line == (
        f"warning: MediaFile {logo!r}: reupload_after '7h' is not shorter than the 6 hours "
        "after which Plivo deletes media never sent in an MMS, so it never renews unsent media "
        "in time; set it below 6h, such as '5h', or remove it."
    )


def test_a_very_short_reupload_after_is_warned_through_the_server(
    server: ProviderProcess, logo: str
) -> None:
    outcome = Engine(server).preview({"logo": {"path": logo, "reupload_after": "5m"}})

    assert outcome.ok
    [line] = warnings_of(server)
    assert "reupload_after '5m' is under 10 minutes" in line
    assert "most `pulumi up`s will find the media older than that and replace it" in line


def test_a_sensible_reupload_after_warns_nothing(server: ProviderProcess, logo: str) -> None:
    assert Engine(server).up({"logo": {"path": logo, "reupload_after": "5h"}}).ok
    assert warnings_of(server) == []


# -- content_type case ------------------------------------------------------------------------


def test_content_type_is_compared_without_case_and_kept_in_lower_case(
    server: ProviderProcess, logo: str
) -> None:
    engine = Engine(server)
    up = engine.up({"logo": {"path": logo, "content_type": "IMAGE/PNG"}})

    assert up.ok, up.failures
    assert engine.state["logo"].inputs["content_type"] == "image/png"
    assert engine.state["logo"].outputs["content_type"] == "image/png"
    for spelling in ("image/png", "Image/Png"):
        again = engine.preview({"logo": {"path": logo, "content_type": spelling}})
        assert again.same == ["logo"], (spelling, again)


def test_state_holding_another_case_is_no_replace(logo: str) -> None:
    provider = MediaFileProvider()
    news = provider.check({}, {"path": logo, "content_type": "image/png"}).inputs
    olds = {**news, "content_type": "IMAGE/PNG", "media_id": "m1"}

    assert provider.diff("m1", olds, news).replaces == []


def test_an_unknown_type_is_refused_in_the_users_spelling(logo: str) -> None:
    result = MediaFileProvider().check({}, {"path": logo, "content_type": "IMAGE/WEBP"})

    [failure] = result.failures
    assert failure.property == "content_type" and "'IMAGE/WEBP'" in failure.reason


def test_a_mismatching_type_is_refused_in_the_users_spelling(logo: str) -> None:
    result = MediaFileProvider().check({}, {"path": logo, "content_type": "Image/JPEG"})

    [failure] = result.failures
    assert failure.property == "content_type"
    assert failure.reason.startswith("content_type 'Image/JPEG' does not match the content")


def test_the_test_kit_outputs_the_lower_case_type(tmp_path: Path) -> None:
    files.write(tmp_path / "logo.png", files.png_bytes())

    def program() -> None:
        logo = MediaFile("logo", path="logo.png", content_type="Image/PNG")
        pulumi.export("type", logo.content_type)

    with MediaTestKit() as kit:
        run = kit.up(program, work_dir=tmp_path)

    assert run.outputs["type"] == "image/png"
    assert [m.content_type for m in run.uploaded] == ["image/png"]
    assert run.second_run.changes == {}


# -- file_name extension ----------------------------------------------------------------------


def test_a_file_name_whose_extension_contradicts_the_content_is_refused(
    server: ProviderProcess, logo: str, emulator: Emulator
) -> None:
    outcome = Engine(server).up({"logo": {"path": logo, "file_name": "logo.jpg"}})

    assert outcome.created == []
    [(prop, reason)] = outcome.failures["logo"]
    assert prop == "file_name"
    assert reason == (
        f"file_name 'logo.jpg': the extension '.jpg' says image/jpeg but the content of {logo} "
        "is image/png; name it like 'logo.png', or leave file_name unset to use the path's name."
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [("Logo.PNG", files.png_bytes()), ("logo", files.png_bytes()),
     ("logo.bin", files.png_bytes()), ("prices.csv", b"item,price\n"),
     ("card.vcf", b"plain words\n")],
    ids=["upper-case-extension", "no-extension", "unknown-extension", "text-as-csv",
         "text-as-vcard"],
)
def test_file_names_that_agree_with_the_content_pass(
    tmp_path: Path, name: str, data: bytes
) -> None:
    path = files.write(tmp_path / ("data.txt" if data[:1] != b"\x89" else "data.png"), data)

    result = MediaFileProvider().check({}, {"path": str(path), "file_name": name})

    assert result.failures == []
    assert result.inputs["file_name"] == name


def test_a_contradicting_path_and_file_name_are_both_reported(tmp_path: Path) -> None:
    path = files.write(tmp_path / "photo.gif", files.png_bytes())

    result = MediaFileProvider().check({}, {"path": str(path), "file_name": "photo.pdf"})

    found = {f.property: f.reason for f in result.failures}
    assert set(found) == {"path", "file_name"}
    assert "'.gif' says image/gif" in found["path"]
    assert "'.pdf' says application/pdf" in found["file_name"]


def test_a_default_file_name_is_reported_once_on_the_path(tmp_path: Path) -> None:
    path = files.write(tmp_path / "logo.jpg", files.png_bytes())

    result = MediaFileProvider().check({}, {"path": str(path)})

    assert [f.property for f in result.failures] == ["path"]


# -- no credentials ---------------------------------------------------------------------------


def _no_credentials_env(emulator: Emulator, **extra: str) -> dict[str, str]:
    env = provider_env(emulator.url)
    del env["PLIVO_AUTH_ID"], env["PLIVO_AUTH_TOKEN"]
    return {**env, **extra}


def _resources(tmp_path: Path) -> dict[str, dict[str, Any]]:
    return {
        name: {"path": str(files.write(tmp_path / f"{name}.png", files.png_bytes(rgb=(i, 1, 1))))}
        for i, name in enumerate(("logo", "banner", "icon"))
    }


def test_a_preview_without_credentials_warns_once_naming_the_settings(
    emulator: Emulator, tmp_path: Path
) -> None:
    with ProviderProcess(_no_credentials_env(emulator)) as process:
        process.configure({})
        outcome = Engine(process).preview(_resources(tmp_path))
        again = Engine(process).preview(_resources(tmp_path))
        lines = warnings_of(process)

    assert outcome.ok and again.ok and sorted(outcome.created) == ["banner", "icon", "logo"]
    [line] = lines
    for setting in ("plivo:authId", "plivo:authToken", "PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN"):
        assert setting in line
    assert "`pulumi up` fails for every MediaFile it must upload" in line


def test_the_warning_names_only_what_is_missing_and_never_the_token(
    emulator: Emulator, tmp_path: Path
) -> None:
    with ProviderProcess(_no_credentials_env(emulator, PLIVO_AUTH_TOKEN=AUTH_TOKEN)) as process:
        assert Engine(process).preview(_resources(tmp_path)).ok
        text = process.stderr_text()

    [line] = [ln for ln in text.splitlines() if ln.startswith("warning: ")]
    assert "plivo:authId" in line and "PLIVO_AUTH_ID" in line
    assert "authToken" not in line and "AUTH_TOKEN" not in line
    assert AUTH_TOKEN not in text


def test_configured_credentials_warn_nothing(emulator: Emulator, tmp_path: Path) -> None:
    with ProviderProcess(_no_credentials_env(emulator)) as process:
        process.configure({"plivo:authId": AUTH_ID, "plivo:authToken": AUTH_TOKEN,
                           "plivo:apiUrl": emulator.url})
        outcome = Engine(process).up(_resources(tmp_path))
        assert outcome.ok and len(outcome.created) == 3
        assert warnings_of(process) == []


def test_under_the_test_kit_a_warning_is_kept_with_its_resource_not_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    files.write(tmp_path / "logo.png", files.png_bytes())

    def program() -> None:
        MediaFile("logo", path="logo.png", reupload_after="12h")

    with caplog.at_level(logging.WARNING), MediaTestKit() as kit:
        plan = kit.preview(program, work_dir=tmp_path)

    [warning] = plan.warnings
    assert warning.name == "logo"
    assert warning.message.startswith(
        "MediaFile 'logo': reupload_after '12h' is not shorter than the 6 hours")
    assert not any("reupload_after" in r.getMessage() for r in caplog.records), caplog.text
