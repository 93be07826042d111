"""Refresh drops a resource only on proof that Plivo no longer holds its media.

The proof is a Plivo-shaped JSON 404, confirmed by a second GET, from an API base that has
answered a list request like Plivo's in this process (``plivo_media_provider.proof``). Every
scenario runs ``pulumi refresh`` through the SDK's real provider server: ``up`` goes straight
to the emulator, then refresh goes through a proxy (or a wrong URL) that gives the answer a
user can meet in the wild. Refresh asks the shared listing first; the proxy's rules make the
listing miss (an empty page), so each Read comes to its GET, where the proof is decided.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from plivo_media_provider.emulator import Emulator
from tests.conftest import AUTH_ID, provider_env
from tests.support import files
from tests.support.control import Control
from tests.support.engine import Engine, Outcome, ProviderProcess
from tests.support.proxy import Answer, Request, Rule, proxy_to

ITEM = f"/v1/Account/{AUTH_ID}/Media/"
NAMES = ("logo", "menu", "banner")


def is_media_get(request: Request) -> bool:
    """A GET of one media (not the list, whose path ends at ``Media/``)."""
    rest = request.path.split("?", 1)[0].removeprefix(ITEM)
    return request.method == "GET" and request.path.startswith(ITEM) and rest.strip("/") != ""


@pytest.fixture
def stack(emulator: Emulator, tmp_path: Path) -> Engine:
    """Three media created by ``up`` through the provider server, straight to the emulator."""
    resources = {
        name: {"path": str(files.write(tmp_path / f"{name}.png", files.png_bytes(seed=i)))}
        for i, name in enumerate(NAMES)
    }
    with ProviderProcess(provider_env(emulator.url)) as provider:
        engine = Engine(provider)
        outcome = engine.up(resources)
    assert outcome.ok and sorted(outcome.created) == sorted(NAMES)
    return engine


def listing_misses(rule: Rule) -> Rule:
    """``rule`` for single-media GETs; every list request answers an empty page."""
    empty = json.dumps({"api_id": "l1", "meta": {"limit": 20, "offset": 0, "next": None,
                                                 "previous": None, "total_count": 0},
                        "objects": []}).encode()

    def combined(request: Request, forward: Callable[[], Answer]) -> Answer:
        if request.method == "GET" and request.path.startswith(ITEM) and not is_media_get(
            request
        ):
            return Answer(200, {"Content-Type": "application/json"}, empty)
        return rule(request, forward)

    return combined


def refresh_via(engine: Engine, api_url: str) -> tuple[Engine, Outcome]:
    """Refresh ``engine``'s state with a new provider server whose API URL is ``api_url``."""
    with ProviderProcess(provider_env(api_url)) as provider:
        again = Engine(provider)
        again.state = engine.state
        return again, again.refresh()


@pytest.fixture
def proxied(emulator: Emulator) -> Iterator[Callable[[Rule], str]]:
    """Install a rule on a proxy to the emulator; returns the proxy's URL."""
    with proxy_to(emulator.url) as proxy:
        def install(rule: Rule) -> str:
            proxy.rule = rule
            return proxy.url
        yield install


def test_an_api_url_ending_in_v1_fails_the_refresh_instead_of_dropping_everything(
    stack: Engine, emulator: Emulator
) -> None:
    engine, outcome = refresh_via(stack, emulator.url + "/v1")
    assert outcome.deleted == []
    assert sorted(engine.state) == sorted(NAMES)
    errors = outcome.errors
    assert sorted(errors) == sorted(NAMES)
    for text in errors.values():
        assert "plivo:apiUrl or PLIVO_API_URL" in text and "should be the API root" in text
        assert "Traceback" not in text and len(text.strip().splitlines()) == 1


