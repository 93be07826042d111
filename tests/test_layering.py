"""The package's import direction: from the CLI and resources down to the facts and errors.

``LAYERS`` lists every module bottom first. A module may import only modules listed before
it (a lower layer), at module level or inside a function; the emulator is one unit that may
import only the facts below it. Only the HTTP layer imports ``requests``, and the bottom
modules import nothing of Pulumi's. A new module must be placed in ``LAYERS`` to pass.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "plivo_media_provider"

LAYERS = [
    # facts and errors: the bottom, standard library only
    "_version", "errors", "exits", "facts", "clock", "schema", "walk", "globs", "table",
    "mock_runtime",
    # the emulator stands in for Plivo: it may share Plivo's facts, nothing else
    "emulator",
    # plain data and local inspection
    "media", "content", "settings", "answers", "journal", "stack_export", "wire", "transport",
    # the HTTP client, then what is built on it
    "client", "proof", "listing", "reconcile",
    # the dynamic provider, then the resources a program declares
    "inputs", "provider", "resources", "asset_plan", "assets",
    # the test kit, ls, drift, the demo and the command line
    "kit_state", "kit_engine", "testing", "pytest_plugin", "ls", "drift_report",
    "drift",
    "demo_project", "demo_kit", "demo", "cli_options", "cli", "__main__", "__init__",
]
HTTP_LAYER = {"client", "transport", "wire", "answers", "proof"}
"""Modules allowed to import ``requests``: the client and the modules under it."""
NO_PULUMI = {"_version", "errors", "exits", "facts", "clock", "schema", "walk", "globs", "table",
             "media", "content",
             "settings", "answers", "journal", "stack_export", "wire", "client", "proof",
             "listing", "reconcile", "emulator", "transport"}


def _unit(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module a (possibly relative) ``from`` import names."""
    if node.level == 0:
        return node.module or ""
    package = ["plivo_media_provider", *path.relative_to(PACKAGE).parent.parts]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _target(module: str) -> str:
    """The unit of an absolute module name: a package module, or ``top:<name>``."""
    head, _, rest = module.partition(".")
    if head != "plivo_media_provider":
        return f"top:{head}"
    return rest.split(".")[0] or "__init__"


def _imports(path: Path) -> list[tuple[int, str]]:
    """``(line, unit)`` for each import in ``path``, at any depth."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, _target(alias.name)) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(path, node)
            if module == "plivo_media_provider":  # from . import x: x is a module, or in __init__
                found.extend((node.lineno, alias.name if (PACKAGE / f"{alias.name}.py").exists()
                              else "__init__") for alias in node.names)
            else:
                found.append((node.lineno, _target(module)))
    return found


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "demo_campaign" not in p.parts)


def test_every_module_has_a_layer() -> None:
    unplaced = sorted({_unit(p) for p in _modules()} - set(LAYERS))
    assert unplaced == [], f"place {unplaced} in LAYERS in tests/test_layering.py"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_flow_down(path: Path) -> None:
    unit = _unit(path)
    rank = LAYERS.index(unit)
    upward = []
    for line, target in _imports(path):
        if target.startswith("top:"):
            top = target[4:]
            if top == "requests" and unit not in HTTP_LAYER:
                upward.append(f"line {line}: requests above the HTTP layer")
            if top == "pulumi" and unit in NO_PULUMI:
                upward.append(f"line {line}: pulumi in a module below the provider")
            continue
        if target == unit:
            continue
        if target not in LAYERS:
            upward.append(f"line {line}: unknown module {target!r}")
        elif LAYERS.index(target) >= rank:
            upward.append(f"line {line}: imports {target!r}, which is not below {unit!r}")
    assert upward == []


def test_the_emulator_shares_only_the_facts() -> None:
    shared = {target for path in PACKAGE.joinpath("emulator").rglob("*.py")
              for _, target in _imports(path) if not target.startswith("top:")}
    assert shared <= {"facts", "emulator"}, shared
