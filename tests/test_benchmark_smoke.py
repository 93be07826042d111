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

from tests.benchmarks import run

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--assets", "4", "--reps", "1", "--small-bytes", "2000", "--large-bytes", "8000"]


def positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and (
        math.isfinite(value) and value > 0)


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    """One tiny run through ``python tests/benchmarks/run.py --json``, as a user starts it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "PULUMI_"))}
    done = subprocess.run(
        [sys.executable, "tests/benchmarks/run.py", *TINY, "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "up (create)" in done.stderr  # the table still goes to people, on stderr
    doc: dict[str, Any] = json.loads(done.stdout)
    return doc


def test_every_phase_has_positive_times_and_a_ratio(figures: dict[str, Any]) -> None:
    assert figures["schema"] == run.SCHEMA
    assert set(figures["phases"]) == set(run.PHASES)
    for name, phase in figures["phases"].items():
        assert phase["available"] is True, name
        for key in ("provider_s", "floor_s", "ratio", "target"):
            assert positive(phase[key]), (name, key, phase[key])
        assert phase["ratio"] == pytest.approx(phase["provider_s"] / phase["floor_s"], rel=0.01)
        assert phase["met"] is (phase["ratio"] <= phase["target"])
        assert all(positive(t) for runs in phase["runs_s"].values() for t in runs), name
        assert all(positive(v) for v in phase["diagnostics"].values()), name


def test_the_diagnostics_split_each_gap(figures: dict[str, Any]) -> None:
    phases = figures["phases"]
    for name in ("up", "preview", "refresh"):
        assert {"direct_ratio", "rpc_floor_ratio"} <= set(phases[name]["diagnostics"]), name
    assert "get_floor_ratio" in phases["drift"]["diagnostics"]


def test_connections_and_memory_are_reported(figures: dict[str, Any]) -> None:
    connections, rss = figures["connections"], figures["rss"]
    # One up and one refresh run: the server's threads open a connection each, at most.
    assert 1 <= connections["provider_total"] <= run.SERVER_WORKERS
    assert len(connections["provider_up_runs"]) == len(connections["provider_refresh_runs"]) == 1
    assert 0 < rss["idle_mib"] <= rss["loaded_mib"] <= rss["peak_mib"]
    assert isinstance(rss["met"], bool)


def test_the_config_says_what_was_measured(figures: dict[str, Any]) -> None:
    config = figures["config"]
    assert (config["assets"], config["reps"], config["emulator"]) == (4, 1, "process")
    assert config["small_files"] + config["large_files"] == 4
    assert config["total_bytes"] == (config["small_files"] * 2000 + config["large_files"] * 8000)


def test_python_dash_m_runs_it_too() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "PULUMI_"))}
    done = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks", "--help"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--assets" in done.stdout and "--json" in done.stdout


def test_a_bad_count_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        run.main(["--assets", "0"])
    assert stopped.value.code == 2
    assert "'0' must be a whole number of 1 or more" in capsys.readouterr().err
