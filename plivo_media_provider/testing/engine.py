"""The test kit's stand-in for the engine: mocks whose MediaFiles run the real provider.

:class:`ProviderMocks` answers the mock monitor's registrations. A dynamic resource whose
``__provider`` unpickles to a :class:`MediaFileProvider` goes to :class:`KitEngine`, which
calls that provider as the engine would: check, then, when the previous state has the
resource, ``diff(id, old outputs, checked inputs)``; then, when it applies, ``create`` for a
new or replaced resource, ``update`` for an update, nothing for ``same`` (the engine keeps
the old outputs). Every other resource goes to the fallback mocks, or is answered with its
inputs.

Check goes through the provider's ``check_named`` rather than the SDK's ``check``: the
same translation of the same core, with the warnings handed back instead of logged, so the
kit keeps each one with its resource and names it as errors are named.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import dill
import pulumi
from pulumi.dynamic import Config, ConfigureRequest

from ..errors import KitRunError, PlivoMediaError
from ..provider import PROVIDER_KEY, MediaFileProvider
from .mock_runtime import run_mocked
from .state import KitState, KitWarning, Plan, StateEntry, Step


def _provider_blob(value: Any) -> str | None:
    """The base64 text of ``__provider``, unwrapped from the mocks' secret wrapper."""
    if isinstance(value, dict):
        value = value.get("value")
    return value if isinstance(value, str) else None


@dataclass
class _Recorded:
    id_: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    custom: bool = True


