"""The demo project: found in a checkout, or copied from this package's data.

A checkout holds the project as the root ``Pulumi.yaml`` (``name: plivo-media-demo``,
``main: examples/campaign/``) and its program. A wheel ships the program as package data
(``plivo_media_provider/demo_campaign/``) and the ``Pulumi.yaml`` as :data:`PULUMI_YAML`;
:func:`copy_project` writes both into a working folder in the checkout's layout, so the
demo runs there exactly as in a checkout.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

from .errors import ConfigurationError

Print = Callable[[str], None]

PROJECT_NAME = "plivo-media-demo"
WORK_DIR = "plivo-media-demo"
"""The working folder, under the current directory, that the shipped project is copied to."""
PROGRAM_DIR = Path("examples") / "campaign"
PULUMI_YAML = """\
# The demo project: `plivo-media demo` deploys it to the local Plivo Media API emulator.
#
# Its program is examples/campaign/ (see main). `runtime: python` sets no virtualenv on
# purpose: Pulumi then runs the program with the Python found on PATH, which is the active
# virtualenv's, where `pip install -e .` has put this package and Pulumi's SDK. (The demo
# command puts its own interpreter first on PATH, so it works without activating too.)
name: plivo-media-demo
description: An MMS campaign's media (images, a PDF menu, a vCard) held by Plivo, diffed by content hash.
runtime: python
main: examples/campaign/
"""  # noqa: E501 - the file's own description line
"""The root ``Pulumi.yaml`` of a checkout, written into a copied project."""


PACKAGE_DIR = Path(__file__).resolve().parent
"""This installation's package folder. Every function here takes ``package=`` to look at
another one instead: a seam for tests that stand in for a wheel's site-packages."""


def _say(text: str) -> None:
    print(text, flush=True)


# -- 1. the project ------------------------------------------------------------------------


def _project_name(folder: Path) -> str | None:
    try:
        text = (folder / "Pulumi.yaml").read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(r"^name:\s*['\"]?([^'\"\s#]+)", text, re.MULTILINE)
    return match.group(1) if match else None


def find_project(start: Path | None = None, *, package: Path = PACKAGE_DIR) -> Path:
    """The folder of the ``plivo-media-demo`` project: ``start`` (default: the working
    directory) or a parent of it, else the checkout ``package`` was installed from."""
    here = (start or Path.cwd()).resolve()
    checkout = package.parent
    for folder in (here, *here.parents, checkout):
        if _project_name(folder) == PROJECT_NAME:
            return folder
    raise ConfigurationError(
        f"No {PROJECT_NAME} project (a Pulumi.yaml named {PROJECT_NAME}) in {here} or its "
        "parents; run `plivo-media demo` inside the repository checkout, or pass "
        "--project-dir with its path."
    )


def shipped_program(*, package: Path = PACKAGE_DIR) -> Path:
    """The demo's program folder as the installation at ``package`` holds it: the package
    data of a wheel (``demo_campaign/``), or a checkout's ``examples/campaign/``."""
    for folder in (package / "demo_campaign", package.parent / PROGRAM_DIR):
        if (folder / "__main__.py").is_file() and (folder / "assets").is_dir():
            return folder
    raise ConfigurationError(
        f"This installation of plivo-media-provider has no demo program ({package}/"
        "demo_campaign is missing); reinstall it from a wheel or a checkout."
    )


def copy_project(target: Path, *, package: Path = PACKAGE_DIR) -> Path:
    """Write the demo project into ``target`` (created if needed): ``Pulumi.yaml`` and
    ``examples/campaign/``, the layout of a checkout. Returns ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    (target / "Pulumi.yaml").write_text(PULUMI_YAML, encoding="utf-8")
    shutil.copytree(shipped_program(package=package), target / PROGRAM_DIR, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _is_empty_or_absent(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def _refuse(folder: Path, name: str | None) -> ConfigurationError:
    found = "has no Pulumi.yaml" if name is None else f"holds the project {name!r}"
    return ConfigurationError(
        f"{folder} {found}, not {PROJECT_NAME}; pass --project-dir with the repository "
        "checkout, whose Pulumi.yaml is the demo project, or with an empty folder to copy "
        "the demo project into."
    )


def locate_project(
    project_dir: Path | None = None, say: Print = _say, *, package: Path = PACKAGE_DIR,
) -> Path:
    """The demo project to run: ``project_dir`` if it holds it, else a copy of the shipped
    project written there when it is empty or absent. Without ``project_dir``: a checkout
    found by :func:`find_project`, else ``./plivo-media-demo/`` (reused, or created)."""
    if project_dir is None:
        try:
            return find_project(package=package)
        except ConfigurationError:
            project_dir = Path.cwd() / WORK_DIR
    folder = project_dir.resolve()
    name = _project_name(folder)
    if name == PROJECT_NAME:
        return folder
    if name is None and _is_empty_or_absent(folder):
        copy_project(folder, package=package)
        say(f"Copied the demo project to {folder} (Pulumi.yaml and {PROGRAM_DIR}/); the demo "
            "works there.")
        return folder
    raise _refuse(folder, name)
