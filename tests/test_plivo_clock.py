"""Plivo's clock, not this machine's (issue 20, observation 2).

The emulator stands for Plivo; the provider's machine runs ``o`` minutes off it: +5 and +15
ahead, -5 behind. Provider servers run through ``tests.support.clocked_provider`` (the SDK's
server with the package clock following the emulator's, shifted); drift and the upload
protocol in-process pin the package clock the same way. Plivo's own time moves with the
emulator's clock. Every judgement that compares a local time with Plivo's must come out as
Plivo's clock says, and an offset this large is named in one warning line.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from plivo_media_provider.api.client import Media, MediaClient, UploadFile
from plivo_media_provider.api.plivo_clock import PlivoClock
from plivo_media_provider.api.pool import close_clients
from plivo_media_provider.core.media_file import MediaFiles
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.facts import UNSENT_RETENTION, format_time
from plivo_media_provider.uploads.journal import UploadJournal, UploadKey
from plivo_media_provider.uploads.protocol import Uploader
from tests.conftest import AUTH_ID, AUTH_TOKEN, PinClock, Result, provider_env
from tests.support import files
from tests.support.control import Control
from tests.support.engine import Engine, ProviderProcess
from tests.support.proxy import Proxy, proxy_to
from tests.test_drift import media_entry, sha256_bytes, stack_export
from tests.test_faults import Stack, make_files
from tests.test_list_order import lose
from tests.test_upload_protocol import FirstUploads

OFFSETS = [pytest.param(5, id="ahead-5min"), pytest.param(-5, id="behind-5min"),
           pytest.param(15, id="ahead-15min")]
T0 = datetime(2030, 6, 1, 12, 0, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)


def clocked_env(url: str, emulator: Emulator, minutes: float, **extra: str) -> dict[str, str]:
    """A provider server reaching ``url`` on a machine ``minutes`` off the emulator's clock."""
    return provider_env(url, PLIVO_TEST_CLOCK_OF=emulator.url,
                        PLIVO_TEST_CLOCK_SHIFT=str(minutes * 60), **extra)


def clocked(env: dict[str, str]) -> ProviderProcess:
    return ProviderProcess(env, module="tests.support.clocked_provider")


def warned_about(minutes: float, text: str) -> bool:
    """Whether ``text`` holds the one warning naming an offset of ``minutes`` (to 2 s)."""
    found = re.findall(r"This machine's clock is about (\d+) min (\d+) s (ahead of|behind) "
                       r"Plivo's", text)
    if len(found) != 1:
        return False
    [(whole, seconds, way)] = found
    measured = int(whole) * 60 + int(seconds)
    return way == ("ahead of" if minutes > 0 else "behind") and abs(
        measured - abs(minutes) * 60) <= 2


# -- the offset, as answers teach it -----------------------------------------------------------


def test_equal_clocks_compare_exactly_and_warn_of_nothing() -> None:
    clock = PlivoClock()
    clock.observe_date("Sat, 01 Jun 2030 12:00:00 GMT", T0, T0 + timedelta(seconds=0.2))
    assert clock.offset == timedelta(0)
    assert clock.take_warning() is None


def test_an_offset_is_learnt_to_within_a_second_and_named_once() -> None:
    clock = PlivoClock()
    plivo = T0 - 5 * MINUTE  # this machine runs 5 minutes ahead
    clock.observe_date(format_http(plivo), T0, T0 + timedelta(seconds=0.1))
    clock.observe(plivo + timedelta(seconds=0.05), T0, T0 + timedelta(seconds=0.1))
    assert clock.offset is not None
    assert abs(clock.offset + 5 * MINUTE) <= timedelta(seconds=1)
    warning = clock.take_warning()
    assert warning is not None and "about 5 min 0 s ahead of Plivo's" in warning
    assert "\n" not in warning and clock.take_warning() is None


def test_a_clock_stepped_since_replaces_the_offset_and_a_slow_answer_teaches_nothing() -> None:
    clock = PlivoClock()
    clock.observe(T0, T0, T0)
    clock.observe(T0, T0 - 10 * MINUTE, T0 - 10 * MINUTE)  # this clock was set back
    assert clock.offset == 10 * MINUTE
    clock.observe(T0, T0, T0 + MINUTE)  # an answer that took a minute brackets too little
    assert clock.offset == 10 * MINUTE


def test_before_any_answer_plivos_time_is_this_machines(pin_clock: PinClock) -> None:
    pin_clock(T0)
    clock = PlivoClock()
    assert clock.offset is None and clock.now() == T0


