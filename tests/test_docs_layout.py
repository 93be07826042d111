"""The documentation's layout: the README is the front door, ``docs/`` is laid out as a Pulumi
Registry package (``_index.md`` and ``installation-configuration.md`` with their front
matter, every page linked from the index), and the code and commands these pages show are
the examples' files and the command line's behaviour."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from plivo_media_provider import __version__, cli
from plivo_media_provider.settings import (
    CONFIG_KEYS,
    DEFAULT_API_URL,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_REQUEST_DEADLINE,
    ENV_KEYS,
    RetryPolicy,
)

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = sorted(DOCS.glob("*.md"))
USER_DOCS = [ROOT / "README.md", *PAGES]


def page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def block_after(text: str, after: str) -> str:
    """The first fenced code block after the first line holding ``after``."""
    start = text.index(after)
    match = re.search(r"```[a-z]*\n(.*?)```", text[start:], re.DOTALL)
    assert match, f"no code block after {after!r}"
    return match.group(1)


def section(text: str, heading: str) -> str:
    """From the heading line ``heading`` to the next heading of its level or above (a ``#``
    line in a fenced code block is no heading)."""
    level = len(heading.split(" ", 1)[0])
    lines = text[text.index(f"\n{heading}\n") + len(heading) + 2:].split("\n")
    fenced = False
    for number, line in enumerate(lines):
        fenced ^= line.startswith("```")
        if not fenced and re.match(rf"#{{1,{level}}} ", line):
            return "\n".join(lines[:number])
    return "\n".join(lines)


# -- the front door -------------------------------------------------------------------------------


def test_the_readme_opens_with_the_two_commands_and_stays_a_front_door() -> None:
    first = README.split("\n")[:6]

    assert first == [
        "# plivo-media-provider",
        "",
        "```sh",
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && plivo-media demo"
        "   # the main job, on the embedded emulator",
        'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[test]" && pytest'
        "     # the tests",
        "```",
    ]
    assert len(README.splitlines()) <= 300
    assert "tests.benchmarks" not in README  # performance internals live on their page


def test_the_readmes_first_program_is_the_single_file_example() -> None:
    program = section(README, "## A first program")

    assert block_after(program, "`Pulumi.yaml`:") == \
        (EXAMPLES / "single-file" / "Pulumi.yaml").read_text()
    assert block_after(program, "`__main__.py`:") == \
        (EXAMPLES / "single-file" / "__main__.py").read_text()


@pytest.mark.parametrize(
    "text", [README, page("installation-configuration.md")], ids=["readme", "installation"])
def test_install_says_how_until_the_package_is_on_pypi_and_not_that_it_is(text: str) -> None:
    words = " ".join(text.split())

    assert "Until it is on PyPI, install it from a checkout, or from a wheel" in words
    assert "Once it is published, `pip install plivo-media-provider` installs the same." in words
    said = [words[max(0, m.start() - 30): m.end()]
            for m in re.finditer(r"\b(is|are) (now )?(on|published to) PyPI\b", words)]
    assert said and [s for s in said if not re.search(r"\b(until|once)\b", s, re.I)] == []
    assert f"Version {__version__} is released from a version tag" in words


# -- the Registry layout --------------------------------------------------------------------------


def front_matter(text: str) -> dict[str, object]:
    match = re.match(r"---\n(.*?)\n---\n", text, re.DOTALL)
    assert match, "no front matter"
    loaded = yaml.safe_load(match.group(1))
    assert isinstance(loaded, dict)
    return loaded


@pytest.mark.parametrize("name", ["_index.md", "installation-configuration.md"])
def test_the_registry_pages_have_their_front_matter(name: str) -> None:
    matter = front_matter(page(name))

    assert matter["layout"] == "package"
    assert isinstance(matter["title"], str) and matter["title"]
    assert isinstance(matter["meta_desc"], str) and len(matter["meta_desc"]) > 40


def test_the_index_links_every_page_and_the_readme_links_the_index_and_every_page() -> None:
    index = page("_index.md")
    others = [p.name for p in PAGES if p.name != "_index.md"]

    assert [name for name in others if f"]({name})" not in index] == []
    assert [name for name in [*others, "_index.md"] if f"](docs/{name})" not in README] == []
    for name in ("ARCHITECTURE.md", "CHANGELOG.md"):
        assert f"](../{name})" in index and f"]({name})" in README


@pytest.mark.parametrize(
    ("language", "example"),
    [("Python", "single-file/__main__.py"), ("TypeScript", "typescript/index.ts"),
     ("YAML", "yaml/Pulumi.yaml")],
    ids=["python", "typescript", "yaml"],
)
def test_the_index_example_in_each_language_is_the_examples_program(
    language: str, example: str,
) -> None:
    shown = block_after(section(page("_index.md"), f"### {language}"), "```")

    assert shown == (EXAMPLES / example).read_text()


# -- installation and configuration ---------------------------------------------------------------


def test_the_plugin_install_commands_write_a_folder_for_this_checkout_and_name_this_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = section(page("installation-configuration.md"), "### The resource plugin")
    commands = [shlex.split(line) for line in block_after(text, "```sh").splitlines()]
    [plugin_dir, install] = commands
    monkeypatch.chdir(ROOT)  # from a checkout, as the page says

    written = cli.main([plugin_dir[1], str(tmp_path / plugin_dir[2]), *plugin_dir[3:]])

    assert plugin_dir[:2] == ["plivo-media", "plugin-dir"] and written == 0
    assert (tmp_path / plugin_dir[2] / "requirements.txt").read_text() == f"{ROOT}\n"
    assert install == ["pulumi", "plugin", "install", "resource", "plivo",
                                  __version__, "--file", plugin_dir[2]]
    assert f"`plivo-media-provider=={__version__}`" in text


def test_the_python_it_needs_is_the_projects() -> None:
    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    needed = re.search(r'^requires-python = ">=([\d.]+)"$', project, re.MULTILINE)

    assert needed is not None
    needed_version = needed.group(1)

    assert f"It needs Python {needed_version} or later." in page("installation-configuration.md")


def test_the_settings_table_is_the_settings_module_with_its_defaults() -> None:
    table = section(page("installation-configuration.md"), "### Settings and precedence")
    rows = [[cell.strip() for cell in line.strip("|").split("|")]
            for line in table.splitlines() if line.startswith("| ")][1:]
    defaults = {CONFIG_KEYS[name]: default for name, default in (
        ("api_url", DEFAULT_API_URL), ("read_timeout", DEFAULT_READ_TIMEOUT),
        ("request_deadline", DEFAULT_REQUEST_DEADLINE), ("retries", RetryPolicy.retries),
        ("backoff_factor", RetryPolicy.backoff_factor))}

    assert [row[1].split()[0].strip("`") for row in rows] == list(CONFIG_KEYS.values())
    assert [row[2].strip("`") for row in rows] == list(ENV_KEYS.values())
    for row in rows:
        key = row[1].split()[0].strip("`")
        if key in defaults:
            default = defaults[key]
            shown = default if isinstance(default, str) else f"{default:g}"
            assert row[3].startswith(f"`{shown}`"), key
        else:
            assert row[3].startswith("none: required"), key


def test_the_pulumi_config_and_environment_examples_set_the_credentials() -> None:
    configuration = section(page("installation-configuration.md"), "## Configuration")
    config = block_after(configuration, "### With `pulumi config set`")
    environment = block_after(configuration, "### With environment variables")

    assert config.splitlines() == [
        f"pulumi config set {CONFIG_KEYS['auth_id']} MAXXXXXXXXXXXXXXXXXX",
        f"pulumi config set --secret {CONFIG_KEYS['auth_token']}"]
    assert [line.split("=")[0] for line in environment.splitlines()] == [
        f"export {ENV_KEYS['auth_id']}", f"export {ENV_KEYS['auth_token']}"]


# -- docs speak to users --------------------------------------------------------------------------


@pytest.mark.parametrize("path", USER_DOCS, ids=[p.name for p in USER_DOCS])
def test_no_page_points_at_an_issue(path: Path) -> None:
    text = path.read_text(encoding="utf-8")

    found = re.findall(r"\bthe issue'?s?\b|\bissues? #?\d+", text, flags=re.IGNORECASE)

    assert found == []
