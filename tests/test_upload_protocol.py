"""The upload protocol under answers the emulator cannot give (issue 10, items 3-9 and 11).

Each test puts the forwarding proxy (``tests/support/proxy.py``) between the real client and
the emulator and makes it rewrite, replace, hold or drop answers. Where the issue describes
a user's ``up``, the SDK's real gRPC provider server is driven through ``Engine`` and the
scenario ends with :meth:`Stack.assert_converged`: one clean ``up``, after which every
declared file exists in Plivo exactly once (or is shared by twins) and state points at it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from plivo_media_provider.api.client import MediaClient, UploadFile
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.errors import (
    ConfigurationError,
    InvalidRequest,
    PlivoMediaError,
    ReconciliationError,
    ServerError,
    TransportError,
    UnexpectedResponse,
    UploadPartlyRefused,
)
from plivo_media_provider.settings import resolve_settings
from plivo_media_provider.uploads.journal import UploadJournal, UploadKey
from plivo_media_provider.uploads.protocol import Uploader, upload_once
from tests.conftest import AUTH_ID, AUTH_TOKEN, provider_env
from tests.support import files
from tests.support.control import Control
from tests.support.engine import Engine, ProviderProcess
from tests.support.proxy import Answer, Drop, Proxy, Request, proxy_to
from tests.test_faults import Stack, census, make_files

API = f"/v1/Account/{AUTH_ID}/Media/"
Forward = Callable[[], Answer]


def png(seed: int = 1, name: str | None = None, size: int = 600) -> UploadFile:
    return UploadFile(name or f"img-{seed}.png", files.png_bytes(pad_to=size, seed=seed),
                      "image/png")


def is_upload(request: Request) -> bool:
    return request.method == "POST" and request.path.startswith(API)


def is_list(request: Request) -> bool:
    return request.method == "GET" and request.path.split("?")[0] == API


def json_of(answer: Answer) -> Any:
    return json.loads(answer.body)


def with_json(answer: Answer, body: Any) -> Answer:
    return answer.with_body(json.dumps(body).encode(), "application/json")


class FirstUploads:
    """A proxy rule that passes ``change`` the first ``count`` uploads, forwards the rest."""

    def __init__(self, change: Callable[[Request, Forward], Answer], count: int = 1) -> None:
        self.change = change
        self.left = count
        self.lock = threading.Lock()

    def __call__(self, request: Request, forward: Forward) -> Answer:
        if is_upload(request):
            with self.lock:
                mine = self.left > 0
                self.left -= 1 if mine else 0
            if mine:
                return self.change(request, forward)
        return forward()


@pytest.fixture
def proxy(emulator: Emulator) -> Iterator[Proxy]:
    with proxy_to(emulator.url) as running:
        yield running


@pytest.fixture
def proxied(proxy: Proxy) -> Iterator[MediaClient]:
    with MediaClient(AUTH_ID, AUTH_TOKEN, proxy.url, read_timeout=2.0, retries=2,
                     backoff_factor=0.01) as client:
        yield client


@pytest.fixture
def direct(emulator: Emulator) -> Iterator[MediaClient]:
    with MediaClient(AUTH_ID, AUTH_TOKEN, emulator.url) as client:
        yield client


@pytest.fixture
def proxied_stack(emulator: Emulator, proxy: Proxy, tmp_path: Path) -> Iterator[Stack]:
    """Four files, a provider server reaching the emulator through the proxy."""
    env = provider_env(proxy.url, PLIVO_READ_TIMEOUT="2")
    with ProviderProcess(env) as process:
        yield Stack(emulator.url, Engine(process), make_files(tmp_path, 4))


# -- 3. unusable answers to an upload that was stored ------------------------------------------


def _status(status: int) -> Callable[[Request, Forward], Answer]:
    def change(_request: Request, forward: Forward) -> Answer:
        forward()
        return Answer(status, {"Content-Type": "text/html"},
                      b"<html>\n<h1>Gateway</h1>\n<p>upstream failed</p>\n</html>\n")
    return change


def _body(body: bytes, content_type: str = "application/json") -> Callable[..., Answer]:
    def change(_request: Request, forward: Forward) -> Answer:
        return forward().with_body(body, content_type)
    return change


def _cut_json(_request: Request, forward: Forward) -> Answer:
    answer = forward()
    return answer.with_body(answer.body[: len(answer.body) // 2])


def _no_objects(_request: Request, forward: Forward) -> Answer:
    answer = forward()
    return with_json(answer, {**json_of(answer), "objects": []})


STORED_BUT_UNUSABLE: dict[str, Callable[[Request, Forward], Answer]] = {
    "gateway-502": _status(502),
    "gateway-504": _status(504),
    "503-after-storing": _status(503),
    "2xx-cut-off-json": _cut_json,
    "2xx-html": _body(b"<html><body>OK</body></html>", "text/html"),
    "2xx-empty-objects": _no_objects,
}


@pytest.mark.parametrize("case", sorted(STORED_BUT_UNUSABLE))
def test_an_unusable_answer_to_a_stored_upload_is_settled_not_duplicated(
    proxied_stack: Stack, proxy: Proxy, case: str
) -> None:
    """Observation 3: the answer proves nothing, so the upload is searched for and adopted."""
    proxy.rule = FirstUploads(STORED_BUT_UNUSABLE[case], count=2)
    outcome = proxied_stack.up()
    assert outcome.ok, outcome.errors
    assert proxied_stack.control.stats()["uploads"] == len(proxied_stack.files)
    proxied_stack.assert_converged()


def test_a_503_after_storing_is_not_retried_blindly(
    proxied: MediaClient, proxy: Proxy, emulator: Emulator
) -> None:
    """Observation 3: one create, one media, although its first answer was a 503."""
    proxy.rule = FirstUploads(_status(503))
    media = upload_once(proxied, png())
    assert Control(emulator.url).stats()["media"] == 1
    assert proxy.count("POST") == 1
    assert media.file_name == "img-1.png"


def test_a_gateway_error_page_is_reported_on_one_line(proxied: MediaClient, proxy: Proxy) -> None:
    proxy.rule = lambda request, forward: _status(502)(request, forward)
    with pytest.raises(ServerError) as caught:
        proxied.list_page()
    message = str(caught.value)
    assert "\n" not in message and "HTTP 502" in message and "text/html" in message
    assert "Gateway upstream failed" in message


def test_an_unreadable_2xx_is_an_unexpected_response(proxied: MediaClient, proxy: Proxy) -> None:
    proxy.rule = _body(b"<html>\n<body>maintenance</body>\n</html>", "text/html")
    with pytest.raises(UnexpectedResponse) as caught:
        proxied.list_page()
    assert caught.value.status == 200 and "\n" not in str(caught.value)


# -- 4. a redirected upload, and objects that do not match the file sent -------------------------


def test_a_redirected_upload_is_not_followed_and_records_the_right_media(
    proxied_stack: Stack, proxy: Proxy, direct: MediaClient
) -> None:
    """Observation 4: a 301 to the list URL must not be re-sent as a GET whose first entry
    (an unrelated PDF) becomes the PNG's media."""
    [pdf] = direct.upload([UploadFile("menu.pdf", b"%PDF-1.4 menu", "application/pdf")])
    proxied_stack.files = {"logo": next(iter(proxied_stack.files.values()))}

    def redirect(_request: Request, _forward: Forward) -> Answer:
        return Answer(301, {"Location": API})

    proxy.rule = FirstUploads(redirect)
    outcome = proxied_stack.up()
    assert outcome.ok, outcome.errors
    assert proxied_stack.engine.state["logo"].id != pdf.media_id
    proxied_stack.assert_state_matches_emulator()
    assert census(proxied_stack.url) - Counter({("menu.pdf", hashlib.sha256(
        b"%PDF-1.4 menu").hexdigest()): 1}) == proxied_stack.expected()


