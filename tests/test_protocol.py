"""The provider through the SDK's real dynamic-provider server, driven over gRPC as the
engine drives it, against the emulator."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from plivo_media_provider.emulator import Emulator
from tests.conftest import AUTH_ID, AUTH_TOKEN, provider_env
from tests.support import files
from tests.support.control import Control
from tests.support.engine import Engine, ProviderProcess


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[Emulator]:
    with Emulator(port=0, auth_id=AUTH_ID, auth_token=AUTH_TOKEN, rate_limit=None) as server:
        yield server


@pytest.fixture(scope="module")
def server(shared_emulator: Emulator) -> Iterator[ProviderProcess]:
    with ProviderProcess(provider_env(shared_emulator.url)) as process:
        yield process


@pytest.fixture
def control(shared_emulator: Emulator) -> Control:
    control = Control(shared_emulator.url)
    control.reset()
    return control


@pytest.fixture
def engine(server: ProviderProcess, control: Control) -> Engine:
    return Engine(server)


@pytest.fixture
def campaign(tmp_path: Path) -> dict[str, dict[str, Any]]:
    made = {
        "logo": files.write(tmp_path / "assets" / "logo.png", files.png_bytes()),
        "menu": files.write(tmp_path / "assets" / "menu.pdf", files.pdf_bytes()),
        "card": files.write(tmp_path / "assets" / "card.vcf", files.vcard_bytes()),
    }
    return {name: {"path": str(path)} for name, path in made.items()}


def live_ids(control: Control, emulator: Emulator) -> set[str]:
    from plivo_media_provider.api.client import MediaClient

    with MediaClient(AUTH_ID, AUTH_TOKEN, emulator.url) as client:
        return {m.media_id for m in client.iter_media()}


def test_first_up_creates_every_media(
    engine: Engine, control: Control, campaign: dict[str, Any], shared_emulator: Emulator
) -> None:
    outcome = engine.up(campaign)
    assert outcome.ok, outcome
    assert sorted(outcome.created) == ["card", "logo", "menu"]
    assert {e.id for e in engine.state.values()} == live_ids(control, shared_emulator)
    logo = engine.state["logo"].outputs
    assert logo["content_type"] == "image/png" and logo["file_name"] == "logo.png"
    assert logo["size"] == len(files.png_bytes())


def test_second_up_with_the_same_files_changes_nothing(
    engine: Engine, control: Control, campaign: dict[str, Any]
) -> None:
    engine.up(campaign)
    outcome = engine.up(campaign)
    assert outcome.ok and not outcome.changed
    assert sorted(outcome.same) == ["card", "logo", "menu"]
    assert control.stats()["uploads"] == 3


def test_an_edited_file_is_replaced(
    engine: Engine, control: Control, campaign: dict[str, Any]
) -> None:
    engine.up(campaign)
    old_id = engine.state["logo"].id
    files.write(campaign["logo"]["path"], files.png_bytes(rgb=(0, 128, 0)))
    outcome = engine.up(campaign)
    assert outcome.replaced == ["logo"] and outcome.replaces["logo"] == ["content_sha256"]
    assert engine.state["logo"].id != old_id
    assert control.stats()["uploads"] == 4


def test_a_moved_file_with_the_same_bytes_is_unchanged(
    engine: Engine, control: Control, campaign: dict[str, Any], tmp_path: Path
) -> None:
    engine.up(campaign)
    (tmp_path / "moved").mkdir()
    moved = Path(campaign["menu"]["path"]).rename(tmp_path / "moved" / "menu.pdf")
    outcome = engine.up({**campaign, "menu": {"path": str(moved)}})
    assert outcome.ok and not outcome.changed
    assert control.stats()["uploads"] == 3


def test_a_renamed_file_is_replaced_because_its_default_name_changes(
    engine: Engine, campaign: dict[str, Any], tmp_path: Path
) -> None:
    engine.up(campaign)
    renamed = Path(campaign["menu"]["path"]).rename(tmp_path / "dinner.pdf")
    outcome = engine.up({**campaign, "menu": {"path": str(renamed)}})
    assert outcome.replaces == {"menu": ["file_name"]}
    assert engine.state["menu"].outputs["file_name"] == "dinner.pdf"


def test_refresh_after_expiry_drops_media_and_up_recreates_it(
    engine: Engine, control: Control, campaign: dict[str, Any]
) -> None:
    engine.up(campaign)
    control.mark_sent(engine.state["menu"].id)
    control.advance(6 * 3600 + 60)
    refreshed = engine.refresh()
    assert refreshed.ok
    assert sorted(refreshed.deleted) == ["card", "logo"]
    assert set(engine.state) == {"menu"}
    outcome = engine.up(campaign)
    assert sorted(outcome.created) == ["card", "logo"] and outcome.same == ["menu"]


def test_bad_inputs_fail_check_and_upload_nothing(
    engine: Engine, control: Control, tmp_path: Path
) -> None:
    files.write(tmp_path / "empty.png", b"")
    files.write(tmp_path / "fake.jpg", files.png_bytes())
    outcome = engine.up({
        "missing": {"path": str(tmp_path / "nope.png")},
        "empty": {"path": str(tmp_path / "empty.png")},
        "fake": {"path": str(tmp_path / "fake.jpg")},
        "typed": {"path": str(tmp_path / "fake.jpg"), "content_type": "image/webp"},
    })
    assert set(outcome.failures) == {"missing", "empty", "fake", "typed"}
    assert "no such file" in outcome.failures["missing"][0][1]
    assert "is empty" in outcome.failures["empty"][0][1]
    assert "says image/jpeg but the content is image/png" in outcome.failures["fake"][0][1]
    assert ("content_type" in dict(outcome.failures["typed"]))
    assert control.stats()["requests"] == 0 and not engine.state


def test_adoption_takes_over_existing_media_without_uploading(
    engine: Engine, control: Control, campaign: dict[str, Any]
) -> None:
    engine.up({"logo": campaign["logo"]})
    existing = engine.state["logo"].id
    other = Engine(engine.provider)
    outcome = other.up({"logo": {**campaign["logo"], "adopt_media_id": existing}})
    assert outcome.ok and other.state["logo"].id == existing
    assert control.stats()["uploads"] == 1


def test_adoption_of_media_with_other_bytes_fails_with_one_line(
    engine: Engine, control: Control, campaign: dict[str, Any]
) -> None:
    engine.up({"menu": campaign["menu"]})
    menu_id = engine.state["menu"].id
    fresh = Engine(engine.provider)
    outcome = fresh.up({"logo": {**campaign["logo"], "adopt_media_id": menu_id}})
    error = outcome.errors["logo"]
    assert "differ from" in error and "Traceback" not in error
    assert error.strip().count("\n") == 0
    assert not fresh.state and control.stats()["uploads"] == 1


def test_an_unexpected_error_keeps_its_traceback(engine: Engine) -> None:
    # A malformed state entry is a bug, not a user error: its stack must stay visible.
    with pytest.raises(grpc.RpcError) as caught:
        engine.provider.create(engine.urn("x"), {"__provider": engine.provider_blob})
    assert "Traceback" in str(caught.value)


def test_credentials_arrive_through_configure(
    shared_emulator: Emulator, control: Control, campaign: dict[str, Any]
) -> None:
    env = provider_env(shared_emulator.url)
    for key in ("PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN", "PLIVO_API_URL"):
        env.pop(key)
    with ProviderProcess(env) as process:
        process.configure({"plivo:authId": AUTH_ID, "plivo:authToken": AUTH_TOKEN,
                           "plivo:apiUrl": shared_emulator.url})
        outcome = Engine(process).up({"logo": campaign["logo"]})
    assert outcome.ok, outcome.errors
    assert control.stats()["uploads"] == 1


def test_missing_credentials_fail_with_one_line_naming_the_settings(
    shared_emulator: Emulator, control: Control, campaign: dict[str, Any]
) -> None:
    env = provider_env(shared_emulator.url)
    env.pop("PLIVO_AUTH_TOKEN")
    with ProviderProcess(env) as process:
        outcome = Engine(process).up({"logo": campaign["logo"]})
    error = outcome.errors["logo"]
    assert "plivo:authToken" in error and "PLIVO_AUTH_TOKEN" in error
    assert "Traceback" not in error and error.strip().count("\n") == 0


def test_wrong_credentials_fail_with_one_line_and_never_show_the_token(
    shared_emulator: Emulator, control: Control, campaign: dict[str, Any]
) -> None:
    wrong = "tok-WRONG-0f9e8d7c6b5a-never-print"
    with ProviderProcess(provider_env(shared_emulator.url, PLIVO_AUTH_TOKEN=wrong)) as process:
        outcome = Engine(process).up({"logo": campaign["logo"]})
        logs = process.stderr_text()
    error = outcome.errors["logo"]
    assert "refused the credentials" in error and "Traceback" not in error
    assert wrong not in error and wrong not in logs


def test_the_token_appears_nowhere_in_state_or_logs(
    engine: Engine, campaign: dict[str, Any], server: ProviderProcess
) -> None:
    engine.up(campaign)
    files.write(campaign["logo"]["path"], files.png_bytes(rgb=(3, 3, 3)))
    engine.up(campaign)
    engine.refresh()
    engine.up({})
    blob = base64.b64decode(engine.provider_blob)
    everything = json.dumps(engine.export()) + json.dumps(
        {n: (e.inputs, e.outputs) for n, e in engine.state.items()}) + server.stderr_text()
    assert AUTH_TOKEN.encode() not in blob
    assert AUTH_TOKEN not in everything
    assert "no delete API" in server.stderr_text()
