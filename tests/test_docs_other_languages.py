"""``docs/other-languages.md`` against the code: the routes and their CLI versions, the
plugin folder, the settings, the commands it shows, the steps marked as needing the Pulumi
CLI, and the tests it names."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from plivo_media_provider import cli
from plivo_media_provider.cli.migrate import IMPORT_COMMAND
from plivo_media_provider.cli.plugin_dir import ROUTES, folder_files
from plivo_media_provider.settings import CONFIG_KEYS, ENV_KEYS

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "docs" / "other-languages.md").read_text(encoding="utf-8")
CLI_MARK = "**(Pulumi CLI)**"


def section(title: str) -> str:
    start = PAGE.index(f"\n## {title}\n")
    end = PAGE.find("\n## ", start + 1)
    return PAGE[start: end if end != -1 else len(PAGE)]


def table_rows(text: str) -> list[list[str]]:
    rows = [line.strip("|").split("|") for line in text.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row] for row in rows[1:]]  # the header row is not data


def test_the_installation_table_is_every_route_with_its_minimum_cli() -> None:
    rows = table_rows(section("Installation"))

    assert [row[0].strip("`") for row in rows] == [route.name for route in ROUTES]
    for row, route in zip(rows, ROUTES, strict=True):
        major, minor, _ = route.min_cli.split(".")
        assert row[2] == f"{major}.{minor} or later", route.name


def test_the_plugin_folder_is_described_as_plugin_dir_writes_it() -> None:
    text = section("Installation")
    files = folder_files()

    described = re.findall(r"^- `([^`]+)`:", text, flags=re.MULTILINE)
    assert described == list(files)
    assert "runtime: python" in text and "virtualenv: venv" in text
    assert "runtime:\n  name: python" in files["PulumiPlugin.yaml"]
    assert "virtualenv: venv" in files["PulumiPlugin.yaml"]


def test_the_settings_table_is_the_settings_module() -> None:
    rows = table_rows(section("Configuration"))

    assert [row[1].split()[0].strip("`") for row in rows] == list(CONFIG_KEYS.values())
    assert [row[2].strip("`") for row in rows] == list(ENV_KEYS.values())


def test_the_explicit_provider_inputs_are_the_config_keys_without_namespace() -> None:
    listed = re.search(r"as its inputs: (.+?)\. It is", section("Configuration"), re.DOTALL)

    assert listed is not None
    names = re.findall(r"`(\w+)`", listed[1])
    assert names == [key.removeprefix("plivo:") for key in CONFIG_KEYS.values()]


def _plivo_media_commands() -> list[str]:
    found = re.findall(r"`(plivo-media [^`]+)`", PAGE)
    # A bare subcommand name in the prose is not a command line to check.
    return [" ".join(line.split()) for line in found if len(line.split()) > 2]


@pytest.mark.parametrize("command", _plivo_media_commands())
def test_every_plivo_media_command_shown_parses(command: str) -> None:
    words = shlex.split(command)[1:]
    if words[-1] in ("DIR", "NAME"):  # a placeholder the reader fills in
        words[-1] = "x"

    args = cli.build_parser().parse_args(words)

    assert args.handler is not None


def test_the_commands_migrate_prints_are_the_steps_shown() -> None:
    text = section("Moving a stack from the dynamic provider")

    assert IMPORT_COMMAND.format(file="import.json") in text
    assert "pulumi state delete --yes 'URN'" in text


def test_each_migration_step_is_marked_exactly_when_it_runs_pulumi() -> None:
    text = section("Moving a stack from the dynamic provider")
    steps = re.split(r"^\d\. ", text, flags=re.MULTILINE)[1:]

    assert len(steps) == 7
    for number, step in enumerate(steps, start=1):
        runs_pulumi = re.search(r"`pulumi (?!import --file import.json --protect)", step) or (
            "`pulumi import" in step)
        assert step.startswith(CLI_MARK) == bool(runs_pulumi), number


def test_every_test_named_exists() -> None:
    named = set(re.findall(r"`(tests/[\w/]+\.py)`", PAGE))

    assert named
    assert sorted(n for n in named if not (ROOT / n).is_file()) == []


def test_the_readme_links_this_page_from_its_intro_in_one_line() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    intro = readme[: readme.index("\n## ")]

    lines = [line for line in intro.splitlines() if "docs/other-languages.md" in line]
    assert len(lines) == 1


def test_the_docs_overview_links_this_page_from_its_introduction() -> None:
    overview = (ROOT / "docs" / "_index.md").read_text(encoding="utf-8")
    introduction = overview[: overview.index("\n## ")]

    assert "](other-languages.md)" in introduction
