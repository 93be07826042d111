"""``plivo-media plugin-dir DIR``: write the ``plivo`` resource plugin as a Pulumi plugin folder.

The folder holds three files, and nothing else is written into it:

* ``PulumiPlugin.yaml``: ``runtime: python`` with ``virtualenv: venv``. The Python language
  host runs such a folder as ``python DIR <engine address>`` inside ``DIR/venv``, with the
  engine's working directory (the project) as its own.
* ``__main__.py``: starts the ``pulumi-resource-plivo`` console script of the package
  installed in that venv, so the folder runs exactly what the executable on PATH runs.
* ``requirements.txt``: what the CLI installs into the venv (``pulumi plugin install
  --file``, ``pulumi package add``, ``packages:``): ``plivo-media-provider==<this
  version>`` by default, or ``--requirement SPEC`` (a wheel, a folder, a URL; a path that
  exists is written absolute, because ``plugin install`` copies the folder elsewhere).

:data:`ROUTES` is every way the engine finds the plugin, with the oldest Pulumi CLI that
takes it; the docs print this table, and the tests that need the CLI check it.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .._version import __version__
from ..errors import PlivoMediaError
from ..exits import ExitCode
from .options import Commands, checked

PLUGIN_NAME = "plivo"
EXECUTABLE = f"pulumi-resource-{PLUGIN_NAME}"
DISTRIBUTION = "plivo-media-provider"


@dataclass(frozen=True)
class Route:
    """One way the engine finds the plugin, and the oldest Pulumi CLI that takes it."""

    name: str
    min_cli: str
    how: str


ROUTES: tuple[Route, ...] = (
    Route("PATH", "3.0.0",
          f"`{EXECUTABLE}` on the PATH the CLI runs with (an activated virtualenv, or pipx)"),
    Route("plugins:", "3.37.0",
          "`plugins: providers: [{name: plivo, path: DIR}]` in Pulumi.yaml, DIR holding "
          f"`{EXECUTABLE}` or being a plugin folder with its venv"),
    Route("plugin install", "3.37.0",
          f"`pulumi plugin install resource {PLUGIN_NAME} VERSION --file DIR` with a plugin "
          "folder"),
    Route("package add", "3.130.0",
          "`pulumi package add DIR` with a plugin folder: an SDK for the program's language, "
          "and `packages:` in Pulumi.yaml"),
    Route("packages:", "3.157.0",
          "`packages: {plivo: DIR}` in Pulumi.yaml with a plugin folder, then "
          "`pulumi install`"),
)
"""Every route, in the order the docs give them."""

PLUGIN_YAML = """\
# The plivo resource plugin (plivo-media-provider {version}), written by
# `plivo-media plugin-dir`. Pulumi's Python language host runs this folder as
# `python <this folder> <engine address>` inside ./venv; `pulumi plugin install --file`,
# `pulumi package add` and `packages:` create that venv from requirements.txt.
runtime:
  name: python
  options:
    virtualenv: venv
"""

MAIN_PY = '''\
"""The plivo resource plugin, run from this folder (written by `plivo-media plugin-dir`).

Pulumi's Python language host runs `python <this folder> <engine address>` in ./venv: this
starts the pulumi-resource-plivo console script of plivo-media-provider installed there.
"""

import sys
from importlib.metadata import entry_points


def main() -> int:
    found = list(entry_points(group="console_scripts", name="{executable}"))
    if not found:
        print(
            "{executable}: plivo-media-provider is not installed in " + sys.prefix
            + "; install it there with `pip install -r requirements.txt`",
            file=sys.stderr,
        )
        return 1
    result = found[0].load()()
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
'''


class PluginDirError(PlivoMediaError):
    """The plugin folder cannot be written as asked."""


@checked
def requirement(text: str) -> str:
    """What requirements.txt installs; one line, and a path that exists made absolute."""
    spec = text.strip()
    if not spec or any(ch in spec for ch in "\r\n\x00"):
        raise ValueError(f"{text!r} is not one requirement: give one line, like "
                         f"'{DISTRIBUTION}=={__version__}', a wheel file or a URL")
    if os.path.exists(spec):
        return os.path.abspath(spec)
    return spec


def folder_files(spec: str | None = None) -> dict[str, str]:
    """The plugin folder's files by name; ``spec`` is what requirements.txt installs."""
    return {
        "PulumiPlugin.yaml": PLUGIN_YAML.format(version=__version__),
        "__main__.py": MAIN_PY.replace("{executable}", EXECUTABLE),
        "requirements.txt": (spec or f"{DISTRIBUTION}=={__version__}") + "\n",
    }


