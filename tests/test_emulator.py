"""Behaviour of the Plivo Media API emulator, driven over real HTTP with requests."""

from __future__ import annotations

import base64
import json
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from plivo_media_provider.core.content import MAX_FILE_BYTES
from plivo_media_provider.emulator import (
    DEFAULT_AUTH_ID,
    DEFAULT_AUTH_TOKEN,
    Emulator,
    parse_rate_limit,
)

AUTH_ID = "MAEMULATORTEST000001"
TOKEN = "tok-EMULATOR-5e1d9a7c-must-never-be-printed"
SIX_HOURS = 6 * 3600
YEAR = 365 * 24 * 3600
UPLOAD_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
REPO = Path(__file__).resolve().parents[1]


# -- real (tiny) media ---------------------------------------------------------------------


def png_bytes(seed: int = 0) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes([0, seed % 256, 0, 0]))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def gif_bytes() -> bytes:
    return (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
        b"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


MEDIA = [
    ("a.png", png_bytes(), "image/png"),
    ("b.jpg", jpeg_bytes(), "image/jpeg"),
    ("c.gif", gif_bytes(), "image/gif"),
    ("d.pdf", pdf_bytes(), "application/pdf"),
]

FileSpec = tuple[str, bytes, str]


# -- fixtures and helpers ------------------------------------------------------------------


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(auth_id=AUTH_ID, auth_token=TOKEN, rate_limit=None) as emulator:
        yield emulator


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as client:
        client.auth = (AUTH_ID, TOKEN)
        yield client


def media_endpoint(emulator: Emulator, account: str = AUTH_ID) -> str:
    return f"{emulator.url}/v1/Account/{account}/Media/"


def upload(
    session: requests.Session, emulator: Emulator, files: list[FileSpec]
) -> requests.Response:
    parts = [("file", (name, data, kind)) for name, data, kind in files]
    return session.post(media_endpoint(emulator), files=parts, timeout=10)


def upload_ok(session: requests.Session, emulator: Emulator, files: list[FileSpec]) -> list[str]:
    response = upload(session, emulator, files)
    assert response.status_code == 200, response.text
    return [item["media_id"] for item in response.json()["objects"]]


def control(emulator: Emulator, method: str, path: str, body: object = None) -> requests.Response:
    return requests.request(
        method, f"{emulator.url}/__emulator__/{path}", json=body, timeout=10
    )


def total_count(session: requests.Session, emulator: Emulator) -> int:
    response = session.get(media_endpoint(emulator), timeout=10)
    assert response.status_code == 200
    count: int = response.json()["meta"]["total_count"]
    return count


def assert_error(response: requests.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body: dict[str, object] = response.json()
    assert isinstance(body["error"], str) and body["error"]
    uuid.UUID(str(body["api_id"]))
    return body


def basic_auth() -> str:
    return "Basic " + base64.b64encode(f"{AUTH_ID}:{TOKEN}".encode()).decode()


def raw_request(emulator: Emulator, data: bytes, *, half_close: bool = False) -> bytes:
    """Send raw bytes on a fresh connection and return everything the server answers."""
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as conn:
        conn.sendall(data)
        if half_close:
            conn.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
            if half_close is False and b"\r\n\r\n" in received:
                head, _, body = received.partition(b"\r\n\r\n")
                length = re.search(rb"Content-Length: (\d+)", head)
                if length and len(body) >= int(length.group(1)):
                    break
    return received


# -- upload --------------------------------------------------------------------------------


def test_upload_of_one_file_answers_like_plivo_and_serves_the_bytes(
    emu: Emulator, session: requests.Session
) -> None:
    data = png_bytes()
    response = upload(session, emu, [("logo.png", data, "image/png")])

    assert response.status_code == 200
    body = response.json()
    uuid.UUID(body["api_id"])
    (item,) = body["objects"]
    assert set(item) == {"content_type", "file_name", "media_id", "media_url", "size",
                         "status", "status_code", "upload_time"}
    assert item["content_type"] == "image/png"
    assert item["file_name"] == "logo.png"
    assert item["size"] == len(data)
    assert (item["status"], item["status_code"]) == ("success", 201)
    assert UPLOAD_TIME.match(item["upload_time"])
    assert uuid.UUID(item["media_id"]).version == 4
    assert item["media_url"] == f"{emu.url}/Account/{AUTH_ID}/Media/{item['media_id']}"

    fetched = requests.get(item["media_url"], timeout=10)  # public: no auth
    assert fetched.status_code == 200
    assert fetched.content == data
    assert fetched.headers["Content-Type"] == "image/png"
    assert fetched.headers["Content-Length"] == str(len(data))


def test_upload_of_ten_files_keeps_their_order_types_and_bytes(
    emu: Emulator, session: requests.Session
) -> None:
    files = [(f"{i}-{name}", data, kind) for i, (name, data, kind) in enumerate(MEDIA * 3)][:10]

    response = upload(session, emu, files)

    assert response.status_code == 200, response.text
    objects = response.json()["objects"]
    assert [(o["file_name"], o["content_type"], o["size"]) for o in objects] == [
        (name, kind, len(data)) for name, data, kind in files
    ]
    for item, (_, data, kind) in zip(objects, files, strict=True):
        fetched = requests.get(item["media_url"], timeout=10)
        assert (fetched.content, fetched.headers["Content-Type"]) == (data, kind)


def test_generic_part_type_is_resolved_from_the_content(
    emu: Emulator, session: requests.Session
) -> None:
    response = upload(session, emu, [("photo", gif_bytes(), "application/octet-stream")])

    assert response.status_code == 200
    assert response.json()["objects"][0]["content_type"] == "image/gif"


@pytest.mark.parametrize(
    ("files", "phrase"),
    [
        pytest.param([("x.png", png_bytes(), "image/png")] * 11, "at most 10", id="eleven-files"),
        pytest.param([("x.bmp", b"BM" + bytes(60), "image/bmp")], "image/bmp", id="bad-type"),
        pytest.param([("x.bin", bytes(range(256)), "application/octet-stream")],
                     "application/octet-stream", id="unrecognised-bytes"),
        pytest.param([("x.png", b"", "image/png")], "empty", id="empty-file"),
        pytest.param([("x.png", png_bytes(), "image/png"), ("y.png", b"", "image/png")],
                     "empty", id="empty-second-file"),
    ],
)
def test_invalid_uploads_are_refused_with_400_and_store_nothing(
    emu: Emulator, session: requests.Session, files: list[FileSpec], phrase: str
) -> None:
    body = assert_error(upload(session, emu, files), 400)

    assert phrase in str(body["error"])
    assert total_count(session, emu) == 0


def test_upload_without_file_parts_is_refused(emu: Emulator, session: requests.Session) -> None:
    response = session.post(
        media_endpoint(emu), files=[("other", ("a.png", png_bytes(), "image/png"))], timeout=10
    )

    assert "no part named 'file'" in str(assert_error(response, 400)["error"])


def test_oversized_part_is_refused_and_the_server_keeps_serving(
    emu: Emulator, session: requests.Session
) -> None:
    too_big = b"\x89PNG\r\n\x1a\n" + bytes(MAX_FILE_BYTES)

    body = assert_error(upload(session, emu, [("big.png", too_big, "image/png")]), 400)

    assert "2 MB" in str(body["error"])
    assert upload_ok(session, emu, [("small.png", png_bytes(), "image/png")])
    assert total_count(session, emu) == 1


@pytest.mark.parametrize(
    ("content_type", "payload"),
    [
        pytest.param("multipart/form-data; boundary=right",
                     b"--wrong\r\nContent-Disposition: form-data; name=\"file\"; "
                     b"filename=\"a.png\"\r\n\r\nxx\r\n--wrong--\r\n", id="wrong-boundary"),
        pytest.param("multipart/form-data; boundary=b",
                     b"--b\r\nContent-Type: image/png\r\n\r\nxx\r\n--b--\r\n",
                     id="no-content-disposition"),
        pytest.param("multipart/form-data", b"whatever", id="no-boundary"),
        pytest.param("application/json", b"{}", id="not-multipart"),
    ],
)
def test_malformed_multipart_gets_a_400_json(
    emu: Emulator, session: requests.Session, content_type: str, payload: bytes
) -> None:
    response = session.post(
        media_endpoint(emu), data=payload, headers={"Content-Type": content_type}, timeout=10
    )

    assert_error(response, 400)
    assert total_count(session, emu) == 0


def test_truncated_body_gets_a_400_json_and_the_server_keeps_serving(
    emu: Emulator, session: requests.Session
) -> None:
    credentials = basic_auth()
    part = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
            b"Content-Type: image/png\r\n\r\n" + png_bytes())
    head = (f"POST /v1/Account/{AUTH_ID}/Media/ HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: {credentials}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            f"Content-Length: {len(part) + 1000}\r\n\r\n").encode()

    answer = raw_request(emu, head + part, half_close=True)

    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 400")
    assert b"ended before" in rest.partition(b"\r\n\r\n")[2]
    assert upload_ok(session, emu, [("a.png", png_bytes(), "image/png")])


def test_huge_declared_body_is_refused_without_waiting_for_it(emu: Emulator) -> None:
    credentials = basic_auth()
    head = (f"POST /v1/Account/{AUTH_ID}/Media/ HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: {credentials}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            f"Content-Length: {50 * MAX_FILE_BYTES}\r\n\r\n").encode()

    started = time.monotonic()
    answer = raw_request(emu, head)

    assert time.monotonic() - started < 5
    assert answer.startswith(b"HTTP/1.1 400")
    assert b"Connection: close" in answer
    assert b"over the" in answer


def test_chunked_upload_is_accepted(emu: Emulator, session: requests.Session) -> None:
    boundary = "chunky"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode()
    body += pdf_bytes() + f"\r\n--{boundary}--\r\n".encode()

    response = session.post(
        media_endpoint(emu), data=iter([body[:50], body[50:]]), timeout=10,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )

    assert response.status_code == 200, response.text
    assert response.json()["objects"][0]["size"] == len(pdf_bytes())


# -- get, list, auth, methods --------------------------------------------------------------


def test_get_returns_the_media_details(emu: Emulator, session: requests.Session) -> None:
    (media_id,) = upload_ok(session, emu, [("doc.pdf", pdf_bytes(), "application/pdf")])

    response = session.get(f"{media_endpoint(emu)}{media_id}/", timeout=10)
    without_slash = session.get(f"{media_endpoint(emu)}{media_id}", timeout=10)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"api_id", "content_type", "file_name", "media_id", "media_url",
                         "size", "upload_time"}
    assert (body["media_id"], body["file_name"], body["size"]) == (
        media_id, "doc.pdf", len(pdf_bytes()))
    assert without_slash.json()["media_id"] == media_id


@pytest.mark.parametrize("media_id", ["6c0f2ff1-71df-4c8b-9015-21325a57d65d", "not-a-uuid"])
def test_unknown_media_is_404(emu: Emulator, session: requests.Session, media_id: str) -> None:
    assert_error(session.get(f"{media_endpoint(emu)}{media_id}/", timeout=10), 404)
    assert requests.get(f"{emu.url}/Account/{AUTH_ID}/Media/{media_id}", timeout=10
                        ).status_code == 404


def test_unknown_path_is_404(emu: Emulator, session: requests.Session) -> None:
    assert_error(session.get(f"{emu.url}/v1/Account/{AUTH_ID}/Call/", timeout=10), 404)
    assert_error(session.get(f"{emu.url}/elsewhere", timeout=10), 404)
    assert_error(session.get(f"{emu.url}/v1/Nothing/", timeout=10), 404)


def test_list_pages_through_25_media_newest_first(
    emu: Emulator, session: requests.Session
) -> None:
    names = [f"{i:02}.png" for i in range(25)]
    for start in (0, 10, 20):
        upload_ok(session, emu, [(n, png_bytes(i), "image/png")
                                 for i, n in enumerate(names[start:start + 10], start)])
    base = f"/v1/Account/{AUTH_ID}/Media"

    first = session.get(media_endpoint(emu), timeout=10).json()
    second = session.get(f"{emu.url}{first['meta']['next']}", timeout=10).json()
    middle = session.get(media_endpoint(emu), params={"limit": 10, "offset": 10},
                         timeout=10).json()

    assert first["meta"] == {"limit": 20, "offset": 0, "total_count": 25,
                             "next": f"{base}?offset=20&limit=20", "previous": None}
    assert [o["file_name"] for o in first["objects"]] == names[::-1][:20]
    assert second["meta"] == {"limit": 20, "offset": 20, "total_count": 25,
                              "next": None, "previous": f"{base}?offset=0&limit=20"}
    assert [o["file_name"] for o in second["objects"]] == names[::-1][20:]
    assert middle["meta"] == {"limit": 10, "offset": 10, "total_count": 25,
                              "next": f"{base}?offset=20&limit=10",
                              "previous": f"{base}?offset=0&limit=10"}
    assert set(first["objects"][0]) == {"content_type", "file_name", "media_id", "media_url",
                                        "size", "upload_time"}


@pytest.mark.parametrize(
    "params",
    [{"limit": "21"}, {"limit": "0"}, {"limit": "ten"}, {"offset": "-1"}, {"offset": "x"}],
    ids=["limit-21", "limit-0", "limit-text", "offset-negative", "offset-text"],
)
def test_list_refuses_bad_paging(
    emu: Emulator, session: requests.Session, params: dict[str, str]
) -> None:
    assert_error(session.get(media_endpoint(emu), params=params, timeout=10), 400)


@pytest.mark.parametrize(
    ("auth", "account"),
    [
        pytest.param((AUTH_ID, "wrong-token"), AUTH_ID, id="wrong-token"),
        pytest.param(("MAOTHERACCOUNT000001", TOKEN), AUTH_ID, id="wrong-auth-id"),
        pytest.param(None, AUTH_ID, id="no-auth"),
        pytest.param((AUTH_ID, TOKEN), "MAOTHERACCOUNT000001", id="other-account-in-path"),
    ],
)
def test_bad_credentials_get_401(
    emu: Emulator, auth: tuple[str, str] | None, account: str
) -> None:
    response = requests.get(media_endpoint(emu, account), auth=auth, timeout=10)

    assert_error(response, 401)


def test_malformed_authorization_header_gets_401(emu: Emulator) -> None:
    response = requests.get(media_endpoint(emu), headers={"Authorization": "Basic !!!"},
                            timeout=10)

    assert_error(response, 401)


def test_media_cannot_be_deleted_through_the_api(
    emu: Emulator, session: requests.Session
) -> None:
    (media_id,) = upload_ok(session, emu, [("a.png", png_bytes(), "image/png")])

    response = session.delete(f"{media_endpoint(emu)}{media_id}/", timeout=10)
    on_list = session.put(media_endpoint(emu), timeout=10)

    assert_error(response, 405)
    assert response.headers["Allow"] == "GET"
    assert_error(on_list, 405)
    assert on_list.headers["Allow"] == "GET, POST"
    assert total_count(session, emu) == 1


# -- rate limit ----------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after() -> None:
    with Emulator(auth_id=AUTH_ID, auth_token=TOKEN, rate_limit=(5, 60)) as emulator, \
            requests.Session() as client:
        client.auth = (AUTH_ID, TOKEN)
        statuses = [client.get(media_endpoint(emulator), timeout=10).status_code
                    for _ in range(5)]
        limited = client.get(media_endpoint(emulator), timeout=10)
        stats = control(emulator, "GET", "stats")

        assert statuses == [200] * 5
        assert_error(limited, 429)
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert stats.status_code == 200  # the control API is not limited
        assert requests.get(f"{emulator.url}/Account/{AUTH_ID}/Media/{uuid.uuid4()}",
                            timeout=10).status_code == 404  # nor are media URLs


# -- retention -----------------------------------------------------------------------------


def test_unsent_media_expires_after_six_hours(emu: Emulator, session: requests.Session) -> None:
    (media_id,) = upload_ok(session, emu, [("a.png", png_bytes(), "image/png")])
    before = control(emu, "GET", "clock").json()["now"]

    moved = control(emu, "POST", "clock", {"advance": SIX_HOURS + 1})

    assert moved.status_code == 200
    assert moved.json()["now"] > before
    assert_error(session.get(f"{media_endpoint(emu)}{media_id}/", timeout=10), 404)
    assert total_count(session, emu) == 0
    assert requests.get(f"{emu.url}/Account/{AUTH_ID}/Media/{media_id}",
                        timeout=10).status_code == 404
    assert control(emu, "GET", "stats").json()["media"] == 0


def test_sent_media_is_kept_for_a_year(emu: Emulator, session: requests.Session) -> None:
    sent, unsent = upload_ok(session, emu, [("a.png", png_bytes(1), "image/png"),
                                            ("b.png", png_bytes(2), "image/png")])

    assert control(emu, "POST", f"media/{sent}/sent").status_code == 200
    control(emu, "POST", "clock", {"advance": SIX_HOURS + 1})
    listed = session.get(media_endpoint(emu), timeout=10).json()["objects"]

    assert [o["media_id"] for o in listed] == [sent]
    assert session.get(f"{media_endpoint(emu)}{unsent}/", timeout=10).status_code == 404

    control(emu, "POST", "clock", {"advance": YEAR})

    assert session.get(f"{media_endpoint(emu)}{sent}/", timeout=10).status_code == 404


@pytest.mark.parametrize("body", [{"advance": -1}, {"advance": "1h"}, {}, None])
def test_clock_refuses_bad_advances(emu: Emulator, body: object) -> None:
    assert control(emu, "POST", "clock", body).status_code == 400


def test_control_delete_removes_media_out_of_band(
    emu: Emulator, session: requests.Session
) -> None:
    (media_id,) = upload_ok(session, emu, [("a.png", png_bytes(), "image/png")])

    assert control(emu, "DELETE", f"media/{media_id}").status_code == 200
    assert session.get(f"{media_endpoint(emu)}{media_id}/", timeout=10).status_code == 404
    assert control(emu, "DELETE", f"media/{media_id}").status_code == 404
    assert control(emu, "POST", f"media/{media_id}/sent").status_code == 404


# -- faults --------------------------------------------------------------------------------


def test_status_fault_answers_once_with_retry_after(
    emu: Emulator, session: requests.Session
) -> None:
    added = control(emu, "POST", "faults",
                    {"method": "GET", "path": "/v1/Account/", "status": 503, "retry_after": 7})

    faulted = session.get(media_endpoint(emu), timeout=10)
    after = session.get(media_endpoint(emu), timeout=10)

    assert added.json()["faults"][0]["count"] == 1
    assert_error(faulted, 503)
    assert faulted.headers["Retry-After"] == "7"
    assert after.status_code == 200
    assert control(emu, "GET", "faults").json() == {"faults": []}


def test_faults_match_method_and_path_in_fifo_order(
    emu: Emulator, session: requests.Session
) -> None:
    control(emu, "POST", "faults", {"faults": [
        {"method": "POST", "status": 500},
        {"path": "/v1/", "status": 429, "count": 2},
    ]})

    statuses = [session.get(media_endpoint(emu), timeout=10).status_code for _ in range(3)]

    assert statuses == [429, 429, 200]
    assert [f["method"] for f in control(emu, "GET", "faults").json()["faults"]] == ["POST"]
    assert control(emu, "DELETE", "faults").status_code == 200
    assert control(emu, "GET", "faults").json() == {"faults": []}


@pytest.mark.parametrize(
    "fault",
    [{"status": 503, "drop": "before"}, {"drop": "sideways"}, {"delay": -1}, {"status": 200},
     {"status": 503, "count": 0}, {"status": 503, "colour": "red"}, []],
    ids=["two-kinds", "bad-drop", "negative-delay", "non-error-status", "zero-count",
         "unknown-field", "empty-list"],
)
def test_invalid_faults_are_refused(emu: Emulator, fault: object) -> None:
    assert control(emu, "POST", "faults", fault).status_code == 400
    assert control(emu, "GET", "faults").json() == {"faults": []}


def test_delay_fault_slows_the_request_then_answers_normally(
    emu: Emulator, session: requests.Session
) -> None:
    control(emu, "POST", "faults", [{"method": "GET", "path": "/v1/", "delay": 0.3}])

    started = time.monotonic()
    response = session.get(media_endpoint(emu), timeout=10)

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_drop_before_stores_nothing(emu: Emulator, session: requests.Session) -> None:
    control(emu, "POST", "faults", {"method": "POST", "path": "/v1/", "drop": "before"})

    with pytest.raises(requests.ConnectionError):
        upload(session, emu, [("a.png", png_bytes(), "image/png")])

    stats = control(emu, "GET", "stats").json()
    assert (stats["requests"], stats["uploads"], stats["media"]) == (1, 0, 0)
    assert total_count(session, emu) == 0


def test_drop_after_stores_the_upload_but_never_answers(
    emu: Emulator, session: requests.Session
) -> None:
    control(emu, "POST", "faults", {"method": "POST", "path": "/v1/", "drop": "after"})

    with pytest.raises(requests.ConnectionError):
        upload(session, emu, [("a.png", png_bytes(), "image/png")])

    stats = control(emu, "GET", "stats").json()
    assert (stats["uploads"], stats["media"]) == (1, 1)
    assert total_count(session, emu) == 1


def test_faults_apply_to_media_urls(emu: Emulator, session: requests.Session) -> None:
    (media_id,) = upload_ok(session, emu, [("a.png", png_bytes(), "image/png")])
    control(emu, "POST", "faults", {"path": "/Account/", "status": 404})
    url = f"{emu.url}/Account/{AUTH_ID}/Media/{media_id}"

    assert requests.get(url, timeout=10).status_code == 404
    assert requests.get(url, timeout=10).status_code == 200


# -- stats, reset ----------------------------------------------------------------------------


def test_stats_count_requests_uploads_media_and_kept_alive_connections(
    emu: Emulator, session: requests.Session
) -> None:
    upload_ok(session, emu, [("a.png", png_bytes(1), "image/png"),
                             ("b.png", png_bytes(2), "image/png")])
    session.get(media_endpoint(emu), timeout=10)
    session.get(f"{media_endpoint(emu)}{uuid.uuid4()}/", timeout=10)

    stats = session.get(f"{emu.url}/__emulator__/stats", timeout=10).json()

    assert stats == {"requests": 3, "uploads": 2, "media": 2, "connections": 1,
                     "delayed": 0, "max_in_flight": 1}


def test_reset_forgets_everything(emu: Emulator, session: requests.Session) -> None:
    upload_ok(session, emu, [("a.png", png_bytes(), "image/png")])
    control(emu, "POST", "faults", {"path": "/nowhere", "status": 500})
    control(emu, "POST", "clock", {"advance": 3600})

    assert control(emu, "POST", "reset").status_code == 200

    stats = control(emu, "GET", "stats").json()
    assert (stats["requests"], stats["uploads"], stats["media"]) == (0, 0, 0)
    assert control(emu, "GET", "faults").json() == {"faults": []}
    clock_now = control(emu, "GET", "clock").json()["now"]
    assert clock_now < time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + 1800))


