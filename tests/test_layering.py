"""The package's wings and their import direction, as ARCHITECTURE.md draws them.

``WINGS`` lists every wing bottom first, and in each wing its modules bottom first. A module
may import only modules listed before it (at module level or inside a function): its own
wing's lower modules, or any module of a lower wing. So wings import downward only, and a
new module must be placed here to pass. Beyond the order:

* the core and every wing below it import nothing of Pulumi's;
* only the API wing imports ``requests``;
* the emulator is one unit that imports only the facts.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "plivo_media_provider"

WINGS: list[tuple[str, list[str]]] = [
    # the bottom: standard library only
    ("bottom", ["_version", "errors", "exits", "facts", "clock", "cancel", "settings",
                "table"]),
    # the emulator stands in for Plivo: it may share Plivo's facts, nothing else
    ("emulator", ["emulator"]),
    # Plivo's Media API: the client, then what is built on it
    ("api", ["api.media", "api.answers", "api.plivo_clock", "api.order", "api.deadline",
             "api.transport", "api.wire", "api.sessions", "api.client", "api.pool", "api.proof",
             "api.listing",
             "api.__init__"]),
    # uploads stored exactly once
    ("uploads", ["uploads.journal", "uploads.search", "uploads.protocol", "uploads.__init__"]),
    # MediaFile's behaviour, engine-neutral
    ("core", ["core.schema", "core.values", "core.content", "core.inputs", "core.media_file",
              "core.__init__"]),
    # the faces that serve the core to Pulumi
    ("faces", ["provider", "plugin.schema", "plugin.properties", "plugin.config",
               "plugin.engine_log", "plugin.server", "plugin.main", "plugin.__init__",
               "plugin.__main__"]),
    # what a Python program declares
    ("resources", ["resources.keywords", "resources.walk", "resources.globs",
                   "resources.media_file", "resources.plan", "resources.assets",
                   "resources.__init__"]),
    # drift: state against Plivo and the files
    ("drift", ["drift.stack_export", "drift.report", "drift.junit", "drift.markdown",
               "drift.check", "drift.__init__"]),
    # the test kit
    ("testing", ["testing.mock_runtime", "testing.state", "testing.engine", "testing.kit",
                 "testing.pytest_plugin", "testing.__init__"]),
    # the command line, one module per subcommand
    ("cli", ["cli.options", "cli.emulator", "cli.ls", "cli.drift", "cli.migrate",
             "cli.plugin_dir", "cli.demo.project",
             "cli.demo.offline", "cli.demo.live", "cli.demo.__init__", "cli.dispatch",
             "cli.__init__"]),
    # the public surface: the package, and the import paths kept from 0.1
    ("public", ["client", "reconcile", "pytest_plugin", "__init__", "__main__"]),
]
ORDER = [unit for _, units in WINGS for unit in units]
WING_OF = {unit: wing for wing, units in WINGS for unit in units}
NO_PULUMI = {"bottom", "emulator", "api", "uploads", "core"}
"""Wings that import nothing of Pulumi's: the core and everything below it."""
HTTP_WING = "api"


def _unit(path: Path) -> str:
    """The unit a package file belongs to: ``api.client``, ``cli.demo.__init__``,
    ``emulator`` (the whole emulator), or a root module's name."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return "emulator" if parts[0] == "emulator" else ".".join(parts)


def _unit_of_module(dotted: str) -> str:
    """The unit of an absolute module name inside the package, or ``top:<name>``."""
    head, _, rest = dotted.partition(".")
    if head != "plivo_media_provider":
        return f"top:{head}"
    if not rest:
        return "__init__"
    parts = rest.split(".")
    if parts[0] == "emulator":
        return "emulator"
    if PACKAGE.joinpath(*parts).is_dir():
        return ".".join([*parts, "__init__"])
    return rest


def _imports(path: Path) -> list[tuple[int, str]]:
    """``(line, unit)`` for each import in ``path``, at any depth."""
    package = ["plivo_media_provider", *path.relative_to(PACKAGE).parent.parts]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, _unit_of_module(alias.name)) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                module = node.module or ""
            else:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            unit = _unit_of_module(module)
            for alias in node.names:
                # ``from . import x``: x is a submodule when its file exists.
                sub = PACKAGE.joinpath(*module.split(".")[1:], alias.name)
                is_module = sub.with_suffix(".py").is_file() or sub.is_dir()
                target = _unit_of_module(f"{module}.{alias.name}") if is_module else unit
                found.append((node.lineno, target))
    return found


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "demo_campaign" not in p.parts)


def test_every_module_has_a_place_in_a_wing() -> None:
    unplaced = sorted({_unit(p) for p in _modules()} - set(ORDER))
    assert unplaced == [], f"place {unplaced} in WINGS in tests/test_layering.py"
    assert len(ORDER) == len(set(ORDER))


def test_every_listed_module_exists() -> None:
    assert sorted(set(ORDER) - {_unit(p) for p in _modules()}) == []


def _problems(unit: str, imports: list[tuple[int, str]]) -> list[str]:
    """What breaks the rules among ``unit``'s imports: one line each."""
    wing = WING_OF[unit]
    rank = ORDER.index(unit)
    problems = []
    for line, target in imports:
        if target.startswith("top:"):
            top = target[4:]
            if top == "requests" and wing != HTTP_WING:
                problems.append(f"line {line}: requests outside the API wing")
            if top == "pulumi" and wing in NO_PULUMI:
                problems.append(f"line {line}: pulumi in the {wing} wing, below the faces")
            continue
        if target == unit:
            continue
        if target not in ORDER:
            problems.append(f"line {line}: unknown module {target!r}")
        elif ORDER.index(target) >= rank:
            problems.append(f"line {line}: imports {target!r}, which is not below {unit!r}")
    return problems


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_flow_down(path: Path) -> None:
    assert _problems(_unit(path), _imports(path)) == []


@pytest.mark.parametrize(("unit", "target", "why"), [
    ("core.media_file", "provider", "not below"),
    ("api.client", "uploads.journal", "not below"),
    ("resources.assets", "testing.kit", "not below"),
    ("core.inputs", "top:pulumi", "pulumi in the core wing"),
    ("uploads.protocol", "top:requests", "requests outside the API wing"),
    ("drift.check", "top:requests", "requests outside the API wing"),
    ("api.client", "api.listing", "not below"),
    ("cli.ls", "nowhere.module", "unknown module"),
], ids=lambda v: str(v))
def test_a_module_that_breaks_a_rule_is_caught(unit: str, target: str, why: str) -> None:
    [problem] = _problems(unit, [(7, target)])
    assert problem.startswith("line 7: ") and why in problem


def test_the_emulator_shares_only_the_facts() -> None:
    shared = {target for path in PACKAGE.joinpath("emulator").rglob("*.py")
              for _, target in _imports(path) if not target.startswith("top:")}
    assert shared <= {"facts", "emulator"}, shared


def test_architecture_md_names_every_wing_and_top_level_module() -> None:
    text = (PACKAGE.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    folders = sorted(p.name for p in PACKAGE.iterdir()
                     if p.is_dir() and (p / "__init__.py").exists() and p.name != "demo_campaign")
    assert [f for f in folders if f"`{f}/`" not in text] == []
    top = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py",
                                                                        "__main__.py"))
    assert [f for f in top if f"`{f}`" not in text] == []
