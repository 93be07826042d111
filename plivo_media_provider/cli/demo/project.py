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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import ConfigurationError
from ...table import render

Print = Callable[[str], None]

STACK = "dev"
"""The demo's stack."""

INSTALL_HELP = (
    "Install it with `curl -fsSL https://get.pulumi.com | sh` (or see "
    "https://www.pulumi.com/docs/install/), make sure `pulumi` is on PATH, then run "
    "`plivo-media demo` again."
)
"""How to get the Pulumi CLI, for the demo's messages."""

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


PACKAGE_DIR = Path(__file__).resolve().parents[2]
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


@dataclass
class DemoOutcome:
    """What the demo did: the media URLs and ids, and the second run's changes.

    Without the Pulumi CLI (``with_pulumi`` False) also: the working folder, the plan after
    one file was edited there, and the drift status of each MediaFile.
    """

    urls: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    first_changes: dict[str, int] = field(default_factory=dict)
    second_changes: dict[str, int] = field(default_factory=dict)
    with_pulumi: bool = True
    work_dir: Path | None = None
    edit_changes: dict[str, int] | None = None
    drift: dict[str, str] = field(default_factory=dict)

    @property
    def converged(self) -> bool:
        """True when the second run changed nothing."""
        return not self.second_changes

    @property
    def ok(self) -> bool:
        """True when the second run changed nothing and, without Pulumi, the edit was
        planned as exactly one replace."""
        return self.converged and self.edit_changes in (None, {"replace": 1})


def format_table(urls: Mapping[str, str], ids: Mapping[str, str]) -> str:
    """Logical name, media id and URL, one row per media file, sorted by name."""
    return render(["FILE", "MEDIA ID", "URL"],
                  ((name, ids.get(name, ""), url) for name, url in sorted(urls.items())))