# -- persistence ---------------------------------------------------------------------------


def test_media_clock_and_sent_marks_survive_a_restart(tmp_path: Path) -> None:
    data = jpeg_bytes()
    with Emulator(auth_id=AUTH_ID, auth_token=TOKEN, rate_limit=None,
                  data_dir=tmp_path) as first, requests.Session() as client:
        client.auth = (AUTH_ID, TOKEN)
        sent, unsent = upload_ok(client, first, [("a.jpg", data, "image/jpeg"),
                                                 ("b.png", png_bytes(), "image/png")])
        control(first, "POST", f"media/{sent}/sent")
        advanced = control(first, "POST", "clock", {"advance": 3600}).json()["now"]

    with Emulator(auth_id=AUTH_ID, auth_token=TOKEN, rate_limit=None,
                  data_dir=tmp_path) as second, requests.Session() as client:
        client.auth = (AUTH_ID, TOKEN)
        details = client.get(f"{media_endpoint(second)}{sent}/", timeout=10).json()
        fetched = requests.get(details["media_url"], timeout=10)
        assert details["media_url"].startswith(second.url)
        now = control(second, "GET", "clock").json()["now"]
        control(second, "POST", "clock", {"advance": SIX_HOURS})
        remaining = [o["media_id"] for o in
                     client.get(media_endpoint(second), timeout=10).json()["objects"]]

    assert (fetched.content, fetched.headers["Content-Type"]) == (data, "image/jpeg")
    assert now >= advanced
    assert remaining == [sent]
    assert unsent not in remaining


