"""``plivo-media drift --format junit|markdown|json``, ``--output FILE``: reports CI tools read.

The JUnit document is validated against ``tests/fixtures/junit.xsd`` (the structure CI test
reporters read) and its counts against its test cases; every run goes through ``cli.main``
against the emulator, as in ``test_drift.py``, whose fixtures these tests share.
"""
# ruff: noqa: F811 - the shared fixtures are imported by name, and pytest passes them back

from __future__ import annotations

import io
import os
import re
import shlex
import stat
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from plivo_media_provider.cli.dispatch import (
    EXIT_DRIFT,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    build_parser,
)
from plivo_media_provider.emulator import Emulator
from tests.test_drift import (  # noqa: F401 - fixtures, found by name
    HOUR,
    Deployed,
    Run,
    advance,
    control,
    creds,
    deploy,
    emulator_clock,
    run,
    secret,
    stack_export,
    state_file,
)

xmlschema = pytest.importorskip("xmlschema", reason="the JUnit schema check needs xmlschema "
                                "(pip install -e '.[test]')")
SCHEMA = xmlschema.XMLSchema(str(Path(__file__).parent / "fixtures" / "junit.xsd"))


def junit(text: str) -> ET.Element:
    """The document, once it is valid against the schema."""
    SCHEMA.validate(text)
    return ET.fromstring(text)


def cases(root: ET.Element) -> dict[str, ET.Element]:
    return {case.attrib["name"]: case for case in root.iter("testcase")}


def outcome(case: ET.Element) -> tuple[str, str] | None:
    """The test case's ``failure`` or ``error`` and its type, or None when it passed."""
    found = [(child.tag, child.attrib["type"]) for child in case
             if child.tag in ("failure", "error", "skipped")]
    assert len(found) <= 1
    return found[0] if found else None


@pytest.fixture
def mixed(
    emulator: Emulator, emulator_clock: None, deploy: Callable[..., Deployed],
    state_file: Callable[..., str], creds: None,
) -> str:
    """A state with one MediaFile of each kind: in sync, expiring, gone from Plivo, edited
    locally, and one that cannot be checked (its path is encrypted in the export)."""
    soon = deploy("soon")
    advance(emulator, 5.5 * HOUR)  # unsent media expires at 6 h: "soon" is within the hour
    fine, gone, edited, hidden = deploy("fine"), deploy("gone"), deploy("edited"), deploy("hidden")
    control(emulator, "DELETE", f"media/{gone.media.media_id}")
    edited.path.write_bytes(b"\x89PNG\r\n\x1a\n edited")
    return state_file(stack_export(fine.entry(), soon.entry(), gone.entry(), edited.entry(),
                                   hidden.entry(path=secret())))


EXPECTED = {"fine": None, "soon": None, "gone": ("failure", "missing_remote"),
            "edited": ("failure", "local_changed"), "hidden": ("error", "error")}


# -- JUnit --------------------------------------------------------------------------------------


def test_junit_has_one_test_case_per_media_file_drift_failing_and_errors_erring(
    mixed: str, run: Callable[..., Run],
) -> None:
    result = run("drift", "--state", mixed, "--format", "junit")

    root = junit(result.out)
    assert result.code == EXIT_ERROR  # an error wins over drift, whatever the format
    found = cases(root)
    assert list(found) == ["fine", "soon", "gone", "edited", "hidden"]  # state order
    assert {name: outcome(case) for name, case in found.items()} == EXPECTED
    [suite] = root.findall("testsuite")
    for element in (root, suite):
        assert element.attrib["tests"] == "5"
        assert element.attrib["failures"] == "2" and element.attrib["errors"] == "1"
    assert "Unless it was sent in an MMS" in (found["soon"].findtext("system-out") or "")
    failure = found["gone"].find("failure")
    assert failure is not None and failure.attrib["message"].startswith("missing_remote: ")
    assert "pulumi refresh, then pulumi up" in (failure.text or "")
    properties = {p.attrib["name"]: p.attrib["value"] for p in suite.iter("property")}
    assert properties["schema"] == "plivo-media-drift/1"
    assert properties["exit_code"] == "1" and properties["source"] == f"file {mixed}"
    assert result.err.strip().startswith("plivo-media drift: ERRORS: 5 MediaFile")
    assert len(result.err.strip().splitlines()) == 1


def test_junit_of_a_run_that_could_not_start_is_one_errored_case(
    deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run],
    state_file: Callable[..., str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = state_file(stack_export(deploy("logo").entry()))
    monkeypatch.delenv("PLIVO_AUTH_TOKEN")

    result = run("drift", "--state", state, "--format", "junit")

    assert result.code == EXIT_ERROR
    [case] = cases(junit(result.out)).values()
    assert case.attrib["name"] == "plivo-media drift"
    assert outcome(case) == ("error", "run_failed")
    error = case.find("error")
    assert error is not None and "PLIVO_AUTH_TOKEN" in error.attrib["message"]
    assert result.err.strip() == f"Error: {error.attrib['message']}"


def test_junit_stays_valid_xml_whatever_a_name_or_path_holds(
    deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run],
    state_file: Callable[..., str],
) -> None:
    logo = deploy("logo")
    entry = logo.entry(path="bad\x01<&>\"name'.png")
    entry["urn"] = entry["urn"].replace("::logo", "::odd\x07<&>")

    result = run("drift", "--state", state_file(stack_export(entry)), "--format", "junit")

    [case] = cases(junit(result.out)).values()
    assert case.attrib["name"] == "odd\ufffd<&>"
    assert outcome(case) == ("failure", "local_missing")


