"""Each provider method in-process, against the emulator; only the clock is mocked."""

from __future__ import annotations

import pickle
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi.output import UNKNOWN, Unknown

from plivo_media_provider import provider as provider_module
from plivo_media_provider.api.client import parse_upload_time
from plivo_media_provider.clock import CLOCK
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.errors import (
    AuthenticationError,
    ConfigurationError,
    ContentError,
    ServerError,
    TransportError,
)
from plivo_media_provider.facts import parse_duration
from plivo_media_provider.provider import MediaFileProvider
from tests.conftest import AUTH_ID, AUTH_TOKEN, PinClock
from tests.support import files
from tests.support.control import Control


@pytest.fixture(autouse=True)
def fresh_clients() -> Iterator[None]:
    yield
    provider_module.close_clients()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, emulator: Emulator) -> Control:
    monkeypatch.setenv("PLIVO_AUTH_ID", AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("PLIVO_API_URL", emulator.url)
    # Through the settings seam: retries are exercised in full, without seconds of backoff.
    monkeypatch.setenv("PLIVO_BACKOFF_FACTOR", "0.01")
    return Control(emulator.url)


@pytest.fixture
def logo(tmp_path: Path) -> Path:
    return files.write(tmp_path / "logo.png", files.png_bytes())


def checked(path: Path | str, **extra: Any) -> dict[str, Any]:
    result = MediaFileProvider().check({}, {"path": str(path), **extra})
    assert not result.failures, [(f.property, f.reason) for f in result.failures]
    return result.inputs


def failures(news: dict[str, Any]) -> dict[str, str]:
    return {f.property: f.reason for f in MediaFileProvider().check({}, news).failures}


# -- check -----------------------------------------------------------------------------------


def test_check_adds_hash_size_type_and_default_name(logo: Path) -> None:
    inputs = checked(logo)
    assert inputs["content_sha256"] == files_sha(logo)
    assert inputs["size"] == logo.stat().st_size
    assert inputs["content_type"] == "image/png"
    assert inputs["file_name"] == "logo.png"


def files_sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_check_requires_path() -> None:
    assert "path is required" in failures({})["path"]


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("../etc/passwd", "without '/'"), ("a\\b.png", "without '/'"), ("", "non-empty"),
     ("x" * 300 + ".png", "over the limit of 255"), ("bad\nname.png", "control characters")],
    ids=["dotdot", "backslash", "empty", "too-long", "newline"],
)
def test_check_refuses_bad_file_names(logo: Path, name: str, fragment: str) -> None:
    assert fragment in failures({"path": str(logo), "file_name": name})["file_name"]


def test_check_reports_problems_on_the_property_at_fault(logo: Path) -> None:
    found = failures({"path": str(logo), "content_type": "image/webp", "reupload_after": "soon"})
    assert set(found) == {"content_type", "reupload_after"}
    assert "'image/webp'" in found["content_type"]
    assert "'soon'" in found["reupload_after"]


def test_check_with_unknown_path_during_preview_does_not_crash() -> None:
    result = MediaFileProvider().check({}, {"path": UNKNOWN})
    assert not result.failures
    assert isinstance(result.inputs["content_sha256"], Unknown)
    assert isinstance(result.inputs["file_name"], Unknown)


def test_check_never_uploads(env: Control, tmp_path: Path, logo: Path) -> None:
    MediaFileProvider().check({}, {"path": str(logo)})
    MediaFileProvider().check({}, {"path": str(tmp_path / "missing.png")})
    assert env.stats()["requests"] == 0


# -- diff ------------------------------------------------------------------------------------


def outputs_for(inputs: dict[str, Any], **live: Any) -> dict[str, Any]:
    return {**inputs, "media_id": "m1", "media_url": "http://x/m1", "size": float(inputs["size"]),
            "upload_time": "2026-11-29T05:00:00.000000Z",
            "expires_at": "2026-11-29T11:00:00.000000Z", **live}


def test_diff_reports_no_change_for_identical_content(logo: Path) -> None:
    inputs = checked(logo)
    result = MediaFileProvider().diff("m1", outputs_for(inputs), inputs)
    assert result.changes is False and result.replaces == []


def test_diff_ignores_a_moved_file_with_the_same_bytes(logo: Path, tmp_path: Path) -> None:
    olds = outputs_for(checked(logo))
    moved = files.write(tmp_path / "elsewhere" / "logo.png", logo.read_bytes())
    assert MediaFileProvider().diff("m1", olds, checked(moved)).changes is False


def test_diff_replaces_edited_content(logo: Path) -> None:
    olds = outputs_for(checked(logo))
    files.write(logo, files.png_bytes(rgb=(9, 9, 9)))
    result = MediaFileProvider().diff("m1", olds, checked(logo))
    assert result.changes is True and result.replaces == ["content_sha256"]


