"""A tiny run of the benchmark, so it keeps working; its figures are not judged here."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.benchmarks import report, run

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--assets", "4", "--runs", "1", "--small-bytes", "2000", "--large-bytes", "8000",
        "--rtt", "2ms", "--drift-media", "5", "--drift-bytes", "2000"]


def positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and (
        math.isfinite(value) and value > 0)


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    """One tiny run through ``python tests/benchmarks/run.py --json``, as a user starts it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "PULUMI_"))}
    done = subprocess.run(
        [sys.executable, "tests/benchmarks/run.py", *TINY, "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "/floor" in done.stderr and "/peer" in done.stderr  # the table goes to people
    doc: dict[str, Any] = json.loads(done.stdout)
    return doc


def test_every_phase_and_profile_has_a_row(figures: dict[str, Any]) -> None:
    assert figures["schema"] == run.SCHEMA
    rows = {(row["phase"], row["profile"]) for row in figures["summary"]}
    assert rows == {(phase, profile) for phase in report.PHASES for profile in report.PROFILES}


def test_every_ratio_is_a_finite_positive_number(figures: dict[str, Any]) -> None:
    for row in figures["summary"]:
        where = (row["phase"], row["profile"])
        for key in ("provider_s", "floor_s", "ratio_floor"):
            assert positive(row[key]), (where, key, row[key])
        assert row["ratio_floor"] == pytest.approx(row["provider_s"] / row["floor_s"], rel=0.01)
        if row["phase"] == report.DRIFT:
            assert row["peer_s"] is None and row["ratio_peer"] is None
        else:
            assert positive(row["peer_s"]) and positive(row["ratio_peer"]), where
            assert row["floor_s"] == pytest.approx(row["noop_s"] + row["raw_s"], abs=1e-3)


def test_the_verdict_follows_the_targets(figures: dict[str, Any]) -> None:
    for row in figures["summary"]:
        targets = report.TARGETS.get((row["phase"], row["profile"]), {})
        assert row["targets"] == targets
        if not targets:
            assert row["met"] is None
            continue
        ratios = {"floor": row["ratio_floor"], "peer": row["ratio_peer"]}
        assert row["met"] is all(ratios[key] <= limit for key, limit in targets.items())


def test_the_plugin_is_reported_beside_the_provider(figures: dict[str, Any]) -> None:
    for row in figures["summary"]:
        where = (row["phase"], row["profile"])
        if row["phase"] == report.DRIFT:
            assert row["plugin_s"] is None and row["plugin_met"] is None
            continue
        assert positive(row["plugin_s"]), where
        assert row["plugin_ratio_peer"] == pytest.approx(row["plugin_s"] / row["peer_s"],
                                                         rel=0.01)
        targets = report.PLUGIN_TARGETS.get(where, {})
        assert row["plugin_targets"] == targets
        assert row["plugin_met"] is (
            None if not targets else row["plugin_ratio_peer"] <= targets["peer"])
    assert report.PLUGIN_TARGETS == {("up", "wan"): {"peer": 0.55}}


def test_every_provider_and_floor_ran_in_every_phase(figures: dict[str, Any]) -> None:
    for profile, data in figures["profiles"].items():
        for phase in report.ENGINE_PHASES:
            runs = data["runs_s"][phase]
            assert set(runs) == set(report.KINDS), (profile, phase)
            assert all(len(times) == 1 and positive(times[0]) for times in runs.values())
        drift = data["runs_s"][report.DRIFT]
        assert set(drift) == {report.PROVIDER, report.GETS}
        assert all(positive(t) for times in drift.values() for t in times)


def test_connections_and_memory_are_reported(figures: dict[str, Any]) -> None:
    for data in figures["profiles"].values():
        connections, rss = data["connections"], data["rss_mib"]
        # The do-nothing provider never talks to Plivo; the others must have.
        assert connections[report.NOOP] == 0
        assert connections[report.PEER] >= 1 and connections[report.RAW] >= 1
        assert 1 <= connections[report.PROVIDER] <= report.SERVER_WORKERS
        assert connections[report.PLUGIN] >= 1
        for kind in report.SERVED_KINDS:
            assert 0 < rss[kind]["before"] <= rss[kind]["peak"], kind
            assert rss[kind]["after"] <= rss[kind]["peak"], kind
        assert isinstance(rss["met"], bool)


def test_refresh_and_drift_read_through_the_listing_and_up_sends_one_upload_per_file(
    figures: dict[str, Any],
) -> None:
    """Request counts, not times: the listing answers the Reads with fewer requests than
    one GET per media, and a clean up sends exactly one upload per file (no searches)."""
    assets, drift_media = figures["config"]["assets"], figures["config"]["drift_media"]
    for profile, data in figures["profiles"].items():
        sent = data["requests"]
        assert sent["up"] == {report.NOOP: 0, report.PEER: assets, report.PROVIDER: assets,
                              report.PLUGIN: assets, report.RAW: assets}, profile
        assert sent["refresh"][report.PEER] == sent["refresh"][report.RAW] == assets
        assert 1 <= sent["refresh"][report.PROVIDER] < assets, profile
        assert 1 <= sent["refresh"][report.PLUGIN] < assets, profile
        assert sent["drift"][report.GETS] == drift_media
        # One credentials probe (limit=1), then pages of 20.
        assert 2 <= sent["drift"][report.PROVIDER] < drift_media, profile


def test_where_the_time_went_is_reported(figures: dict[str, Any]) -> None:
    """Each served phase records its server's CPU seconds and the driver's RPC seconds."""
    for data in figures["profiles"].values():
        for phase in report.ENGINE_PHASES:
            assert set(data["server_cpu_s"][phase]) == set(report.SERVED_KINDS)
            assert all(cpu >= 0 for cpu in data["server_cpu_s"][phase].values())
            assert set(data["rpc_s"][phase]) == set(report.SERVED_KINDS)
        for kind in report.SERVED_KINDS:
            assert set(data["rpc_s"]["up"][kind]) == {"Check", "Create"}, kind
            assert set(data["rpc_s"]["preview"][kind]) == {"Check", "Diff"}, kind
            assert set(data["rpc_s"]["refresh"][kind]) == {"Read"}, kind
            assert all(positive(t) for t in data["rpc_s"]["up"][kind].values()), kind


def test_the_config_says_what_was_measured(figures: dict[str, Any]) -> None:
    config = figures["config"]
    assert (config["assets"], config["runs"], config["rtt_ms"]) == (4, 1, 2.0)
    assert config["small_files"] + config["large_files"] == 4
    assert config["total_bytes"] == (config["small_files"] * 2000 + config["large_files"] * 8000)
    assert (config["engine_workers"], config["drift_media"]) == (8, 5)
    assert [figures["profiles"][p]["rtt_ms"] for p in report.PROFILES] == [0.0, 2.0]


def test_python_dash_m_runs_it_too() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "PULUMI_"))}
    done = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks", "--help"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--runs" in done.stdout and "--rtt" in done.stdout and "--json" in done.stdout


@pytest.mark.parametrize(("argv", "message"), [
    (["--assets", "0"], "'0' must be a whole number of 1 or more"),
    (["--rtt", "soon"], "latency 'soon' is not a duration"),
    (["--rtt", "0ms"], "--rtt '0ms' must be more than 0"),
    (["--profiles", "moon"], "profiles 'moon': choose from loopback, wan"),
], ids=["assets", "rtt-nonsense", "rtt-zero", "profile"])
def test_bad_options_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        run.main(argv)
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err
