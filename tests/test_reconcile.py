"""The upload protocol (``reconcile.Uploader``) driven by the emulator's faults.

When an upload's outcome is unknown, the protocol must not upload blindly again: it lists
the newest media, stops at media older than the attempt's start (less the clock-skew
allowance), and matches file name, size and sha256. One match is adopted, none means upload
again, and of several identical ones the oldest is adopted. The clock is the Uploader's
constructor seam.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from plivo_media_provider.api.client import MediaClient, UploadFile
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.errors import ReconciliationError
from plivo_media_provider.uploads.protocol import CLOCK_SKEW, Uploader, upload_once
from tests.conftest import AUTH_ID, AUTH_TOKEN
from tests.support import files
from tests.support.control import Control

UPLOAD_PATH = f"/v1/Account/{AUTH_ID}/Media"
READ_TIMEOUT = 0.5


def logo(seed: int = 1, name: str = "logo.png", size: int = 600) -> UploadFile:
    return UploadFile(name, files.png_bytes(pad_to=size, seed=seed), "image/png")


@pytest.fixture
def control(emulator: Emulator) -> Control:
    return Control(emulator.url)


@pytest.fixture
def make_client(emulator: Emulator) -> Iterator[Callable[..., MediaClient]]:
    """Clients with a short read timeout and fast retries; each is closed at teardown."""
    made: list[MediaClient] = []

    def make(url: str = emulator.url, **options: object) -> MediaClient:
        settings: dict[str, object] = {
            "read_timeout": READ_TIMEOUT, "retries": 1, "backoff_factor": 0.01,
        }
        settings.update(options)
        client = MediaClient(AUTH_ID, AUTH_TOKEN, url, **settings)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def clock_ahead(offset: timedelta) -> Callable[[], datetime]:
    return lambda: datetime.now(timezone.utc) + offset


@pytest.fixture
def on_disk(tmp_path: Path) -> Iterator[Emulator]:
    """An emulator keeping media in a data directory, so it can be counted after a stop."""
    server = Emulator(auth_id=AUTH_ID, auth_token=AUTH_TOKEN, data_dir=tmp_path / "emu",
                      rate_limit=None).start()
    try:
        yield server
    finally:
        server.stop()


def media_once_settled(server: Emulator) -> list[str]:
    """Media ids stored once every request in flight has finished (``stop`` waits for them)."""
    server.stop()
    with Emulator(auth_id=AUTH_ID, auth_token=AUTH_TOKEN, data_dir=server.data_dir,
                  rate_limit=None) as again, MediaClient(AUTH_ID, AUTH_TOKEN, again.url) as c:
        return [media.media_id for media in c.iter_media()]


def test_upload_dropped_after_storing_is_adopted_with_one_list_request(
    make_client: Callable[..., MediaClient], control: Control
) -> None:
    client = make_client()
    control.fault(method="POST", path=UPLOAD_PATH, drop="after")
    media = upload_once(client, logo())
    [listed] = client.list_page().objects
    assert media == listed
    stats = control.stats()
    # The dropped POST, the one list page that found it, and the list just above.
    assert (stats["uploads"], stats["media"], stats["requests"]) == (1, 1, 3)


def test_upload_dropped_before_storing_is_sent_once_more(
    make_client: Callable[..., MediaClient], control: Control
) -> None:
    client = make_client()
    control.fault(method="POST", path=UPLOAD_PATH, drop="before")
    media = upload_once(client, logo())
    assert client.get(media.media_id).size == len(logo().content)
    stats = control.stats()
    # Dropped POST, one list page finding nothing, the second POST, and the get above.
    assert (stats["uploads"], stats["media"], stats["requests"]) == (1, 1, 4)


def test_upload_that_lands_after_the_read_timeout_is_adopted_not_duplicated(
    make_client: Callable[..., MediaClient], on_disk: Emulator
) -> None:
    client = make_client(on_disk.url)
    Control(on_disk.url).fault(method="POST", path=UPLOAD_PATH, delay=READ_TIMEOUT * 3)
    media = Uploader(client, settle_wait=10.0).upload(logo())
    assert media_once_settled(on_disk) == [media.media_id]


def test_upload_landing_after_the_reconcile_wait_is_the_documented_duplicate(
    make_client: Callable[..., MediaClient], on_disk: Emulator
) -> None:
    """The limit of what can be promised without idempotency keys: a copy Plivo stores after
    the client stopped looking becomes an unused duplicate; the client still returns one."""
    client = make_client(on_disk.url)
    Control(on_disk.url).fault(method="POST", path=UPLOAD_PATH, delay=READ_TIMEOUT * 3)
    media = Uploader(client, settle_wait=0.0).upload(logo())
    stored = media_once_settled(on_disk)
    assert len(stored) == 2 and media.media_id in stored


def test_of_several_identical_candidates_the_oldest_is_adopted(
    make_client: Callable[..., MediaClient], control: Control
) -> None:
    """Observation 6: twins are identical, immutable media, so adopting one is safe; the
    oldest (then the smallest id) is chosen, so every searcher picks the same one."""
    client = make_client()
    earlier = [client.upload([logo()])[0] for _ in range(2)]
    control.fault(method="POST", path=UPLOAD_PATH, drop="after")
    media = upload_once(client, logo())
    assert media == min(earlier, key=lambda m: (m.upload_time, m.media_id))
    assert control.stats()["uploads"] == 3


def test_media_older_than_the_attempt_are_not_candidates_and_end_the_listing(
    make_client: Callable[..., MediaClient], control: Control
) -> None:
    """An identical copy from an hour ago is not this attempt's upload, and the search stops
    at it after one page although the account holds more than a page of older media."""
    setup = make_client()
    old = setup.upload([logo()])[0]
    for batch in range(3):
        setup.upload([logo(seed=100 + batch * 10 + i, name=f"old-{batch}-{i}.png")
                      for i in range(10)])
    control.advance(3600)
    client = make_client()
    before = control.stats()["requests"]
    control.fault(method="POST", path=UPLOAD_PATH, drop="before")

    media = Uploader(client, clock=clock_ahead(timedelta(hours=1))).upload(logo())

    assert media.media_id != old.media_id
    assert control.stats()["requests"] - before == 3  # dropped POST, one list page, POST
    assert control.stats()["media"] == 32


def test_a_plivo_clock_behind_ours_within_the_allowance_still_matches(
    make_client: Callable[..., MediaClient], control: Control
) -> None:
    """Plivo's upload_time is its clock; ours may run ahead by up to CLOCK_SKEW."""
    ahead = CLOCK_SKEW - timedelta(seconds=15)
    client = make_client()
    control.fault(method="POST", path=UPLOAD_PATH, drop="after")
    media = Uploader(client, clock=clock_ahead(ahead)).upload(logo())
    assert [m.media_id for m in client.list_page().objects] == [media.media_id]
    assert control.stats()["uploads"] == 1


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(logo(seed=2), id="same-name-and-size-other-bytes"),
        pytest.param(logo(name="other.png"), id="same-bytes-other-name"),
    ],
)
def test_a_near_miss_is_not_adopted(
    make_client: Callable[..., MediaClient], control: Control, other: UploadFile
) -> None:
    client = make_client()
    [decoy] = client.upload([other])
    control.fault(method="POST", path=UPLOAD_PATH, drop="before")
    media = upload_once(client, logo())
    assert media.media_id != decoy.media_id
    assert client.download(media) == logo().content
    assert control.stats()["uploads"] == 2


def test_a_search_that_cannot_list_says_the_upload_may_exist(
    make_client: Callable[..., MediaClient], control: Control
) -> None:
    client = make_client()
    control.fault(method="POST", path=UPLOAD_PATH, drop="after")
    control.fault(method="GET", path=UPLOAD_PATH, status=500, count=2)
    with pytest.raises(ReconciliationError) as caught:
        upload_once(client, logo())
    message = str(caught.value)
    assert "'logo.png'" in message and "may be stored" in message and "HTTP 500" in message
    assert "nothing was sent" not in message
    assert control.stats()["uploads"] == 1