def test_a_proxys_html_404_page_fails_the_refresh(
    stack: Engine, proxied: Callable[[Rule], str]
) -> None:
    def html_404(request: Request, forward: Callable[[], Answer]) -> Answer:
        if is_media_get(request):
            return Answer(404, {"Content-Type": "text/html"}, b"<html><h1>404 Not Found</h1>")
        return forward()

    engine, outcome = refresh_via(stack, proxied(listing_misses(html_404)))
    assert outcome.deleted == [] and sorted(engine.state) == sorted(NAMES)
    for text in outcome.errors.values():
        assert "not Plivo's JSON" in text and "plivo:apiUrl or PLIVO_API_URL" in text
    assert sorted(outcome.errors) == sorted(NAMES)


def test_json_404_labelled_as_html_is_not_plivos(
    stack: Engine, proxied: Callable[[Rule], str]
) -> None:
    body = json.dumps({"api_id": "x", "error": "not found"}).encode()

    def mislabelled(request: Request, forward: Callable[[], Answer]) -> Answer:
        if is_media_get(request):
            return Answer(404, {"Content-Type": "text/html"}, body)
        return forward()

    engine, outcome = refresh_via(stack, proxied(listing_misses(mislabelled)))
    assert sorted(outcome.errors) == sorted(NAMES)
    assert sorted(engine.state) == sorted(NAMES)


def test_a_one_off_plivo_shaped_404_keeps_the_resource(
    stack: Engine, proxied: Callable[[Rule], str]
) -> None:
    seen: set[str] = set()
    lock = threading.Lock()

    def first_get_404(request: Request, forward: Callable[[], Answer]) -> Answer:
        if is_media_get(request):
            with lock:
                first = request.path not in seen
                seen.add(request.path)
            if first:
                body = json.dumps({"api_id": "a1", "error": "not found"}).encode()
                return Answer(404, {"Content-Type": "application/json"}, body)
        return forward()

    engine, outcome = refresh_via(stack, proxied(listing_misses(first_get_404)))
    assert outcome.ok and outcome.deleted == []
    assert sorted(engine.state) == sorted(NAMES) and len(seen) == len(NAMES)


def test_a_confirmation_that_fails_keeps_the_resource(
    stack: Engine, proxied: Callable[[Rule], str]
) -> None:
    counts: dict[str, int] = {}
    lock = threading.Lock()

    def json_404_then_502(request: Request, forward: Callable[[], Answer]) -> Answer:
        if is_media_get(request):
            with lock:
                counts[request.path] = counts.get(request.path, 0) + 1
                first = counts[request.path] == 1
            if first:
                body = json.dumps({"api_id": "a1", "error": "not found"}).encode()
                return Answer(404, {"Content-Type": "application/json"}, body)
            return Answer(502, {"Content-Type": "text/html"}, b"<html>Bad Gateway</html>")
        return forward()

    engine, outcome = refresh_via(stack, proxied(listing_misses(json_404_then_502)))
    assert sorted(outcome.errors) == sorted(NAMES)
    assert sorted(engine.state) == sorted(NAMES)


def test_media_deleted_out_of_band_is_dropped_and_the_rest_kept(
    stack: Engine, emulator: Emulator
) -> None:
    gone = stack.state["menu"].id
    Control(emulator.url).delete(gone)
    engine, outcome = refresh_via(stack, emulator.url)
    assert outcome.ok and outcome.deleted == ["menu"]
    assert sorted(engine.state) == ["banner", "logo"]


def test_a_404_from_a_base_whose_list_is_not_plivos_fails_the_refresh(
    stack: Engine, proxied: Callable[[Rule], str]
) -> None:
    not_found = json.dumps({"api_id": "a1", "error": "not found"}).encode()

    def elsewhere(request: Request, forward: Callable[[], Answer]) -> Answer:
        if is_media_get(request):
            return Answer(404, {"Content-Type": "application/json"}, not_found)
        # A JSON API of some other kind: 200, but no Plivo list shape.
        return Answer(200, {"Content-Type": "application/json"}, b'{"items": []}')

    engine, outcome = refresh_via(stack, proxied(elsewhere))
    assert sorted(outcome.errors) == sorted(NAMES)
    assert all("does not answer like Plivo's" in t for t in outcome.errors.values())
    assert sorted(engine.state) == sorted(NAMES)
