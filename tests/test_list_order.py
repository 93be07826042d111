"""Nothing assumes the media list's order (issue 20, observation 1).

Plivo does not document the order of ``GET .../Media/``. The emulator serves it oldest
first, by file name (no time order) or by media id (no order at all), with 45 older media in
the account, so an upload is never on the first page. The upload search, refresh, drift and
``ls`` must be right in each. Where a test needs the older media to be older than an upload
search reaches (a minute before the attempt), a proxy ages them: it shifts their
``upload_time`` two hours back in every answer, as if they had been uploaded then.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from plivo_media_provider.api.client import Media, MediaClient, UploadFile
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.errors import ReconciliationError
from plivo_media_provider.facts import format_time, parse_time
from plivo_media_provider.uploads.journal import UploadJournal
from plivo_media_provider.uploads.protocol import Uploader
from tests.conftest import AUTH_ID, AUTH_TOKEN, PinClock, Result, provider_env
from tests.support.control import Control
from tests.support.engine import Engine, ProviderProcess
from tests.support.proxy import Answer, Drop, Proxy, Request, proxy_to
from tests.test_faults import Stack, make_files
from tests.test_upload_protocol import FirstUploads, is_list, json_of, png, with_json

ORDERS = ["oldest-first", "file-name", "media-id"]
OLD = "aa-old-"
Forward = Callable[[], Answer]


def upload_older_media(client: MediaClient, count: int = 45) -> Counter[tuple[str, str]]:
    """``count`` media in batches whose names interleave, so that by name their upload times
    rise and fall; named to sort before the stacks' ``media-N.png``. Their census."""
    batches = 5
    uploaded: list[UploadFile] = []
    for batch in range(batches):
        chosen = [i for i in range(count) if i % batches == batch]
        for start in range(0, len(chosen), 10):
            group = [png(seed=500 + i, name=f"{OLD}{i:02d}.png") for i in chosen[start:start + 10]]
            client.upload(group)
            uploaded += group
    return Counter((f.file_name, hashlib.sha256(f.content).hexdigest()) for f in uploaded)


def aged(inner: Callable[[Request, Forward], Answer] | None = None,
         by: timedelta = timedelta(hours=2)) -> Callable[[Request, Forward], Answer]:
    """A rule that shifts the upload_time of the older media ``by`` back in every JSON answer
    (after ``inner``, or the emulator's own answer)."""

    def shift(obj: Any) -> Any:
        if isinstance(obj, dict) and str(obj.get("file_name", "")).startswith(OLD):
            obj["upload_time"] = format_time(parse_time(obj["upload_time"]) - by)
        return obj

    def rule(request: Request, forward: Forward) -> Answer:
        answer = inner(request, forward) if inner is not None else forward()
        if "json" not in answer.headers.get("Content-Type", ""):
            return answer
        body = json_of(answer)
        if isinstance(body.get("objects"), list):
            body["objects"] = [shift(o) for o in body["objects"]]
        return with_json(answer, shift(body))

    return rule


def lose(_request: Request, forward: Forward) -> Answer:
    forward()
    raise Drop


@pytest.fixture
def direct(emulator: Emulator) -> Iterator[MediaClient]:
    with MediaClient(AUTH_ID, AUTH_TOKEN, emulator.url) as client:
        yield client


@pytest.fixture
def proxy(emulator: Emulator) -> Iterator[Proxy]:
    with proxy_to(emulator.url) as running:
        yield running


# -- the search for an upload whose answer was lost ---------------------------------------------


@pytest.mark.parametrize("order", ORDERS)
def test_a_lost_answer_is_found_in_any_list_order_and_stored_once(
    emulator: Emulator, proxy: Proxy, direct: MediaClient, tmp_path: Path, order: str
) -> None:
    """Two files; the first upload's answer is lost after Plivo stored it. Listed oldest
    first, or in no time order, behind 45 older media: it is found, not sent again."""
    older = upload_older_media(direct)
    Control(emulator.url).list_order(order)
    proxy.rule = aged(FirstUploads(lose))
    with ProviderProcess(provider_env(proxy.url, PLIVO_READ_TIMEOUT="5")) as process:
        stack = Stack(emulator.url, Engine(process), make_files(tmp_path, 2))
        outcome = stack.up()
        assert outcome.ok, outcome.errors
        assert stack.control.stats()["uploads"] == older.total() + 2  # no second copy
        stack.assert_converged(besides=older)


def test_a_search_that_must_read_every_page_is_bounded_and_keeps_the_record(
    emulator: Emulator, proxy: Proxy, direct: MediaClient, tmp_path: Path
) -> None:
    """In no time order the search cannot stop early: with more pages than it may read, it
    fails in one line, and the journal keeps the attempt for the next run."""
    upload_older_media(direct)
    Control(emulator.url).list_order("file-name")
    proxy.rule = aged(FirstUploads(lose))
    journal = UploadJournal(tmp_path / "journal")
    with MediaClient(AUTH_ID, AUTH_TOKEN, proxy.url, read_timeout=5.0) as client, \
            pytest.raises(ReconciliationError) as caught:
        Uploader(client, journal, max_pages=2).upload(png(seed=7, name="zz-logo.png"))
    message = str(caught.value)
    assert "in no time order, so every page must be read" in message
    assert "noted in" in message and "\n" not in message
    assert proxy.count("GET", f"/v1/Account/{AUTH_ID}/Media/?") == 2
    assert len(list((tmp_path / "journal").rglob("*.json"))) == 1
    assert Control(emulator.url).stats()["uploads"] == 46  # nothing sent a second time


