"""The ``pulumi-resource-plivo`` executable: serve the plugin as the engine starts it.

The engine runs ``pulumi-resource-plivo [--logtostderr] [-v=N] [--tracing ADDR]
<engine-address>`` (``buildPluginArguments`` in pulumi/pulumi), reads the gRPC port from the
first line of stdout, and stops the plugin with SIGKILL. ``--logtostderr`` and ``-v`` ask
for Go-style logging the plugin does not do; ``--tracing`` names a trace collector the
plugin does not report to; flags it does not know are ignored likewise, so a newer engine's
flag never makes it mistake a flag's value for the engine's address.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import grpc
from pulumi.runtime.proto import provider_pb2_grpc

from .engine_log import EngineLog
from .server import MediaFileServicer

POOL_SIZE = max(64, 4 * (os.cpu_count() or 1) + 16)
"""Threads for blocking work: the engine's default ``--parallel`` (4 x GOMAXPROCS) with room
for the serial Check and Diff, on any machine up to 12 cores, and never fewer than 64. A
larger ``--parallel`` queues in the pool: no call fails for want of a thread."""

MAX_MESSAGE_BYTES = 400 * 1024 * 1024
"""The largest gRPC message taken, as the engine's own limit."""

_VALUED_FLAGS = ("--tracing", "-v", "--v")
"""Flags whose value may follow as the next argument (``--tracing ADDR``)."""


def engine_address(argv: Sequence[str]) -> str | None:
    """The engine's address among the plugin's arguments: the first one that is neither a
    flag nor a flag's value; None when there is none."""
    rest = iter(argv)
    for arg in rest:
        if arg in _VALUED_FLAGS:
            next(rest, None)
        elif not arg.startswith("-"):
            return arg
    return None


async def serve(address: str | None) -> None:
    """Serve until the process is stopped; print the port first, flushed."""
    pool = ThreadPoolExecutor(POOL_SIZE, thread_name_prefix="plivo-plugin")
    log = EngineLog(address)
    server = grpc.aio.server(options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                                      ("grpc.max_send_message_length", MAX_MESSAGE_BYTES)])
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(MediaFileServicer(log, pool), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    try:
        await server.wait_for_termination()
    finally:
        await log.close()
        pool.shutdown(wait=False, cancel_futures=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the plugin with ``argv`` (default: the process's arguments); 0 when stopped."""
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C when run by hand
        asyncio.run(serve(engine_address(sys.argv[1:] if argv is None else argv)))
    return 0