def test_an_empty_stack_is_a_valid_junit_document_without_test_cases(
    creds: None, run: Callable[..., Run], state_file: Callable[..., str],
) -> None:
    result = run("drift", "--state", state_file(stack_export()), "--format", "junit")

    assert result.code == EXIT_OK
    root = junit(result.out)
    assert root.attrib["tests"] == "0" and cases(root) == {}


# -- Markdown -----------------------------------------------------------------------------------


def test_markdown_tables_what_needs_attention_and_folds_what_is_in_sync(
    mixed: str, run: Callable[..., Run],
) -> None:
    result = run("drift", "--state", mixed, "--format", "markdown")

    lines = result.out.splitlines()
    assert result.code == EXIT_ERROR
    assert lines[0] == "### plivo-media drift: ERRORS"
    assert lines[2].startswith(f"5 MediaFile resources of file {mixed} checked against ")
    assert "(1 in_sync, 1 expiring, 1 local_changed, 1 missing_remote, 1 error)." in lines[2]
    rows = [line for line in lines if line.startswith("| ") and "<code>" in line]
    names = [row.split(" | ")[1] for row in rows]
    assert names == [f"<code>{n}</code>" for n in ("soon", "gone", "edited", "hidden", "fine")]
    assert all(len(row.split(" | ")) == 6 for row in rows)
    assert rows[1].startswith("| ❌ | <code>gone</code> | <code>missing_remote</code>")
    assert "<details><summary>1 in sync</summary>" in lines
    assert lines.index("<details><summary>1 in sync</summary>") < lines.index(rows[-1])


def test_markdown_cells_cannot_break_the_table(
    deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run],
    state_file: Callable[..., str],
) -> None:
    entry = deploy("logo").entry(path="a|b\n<img src=x>.png")
    entry["urn"] = entry["urn"].replace("::logo", "::pipe|name")

    result = run("drift", "--state", state_file(stack_export(entry)), "--format", "markdown")

    [row] = [line for line in result.out.splitlines() if line.startswith("| ❌")]
    assert len(row.split(" | ")) == 6
    assert "<code>pipe&#124;name</code>" in row
    assert "&lt;img src=x&gt;" in row and "<img" not in row


def test_markdown_of_a_failed_run_says_why(
    creds: None, run: Callable[..., Run], tmp_path: Path,
) -> None:
    result = run("drift", "--state", str(tmp_path / "missing.json"), "--format", "markdown")

    assert result.code == EXIT_ERROR
    assert result.out.splitlines()[0] == (
        f"### plivo-media drift: could not check file {tmp_path / 'missing.json'}")
    assert "**Error** (exit code 1): state file " in result.out


# -- JSON, --output, exit codes and usage -------------------------------------------------------


def _without_time(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "generated_at"}


def test_json_and_format_json_are_the_same_document(
    mixed: str, run: Callable[..., Run],
) -> None:
    flag = run("drift", "--state", mixed, "--json")
    option = run("drift", "--state", mixed, "--format", "json")
    both = run("drift", "--state", mixed, "--json", "--format=json")

    assert flag.doc["schema"] == "plivo-media-drift/1"
    assert _without_time(flag.doc) == _without_time(option.doc) == _without_time(both.doc)
    assert flag.code == option.code == both.code == EXIT_ERROR


@pytest.mark.parametrize("report", ["table", "json", "junit", "markdown"])
def test_every_format_exits_alike_and_output_writes_the_file_with_the_table_on_stdout(
    report: str, deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run],
    state_file: Callable[..., str], tmp_path: Path,
) -> None:
    logo = deploy("logo")
    logo.path.write_bytes(b"\x89PNG\r\n\x1a\n edited")
    state = state_file(stack_export(logo.entry()))
    target = tmp_path / "report.out"
    target.write_text("an older report, replaced whole\n")

    to_stdout = run("drift", "--state", state, "--format", report)
    to_file = run("drift", "--state", state, "--format", report, "--output", str(target))

    assert to_stdout.code == to_file.code == EXIT_DRIFT
    assert _normal(target.read_text()) == _normal(to_stdout.out)
    assert to_file.out.splitlines()[0].split() == ["NAME", "MEDIA_ID", "STATUS", "ACTION",
                                                   "REASON"]
    for result in (to_stdout, to_file):
        assert result.err.strip().startswith("plivo-media drift: DRIFT: 1 MediaFile")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".drift-")) == []


