"""``reupload_after``: media older than the given age is replaced on the next ``pulumi up``.

This makes ``diff`` depend on the clock, on purpose: the same inputs and state give "no
change" at 10:00 and "replace" at 15:00, so a scheduled ``pulumi up`` renews unsent media
before Plivo deletes it 6 hours after upload.

How time is moved, and why two ways:

* Through the gRPC engine stand-in, the provider runs in a subprocess whose clock cannot be
  mocked, and the emulator's clock only moves forward, so media cannot be made older than
  real time on the Plivo side. But ``diff`` reads the age from the *state* (the old outputs'
  ``upload_time``, recorded at create or refresh) against the provider's real clock. Rewriting
  that recorded time to hours ago is exactly what those hours look like to the provider, so
  these tests age the state and then drive check, diff, create and update over real gRPC.
* In-process, the package's one clock (``clock.CLOCK``) is pinned to the emulator's clock.
  Then one clock, moved through the control API, ages the media for both the provider and
  the emulator: replacement is due at 5 h while Plivo still holds the media, which it drops
  at 6 h.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from plivo_media_provider import provider as provider_module
from plivo_media_provider.api.client import format_time, parse_upload_time
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.provider import MediaFileProvider
from tests.conftest import AUTH_ID, AUTH_TOKEN, PinClock, provider_env
from tests.support.engine import Engine, ProviderProcess
from tests.support.files import png_bytes, write

HOUR = timedelta(hours=1)


def _stats(emulator: Emulator) -> dict[str, Any]:
    stats: dict[str, Any] = requests.get(f"{emulator.url}/__emulator__/stats", timeout=5).json()
    return stats


def _advance(emulator: Emulator, delta: timedelta) -> None:
    reply = requests.post(f"{emulator.url}/__emulator__/clock",
                          json={"advance": delta.total_seconds()}, timeout=5)
    assert reply.status_code == 200


def _emulator_now(emulator: Emulator) -> datetime:
    reply = requests.get(f"{emulator.url}/__emulator__/clock", timeout=5)
    return parse_upload_time(reply.json()["now"])


def _age_state(engine: Engine, name: str, age: timedelta) -> None:
    """Make state say the media was uploaded ``age`` ago, as if that much time had passed."""
    uploaded = datetime.now(timezone.utc) - age
    outputs = engine.state[name].outputs
    outputs["upload_time"] = format_time(uploaded)
    outputs["expires_at"] = format_time(uploaded + 6 * HOUR)


@pytest.fixture
def engine(emulator: Emulator) -> Iterator[Engine]:
    with ProviderProcess(provider_env(emulator.url)) as process:
        yield Engine(process)


@pytest.fixture
def logo(tmp_path: Path) -> str:
    return str(write(tmp_path / "logo.png", png_bytes(seed=1)))


# -- through the gRPC engine stand-in ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("5 hours", "is not a duration"), ("soon", "is not a duration"),
     ("0h", "longer than zero"), (5, "must be a string")],
    ids=["words", "no-unit", "zero", "number"],
)
def test_check_rejects_a_bad_reupload_after_and_uploads_nothing(
    value: Any, fragment: str, engine: Engine, emulator: Emulator, logo: str,
) -> None:
    outcome = engine.up({"logo": {"path": logo, "reupload_after": value}})

    assert outcome.created == []
    [(prop, reason)] = outcome.failures["logo"]
    assert prop == "reupload_after"
    assert fragment in reason and repr(value) in reason
    assert _stats(emulator)["uploads"] == 0


def test_fresh_media_is_kept(engine: Engine, logo: str) -> None:
    assert engine.up({"logo": {"path": logo, "reupload_after": "5h"}}).created == ["logo"]

    preview = engine.preview({"logo": {"path": logo, "reupload_after": "5h"}})

    assert preview.same == ["logo"] and not preview.changed


def test_media_older_than_reupload_after_is_replaced_once(
    engine: Engine, emulator: Emulator, logo: str,
) -> None:
    program = {"logo": {"path": logo, "reupload_after": "5h"}}
    engine.up(program)
    first_id = engine.state["logo"].id
    _age_state(engine, "logo", 5 * HOUR + timedelta(minutes=1))

    preview = engine.preview(program)
    assert preview.replaced == ["logo"]
    assert preview.replaces == {"logo": ["reupload_after"]}

    up = engine.up(program)
    assert up.ok and up.replaced == ["logo"]
    assert engine.state["logo"].id != first_id
    assert _stats(emulator)["uploads"] == 2
    renewed = parse_upload_time(engine.state["logo"].outputs["upload_time"])
    assert datetime.now(timezone.utc) - renewed < 5 * HOUR
    assert engine.preview(program).same == ["logo"]  # converged: no perpetual replace


def test_old_media_without_reupload_after_is_left_alone(engine: Engine, logo: str) -> None:
    engine.up({"logo": {"path": logo}})
    _age_state(engine, "logo", 5 * HOUR + timedelta(minutes=1))

    assert engine.preview({"logo": {"path": logo}}).same == ["logo"]


def test_changing_reupload_after_is_an_update_that_uploads_nothing(
    engine: Engine, emulator: Emulator, logo: str,
) -> None:
    engine.up({"logo": {"path": logo, "reupload_after": "5h"}})
    media_id = engine.state["logo"].id

    changed = engine.up({"logo": {"path": logo, "reupload_after": "4h30m"}})
    removed = engine.up({"logo": {"path": logo}})

    assert changed.updated == ["logo"] and removed.updated == ["logo"]
    assert engine.state["logo"].id == media_id
    assert "reupload_after" not in engine.state["logo"].outputs
    assert _stats(emulator)["uploads"] == 1


# -- in-process, one clock for provider and emulator ------------------------------------------


@pytest.fixture
def in_process(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, pin_clock: PinClock,
) -> Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]:
    monkeypatch.setenv("PLIVO_AUTH_ID", AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("PLIVO_API_URL", emulator.url)
    pin_clock(lambda: _emulator_now(emulator))

    def create(news: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        checked = MediaFileProvider().check({}, news)
        assert not checked.failures
        created = MediaFileProvider().create(checked.inputs)
        return created.id, {**created.outs, "__inputs": checked.inputs}

    return create


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    provider_module.close_clients()


def test_replacement_is_due_at_reupload_after_while_plivo_still_holds_the_media(
    emulator: Emulator, in_process: Callable[..., tuple[str, dict[str, Any]]], logo: str,
) -> None:
    media_id, outs = in_process({"path": logo, "reupload_after": "5h"})
    news = outs.pop("__inputs")
    provider = MediaFileProvider()

    assert provider.diff(media_id, outs, news).changes is False
    _advance(emulator, 5 * HOUR - timedelta(minutes=1))
    assert provider.diff(media_id, outs, news).changes is False

    _advance(emulator, timedelta(minutes=1))
    due = provider.diff(media_id, outs, news)
    assert due.changes is True and due.replaces == ["reupload_after"]
    assert provider.read(media_id, outs).id == media_id  # still there to send meanwhile

    _advance(emulator, HOUR)
    assert provider.read(media_id, outs).id is None  # what reupload_after saves you from


@pytest.mark.parametrize(
    ("age", "stale"),
    [(timedelta(hours=5), True), (timedelta(hours=5) - timedelta(microseconds=1), False)],
    ids=["exactly-5h", "just-under"],
)
def test_the_boundary_is_inclusive(
    age: timedelta, stale: bool, pin_clock: PinClock,
) -> None:
    uploaded = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
    olds = {"content_sha256": "a" * 64, "file_name": "x.png", "content_type": "image/png",
            "upload_time": format_time(uploaded), "reupload_after": "5h"}
    news = {k: v for k, v in olds.items() if k != "upload_time"}
    pin_clock(uploaded + age)

    diff = MediaFileProvider().diff("m", olds, news)

    assert diff.changes is stale
    assert diff.replaces == (["reupload_after"] if stale else [])