def test_an_answer_naming_another_file_is_checked_and_settled_by_search(
    proxied: MediaClient, proxy: Proxy, emulator: Emulator
) -> None:
    def rename(_request: Request, forward: Forward) -> Answer:
        answer = forward()
        body = json_of(answer)
        body["objects"][0]["file_name"] = "other.png"
        return with_json(answer, body)

    proxy.rule = FirstUploads(rename)
    media = upload_once(proxied, png())
    assert media.file_name == "img-1.png"
    assert Control(emulator.url).stats()["media"] == 1


# -- 5. a provider killed mid-upload ------------------------------------------------------------


def test_a_provider_killed_mid_upload_is_adopted_by_the_next_up(
    emulator: Emulator, proxy: Proxy, tmp_path: Path
) -> None:
    """Observation 5: the write-ahead record survives SIGKILL, so the next up adopts."""
    logo = files.random_png(tmp_path / "logo.png", 900, seed=3)
    env = provider_env(proxy.url, PLIVO_MEDIA_JOURNAL_DIR=str(tmp_path / "journal"))
    stored, release = threading.Event(), threading.Event()

    def hold(_request: Request, forward: Forward) -> Answer:
        forward()
        stored.set()
        release.wait(30)
        raise Drop

    proxy.rule = FirstUploads(hold)
    first = ProviderProcess(env)
    try:
        engine = Engine(first)
        up = threading.Thread(target=engine.up, args=({"logo": {"path": str(logo)}},))
        up.start()
        assert stored.wait(30)
        first.process.kill()
        first.process.wait(10)
        release.set()
        up.join(30)
    finally:
        release.set()
        first.close()
    assert list((tmp_path / "journal").rglob("*.json"))
    with ProviderProcess(env) as second:
        stack = Stack(emulator.url, Engine(second), {"logo": logo})
        stack.assert_converged()
    assert Control(emulator.url).stats()["uploads"] == 1
    assert not list((tmp_path / "journal").rglob("*.json"))


