"""The examples that use the ``plivo`` plugin (YAML, TypeScript, two accounts), held against
the plugin's package schema: every type exists, every property set is an input of that
resource or provider, every required input is set, every output read is a property.

The YAML programs are read with a YAML parser. The TypeScript program is read by
:func:`typescript_declarations`, which understands the one shape the example uses (``new
plivo.X("name", {key: value, ...})`` and ``export const name = resource.property``) and
fails on any ``new plivo.`` it cannot read, so it cannot pass by skipping something.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi.runtime.proto import provider_pb2

from plivo_media_provider.api.client import MediaClient
from plivo_media_provider.cli.plugin_dir import PLUGIN_NAME
from plivo_media_provider.core.content import inspect_file
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.uploads.journal import JOURNAL_DIR_ENV
from tests.conftest import provider_env
from tests.support.plugin_engine import EngineService, PluginEngine, PluginProcess

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
PLUGIN_EXAMPLES = {"yaml": "yaml", "typescript": "nodejs", "two-accounts": "yaml"}
PROVIDER_TYPE = f"pulumi:providers:{PLUGIN_NAME}"
MEDIA_FILE = f"{PLUGIN_NAME}:index:MediaFile"


@dataclass
class Declared:
    """One resource a program declares: its type, the inputs it sets, its provider's name."""

    type_: str
    inputs: dict[str, Any]
    provider: str | None = None


@dataclass
class Program:
    resources: dict[str, Declared] = field(default_factory=dict)
    reads: list[tuple[str, str]] = field(default_factory=list)
    """Every ``resource.property`` the program reads (outputs, other resources' inputs)."""
    config: set[str] = field(default_factory=set)
    """Config names the program uses, which must be declared."""


def project_of(folder: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((folder / "Pulumi.yaml").read_text())
    return loaded


# -- reading the programs --------------------------------------------------------------------

_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][\w-]*)(?:\.([A-Za-z_]\w*))?\}")


def _interpolations(value: Any) -> list[tuple[str, str | None]]:
    if isinstance(value, str):
        return [(m[1], m[2]) for m in _INTERPOLATION.finditer(value)]
    if isinstance(value, dict):
        return [i for v in value.values() for i in _interpolations(v)]
    if isinstance(value, list):
        return [i for v in value for i in _interpolations(v)]
    return []


def yaml_declarations(folder: Path) -> Program:
    project = project_of(folder)
    program = Program()
    for name, spec in (project.get("resources") or {}).items():
        options = spec.get("options") or {}
        provider = options.get("provider")
        program.resources[name] = Declared(
            spec["type"], dict(spec.get("properties") or {}),
            provider[2:-1] if isinstance(provider, str) else None,
        )
    values = [*(r.inputs for r in program.resources.values()), project.get("outputs") or {}]
    for target, prop in (i for v in values for i in _interpolations(v)):
        if prop is None:
            program.config.add(target)
        else:
            program.reads.append((target, prop))
    return program


_NEW = re.compile(r"new\s+plivo\.(\w+)\(\s*\"([^\"]+)\"\s*,\s*\{")
_KEY = re.compile(r"^\s*(\w+)\s*:", re.MULTILINE)
_STRING_VALUE = re.compile(r"^\s*(\w+)\s*:\s*\"([^\"]*)\",?$", re.MULTILINE)
_EXPORT = re.compile(r"^export const \w+ = (\w+)\.(\w+);$", re.MULTILINE)
_ASSIGNED = re.compile(r"const (\w+) = new plivo\.")


def _object_body(text: str, start: int) -> str:
    """The text of the object literal whose ``{`` is just before ``start``."""
    depth = 1
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return text[start:index]
    raise AssertionError(f"unclosed object literal at {start}")


def typescript_declarations(path: Path) -> Program:
    text = path.read_text()
    program = Program()
    calls = list(_NEW.finditer(text))
    assert len(calls) == text.count("new plivo."), "a `new plivo.` call this reader can't read"
    variables = _ASSIGNED.findall(text)
    assert len(variables) == len(calls), "every resource is assigned to a const"
    for variable, call in zip(variables, calls, strict=True):
        body = _object_body(text, call.end())
        assert "{" not in body, "nested objects are not read"
        kind = "pulumi:providers:plivo" if call[1] == "Provider" else f"plivo:index:{call[1]}"
        inputs: dict[str, Any] = dict.fromkeys(_KEY.findall(body))
        inputs.update(_STRING_VALUE.findall(body))
        program.resources[variable] = Declared(kind, inputs)
    program.reads = [(m[1], m[2]) for m in _EXPORT.finditer(text)]
    assert len(program.reads) == text.count("export "), "an export this reader can't read"
    return program


