"""The built wheel: it ships the demo project, and its demo runs outside any checkout.

The wheel is built with ``pip wheel`` from a copy of the sources (so the checkout gets no
``build/``), unpacked, and run with ``PYTHONPATH`` pointing at it from an empty folder:
the package, its demo program and its ``Pulumi.yaml`` all come from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CAMPAIGN = REPO / "examples" / "campaign"
NO_INDEX = ("No matching distribution found", "Could not find a version that satisfies")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "plivo_media_provider", src / "plivo_media_provider", ignore=ignore)
    shutil.copytree(CAMPAIGN, src / "examples" / "campaign", ignore=ignore)
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    if done.returncode != 0 and any(text in done.stderr for text in NO_INDEX):
        pytest.skip("pip cannot reach a package index for the build backend (setuptools)")
    assert done.returncode == 0, done.stderr
    [built] = out.glob("plivo_media_provider-*.whl")
    return built


def test_the_wheel_ships_the_demo_program_the_license_and_the_type_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())

    program = {
        f"plivo_media_provider/demo_campaign/{p.relative_to(CAMPAIGN).as_posix()}"
        for p in CAMPAIGN.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    }
    assert "plivo_media_provider/demo_campaign/__main__.py" in program
    assert program <= names
    assert "plivo_media_provider/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not any(n.startswith(("tests/", "examples/")) for n in names)


def test_the_wheel_holds_every_module_of_the_package(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    package = REPO / "plivo_media_provider"

    modules = {f"plivo_media_provider/{p.relative_to(package).as_posix()}"
               for p in package.rglob("*.py") if "__pycache__" not in p.parts}

    assert "plivo_media_provider/emulator/app.py" in modules
    assert modules <= names, sorted(modules - names)


def test_the_demo_runs_from_the_unpacked_wheel_in_an_empty_folder(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "PULUMI_"))}
    env.update(PYTHONPATH=str(site), PLIVO_MEDIA_JOURNAL_DIR=str(tmp_path / "journal"))

    where = subprocess.run(
        [sys.executable, "-c", "import plivo_media_provider as p; print(p.__file__)"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(site)

    done = subprocess.run(
        [sys.executable, "-m", "plivo_media_provider", "demo", "--no-pulumi"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    project = cwd / "plivo-media-demo"
    assert f"Copied the demo project to {project}" in done.stdout
    assert (project / "Pulumi.yaml").read_bytes() == (REPO / "Pulumi.yaml").read_bytes()
    assert (project / "examples" / "campaign" / "assets" / "menu.pdf").is_file()
    assert "Second run against the first one's state: no changes" in done.stdout
    assert "replace  campaign/menu.pdf  (content_sha256 changed)" in done.stdout
    assert done.stdout.splitlines()[-2].startswith("Done, WITHOUT Pulumi.")
    assert "Traceback" not in done.stderr