# -- 6. twins -----------------------------------------------------------------------------------


def twin_files(folder: Path) -> dict[str, dict[str, str]]:
    data = files.png_bytes(pad_to=800, seed=9)
    return {
        name: {"path": str(files.write(folder / name / "logo.png", data)),
               "file_name": "logo.png"}
        for name in ("twin-a", "twin-b")
    }


def assert_twins_converged(engine: Engine, resources: dict[str, dict[str, str]],
                           url: str) -> None:
    outcome = engine.up(resources)
    assert outcome.ok, outcome.errors
    with MediaClient(AUTH_ID, AUTH_TOKEN, url) as client:
        held = {media.media_id for media in client.iter_media()}
    assert {entry.id for entry in engine.state.values()} <= held
    assert set(engine.state) == set(resources)
    assert not engine.up(resources).changed


def test_twins_after_a_lost_answer_adopt_one_instead_of_failing(
    emulator: Emulator, proxy: Proxy, tmp_path: Path
) -> None:
    """Observation 6: the lost upload's search finds both twins' media and adopts the oldest."""
    resources = twin_files(tmp_path)
    second_stored = threading.Event()
    uploads = {"n": 0}
    lock = threading.Lock()

    def rule(request: Request, forward: Forward) -> Answer:
        if not is_upload(request):
            return forward()
        with lock:
            uploads["n"] += 1
            mine = uploads["n"]
        answer = forward()
        if mine == 1:
            # The twin's upload lands before this one's search, unless the twin found this
            # attempt's write-ahead record first and adopted its media without uploading.
            second_stored.wait(3)
            raise Drop
        second_stored.set()
        return answer

    proxy.rule = rule
    with ProviderProcess(provider_env(proxy.url, PLIVO_READ_TIMEOUT="5")) as process:
        engine = Engine(process)
        outcome = engine.up(resources)
        assert outcome.ok, outcome.errors
        assert Control(emulator.url).stats()["media"] in (1, 2)
        assert_twins_converged(engine, resources, emulator.url)


