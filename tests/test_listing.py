"""The shared listing: concurrent Reads answered from list pages, never wrongly, within budget.

In-process tests drive ``listing.find_media`` from several threads with the real client
against the emulator, and count the emulator's API requests; the last tests run refresh
through the SDK's provider server. Uploads and out-of-band deletions land while the listing
runs, injected by a proxy before it forwards a list request.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from plivo_media_provider.api.client import Media, MediaClient, UploadFile
from plivo_media_provider.api.listing import PROBES, SharedListing, find_media, listing_for
from plivo_media_provider.emulator import Emulator
from tests.conftest import AUTH_ID, AUTH_TOKEN, provider_env
from tests.support import files
from tests.support.control import Control
from tests.support.engine import Engine, ProviderProcess
from tests.support.proxy import Answer, Request, proxy_to

LIST = f"/v1/Account/{AUTH_ID}/Media/?"
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
"""The readers' clock: pinned, so one listing serves a whole test."""


def upload_many(client: MediaClient, count: int, prefix: str = "m") -> list[Media]:
    """``count`` distinct media, oldest first, uploaded 10 per request."""
    made: list[Media] = []
    for start in range(0, count, 10):
        batch = [UploadFile(f"{prefix}{i:04d}.png", files.png_bytes(seed=i, pad_to=200),
                            "image/png") for i in range(start, min(count, start + 10))]
        made += client.upload(batch)
    return made


def same(media: Media | None) -> tuple[object, ...] | None:
    """What must match, whichever host (emulator or proxy) the ``media_url`` names."""
    if media is None:
        return None
    return (media.media_id, media.file_name, media.content_type, media.size, media.upload_time)


def read_all(client: MediaClient, media: list[Media], workers: int = 4) -> dict[str, Media | None]:
    with ThreadPoolExecutor(workers) as pool:
        found = pool.map(lambda m: find_media(client, m.media_id, m.upload_time, NOW), media)
        return {m.media_id: f for m, f in zip(media, found, strict=True)}


@pytest.fixture
def fresh_client(emulator: Emulator) -> Iterator[MediaClient]:
    """A client of its own, so its listing starts empty (listings are per client)."""
    with MediaClient(AUTH_ID, AUTH_TOKEN, emulator.url, backoff_factor=0.01) as client:
        yield client


@pytest.mark.parametrize("order", ["oldest_first", "newest_first", "shuffled"])
def test_concurrent_reads_are_answered_by_fewer_requests_than_one_get_each(
    emulator: Emulator, client: MediaClient, fresh_client: MediaClient, order: str
) -> None:
    media = upload_many(client, 200)
    wanted = {"oldest_first": media, "newest_first": media[::-1],
              "shuffled": random.Random(7).sample(media, len(media))}[order]
    before = Control(emulator.url).stats()["requests"]
    found = read_all(fresh_client, wanted)
    sent = Control(emulator.url).stats()["requests"] - before
    assert found == {m.media_id: m for m in media}
    listing = listing_for(fresh_client)
    assert listing.pages_fetched <= listing.answered + PROBES
    assert sent <= len(media) + PROBES
    assert sent < len(media) // 4, f"{sent} requests for {len(media)} reads"


def test_every_page_request_is_paid_for_by_reads_it_answered(
    emulator: Emulator, client: MediaClient, fresh_client: MediaClient
) -> None:
    """State points at media that is all gone: the listing stops after its probes."""
    media = upload_many(client, 60)
    upload_many(client, 40, prefix="other")
    control = Control(emulator.url)
    for gone in media:
        control.delete(gone.media_id)
    before = control.stats()["requests"]
    found = read_all(fresh_client, media)
    assert set(found.values()) == {None}
    assert listing_for(fresh_client).pages_fetched <= PROBES
    # Each gone media: GET + confirming GET; plus at most the probes (no base check: the
    # listing's pages proved the base).
    assert control.stats()["requests"] - before <= 2 * len(media) + PROBES


def test_a_later_refresh_in_the_same_process_starts_a_new_listing(
    emulator: Emulator, client: MediaClient, fresh_client: MediaClient
) -> None:
    """The pages of a first refresh predate media uploaded after it: a Read of such media
    starts a new listing instead of falling back to one GET each."""
    first = upload_many(client, 60)
    assert read_all(fresh_client, first) == {m.media_id: m for m in first}
    later = upload_many(client, 60, prefix="later")
    control = Control(emulator.url)
    before = control.stats()["requests"]
    assert read_all(fresh_client, later) == {m.media_id: m for m in later}
    sent = control.stats()["requests"] - before
    listing = listing_for(fresh_client)
    assert listing.restarts == 1
    assert sent < len(later) // 4, f"{sent} requests for {len(later)} reads"
    assert listing.pages_fetched <= listing.answered + PROBES


def test_media_newer_than_the_whole_list_does_not_restart_the_listing_again_and_again(
    emulator: Emulator, client: MediaClient, fresh_client: MediaClient
) -> None:
    """State's newest media were deleted: each Read of one is newer than anything listed,
    but only a listing that answered a Read restarts, so the budget still holds."""
    kept = upload_many(client, 40)
    doomed = upload_many(client, 40, prefix="doomed")
    control = Control(emulator.url)
    for media in doomed:
        control.delete(media.media_id)
    before = control.stats()["requests"]
    found = read_all(fresh_client, [*kept, *doomed])
    assert found == {**{m.media_id: m for m in kept}, **{m.media_id: None for m in doomed}}
    listing = listing_for(fresh_client)
    assert listing.restarts <= 1
    assert listing.pages_fetched <= listing.answered + PROBES
    # Kept media come from pages; each doomed one is a GET and its confirming GET.
    assert control.stats()["requests"] - before <= 2 * len(doomed) + len(kept) // 4


