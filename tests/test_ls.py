"""``plivo-media ls``: every page of the account's media, as a table or ``plivo-media-ls/1``."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import requests

from plivo_media_provider.api.client import Media, MediaClient, UploadFile, format_time
from plivo_media_provider.api.client import parse_upload_time as parse_time
from plivo_media_provider.cli.dispatch import EXIT_ERROR, EXIT_OK
from plivo_media_provider.emulator import Emulator
from tests.conftest import AUTH_ID, AUTH_TOKEN, PinClock, Result
from tests.support.files import gif_bytes, pdf_bytes, png_bytes


def _upload_many(client: MediaClient, count: int) -> list[Media]:
    uploaded: list[Media] = []
    while len(uploaded) < count:
        batch = min(10, count - len(uploaded))
        start = len(uploaded)
        uploaded += client.upload([
            UploadFile(f"img-{start + i:03d}.png", png_bytes(seed=start + i), "image/png")
            for i in range(batch)
        ])
    return uploaded


def test_json_lists_every_page_newest_first_with_the_unsent_expiry(
    client: MediaClient, creds: None, run: Callable[..., Result],
) -> None:
    uploaded = _upload_many(client, 45)  # three pages of at most 20

    code, out, _ = run("ls", "--json")

    assert code == EXIT_OK
    listing: dict[str, Any] = json.loads(out)
    assert list(listing) == ["schema", "generated_at", "plivo_time", "api_url", "count",
                             "media", "filters", "error", "exit_code"]
    assert listing["error"] is None and listing["exit_code"] == 0
    assert listing["filters"] == {"name": None, "since_seconds": None, "limit": None}
    assert listing["schema"] == "plivo-media-ls/1"
    assert listing["count"] == 45 == len(listing["media"])
    assert {m["media_id"] for m in listing["media"]} == {m.media_id for m in uploaded}
    times = [parse_time(m["upload_time"]) for m in listing["media"]]
    assert times == sorted(times, reverse=True)
    first = listing["media"][0]
    assert list(first) == ["media_id", "file_name", "content_type", "size", "upload_time",
                           "expires_at_if_unsent", "media_url"]
    assert parse_time(first["expires_at_if_unsent"]) - parse_time(first["upload_time"]) == (
        timedelta(hours=6)
    )
    by_id = {m.media_id: m for m in uploaded}
    for entry in listing["media"]:
        media = by_id[entry["media_id"]]
        assert (entry["file_name"], entry["content_type"], entry["size"]) == (
            media.file_name, media.content_type, media.size)
        assert entry["upload_time"] == format_time(media.upload_time)


def test_the_table_shows_ids_names_types_sizes_and_expiry(
    emulator: Emulator, client: MediaClient, creds: None, run: Callable[..., Result],
    pin_clock: PinClock,
) -> None:
    menu, logo = client.upload([UploadFile("menu.pdf", pdf_bytes(), "application/pdf"),
                                UploadFile("logo.gif", gif_bytes(), "image/gif")])
    sent = requests.post(f"{emulator.url}/__emulator__/media/{menu.media_id}/sent", timeout=5)
    assert sent.status_code == 200
    requests.post(f"{emulator.url}/__emulator__/clock", json={"advance": 7 * 3600}, timeout=5)
    fresh = client.upload([UploadFile("new.png", png_bytes(seed=3), "image/png")])[0]
    now = requests.get(f"{emulator.url}/__emulator__/clock", timeout=5).json()["now"]
    pin_clock(parse_time(now))

    code, out, _ = run("ls")

    assert code == EXIT_OK
    lines = out.splitlines()
    assert lines[0].split() == ["MEDIA_ID", "NAME", "TYPE", "SIZE", "UPLOADED", "EXPIRES_AT",
                                "(IF", "UNSENT)"]
    rows = {line.split()[0]: line for line in lines[1:-1]}
    assert set(rows) == {menu.media_id, fresh.media_id}  # the unsent gif expired
    assert rows[menu.media_id].split()[1:4] == ["menu.pdf", "application/pdf",
                                                str(menu.size)]
    assert rows[menu.media_id].endswith("(passed: sent)")
    assert rows[fresh.media_id].endswith(format_time(fresh.upload_time + timedelta(hours=6)))
    assert lines[-1] == "2 media."
    assert logo.media_id not in out


def test_an_empty_account_says_so(creds: None, run: Callable[..., Result]) -> None:
    code, out, _ = run("ls")

    assert code == EXIT_OK and out.strip() == "No media in this account."


def test_api_url_overrides_the_environment(
    emulator: Emulator, client: MediaClient, run: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _upload_many(client, 2)
    monkeypatch.setenv("PLIVO_AUTH_ID", AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("PLIVO_API_URL", "http://127.0.0.1:9")  # discard port: nothing there

    code, out, _ = run("ls", "--json", "--api-url", emulator.url)

    assert code == EXIT_OK and json.loads(out)["count"] == 2


def test_missing_credentials_are_one_clear_error(run: Callable[..., Result]) -> None:
    code, out, err = run("ls")

    assert code == EXIT_ERROR and out == ""
    assert err.startswith("Error: Plivo credentials are missing")
    assert "PLIVO_AUTH_TOKEN" in err


def test_refused_credentials_are_one_clear_error(
    creds: None, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", "not-the-token")

    code, _, err = run("ls")

    assert code == EXIT_ERROR
    assert err.startswith("Error: Plivo refused the credentials for list media")
    assert "not-the-token" not in err


# -- filters ------------------------------------------------------------------------------


def _stats(emulator: Emulator) -> dict[str, int]:
    stats: dict[str, int] = requests.get(f"{emulator.url}/__emulator__/stats", timeout=5).json()
    return stats


def test_since_lists_only_media_uploaded_within_and_stops_paging_there(
    emulator: Emulator, client: MediaClient, creds: None, run: Callable[..., Result],
    pin_clock: PinClock,
) -> None:
    _upload_many(client, 45)
    requests.post(f"{emulator.url}/__emulator__/clock", json={"advance": 2 * 3600}, timeout=5)
    recent = client.upload([UploadFile(f"new-{i}.png", png_bytes(seed=100 + i), "image/png")
                            for i in range(2)])
    now = requests.get(f"{emulator.url}/__emulator__/clock", timeout=5).json()["now"]
    pin_clock(parse_time(now))
    before = _stats(emulator)["requests"]

    code, out, _ = run("ls", "--json", "--since", "1h")

    listing = json.loads(out)
    assert code == EXIT_OK
    assert {m["media_id"] for m in listing["media"]} == {m.media_id for m in recent}
    assert listing["filters"] == {"name": None, "since_seconds": 3600.0, "limit": None}
    assert _stats(emulator)["requests"] - before == 1  # the first page held an older media


def test_name_matches_the_file_name_as_a_case_sensitive_glob(
    client: MediaClient, creds: None, run: Callable[..., Result],
) -> None:
    client.upload([UploadFile("menu.pdf", pdf_bytes(), "application/pdf"),
                   UploadFile("logo.gif", gif_bytes(), "image/gif"),
                   UploadFile("LOGO2.gif", gif_bytes(), "image/gif")])

    code, out, _ = run("ls", "--json", "--name", "logo*")
    table_code, table, _ = run("ls", "--name", "*.gif")
    none_code, nothing, _ = run("ls", "--name", "*.mp4")

    assert code == EXIT_OK and [m["file_name"] for m in json.loads(out)["media"]] == ["logo.gif"]
    assert table_code == EXIT_OK and table.splitlines()[-1] == "2 media."
    assert "LOGO2.gif" in table and "logo.gif" in table and "menu.pdf" not in table
    assert none_code == EXIT_OK and nothing.strip() == "No media matches these filters."


def test_limit_lists_the_newest_n_and_asks_for_no_further_page(
    emulator: Emulator, client: MediaClient, creds: None, run: Callable[..., Result],
) -> None:
    uploaded = _upload_many(client, 25)
    before = _stats(emulator)["requests"]

    code, out, _ = run("ls", "--json", "--limit", "3")
    table_code, table, _ = run("ls", "--limit", "3", "--name", "img-02*")

    listing = json.loads(out)
    assert code == EXIT_OK and listing["count"] == 3
    newest_first = sorted(uploaded, key=lambda m: (m.upload_time, m.media_id), reverse=True)
    times = {m.media_id: m.upload_time for m in uploaded}
    assert all(times[m["media_id"]] >= newest_first[3].upload_time for m in listing["media"])
    assert _stats(emulator)["requests"] - before == 2  # one page for each run
    assert table_code == EXIT_OK
    assert table.splitlines()[-1] == "3 media (--limit 3 reached; there may be more)."
    assert all(line.split()[1].startswith("img-02") for line in table.splitlines()[1:-1])
