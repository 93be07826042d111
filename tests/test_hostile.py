"""Hostile and bad input: the provider's check, the emulator's HTTP parsing, the client's
reading of answers.

* ``check`` is fuzzed in-process with hypothesis (random bytes, names, extensions, types)
  and fed special files (symlinks, directories, FIFOs, devices, sparse giants, paths no
  file can have). The result is always a clean pass or failures on a property, each one
  line: never an exception, never a block, and -- over gRPC -- never an upload.
* The emulator gets malformed HTTP over raw sockets and answers a clean 4xx JSON, refusing
  oversized uploads before their bodies arrive, and keeps serving.
* The client reads non-JSON and cut-off answers from a tiny loopback ``http.server`` and
  raises an error with the status and a short excerpt.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import json
import os
import select
import socket
import stat
import tempfile
import threading
import tracemalloc
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pulumi.dynamic import CheckResult

from plivo_media_provider import provider as provider_module
from plivo_media_provider.api.client import MediaClient, UploadFile
from plivo_media_provider.core.content import ALLOWED_CONTENT_TYPES, MAX_FILE_BYTES
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.errors import (
    APIError,
    AuthenticationError,
    ContentError,
    InvalidRequest,
    MediaNotFound,
    ServerError,
    TransportError,
    UploadOutcomeUnknown,
)
from plivo_media_provider.provider import MediaFileProvider
from tests.conftest import AUTH_ID, AUTH_TOKEN, provider_env
from tests.support import files
from tests.support.control import Control
from tests.support.engine import Engine, ProviderProcess

API = f"/v1/Account/{AUTH_ID}/Media/"
PROPERTIES = {"path", "file_name", "content_type", "adopt_media_id", "reupload_after"}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- check: what every result must look like -----------------------------------------------


def assert_clean(result: CheckResult, data: bytes | None = None) -> None:
    """Failures name an input property in one line; a pass carries a usable file."""
    for failure in result.failures:
        assert failure.property in PROPERTIES, failure
        assert isinstance(failure.reason, str) and failure.reason.strip(), failure
        assert "\n" not in failure.reason and "\r" not in failure.reason, failure.reason
        assert "Traceback" not in failure.reason
    if result.failures:
        return
    inputs = result.inputs
    assert inputs["content_type"] in ALLOWED_CONTENT_TYPES
    assert 0 < inputs["size"] <= MAX_FILE_BYTES
    if data is not None:
        assert inputs["size"] == len(data)
        assert inputs["content_sha256"] == hashlib.sha256(data).hexdigest()


def check(news: Mapping[str, Any]) -> CheckResult:
    return MediaFileProvider().check({}, dict(news))


def reasons(result: CheckResult, property_: str) -> list[str]:
    return [f.reason for f in result.failures if f.property == property_]


MAGIC = {
    "none": b"",
    "png": b"\x89PNG\r\n\x1a\n",
    "jpeg": b"\xff\xd8\xff",
    "gif": b"GIF89a",
    "pdf": b"%PDF-",
    "mp4": b"\x00\x00\x00\x18ftypisom",
    "nul": b"\x00",
    "bom": b"\xef\xbb\xbf",
}
EXTENSIONS = ["", ".png", ".PNG", ".jpg", ".jpeg", ".gif", ".pdf", ".mp4", ".txt", ".csv",
              ".vcf", ".exe", ".svg", ".tar.gz", ".", ".png.txt"]
# Any character a file name may hold on Linux: not '/', not NUL, no lone surrogates.
NAME_CHARS = st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",))


@FUZZ
@given(
    magic=st.sampled_from(sorted(MAGIC)),
    body=st.one_of(st.binary(max_size=3000), st.text(max_size=500).map(str.encode)),
    stem=st.text(NAME_CHARS, min_size=1, max_size=80),
    extension=st.sampled_from(EXTENSIONS),
    content_type=st.one_of(
        st.none(),
        st.sampled_from([*ALLOWED_CONTENT_TYPES, "image/svg+xml", "text/html", "", "IMAGE/PNG"]),
        st.text(max_size=30),
    ),
)
def test_check_on_random_files_passes_cleanly_or_fails_on_a_property(
    magic: str, body: bytes, stem: str, extension: str, content_type: str | None
) -> None:
    name = stem + extension
    assume(name not in (".", "..") and len(name.encode()) <= 255)
    data = MAGIC[magic] + body
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, name)
        Path(path).write_bytes(data)
        news: dict[str, Any] = {"path": path}
        if content_type is not None:
            news["content_type"] = content_type
        result = check(news)
    assert_clean(result, data)
    if not result.failures:
        assert result.inputs["file_name"] == name


@FUZZ
@given(name=st.text(max_size=300))
def test_check_accepts_a_file_name_only_if_it_is_a_bare_printable_name(
    name: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    logo = _shared_logo(tmp_path_factory)
    result = check({"path": str(logo), "file_name": name})
    assert_clean(result)
    refused = (
        not name.strip()
        or "/" in name
        or "\\" in name
        or name in (".", "..")
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
        or len(name.encode("utf-8", "surrogatepass")) > 255
    )
    assert bool(reasons(result, "file_name")) == refused, (name, result.failures)


_LOGO: dict[str, Path] = {}


def _shared_logo(factory: pytest.TempPathFactory) -> Path:
    if "logo" not in _LOGO or not _LOGO["logo"].exists():
        _LOGO["logo"] = files.write(factory.mktemp("logo") / "logo.png", files.png_bytes())
    return _LOGO["logo"]


ANY_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=40),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                          max_size=2),
)


@FUZZ
@given(data=st.data())
def test_check_survives_any_value_in_any_input(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    logo = _shared_logo(tmp_path_factory)
    paths = st.sampled_from([str(logo), str(logo.parent), str(logo) + ".missing", "", " "])
    news = data.draw(st.fixed_dictionaries({}, optional={
        "path": st.one_of(paths, ANY_VALUE),
        "file_name": ANY_VALUE,
        "content_type": st.one_of(st.sampled_from(ALLOWED_CONTENT_TYPES), ANY_VALUE),
        "adopt_media_id": ANY_VALUE,
        "reupload_after": st.one_of(st.sampled_from(["5h", "90m", "1h30m", "0s", "-1h"]),
                                    ANY_VALUE),
    }))
    assert_clean(check(news))


# -- check: sizes and special files ----------------------------------------------------------


@pytest.mark.parametrize("size", [MAX_FILE_BYTES - 1, MAX_FILE_BYTES],
                         ids=["just-under", "at-the-limit"])
def test_files_up_to_the_limit_pass(tmp_path: Path, size: int) -> None:
    path = files.random_png(tmp_path / "big.png", size, seed=size)
    result = check({"path": str(path)})
    assert_clean(result, path.read_bytes())
    assert not result.failures


@pytest.mark.parametrize(
    ("size", "shown"),
    [(MAX_FILE_BYTES + 1, "2,097,153 bytes"), (5 * 1024**3, "5,368,709,120 bytes")],
    ids=["one-byte-over", "sparse-5-GB"],
)
def test_files_over_the_limit_fail_naming_size_and_limit(
    tmp_path: Path, size: int, shown: str
) -> None:
    path = tmp_path / "huge.png"
    with path.open("wb") as stream:  # sparse: inspection must refuse it without reading
        stream.write(files.png_bytes())
        stream.truncate(size)
    [reason] = reasons(check({"path": str(path)}), "path")
    assert shown in reason and "2 MiB (2,097,152 bytes)" in reason and str(path) in reason


def test_an_empty_file_fails(tmp_path: Path) -> None:
    path = files.write(tmp_path / "empty.png", b"")
    [reason] = reasons(check({"path": str(path)}), "path")
    assert "empty" in reason


def test_a_symlink_to_a_file_counts_as_the_target_content(tmp_path: Path) -> None:
    """Documented: a symlink is followed; the upload is the target's bytes, under the
    link's own name unless file_name says otherwise."""
    target = files.write(tmp_path / "real" / "logo.png", files.png_bytes(pad_to=900))
    link = tmp_path / "alias.png"
    link.symlink_to(target)
    result = check({"path": str(link)})
    assert_clean(result, target.read_bytes())
    assert not result.failures
    assert result.inputs["file_name"] == "alias.png"


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.png"
    os.mkfifo(path)
    return path


