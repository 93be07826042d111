"""An engine-shaped driver: the RPCs ``pulumi up``, ``preview`` and ``refresh`` send, in the
engine's order and concurrency, to the SDK's real dynamic-provider server.

What it copies from the engine (pulumi/pulumi ``pkg/resource/deploy``):

* Check, and Diff for a resource with old state, run serially, one resource at a time, from
  the step generator's single loop; the loop does not wait for the Creates it starts.
* Create and refresh's Read run on ``workers`` concurrent step workers: ``--parallel``,
  whose default is 4 x GOMAXPROCS, 8 on this 2-core machine.
* During preview no Create is sent to a dynamic provider: the engine answers it itself,
  because a dynamic provider never announces preview support. The native plugin announces
  it, so it gets Create with ``preview=true`` (``supports_preview``).

A dynamic provider's resources carry ``__provider`` in their inputs; the plugin's do not
(``provider=None``), and their type token is ``plivo:index:MediaFile``.

Properties are built as ``google.protobuf.struct_pb2.Struct`` directly, without an event
loop (``pulumi.runtime.rpc.serialize_properties`` is a coroutine, and a loop per Struct
would be CPU the Go engine never spends). That is enough for plain values and the
``__provider`` string, which is all the benchmark sends. Numbers travel as doubles.

The benchmark never changes a file, so a Diff that reports a change is recorded in the
outcome and not acted on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import grpc
from google.protobuf import json_format, struct_pb2
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2

from tests.support.engine import PROVIDER_KEY, TYPE_TOKEN, Outcome, StateEntry

PLUGIN_TYPE_TOKEN = "plivo:index:MediaFile"

ENGINE_WORKERS = 8
"""The engine's default ``--parallel``, 4 x GOMAXPROCS, on this 2-core machine."""


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    """Plain JSON-like ``props`` as a Struct, with no event loop.

    None values are left out, as ``serialize_properties`` leaves them out.
    """
    struct = struct_pb2.Struct()
    struct.update({key: value for key, value in props.items() if value is not None})
    return struct


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    """A Struct's plain values; numbers come back as floats."""
    values: dict[str, Any] = json_format.MessageToDict(struct)
    return values


def _error_text(err: grpc.RpcError) -> str:
    details = err.details() if hasattr(err, "details") else None
    return str(details or err)


class Driver:
    """Drives one provider's resources through a provider server's gRPC ``stub``.

    ``provider`` is the dynamic provider to pickle into ``__provider``, or None for the
    native plugin. ``state`` is what the engine would record, by resource name.
    """

    def __init__(
        self,
        stub: Any,
        provider: ResourceProvider | None,
        *,
        workers: int = ENGINE_WORKERS,
        project: str = "bench",
        stack: str = "dev",
        supports_preview: bool = False,
    ) -> None:
        self.stub = stub
        self.workers = workers
        self.project = project
        self.stack = stack
        self.provider_blob = None if provider is None else serialize_provider(provider)
        self.type_token = TYPE_TOKEN if provider is not None else PLUGIN_TYPE_TOKEN
        self.supports_preview = supports_preview
        self.state: dict[str, StateEntry] = {}
        self.rpc_seconds: dict[str, float] = {}
        """Wall seconds spent in each RPC, summed over calls (concurrent ones overlap);
        :meth:`take_rpc_seconds` hands them over and starts again."""
        self._rpc_lock = threading.Lock()

    def _call(self, name: str, request: Any) -> Any:
        started = time.perf_counter()
        try:
            return getattr(self.stub, name)(request)
        finally:
            elapsed = time.perf_counter() - started
            with self._rpc_lock:
                self.rpc_seconds[name] = self.rpc_seconds.get(name, 0.0) + elapsed

    def take_rpc_seconds(self) -> dict[str, float]:
        """The RPC seconds summed since the last call, by RPC name."""
        with self._rpc_lock:
            taken, self.rpc_seconds = self.rpc_seconds, {}
        return taken

    def urn(self, name: str) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::{self.type_token}::{name}"

    def up(self, resources: Mapping[str, Mapping[str, Any]], *, preview: bool = False) -> Outcome:
        """Check (and Diff) each resource in turn; Create the new ones on the workers."""
        outcome = Outcome()
        with ThreadPoolExecutor(self.workers, thread_name_prefix="step") as pool:
            creates: dict[str, Future[None]] = {}
            for name, props in resources.items():
                try:
                    self._step(name, props, outcome, pool, creates, preview)
                except grpc.RpcError as err:
                    outcome.errors[name] = _error_text(err)
            for name, future in creates.items():
                try:
                    future.result()
                except grpc.RpcError as err:
                    outcome.errors[name] = _error_text(err)
        return outcome

    def preview(self, resources: Mapping[str, Mapping[str, Any]]) -> Outcome:
        return self.up(resources, preview=True)

    def _step(
        self,
        name: str,
        props: Mapping[str, Any],
        outcome: Outcome,
        pool: ThreadPoolExecutor,
        creates: dict[str, Future[None]],
        preview: bool,
    ) -> None:
        urn = self.urn(name)
        old = self.state.get(name)
        reply = self._call("Check", provider_pb2.CheckRequest(
            urn=urn, olds=to_struct(old.inputs if old else {}),
            news=to_struct({**props, PROVIDER_KEY: self.provider_blob}),  # None: left out
        ))
        if reply.failures:
            outcome.failures[name] = [(f.property, f.reason) for f in reply.failures]
            return
        inputs = from_struct(reply.inputs)
        if old is None:
            outcome.created.append(name)
            if not preview or self.supports_preview:
                creates[name] = pool.submit(self._create, name, inputs, preview)
            return
        diff = self._call("Diff", provider_pb2.DiffRequest(
            id=old.id, urn=urn, olds=to_struct(old.outputs), news=to_struct(inputs),
            old_inputs=to_struct(old.inputs),
        ))
        if diff.changes == provider_pb2.DiffResponse.DIFF_SOME:
            outcome.updated.append(name)
            return
        outcome.same.append(name)
        if not preview:
            old.inputs = inputs

    def _create(self, name: str, inputs: dict[str, Any], preview: bool = False) -> None:
        reply = self._call("Create", provider_pb2.CreateRequest(
            urn=self.urn(name), properties=to_struct(inputs), preview=preview))
        if preview:
            return
        self.state[name] = StateEntry(self.urn(name), reply.id, inputs,
                                      from_struct(reply.properties))

    def refresh(self) -> Outcome:
        """Read every resource on the workers; drop those the provider reports gone."""
        outcome = Outcome()

        def read(name: str, entry: StateEntry) -> None:
            reply = self._call("Read", provider_pb2.ReadRequest(
                id=entry.id, urn=entry.urn, properties=to_struct(entry.outputs),
                inputs=to_struct(entry.inputs),
            ))
            if not reply.id:
                outcome.deleted.append(name)
                return
            outs = from_struct(reply.properties)
            changed = any(entry.outputs.get(k) != v for k, v in outs.items())
            entry.outputs = outs
            if reply.HasField("inputs"):
                entry.inputs = from_struct(reply.inputs)
            (outcome.updated if changed else outcome.same).append(name)

        with ThreadPoolExecutor(self.workers, thread_name_prefix="step") as pool:
            futures = {n: pool.submit(read, n, e) for n, e in list(self.state.items())}
            for name, future in futures.items():
                try:
                    future.result()
                except grpc.RpcError as err:
                    outcome.errors[name] = _error_text(err)
        for name in outcome.deleted:
            del self.state[name]
        return outcome