def declarations(example: str) -> Program:
    folder = EXAMPLES / example
    if PLUGIN_EXAMPLES[example] == "nodejs":
        return typescript_declarations(folder / "index.ts")
    return yaml_declarations(folder)


# -- the projects ----------------------------------------------------------------------------


@pytest.mark.parametrize("example", sorted(PLUGIN_EXAMPLES))
def test_each_plugin_example_is_a_project_with_a_readme(example: str) -> None:
    folder = EXAMPLES / example
    project = project_of(folder)

    assert project["name"] == f"plivo-media-{example}"
    assert project["runtime"] == PLUGIN_EXAMPLES[example]
    assert "pulumi up" in (folder / "README.md").read_text()
    assert "docs/other-languages.md" in (folder / "README.md").read_text()


@pytest.mark.parametrize("example", sorted(PLUGIN_EXAMPLES))
def test_each_declared_path_is_a_valid_media_file_of_the_example(example: str) -> None:
    program = declarations(example)
    folder = EXAMPLES / example
    if PLUGIN_EXAMPLES[example] == "nodejs":
        paths = re.findall(r'path: "([^"]+)"', (folder / "index.ts").read_text())
    else:
        paths = [r.inputs["path"] for r in program.resources.values() if r.type_ == MEDIA_FILE]

    assert len(paths) == sum(r.type_ == MEDIA_FILE for r in program.resources.values()) > 0
    for path in paths:
        assert inspect_file(str(folder / path)).problems == (), path


def test_the_typescript_example_names_the_plugin_folder_it_tells_you_to_write() -> None:
    folder = EXAMPLES / "typescript"

    assert project_of(folder)["packages"] == {PLUGIN_NAME: "./plivo-plugin"}
    assert "plivo-media plugin-dir plivo-plugin" in (folder / "README.md").read_text()
    assert "plivo-plugin/" in (folder / ".gitignore").read_text().split()
    assert 'import * as plivo from "@pulumi/plivo";' in (folder / "index.ts").read_text()


def test_two_accounts_gives_each_media_file_an_explicit_provider_of_its_own_account() -> None:
    program = declarations("two-accounts")
    providers = {n: r for n, r in program.resources.items() if r.type_ == PROVIDER_TYPE}
    media = {n: r for n, r in program.resources.items() if r.type_ == MEDIA_FILE}

    assert sorted(providers) == ["harbor", "sunset"]
    assert {n: r.provider for n, r in media.items()} == {
        "harborLogo": "harbor", "harborMenu": "harbor", "sunsetLogo": "sunset"}
    ids = {n: r.inputs["authId"] for n, r in providers.items()}
    assert ids == {"harbor": "${harborAuthId}", "sunset": "${sunsetAuthId}"}
    config = project_of(EXAMPLES / "two-accounts")["config"]
    assert config["harborAuthToken"]["secret"] is True
    assert config["sunsetAuthToken"]["secret"] is True


def test_the_yaml_programs_declare_every_config_name_they_use() -> None:
    for example in ("yaml", "two-accounts"):
        program = declarations(example)
        declared = set(project_of(EXAMPLES / example).get("config") or {})
        assert program.config <= declared, example


# -- against the plugin's schema -------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    module = pytest.importorskip(
        "plivo_media_provider.plugin.schema",
        reason="the plugin's package schema comes with issue-18a's plugin",
    )
    loaded: dict[str, Any] = module.package_schema()
    return loaded


def _spec(schema: dict[str, Any], type_: str) -> dict[str, Any]:
    if type_ == PROVIDER_TYPE:
        provider: dict[str, Any] = schema["provider"]
        return provider
    assert type_ in schema["resources"], f"{type_} is not a resource of the schema"
    resource: dict[str, Any] = schema["resources"][type_]
    return resource


@pytest.mark.parametrize("example", sorted(PLUGIN_EXAMPLES))
def test_every_resource_and_property_of_the_example_is_in_the_schema(
    example: str, schema: dict[str, Any]
) -> None:
    program = declarations(example)

    assert program.resources
    for name, declared in program.resources.items():
        spec = _spec(schema, declared.type_)
        inputs = set(spec.get("inputProperties") or {})
        assert set(declared.inputs) <= inputs, (name, set(declared.inputs) - inputs)
        assert set(spec.get("requiredInputs") or []) <= set(declared.inputs), name
        if declared.provider is not None:
            assert program.resources[declared.provider].type_ == PROVIDER_TYPE
    for target, prop in program.reads:
        assert target in program.resources, target
        spec = _spec(schema, program.resources[target].type_)
        readable = set(spec.get("properties") or {}) | set(spec.get("inputProperties") or {})
        assert prop in readable, (target, prop)