def test_two_stacks_sharing_a_journal_with_twins_both_converge(
    emulator: Emulator, proxy: Proxy, tmp_path: Path
) -> None:
    """Observation 6: one stack's lost answer finds the other stack's identical media too."""
    resources = twin_files(tmp_path)
    journal = str(tmp_path / "shared-journal")
    env = provider_env(proxy.url, PLIVO_READ_TIMEOUT="5", PLIVO_MEDIA_JOURNAL_DIR=journal)
    with ProviderProcess(env) as one, ProviderProcess(env) as two:
        first, second = Engine(one, stack="one"), Engine(two, stack="two")
        assert first.up({"twin-a": resources["twin-a"]}).ok

        def lose(_request: Request, forward: Forward) -> Answer:
            forward()
            raise Drop

        proxy.rule = FirstUploads(lose)
        outcome = second.up({"twin-b": resources["twin-b"]})
        assert outcome.ok, outcome.errors
        assert second.state["twin-b"].id == first.state["twin-a"].id
        assert_twins_converged(first, {"twin-a": resources["twin-a"]}, emulator.url)
        assert_twins_converged(second, {"twin-b": resources["twin-b"]}, emulator.url)
    assert Control(emulator.url).stats()["media"] == 2


# -- 7. aged media ------------------------------------------------------------------------------


def test_media_close_to_expiry_is_not_adopted(
    direct: MediaClient, emulator: Emulator, tmp_path: Path
) -> None:
    """Observation 7: 5 h 50 min after a journaled attempt its media expires in 10 minutes;
    with reupload_after 5h it must not be adopted. The clock is pinned, not read."""
    logo = png()
    started = datetime.now(timezone.utc)
    journal = UploadJournal(tmp_path / "journal")
    journal.begin(UploadKey(AUTH_ID, logo.file_name, len(logo.content), logo.sha256), started)
    [aged] = direct.upload([logo])
    control = Control(emulator.url)
    control.advance(5 * 3600 + 50 * 60)
    later = started + timedelta(hours=5, minutes=50)
    media = Uploader(direct, journal, clock=lambda: later).upload(
        logo, reupload_after=timedelta(hours=5))
    assert media.media_id != aged.media_id
    assert control.stats()["uploads"] == 2


def test_media_with_enough_life_left_is_adopted(
    direct: MediaClient, emulator: Emulator, tmp_path: Path
) -> None:
    logo = png()
    started = datetime.now(timezone.utc)
    journal = UploadJournal(tmp_path / "journal")
    journal.begin(UploadKey(AUTH_ID, logo.file_name, len(logo.content), logo.sha256), started)
    [earlier] = direct.upload([logo])
    later = started + timedelta(minutes=30)
    media = Uploader(direct, journal, clock=lambda: later).upload(
        logo, reupload_after=timedelta(hours=5))
    assert media == earlier
    assert Control(emulator.url).stats()["uploads"] == 1


def test_media_within_the_margin_of_expiry_is_not_adopted_even_without_reupload_after(
    direct: MediaClient, emulator: Emulator, tmp_path: Path
) -> None:
    """ADOPT_MARGIN: 5 h 40 min old media has 20 minutes left, under the 30-minute margin."""
    logo = png()
    started = datetime.now(timezone.utc)
    journal = UploadJournal(tmp_path / "journal")
    journal.begin(UploadKey(AUTH_ID, logo.file_name, len(logo.content), logo.sha256), started)
    [aged] = direct.upload([logo])
    Control(emulator.url).advance(5 * 3600 + 40 * 60)
    later = started + timedelta(hours=5, minutes=40)
    media = Uploader(direct, journal, clock=lambda: later).upload(logo)
    assert media.media_id != aged.media_id


# -- 8. a double unknown outcome ----------------------------------------------------------------


def test_a_second_unknown_outcome_is_settled_not_left_to_duplicate(stack: Stack) -> None:
    """Observation 8: dropped before storing, then dropped after storing: the second unknown
    is searched for too, so the next up finds nothing to upload again."""
    stack.files = {"logo": next(iter(stack.files.values()))}
    stack.control.fault(method="POST", path=API, drop="before", count=1)
    stack.control.fault(method="POST", path=API, drop="after", count=1)
    outcome = stack.up()
    assert outcome.ok, outcome.errors
    stack.assert_converged()


