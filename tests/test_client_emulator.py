"""The real client against the emulator over loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from plivo_media_provider.api.client import MediaClient, UploadFile
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.errors import (
    APIError,
    AuthenticationError,
    InvalidRequest,
    MediaNotFound,
    RateLimited,
    ServerError,
    UploadOutcomeUnknown,
)
from plivo_media_provider.uploads.protocol import upload_once
from tests.conftest import AUTH_ID, AUTH_TOKEN
from tests.support import files
from tests.support.control import Control

UPLOAD_PATH = f"/v1/Account/{AUTH_ID}/Media"


def png(seed: int) -> UploadFile:
    return UploadFile(f"img-{seed}.png", files.png_bytes(rgb=(seed % 256, 1, 2)), "image/png")


def test_upload_once_file_and_serve_the_same_bytes(client: MediaClient) -> None:
    [media] = client.upload([UploadFile("menu.pdf", files.pdf_bytes(), "application/pdf")])
    assert (media.file_name, media.content_type, media.size) == (
        "menu.pdf", "application/pdf", len(files.pdf_bytes()))
    assert media.upload_time.tzinfo is not None
    assert media.media_url.endswith(f"/Account/{AUTH_ID}/Media/{media.media_id}")
    assert client.download(media) == files.pdf_bytes()
    assert client.get(media.media_id) == media


def test_upload_ten_files_returns_them_in_input_order(client: MediaClient) -> None:
    uploads = [png(i) for i in range(10)]
    media = client.upload(uploads)
    assert [m.file_name for m in media] == [u.file_name for u in uploads]
    assert len({m.media_id for m in media}) == 10


def test_the_emulator_refuses_eleven_files(emulator: Emulator) -> None:
    import requests

    parts = [("file", (f"{i}.png", files.png_bytes(), "image/png")) for i in range(11)]
    response = requests.post(f"{emulator.url}{UPLOAD_PATH}/", files=parts,
                             auth=(AUTH_ID, AUTH_TOKEN), timeout=10)
    assert response.status_code == 400
    assert set(response.json()) == {"api_id", "error"}


def test_a_refused_type_names_plivos_reason(client: MediaClient) -> None:
    with pytest.raises(InvalidRequest) as caught:
        client.upload([UploadFile("x.webp", b"RIFF0000WEBP", "image/webp")])
    assert caught.value.status == 400 and caught.value.api_id


def test_list_pages_across_more_than_twenty_media(client: MediaClient) -> None:
    for batch in range(3):
        client.upload([png(batch * 10 + i) for i in range(10 if batch < 2 else 5)])
    first = client.list_page(20, 0)
    assert (len(first.objects), first.total_count, first.limit, first.offset) == (20, 25, 20, 0)
    second = client.list_page(20, 20)
    assert len(second.objects) == 5
    everything = list(client.iter_media())
    assert len(everything) == 25 and len({m.media_id for m in everything}) == 25
    times = [m.upload_time for m in everything]
    assert times == sorted(times, reverse=True)


def test_unknown_media_is_not_found(client: MediaClient) -> None:
    with pytest.raises(MediaNotFound) as caught:
        client.get("00000000-0000-0000-0000-000000000000")
    assert caught.value.status == 404


def test_wrong_credentials_are_an_authentication_error(emulator: Emulator) -> None:
    with MediaClient(AUTH_ID, "wrong-token", emulator.url) as wrong, pytest.raises(
        AuthenticationError, match="plivo:authToken"
    ):
        wrong.list_page()


@pytest.mark.parametrize(
    ("status", "error_type"),
    [(400, InvalidRequest), (401, AuthenticationError), (403, AuthenticationError),
     (404, MediaNotFound), (405, InvalidRequest), (413, InvalidRequest), (422, InvalidRequest),
     (418, APIError)],
    ids=lambda v: str(v) if isinstance(v, int) else v.__name__,
)
def test_every_error_status_maps_to_its_error(
    client: MediaClient, emulator: Emulator, status: int, error_type: type[APIError]
) -> None:
    Control(emulator.url).fault(method="GET", path=UPLOAD_PATH, status=status)
    with pytest.raises(error_type) as caught:
        client.list_page()
    assert caught.value.status == status


@pytest.mark.parametrize("status", [429, 500, 503], ids=str)
def test_reads_are_retried_past_transient_statuses(
    client: MediaClient, emulator: Emulator, status: int
) -> None:
    control = Control(emulator.url)
    control.fault(method="GET", path=UPLOAD_PATH, status=status, count=2, retry_after=0)
    assert client.list_page().total_count == 0
    assert control.stats()["requests"] == 3


def test_reads_give_up_after_retries_with_a_clear_error(
    client: MediaClient, emulator: Emulator
) -> None:
    Control(emulator.url).fault(
        method="GET", path=UPLOAD_PATH, status=503, count=10, retry_after=0)
    with pytest.raises(ServerError, match="run again later"):
        client.list_page()


def test_uploads_are_retried_on_429(client: MediaClient, emulator: Emulator) -> None:
    control = Control(emulator.url)
    control.fault(method="POST", path=UPLOAD_PATH, status=429, count=1, retry_after=0)
    [media] = client.upload([png(1)])
    assert control.stats()["uploads"] == 1
    assert client.get(media.media_id).size == media.size


@pytest.mark.parametrize("status", [500, 503])
def test_uploads_are_not_retried_on_5xx(
    client: MediaClient, emulator: Emulator, status: int
) -> None:
    """A 5xx may follow a stored upload: the protocol settles it, the client never resends."""
    control = Control(emulator.url)
    control.fault(method="POST", path=UPLOAD_PATH, status=status, count=1)
    with pytest.raises(ServerError):
        client.upload([png(1)])
    assert control.stats()["requests"] == 1


def test_rate_limit_that_outlasts_retries_is_reported(emulator: Emulator) -> None:
    Control(emulator.url).fault(method="GET", path=UPLOAD_PATH, status=429, count=5,
                                retry_after=0)
    with MediaClient(AUTH_ID, AUTH_TOKEN, emulator.url, retries=1, backoff_factor=0.01) as c, \
            pytest.raises(RateLimited):
        c.list_page()


def test_an_upload_dropped_after_processing_is_not_retried(
    client: MediaClient, emulator: Emulator
) -> None:
    control = Control(emulator.url)
    control.fault(method="POST", path=UPLOAD_PATH, drop="after")
    with pytest.raises(UploadOutcomeUnknown):
        client.upload([png(1)])
    stats = control.stats()
    assert (stats["requests"], stats["uploads"], stats["media"]) == (1, 1, 1)


def test_upload_once_adopts_the_media_a_dropped_upload_stored(
    client: MediaClient, emulator: Emulator
) -> None:
    control = Control(emulator.url)
    control.fault(method="POST", path=UPLOAD_PATH, drop="after")
    media = upload_once(client, png(1))
    assert control.stats()["uploads"] == 1
    assert client.get(media.media_id).file_name == "img-1.png"


def test_upload_once_uploads_again_when_nothing_was_stored(
    client: MediaClient, emulator: Emulator
) -> None:
    control = Control(emulator.url)
    control.fault(method="POST", path=UPLOAD_PATH, drop="before")
    upload_once(client, png(1))
    assert control.stats()["uploads"] == 1


def test_upload_once_adopts_the_oldest_of_identical_candidates(
    client: MediaClient, emulator: Emulator
) -> None:
    [first] = client.upload([png(1)])
    Control(emulator.url).fault(method="POST", path=UPLOAD_PATH, drop="after")
    assert upload_once(client, png(1)) == first


def test_unsent_media_expires_after_six_hours_and_sent_media_stays(
    client: MediaClient, emulator: Emulator
) -> None:
    unsent, sent = client.upload([png(1), png(2)])
    control = Control(emulator.url)
    control.mark_sent(sent.media_id)
    control.advance(6 * 3600 + 1)
    with pytest.raises(MediaNotFound):
        client.get(unsent.media_id)
    assert client.get(sent.media_id).media_id == sent.media_id
    assert [m.media_id for m in client.iter_media()] == [sent.media_id]


def test_media_survives_an_emulator_restart_with_a_data_dir(tmp_path: Path) -> None:
    data = files.pdf_bytes()
    with Emulator(port=0, auth_id=AUTH_ID, auth_token=AUTH_TOKEN, data_dir=str(tmp_path),
                  rate_limit=None) as first, MediaClient(AUTH_ID, AUTH_TOKEN, first.url) as c:
        [media] = c.upload([UploadFile("menu.pdf", data, "application/pdf")])
    with Emulator(port=0, auth_id=AUTH_ID, auth_token=AUTH_TOKEN, data_dir=str(tmp_path),
                  rate_limit=None) as second, MediaClient(AUTH_ID, AUTH_TOKEN, second.url) as c:
        again = c.get(media.media_id)
        assert (again.file_name, again.size, again.upload_time) == (
            media.file_name, media.size, media.upload_time)
        assert c.download(again) == data


def test_a_shared_client_reuses_one_connection_per_thread(
    client: MediaClient, emulator: Emulator
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    [media] = client.upload([png(1)])
    control = Control(emulator.url)
    client.close()
    before = control.stats()["connections"]
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(lambda _: client.get(media.media_id), range(40)))
    assert {m.media_id for m in found} == {media.media_id}
    # Four worker threads, plus the connection the second stats request opens.
    assert control.stats()["connections"] - before <= 4 + 1
