"""A stand-in for the Pulumi engine, driving the real ``pulumi-resource-plivo`` over gRPC.

Like ``tests/support/engine.py`` for the dynamic provider, reduced to what matters here:

* :class:`EngineService` serves ``pulumirpc.Engine`` on loopback, as the engine does for its
  plugins, and records every ``Log`` call (severity, message, URN).
* :class:`PluginProcess` starts the installed ``pulumi-resource-plivo`` exactly as the
  engine starts a plugin (``--logtostderr -v=N --tracing ADDR <engine-address>``), reads the
  port from its first stdout line and calls ``ResourceProvider`` RPCs.
* :class:`PluginEngine` runs the engine's steps for ``plivo:index:MediaFile``: Check and
  Diff serially, one resource at a time (the step generator's loop), and Create, Update,
  Delete and refresh's Read on ``parallelism`` step workers. The plugin announces preview
  support, so a preview sends Create and Update with ``preview=true``. ``import_`` is
  ``pulumi import``: Read with only the id, then Check with Read's inputs.

Properties are built here, not with the plugin's own translation: Structs from plain values,
secrets wrapped with the protocol's signature (:func:`secret`), unknowns as the sentinel
string (:data:`UNKNOWN`), so a test holds the plugin to the protocol rather than to itself.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Mapping
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2

from tests.support.engine import Outcome, StateEntry
from tests.support.server_process import ServerProcess

TYPE_TOKEN = "plivo:index:MediaFile"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
PLUGIN = Path(sys.executable).parent / "pulumi-resource-plivo"
RPC_TIMEOUT = 120.0


def secret(value: Any) -> dict[str, Any]:
    """``value`` as the engine sends a secret to a plugin that accepts secrets."""
    return {SIG: SECRET_SIG, "value": value}


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update({key: value for key, value in props.items() if value is not None})
    return struct


def unwrap(value: Any) -> Any:
    """A value with secrets unwrapped (as the engine keeps them: marked, then shown)."""
    if isinstance(value, dict) and value.get(SIG) == SECRET_SIG:
        return unwrap(value["value"])
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    return value


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    """A Struct's values as sent: numbers are floats, secrets still wrapped."""
    values: dict[str, Any] = json_format.MessageToDict(struct)
    return values


def secret_keys(props: Mapping[str, Any]) -> set[str]:
    return {k for k, v in props.items() if isinstance(v, dict) and v.get(SIG) == SECRET_SIG}


@dataclass(frozen=True)
class LogRecord:
    """One ``Engine.Log`` call."""

    severity: int
    message: str
    urn: str


class EngineService(engine_pb2_grpc.EngineServicer):
    """``pulumirpc.Engine`` on a loopback port; ``logs`` holds every Log call."""

    def __init__(self) -> None:
        self.logs: list[LogRecord] = []
        self._lock = threading.Lock()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        engine_pb2_grpc.add_EngineServicer_to_server(self, self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        self.address = f"127.0.0.1:{self.port}"
        self._server.start()

    def Log(self, request: engine_pb2.LogRequest, context: Any) -> empty_pb2.Empty:
        with self._lock:
            self.logs.append(LogRecord(request.severity, request.message, request.urn))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn="")

    def SetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.SetRootResourceResponse()

    def warnings(self, urn: str | None = None) -> list[LogRecord]:
        with self._lock:
            return [r for r in self.logs
                    if r.severity == engine_pb2.WARNING and (urn is None or r.urn == urn)]

    def close(self) -> None:
        self._server.stop(0)


