"""Run a Pulumi program under the SDK's mock runtime, in a thread and event loop of its own.

:func:`run_mocked` is the one entry point. Each run gets a new thread, so the runtime's
context variables (root stack, config, settings) start empty and nothing leaks into or out
of the caller's thread; its event loop and every loop the mock monitor makes in its worker
threads are closed when the run ends.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings


@dataclass(frozen=True)
class Registration:
    """One resource the mock monitor registered: its URN, id and the state it answered."""

    urn: str
    id_: str
    state: dict[str, Any]

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    @property
    def type_(self) -> str:
        """The resource's own type token (the URN's qualified type without its parents)."""
        return self.urn.split("::")[2].rsplit("$", 1)[-1]


@dataclass
class MockedRun:
    """What a program exported and what it registered, in registration order."""

    exports: dict[str, Any] = field(default_factory=dict)
    registrations: list[Registration] = field(default_factory=list)


class _LoopClosingExecutor(ThreadPoolExecutor):
    """The run's default executor: closes the event loop a call created in its thread.

    The mock monitor makes an event loop in each worker thread and never closes it, which
    would leak a selector and two sockets per thread (ResourceWarnings later).
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        def call() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                try:
                    loop = asyncio.get_event_loop_policy().get_event_loop()
                except RuntimeError:
                    loop = None
                if loop is not None and not loop.is_running():
                    loop.close()
                    asyncio.set_event_loop(None)

        return super().submit(call)


def in_own_thread(body: Callable[[], Any]) -> Any:
    """Run ``body`` in a new thread with its own event loop; re-raise what it raised."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        executor = _LoopClosingExecutor(max_workers=4)
        loop.set_default_executor(executor)
        try:
            outcome["value"] = body()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            outcome["error"] = exc
        finally:
            executor.shutdown(wait=True)
            loop.close()
            asyncio.set_event_loop(None)

    thread = threading.Thread(target=target, name="pulumi-mocked-program")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def run_mocked(
    body: Callable[[], Any],
    mocks: pulumi.runtime.Mocks,
    *,
    project: str,
    stack: str,
    preview: bool,
    config: Mapping[str, str] | None = None,
) -> MockedRun:
    """Run ``body`` (the program) with ``mocks`` answering every registration.

    ``config`` is stack config keyed ``"namespace:key"`` (values as the CLI passes them:
    strings, objects as JSON text). An exception from ``body`` propagates unchanged.
    """
    run = MockedRun()

    def mocked() -> None:
        monitor = pulumi_mocks.MockMonitor(mocks)
        pulumi.runtime.set_mocks(
            mocks, project=project, stack=stack, preview=preview, monitor=monitor
        )
        pulumi.runtime.set_all_config(dict(config or {}))

        def program() -> pulumi.Output[Any]:
            body()
            root = pulumi_settings.get_root_resource()
            outputs = dict(getattr(root, "outputs", {}) or {})
            return pulumi.Output.from_input(outputs).apply(run.exports.update)

        try:
            # pulumi's test() waits for every registration and the returned Output.
            pulumi_mocks.test(program)()  # type: ignore[no-untyped-call]
            registered = monitor.get_registered_resources()
            run.registrations.extend(
                Registration(urn, str(entry.id or ""), dict(entry.state))
                for urn, entry in registered.items()
            )
        finally:
            pulumi_settings.reset_options()

    in_own_thread(mocked)
    return run