class KitEngine:
    """One kit run: the previous state, the steps taken, and what each resource answered."""

    def __init__(
        self, *, prior: KitState, provider_config: Mapping[str, str], project: str, apply: bool
    ) -> None:
        self.prior = prior
        self.apply = apply
        self.project = project
        self._provider_config = dict(provider_config)
        self._prior = prior.by_key()
        self._providers: dict[str, MediaFileProvider | None] = {}
        self._recorded: dict[tuple[str, str], _Recorded] = {}
        self._steps: list[Step] = []
        self._failures: list[str] = []
        self._warnings: list[KitWarning] = []
        self._lock = threading.Lock()
        self.created_ids: list[str] = []
        self.exports: dict[str, Any] = {}
        self._order: list[tuple[str, str, str]] = []

    def run(
        self, program: Callable[[], Any], mocks: ProviderMocks, *, stack: str,
        config: Mapping[str, str],
    ) -> None:
        """Run ``program`` under ``mocks``; keep its exports and its resources' URNs."""
        done = run_mocked(program, mocks, project=self.project, stack=stack,
                          preview=not self.apply, config=config)
        self.exports = done.exports
        self._order = [(r.urn, r.type_, r.name) for r in done.registrations]

    def provider(self, inputs: Mapping[str, Any]) -> MediaFileProvider | None:
        """The MediaFileProvider pickled in ``inputs``, unpickled and configured once per
        blob as the SDK's provider server does; None for any other dynamic provider."""
        blob = _provider_blob(inputs.get(PROVIDER_KEY))
        if blob is None:
            return None
        with self._lock:
            if blob not in self._providers:
                found = dill.loads(base64.b64decode(blob))
                provider = found if isinstance(found, MediaFileProvider) else None
                if provider is not None:
                    provider.configure(ConfigureRequest(Config(self._provider_config,
                                                               self.project)))
                self._providers[blob] = provider
            return self._providers[blob]

    def register(
        self, provider: MediaFileProvider, type_: str, name: str, raw: Mapping[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        """Check, diff and (when applying) create or update one MediaFile; return the id
        and outputs the program sees. A failure is recorded and answered with the inputs."""
        news = {k: v for k, v in raw.items() if v is not None}
        prior = self._prior.get((type_, name))
        try:
            checked, warnings = provider.check_named(news, name)
            with self._lock:
                self._warnings.extend(KitWarning(name, line) for line in warnings)
            if checked.failures:
                self._fail(name, "; ".join(f"{f.property}: {f.reason}" for f in checked.failures))
                return "", news
            inputs = dict(checked.inputs)
            step = self._step(provider, name, prior, inputs)
            id_, outputs = self._apply(provider, step, prior, inputs)
        except PlivoMediaError as err:
            self._fail(name, str(err))
            return "", news
        with self._lock:
            self._steps.append(step)
            self._recorded[(type_, name)] = _Recorded(id_, inputs, outputs)
        return id_, outputs

    def mocked(self, args: pulumi.runtime.MockResourceArgs, id_: str | None,
               outputs: Mapping[str, Any]) -> None:
        """Record a resource the fallback mocks answered."""
        recorded = _Recorded(id_ or "", dict(args.inputs), dict(outputs), bool(args.custom))
        with self._lock:
            self._recorded[(args.typ, args.name)] = recorded

    def _step(self, provider: MediaFileProvider, name: str, prior: StateEntry | None,
              inputs: dict[str, Any]) -> Step:
        if prior is None:
            return Step(name, "create")
        diff = provider.diff(prior.id_, dict(prior.outputs), inputs)
        if diff.replaces:
            return Step(name, "replace", tuple(diff.replaces))
        if diff.changes:
            changed = sorted(k for k in inputs if k != PROVIDER_KEY
                             and prior.inputs.get(k) != inputs.get(k))
            return Step(name, "update", tuple(changed))
        return Step(name, "same")

    def _apply(self, provider: MediaFileProvider, step: Step, prior: StateEntry | None,
               inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        old_id = prior.id_ if prior else ""
        old_outputs = dict(prior.outputs) if prior else {}
        if step.op == "same":
            return old_id, old_outputs
        if not self.apply:
            # A preview: the engine shows the checked inputs; live outputs stay unknown.
            return old_id, {**old_outputs, **inputs}
        provider_blob = {PROVIDER_KEY: inputs[PROVIDER_KEY]}
        if step.op == "update":
            updated = provider.update(old_id, old_outputs, inputs)
            return old_id, {**(updated.outs or {}), **provider_blob}
        created = provider.create(inputs)
        media_id = str(created.id)
        with self._lock:
            self.created_ids.append(media_id)
        return media_id, {**(created.outs or {}), **provider_blob}

    def _fail(self, name: str, reason: str) -> None:
        with self._lock:
            self._failures.append(f"MediaFile {name!r}: {reason}")

    def raise_failures(self) -> None:
        """Raise KitRunError naming every failure of the run, if there was one."""
        if self._failures:
            raise KitRunError(self._failures)

    def plan(self) -> Plan:
        """The steps by resource name (registrations complete in any order), then a
        ``delete`` for each MediaFile of the old state that this run did not declare."""
        declared = {(type_, name) for _, type_, name in self._order}
        gone = [
            Step(entry.name, "delete") for entry in self.prior.entries
            if (entry.type_, entry.name) not in declared and PROVIDER_KEY in entry.inputs
        ]
        steps = tuple(sorted(self._steps, key=lambda step: step.name)) + tuple(gone)
        return Plan(steps, tuple(sorted(self._warnings, key=lambda warning: warning.name)))

    def new_state(self, work_dir: str | None = None) -> KitState:
        """The state after an applied run: every resource it declared, with its URN, in URN
        order; ``work_dir`` is the folder its relative paths were resolved from."""
        entries = []
        for urn, type_, name in sorted(self._order):
            recorded = self._recorded.get((type_, name))
            if recorded is not None:
                entries.append(StateEntry(urn, type_, name, recorded.id_, recorded.inputs,
                                          recorded.outputs, recorded.custom))
        return KitState(self.prior.project, self.prior.stack, tuple(entries), work_dir)


class ProviderMocks(pulumi.runtime.Mocks):
    """Mocks that send each MediaFile to the kit's engine and everything else to
    ``fallback`` (any ``pulumi.runtime.Mocks``), or answer it with its inputs."""

    def __init__(self, engine: KitEngine, fallback: pulumi.runtime.Mocks | None = None) -> None:
        self.engine = engine
        self.fallback = fallback

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        if args.typ.startswith("pulumi-python:dynamic"):
            provider = self.engine.provider(inputs)
            if provider is not None:
                return self.engine.register(provider, args.typ, args.name, inputs)
        if self.fallback is not None:
            id_, outputs = self.fallback.new_resource(args)
        else:
            id_, outputs = (f"{args.name}-id" if args.custom else ""), inputs
        self.engine.mocked(args, id_, outputs)
        return id_, outputs

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        if self.fallback is not None:
            return self.fallback.call(args)
        return {}, None
