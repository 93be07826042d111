"""Measure the provider's cost per phase next to the floor of unavoidable work, side by side.

Every phase runs against one emulator on loopback, through the SDK's real dynamic-provider
gRPC server (``tests.support.engine.ProviderProcess``), driven the way the engine drives it
(``Engine``: Check, then Diff or Create, 4 resources at a time). Each phase's floor runs in
this process, on the same server and files, interleaved with the provider's runs (the order
rotates every repetition); each figure is the median of ``--reps`` runs, and the headline
is provider / floor.

=========  ========================================  ==========================================
phase      what the provider does                    floor (the headline's denominator)
=========  ========================================  ==========================================
up         Check + Create per asset, 4 at a time     read + raw multipart POST, 4 threads
preview    Check + Diff per asset, nothing changed   sha256 + one GetPluginInfo per asset
refresh    Read per asset                            GET per media, 4 threads
drift      ``plivo-media drift --state F --json``    GET per media + sha256 of its file, at
                                                     drift's parallelism (drift hashes every
                                                     local file; GETs alone are also shown)
=========  ========================================  ==========================================

Two diagnostics say where a gap comes from. ``direct``: the provider's own methods called in
this process (no gRPC, no engine), against the floor without its RPCs. ``rpc floor``: the
floor plus the round trips the engine cannot avoid (up: Check and Create; preview: Check
and Diff; refresh: Read), each as a trivial GetPluginInfo.

Each up run starts from a reset emulator; the provider's gets a fresh engine state. Also
reported: TCP connections the emulator accepted from the provider server over the whole run
(up and refresh), and the provider server's peak RSS during up against its RSS when idle.

Usage, from the repo root: ``python -m tests.benchmarks [--assets N] [--reps R] [--json]``
or ``python tests/benchmarks/run.py ...``.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from plivo_media_provider import cli, provider
from plivo_media_provider.drift import DEFAULT_PARALLEL as DRIFT_PARALLEL
from plivo_media_provider.settings import resolve_settings
from tests.benchmarks import floors
from tests.benchmarks.harness import (
    EMULATOR_MODES,
    BenchEmulator,
    RssSampler,
    cpu_seconds,
    memory_kib,
)
from tests.benchmarks.workload import LARGE_BYTES, SMALL_BYTES, Asset, generate, split
from tests.support import files as media_files
from tests.support.control import Control
from tests.support.engine import Engine, ProviderProcess

SCHEMA = "plivo-media-benchmark/1"
ENGINE_PARALLELISM = 4
"""The engine's parallelism for the steps, as ``Engine`` uses it."""

SERVER_WORKERS = 4
"""Worker threads of the SDK's dynamic-provider server (``ThreadPoolExecutor(max_workers=4)``)."""

TARGETS = {"up": 1.25, "preview": 1.5, "refresh": 1.3, "drift": 1.3}
RSS_GROWTH_LIMIT_MIB = 25.0
PHASES = ("up", "preview", "refresh", "drift")
PHASE_TITLES = {"up": "up (create)", "preview": "no-op preview", "refresh": "refresh",
                "drift": "drift"}
FLOOR_TITLES = {
    "up": "raw multipart POSTs, 4 threads",
    "preview": "sha256 + 1 GetPluginInfo per asset, 4 threads",
    "refresh": "raw GETs, 4 threads",
    "drift": f"raw GETs + sha256 of each file, {DRIFT_PARALLEL} threads",
}
ENGINE_RPCS = {"up": 2, "preview": 2, "refresh": 1}
"""Round trips per asset the engine makes whatever the provider does."""

PROVIDER, FLOOR, LOCAL_FLOOR, RPC_FLOOR, DIRECT, GET_FLOOR = (
    "provider", "floor", "local_floor", "rpc_floor", "direct", "get_floor")


