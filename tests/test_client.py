"""Client units: parsing, retry policy, and the transport seam (a scripted Session, passed
through the client's session_factory, never a patch of requests)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
from urllib3.exceptions import NewConnectionError, ProtocolError
from urllib3.filepost import encode_multipart_formdata

from plivo_media_provider.api.client import (
    Media,
    MediaClient,
    UploadFile,
    format_time,
    parse_upload_time,
)
from plivo_media_provider.api.wire import PlivoRetry
from plivo_media_provider.errors import APIError, TransportError, UploadOutcomeUnknown


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("2021-01-20T18:01:40.948461Z", 948461),
        ("2021-01-20T18:01:40.948461123Z", 948461),
        ("2021-01-20T18:01:40Z", 0),
        ("2021-01-20T18:01:40.5Z", 500000),
    ],
    ids=["six-digits", "nine-digits", "no-fraction", "one-digit"],
)
def test_upload_time_parses_plivo_formats(text: str, micros: int) -> None:
    parsed = parse_upload_time(text)
    assert parsed == datetime(2021, 1, 20, 18, 1, 40, micros, tzinfo=timezone.utc)


def test_upload_time_with_offset_is_normalised_to_utc() -> None:
    assert parse_upload_time("2021-01-20T20:01:40+02:00") == datetime(
        2021, 1, 20, 18, 1, 40, tzinfo=timezone.utc)


def test_format_time_round_trips() -> None:
    moment = datetime(2026, 11, 29, 5, 0, 0, 123456, tzinfo=timezone.utc)
    assert format_time(moment) == "2026-11-29T05:00:00.123456Z"
    assert parse_upload_time(format_time(moment)) == moment


BASE = {"media_id": "m1", "file_name": "a.png", "content_type": "image/png",
        "upload_time": "2021-01-20T18:01:40.948461Z"}


@pytest.mark.parametrize(
    "extra",
    [{"size": 7, "media_url": "https://m/1"}, {"media_size": 7, "url": "https://m/1"}],
    ids=["documented-names", "alternate-names"],
)
def test_media_accepts_both_field_spellings(extra: dict[str, object]) -> None:
    media = Media.from_json({**BASE, **extra})
    assert media.size == 7 and isinstance(media.size, int)
    assert media.media_url == "https://m/1"


def test_media_without_an_id_is_an_api_error() -> None:
    with pytest.raises(APIError, match="cannot read"):
        Media.from_json({"file_name": "x"})


def test_upload_is_retried_only_on_429() -> None:
    """A 503 may come from a gateway after Plivo stored the upload (observation 3)."""
    retry = PlivoRetry(total=3, allowed_methods=frozenset({"GET"}),
                       status_forcelist=frozenset({429, 500, 502, 503, 504}))
    assert retry.is_retry("POST", 429)
    assert not any(retry.is_retry("POST", status) for status in (500, 502, 503, 504))
    assert retry.is_retry("GET", 500) and retry.is_retry("GET", 429)


class Scripted(requests.Session):
    """A Session, made by the client's ``session_factory`` seam, that sends nothing: each
    request is recorded, then raises ``error`` or is answered by ``answer``."""

    def __init__(self, error: Exception | None = None,
                 answer: Callable[[requests.PreparedRequest], requests.Response] | None = None
                 ) -> None:
        super().__init__()
        self.error, self.answer = error, answer
        self.sent: list[requests.PreparedRequest] = []
        self.options: list[dict[str, Any]] = []

    def send(self, request: requests.PreparedRequest, **options: Any) -> requests.Response:
        self.sent.append(request)
        self.options.append(options)
        if self.error is not None:
            raise self.error
        assert self.answer is not None
        return self.answer(request)


def scripted_client(session: Scripted) -> MediaClient:
    return MediaClient("MA0123456789ABCDEFGH", "t", "http://127.0.0.1:9",
                       session_factory=lambda: session)


def test_upload_refuses_more_than_ten_files_before_sending() -> None:
    session = Scripted(error=AssertionError("nothing may be sent"))
    with scripted_client(session) as client, pytest.raises(ValueError, match="1 to 10"):
        client.upload([UploadFile(f"{i}.txt", b"x", "text/plain") for i in range(11)])
    assert session.sent == []


def test_an_upload_broken_after_sending_is_outcome_unknown() -> None:
    broken = requests.exceptions.ConnectionError(ProtocolError("Connection aborted."))
    with scripted_client(Scripted(error=broken)) as client, \
            pytest.raises(UploadOutcomeUnknown) as caught:
        client.upload([UploadFile("a.txt", b"x", "text/plain")])
    assert caught.value.file_names == ("a.txt",)


def test_a_connection_never_made_is_a_plain_transport_error() -> None:
    refused = requests.exceptions.ConnectionError(NewConnectionError(None, "refused"))  # type: ignore[arg-type]
    with scripted_client(Scripted(error=refused)) as client, \
            pytest.raises(TransportError) as caught:
        client.upload([UploadFile("a.txt", b"x", "text/plain")])
    assert not isinstance(caught.value, UploadOutcomeUnknown)
    assert "nothing was sent" in str(caught.value)


def test_a_read_timeout_on_upload_is_outcome_unknown() -> None:
    with scripted_client(Scripted(error=requests.exceptions.ReadTimeout())) as client, \
            pytest.raises(UploadOutcomeUnknown):
        client.upload([UploadFile("a.txt", b"x", "text/plain")])


def test_the_session_factory_gets_the_clients_headers_and_retrying_adapter() -> None:
    session = Scripted(error=requests.exceptions.ReadTimeout())
    with scripted_client(session) as client, pytest.raises(TransportError):
        client.get("m1")
    [request] = session.sent
    assert request.headers["User-Agent"].startswith("plivo-media-provider/")
    assert request.headers["Authorization"].startswith("Basic ")
    adapter = session.get_adapter("https://api.plivo.com")
    assert isinstance(adapter.max_retries, PlivoRetry)  # type: ignore[attr-defined]


def _listed(_request: requests.PreparedRequest) -> requests.Response:
    answer = requests.Response()
    answer.status_code = 200
    answer._content = json.dumps({"meta": {"total_count": 0}, "objects": []}).encode()
    return answer


def test_the_environments_proxy_and_ca_bundle_are_honoured_read_once_per_host(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Proxies and CA bundle reach every request as requests would read them, but the
    environment is read once per host: a change after the first request is not seen."""
    bundle = tmp_path / "ca.pem"
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = Scripted(answer=_listed)
    with scripted_client(session) as client:
        client.list_page()
        monkeypatch.setenv("HTTP_PROXY", "http://other.example:3128")
        client.list_page()
    for options in session.options:
        assert options["proxies"]["http"] == "http://proxy.example:3128"
        assert options["verify"] == str(bundle)


