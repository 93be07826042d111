"""A small stand-in for the Pulumi engine, driving the SDK's real dynamic-provider server.

It starts ``python -u -m pulumi.dynamic`` exactly as the engine does, reads the gRPC port
from its first stdout line, and calls ``ResourceProvider`` RPCs with properties serialized
by ``pulumi.runtime.rpc``. ``__provider`` is made by ``serialize_provider``, the function
``MediaFile`` itself uses. The engine's step logic is reduced to what matters here:

* up: Check every resource; Create the new ones; Diff the known ones against their old
  outputs and Update or replace them (create before delete); Delete the undeclared ones.
* preview: Check and Diff only.
* refresh: Read every resource; an empty id drops it from state.

Secrets are sent as plain values, because the dynamic provider answers
``acceptSecrets=False`` and the engine then strips them.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import struct_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2

from plivo_media_provider.provider import MediaFileProvider
from tests.support.server_process import ServerProcess

TYPE_TOKEN = "pulumi-python:dynamic/plivo:MediaFile"
PROVIDER_KEY = "__provider"


def serialized_provider() -> str:
    """The ``__provider`` value a ``MediaFile`` puts into its inputs."""
    return serialize_provider(MediaFileProvider())


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(dict(props), {}))
    finally:
        loop.close()


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return rpc.deserialize_properties(struct, keep_unknowns=True)


class ProviderProcess(ServerProcess):
    """The SDK's dynamic-provider server in a subprocess, with a gRPC stub to it.

    ``module`` is what ``python -u -m`` runs: the SDK's server, or a test wrapper of it
    (``tests.support.clocked_provider``).
    """

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        module: str = "pulumi.dynamic",
    ) -> None:
        super().__init__([sys.executable, "-u", "-m", module], what="provider server",
                         env=env, cwd=cwd)

    def __enter__(self) -> ProviderProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- RPCs, as the engine sends them --------------------------------------------------

    def configure(self, config: Mapping[str, str]) -> None:
        self.stub.Configure(
            provider_pb2.ConfigureRequest(
                variables=dict(config), args=to_struct(config), acceptSecrets=True
            )
        )

    def check(
        self, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any]
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        reply = self.stub.Check(
            provider_pb2.CheckRequest(urn=urn, olds=to_struct(olds), news=to_struct(news))
        )
        failures = [(f.property, f.reason) for f in reply.failures]
        return from_struct(reply.inputs), failures

    def diff(
        self,
        id_: str,
        urn: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        old_inputs: Mapping[str, Any],
    ) -> provider_pb2.DiffResponse:
        return self.stub.Diff(
            provider_pb2.DiffRequest(
                id=id_,
                urn=urn,
                olds=to_struct(olds),
                news=to_struct(news),
                old_inputs=to_struct(old_inputs),
            )
        )

    def create(self, urn: str, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        reply = self.stub.Create(provider_pb2.CreateRequest(urn=urn, properties=to_struct(props)))
        return reply.id, from_struct(reply.properties)

    def read(
        self, id_: str, urn: str, props: Mapping[str, Any], inputs: Mapping[str, Any]
    ) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
        reply = self.stub.Read(
            provider_pb2.ReadRequest(
                id=id_, urn=urn, properties=to_struct(props), inputs=to_struct(inputs)
            )
        )
        new_inputs = from_struct(reply.inputs) if reply.HasField("inputs") else None
        return reply.id, from_struct(reply.properties), new_inputs

    def update(
        self, id_: str, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any]
    ) -> dict[str, Any]:
        reply = self.stub.Update(
            provider_pb2.UpdateRequest(id=id_, urn=urn, olds=to_struct(olds), news=to_struct(news))
        )
        return from_struct(reply.properties)

    def delete(self, id_: str, urn: str, props: Mapping[str, Any]) -> None:
        self.stub.Delete(provider_pb2.DeleteRequest(id=id_, urn=urn, properties=to_struct(props)))


@dataclass
class StateEntry:
    """One resource as the engine records it: id, inputs and outputs."""

    urn: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]


@dataclass
class Outcome:
    """What one engine operation did, by resource name."""

    created: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    same: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failures: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    replaces: dict[str, list[str]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.replaced or self.updated or self.deleted)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors


def _error_text(err: grpc.RpcError) -> str:
    details = err.details() if hasattr(err, "details") else None
    return str(details or err)


class Engine:
    """Drives ``MediaFile`` resources through a ProviderProcess like ``pulumi up`` would."""

    def __init__(
        self,
        provider: ProviderProcess,
        *,
        parallelism: int = 4,
        project: str = "demo",
        stack: str = "dev",
    ) -> None:
        self.provider = provider
        self.parallelism = parallelism
        self.project = project
        self.stack = stack
        self.state: dict[str, StateEntry] = {}
        self.provider_blob = serialized_provider()

    def urn(self, name: str) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::{TYPE_TOKEN}::{name}"

    def _run(self, jobs: dict[str, Any]) -> None:
        with ThreadPoolExecutor(self.parallelism) as pool:
            futures = {name: pool.submit(job) for name, job in jobs.items()}
            for future in futures.values():
                future.result()

    def _checked(
        self, name: str, props: Mapping[str, Any], outcome: Outcome
    ) -> dict[str, Any] | None:
        news = {**props, PROVIDER_KEY: self.provider_blob}
        old = self.state.get(name)
        try:
            inputs, failures = self.provider.check(
                self.urn(name), old.inputs if old else {}, news
            )
        except grpc.RpcError as err:
            outcome.errors[name] = _error_text(err)
            return None
        if failures:
            outcome.failures[name] = failures
            return None
        return inputs

    def up(self, resources: Mapping[str, Mapping[str, Any]], *, preview: bool = False) -> Outcome:
        """Converge state on ``resources`` (name to user inputs); with preview, plan only."""
        outcome = Outcome()

        def step(name: str, props: Mapping[str, Any]) -> None:
            inputs = self._checked(name, props, outcome)
            if inputs is None:
                return
            old = self.state.get(name)
            try:
                if old is None:
                    if not preview:
                        self._create(name, inputs)
                    outcome.created.append(name)
                    return
                diff = self.provider.diff(old.id, old.urn, old.outputs, inputs, old.inputs)
                if diff.changes != provider_pb2.DiffResponse.DIFF_SOME:
                    if not preview:
                        old.inputs = inputs
                    outcome.same.append(name)
                elif diff.replaces:
                    outcome.replaces[name] = list(diff.replaces)
                    if not preview:
                        self._create(name, inputs)
                        self.provider.delete(old.id, old.urn, old.outputs)
                    outcome.replaced.append(name)
                else:
                    if not preview:
                        outs = self.provider.update(old.id, old.urn, old.outputs, inputs)
                        self.state[name] = StateEntry(old.urn, old.id, inputs, outs)
                    outcome.updated.append(name)
            except grpc.RpcError as err:
                outcome.errors[name] = _error_text(err)

        self._run({name: (lambda n=name, p=p: step(n, p)) for name, p in resources.items()})
        if not outcome.ok:
            # The engine stops a failed update before its deletes.
            return outcome
        for name in [n for n in self.state if n not in resources]:
            entry = self.state[name]
            try:
                if not preview:
                    self.provider.delete(entry.id, entry.urn, entry.outputs)
                    del self.state[name]
                outcome.deleted.append(name)
            except grpc.RpcError as err:
                outcome.errors[name] = _error_text(err)
        return outcome

    def preview(self, resources: Mapping[str, Mapping[str, Any]]) -> Outcome:
        return self.up(resources, preview=True)

    def _create(self, name: str, inputs: dict[str, Any]) -> None:
        id_, outs = self.provider.create(self.urn(name), inputs)
        self.state[name] = StateEntry(self.urn(name), id_, inputs, outs)

    def refresh(self) -> Outcome:
        """Read every resource; drop those the provider reports gone (empty id)."""
        outcome = Outcome()

        def step(name: str, entry: StateEntry) -> None:
            try:
                id_, outs, inputs = self.provider.read(
                    entry.id, entry.urn, entry.outputs, entry.inputs
                )
            except grpc.RpcError as err:
                outcome.errors[name] = _error_text(err)
                return
            if not id_:
                outcome.deleted.append(name)
                return
            changed = {k: v for k, v in outs.items() if entry.outputs.get(k) != v}
            entry.outputs = outs
            if inputs is not None:
                entry.inputs = inputs
            (outcome.updated if changed else outcome.same).append(name)

        self._run({n: (lambda n=n, e=e: step(n, e)) for n, e in list(self.state.items())})
        for name in outcome.deleted:
            del self.state[name]
        return outcome

    def export(self) -> dict[str, Any]:
        """The state as ``pulumi stack export`` writes it (deployment version 3)."""
        return export_state(self.state.values(), self.project, self.stack)


def export_state(
    entries: Iterable[StateEntry], project: str = "demo", stack: str = "dev"
) -> dict[str, Any]:
    """``entries`` as ``pulumi stack export`` writes them (deployment version 3)."""
    secret_sig = "1b47061264138c4ac30d75fd1eb44270"
    secret = {"4dabf18193072939515e22adb298388d": secret_sig, "ciphertext": "v1:AAAA"}
    resources = [
        {
            "urn": entry.urn,
            "custom": True,
            "id": entry.id,
            "type": TYPE_TOKEN,
            "inputs": {
                **{k: v for k, v in entry.inputs.items() if k != PROVIDER_KEY},
                PROVIDER_KEY: secret,
            },
            "outputs": {
                **{k: v for k, v in entry.outputs.items() if k != PROVIDER_KEY},
                PROVIDER_KEY: secret,
            },
            "parent": f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}",
        }
        for entry in entries
    ]
    return {"version": 3, "deployment": {"manifest": {}, "resources": resources}}
