"""Messages to the user, through the engine: ``pulumirpc.Engine.Log`` with the resource's URN.

A plugin's stdout and stderr are not shown to users (the engine keeps them for its debug
log), so a warning written there is lost. :class:`EngineLog` sends each line to the engine
at the address the plugin was started with, attached to the resource it is about, so
``pulumi up`` shows it beside that resource. If the engine cannot be reached (no address,
or it has gone), the line goes to stderr instead, which is all that is left.

Messages come from the core and the client, whose messages never hold the auth token.
"""

from __future__ import annotations

import sys

import grpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

INFO = engine_pb2.INFO
WARNING = engine_pb2.WARNING

LOG_TIMEOUT = 10.0
"""Seconds one line may take to reach the engine; a stuck engine cannot hold a call."""


class EngineLog:
    """The engine's log, reached over gRPC at ``address`` (``host:port``), or stderr.

    Make it on the event loop that calls :meth:`log`: its channel belongs to that loop.
    """

    def __init__(self, address: str | None) -> None:
        self.address = address
        self._channel = grpc.aio.insecure_channel(address) if address else None
        self._stub = engine_pb2_grpc.EngineStub(self._channel) if self._channel else None

    async def log(
        self, severity: engine_pb2.LogSeverity.ValueType, message: str, urn: str = ""
    ) -> None:
        """Show ``message`` to the user, attached to ``urn`` (the resource) when given."""
        if self._stub is not None:
            try:
                await self._stub.Log(
                    engine_pb2.LogRequest(severity=severity, message=message, urn=urn),
                    timeout=LOG_TIMEOUT,
                )
                return
            except grpc.RpcError:
                pass  # the engine has gone: stderr is all that is left
        name = engine_pb2.LogSeverity.Name(severity).lower()
        print(f"{name}: {message}", file=sys.stderr, flush=True)

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
