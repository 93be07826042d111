"""The test stand-in for the engine reads the provider server's stdout, as the engine does."""

from __future__ import annotations

import os
from pathlib import Path

from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2

from tests.benchmarks.driver import to_struct
from tests.support.chatty import ChattyProvider
from tests.support.engine import PROVIDER_KEY, ProviderProcess

ROOT = Path(__file__).resolve().parents[1]


def test_a_provider_that_prints_a_lot_does_not_block_the_server() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    props = {"path": "a.png", PROVIDER_KEY: serialize_provider(ChattyProvider())}
    with ProviderProcess(env) as server:
        # Without a reader on stdout the server blocks in print() and this call times out.
        reply = server.stub.Create(
            provider_pb2.CreateRequest(urn="urn:chatty", properties=to_struct(props)),
            timeout=60,
        )

    assert reply.id == "chatty-1"