def format_http(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")


# -- an upload whose answer was lost -------------------------------------------------------------


@pytest.fixture
def proxy(emulator: Emulator) -> Iterator[Proxy]:
    with proxy_to(emulator.url) as running:
        yield running


@pytest.mark.parametrize("minutes", OFFSETS)
def test_a_lost_answer_is_found_whatever_this_machines_clock_says(
    emulator: Emulator, proxy: Proxy, tmp_path: Path, minutes: int
) -> None:
    """With this machine ahead, the search window by its own clock starts after the upload
    landed: it must start at the attempt's start on Plivo's clock."""
    proxy.rule = FirstUploads(lose)
    with clocked(clocked_env(proxy.url, emulator, minutes, PLIVO_READ_TIMEOUT="5")) as process:
        stack = Stack(emulator.url, Engine(process), make_files(tmp_path, 2))
        outcome = stack.up()
        assert outcome.ok, outcome.errors
        assert stack.control.stats()["uploads"] == 2  # no second copy in the faulty run
        stack.assert_converged()
        assert warned_about(minutes, process.stderr_text()), process.stderr_text()


# -- reupload_after, judged by a provider that has asked Plivo nothing yet -------------------------


@pytest.mark.parametrize(("minutes", "age", "replaced"), [
    pytest.param(-5, 5 * 60 + 2, True, id="behind-5min-plivo-age-5h02"),
    pytest.param(5, 5 * 60 - 2, False, id="ahead-5min-plivo-age-4h58"),
])
def test_reupload_after_is_judged_by_plivos_clock_in_a_fresh_process(
    emulator: Emulator, tmp_path: Path, minutes: int, age: int, replaced: bool
) -> None:
    """reupload_after 5h: a diff in a new provider process (as in a scheduled `pulumi up`)
    asks Plivo's clock before judging the media's age; this machine's clock is 5 minutes
    off, so by it the answer would be the other one."""
    logo = {"logo": {"path": str(files.random_png(tmp_path / "logo.png", 800, seed=5)),
                     "reupload_after": "5h"}}
    env = clocked_env(emulator.url, emulator, minutes)
    with clocked(env) as first:
        engine = Engine(first)
        assert engine.up(logo).ok
    Control(emulator.url).advance(age * 60)
    with clocked(env) as second:
        engine.provider = second
        outcome = engine.up(logo)
        stderr = second.stderr_text()
    assert outcome.ok, outcome.errors
    assert outcome.replaced == (["logo"] if replaced else [])
    assert Control(emulator.url).stats()["uploads"] == (2 if replaced else 1)
    assert warned_about(minutes, stderr), stderr


def test_a_diff_that_cannot_ask_plivo_judges_by_this_clock_and_warns_once(
    pin_clock: PinClock,
) -> None:
    """Nothing listens at the API URL: diff still answers, by this machine's clock, and the
    one warning says why; a second diff neither asks again nor warns again."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    pin_clock(T0)
    warned: list[str] = []
    core = MediaFiles({"plivo:authId": AUTH_ID, "plivo:authToken": AUTH_TOKEN,
                       "plivo:apiUrl": f"http://127.0.0.1:{port}"}, warn=warned.append)
    olds = {"content_sha256": "a" * 64, "file_name": "x.png", "content_type": "image/png",
            "upload_time": format_time(T0 - timedelta(hours=5)), "reupload_after": "5h"}
    news = {k: v for k, v in olds.items() if k != "upload_time"}
    try:
        assert core.diff(olds, news).replaces == ["reupload_after"]
        assert core.diff(olds, news).replaces == ["reupload_after"]
    finally:
        close_clients()
    [warning] = warned
    assert "Plivo's clock could not be read" in warning and "connection refused" in warning


def test_a_refresh_names_the_offset_too(emulator: Emulator, tmp_path: Path) -> None:
    env = clocked_env(emulator.url, emulator, 15)
    logo = {"logo": {"path": str(files.random_png(tmp_path / "logo.png", 600, seed=4))}}
    with clocked(env) as first:
        engine = Engine(first)
        assert engine.up(logo).ok
    with clocked(env) as second:
        engine.provider = second
        refreshed = engine.refresh()
        stderr = second.stderr_text()
    assert refreshed.ok and set(engine.state) == {"logo"}
    assert warned_about(15, stderr), stderr


# -- adoption, in-process with the real client --------------------------------------------------


@pytest.mark.parametrize(("minutes", "life", "adopted"), [
    pytest.param(15, 40, True, id="ahead-15min-40min-left"),
    pytest.param(-5, 27, False, id="behind-5min-27min-left"),
])
def test_adoption_weighs_the_life_left_by_plivos_clock(
    emulator: Emulator, pin_clock: PinClock, tmp_path: Path, minutes: int, life: int,
    adopted: bool,
) -> None:
    """A journaled attempt's media is adopted only with more than 30 minutes left before
    its 6-hour expiry. Ahead by 15, this machine would see 25 left and upload a second copy;
    behind by 5, it would see 32 and adopt media about to expire."""
    control = Control(emulator.url)
    pin_clock(lambda: control.now() + minutes * MINUTE)
    logo = UploadFile("logo.png", files.png_bytes(pad_to=700, seed=8), "image/png")
    journal = UploadJournal(tmp_path / "journal")
    with MediaClient(AUTH_ID, AUTH_TOKEN, emulator.url) as client:
        journal.begin(UploadKey(AUTH_ID, "logo.png", len(logo.content), logo.sha256),
                      control.now() + minutes * MINUTE)
        [earlier] = client.upload([logo])
        control.advance((UNSENT_RETENTION - life * MINUTE).total_seconds())
        media = Uploader(client, journal).upload(logo)
    assert (media.media_id == earlier.media_id) is adopted
    assert control.stats()["uploads"] == (1 if adopted else 2)


# -- drift's expiring -----------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", OFFSETS)
def test_drift_judges_expiring_by_plivos_clock(
    emulator: Emulator, pin_clock: PinClock, tmp_path: Path, run: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch, minutes: int,
) -> None:
    """Warned within 1 h of expiry. Plivo's clock leaves 1 h + o/2: expiring only when this
    machine is behind; by this machine's clock (1 h - o/2 left) it would be the reverse."""
    control = Control(emulator.url)
    pin_clock(lambda: control.now() + minutes * MINUTE)
    data = files.png_bytes(pad_to=500, seed=11)
    path = files.write(tmp_path / "logo.png", data)
    with MediaClient(AUTH_ID, AUTH_TOKEN, emulator.url) as client:
        [media] = client.upload([UploadFile("logo.png", data, "image/png")])
    state = tmp_path / "state.json"
    state.write_text(json.dumps(stack_of(media, path)))
    control.advance((UNSENT_RETENTION - timedelta(hours=1) - minutes / 2 * MINUTE)
                    .total_seconds())
    for key, value in provider_env(emulator.url).items():
        if key.startswith("PLIVO_"):
            monkeypatch.setenv(key, value)

    code, out, err = run("drift", "--state", str(state), "--json")

    [found] = json.loads(out)["resources"]
    assert found["status"] == ("in_sync" if minutes > 0 else "expiring"), found
    assert code == 0 and warned_about(minutes, err), err


def stack_of(media: Media, path: Path) -> dict[str, Any]:
    """The state export of one MediaFile for ``media``, uploaded from ``path``."""
    return stack_export(media_entry("logo", media, str(path), sha256_bytes(path.read_bytes())))


# -- ls, and what an upload teaches ---------------------------------------------------------------


def test_ls_since_counts_back_from_plivos_time(
    emulator: Emulator, pin_clock: PinClock, run: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """This machine 30 minutes ahead: media uploaded a moment ago by Plivo's clock is within
    `--since 20m`, though by this machine's clock it is 30 minutes old."""
    control = Control(emulator.url)
    pin_clock(lambda: control.now() + 30 * MINUTE)
    with MediaClient(AUTH_ID, AUTH_TOKEN, emulator.url) as client:
        [media] = client.upload([UploadFile("logo.png", files.png_bytes(), "image/png")])
    for key, value in provider_env(emulator.url).items():
        if key.startswith("PLIVO_"):
            monkeypatch.setenv(key, value)
    code, out, err = run("ls", "--json", "--since", "20m")
    assert code == 0 and [m["media_id"] for m in json.loads(out)["media"]] == [media.media_id]
    assert warned_about(30, err), err


def test_the_upload_time_of_media_just_stored_teaches_the_offset(proxy: Proxy) -> None:
    """A gateway's Date an hour off, then an upload: Plivo's upload_time, stamped between
    sending and the answer, shows the clocks agree, and replaces the Date's lesson."""
    proxy.date_offset = 3600.0
    with MediaClient(AUTH_ID, AUTH_TOKEN, proxy.url) as client:
        client.list_page()
        assert client.plivo_clock.offset is not None
        assert client.plivo_clock.offset > 59 * MINUTE
        client.upload([UploadFile("logo.png", files.png_bytes(), "image/png")])
        assert client.plivo_clock.offset == timedelta(0)