def test_no_proxy_in_the_environment_sends_that_host_direct(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    session = Scripted(answer=_listed)
    with scripted_client(session) as client:
        client.list_page()
    [options] = session.options
    assert options["proxies"] == {}
    assert options["verify"] is True


def test_a_session_factorys_own_proxies_ca_and_certificate_are_kept(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for key in ("HTTP_PROXY", "http_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(key, raising=False)
    session = Scripted(answer=_listed)
    session.proxies = {"http": "http://corporate.example:8080"}
    session.verify = str(tmp_path / "corporate-ca.pem")
    session.cert = str(tmp_path / "client.pem")
    with scripted_client(session) as client:
        client.list_page()
    [options] = session.options
    assert options["proxies"]["http"] == "http://corporate.example:8080"
    assert options["verify"] == session.verify and options["cert"] == session.cert


def test_a_session_that_does_not_trust_the_environment_reads_none_of_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    session = Scripted(answer=_listed)
    session.trust_env = False
    with scripted_client(session) as client:
        client.list_page()
    [options] = session.options
    assert options["proxies"] == {} and options["verify"] is True


def test_a_download_sends_no_credentials_even_with_a_netrc_for_its_host(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine media.example login someone password secret\n")
    monkeypatch.setenv("NETRC", str(netrc))

    def served(_request: requests.PreparedRequest) -> requests.Response:
        answer = requests.Response()
        answer.status_code = 200
        answer._content = b"bytes"
        return answer

    session = Scripted(answer=served)
    media = Media.from_json({**BASE, "size": 5, "media_url": "https://media.example/m1"})
    with scripted_client(session) as client:
        assert client.download(media) == b"bytes"
    [request] = session.sent
    assert "Authorization" not in request.headers


def test_repr_never_shows_the_token() -> None:
    client = MediaClient("MA0123456789ABCDEFGH", "hunter2-token", "http://127.0.0.1:9")
    assert "hunter2-token" not in repr(client)
    assert "hunter2-token" not in str(vars(client).get("api_url"))
    client.close()


def test_an_upload_sends_requests_own_multipart_bytes_without_copying_the_file() -> None:
    """The body is what ``files=`` would build, with a Content-Length, and the file's bytes
    object itself is one of the parts sent: uploads of up to
    2 MiB (2,097,152 bytes) hold no second copy in memory."""
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64
    upload = UploadFile('menu "v2" \u00e9.png', data, "image/png")
    sent: list[requests.PreparedRequest] = []

    def answer(request: requests.PreparedRequest) -> requests.Response:
        sent.append(request)
        answer = requests.Response()
        answer.status_code = 200
        answer._content = json.dumps({"api_id": "a", "objects": [
            {**BASE, "file_name": upload.file_name, "size": len(data), "media_url": "https://m/1",
             "status": "success"}]}).encode()
        return answer

    with scripted_client(Scripted(answer=answer)) as client:
        client.upload([upload])
    [request] = sent
    parts = list(request.body)  # type: ignore[arg-type]
    assert any(part is data for part in parts)
    boundary = str(request.headers["Content-Type"]).split("boundary=", 1)[1]
    expected, content_type = encode_multipart_formdata(
        [("file", (upload.file_name, data, upload.content_type))], boundary=boundary)
    # The same bytes as requests' files=, except that '"' is escaped as \" (RFC 7230), not
    # written %22 (HTML5), so a name holding a literal '%22' stays distinct.
    expected = expected.replace(b'filename="menu %22v2%22', b'filename="menu \\"v2\\"')
    assert b'filename="menu \\"v2\\" \xc3\xa9.png"' in expected
    assert b"".join(parts) == expected
    assert request.headers["Content-Type"] == content_type
    assert request.headers["Content-Length"] == str(len(expected))
    assert "Transfer-Encoding" not in request.headers