@pytest.mark.parametrize(
    ("key", "value"),
    [("file_name", "brand.png"), ("adopt_media_id", "abc")],
)
def test_diff_replaces_a_new_name_or_adoption_target(logo: Path, key: str, value: str) -> None:
    olds = outputs_for(checked(logo))
    result = MediaFileProvider().diff("m1", olds, {**checked(logo), key: value})
    assert result.replaces == [key]


def test_diff_with_unknown_inputs_plans_a_replace(logo: Path) -> None:
    olds = outputs_for(checked(logo))
    news = {**checked(logo), "content_sha256": UNKNOWN, "file_name": UNKNOWN}
    result = MediaFileProvider().diff("m1", olds, news)
    assert result.changes is True
    assert set(result.replaces or []) == {"content_sha256", "file_name"}


def test_diff_updates_in_place_when_only_reupload_after_changes(
    logo: Path, pin_clock: PinClock
) -> None:
    olds = outputs_for(checked(logo))
    # One hour after the upload: young enough for "5h", whatever day the suite runs on.
    uploaded = parse_upload_time(olds["upload_time"])
    pin_clock(uploaded + timedelta(hours=1))
    result = MediaFileProvider().diff("m1", olds, checked(logo, reupload_after="5h"))
    assert result.changes is True and result.replaces == []


def test_diff_replaces_media_older_than_reupload_after(logo: Path, pin_clock: PinClock) -> None:
    inputs = checked(logo, reupload_after="5h")
    olds = outputs_for(inputs)
    uploaded = parse_upload_time(olds["upload_time"])
    pin_clock(uploaded + timedelta(hours=4))
    assert MediaFileProvider().diff("m1", olds, inputs).changes is False
    pin_clock(uploaded + timedelta(hours=5))
    assert MediaFileProvider().diff("m1", olds, inputs).replaces == ["reupload_after"]


@pytest.mark.parametrize(
    ("text", "seconds"), [("5h", 18000), ("90m", 5400), ("1h30m", 5400), ("2d", 172800),
                          ("45s", 45), ("1.5h", 5400)],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "5", "h", "5x", "0h", "-1h"])
def test_parse_duration_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


# -- create ----------------------------------------------------------------------------------


def test_create_uploads_and_returns_full_outputs(env: Control, logo: Path) -> None:
    inputs = checked(logo)
    result = MediaFileProvider().create(inputs)
    outs = result.outs or {}
    assert result.id == outs["media_id"]
    for key, value in inputs.items():
        assert outs[key] == value, key
    assert isinstance(outs["size"], int) and outs["size"] == logo.stat().st_size
    uploaded = parse_upload_time(outs["upload_time"])
    assert parse_upload_time(outs["expires_at"]) - uploaded == timedelta(hours=6)
    assert env.stats()["uploads"] == 1


def test_create_refuses_a_file_changed_since_check(env: Control, logo: Path) -> None:
    inputs = checked(logo)
    files.write(logo, files.png_bytes(rgb=(1, 1, 1)))
    with pytest.raises(ContentError, match="changed after it was checked"):
        MediaFileProvider().create(inputs)
    assert env.stats()["requests"] == 0


def test_create_without_credentials_names_the_settings(
    emulator: Emulator, logo: Path
) -> None:
    with pytest.raises(ConfigurationError, match="PLIVO_AUTH_ID"):
        MediaFileProvider().create(checked(logo))


def test_configure_supplies_credentials_from_stack_config(emulator: Emulator, logo: Path) -> None:
    provider = MediaFileProvider()
    config = {"plivo:authId": AUTH_ID, "plivo:authToken": AUTH_TOKEN, "plivo:apiUrl": emulator.url}
    provider.configure(ConfigureRequest(Config(config, "demo")))
    assert provider.create(checked(logo)).id


