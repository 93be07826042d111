"""The engine's side of a ``plivo`` plugin process, as the migration and install tests need it.

:class:`PluginHost` serves ``pulumirpc.Engine`` (recording every ``Log``), starts the plugin
with a command given by the test (``pulumi-resource-plivo``, or ``python DIR`` for a plugin
folder) and the engine's address as its last argument, reads the port from the first stdout
line, and calls ``ResourceProvider`` RPCs with properties as the engine sends them. Like the
engine, it stops the plugin with SIGKILL.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
from collections.abc import Mapping, Sequence
from concurrent import futures
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    plugin_pb2,
    provider_pb2,
    provider_pb2_grpc,
)

from tests.support.engine import from_struct, to_struct


class _RecordingEngine(engine_pb2_grpc.EngineServicer):
    def __init__(self) -> None:
        self.logs: list[engine_pb2.LogRequest] = []

    def Log(self, request: engine_pb2.LogRequest, context: Any) -> empty_pb2.Empty:
        self.logs.append(request)
        return empty_pb2.Empty()


class PluginHost:
    """One plugin process and the engine it reports to."""

    def __init__(
        self, command: Sequence[str], *, env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> None:
        self.engine = _RecordingEngine()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        engine_pb2_grpc.add_EngineServicer_to_server(self.engine, self._server)
        engine_port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [*command, f"127.0.0.1:{engine_port}"], stdout=subprocess.PIPE,
            stderr=self._stderr, env=dict(os.environ if env is None else env), cwd=cwd,
        )
        assert self.process.stdout is not None
        self.first_line = self.process.stdout.readline().decode().strip()
        if not self.first_line.isdigit():
            text = self.stderr_text()
            self.close()
            raise RuntimeError(f"the plugin printed {self.first_line!r}, not a port: {text}")
        self._drain = threading.Thread(target=self.process.stdout.read, daemon=True)
        self._drain.start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.first_line}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def close(self) -> None:
        if getattr(self, "channel", None) is not None:
            self.channel.close()
        self.process.kill()
        self.process.wait()
        if getattr(self, "_drain", None) is not None:
            self._drain.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()
        self._server.stop(grace=None)

    def __enter__(self) -> PluginHost:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def stderr_text(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    # -- RPCs, as the engine sends them -----------------------------------------------------

    def info(self) -> plugin_pb2.PluginInfo:
        return self.stub.GetPluginInfo(empty_pb2.Empty(), timeout=30)

    def schema(self) -> str:
        reply = self.stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=30)
        text: str = reply.schema
        return text

    def configure(self, args: Mapping[str, Any]) -> None:
        self.stub.Configure(provider_pb2.ConfigureRequest(
            args=to_struct(args), acceptSecrets=True, acceptResources=True), timeout=30)

    def diff_config(self, olds: Mapping[str, Any], news: Mapping[str, Any],
                    urn: str = "urn:pulumi:dev::demo::pulumi:providers:plivo::default"
                    ) -> provider_pb2.DiffResponse:
        return self.stub.DiffConfig(provider_pb2.DiffRequest(
            urn=urn, olds=to_struct(olds), old_inputs=to_struct(olds), news=to_struct(news)),
            timeout=30)

    def read_for_import(self, urn: str, import_id: str) -> tuple[str, dict[str, Any],
                                                                   dict[str, Any]]:
        """Read as ``pulumi import`` sends it: the id, no properties, no inputs."""
        reply = self.stub.Read(provider_pb2.ReadRequest(id=import_id, urn=urn), timeout=60)
        return reply.id, from_struct(reply.properties), from_struct(reply.inputs)

    def check(self, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any]
              ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        reply = self.stub.Check(provider_pb2.CheckRequest(
            urn=urn, olds=to_struct(olds), news=to_struct(news)), timeout=60)
        return from_struct(reply.inputs), [(f.property, f.reason) for f in reply.failures]

    def create(self, urn: str, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        reply = self.stub.Create(provider_pb2.CreateRequest(urn=urn, properties=to_struct(props)),
                                 timeout=120)
        return reply.id, from_struct(reply.properties)

    def diff(self, id_: str, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any],
             old_inputs: Mapping[str, Any]) -> provider_pb2.DiffResponse:
        return self.stub.Diff(provider_pb2.DiffRequest(
            id=id_, urn=urn, olds=to_struct(olds), news=to_struct(news),
            old_inputs=to_struct(old_inputs)), timeout=60)