def write_plugin_dir(folder: Path, spec: str | None = None, *, force: bool = False) -> list[Path]:
    """Write the plugin folder's files into ``folder`` (created if missing); return them.

    A file already there with other content is kept, and PluginDirError names it, unless
    ``force``; then every file is checked before any is written.
    """
    if folder.exists() and not folder.is_dir():
        raise PluginDirError(f"{folder} is a file; name a new or existing folder.")
    files = folder_files(spec)
    differing = [name for name, text in files.items()
                 if (folder / name).is_file() and (folder / name).read_text(
                     encoding="utf-8", errors="replace") != text]
    if differing and not force:
        raise PluginDirError(
            f"{folder} already holds {', '.join(differing)} with other content; pass --force "
            "to write this version's files over them, or choose another folder."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PluginDirError(f"{folder}: cannot be written ({exc.strerror}).") from None
    return [folder / name for name in files]


def next_steps(folder: Path) -> list[str]:
    """How each route that takes a plugin folder is used with ``folder``."""
    shown = str(folder)
    return [
        f"pulumi plugin install resource {PLUGIN_NAME} {__version__} --file {shown}"
        f"    # CLI {_min('plugin install')}+",
        f"pulumi package add {shown}    # CLI {_min('package add')}+",
        f"packages: {{{PLUGIN_NAME}: {shown}}} in Pulumi.yaml, then pulumi install"
        f"    # CLI {_min('packages:')}+",
    ]


def _min(route: str) -> str:
    return next(r.min_cli for r in ROUTES if r.name == route)


# -- the command -----------------------------------------------------------------------------


def add(commands: Commands) -> None:
    sub = commands.add_parser(
        "plugin-dir",
        help="write the plivo resource plugin as a Pulumi plugin folder (PulumiPlugin.yaml)",
        description=(
            "Write PulumiPlugin.yaml, __main__.py and requirements.txt into DIR: a plugin "
            "folder for `pulumi plugin install resource plivo VERSION --file DIR`, "
            "`pulumi package add DIR` and `packages:` in Pulumi.yaml. The Pulumi CLI creates "
            "DIR/venv and installs requirements.txt into it. Exit 0: written; 1: DIR holds "
            "other files of those names (see --force) or cannot be written; 64: bad usage."
        ),
    )
    sub.add_argument("dir", metavar="DIR", help="the folder to write (created if missing)")
    sub.add_argument("--requirement", type=requirement, metavar="SPEC",
                     help=f"what requirements.txt installs: a pip requirement, wheel file, "
                          f"folder or URL (default: {DISTRIBUTION}=={__version__})")
    sub.add_argument("--force", action="store_true",
                     help="write over PulumiPlugin.yaml, __main__.py or requirements.txt "
                          "that differ")
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_plugin_dir(Path(args.dir), args.requirement, force=args.force, stdout=sys.stdout)


def run_plugin_dir(folder: Path, spec: str | None, *, force: bool, stdout: TextIO) -> int:
    """The ``plivo-media plugin-dir`` command; a PlivoMediaError that stops it is raised."""
    write_plugin_dir(folder, spec, force=force)
    stdout.write(f"Wrote the {PLUGIN_NAME} plugin folder {folder} "
                 f"({DISTRIBUTION} {__version__}). Use it with one of:\n")
    for step in next_steps(folder):
        stdout.write(f"  {step}\n")
    return ExitCode.OK
