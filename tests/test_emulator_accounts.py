"""The emulator's several accounts, each with its own media, and its count of requests in
flight at once."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator

import pytest
import requests

from plivo_media_provider.api.client import MediaClient, UploadFile
from plivo_media_provider.emulator import Emulator, parse_account
from plivo_media_provider.errors import AuthenticationError, MediaNotFound, RateLimited
from tests.conftest import Result
from tests.support import files
from tests.support.control import Control

FIRST = ("MAFIRSTACCOUNT000001", "tok-FIRST-0a1b2c-never-print")
SECOND = ("SASECONDACCOUNT00002", "tok-SECOND-3d4e5f-never-print")


@pytest.fixture
def two_accounts() -> Iterator[Emulator]:
    with Emulator(auth_id=FIRST[0], auth_token=FIRST[1], rate_limit=(3, 60),
                  accounts={SECOND[0]: SECOND[1]}) as emulator:
        yield emulator


def client(emulator: Emulator, account: tuple[str, str]) -> MediaClient:
    return MediaClient(*account, emulator.url, retries=0)


def png(seed: int) -> UploadFile:
    return UploadFile(f"p{seed}.png", files.png_bytes(seed=seed), "image/png")


def test_each_account_sees_only_its_own_media(two_accounts: Emulator) -> None:
    with client(two_accounts, FIRST) as first, client(two_accounts, SECOND) as second:
        [mine] = first.upload([png(1)])
        [theirs] = second.upload([png(2)])
        assert [m.media_id for m in first.iter_media()] == [mine.media_id]
        assert [m.media_id for m in second.iter_media()] == [theirs.media_id]
        with pytest.raises(MediaNotFound):
            second.get(mine.media_id)
        # Each media's bytes are served at its own account's URL.
        assert first.download(mine) == files.png_bytes(seed=1)
        assert second.download(theirs) == files.png_bytes(seed=2)
        assert f"/Account/{SECOND[0]}/" in theirs.media_url
    assert two_accounts.account_ids == [FIRST[0], SECOND[0]]
    assert Control(two_accounts.url).stats()["media"] == 2


def test_an_accounts_token_opens_no_other_account(two_accounts: Emulator) -> None:
    crossed = MediaClient(FIRST[0], SECOND[1], two_accounts.url, retries=0)
    with crossed, pytest.raises(AuthenticationError):
        crossed.list_page()
    path = f"{two_accounts.url}/v1/Account/{FIRST[0]}/Media/"
    answer = requests.get(path, auth=SECOND, timeout=10)
    assert answer.status_code == 401
    assert "not the authenticated account" in answer.json()["error"]


def test_each_account_has_its_own_rate_limit(two_accounts: Emulator) -> None:
    with client(two_accounts, FIRST) as first, client(two_accounts, SECOND) as second:
        for _ in range(3):
            first.list_page()
        with pytest.raises(RateLimited):
            first.list_page()
        assert second.list_page().total_count == 0


def test_the_one_account_constructor_still_serves_one_account() -> None:
    with Emulator(auth_id=FIRST[0], auth_token=FIRST[1], rate_limit=None) as emulator:
        assert emulator.account_ids == [FIRST[0]]
        with client(emulator, SECOND) as other, pytest.raises(AuthenticationError):
            other.list_page()


def test_an_account_given_twice_with_two_tokens_is_refused() -> None:
    with pytest.raises(ValueError, match="given twice"):
        Emulator(auth_id=FIRST[0], auth_token=FIRST[1], accounts={FIRST[0]: "other"})


@pytest.mark.parametrize("text", ["MAONLYANID", ":tok-SECRET-9", " :tok-SECRET-9", "MAID:", ""])
def test_a_malformed_account_is_one_line_without_the_token(text: str) -> None:
    with pytest.raises(ValueError, match="ID:TOKEN") as caught:
        parse_account(text)
    assert "tok-SECRET-9" not in str(caught.value) and "\n" not in str(caught.value)


def test_an_account_splits_at_the_first_colon() -> None:
    assert parse_account("MAID000:to:ken") == ("MAID000", "to:ken")


@pytest.mark.parametrize("argv", [
    ["emulator", "--account", "no-colon"],
    ["emulator", "--account", f"{SECOND[0]}:a", "--account", f"{SECOND[0]}:b"],
    ["emulator", "--auth-id", FIRST[0], "--account", f"{FIRST[0]}:other-token"],
])
def test_the_command_refuses_bad_accounts_in_one_line(
    run: Callable[..., Result], argv: list[str]
) -> None:
    code, out, err = run(*argv)
    assert code == 64 and out == ""
    assert err.startswith("Error: ") or "error:" in err
    assert len(err.strip().splitlines()) <= 2 and "other-token" not in err


def test_the_command_serves_every_account_and_prints_no_token() -> None:
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "plivo_media_provider", "emulator", "--port", "0",
         "--no-rate-limit", "--account", ":".join(SECOND)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(7)]
        url = banner[0].strip().rsplit(" ", 1)[1]
        assert f"  account:    {SECOND[0]} (the token you gave)\n" in banner
        with MediaClient(*SECOND, url, retries=0) as second:
            [media] = second.upload([png(3)])
            assert second.get(media.media_id).media_id == media.media_id
    finally:
        process.terminate()
        out, err = process.communicate(timeout=20)
    assert SECOND[1] not in "".join(banner) + out + err


def test_max_in_flight_counts_requests_answered_at_once() -> None:
    """Eight requests held in the latency wait together: the count is exactly eight."""
    together = threading.Barrier(8, timeout=30)
    with Emulator(auth_id=FIRST[0], auth_token=FIRST[1], rate_limit=None, latency=0.001,
                  sleep=lambda _seconds: together.wait()) as emulator:
        path = f"{emulator.url}/v1/Account/{FIRST[0]}/Media/"
        threads = [threading.Thread(target=requests.get, args=(path,),
                                    kwargs={"auth": FIRST, "timeout": 30}) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        control = Control(emulator.url)
        assert control.stats()["max_in_flight"] == 8
        control.reset()
        assert control.stats()["max_in_flight"] == 0