def _normal(text: str) -> str:
    """A report without what differs between two runs: times and elapsed seconds."""
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|\+00:00)", "T", text)
    return re.sub(r"\d+\.\d+", "N", text)


def test_output_of_a_failed_run_holds_its_report(
    creds: None, run: Callable[..., Run], tmp_path: Path,
) -> None:
    target = tmp_path / "drift.xml"

    result = run("drift", "--state", str(tmp_path / "missing.json"), "--format", "junit",
                 "--output", str(target))

    assert result.code == EXIT_ERROR and result.out == ""
    [case] = cases(junit(target.read_text())).values()
    assert outcome(case) == ("error", "run_failed")


def test_an_interrupted_run_writes_its_junit_report_and_exits_130(
    creds: None, run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Interrupting(io.StringIO):
        def read(self, size: int | None = -1) -> str:
            raise KeyboardInterrupt

    monkeypatch.setattr(sys, "stdin", Interrupting())

    result = run("drift", "--state", "-", "--format", "junit")

    assert result.code == 130
    [case] = cases(junit(result.out)).values()
    error = case.find("error")
    assert error is not None and error.attrib["message"] == "interrupted"
    assert error.text == "exit code 130: interrupted"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--json", "--format", "junit"],
         "--format: junit conflicts with --json (json); give one format"),
        (["--format", "markdown", "--json"],
         "--json: json conflicts with --format (markdown); give one format"),
        (["--format", "xml"], "--format: invalid choice: 'xml'"),
        (["--output", "no/such/folder/drift.xml"], "the folder "),
    ],
    ids=["json-then-junit", "markdown-then-json", "unknown-format", "output-folder-missing"],
)
def test_bad_format_or_output_is_bad_usage_in_one_line(
    argv: list[str], message: str, creds: None, run: Callable[..., Run],
    state_file: Callable[..., str],
) -> None:
    result = run("drift", "--state", state_file(stack_export()), *argv)

    assert result.code == EXIT_USAGE
    [line] = result.err.strip().splitlines()
    assert line.startswith("Error: ") and message in line


def test_a_usage_error_with_format_json_still_prints_the_document(
    run: Callable[..., Run],
) -> None:
    result = run("drift", "--format", "json")

    assert result.code == EXIT_USAGE
    assert result.doc["summary"]["exit_code"] == EXIT_USAGE
    assert "--state" in result.doc["error"]


# -- the CI example uses both -------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]


def _drift_commands(steps: list[dict[str, Any]]) -> list[list[str]]:
    """Each step's ``plivo-media drift`` command, as words, its shell redirection dropped."""
    commands = []
    for step in steps:
        line = str(step.get("run", ""))
        if line.startswith("plivo-media drift"):
            words = shlex.split(line.split(">>")[0].replace('"$STACK"', "dev"))
            commands.append(words[1:])
    return commands


@pytest.mark.parametrize("where", ["example", "drift-page"])
def test_the_ci_workflows_write_junit_and_a_markdown_summary_with_valid_commands(
    where: str,
) -> None:
    if where == "example":
        text = (REPO / "examples/ci-drift/.github/workflows/drift.yml").read_text()
    else:
        page = (REPO / "docs" / "drift.md").read_text(encoding="utf-8")
        found = re.search(r"```yaml\n(# \.github/workflows/media-drift\.yml.*?)```", page,
                          re.DOTALL)
        assert found is not None
        text = found.group(1)
    workflow = yaml.safe_load(text)
    [job] = workflow["jobs"].values()

    commands = _drift_commands(job["steps"])
    formats = [build_parser().parse_args(words).format for words in commands]

    assert formats == ["junit", "markdown"]
    junit_step = next(s for s in job["steps"] if "--format junit" in str(s.get("run", "")))
    summary_step = next(s for s in job["steps"] if "--format markdown" in str(s.get("run", "")))
    assert "--output drift-junit.xml" in junit_step["run"]
    assert summary_step["run"].endswith('>> "$GITHUB_STEP_SUMMARY"')
    assert summary_step["continue-on-error"] is True
    upload = next(s for s in job["steps"] if "upload-artifact" in str(s.get("uses", "")))
    assert str(upload["with"]["path"]).endswith("drift-junit.xml")
    assert all(s.get("if") == "${{ !cancelled() }}" for s in (junit_step, summary_step, upload))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a named pipe (os.mkfifo)")
def test_output_to_a_pipe_is_written_in_place_not_replaced(
    deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run],
    state_file: Callable[..., str], tmp_path: Path,
) -> None:
    state = state_file(stack_export(deploy("logo").entry()))
    pipe = tmp_path / "report.pipe"
    os.mkfifo(pipe)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_text()), daemon=True)
    reader.start()

    result = run("drift", "--state", state, "--format", "junit", "--output", str(pipe))
    reader.join(timeout=30)

    assert result.code == EXIT_OK
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert [case.attrib["name"] for case in cases(junit(received[0])).values()] == ["logo"]