@dataclass
class Phase:
    """The runs of one phase by kind (PROVIDER, FLOOR, ...), in seconds."""

    name: str
    runs: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[dict[str, float]]] = field(default_factory=dict)

    def median(self, kind: str) -> float:
        return statistics.median(self.runs[kind])

    def ratio(self, kind: str, to: str) -> float | None:
        if kind not in self.runs or to not in self.runs:
            return None
        return self.median(kind) / self.median(to)

    def to_json(self, assets: int) -> dict[str, Any]:
        ratio = self.median(PROVIDER) / self.median(FLOOR)
        local = LOCAL_FLOOR if LOCAL_FLOOR in self.runs else FLOOR
        seconds = {f"{kind}_s": round(self.median(kind), 6) for kind in self.runs}
        diagnostics: dict[str, Any] = {
            key: value for key, value in seconds.items()
            if key not in ("provider_s", "floor_s")
        }
        for key, value in (
            ("direct_ratio", self.ratio(DIRECT, local)),
            ("rpc_floor_ratio", self.ratio(PROVIDER, RPC_FLOOR)),
            ("get_floor_ratio", self.ratio(PROVIDER, GET_FLOOR)),
        ):
            if value is not None:
                diagnostics[key] = round(value, 3)
        return {
            "available": True,
            "provider_s": seconds["provider_s"],
            "floor_s": seconds["floor_s"],
            "ratio": round(ratio, 3),
            "target": TARGETS[self.name],
            "met": ratio <= TARGETS[self.name],
            "floor": FLOOR_TITLES[self.name],
            "provider_ms_per_asset": round(1000 * self.median(PROVIDER) / assets, 3),
            "floor_ms_per_asset": round(1000 * self.median(FLOOR) / assets, 3),
            "diagnostics": diagnostics,
            "cpu_s": {
                kind: {name: round(statistics.median(r[name] for r in runs), 3)
                       for name in runs[0]}
                for kind, runs in self.cpu.items()
            },
            "runs_s": {kind: [round(t, 6) for t in runs] for kind, runs in self.runs.items()},
        }


