"""The emulator's WAN latency: every Plivo answer waits, the control API never does."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from plivo_media_provider import cli
from plivo_media_provider.emulator import DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN, Emulator
from plivo_media_provider.emulator.latency import MAX_LATENCY, parse_latency
from plivo_media_provider.exits import ExitCode

REPO = Path(__file__).resolve().parents[1]
AUTH = (DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN)
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
       b"\x00\x00\x00IEND\xaeB`\x82")


def test_every_plivo_answer_waits_the_latency_and_control_calls_do_not() -> None:
    waits: list[float] = []
    with Emulator(rate_limit=None, latency=0.06, sleep=waits.append) as emulator:
        api = f"{emulator.url}/v1/Account/{DEFAULT_AUTH_ID}/Media/"
        uploaded = requests.post(api, files=[("file", ("a.png", PNG, "image/png"))], auth=AUTH,
                                 timeout=10)
        media_id = uploaded.json()["objects"][0]["media_id"]
        fetched = requests.get(f"{api}{media_id}/", auth=AUTH, timeout=10)
        listed = requests.get(api, auth=AUTH, timeout=10)
        refused = requests.get(api, auth=(DEFAULT_AUTH_ID, "wrong"), timeout=10)
        media_bytes = requests.get(fetched.json()["media_url"], timeout=10)
        stats = requests.get(f"{emulator.url}/__emulator__/stats", timeout=10).json()

    assert [r.status_code for r in (uploaded, fetched, listed, refused, media_bytes)] == [
        200, 200, 200, 401, 200]
    assert waits == [0.06] * 5
    assert stats["delayed"] == 5


def test_no_latency_means_no_wait() -> None:
    waits: list[float] = []
    with Emulator(rate_limit=None, sleep=waits.append) as emulator:
        listed = requests.get(f"{emulator.url}/v1/Account/{DEFAULT_AUTH_ID}/Media/", auth=AUTH,
                              timeout=10)
        stats = requests.get(f"{emulator.url}/__emulator__/stats", timeout=10).json()

    assert listed.status_code == 200
    assert waits == []
    assert stats["delayed"] == 0


@pytest.mark.parametrize(("text", "seconds"), [
    ("60ms", 0.06), ("0.06s", 0.06), ("0.06", 0.06), (" 150 ms ", 0.15), ("0ms", 0.0),
], ids=["ms", "s", "bare-seconds", "spaces", "zero"])
def test_parse_latency_reads_milliseconds_or_seconds(text: str, seconds: float) -> None:
    assert parse_latency(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["soon", "-5ms", "60 min", "ms", "", f"{MAX_LATENCY + 1:g}s"])
def test_parse_latency_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="latency"):
        parse_latency(text)


def test_a_negative_latency_is_refused_by_the_constructor() -> None:
    with pytest.raises(ValueError, match="between 0 and"):
        Emulator(latency=-0.01)


def test_the_cli_refuses_a_bad_latency_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["emulator", "--port", "0", "--latency", "soon"])

    err = capsys.readouterr().err
    assert code == ExitCode.USAGE
    assert err == "Error: latency 'soon' is not a duration; write it like '60ms' or '0.06s'\n"


def test_the_cli_option_delays_api_answers() -> None:
    argv = [sys.executable, "-u", "-m", "plivo_media_provider", "emulator", "--port", "0",
            "--no-rate-limit", "--latency", "60ms"]
    with subprocess.Popen(argv, cwd=REPO, text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as process:
        assert process.stdout is not None
        banner = process.stdout.readline()
        while "Ctrl-C" not in banner.splitlines()[-1]:
            banner += process.stdout.readline()
        url = banner.splitlines()[0].rsplit(" ", 1)[-1]
        listed = requests.get(f"{url}/v1/Account/{DEFAULT_AUTH_ID}/Media/", auth=AUTH,
                              timeout=10)
        stats = requests.get(f"{url}/__emulator__/stats", timeout=10).json()
        process.send_signal(signal.SIGINT)
        _rest, err = process.communicate(timeout=10)

    assert listed.status_code == 200
    assert "latency:    60 ms per answer" in banner
    assert stats["delayed"] == 1
    assert process.returncode == 0, err
