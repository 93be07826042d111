"""Measure the provider beside the protocol's floor and a naive peer, on loopback and a WAN.

Every phase runs through the SDK's real dynamic-provider server (``python -u -m
pulumi.dynamic``), driven the way the engine drives it (``tests.benchmarks.driver``: Check
and Diff serially, Create and Read on 8 step workers, no Create during preview). Three
providers run side by side, each in its own server process so that its memory and
connections are its own, against one emulator per profile:

* ``provider``: ``MediaFileProvider``, this package;
* ``plugin``: ``pulumi-resource-plivo``, the native plugin over the same core, started as the
  engine starts it (with a fake engine for its log) and driven by the same driver, without
  ``__provider`` and with Create during preview, as the engine drives a plugin that
  announces preview support;
* ``noop``: a provider that does nothing (``tests.benchmarks.noop``): the protocol's cost;
* ``peer``: the 30-line provider a user would write with Plivo's SDK (``tests.benchmarks.peer``).

``raw`` is the work no provider can avoid, done plainly (``tests.benchmarks.floors``): up,
multipart uploads on kept-alive sessions, 8 threads (the driver's workers); preview, sha256
of every file, serially (Checks are serial); refresh, one GET per media, 8 threads. A
phase's **floor** is ``noop + raw``. Each run does, for each kind in a rotating order:
reset the emulator, up, preview, refresh. Figures are medians over ``--runs``. A preview
takes about 1.5 ms per resource and varies most from one try to the next, so each run's
preview figure is itself the median of ``PREVIEW_TRIES`` back-to-back previews.

Drift: ``plivo-media drift`` over ``--drift-media`` media that ``MediaFileProvider``
uploaded, against one GET per media at drift's parallelism (8).

Profiles: ``loopback`` (no added latency) and ``wan`` (the emulator holds every answer back
by ``--rtt``, 60 ms by default, about a CI runner's round trip to Plivo).

Usage, from the repo root: ``python -m tests.benchmarks [--runs N] [--rtt 60ms] [--json]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pulumi.dynamic import ResourceProvider

from plivo_media_provider import cli
from plivo_media_provider.drift.report import DEFAULT_PARALLEL as DRIFT_PARALLEL
from plivo_media_provider.emulator.latency import parse_latency
from plivo_media_provider.provider import MediaFileProvider
from plivo_media_provider.uploads.journal import JOURNAL_DIR_ENV
from tests.benchmarks import floors
from tests.benchmarks.driver import ENGINE_WORKERS, Driver
from tests.benchmarks.harness import EMULATOR_MODES, BenchEmulator, cpu_seconds, memory_kib
from tests.benchmarks.noop import NoopProvider
from tests.benchmarks.peer import NaivePlivoProvider
from tests.benchmarks.report import (
    DRIFT,
    ENGINE_PHASES,
    GETS,
    KINDS,
    NOOP,
    PEER,
    PHASES,
    PLUGIN,
    PROFILES,
    PROVIDER,
    RAW,
    RSS_GROWTH_LIMIT_MIB,
    SERVER_WORKERS,
    render,
    summarize,
)
from tests.benchmarks.workload import LARGE_BYTES, SMALL_BYTES, Asset, generate, split
from tests.support import files as media_files
from tests.support.control import Control
from tests.support.engine import ProviderProcess, export_state
from tests.support.plugin_engine import EngineService, PluginProcess

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = "plivo-media-benchmark/2"
SERVED: dict[str, Callable[[], ResourceProvider]] = {
    NOOP: NoopProvider, PEER: NaivePlivoProvider, PROVIDER: MediaFileProvider,
}
"""The dynamic providers, each served by ``python -m pulumi.dynamic``; the plugin beside them."""
SERVERS = (*SERVED, PLUGIN)
DEFAULT_RTT = "60ms"
DRIFT_MEDIA = 1000
DRIFT_BYTES = 10_000
PREVIEW_TRIES = 3

@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _check(ok: bool, what: str, detail: object) -> None:
    if not ok:
        raise RuntimeError(f"benchmark {what} did not do what it should: {detail}")


def _timed(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def _median_rpc(runs: Sequence[dict[str, float]]) -> dict[str, float]:
    """Per RPC name, the median over runs of its summed seconds."""
    names = sorted({name for run in runs for name in run})
    return {name: round(statistics.median(run.get(name, 0.0) for run in runs), 6)
            for name in names}


def _rotated(kinds: Sequence[str], shift: int) -> list[str]:
    shift %= len(kinds)
    return [*kinds[shift:], *kinds[:shift]]


class ProfileRun:
    """One profile: an emulator at ``latency``, a server per provider, and their figures."""

    def __init__(
        self,
        latency: float,
        assets: Sequence[Asset],
        drift_assets: Sequence[Asset],
        runs: int,
        workdir: Path,
        emulator_mode: str,
        log: Callable[[str], None],
    ) -> None:
        self.latency = latency
        self.assets = list(assets)
        self.drift_assets = list(drift_assets)
        self.runs = runs
        self.workdir = workdir
        self.emulator_mode = emulator_mode
        self.log = log
        self.resources = {a.name: {"path": a.path} for a in self.assets}
        self.times: dict[str, dict[str, list[float]]] = {p: {} for p in PHASES}
        self.connections = dict.fromkeys(KINDS, 0)
        self.requests: dict[str, dict[str, list[int]]] = {p: {} for p in PHASES}
        self.rpc: dict[str, dict[str, list[dict[str, float]]]] = {p: {} for p in ENGINE_PHASES}
        self.server_cpu: dict[str, dict[str, list[float]]] = {p: {} for p in ENGINE_PHASES}
        self.control_calls = 0
        """Control API calls made by ``_measured``: each opens a connection of its own."""

    def run(self) -> dict[str, Any]:
        with BenchEmulator(self.emulator_mode, self.latency) as emulator, \
                contextlib.ExitStack() as stack:
            self.emulator = emulator
            self.control = Control(emulator.url)
            auth_id, auth_token = emulator.auth
            self.plivo_env = {"PLIVO_AUTH_ID": auth_id, "PLIVO_AUTH_TOKEN": auth_token,
                              "PLIVO_API_URL": emulator.url}
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("PLIVO_", "PULUMI_"))}
            # The upload journal of the benchmark's own: the user's is never read or written.
            env.update(self.plivo_env, PYTHONPATH=str(ROOT),
                       **{JOURNAL_DIR_ENV: str(self.workdir / f"journal-{self.latency:g}")})
            self.servers: dict[str, ProviderProcess | PluginProcess] = {
                kind: stack.enter_context(ProviderProcess(env)) for kind in SERVED}
            engine = EngineService()
            stack.callback(engine.close)
            plugin = stack.enter_context(PluginProcess(engine, env))
            # As for the default provider: the stack's plivo:* config, as Configure args.
            plugin.configure({"authId": auth_id, "authToken": auth_token,
                              "apiUrl": emulator.url})
            self.servers[PLUGIN] = plugin
            before = {kind: self._warm_up(kind) for kind in SERVERS}
            for run in range(self.runs):
                self.log(f"  run {run + 1} of {self.runs}")
                for kind in _rotated(KINDS, run):
                    if kind == RAW:
                        self._raw()
                    else:
                        self._served(kind)
            memory = {kind: self._memory(kind, before[kind]) for kind in SERVERS}
            self.log(f"  drift over {len(self.drift_assets)} media")
            self._drift()
        return {
            "rtt_ms": round(self.latency * 1000, 3),
            "runs_s": {phase: {kind: [round(t, 6) for t in runs] for kind, runs in by.items()}
                       for phase, by in self.times.items()},
            "connections": {
                **self.connections, "limit": SERVER_WORKERS,
                "met": self.connections[PROVIDER] <= SERVER_WORKERS,
            },
            "rpc_s": {phase: {kind: _median_rpc(runs) for kind, runs in by.items()}
                      for phase, by in self.rpc.items()},
            "server_cpu_s": {phase: {kind: round(statistics.median(cpu), 3)
                                     for kind, cpu in by.items()}
                             for phase, by in self.server_cpu.items()},
            "requests": {phase: {kind: int(statistics.median(counts))
                                 for kind, counts in by.items()}
                         for phase, by in self.requests.items()},
            "rss_mib": {**memory, "limit_mib": RSS_GROWTH_LIMIT_MIB,
                        "met": memory[PROVIDER]["peak_growth"] < RSS_GROWTH_LIMIT_MIB},
        }

    def _record(self, phase: str, kind: str, seconds: float, requests: int) -> None:
        """``kind``'s time for ``phase`` and the Plivo API requests it sent."""
        self.times[phase].setdefault(kind, []).append(seconds)
        self.requests[phase].setdefault(kind, []).append(requests)

    def _profiled(
        self, phase: str, kind: str, driver: Driver, run: Callable[[], Any]
    ) -> tuple[float, int, Any]:
        """:meth:`_measured` for a served phase, also keeping ``kind``'s server CPU seconds
        and the driver's RPC seconds: where the phase's time went."""
        pid = self.servers[kind].process.pid
        cpu = cpu_seconds(pid)
        driver.take_rpc_seconds()
        measured = self._measured(run)
        self.server_cpu[phase].setdefault(kind, []).append(cpu_seconds(pid) - cpu)
        self.rpc[phase].setdefault(kind, []).append(driver.take_rpc_seconds())
        return measured

    def _measured(self, run: Callable[[], Any]) -> tuple[float, int, Any]:
        """Seconds, Plivo API requests sent (the emulator's count) and result of ``run``."""
        before = self.control.stats()["requests"]
        seconds, result = _timed(run)
        sent = self.control.stats()["requests"] - before
        self.control_calls += 2
        return seconds, sent, result

    def _connections_since(self, before: tuple[int, int]) -> int:
        """TCP connections the measured code opened since ``before`` (connections, control
        calls), less those of the control calls, this one included."""
        opened = self.control.stats()["connections"] - before[0]
        return opened - (self.control_calls - before[1]) - 1

    def _connections_now(self) -> tuple[int, int]:
        return self.control.stats()["connections"], self.control_calls

    def _driver(self, kind: str) -> Driver:
        """The engine-shaped driver for ``kind``'s server."""
        if kind == PLUGIN:
            return Driver(self.servers[kind].stub, None, supports_preview=True)
        return Driver(self.servers[kind].stub, SERVED[kind]())

    def _warm_up(self, kind: str) -> int:
        """Preview one tiny file so the server loads the provider; its VmRSS then, in KiB."""
        tiny = media_files.random_png(self.workdir / "warm-up.png", 64, seed=0)
        server = self.servers[kind]
        outcome = self._driver(kind).preview({"warm-up": {"path": str(tiny)}})
        _check(outcome.ok, f"{kind} warm-up", outcome)
        return memory_kib(server.process.pid)["VmRSS"]

    def _memory(self, kind: str, before_kib: int) -> dict[str, float]:
        now = memory_kib(self.servers[kind].process.pid)
        return {
            "before": round(before_kib / 1024, 1),
            "after": round(now["VmRSS"] / 1024, 1),
            "peak": round(now["VmHWM"] / 1024, 1),
            "growth": round((now["VmRSS"] - before_kib) / 1024, 1),
            "peak_growth": round((now["VmHWM"] - before_kib) / 1024, 1),
        }

    def _served(self, kind: str) -> None:
        """up, preview and refresh of every asset through ``kind``'s server, from empty."""
        count = len(self.assets)
        self.control.reset()
        before = self._connections_now()
        driver = self._driver(kind)
        seconds, sent, outcome = self._profiled("up", kind, driver,
                                                lambda: driver.up(self.resources))
        _check(outcome.ok and len(driver.state) == count, f"{kind} up", outcome)
        self._record("up", kind, seconds, sent)
        tries, sent = [], 0
        for _ in range(PREVIEW_TRIES):
            seconds, asked, outcome = self._profiled(
                "preview", kind, driver, lambda: driver.preview(self.resources))
            _check(outcome.ok and len(outcome.same) == count, f"{kind} preview", outcome)
            tries.append(seconds)
            sent = max(sent, asked)
        self._record("preview", kind, statistics.median(tries), sent)
        seconds, sent, outcome = self._profiled("refresh", kind, driver, driver.refresh)
        _check(outcome.ok and len(outcome.same) == count, f"{kind} refresh", outcome)
        self._record("refresh", kind, seconds, sent)
        self.connections[kind] += self._connections_since(before)

    def _raw(self) -> None:
        url, auth = self.emulator.url, self.emulator.auth
        self.control.reset()
        before = self._connections_now()
        media_ids: dict[str, str] = {}
        seconds, sent, _ = self._measured(
            lambda: floors.upload(url, auth, self.assets, ENGINE_WORKERS, media_ids))
        self._record("up", RAW, seconds, sent)
        _check(len(media_ids) == len(self.assets), "raw upload", f"{len(media_ids)} media")
        self._record("preview", RAW, statistics.median(
            floors.hash_files(self.assets) for _ in range(PREVIEW_TRIES)), 0)
        ids = [media_ids[a.name] for a in self.assets]
        seconds, sent, _ = self._measured(lambda: floors.get(url, auth, ids, ENGINE_WORKERS))
        self._record("refresh", RAW, seconds, sent)
        self.connections[RAW] += self._connections_since(before)

    def _drift(self) -> None:
        """``plivo-media drift`` in this process against one GET per media, alternately."""
        self.control.reset()
        driver = Driver(self.servers[PROVIDER].stub, MediaFileProvider())
        outcome = driver.up({a.name: {"path": a.path} for a in self.drift_assets})
        _check(outcome.ok and len(driver.state) == len(self.drift_assets), "drift setup", outcome)
        state = self.workdir / "drift-state.json"
        state.write_text(json.dumps(export_state(driver.state.values(), driver.project,
                                                 driver.stack)), encoding="utf-8")
        argv = ["drift", "--state", str(state), "--json", "--root", str(self.workdir)]
        ids = [entry.id for entry in driver.state.values()]
        url, auth = self.emulator.url, self.emulator.auth

        def drift() -> None:
            out, err = io.StringIO(), io.StringIO()
            with _environ(self.plivo_env), contextlib.redirect_stdout(out), \
                    contextlib.redirect_stderr(err):
                seconds, sent, code = self._measured(lambda: cli.main(argv))
            report = json.loads(out.getvalue())
            in_sync = report["summary"]["counts"]["in_sync"]
            _check(code == 0 and in_sync == len(ids), "drift", f"exit {code}: {err.getvalue()}")
            self._record(DRIFT, PROVIDER, seconds, sent)

        def gets() -> None:
            seconds, sent, _ = self._measured(lambda: floors.get(url, auth, ids, DRIFT_PARALLEL))
            self._record(DRIFT, GETS, seconds, sent)

        for run in range(self.runs):
            for measure in (drift, gets) if run % 2 == 0 else (gets, drift):
                measure()


