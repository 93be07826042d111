"""The version is written once, in ``_version.py``; the installed metadata reads it there."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

import plivo_media_provider
from plivo_media_provider import _version
from plivo_media_provider.api.client import USER_AGENT

ROOT = Path(__file__).resolve().parent.parent


def test_pyproject_takes_the_version_from_the_package() -> None:
    tomllib = pytest.importorskip("tomllib", reason="tomllib is standard from Python 3.11 on")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "plivo_media_provider._version.__version__"


def test_package_metadata_and_user_agent_agree() -> None:
    assert plivo_media_provider.__version__ == _version.__version__
    assert importlib.metadata.version("plivo-media-provider") == _version.__version__
    assert USER_AGENT.endswith(f"/{_version.__version__}")


def test_python_dash_m_runs_the_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "plivo_media_provider", "--version"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert _version.__version__ in done.stdout