def test_uploads_that_all_stay_unknown_stay_journaled(
    emulator: Emulator, direct: MediaClient, tmp_path: Path
) -> None:
    """Every send unknown and nothing found: the error says so and the journal keeps it."""
    logo = png()
    journal = UploadJournal(tmp_path / "journal")
    Control(emulator.url).fault(method="POST", path=API, drop="before", count=3)
    with pytest.raises(ReconciliationError) as caught:
        upload_once(direct, logo, journal)
    assert "noted in" in str(caught.value) and "\n" not in str(caught.value)
    key = UploadKey(AUTH_ID, logo.file_name, len(logo.content), logo.sha256)
    assert len(journal.pending(key, datetime.now(timezone.utc))) == 1
    upload_once(direct, logo, journal)
    assert Control(emulator.url).stats()["media"] == 1


def test_a_refused_upload_settles_its_journal_record(
    emulator: Emulator, direct: MediaClient, tmp_path: Path
) -> None:
    """A 4xx proves nothing was stored: the write-ahead record is removed, not left."""
    logo = png()
    journal = UploadJournal(tmp_path / "journal")
    Control(emulator.url).fault(method="POST", path=API, status=400, count=1)
    with pytest.raises(InvalidRequest):
        upload_once(direct, logo, journal)
    assert not list((tmp_path / "journal").rglob("*.json"))


@pytest.fixture
def stack(emulator: Emulator, tmp_path: Path) -> Iterator[Stack]:
    env = provider_env(emulator.url, PLIVO_READ_TIMEOUT="1")
    with ProviderProcess(env) as process:
        yield Stack(emulator.url, Engine(process), make_files(tmp_path, 4))


# -- 9. hangs -----------------------------------------------------------------------------------


def bounded(call: Callable[[], object], limit: float = 30.0) -> BaseException | None:
    """Run ``call`` in a thread; the error it raised. Fails if it is still running at
    ``limit`` (a generous bound on a hang, not a timing measurement)."""
    caught: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - handed back to the test to inspect
            caught.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(limit)
    assert not worker.is_alive(), "the call is still waiting"
    return caught[0] if caught else None


def test_a_trickled_answer_cannot_outlast_the_request_deadline(proxy: Proxy) -> None:
    """Observation 9: one byte every 0.5 s defeats a 1 s read timeout, not the deadline."""

    def trickle(request: Request, forward: Forward) -> Answer:
        answer = forward()
        return Answer(answer.status, answer.headers, answer.body + b" " * 2000, trickle=0.5)

    proxy.rule = trickle
    with MediaClient(AUTH_ID, AUTH_TOKEN, proxy.url, read_timeout=1.0, request_deadline=2.0,
                     retries=0) as client:
        error = bounded(client.list_page)
    assert isinstance(error, TransportError) and "deadline" in str(error)


def test_retry_after_is_capped(
    proxied: MediaClient, proxy: Proxy, retry_sleeps: list[float],
) -> None:
    """Observation 9: Retry-After: 3600 waits at most RETRY_AFTER_MAX (60 s)."""
    answers = iter([Answer(429, {"Retry-After": "3600"}, b'{"error": "slow down"}')] * 2)
    proxy.rule = lambda request, forward: next(answers, None) or forward()
    proxied.list_page()
    assert retry_sleeps == [60.0] * 2


def test_retries_stop_at_the_request_deadline(
    emulator: Emulator, retry_sleeps: list[float]
) -> None:
    """Retries have a total budget, and a wait that would pass the deadline is not started:
    a 503 storm with Retry-After 1 and a 1 s deadline is asked once, and the 503 stands."""
    control = Control(emulator.url)
    control.fault(method="GET", path=API, status=503, count=50, retry_after=1)
    with MediaClient(AUTH_ID, AUTH_TOKEN, emulator.url, request_deadline=1.0,
                     retries=4) as client, pytest.raises(ServerError):
        client.list_page()
    assert control.stats()["requests"] == 1
    assert retry_sleeps == []