def _loop(tmp_path: Path) -> Path:
    (tmp_path / "a.png").symlink_to(tmp_path / "b.png")
    (tmp_path / "b.png").symlink_to(tmp_path / "a.png")
    return tmp_path / "a.png"


def _dangling(tmp_path: Path) -> Path:
    (tmp_path / "gone.png").symlink_to(tmp_path / "nowhere.png")
    return tmp_path / "gone.png"


def _link_to_dir(tmp_path: Path) -> Path:
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder.png").symlink_to(tmp_path / "folder")
    return tmp_path / "folder.png"


def _under_a_file(tmp_path: Path) -> Path:
    return files.write(tmp_path / "logo.png", files.png_bytes()) / "child.png"


SPECIAL: dict[str, tuple[Callable[[Path], Path | str], str]] = {
    "directory": (lambda t: t, "is a directory"),
    "fifo": (_fifo, "not a regular file"),
    "dev-zero": (lambda t: "/dev/zero", "not a regular file"),
    "dev-urandom": (lambda t: "/dev/urandom", "not a regular file"),
    "symlink-loop": (_loop, "cannot be read"),
    "dangling-symlink": (_dangling, "no such file"),
    "symlink-to-directory": (_link_to_dir, "is a directory"),
    "path-under-a-file": (_under_a_file, "cannot be read"),
    "path-too-long": (lambda t: str(t / ("x" * 5000 + ".png")), "cannot be read"),
    "nul-in-path": (lambda t: str(t / "a\x00b.png"), "NUL"),
    "missing": (lambda t: str(t / "missing.png"), "no such file"),
}


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_special_paths_fail_on_path_without_blocking(tmp_path: Path, kind: str) -> None:
    make, expected = SPECIAL[kind]
    path = str(make(tmp_path))
    result = run_bounded(lambda: check({"path": path}), release=path)
    assert_clean(result)
    assert any(expected in reason for reason in reasons(result, "path")), result.failures