def benchmark(
    assets: int,
    runs: int,
    rtt: float,
    profiles: Sequence[str] = PROFILES,
    small_bytes: int = SMALL_BYTES,
    large_bytes: int = LARGE_BYTES,
    drift_media: int = DRIFT_MEDIA,
    drift_bytes: int = DRIFT_BYTES,
    emulator_mode: str = "process",
    log: Callable[[str], None] = lambda _line: None,
) -> dict[str, Any]:
    """Run the whole benchmark and return the figures as the ``--json`` document."""
    started = time.perf_counter()
    small, large = split(assets)
    figures: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="plivo-media-bench-") as tmp:
        workdir = Path(tmp)
        log(f"writing {small} files of {small_bytes:,} B, {large} of {large_bytes:,} B and "
            f"{drift_media} of {drift_bytes:,} B for drift...")
        files = generate(workdir / "media", assets, small_bytes, large_bytes)
        drift_files = generate(workdir / "drift-media", drift_media, drift_bytes, drift_bytes)
        for profile in profiles:
            latency = 0.0 if profile == "loopback" else rtt
            log(f"profile {profile} ({latency * 1000:g} ms per answer)...")
            figures[profile] = ProfileRun(latency, files, drift_files, runs, workdir,
                                          emulator_mode, log).run()
    return {
        "schema": SCHEMA,
        "config": {
            "assets": assets, "small_files": small, "large_files": large,
            "small_bytes": small_bytes, "large_bytes": large_bytes,
            "total_bytes": small * small_bytes + large * large_bytes,
            "runs": runs, "profiles": list(profiles), "rtt_ms": round(rtt * 1000, 3),
            "drift_media": drift_media, "drift_bytes": drift_bytes,
            "engine_workers": ENGINE_WORKERS, "server_workers": SERVER_WORKERS,
            "drift_parallelism": DRIFT_PARALLEL, "emulator": emulator_mode,
            "cpus": os.cpu_count(), "python": sys.version.split()[0],
            "pulumi": metadata.version("pulumi"), "plivo": metadata.version("plivo"),
            "wall_s": round(time.perf_counter() - started, 1),
        },
        "profiles": figures,
        "summary": summarize(figures),
    }


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number of 1 or more")
    return value