def test_waits_that_end_before_the_deadline_are_made(
    emulator: Emulator, retry_sleeps: list[float]
) -> None:
    """The same storm with a 30 s deadline: every retry's 1 s wait fits, so all are made."""
    control = Control(emulator.url)
    control.fault(method="GET", path=API, status=503, count=50, retry_after=1)
    with MediaClient(AUTH_ID, AUTH_TOKEN, emulator.url, request_deadline=30.0,
                     retries=4) as client, pytest.raises(ServerError):
        client.list_page()
    assert control.stats()["requests"] == 5
    assert retry_sleeps == [1.0] * 4


def lost_upload_behind_newer_media(direct: MediaClient, count: int = 25) -> Callable[..., Answer]:
    """A rule for the first upload: store it, then store ``count`` newer media, then drop."""

    def change(_request: Request, forward: Forward) -> Answer:
        forward()
        for batch in range(0, count, 10):
            direct.upload([png(seed=100 + i) for i in range(batch, min(batch + 10, count))])
        raise Drop

    return change


def test_a_list_that_ignores_offset_ends_the_search_instead_of_looping(
    proxied: MediaClient, proxy: Proxy, direct: MediaClient
) -> None:
    """Observation 9: the first page comes back for every offset, with a huge total_count."""
    lost = FirstUploads(lost_upload_behind_newer_media(direct))
    first_page: list[Answer] = []

    def rule(request: Request, forward: Forward) -> Answer:
        if not is_list(request):
            return lost(request, forward)
        if proxy.count("GET", API) > 200:
            return Answer(500, {"Content-Type": "text/html"}, b"<h1>enough</h1>")
        if not first_page:
            first_page.append(forward())
        body = json_of(first_page[0])
        body["meta"]["total_count"] = 10**6
        return with_json(first_page[0], body)

    proxy.rule = rule
    error = bounded(lambda: upload_once(proxied, png()))
    assert isinstance(error, ReconciliationError), error
    assert "repeated" in str(error) and "\n" not in str(error)
    assert proxy.count("GET", API) == 2


def test_a_search_is_bounded_in_pages(
    proxied: MediaClient, proxy: Proxy, direct: MediaClient, tmp_path: Path
) -> None:
    """More newer media than the page bound allows: the create fails, journaled."""
    proxy.rule = FirstUploads(lost_upload_behind_newer_media(direct, count=45))
    journal = UploadJournal(tmp_path / "journal")
    with pytest.raises(ReconciliationError) as caught:
        Uploader(proxied, journal, max_pages=2).upload(png())
    assert "more than 2 pages" in str(caught.value) and "noted in" in str(caught.value)
    assert proxy.count("GET", API) == 2


def test_an_under_reported_total_count_does_not_end_the_search_early(
    proxied: MediaClient, proxy: Proxy, direct: MediaClient, emulator: Emulator
) -> None:
    """Observation 9: total_count says 1, but full pages go on; the upload is on page 2."""
    lost = FirstUploads(lost_upload_behind_newer_media(direct))

    def rule(request: Request, forward: Forward) -> Answer:
        if not is_list(request):
            return lost(request, forward)
        answer = forward()
        body = json_of(answer)
        body["meta"]["total_count"] = 1
        return with_json(answer, body)

    proxy.rule = rule
    media = upload_once(proxied, png())
    assert media.file_name == "img-1.png"
    assert Control(emulator.url).stats()["media"] == 26


# -- 11. smaller problems -----------------------------------------------------------------------


def test_a_token_outside_latin1_is_one_line_naming_the_setting(
    emulator: Emulator, tmp_path: Path
) -> None:
    token = "tok-€-secret"
    with pytest.raises(ConfigurationError) as caught:
        resolve_settings(environ={"PLIVO_AUTH_ID": AUTH_ID, "PLIVO_AUTH_TOKEN": token})
    message = str(caught.value)
    assert "PLIVO_AUTH_TOKEN" in message and "plivo:authToken" in message
    assert token not in message and "€" not in message and "\n" not in message
    logo = files.random_png(tmp_path / "logo.png", 700, seed=4)
    with ProviderProcess(provider_env(emulator.url, PLIVO_AUTH_TOKEN=token)) as process:
        outcome = Engine(process).up({"logo": {"path": str(logo)}})
    [text] = outcome.errors.values()
    assert "PLIVO_AUTH_TOKEN" in text and "\n" not in text.strip() and token not in text