def interleave(
    phase: Phase, reps: int, variants: dict[str, Callable[[], float]], pids: dict[str, int]
) -> None:
    """Run every variant ``reps`` times, rotating the order each repetition.

    The provider goes last in the final repetition, so its effects (media in the emulator,
    engine state) are what the next phase starts from. The CPU seconds each process in
    ``pids`` spent during each run are kept beside its wall time.
    """
    kinds = [k for k in variants if k != PROVIDER] + [PROVIDER]
    for rep in range(reps):
        shift = (reps - 1 - rep) % len(kinds)
        for kind in kinds[shift:] + kinds[:shift]:
            before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            phase.runs.setdefault(kind, []).append(variants[kind]())
            phase.cpu.setdefault(kind, []).append(
                {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
            )


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


class Benchmark:
    """One benchmark run: the emulator, the provider server, the files and the figures.

    The ``direct`` variants call a ``MediaFileProvider`` in this process; it reads the
    PLIVO_* environment, as the server does, and its client is closed after every run.
    """

    def __init__(
        self,
        emulator: BenchEmulator,
        server: ProviderProcess,
        assets: Sequence[Asset],
        reps: int,
        workdir: Path,
        log: Callable[[str], None],
    ) -> None:
        self.emulator = emulator
        self.server = server
        self.assets = list(assets)
        self.reps = reps
        self.workdir = workdir
        self.log = log
        self.control = Control(emulator.url)
        self.resources = {a.name: {"path": a.path} for a in self.assets}
        self.engine = Engine(server, parallelism=ENGINE_PARALLELISM)
        self.direct = provider.MediaFileProvider()
        self.connections: dict[str, list[int]] = {"up": [], "refresh": []}
        self.floor_connections: dict[str, list[int]] = {"up": [], "refresh": []}
        self.server_pid = server.process.pid
        self.pids = {"bench": os.getpid(), "server": self.server_pid}
        if emulator.pid != os.getpid():
            self.pids["emulator"] = emulator.pid
        self.rss_fresh_kib = memory_kib(self.server_pid)["VmRSS"]
        self.rss_loaded_kib = self._load_provider()
        self.rss_sampled_peak_kib = 0

    # -- helpers ------------------------------------------------------------------------

    def _load_provider(self) -> int:
        """Preview one tiny file so the server imports the provider; its RSS then, in KiB."""
        tiny = media_files.random_png(self.workdir / "warm-up.png", 64, seed=0)
        outcome = Engine(self.server).preview({"warm-up": {"path": str(tiny)}})
        self._check(outcome.ok, "warm-up preview", outcome)
        return memory_kib(self.server_pid)["VmRSS"]

    def _counting(self, run: Callable[[], float], into: list[int]) -> float:
        """Run ``run`` and record the TCP connections the emulator accepted meanwhile.

        Every control call uses a fresh connection, so the second stats call counts itself.
        """
        before = self.control.stats()["connections"]
        elapsed = run()
        into.append(self.control.stats()["connections"] - before - 1)
        return elapsed

    def _check(self, ok: bool, what: str, detail: object) -> None:
        if not ok:
            raise RuntimeError(f"benchmark {what} did not do what it should: {detail}")

    def _direct(self, work: Callable[[Asset], None]) -> float:
        try:
            return floors.run_threads(
                self.assets, ENGINE_PARALLELISM, lambda _s, a: work(a), lambda: None
            )
        finally:
            provider._client_for(resolve_settings()).close()

    def _media(self) -> list[tuple[str, Asset]]:
        return [(self.engine.state[a.name].id, a) for a in self.assets]

    def _same(self, outcome: Any) -> bool:
        return bool(outcome.ok and not outcome.changed and len(outcome.same) == len(self.assets))

    # -- phases -------------------------------------------------------------------------

    def up(self) -> Phase:
        url, auth, stub = self.emulator.url, self.emulator.auth, self.server.stub

        def provider_run() -> float:
            self.control.reset()
            engine = Engine(self.server, parallelism=ENGINE_PARALLELISM)

            def run() -> float:
                with RssSampler(self.server_pid) as sampler:
                    started = time.perf_counter()
                    outcome = engine.up(self.resources)
                    elapsed = time.perf_counter() - started
                self.rss_sampled_peak_kib = max(self.rss_sampled_peak_kib, sampler.peak_kib)
                ok = outcome.ok and len(outcome.created) == len(self.assets)
                self._check(ok, "up", outcome)
                return elapsed

            elapsed = self._counting(run, self.connections["up"])
            self.engine = engine
            return elapsed

        def floor_run(rpcs: int) -> float:
            self.control.reset()
            elapsed = self._counting(
                lambda: floors.upload(url, auth, self.assets, ENGINE_PARALLELISM,
                                      rpcs=rpcs, stub=stub),
                self.floor_connections["up"] if rpcs == 0 else [],
            )
            uploads = self.control.stats()["uploads"]
            self._check(uploads == len(self.assets), "upload floor", f"{uploads} uploads")
            return elapsed

        def create(asset: Asset) -> None:
            checked = self.direct.check({}, {"path": asset.path})
            self._check(not checked.failures, "direct check", checked.failures)
            self.direct.create(checked.inputs)

        def direct_run() -> float:
            self.control.reset()
            return self._direct(create)

        phase = Phase("up")
        interleave(phase, self.reps, {
            FLOOR: lambda: floor_run(0), RPC_FLOOR: lambda: floor_run(ENGINE_RPCS["up"]),
            DIRECT: direct_run, PROVIDER: provider_run,
        }, self.pids)
        return phase

    def preview(self) -> Phase:
        stub = self.server.stub

        def provider_run() -> float:
            started = time.perf_counter()
            outcome = self.engine.preview(self.resources)
            elapsed = time.perf_counter() - started
            self._check(self._same(outcome), "preview", outcome)
            return elapsed

        def check_and_diff(asset: Asset) -> None:
            entry = self.engine.state[asset.name]
            checked = self.direct.check(entry.inputs, {"path": asset.path})
            diff = self.direct.diff(entry.id, entry.outputs, checked.inputs)
            self._check(not diff.changes, "direct diff", diff.replaces)

        def hashing(rpcs: int) -> Callable[[], float]:
            return lambda: floors.hash_files(self.assets, ENGINE_PARALLELISM, rpcs=rpcs,
                                             stub=stub)

        phase = Phase("preview")
        interleave(phase, self.reps, {
            FLOOR: hashing(1), LOCAL_FLOOR: hashing(0), RPC_FLOOR: hashing(ENGINE_RPCS["preview"]),
            DIRECT: lambda: self._direct(check_and_diff), PROVIDER: provider_run,
        }, self.pids)
        return phase

    def refresh(self) -> Phase:
        url, auth, stub = self.emulator.url, self.emulator.auth, self.server.stub
        media = self._media()

        def provider_run() -> float:
            def run() -> float:
                started = time.perf_counter()
                outcome = self.engine.refresh()
                elapsed = time.perf_counter() - started
                self._check(self._same(outcome), "refresh", outcome)
                return elapsed

            return self._counting(run, self.connections["refresh"])

        def floor_run(rpcs: int) -> float:
            return self._counting(
                lambda: floors.get(url, auth, media, ENGINE_PARALLELISM, rpcs=rpcs, stub=stub),
                self.floor_connections["refresh"] if rpcs == 0 else [],
            )

        def read(asset: Asset) -> None:
            entry = self.engine.state[asset.name]
            self._check(bool(self.direct.read(entry.id, entry.outputs).id), "direct read", entry.id)

        phase = Phase("refresh")
        interleave(phase, self.reps, {
            FLOOR: lambda: floor_run(0), RPC_FLOOR: lambda: floor_run(ENGINE_RPCS["refresh"]),
            DIRECT: lambda: self._direct(read), PROVIDER: provider_run,
        }, self.pids)
        return phase

    def drift(self) -> Phase:
        url, auth = self.emulator.url, self.emulator.auth
        media = self._media()
        state = self.workdir / "state.json"
        state.write_text(json.dumps(self.engine.export()), encoding="utf-8")
        argv = ["drift", "--state", str(state), "--json", "--root", str(self.workdir)]

        def provider_run() -> float:
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                started = time.perf_counter()
                code = cli.main(argv)
                elapsed = time.perf_counter() - started
            report = json.loads(out.getvalue())
            ok = code == 0 and report["summary"]["counts"]["in_sync"] == len(self.assets)
            self._check(ok, "drift", f"exit {code}: {err.getvalue().strip()}")
            return elapsed

        phase = Phase("drift")
        interleave(phase, self.reps, {
            FLOOR: lambda: floors.get(url, auth, media, DRIFT_PARALLEL, hash_files=True),
            GET_FLOOR: lambda: floors.get(url, auth, media, DRIFT_PARALLEL),
            PROVIDER: provider_run,
        }, self.pids)
        return phase

    # -- the whole run ------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        measures = {"up": self.up, "preview": self.preview, "refresh": self.refresh,
                    "drift": self.drift}
        phases: dict[str, Phase] = {}
        for name in PHASES:
            self.log(f"measuring {PHASE_TITLES[name]} ({self.reps} reps of each variant)...")
            phases[name] = measures[name]()
        peak_kib = memory_kib(self.server_pid)["VmHWM"]
        growth_mib = (peak_kib - self.rss_fresh_kib) / 1024
        total_connections = sum(sum(runs) for runs in self.connections.values())
        return {
            "phases": {name: phase.to_json(len(self.assets)) for name, phase in phases.items()},
            "connections": {
                "provider_up_runs": self.connections["up"],
                "provider_refresh_runs": self.connections["refresh"],
                "provider_total": total_connections,
                "limit": SERVER_WORKERS,
                "met": total_connections <= SERVER_WORKERS,
                "floor_up_runs": self.floor_connections["up"],
                "floor_refresh_runs": self.floor_connections["refresh"],
            },
            "rss": {
                "idle_mib": round(self.rss_fresh_kib / 1024, 1),
                "loaded_mib": round(self.rss_loaded_kib / 1024, 1),
                "peak_mib": round(peak_kib / 1024, 1),
                "sampled_peak_during_up_mib": round(self.rss_sampled_peak_kib / 1024, 1),
                "growth_mib": round(growth_mib, 1),
                "growth_over_loaded_mib": round((peak_kib - self.rss_loaded_kib) / 1024, 1),
                "limit_mib": RSS_GROWTH_LIMIT_MIB,
                "met": growth_mib < RSS_GROWTH_LIMIT_MIB,
            },
        }