def test_reads_in_state_order_fetch_neighbouring_pages_at_once(
    emulator: Emulator, client: MediaClient
) -> None:
    """Reads oldest first all want the same next page; the ones that would wait fetch its
    neighbours instead, so several pages are in flight at once (at WAN latency, that is
    the difference between one round trip per page and one per several pages).

    After the two probes, each list request waits at a barrier until 3 are in flight; a
    listing that fetched one page at a time would break the barrier (its timeout only
    bounds a failing test).
    """
    media = upload_many(client, 200)
    together = threading.Barrier(3, timeout=20)
    alone: list[int] = []

    def wait_for_company(number: int) -> None:
        if 3 <= number <= 5:
            try:
                together.wait()
            except threading.BrokenBarrierError:
                alone.append(number)

    with inject_before_list(emulator, wait_for_company) as proxied:
        found = read_all(proxied, media, workers=8)
        listing = listing_for(proxied)
    assert {k: same(v) for k, v in found.items()} == {m.media_id: same(m) for m in media}
    assert alone == [], "list requests were sent one at a time"
    assert listing.pages_fetched <= listing.answered + PROBES


@contextmanager
def inject_before_list(
    emulator: Emulator, action: Callable[[int], None]
) -> Iterator[MediaClient]:
    """A client through a proxy that runs ``action(n)`` before forwarding the nth list."""
    lists = 0
    lock = threading.Lock()
    with proxy_to(emulator.url) as proxy:
        def rule(request: Request, forward: Callable[[], Answer]) -> Answer:
            nonlocal lists
            if request.path.startswith(LIST):
                with lock:
                    lists += 1
                    number = lists
                action(number)
            return forward()

        proxy.rule = rule
        with MediaClient(AUTH_ID, AUTH_TOKEN, proxy.url, backoff_factor=0.01) as proxied:
            yield proxied


def test_uploads_while_the_listing_runs_shift_offsets_but_every_read_is_right(
    emulator: Emulator, client: MediaClient
) -> None:
    media = upload_many(client, 120)
    extra = iter(range(1000))

    def upload_five(_number: int) -> None:
        batch = [UploadFile(f"new{n}.png", files.png_bytes(seed=5000 + n), "image/png")
                 for n in (next(extra) for _ in range(5))]
        client.upload(batch)

    with inject_before_list(emulator, upload_five) as proxied:
        found = read_all(proxied, media)
    assert {k: same(v) for k, v in found.items()} == {m.media_id: same(m) for m in media}


def test_deletions_while_the_listing_runs_drop_only_what_is_gone(
    emulator: Emulator, client: MediaClient
) -> None:
    media = upload_many(client, 120)
    # Delete across the list as pages are fetched: the 3rd list request deletes some media
    # from pages already fetched and some from pages not fetched yet.
    doomed = {m.media_id for m in media[::9]}
    control = Control(emulator.url)

    def delete_some(number: int) -> None:
        if number == 3:
            for media_id in doomed:
                control.delete(media_id)

    with inject_before_list(emulator, delete_some) as proxied:
        found = read_all(proxied, media)
    for m in media:
        if found[m.media_id] is None:
            assert m.media_id in doomed, "a live media was reported gone"
        else:
            assert same(found[m.media_id]) == same(m)
    # Gone media that a page listed before its deletion reads as present, exactly as a GET
    # answered a moment earlier would; the rest are proven gone.
    assert any(found[d] is None for d in doomed)


def test_pages_are_forgotten_after_max_age(emulator: Emulator, client: MediaClient) -> None:
    [first] = upload_many(client, 1)
    start = first.upload_time
    listing = SharedListing(client, max_age=timedelta(seconds=60))
    assert listing.lookup(first.media_id, first.upload_time, start) == first
    Control(emulator.url).delete(first.media_id)
    later = start + timedelta(seconds=30)
    assert listing.lookup(first.media_id, first.upload_time, later) == first
    expired = start + timedelta(seconds=61)
    assert listing.lookup(first.media_id, first.upload_time, expired) is None


def test_a_refresh_through_the_provider_server_lists_instead_of_getting_each(
    emulator: Emulator, tmp_path: Path
) -> None:
    names = [f"f{i:03d}" for i in range(80)]
    resources = {
        name: {"path": str(files.write(tmp_path / f"{name}.png",
                                       files.png_bytes(seed=i, pad_to=200)))}
        for i, name in enumerate(names)
    }
    control = Control(emulator.url)
    with ProviderProcess(provider_env(emulator.url)) as provider:
        engine = Engine(provider, parallelism=8)
        assert engine.up(resources).ok
    gone = engine.state["f010"].id
    control.delete(gone)
    before = control.stats()["requests"]
    with ProviderProcess(provider_env(emulator.url)) as provider:
        again = Engine(provider, parallelism=8)
        again.state = engine.state
        outcome = again.refresh()
    sent = control.stats()["requests"] - before
    assert outcome.ok and outcome.deleted == ["f010"]
    assert sorted(again.state) == sorted(set(names) - {"f010"})
    assert sent < len(names) // 2, f"{sent} requests for {len(names)} reads"