def test_an_oldest_first_search_reads_the_end_of_the_list_not_every_page(
    emulator: Emulator, proxy: Proxy, direct: MediaClient
) -> None:
    """Oldest first, the newest media are at the end: the search goes there (by
    total_count, then to a page that is not full) instead of reading all 3 pages."""
    upload_older_media(direct)
    Control(emulator.url).list_order("oldest-first")
    proxy.rule = aged(FirstUploads(lose))
    with MediaClient(AUTH_ID, AUTH_TOKEN, proxy.url, read_timeout=5.0) as client:
        media = Uploader(client, max_pages=3).upload(png(seed=7, name="zz-logo.png"))
    assert media.file_name == "zz-logo.png"
    offsets = [r.path.split("offset=")[1].split("&")[0] for r in proxy.requests if is_list(r)]
    assert offsets[0] == "0" and "20" not in offsets  # page 2 of 3 is never read
    assert Control(emulator.url).stats()["uploads"] == 46


# -- refresh and drift through the shared listing -------------------------------------------------


@pytest.mark.parametrize("order", ORDERS)
def test_refresh_keeps_every_resource_in_any_order(
    emulator: Emulator, direct: MediaClient, tmp_path: Path, order: str
) -> None:
    upload_older_media(direct)
    control = Control(emulator.url)
    with ProviderProcess(provider_env(emulator.url)) as process:
        engine = Engine(process)
        declared = make_files(tmp_path, 30)
        assert engine.up({n: {"path": str(p)} for n, p in declared.items()}).ok
        control.list_order(order)
        gone = engine.state["media3"].id
        control.delete(gone)
        before = control.stats()["requests"]
        refreshed = engine.refresh()
        sent = control.stats()["requests"] - before
    assert refreshed.ok, refreshed.errors
    assert refreshed.deleted == ["media3"]  # dropped on proof only, every other one kept
    assert set(engine.state) == set(declared) - {"media3"}
    # Oldest first is read mirrored, so pages answer reads; in no order they cannot be
    # placed, and reads GET their media: never more than one request per media, plus the
    # proof's for the one gone (two GETs and the list probe) and the listing's two probes.
    assert sent <= (20 if order == "oldest-first" else 30 + 3 + 2)


def test_drift_reads_an_oldest_first_list_right(
    emulator: Emulator, direct: MediaClient, tmp_path: Path, run: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    upload_older_media(direct)
    with ProviderProcess(provider_env(emulator.url)) as process:
        engine = Engine(process)
        declared = make_files(tmp_path, 25)
        assert engine.up({n: {"path": str(p)} for n, p in declared.items()}).ok
    Control(emulator.url).list_order("oldest-first")
    state = tmp_path / "state.json"
    state.write_text(json.dumps(engine.export()))
    monkeypatch.setenv("PLIVO_AUTH_ID", AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("PLIVO_API_URL", emulator.url)
    code, out, _ = run("drift", "--state", str(state), "--json")
    report = json.loads(out)
    assert code == 0, report
    assert report["summary"]["counts"]["in_sync"] == 25


# -- ls ------------------------------------------------------------------------------------------


@pytest.fixture
def listed(emulator: Emulator, direct: MediaClient, pin_clock: PinClock,
           monkeypatch: pytest.MonkeyPatch) -> list[Media]:
    """45 media, two hours later 3 more; the list served oldest first; ls's environment."""
    upload_older_media(direct)
    Control(emulator.url).advance(2 * 3600)
    recent = direct.upload([png(seed=900 + i, name=f"new-{i}.png") for i in range(3)])
    pin_clock(Control(emulator.url).now())
    Control(emulator.url).list_order("oldest-first")
    monkeypatch.setenv("PLIVO_AUTH_ID", AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("PLIVO_API_URL", emulator.url)
    return recent


def test_ls_lists_newest_first_whatever_the_list_order(
    listed: list[Media], run: Callable[..., Result]
) -> None:
    code, out, _ = run("ls", "--json")
    media = json.loads(out)["media"]
    times = [parse_time(m["upload_time"]) for m in media]
    assert code == 0 and len(media) == 48
    assert times == sorted(times, reverse=True)


def test_ls_since_and_limit_in_an_oldest_first_list(
    listed: list[Media], run: Callable[..., Result]
) -> None:
    """Oldest first, the first media read is older than the window: that must not end the
    listing, and --limit must keep the newest, not the first read."""
    _, since, _ = run("ls", "--json", "--since", "1h")
    _, limit, _ = run("ls", "--json", "--limit", "2")
    assert {m["media_id"] for m in json.loads(since)["media"]} == {m.media_id for m in listed}
    names = [m["file_name"] for m in json.loads(limit)["media"]]
    assert len(names) == 2 and set(names) <= {m.file_name for m in listed}


def test_a_page_that_contradicts_the_order_believed_so_far_drops_it(
    emulator: Emulator, proxy: Proxy, direct: MediaClient
) -> None:
    """By file name, the first page's times fall (it looks newest first) and the next page
    holds media older than the attempt, its times rising: believing the first page, the
    search would stop there. It reads on, and finds the upload on the last page."""
    for i in reversed(range(20)):
        direct.upload([png(seed=600 + i, name=f"aa-new-{i:02d}.png")])
    for i in range(20, 45):
        direct.upload([png(seed=600 + i, name=f"{OLD}{i:02d}.png")])
    Control(emulator.url).list_order("file-name")
    proxy.rule = aged(FirstUploads(lose))
    with MediaClient(AUTH_ID, AUTH_TOKEN, proxy.url, read_timeout=5.0) as client:
        media = Uploader(client).upload(png(seed=7, name="zz-logo.png"))
    assert media.file_name == "zz-logo.png"
    assert Control(emulator.url).stats()["uploads"] == 46