# -- end to end: the real plugin against the emulator ----------------------------------------


@pytest.mark.parametrize("example", ["yaml", "typescript"])
def test_example_uploads_every_file_once_through_the_plugin_then_changes_nothing(
    example: str, tmp_path: Path, emulator: Emulator, client: MediaClient
) -> None:
    folder = Path(shutil.copytree(EXAMPLES / example, tmp_path / example))
    declared = {n: r.inputs for n, r in declarations(example).resources.items()}

    with closing(EngineService()) as service, \
            PluginProcess(service, env=provider_env(emulator.url), cwd=folder) as process:
        process.configure({})
        engine = PluginEngine(process)
        first = engine.up(declared)
        second = engine.up(declared)

    assert first.ok, (first.failures, first.errors)
    assert sorted(first.created) == sorted(declared)
    assert second.ok and not second.changed
    for name, entry in engine.state.items():
        assert client.download(client.get(entry.id)) == \
            (folder / declared[name]["path"]).read_bytes()
    assert len(list(client.iter_media())) == len(declared)


HARBOR_TOKEN = "tok-HARBOR-5e6f-never-print"
SUNSET_TOKEN = "tok-SUNSET-7a8b-never-print"


def test_two_accounts_uploads_each_brand_to_its_own_account_in_one_run(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(EXAMPLES / "two-accounts", tmp_path / "two-accounts"))
    config = {key.split(":", 1)[1]: value for key, value in yaml.safe_load(
        (folder / "Pulumi.example.yaml").read_text())["config"].items()}
    tokens = {"harborAuthToken": HARBOR_TOKEN, "sunsetAuthToken": SUNSET_TOKEN}
    program = declarations("two-accounts")
    # No PLIVO_* at all: each provider has only its own inputs.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "PULUMI_"))}
    env[JOURNAL_DIR_ENV] = str(tmp_path / "journal")
    accounts = {config["harborAuthId"]: HARBOR_TOKEN, config["sunsetAuthId"]: SUNSET_TOKEN}

    with Emulator(port=0, auth_id="MAEMULATOR0000000000", auth_token="unused-token",
                  rate_limit=None, accounts=accounts) as emulator:
        values = {**config, **tokens, "apiUrl": emulator.url}

        def resolved(inputs: dict[str, Any]) -> dict[str, Any]:
            return {k: values[v[2:-1]] if str(v).startswith("${") else v
                    for k, v in inputs.items()}

        engines: dict[str, PluginEngine] = {}
        with contextlib.ExitStack() as stack:
            service = stack.enter_context(closing(EngineService()))
            for name, declared in program.resources.items():
                if declared.type_ == PROVIDER_TYPE:
                    process = stack.enter_context(PluginProcess(service, env=env, cwd=folder))
                    process.configure(resolved(declared.inputs))
                    engines[name] = PluginEngine(process)
            outcomes = {
                provider: engine.up({n: r.inputs for n, r in program.resources.items()
                                     if r.provider == provider})
                for provider, engine in engines.items()
            }
        assert all(o.ok and o.created for o in outcomes.values()), outcomes

        held = {}
        for account, token in accounts.items():
            with MediaClient(account, token, emulator.url) as own:
                held[account] = sorted(m.file_name for m in own.iter_media())

    assert held == {config["harborAuthId"]: ["harbor-logo.png", "lunch-menu.pdf"],
                    config["sunsetAuthId"]: ["sunset-logo.png"]}


@pytest.mark.parametrize(
    ("change", "replaces", "changes"),
    [
        pytest.param({"authToken": "tok-ROTATED-never-print"}, [], False, id="token-rotated"),
        pytest.param({"authId": "MAOTHERACCOUNT000001"}, ["authId"], True, id="other-account"),
        pytest.param({"apiUrl": "https://gateway.example"}, [], True, id="gateway"),
    ],
)
def test_a_providers_new_settings_replace_media_only_for_another_account(
    change: dict[str, str], replaces: list[str], changes: bool, tmp_path: Path,
    emulator: Emulator,
) -> None:
    olds = {"authId": "MAHARBOR000000000001", "authToken": HARBOR_TOKEN,
            "apiUrl": "https://api.plivo.com"}

    with closing(EngineService()) as service, \
            PluginProcess(service, env=provider_env(emulator.url), cwd=tmp_path) as process:
        diff = process.diff_config(olds, {**olds, **change})

    assert list(diff.replaces) == replaces
    assert (diff.changes == provider_pb2.DiffResponse.DIFF_SOME) is changes
