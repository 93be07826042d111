"""The command-line reference (``docs/cli.md``) is the parser's: every option, the exit codes,
the failure document; and the emulator and ``ls`` snippets (``docs/emulator.md``,
``docs/drift.md``) run in bash, as a reader would run them."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from plivo_media_provider import cli
from plivo_media_provider.exits import ExitCode

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _section(title: str, text: str, level: str = "##") -> str:
    start = text.index(f"{level} {title}\n")
    rest = text[start + len(title) + len(level) + 2:]
    end = re.search(rf"^#{{1,{len(level)}}} ", rest, flags=re.MULTILINE)
    return rest[: end.start()] if end else rest


REFERENCE = _section("Command-line reference", _page("cli.md"), "#")


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices)


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings
            if option.startswith("--") and option != "--help"}


def _documented(command: str) -> set[str]:
    table = _section(f"`plivo-media {command}`", REFERENCE, "##")
    return set(re.findall(r"^\| `(--[a-z-]+)`", table, flags=re.MULTILINE))


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_option_of_the_parser_is_in_the_reference_and_no_other(command: str) -> None:
    assert _documented(command) == _options(_commands()[command])


def test_the_exit_code_table_is_the_enum() -> None:
    rows = re.findall(r"^\| `(\d+)` \| (.+) \|$", REFERENCE, flags=re.MULTILINE)
    assert [int(code) for code, _ in rows] == [int(code) for code in ExitCode]


def test_the_reference_example_error_is_what_the_cli_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    example = re.search(r"```\n(Error: --port: 70000 .*)\n```", REFERENCE)
    assert example is not None

    assert cli.main(["emulator", "--port", "70000"]) == ExitCode.USAGE
    assert capsys.readouterr().err.strip() == example.group(1)


def test_the_failure_document_example_has_the_shape_drift_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    block = re.search(r"```json\n(.*?)```", REFERENCE, flags=re.DOTALL)
    assert block is not None
    example = json.loads(block.group(1))

    code = cli.main(["drift", "--json"])
    printed = json.loads(capsys.readouterr().out)

    assert code == ExitCode.USAGE
    assert list(printed) == list(example)
    assert printed["error"] == example["error"]
    assert {k: v for k, v in printed.items() if k not in ("generated_at", "summary")} == {
        k: v for k, v in example.items() if k not in ("generated_at", "summary")}
    assert printed["summary"]["exit_code"] == example["summary"]["exit_code"]


def test_an_interrupted_drift_exits_130_with_its_document(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    class Interrupting(io.StringIO):
        def read(self, size: int | None = -1) -> str:
            raise KeyboardInterrupt

    monkeypatch.setenv("PLIVO_AUTH_ID", "MATESTACCOUNT0000001")
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", "t")
    monkeypatch.setenv("PLIVO_API_URL", "http://127.0.0.1:9")  # no note on Plivo's API
    monkeypatch.setattr(sys, "stdin", Interrupting())

    code = cli.main(["drift", "--state", "-", "--json"])

    captured = capsys.readouterr()
    assert code == ExitCode.INTERRUPTED == 130
    assert json.loads(captured.out)["summary"]["exit_code"] == 130
    assert captured.err == "Interrupted.\n"


@pytest.mark.skipif(shutil.which("curl") is None or shutil.which("bash") is None,
                    reason="the emulator page's snippet needs bash and curl")
def test_the_emulator_snippet_waits_for_readiness_then_uploads(tmp_path: Path) -> None:
    emulator = _section("The emulator", _page("emulator.md"), "#")
    snippet = re.search(r"```sh\n(rm -f emulator\.ready\n.*?)```", emulator, flags=re.DOTALL)
    assert snippet is not None
    script = snippet.group(1)
    assert "--port 8099" in script
    # Any free port instead of 8099, which a developer's emulator may hold; the snippet
    # reads the URL from the ready file, so it works unchanged otherwise.
    script = script.replace("--port 8099", "--port 0")
    # Run as written otherwise, in an empty folder: the snippet makes the file it uploads.
    assert list(tmp_path.iterdir()) == []
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}

    done = subprocess.run(
        ["bash", "-c", f"set -e\n{script}\nkill $!\nwait $!"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )

    assert done.returncode == 0, done.stderr
    # The emulator's banner shares stdout with curl's answer, in either order.
    answer, _ = json.JSONDecoder().raw_decode(done.stdout[done.stdout.index('{"'):])
    [stored] = answer["objects"]
    written = re.search(r"> (\S+)\n", script)
    assert written is not None and stored["file_name"] == written.group(1)
    assert stored["status"] == "success" and stored["content_type"] == "text/plain"
    assert stored["size"] == (tmp_path / written.group(1)).stat().st_size > 0
    assert "Plivo Media emulator listening on http://127.0.0.1:" in done.stdout
    assert "Stopping." in done.stdout  # SIGTERM stops it cleanly, and the ready file goes
    assert not (tmp_path / "emulator.ready").exists()


@pytest.mark.skipif(shutil.which("bash") is None, reason="the drift page's snippet needs bash")
def test_the_ls_snippet_lists_the_emulator_and_says_nothing_of_plivos_api(
    tmp_path: Path,
) -> None:
    listing = _section("Listing media: `plivo-media ls`", _page("drift.md"))
    snippet = re.search(r"```sh\n(plivo-media emulator .*?)```", listing, flags=re.DOTALL)
    assert snippet is not None
    with socket.socket() as probe:  # a free port instead of 8099, which may be taken
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    script = snippet.group(1).replace("8099", port)
    bin_dir = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "PULUMI_"))}
    env["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")

    done = subprocess.run(
        ["bash", "-c", f"set -e\n{script}\nkill $!\nwait $! || true"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "No media in this account." in done.stdout
    assert "public API" not in done.stderr