class PluginProcess(ServerProcess):
    """The installed ``pulumi-resource-plivo``, started as the engine starts plugins, and
    stopped as the engine stops them: SIGKILL."""

    def __init__(
        self,
        engine: EngineService,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        command: list[str] | None = None,
    ) -> None:
        """``command`` runs the plugin otherwise than by its console script."""
        # The arguments the engine passes: logging flags, a trace collector, then its address.
        argv = [*(command or [str(PLUGIN)]), "--logtostderr", "-v=9", "--tracing",
                "127.0.0.1:4317", engine.address]
        super().__init__(argv, what="the plugin", env=env, cwd=cwd, stop="kill")

    def __enter__(self) -> PluginProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def call(self, name: str, request: Any) -> Any:
        return getattr(self.stub, name)(request, timeout=RPC_TIMEOUT)

    # -- the provider's configuration --------------------------------------------------------

    def check_config(
        self, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        reply = self.call("CheckConfig", provider_pb2.CheckRequest(
            urn=provider_urn(), olds=to_struct(olds or {}), news=to_struct(news)))
        return from_struct(reply.inputs), [(f.property, f.reason) for f in reply.failures]

    def diff_config(
        self, olds: Mapping[str, Any], news: Mapping[str, Any]
    ) -> provider_pb2.DiffResponse:
        return self.call("DiffConfig", provider_pb2.DiffRequest(
            urn=provider_urn(), id="provider-id", olds=to_struct(olds), news=to_struct(news),
            old_inputs=to_struct(olds)))

    def configure(
        self, args: Mapping[str, Any], name: str = "default"
    ) -> provider_pb2.ConfigureResponse:
        """Configure as the engine does: ``args`` by their schema names (secrets wrapped),
        ``variables`` the same values as plain strings, and ``version`` added. ``name`` is
        the provider resource's: ``default`` for the default provider."""
        plain = {k: unwrap(v) for k, v in args.items()}
        variables = {f"plivo:config:{k}": str(v) for k, v in plain.items()}
        return self.call("Configure", provider_pb2.ConfigureRequest(
            args=to_struct({**args, "version": "0.1.0"}), variables=variables,
            acceptSecrets=True, acceptResources=True, urn=provider_urn(name), name=name,
            type="pulumi:providers:plivo"))


def provider_urn(name: str = "default") -> str:
    return f"urn:pulumi:dev::demo::pulumi:providers:plivo::{name}"


def error_text(err: grpc.RpcError) -> str:
    details = err.details() if hasattr(err, "details") else None
    return str(details or err)


@dataclass
class PluginOutcome(Outcome):
    """An :class:`Outcome`, with the outputs a preview's Creates and Updates answered."""

    planned: dict[str, dict[str, Any]] = field(default_factory=dict)


class PluginEngine:
    """Drives MediaFiles through a :class:`PluginProcess` as ``pulumi up`` would.

    Resources are given by their inputs as a program declares them (camelCase names).
    """

    def __init__(
        self, plugin: PluginProcess, *, parallelism: int = 8, project: str = "demo",
        stack: str = "dev",
    ) -> None:
        self.plugin = plugin
        self.parallelism = parallelism
        self.project = project
        self.stack = stack
        self.state: dict[str, StateEntry] = {}
        self._lock = threading.Lock()

    def urn(self, name: str) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::{TYPE_TOKEN}::{name}"

    def check(self, name: str, olds: Mapping[str, Any], news: Mapping[str, Any]
              ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        reply = self.plugin.call("Check", provider_pb2.CheckRequest(
            urn=self.urn(name), olds=to_struct(olds), news=to_struct(news)))
        return from_struct(reply.inputs), [(f.property, f.reason) for f in reply.failures]

    def up(self, resources: Mapping[str, Mapping[str, Any]], *, preview: bool = False
           ) -> PluginOutcome:
        """Converge state on ``resources``; with ``preview``, plan only."""
        outcome = PluginOutcome()
        with ThreadPoolExecutor(self.parallelism, thread_name_prefix="step") as pool:
            steps: dict[str, Future[None]] = {}
            for name, props in resources.items():
                try:
                    work = self._plan(name, props, outcome, preview)
                except grpc.RpcError as err:
                    outcome.errors[name] = error_text(err)
                    continue
                if work is not None:
                    steps[name] = pool.submit(work)
            for name, step in steps.items():
                try:
                    step.result()
                except grpc.RpcError as err:
                    outcome.errors[name] = error_text(err)
        if not outcome.ok:
            return outcome  # the engine stops a failed update before its deletes
        for name in [n for n in self.state if n not in resources]:
            entry = self.state[name]
            try:
                if not preview:
                    self.delete(entry)
                    del self.state[name]
                outcome.deleted.append(name)
            except grpc.RpcError as err:
                outcome.errors[name] = error_text(err)
        return outcome

    def preview(self, resources: Mapping[str, Mapping[str, Any]]) -> PluginOutcome:
        return self.up(resources, preview=True)

    def _plan(self, name: str, props: Mapping[str, Any], outcome: PluginOutcome,
              preview: bool) -> Callable[[], None] | None:
        """Check and Diff ``name`` (serially, here); the step to run on a worker, if any."""
        old = self.state.get(name)
        inputs, failures = self.check(name, old.inputs if old else {}, props)
        if failures:
            outcome.failures[name] = failures
            return None
        if old is None:
            outcome.created.append(name)
            return lambda: self._create(name, inputs, outcome, preview)
        diff = self.plugin.call("Diff", provider_pb2.DiffRequest(
            id=old.id, urn=old.urn, olds=to_struct(old.outputs), news=to_struct(inputs),
            old_inputs=to_struct(old.inputs)))
        if diff.changes != provider_pb2.DiffResponse.DIFF_SOME:
            outcome.same.append(name)
            if not preview:
                old.inputs = inputs
            return None
        if diff.replaces:
            outcome.replaces[name] = list(diff.replaces)
            outcome.replaced.append(name)

            def replace() -> None:
                self._create(name, inputs, outcome, preview)
                if not preview:
                    self.delete(old)
            return replace
        outcome.updated.append(name)
        return lambda: self._update(name, old, inputs, outcome, preview)

    def _create(self, name: str, inputs: dict[str, Any], outcome: PluginOutcome,
                preview: bool) -> None:
        reply = self.plugin.call("Create", provider_pb2.CreateRequest(
            urn=self.urn(name), properties=to_struct(inputs), preview=preview))
        outputs = from_struct(reply.properties)
        with self._lock:
            if preview:
                outcome.planned[name] = outputs
            else:
                self.state[name] = StateEntry(self.urn(name), reply.id, inputs, outputs)

    def _update(self, name: str, old: StateEntry, inputs: dict[str, Any],
                outcome: PluginOutcome, preview: bool) -> None:
        reply = self.plugin.call("Update", provider_pb2.UpdateRequest(
            id=old.id, urn=old.urn, olds=to_struct(old.outputs), news=to_struct(inputs),
            old_inputs=to_struct(old.inputs), preview=preview))
        outputs = from_struct(reply.properties)
        with self._lock:
            if preview:
                outcome.planned[name] = outputs
            else:
                self.state[name] = StateEntry(old.urn, old.id, inputs, outputs)

    def delete(self, entry: StateEntry) -> None:
        self.plugin.call("Delete", provider_pb2.DeleteRequest(
            id=entry.id, urn=entry.urn, properties=to_struct(entry.outputs),
            old_inputs=to_struct(entry.inputs)))

    def read(self, entry: StateEntry) -> provider_pb2.ReadResponse:
        return self.plugin.call("Read", provider_pb2.ReadRequest(
            id=entry.id, urn=entry.urn, properties=to_struct(entry.outputs),
            inputs=to_struct(entry.inputs)))

    def refresh(self) -> Outcome:
        """Read every resource on the workers; an answer without an id drops it."""
        outcome = Outcome()

        def step(name: str, entry: StateEntry) -> None:
            try:
                reply = self.read(entry)
            except grpc.RpcError as err:
                outcome.errors[name] = error_text(err)
                return
            if not reply.id:
                outcome.deleted.append(name)
                return
            outputs = from_struct(reply.properties)
            changed = {k: v for k, v in outputs.items() if entry.outputs.get(k) != v}
            entry.outputs = outputs
            if reply.HasField("inputs"):
                entry.inputs = from_struct(reply.inputs)
            (outcome.updated if changed else outcome.same).append(name)

        with ThreadPoolExecutor(self.parallelism, thread_name_prefix="step") as pool:
            for done in [pool.submit(step, n, e) for n, e in list(self.state.items())]:
                done.result()
        for name in outcome.deleted:
            del self.state[name]
        return outcome

    def import_(self, name: str, import_id: str) -> tuple[StateEntry, list[tuple[str, str]]]:
        """``pulumi import plivo:index:MediaFile NAME ID``: Read with only the id, then Check
        with Read's inputs as olds and news; the entry goes to state, and Check's failures
        (which the engine only warns about) are returned. RpcError if Read fails."""
        urn = self.urn(name)
        reply = self.plugin.call("Read", provider_pb2.ReadRequest(id=import_id, urn=urn))
        if not reply.id or not reply.HasField("properties"):
            raise LookupError(f"resource '{import_id}' does not exist")
        inputs = from_struct(reply.inputs)
        _, failures = self.check(name, inputs, inputs)
        entry = StateEntry(urn, reply.id, inputs, from_struct(reply.properties))
        self.state[name] = entry
        return entry, failures

    def cancel(self) -> None:
        self.plugin.call("Cancel", empty_pb2.Empty())