def test_an_upload_with_one_refused_file_returns_the_stored_ones(
    proxied: MediaClient, proxy: Proxy
) -> None:
    def refuse_fourth(_request: Request, forward: Forward) -> Answer:
        answer = forward()
        body = json_of(answer)
        body["objects"][3] = {"status": "error", "status_code": 400, "error": "bad media"}
        return with_json(answer, body)

    proxy.rule = FirstUploads(refuse_fourth)
    sent = [png(seed=i) for i in range(10)]
    with pytest.raises(UploadPartlyRefused) as caught:
        proxied.upload(sent)
    stored = caught.value.stored
    assert stored[3] is None and len(stored) == 10
    assert [m.file_name for m in stored if m is not None] == [
        f.file_name for i, f in enumerate(sent) if i != 3]
    assert "'img-3.png': bad media" in str(caught.value) and "\n" not in str(caught.value)


def reachable(root: BaseException, limit: int = 20000) -> Iterator[object]:
    """Every object reachable from ``root`` through causes, contexts, args, attributes,
    containers and mappings (bounded, each object once)."""
    seen: set[int] = set()
    pending: list[object] = [root]
    while pending and len(seen) < limit:
        item = pending.pop()
        if id(item) in seen or isinstance(item, (int, float, bool, type(None), type)):
            continue
        seen.add(id(item))
        yield item
        if isinstance(item, (str, bytes, bytearray)):
            continue
        if isinstance(item, BaseException):
            pending += [item.__cause__, item.__context__, *item.args]
        if isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, (list, tuple, set, frozenset)):
            pending += list(item)
        elif hasattr(item, "items") and callable(item.items):
            with contextlib.suppress(TypeError):
                pending += [value for pair in item.items() for value in pair]
        attributes = getattr(item, "__dict__", None)
        if isinstance(attributes, dict):
            pending += list(attributes.values())
        for slot in getattr(type(item), "__slots__", ()):
            pending.append(getattr(item, slot, None))


@pytest.mark.parametrize("fault", [
    pytest.param({"method": "POST", "drop": "after"}, id="upload-dropped"),
    pytest.param({"method": "GET", "drop": "before", "count": 10}, id="list-dropped"),
    pytest.param({"method": "GET", "status": 503, "count": 10, "retry_after": 0},
                 id="list-503"),
])
def test_no_credentials_are_reachable_from_any_exception(
    emulator: Emulator, fault: dict[str, Any]
) -> None:
    basic = base64.b64encode(f"{AUTH_ID}:{AUTH_TOKEN}".encode()).decode()
    Control(emulator.url).fault(path=API, count=fault.pop("count", 1), **fault)
    with MediaClient(AUTH_ID, AUTH_TOKEN, emulator.url, retries=1,
                     backoff_factor=0.01) as client:
        call = (lambda: client.upload([png()])) if fault["method"] == "POST" else client.list_page
        with pytest.raises(PlivoMediaError) as caught:
            call()
    for item in reachable(caught.value):
        text = item.decode("latin-1") if isinstance(item, (bytes, bytearray)) else (
            item if isinstance(item, str) else "")
        assert AUTH_TOKEN not in text and basic not in text, type(item)


def test_an_oversized_answer_is_refused_in_one_line(proxied: MediaClient, proxy: Proxy) -> None:
    def huge(_request: Request, forward: Forward) -> Answer:
        answer = forward()
        return with_json(answer, {**json_of(answer), "pad": "x" * (9 * 1024 * 1024)})

    proxy.rule = huge
    with pytest.raises(TransportError) as caught:
        proxied.list_page()
    message = str(caught.value)
    assert "8,388,608 bytes" in message and "\n" not in message


@pytest.mark.parametrize("name", ["a%22b.png", 'a"b.png', "100%.png"])
def test_file_names_round_trip_exactly(client: MediaClient, name: str) -> None:
    media = upload_once(client, png(name=name))
    assert media.file_name == name
    assert client.get(media.media_id).file_name == name
    assert [m.file_name for m in client.iter_media()] == [name]
