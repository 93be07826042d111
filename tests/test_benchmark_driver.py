"""The benchmark's driver sends RPCs in the engine's shape: serial Checks and Diffs,
concurrent Creates and Reads, and no Create during preview."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2

from tests.benchmarks.driver import ENGINE_WORKERS, Driver, from_struct, to_struct
from tests.benchmarks.noop import NoopProvider
from tests.support.engine import PROVIDER_KEY


class FakeStub:
    """Answers like the SDK's server for a do-nothing provider; records calls and threads.

    Create and Read wait until ``together`` of them are in flight at once, so they only
    finish if the driver really runs that many concurrently.
    """

    def __init__(self, together: int) -> None:
        self.calls: list[str] = []
        self.lock = threading.Lock()
        self.serial_threads: set[int] = set()
        self.barrier = threading.Barrier(together, timeout=30)

    def _serial(self, name: str) -> None:
        with self.lock:
            self.calls.append(name)
            self.serial_threads.add(threading.get_ident())

    def Check(self, request: Any) -> provider_pb2.CheckResponse:
        self._serial("Check")
        return provider_pb2.CheckResponse(inputs=request.news)

    def Diff(self, request: Any) -> provider_pb2.DiffResponse:
        self._serial("Diff")
        return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)

    def Create(self, request: Any) -> provider_pb2.CreateResponse:
        with self.lock:
            self.calls.append("Create")
        self.barrier.wait()
        return provider_pb2.CreateResponse(id=request.urn, properties=request.properties)

    def Read(self, request: Any) -> provider_pb2.ReadResponse:
        with self.lock:
            self.calls.append("Read")
        self.barrier.wait()
        return provider_pb2.ReadResponse(id=request.id, properties=request.properties)


RESOURCES = {f"r{n}": {"path": f"/media/{n}.png"} for n in range(2 * ENGINE_WORKERS)}


def test_up_checks_serially_and_creates_on_all_workers() -> None:
    stub = FakeStub(together=ENGINE_WORKERS)
    driver = Driver(stub, NoopProvider())

    outcome = driver.up(RESOURCES)

    assert outcome.ok and sorted(outcome.created) == sorted(RESOURCES)
    assert stub.calls.count("Check") == stub.calls.count("Create") == len(RESOURCES)
    assert stub.serial_threads == {threading.get_ident()}  # one loop, like the engine's
    assert set(driver.state) == set(RESOURCES)


def test_preview_sends_no_create_and_diffs_known_resources_serially() -> None:
    stub = FakeStub(together=ENGINE_WORKERS)
    driver = Driver(stub, NoopProvider())

    first = driver.preview(RESOURCES)
    assert first.ok and "Create" not in stub.calls and driver.state == {}

    driver.up(RESOURCES)
    stub.calls.clear()
    again = driver.preview(RESOURCES)

    assert again.ok and sorted(again.same) == sorted(RESOURCES)
    assert stub.calls == ["Check", "Diff"] * len(RESOURCES)
    assert stub.serial_threads == {threading.get_ident()}


def test_refresh_reads_on_all_workers() -> None:
    stub = FakeStub(together=ENGINE_WORKERS)
    driver = Driver(stub, NoopProvider())
    driver.up(RESOURCES)
    stub.calls.clear()

    outcome = driver.refresh()

    assert outcome.ok and sorted(outcome.same) == sorted(RESOURCES)
    assert stub.calls == ["Read"] * len(RESOURCES)


def test_the_seconds_of_each_rpc_are_summed_and_handed_over_once() -> None:
    stub = FakeStub(together=ENGINE_WORKERS)
    driver = Driver(stub, NoopProvider())
    driver.up(RESOURCES)
    taken = driver.take_rpc_seconds()
    assert set(taken) == {"Check", "Create"} and all(t > 0 for t in taken.values())
    assert driver.take_rpc_seconds() == {}
    driver.refresh()
    assert set(driver.take_rpc_seconds()) == {"Read"}


def test_structs_match_what_the_sdk_serializes_for_plain_values() -> None:
    props = {"path": "a.png", "size": 3.0, "tags": ["x", "y"], "meta": {"ok": True},
             "none": None, PROVIDER_KEY: "ZGlsbA=="}
    loop = asyncio.new_event_loop()
    try:
        expected: struct_pb2.Struct = loop.run_until_complete(rpc.serialize_properties(props, {}))
    finally:
        loop.close()

    assert to_struct(props) == expected
    assert from_struct(expected) == {k: v for k, v in props.items() if k != "none"}