# -- CLI entry point and secrecy -----------------------------------------------------------


def test_the_token_never_appears_in_output(capfd: pytest.CaptureFixture[str]) -> None:
    with Emulator(auth_id=AUTH_ID, auth_token=TOKEN, rate_limit=(2, 60),
                  verbose=True) as emulator, requests.Session() as client:
        client.auth = (AUTH_ID, TOKEN)
        for _ in range(3):
            client.get(media_endpoint(emulator), timeout=10)
        requests.get(media_endpoint(emulator), auth=(AUTH_ID, TOKEN + "x"), timeout=10)
        raw_request(emulator, b"GARBAGE\r\n\r\n", half_close=True)

    out, err = capfd.readouterr()
    assert "GET /v1/Account/" in err  # verbose logging did happen
    assert TOKEN not in out + err


def test_serve_prints_where_it_listens_and_stops_on_ctrl_c() -> None:
    code = ("from plivo_media_provider.emulator import serve; "
            f"serve(port=0, auth_token={TOKEN!r}, rate_limit=None)")
    with subprocess.Popen([sys.executable, "-c", code], cwd=REPO, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None
        first = process.stdout.readline()
        banner = first
        while "Ctrl-C" not in banner.splitlines()[-1]:
            banner += process.stdout.readline()
        url = first.rsplit(" ", 1)[-1].strip()
        ready = requests.get(f"{url}/__emulator__/clock", timeout=10).status_code
        process.send_signal(signal.SIGINT)
        rest, err = process.communicate(timeout=10)
    out = banner + rest

    assert first.startswith("Plivo Media emulator listening on http://127.0.0.1:")
    assert ready == 200
    assert process.returncode == 0, err
    assert DEFAULT_AUTH_ID in out
    assert TOKEN not in first + out + err
    assert "Traceback" not in err


def test_demo_credentials_are_plivo_shaped() -> None:
    assert len(DEFAULT_AUTH_ID) == 20 and DEFAULT_AUTH_ID.startswith("MA")
    assert DEFAULT_AUTH_TOKEN


@pytest.mark.parametrize(("text", "expected"), [("300/5", (300, 5.0)), ("5/0.5", (5, 0.5)),
                                                 (" 10/60 ", (10, 60.0))])
def test_parse_rate_limit_reads_requests_per_seconds(
    text: str, expected: tuple[int, float]
) -> None:
    assert parse_rate_limit(text) == expected


@pytest.mark.parametrize("text", ["300", "300/", "/5", "a/b", "0/5", "5/0", "5/-1", "5/inf"])
def test_parse_rate_limit_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="rate limit"):
        parse_rate_limit(text)


def test_emulator_reports_misuse() -> None:
    emulator = Emulator(rate_limit=None)
    with pytest.raises(RuntimeError):
        _ = emulator.url
    with emulator, pytest.raises(RuntimeError):
        emulator.start()
    emulator.stop()  # a second stop is harmless


def test_control_api_answers_json_404_for_unknown_endpoints(emu: Emulator) -> None:
    response = control(emu, "GET", "nothing-here")

    assert response.status_code == 404
    assert "error" in json.loads(response.text)