def _rtt(text: str) -> float:
    try:
        seconds = parse_latency(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"--rtt {text!r} must be more than 0")
    return seconds


def _profiles(text: str) -> list[str]:
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in PROFILES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"profiles {text!r}: choose from {', '.join(PROFILES)}, comma-separated")
    return list(dict.fromkeys(chosen))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks",
        description="Measure the provider beside the protocol's floor and a naive plivo-SDK "
                    "peer, on loopback and at a WAN round trip.",
    )
    parser.add_argument("--assets", type=_positive, default=200,
                        help="files to manage, one large in ten (default 200)")
    parser.add_argument("--runs", type=_positive, default=3,
                        help="runs of each provider and floor; figures are medians (default 3)")
    parser.add_argument("--rtt", type=_rtt, default=parse_latency(DEFAULT_RTT),
                        help=f"the wan profile's round trip per answer (default {DEFAULT_RTT})")
    parser.add_argument("--profiles", type=_profiles, default=list(PROFILES),
                        help="profiles to run, comma-separated (default loopback,wan)")
    parser.add_argument("--small-bytes", type=_positive, default=SMALL_BYTES,
                        help=f"size of a small file (default {SMALL_BYTES:,})")
    parser.add_argument("--large-bytes", type=_positive, default=LARGE_BYTES,
                        help=f"size of a large file (default {LARGE_BYTES:,})")
    parser.add_argument("--drift-media", type=_positive, default=DRIFT_MEDIA,
                        help=f"media in the drift measurement (default {DRIFT_MEDIA:,})")
    parser.add_argument("--drift-bytes", type=_positive, default=DRIFT_BYTES,
                        help=f"size of each drift file (default {DRIFT_BYTES:,})")
    parser.add_argument("--emulator", choices=EMULATOR_MODES, default="process",
                        help="run the emulator in its own process (default) or in this one")
    parser.add_argument("--json", action="store_true",
                        help="print the figures as JSON on stdout (the table goes to stderr)")
    args = parser.parse_args(argv)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    doc = benchmark(args.assets, args.runs, args.rtt, args.profiles, args.small_bytes,
                    args.large_bytes, args.drift_media, args.drift_bytes, args.emulator, log)
    if args.json:
        print(render(doc), file=sys.stderr)
        print(json.dumps(doc, indent=2))
    else:
        print(render(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