def test_wrong_credentials_fail_with_the_settings_to_check(env: Control, logo: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", "wrong")
    with pytest.raises(AuthenticationError, match="plivo:authToken"):
        MediaFileProvider().create(checked(logo))


# -- adoption --------------------------------------------------------------------------------


def _upload_with_create(logo: Path) -> str:
    return MediaFileProvider().create(checked(logo)).id


def test_adoption_takes_over_media_with_the_same_bytes(env: Control, logo: Path) -> None:
    media_id = _upload_with_create(logo)
    result = MediaFileProvider().create(checked(logo, adopt_media_id=media_id))
    assert result.id == media_id
    assert env.stats()["uploads"] == 1


def test_adoption_of_different_bytes_fails_clearly(
    env: Control, logo: Path, tmp_path: Path
) -> None:
    media_id = _upload_with_create(logo)
    other = files.write(tmp_path / "other" / "logo.png", files.png_bytes(rgb=(0, 0, 255)))
    with pytest.raises(ContentError, match="differ from"):
        MediaFileProvider().create(checked(other, adopt_media_id=media_id))
    assert env.stats()["uploads"] == 1


def test_adoption_of_missing_media_fails_clearly(env: Control, logo: Path) -> None:
    with pytest.raises(ContentError, match=r"no such media.*plivo-media ls"):
        MediaFileProvider().create(checked(logo, adopt_media_id="nope"))


def test_adoption_compares_the_content_type_without_case(env: Control, logo: Path) -> None:
    media_id = _upload_with_create(logo)
    inputs = {**checked(logo, adopt_media_id=media_id), "content_type": "IMAGE/PNG"}
    assert MediaFileProvider().create(inputs).id == media_id  # as old state may spell it
    with pytest.raises(ContentError, match="content_type"):
        MediaFileProvider().create({**inputs, "content_type": "image/gif"})


def test_adoption_requires_the_live_file_name(env: Control, logo: Path) -> None:
    media_id = _upload_with_create(logo)
    with pytest.raises(ContentError, match=re.escape("set file_name='logo.png'")):
        MediaFileProvider().create(checked(logo, adopt_media_id=media_id, file_name="x.png"))


# -- read ------------------------------------------------------------------------------------


def test_read_refreshes_live_fields_and_keeps_the_hash(env: Control, logo: Path) -> None:
    outs = MediaFileProvider().create(checked(logo)).outs or {}
    stale = {**outs, "size": 1.0, "media_url": "http://stale"}
    result = MediaFileProvider().read(outs["media_id"], stale)
    assert result.id == outs["media_id"]
    assert result.outs == outs


def test_read_of_expired_media_reports_it_gone(env: Control, logo: Path) -> None:
    outs = MediaFileProvider().create(checked(logo)).outs or {}
    env.advance(6 * 3600 + 1)
    result = MediaFileProvider().read(outs["media_id"], outs)
    assert result.id is None and result.outs == {}


def test_read_during_a_5xx_storm_raises_instead_of_dropping(env: Control, logo: Path) -> None:
    outs = MediaFileProvider().create(checked(logo)).outs or {}
    env.fault(method="GET", path="/v1/", status=503, count=50, retry_after=0)
    with pytest.raises(ServerError):
        MediaFileProvider().read(outs["media_id"], outs)


def test_read_with_the_api_unreachable_raises(logo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLIVO_AUTH_ID", AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("PLIVO_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("PLIVO_BACKOFF_FACTOR", "0.01")
    with pytest.raises(TransportError, match="Could not connect"):
        MediaFileProvider().read("m1", {"path": str(logo)})


# -- update and delete -----------------------------------------------------------------------


def test_update_records_new_inputs_and_keeps_the_media(env: Control, logo: Path) -> None:
    outs = MediaFileProvider().create(checked(logo)).outs or {}
    news = checked(logo, reupload_after="5h")
    result = MediaFileProvider().update(outs["media_id"], outs, news).outs or {}
    assert result["reupload_after"] == "5h"
    assert result["media_id"] == outs["media_id"] and result["size"] == outs["size"]
    assert env.stats()["uploads"] == 1


def test_delete_sends_nothing_and_says_why(env: Control, logo: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    MediaFileProvider().delete("m1", {"file_name": "logo.png",
                                      "expires_at": "2026-11-29T11:00:00.000000Z"})
    assert env.stats()["requests"] == 0
    message = capsys.readouterr().err
    assert "no delete API" in message and "2026-11-29T11:00:00.000000Z" in message


# -- pickling --------------------------------------------------------------------------------


def test_a_configured_provider_pickles_without_credentials(emulator: Emulator) -> None:
    provider = MediaFileProvider()
    provider.configure(ConfigureRequest(Config(
        {"plivo:authId": AUTH_ID, "plivo:authToken": AUTH_TOKEN}, "demo")))
    blob = pickle.dumps(provider)
    assert AUTH_TOKEN.encode() not in blob and AUTH_ID.encode() not in blob
    assert blob == pickle.dumps(MediaFileProvider())


def test_the_clock_is_aware_utc_and_a_pin_holds_only_inside_its_block() -> None:
    assert CLOCK.now().tzinfo is not None and CLOCK.now().utcoffset() == timedelta(0)
    moment = datetime(2031, 5, 6, 7, 8, tzinfo=timezone.utc)
    with CLOCK.pinned(moment):
        assert CLOCK.now() == moment
        with CLOCK.pinned(lambda: moment + timedelta(hours=1)):
            assert CLOCK.now() == moment + timedelta(hours=1)
        assert CLOCK.now() == moment
    assert CLOCK.now() != moment
    with pytest.raises(ValueError, match="aware"), CLOCK.pinned(datetime(2031, 5, 6)):
        pass


def test_configure_outside_the_provider_server_leaves_tracebacks_alone() -> None:
    import sys

    before = sys.__dict__.get("tracebacklimit")
    MediaFileProvider().configure(ConfigureRequest(Config({}, "demo")))
    assert sys.__dict__.get("tracebacklimit") is before