def run_bounded(call: Callable[[], Any], release: str, limit: float = 10.0) -> Any:
    """Run ``call`` in a thread; if it is still running after ``limit`` seconds it blocked
    (opening a FIFO waits for a writer), so open the FIFO for writing to free it and fail."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread below
            outcome["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        with contextlib.suppress(OSError):
            os.close(os.open(release, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(limit)
        pytest.fail(f"blocked on {release!r}")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_an_unreadable_file_fails_on_path(tmp_path: Path) -> None:
    path = files.write(tmp_path / "secret.png", files.png_bytes())
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: chmod 000 does not stop root from reading; the "
                        "OSError branch is covered by path-under-a-file and symlink-loop")
        [reason] = reasons(check({"path": str(path)}), "path")
        assert "cannot be read" in reason and "Permission denied" in reason
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


@pytest.mark.parametrize(
    "name",
    ["café-日本語-😀.png", "é" * 125 + ".png", " spaced name .png", "new\nline.png"],
    ids=["unicode", "254-bytes", "spaces", "newline"],
)
def test_unusual_file_names_on_disk(tmp_path: Path, name: str) -> None:
    path = files.write(tmp_path / name, files.png_bytes())
    result = check({"path": str(path)})
    assert_clean(result, path.read_bytes())
    if "\n" in name:
        assert reasons(result, "file_name"), "a newline is a control character"
    else:
        assert not result.failures and result.inputs["file_name"] == name


@pytest.mark.parametrize(
    "name", ["../logo.png", "a/b.png", "..", ".", "C:\\logo.png", "/etc/passwd", "x" * 256],
)
def test_path_like_or_overlong_file_names_fail(tmp_path: Path, name: str) -> None:
    logo = files.write(tmp_path / "logo.png", files.png_bytes())
    result = check({"path": str(logo), "file_name": name})
    assert_clean(result)
    assert reasons(result, "file_name")


# -- create: the file can change after check -------------------------------------------------


@pytest.fixture
def provider_env_vars(monkeypatch: pytest.MonkeyPatch, emulator: Emulator) -> Iterator[Control]:
    monkeypatch.setenv("PLIVO_AUTH_ID", AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("PLIVO_API_URL", emulator.url)
    yield Control(emulator.url)
    provider_module.close_clients()


def test_create_refuses_a_fifo_swapped_in_after_check_without_blocking(
    provider_env_vars: Control, tmp_path: Path
) -> None:
    path = files.write(tmp_path / "logo.png", files.png_bytes())
    inputs = check({"path": str(path)}).inputs
    path.unlink()
    os.mkfifo(path)
    provider = MediaFileProvider()
    with pytest.raises(ContentError, match="not a regular file"):
        run_bounded(lambda: provider.create(inputs), release=str(path))
    assert provider_env_vars.stats()["requests"] == 0


# -- check over gRPC: failures, never uploads ------------------------------------------------


def hostile_resources(folder: Path) -> dict[str, dict[str, Any]]:
    """Inputs that must each fail check, as a program could declare them."""
    folder.mkdir()
    logo = files.write(folder / "logo.png", files.png_bytes())
    sparse = folder / "sparse.png"
    with sparse.open("wb") as stream:
        stream.truncate(3 * MAX_FILE_BYTES)
    return {
        "directory": {"path": str(folder)},
        "fifo": {"path": str(_fifo(folder))},
        "dev-zero": {"path": "/dev/zero"},
        "symlink-loop": {"path": str(_loop(folder))},
        "sparse-giant": {"path": str(sparse)},
        "nul-in-path": {"path": str(folder / "a\x00.png")},
        "empty": {"path": str(files.write(folder / "empty.png", b""))},
        "random-bytes": {"path": str(files.write(folder / "noise.png", os.urandom(4000)))},
        "wrong-type": {"path": str(logo), "content_type": "application/x-msdownload"},
        "traversal-name": {"path": str(logo), "file_name": "../../etc/passwd"},
        "long-name": {"path": str(logo), "file_name": "n" * 300 + ".png"},
        "newline-name": {"path": str(logo), "file_name": "a\nb.png"},
        "not-a-string": {"path": 42},
        "bad-duration": {"path": str(logo), "reupload_after": "soon"},
    }


def test_hostile_inputs_over_grpc_fail_check_and_upload_nothing(
    emulator: Emulator, tmp_path: Path
) -> None:
    declared = hostile_resources(tmp_path / "project")
    control = Control(emulator.url)
    with ProviderProcess(provider_env(emulator.url)) as process:
        engine = Engine(process)
        for name, props in declared.items():
            news = {**props, "__provider": engine.provider_blob}
            _, failures = process.check(engine.urn(name), {}, news)
            assert failures, name
            assert all("\n" not in reason for _, reason in failures), failures
        outcome = engine.up(declared)
        stderr = process.stderr_text()
    assert sorted(outcome.failures) == sorted(declared)
    assert outcome.errors == {} and outcome.created == [] and engine.state == {}
    assert (control.stats()["requests"], control.stats()["uploads"]) == (0, 0)
    assert "Traceback" not in stderr


def test_a_symlink_and_a_unicode_name_upload_over_grpc(emulator: Emulator, tmp_path: Path) -> None:
    target = files.write(tmp_path / "real.png", files.png_bytes(pad_to=800, seed=3))
    link = tmp_path / "café-日本.png"
    link.symlink_to(target)
    with ProviderProcess(provider_env(emulator.url)) as process:
        engine = Engine(process)
        outcome = engine.up({"logo": {"path": str(link)}})
    assert outcome.ok, outcome.errors
    with MediaClient(AUTH_ID, AUTH_TOKEN, emulator.url) as client:
        [media] = client.list_page().objects
        assert media.file_name == "café-日本.png"
        assert client.download(media) == target.read_bytes()
    assert engine.state["logo"].id == media.media_id


# -- the emulator under hostile HTTP ---------------------------------------------------------


BASIC = "Basic " + base64.b64encode(f"{AUTH_ID}:{AUTH_TOKEN}".encode()).decode()
BOUNDARY = "b0undary"


def part(name: str = "logo.png", data: bytes | None = None, boundary: str = BOUNDARY) -> bytes:
    data = files.png_bytes() if data is None else data
    return (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
        "Content-Type: image/png\r\n\r\n"
    ).encode() + data + b"\r\n"


def closing(boundary: str = BOUNDARY) -> bytes:
    return f"--{boundary}--\r\n".encode()


def upload_head(length: int | None, *, boundary: str = BOUNDARY, extra: bytes = b"",
                authorization: bytes = BASIC.encode()) -> bytes:
    size = b"Transfer-Encoding: chunked" if length is None else b"Content-Length: %d" % length
    return (
        f"POST {API} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
        + b"Authorization: " + authorization + b"\r\n"
        + f"Content-Type: multipart/form-data; boundary={boundary}\r\n".encode()
        + size + b"\r\n" + extra + b"\r\n"
    )


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def error(self) -> str:
        assert self.headers.get("Content-Type") == "application/json", self.headers
        payload = json.loads(self.body)
        assert isinstance(payload, dict) and isinstance(payload.get("error"), str), payload
        return str(payload["error"])


def parse_answer(stream: BinaryIO) -> Answer:
    """One response from a buffered stream; call again on the same stream for the next."""
    status = int(stream.readline().split()[1])
    headers = http.client.parse_headers(stream)
    return Answer(status, headers, stream.read(int(headers.get("Content-Length", "0"))))


def read_answer(sock: socket.socket) -> Answer:
    with sock.makefile("rb") as stream:
        return parse_answer(stream)


def exchange(port: int, data: bytes, *, half_close: bool = False) -> Answer:
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        return read_answer(sock)


def assert_still_serving(emulator: Emulator, media: int = 0) -> None:
    with MediaClient(AUTH_ID, AUTH_TOKEN, emulator.url, retries=0) as client:
        assert client.list_page().total_count == media


def body_of(*parts: bytes) -> bytes:
    return b"".join(parts) + closing()


HOSTILE_UPLOADS: dict[str, tuple[bytes, str]] = {
    "garbage-body": (b"this is not multipart at all", "malformed"),
    "wrong-boundary": (part(boundary="other") + closing("other"), "malformed"),
    "no-file-part": (closing(), "no part named 'file'"),
    "eleven-files": (body_of(*[part(f"f{i}.png") for i in range(11)]), "too many files"),
    "part-over-the-limit": (
        body_of(part(data=files.png_bytes(pad_to=MAX_FILE_BYTES + 100))), "over the limit"),
    "empty-file": (body_of(part(data=b"")), "empty"),
    "svg-type": (body_of(part("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")
                         .replace(b"image/png", b"image/svg+xml")), "not allowed"),
    "non-utf8-filename": (body_of(part().replace(b"logo.png", b"\xff\xfe.png")), "malformed"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_UPLOADS))
def test_malformed_uploads_get_a_clean_400_and_the_emulator_keeps_serving(
    emulator: Emulator, case: str
) -> None:
    body, expected = HOSTILE_UPLOADS[case]
    answer = exchange(emulator.port, upload_head(len(body)) + body)
    assert answer.status == 400
    assert expected in answer.error()
    assert_still_serving(emulator)


def test_a_truncated_upload_body_gets_a_clean_400(emulator: Emulator) -> None:
    body = body_of(part())
    answer = exchange(emulator.port, upload_head(len(body) + 500) + body, half_close=True)
    assert answer.status == 400 and "ended before" in answer.error()
    assert_still_serving(emulator)


def test_a_refused_upload_leaves_the_kept_alive_connection_usable(emulator: Emulator) -> None:
    body = body_of(*[part(f"f{i}.png") for i in range(11)])
    list_request = f"GET {API} HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=15) as sock:
        sock.sendall(upload_head(len(body)) + body + list_request)
        with sock.makefile("rb") as stream:  # one buffer: it may already hold both answers
            assert parse_answer(stream).status == 400
            assert parse_answer(stream).status == 200


def test_a_500_mb_upload_is_refused_before_its_body_is_sent(emulator: Emulator) -> None:
    declared = 500 * 1024 * 1024
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=15) as sock:
        sock.sendall(upload_head(declared) + part()[:1024])
        answer = read_answer(sock)  # answered with 499+ MB still unsent
    assert answer.status == 400
    assert "524,288,000 bytes" in answer.error()
    assert answer.headers.get("Connection") == "close"
    assert_still_serving(emulator)


def test_a_streamed_giant_part_is_refused_midway_without_buffering_it(
    emulator: Emulator,
) -> None:
    """A chunked upload of one endless part: the emulator answers 400 long before the 200 MB
    we are ready to send, and its memory stays far below what it was sent."""
    planned = 200 * 1024 * 1024
    chunk = os.urandom(64 * 1024)
    tracemalloc.start()
    try:
        with socket.create_connection(("127.0.0.1", emulator.port), timeout=15) as sock:
            head = part(data=b"")[:-2]  # the part's headers; its data is streamed below
            sock.sendall(upload_head(None) + b"%x\r\n%s\r\n" % (len(head), head))
            sent = 0
            while sent < planned and not select.select([sock], [], [], 0)[0]:
                try:
                    sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                except OSError:  # the emulator closed its side after answering
                    break
                sent += len(chunk)
            answer = read_answer(sock)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answer.status == 400 and "over the limit" in answer.error()
    assert sent < planned // 2
    assert peak < 16 * 1024 * 1024, f"peak {peak:,} bytes after {sent:,} sent"
    assert_still_serving(emulator)


NOT_UTF8 = b"\xff\xfe\x80"


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [
        pytest.param(None, "not provided", id="missing"),
        pytest.param(b"Basic " + NOT_UTF8, "malformed", id="non-ascii-bytes"),
        pytest.param(b"Basic " + base64.b64encode(NOT_UTF8 + b":x"), "Basic auth",
                     id="base64-of-non-utf8"),
        pytest.param(b"Bearer " + AUTH_TOKEN.encode(), "not provided", id="wrong-scheme"),
        pytest.param(b"Basic " + base64.b64encode(f"{AUTH_ID}:wrong".encode()), "invalid",
                     id="wrong-token"),
    ],
)
def test_bad_authorization_gets_a_clean_401(
    emulator: Emulator, authorization: bytes | None, expected: str
) -> None:
    header = b"" if authorization is None else b"Authorization: " + authorization + b"\r\n"
    answer = exchange(emulator.port, f"GET {API} HTTP/1.1\r\nHost: x\r\n".encode() + header
                      + b"\r\n")
    assert answer.status == 401 and expected in answer.error()
    assert answer.headers.get("WWW-Authenticate") == 'Basic realm="plivo"'
    assert_still_serving(emulator)


def test_non_utf8_headers_elsewhere_do_not_disturb_a_valid_request(emulator: Emulator) -> None:
    body = body_of(part())
    answer = exchange(emulator.port, upload_head(len(body), extra=b"X-Note: " + NOT_UTF8
                                                 + b"\r\n") + body)
    assert answer.status == 200
    assert_still_serving(emulator, media=1)


def test_a_non_utf8_boundary_gets_a_clean_400(emulator: Emulator) -> None:
    body = body_of(part())
    head = upload_head(len(body)).replace(BOUNDARY.encode() + b"\r\n", NOT_UTF8 + b"\r\n", 1)
    answer = exchange(emulator.port, head + body)
    assert answer.status == 400 and "multipart/form-data with a boundary" in answer.error()
    assert_still_serving(emulator)


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", id="long-line"),
        pytest.param(b"GET / HTTP/1.1\r\n" + b"X-H: 1\r\n" * 150 + b"\r\n", id="many-headers"),
    ],
)
def test_oversized_headers_get_a_json_refusal(emulator: Emulator, request_bytes: bytes) -> None:
    answer = exchange(emulator.port, request_bytes)
    assert answer.status == 431 and answer.error()
    assert_still_serving(emulator)


def test_a_garbage_request_line_is_refused_without_echo(
    emulator: Emulator, capfd: pytest.CaptureFixture[str]
) -> None:
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=15) as sock:
        sock.sendall(b"GARBAGE-" + AUTH_TOKEN.encode() + b"\r\n\r\n")
        received = b"".join(iter(lambda: sock.recv(4096), b""))
    assert json.loads(received.rpartition(b"\r\n\r\n")[2]) == {"error": "bad request"}
    assert_still_serving(emulator)
    captured = capfd.readouterr()
    assert AUTH_TOKEN not in captured.err + captured.out
    assert "GARBAGE" not in captured.err + captured.out


# -- the client against answers that are not what Plivo sends --------------------------------


@dataclass
class Scripted:
    """One canned answer: status, body, headers, and whether to cut the body short."""

    status: int
    body: bytes
    content_type: str = "application/json"
    cut: bool = False


class _ScriptedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ScriptedServer

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        answer = self.server.answer
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body) + (500 if answer.cut else 0)))
        if answer.cut:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(answer.body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        return


class _ScriptedServer(ThreadingHTTPServer):
    daemon_threads = True
    answer = Scripted(200, b"{}")


@pytest.fixture
def scripted() -> Iterator[_ScriptedServer]:
    server = _ScriptedServer(("127.0.0.1", 0), _ScriptedHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def scripted_client(server: _ScriptedServer) -> MediaClient:
    host, port = server.server_address[:2]
    return MediaClient(AUTH_ID, AUTH_TOKEN, f"http://{host!s}:{port}", retries=0,
                       read_timeout=5)


HUGE_HTML = b"<html><body>" + b"<p>Service unavailable</p>" * 40_000 + b"</body></html>"
MEDIA = {"media_id": "m1", "file_name": "a.png", "content_type": "image/png", "size": 3,
         "upload_time": "2024-01-01T00:00:00.000000Z", "media_url": "http://x/a"}

# call, canned answer, error expected, excerpt expected; the status expected is the answer's
# except where Plivo's per-file status_code says otherwise.
CLIENT_CASES: dict[str, tuple[str, Scripted, type[Exception], str]] = {
    "html-200": ("list", Scripted(200, HUGE_HTML, "text/html"), APIError,
                 "text/html, 'Service unavailable Service"),
    "truncated-json-200": ("list", Scripted(200, b'{"meta": {"limit": 20, "off'), APIError,
                           '{"meta": {"limit"'),
    "json-array-200": ("list", Scripted(200, b"[1, 2, 3]"), APIError, "[1, 2, 3]"),
    "media-missing-fields": ("get", Scripted(200, b'{"media_id": "m1"}'), APIError,
                             "cannot read"),
    "proxy-502-html": ("get", Scripted(502, b"<h1>Bad Gateway</h1>", "text/html"), ServerError,
                       "HTTP 502, text/html, 'Bad Gateway'"),
    "non-utf8-400": ("list", Scripted(400, b"\xff\xfe oops \x80", "text/plain"),
                     InvalidRequest, "oops"),
    "401-text": ("list", Scripted(401, b"Unauthorized", "text/plain"), AuthenticationError,
                 "Unauthorized"),
    "404-without-error": ("get", Scripted(404, b"{}"), MediaNotFound, "HTTP 404"),
    "upload-without-objects": ("upload", Scripted(200, b'{"api_id": "x", "objects": []}'),
                               APIError, "without one object per file"),
    "upload-object-refused": ("upload", Scripted(200, json.dumps(
        {"objects": [{"status": "error", "status_code": 400, "error": "bad type"}]}).encode()),
        InvalidRequest, "bad type"),
    "upload-html": ("upload", Scripted(200, b"<html>ok</html>", "text/html"), APIError,
                    "text/html, 'ok'"),
}

CALLS: dict[str, Callable[[MediaClient], object]] = {
    "list": lambda client: client.list_page(),
    "get": lambda client: client.get("m1"),
    "upload": lambda client: client.upload([UploadFile("a.png", files.png_bytes(),
                                                       "image/png")]),
}


@pytest.mark.parametrize("case", sorted(CLIENT_CASES))
def test_the_client_reports_bad_answers_with_status_and_short_excerpt(
    scripted: _ScriptedServer, case: str
) -> None:
    call, answer, error_type, excerpt = CLIENT_CASES[case]
    scripted.answer = answer
    with scripted_client(scripted) as client, pytest.raises(error_type) as caught:
        CALLS[call](client)
    error = caught.value
    message = str(error)
    per_file = 400 if case == "upload-object-refused" else answer.status
    assert isinstance(error, APIError) and error.status == per_file
    assert excerpt in message
    assert "\n" not in message and len(message) < 400, message
    assert AUTH_TOKEN not in message + repr(error)


@pytest.mark.parametrize(
    ("call", "error_type"),
    [("get", TransportError), ("list", TransportError), ("upload", UploadOutcomeUnknown)],
)
def test_an_answer_cut_off_mid_body_is_a_transport_failure_not_an_api_error(
    scripted: _ScriptedServer, call: str, error_type: type[Exception]
) -> None:
    """A body that stops short of its Content-Length did not fully arrive. For an upload
    that means its outcome is unknown -- an APIError would let the caller believe nothing
    was stored and upload a duplicate -- so it is reported as a transport failure."""
    scripted.answer = Scripted(200, json.dumps({"objects": [MEDIA], **MEDIA})[:40].encode(),
                               cut=True)
    with scripted_client(scripted) as client, pytest.raises(error_type) as caught:
        CALLS[call](client)
    assert not isinstance(caught.value, APIError)
    assert "\n" not in str(caught.value)