def benchmark(
    assets: int,
    reps: int,
    small_bytes: int = SMALL_BYTES,
    large_bytes: int = LARGE_BYTES,
    emulator_mode: str = "process",
    log: Callable[[str], None] = lambda _line: None,
) -> dict[str, Any]:
    """Run the whole benchmark and return the figures as the ``--json`` document."""
    small, large = split(assets)
    with tempfile.TemporaryDirectory(prefix="plivo-media-bench-") as tmp, BenchEmulator(
        emulator_mode
    ) as emulator:
        workdir = Path(tmp)
        log(f"writing {small} files of {small_bytes:,} B and {large} of {large_bytes:,} B...")
        files = generate(workdir / "media", assets, small_bytes, large_bytes)
        auth_id, auth_token = emulator.auth
        plivo = {
            "PLIVO_AUTH_ID": auth_id, "PLIVO_AUTH_TOKEN": auth_token,
            "PLIVO_API_URL": emulator.url,
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "PULUMI_"))}
        with _environ(plivo), ProviderProcess({**env, **plivo}) as server:
            figures = Benchmark(emulator, server, files, reps, workdir, log).run()
    return {
        "schema": SCHEMA,
        "config": {
            "assets": assets,
            "small_files": small,
            "large_files": large,
            "small_bytes": small_bytes,
            "large_bytes": large_bytes,
            "total_bytes": small * small_bytes + large * large_bytes,
            "reps": reps,
            "emulator": emulator_mode,
            "engine_parallelism": ENGINE_PARALLELISM,
            "drift_parallelism": DRIFT_PARALLEL,
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
        },
        **figures,
    }


