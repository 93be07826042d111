"""Faults, refresh proof, Cancel and concurrency through the plugin, the second face.

The scenarios that matter for a face are those where the face's own machinery (its server,
threads, errors and process) meets a fault: a lost answer after Plivo stored the upload, a
gateway 5xx, an unproven 404 on refresh, the plugin killed mid-upload, and the engine's
Cancel during a wait. Each ends as ``tests/test_faults.py``'s do: one clean ``up``, after
which every declared file exists in Plivo exactly once and state points at it. The fixtures
and the proxy are those of the dynamic-provider scenarios.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2

from plivo_media_provider.emulator import Emulator
from tests.conftest import AUTH_ID, AUTH_TOKEN, provider_env
from tests.support import files
from tests.support.control import Control
from tests.support.plugin_engine import EngineService, PluginEngine, PluginProcess
from tests.support.proxy import Answer, Drop, Proxy, Request, proxy_to
from tests.test_faults import API, Stack, assert_one_line_errors, make_files
from tests.test_refresh_proof import is_media_get, listing_misses
from tests.test_upload_protocol import FirstUploads, Forward, _status, is_list, is_upload

JOIN = 120.0
"""Seconds a test waits for a call that must end; only a hang comes near it."""


@pytest.fixture
def proxy(emulator: Emulator) -> Iterator[Proxy]:
    with proxy_to(emulator.url) as running:
        yield running


def plugin_stack(service: EngineService, url: str, emulator: Emulator, folder: Path,
                 **env: str) -> tuple[PluginProcess, Stack]:
    plugin = PluginProcess(service, provider_env(url, PLIVO_READ_TIMEOUT="2", **env),
                           cwd=folder)
    return plugin, Stack(emulator.url, PluginEngine(plugin), make_files(folder, 4))


# -- answers lost or unusable after Plivo stored the upload ------------------------------------


def test_a_lost_answer_after_store_is_adopted_not_uploaded_twice(
    engine_service: EngineService, emulator: Emulator, tmp_path: Path
) -> None:
    plugin, stack = plugin_stack(engine_service, emulator.url, emulator, tmp_path)
    with plugin:
        stack.control.fault(method="POST", path=API, drop="after", count=2)
        outcome = stack.up()
        assert outcome.ok, outcome.errors
        assert stack.control.stats()["uploads"] == len(stack.files)
        stack.assert_converged()


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_gateway_5xx_after_store_is_settled_by_searching(
    engine_service: EngineService, emulator: Emulator, proxy: Proxy, tmp_path: Path,
    status: int,
) -> None:
    plugin, stack = plugin_stack(engine_service, proxy.url, emulator, tmp_path)
    with plugin:
        proxy.rule = FirstUploads(_status(status), count=2)
        outcome = stack.up()
        assert outcome.ok, outcome.errors
        assert stack.control.stats()["uploads"] == len(stack.files)
        stack.assert_converged()


# -- refresh drops only on proof -------------------------------------------------------------


def test_an_unproven_404_on_refresh_keeps_every_resource(
    engine_service: EngineService, emulator: Emulator, proxy: Proxy, tmp_path: Path
) -> None:
    with PluginProcess(engine_service, provider_env(emulator.url), cwd=tmp_path) as plugin:
        engine = PluginEngine(plugin)
        resources = {n: {"path": str(files.random_png(tmp_path / f"{n}.png", 600, seed=i))}
                     for i, n in enumerate(["logo", "menu", "banner"])}
        assert engine.up(resources).ok

    def html_404(request: Request, forward: Callable[[], Answer]) -> Answer:
        if is_media_get(request):
            return Answer(404, {"Content-Type": "text/html"}, b"<html><h1>404</h1></html>")
        return forward()

    proxy.rule = listing_misses(html_404)
    with PluginProcess(engine_service, provider_env(proxy.url), cwd=tmp_path) as plugin:
        again = PluginEngine(plugin)
        again.state = engine.state
        outcome = again.refresh()
    assert outcome.deleted == [] and sorted(again.state) == ["banner", "logo", "menu"]
    assert_one_line_errors(outcome, "banner", "logo", "menu")
    assert all("not Plivo's JSON" in text for text in outcome.errors.values())


# -- the plugin killed mid-upload ---------------------------------------------------------------


def test_a_plugin_killed_mid_upload_is_settled_by_the_next_up(
    engine_service: EngineService, emulator: Emulator, proxy: Proxy, tmp_path: Path
) -> None:
    """The engine stops plugins with SIGKILL: the write-ahead record survives it."""
    logo = files.random_png(tmp_path / "logo.png", 900, seed=3)
    journal = tmp_path / "journal"
    env = provider_env(proxy.url, PLIVO_MEDIA_JOURNAL_DIR=str(journal))
    stored, release = threading.Event(), threading.Event()

    def hold(_request: Request, forward: Forward) -> Answer:
        forward()
        stored.set()
        release.wait(30)
        raise Drop

    proxy.rule = FirstUploads(hold)
    first = PluginProcess(engine_service, env, cwd=tmp_path)
    try:
        engine = PluginEngine(first)
        up = threading.Thread(target=engine.up, args=({"logo": {"path": str(logo)}},))
        up.start()
        assert stored.wait(JOIN)
        first.process.kill()
        first.process.wait(JOIN)
        release.set()
        up.join(JOIN)
    finally:
        release.set()
        first.close()
    assert engine.state == {} and len(list(journal.rglob("*.json"))) == 1
    with PluginProcess(engine_service, env, cwd=tmp_path) as second:
        Stack(emulator.url, PluginEngine(second), {"logo": logo}).assert_converged()
    assert Control(emulator.url).stats()["uploads"] == 1
    assert not list(journal.rglob("*.json"))


# -- Cancel ------------------------------------------------------------------------------------


def create_in_background(engine: PluginEngine, resources: dict[str, Any]
                         ) -> tuple[threading.Thread, dict[str, Any]]:
    result: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: result.update(outcome=engine.up(resources)))
    thread.start()
    return thread, result


def test_cancel_ends_a_retry_wait_at_once_and_sends_nothing_more(
    engine_service: EngineService, emulator: Emulator, proxy: Proxy, tmp_path: Path
) -> None:
    """A 429 asks for a minute's wait, ten times over; Cancel ends the wait, and the upload
    Plivo refused is not sent again."""
    asked = threading.Event()

    def too_many(request: Request, forward: Forward) -> Answer:
        if is_upload(request):
            asked.set()
            return Answer(429, {"Content-Type": "application/json", "Retry-After": "60"},
                          json.dumps({"api_id": "r1", "error": "too many requests"}).encode())
        return forward()

    proxy.rule = too_many
    env = provider_env(proxy.url, PLIVO_RETRIES="10", PLIVO_REQUEST_DEADLINE="3600")
    logo = files.random_png(tmp_path / "logo.png", 800, seed=5)
    with PluginProcess(engine_service, env, cwd=tmp_path) as plugin:
        engine = PluginEngine(plugin)
        thread, result = create_in_background(engine, {"logo": {"path": str(logo)}})
        assert asked.wait(JOIN)
        engine.cancel()
        thread.join(JOIN)
        assert not thread.is_alive(), "Cancel did not end the wait"
    outcome = result["outcome"]
    assert_one_line_errors(outcome, "logo")
    assert outcome.errors["logo"].startswith("Cancelled: the Pulumi engine asked")
    assert proxy.count("POST") == 1 and engine.state == {}


def test_cancel_during_a_search_keeps_the_attempt_in_the_journal(
    engine_service: EngineService, emulator: Emulator, proxy: Proxy, tmp_path: Path
) -> None:
    """Plivo stores the upload but answers 504, and its list does not show it yet: the
    protocol keeps looking. Cancel ends the search; the attempt stays journaled, and the
    next up adopts the stored media instead of uploading it again."""
    searching = threading.Event()
    empty = json.dumps({"api_id": "l1", "meta": {"limit": 20, "offset": 0, "next": None,
                                                 "previous": None, "total_count": 0},
                        "objects": []}).encode()

    def late(request: Request, forward: Forward) -> Answer:
        if is_list(request):
            searching.set()
            return Answer(200, {"Content-Type": "application/json"}, empty)
        return forward()

    rule = FirstUploads(_status(504))
    proxy.rule = lambda request, forward: late(request, lambda: rule(request, forward))
    journal = tmp_path / "journal"
    env = provider_env(proxy.url, PLIVO_MEDIA_JOURNAL_DIR=str(journal))
    logo = files.random_png(tmp_path / "logo.png", 800, seed=6)
    with PluginProcess(engine_service, env, cwd=tmp_path) as plugin:
        engine = PluginEngine(plugin)
        thread, result = create_in_background(engine, {"logo": {"path": str(logo)}})
        assert searching.wait(JOIN)
        engine.cancel()
        thread.join(JOIN)
        assert not thread.is_alive(), "Cancel did not end the search"
    outcome = result["outcome"]
    assert_one_line_errors(outcome, "logo")
    assert "may be stored" in outcome.errors["logo"] and str(journal) in outcome.errors["logo"]
    assert "Cancelled" in outcome.errors["logo"]
    assert proxy.count("POST") == 1 and len(list(journal.rglob("*.json"))) == 1
    proxy.rule = lambda request, forward: forward()
    with PluginProcess(engine_service, env, cwd=tmp_path) as second:
        Stack(emulator.url, PluginEngine(second), {"logo": logo}).assert_converged()
    assert Control(emulator.url).stats()["uploads"] == 1
    assert not list(journal.rglob("*.json"))


def test_a_cancelled_plugin_refuses_new_work_in_one_line(
    engine_service: EngineService, emulator: Emulator, tmp_path: Path
) -> None:
    with PluginProcess(engine_service, provider_env(emulator.url), cwd=tmp_path) as plugin:
        engine = PluginEngine(plugin)
        engine.cancel()
        logo = files.random_png(tmp_path / "logo.png", 800, seed=7)
        outcome = engine.up({"logo": {"path": str(logo)}})
    assert_one_line_errors(outcome, "logo")
    assert Control(emulator.url).stats()["requests"] == 0


# -- concurrency -----------------------------------------------------------------------------


def test_sixteen_creates_are_in_flight_at_once_at_60ms(tmp_path: Path) -> None:
    """16 Creates from 16 engine workers, against a 60 ms round trip: the emulator answers
    each upload only once all 16 are in flight together, so a plugin capped at 4 or 6
    concurrent calls could never finish; the emulator's count shows 16 at once."""
    together = threading.Barrier(16, timeout=JOIN)

    def round_trip(seconds: float) -> None:
        together.wait()
        time.sleep(seconds)

    with Emulator(auth_id=AUTH_ID, auth_token=AUTH_TOKEN, rate_limit=None, latency=0.06,
                  sleep=round_trip) as slow:
        service = EngineService()
        try:
            with PluginProcess(service, provider_env(slow.url), cwd=tmp_path) as plugin:
                engine = PluginEngine(plugin, parallelism=16)
                resources = {f"m{i}": {"path": str(files.random_png(
                    tmp_path / f"m{i}.png", 600 + i, seed=i))} for i in range(16)}
                outcome = engine.up(resources)
        finally:
            service.close()
        stats = Control(slow.url).stats()
    assert outcome.ok and len(outcome.created) == 16, outcome.errors
    assert stats["uploads"] == 16 and stats["max_in_flight"] == 16


def test_the_engine_rpcs_stay_answered_while_every_worker_waits(
    engine_service: EngineService, emulator: Emulator, proxy: Proxy, tmp_path: Path
) -> None:
    """Every call gets a thread of its own: with an upload held, GetSchema and Cancel are
    still answered."""
    held, release = threading.Event(), threading.Event()

    def hold(request: Request, forward: Forward) -> Answer:
        if is_upload(request):
            held.set()
            release.wait(JOIN)
        return forward()

    proxy.rule = hold
    logo = files.random_png(tmp_path / "logo.png", 800, seed=8)
    with PluginProcess(engine_service, provider_env(proxy.url), cwd=tmp_path) as plugin:
        engine = PluginEngine(plugin)
        thread, result = create_in_background(engine, {"logo": {"path": str(logo)}})
        try:
            assert held.wait(JOIN)
            assert plugin.call("GetSchema", provider_pb2.GetSchemaRequest()).schema
            plugin.call("Cancel", empty_pb2.Empty())  # answered at once too
        finally:
            release.set()
            thread.join(JOIN)
    # The upload already on the wire finished: Cancel stops waits, not answered requests.
    assert result["outcome"].ok