def _ratio_cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def render(doc: dict[str, Any]) -> str:
    """The figures as a table for people."""
    config = doc["config"]
    lines = [
        f"{config['assets']} assets ({config['small_files']} x {config['small_bytes']:,} B + "
        f"{config['large_files']} x {config['large_bytes']:,} B), median of {config['reps']}, "
        f"emulator: {config['emulator']}, {config['cpus']} CPUs, Python {config['python']}",
        "",
        f"{'phase':<14} {'provider':>9} {'floor':>9} {'ratio':>6} {'target':>7}  met  "
        f"{'direct':>6} {'vs rpc floor':>12}",
    ]
    for name, phase in doc["phases"].items():
        diagnostics = phase["diagnostics"]
        lines.append(
            f"{PHASE_TITLES[name]:<14} {phase['provider_s']:>8.3f}s {phase['floor_s']:>8.3f}s "
            f"{phase['ratio']:>6.2f} {'<= ' + str(phase['target']):>7}  "
            f"{'yes' if phase['met'] else 'NO ':<3}  "
            f"{_ratio_cell(diagnostics.get('direct_ratio')):>6} "
            f"{_ratio_cell(diagnostics.get('rpc_floor_ratio')):>12}"
        )
    lines.append("")
    lines += [f"  floor of {PHASE_TITLES[n]}: {p['floor']}" for n, p in doc["phases"].items()]
    lines.append(f"  drift against raw GETs alone (no hashing): "
                 f"{doc['phases']['drift']['diagnostics']['get_floor_ratio']:.2f}")
    lines += [
        "  direct: the provider's methods called in this process (no gRPC, no engine), "
        "against the floor without RPCs",
        "  vs rpc floor: provider against the floor plus the engine's own round trips "
        "(up 2, preview 2, refresh 1 per asset)",
    ]
    lines += ["", "CPU seconds per run, median (bench: engine stand-in, floors, direct runs and "
              "drift; server: the provider server)"]
    for name, phase in doc["phases"].items():
        cells = [
            f"{kind}: " + " ".join(f"{proc} {seconds:.2f}" for proc, seconds in cpu.items())
            for kind in (PROVIDER, FLOOR, DIRECT)
            if (cpu := phase["cpu_s"].get(kind)) is not None
        ]
        lines.append(f"  {PHASE_TITLES[name]:<14} " + " | ".join(cells))
    conn = doc["connections"]
    rss = doc["rss"]
    lines += [
        "",
        f"connections  provider server, whole run: {conn['provider_total']} (up runs "
        f"{conn['provider_up_runs']}, refresh runs {conn['provider_refresh_runs']}); limit "
        f"{conn['limit']}: {'yes' if conn['met'] else 'NO'}; floor per run: up "
        f"{conn['floor_up_runs']}, refresh {conn['floor_refresh_runs']}",
        f"server RSS   idle {rss['idle_mib']} MiB, provider loaded {rss['loaded_mib']} MiB, "
        f"peak during up {rss['peak_mib']} MiB; growth {rss['growth_mib']} MiB "
        f"({rss['growth_over_loaded_mib']} MiB over loaded); limit < {rss['limit_mib']:g} MiB: "
        f"{'yes' if rss['met'] else 'NO'}",
    ]
    return "\n".join(lines)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number of 1 or more")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks",
        description="Measure the provider's cost per phase next to the floor of unavoidable "
                    "work, on the emulator over loopback.",
    )
    parser.add_argument("--assets", type=_positive, default=220,
                        help="files to manage, about one large in eleven (default 220)")
    parser.add_argument("--reps", type=_positive, default=3,
                        help="runs of each variant per phase; figures are medians (default 3)")
    parser.add_argument("--small-bytes", type=_positive, default=SMALL_BYTES,
                        help=f"size of a small file (default {SMALL_BYTES:,})")
    parser.add_argument("--large-bytes", type=_positive, default=LARGE_BYTES,
                        help=f"size of a large file (default {LARGE_BYTES:,})")
    parser.add_argument("--emulator", choices=EMULATOR_MODES, default="process",
                        help="run the emulator in its own process (default) or in this one")
    parser.add_argument("--json", action="store_true",
                        help="print the figures as JSON on stdout (the table goes to stderr)")
    args = parser.parse_args(argv)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    doc = benchmark(args.assets, args.reps, args.small_bytes, args.large_bytes, args.emulator,
                    log)
    if args.json:
        print(render(doc), file=sys.stderr)
        print(json.dumps(doc, indent=2))
    else:
        print(render(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
