"""The ``plivo-media`` command line: every option checked, one line per failure, exit codes.

Runs ``cli.main`` in-process against the session emulator (and a proxy in front of it for
answers the emulator cannot give); the emulator's start and readiness run as subprocesses.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from plivo_media_provider.cli import dispatch
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.emulator.startup import StartupError, write_ready_file
from plivo_media_provider.errors import ConfigurationError
from plivo_media_provider.exits import ExitCode
from plivo_media_provider.settings import CLI_SOURCES, resolve_settings
from tests.conftest import AUTH_ID, AUTH_TOKEN, Result
from tests.support.proxy import Answer, Request, proxy_to


def test_exit_codes_are_the_documented_numbers() -> None:
    assert {c.name: int(c) for c in ExitCode} == {
        "OK": 0, "ERROR": 1, "DRIFT": 2, "USAGE": 64, "INTERRUPTED": 130}
    assert tuple(ExitCode) == (dispatch.EXIT_OK, dispatch.EXIT_ERROR, dispatch.EXIT_DRIFT,
                               dispatch.EXIT_USAGE, dispatch.EXIT_INTERRUPTED)


# -- every option is checked: exit 64, one line naming the option and the value ------------


BAD_OPTIONS = [
    (["emulator", "--port", "70000"], "--port", "70000", "65535"),
    (["emulator", "--port", "65536"], "--port", "65536", "65535"),
    (["emulator", "--port", "-1"], "--port", "-1", "65535"),
    (["emulator", "--port", "http"], "--port", "'http'", "65535"),
    (["demo", "--port", "99999"], "--port", "99999", "65535"),
    (["emulator", "--host", "http://127.0.0.1"], "--host", "'http://127.0.0.1'", "127.0.0.1"),
    (["emulator", "--host", "127.0.0.1:8099"], "--host", "'127.0.0.1:8099'", "--port"),
    (["emulator", "--host", ""], "--host", "''", "127.0.0.1"),
    (["emulator", "--data-dir", "/proc/plivo"], "--data-dir", "'/proc/plivo'", "/proc"),
    (["emulator", "--rate-limit", "fast"], "--rate-limit", "'fast'", "300/5"),
    (["emulator", "--rate-limit", "10/1", "--no-rate-limit"], "--no-rate-limit", "",
     "--rate-limit"),
    (["emulator", "--ready-file", "/nonexistent-dir/x"], "--ready-file", "/nonexistent-dir",
     "create it"),
    *[([command, *extra, "--timeout", value], "--timeout", repr(value), "3600")
      for command, extra in (("ls", []), ("drift", ["--state", "s.json"]))
      for value in ("0", "-5", "nan", "inf", "soon")],
    (["ls", "--retries", "11"], "--retries", "11", "0 to 10"),
    (["ls", "--retries", "-1"], "--retries", "-1", "0 to 10"),
    (["ls", "--limit", "0"], "--limit", "0", "1 or more"),
    (["ls", "--since", "soon"], "--since", "'soon'", "30m"),
    (["ls", "--since", "0m"], "--since", "'0m'", "longer than zero"),
    (["drift", "--state", "s.json", "--parallel", "0"], "--parallel", "0", "1 or more"),
    (["ls", "--api-url", "http://127.0.0.1:9/v1/"], "--api-url", "/v1/",
     "https://api.plivo.com"),
    (["ls", "--api-url", f"https://api.plivo.com/v1/Account/{AUTH_ID}/Media/"], "--api-url",
     "/Account/", "API root"),
    (["drift", "--state", "s.json", "--api-url", "http://h/v1"], "--api-url", "/v1",
     "API root"),
]


@pytest.mark.parametrize(("argv", "option", "value", "hint"), BAD_OPTIONS,
                         ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_a_bad_option_is_one_line_and_exit_64(
    argv: list[str], option: str, value: str, hint: str, run: Callable[..., Result],
) -> None:
    code, out, err = run(*argv)

    assert code == ExitCode.USAGE
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"Error: {option}"), err
    assert value in err and hint in err
    assert f"plivo-media {argv[0]} --help" in err


def test_a_data_dir_that_is_a_file_is_refused_in_one_line(
    tmp_path: Path, run: Callable[..., Result],
) -> None:
    afile = tmp_path / "data"
    afile.write_text("not a folder")

    code, _, err = run("emulator", "--data-dir", str(afile))

    assert code == ExitCode.USAGE
    assert err == (f"Error: --data-dir: {str(afile)!r} is a file, not a folder; choose a "
                   "folder (it is created if missing) (see plivo-media emulator --help)\n")


def test_help_and_version_return_0(run: Callable[..., Result]) -> None:
    assert run("--help")[0] == ExitCode.OK
    code, out, _ = run("--version")
    assert code == ExitCode.OK and out.startswith("plivo-media ")


# -- drift --json: always a document ------------------------------------------------------


def _doc(out: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(out)
    assert doc["schema"] == "plivo-media-drift/1" and doc["resources"] == []
    return doc


@pytest.mark.parametrize(
    "argv",
    [["drift", "--json"], ["drift", "--json", "--state", "s.json", "--timeout", "nan"],
     ["drift", "--state", "s.json", "--stack", "dev", "--json"],
     ["drift", "--state", "s.json", "--json", "--bogus"]],
    ids=["no-source", "bad-timeout", "two-sources", "unknown-option"],
)
def test_drift_json_prints_a_document_on_a_usage_error(
    argv: list[str], run: Callable[..., Result],
) -> None:
    code, out, err = run(*argv)

    doc = _doc(out)
    assert code == ExitCode.USAGE == doc["summary"]["exit_code"]
    assert err == f"Error: {doc['error']}\n"
    assert doc["options"] is None and doc["source"] is None


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [(["ls", "--json", "--limit", "0"], {}, ExitCode.USAGE),
     (["ls", "--json"], {}, ExitCode.ERROR),
     (["ls", "--json", "--retries", "0", "--api-url", "http://127.0.0.1:9"],
      {"PLIVO_AUTH_ID": AUTH_ID, "PLIVO_AUTH_TOKEN": AUTH_TOKEN}, ExitCode.ERROR)],
    ids=["usage", "no-credentials", "unreachable"],
)
def test_ls_json_prints_a_document_whatever_fails(
    argv: list[str], env: dict[str, str], expected: ExitCode, run: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    code, out, err = run(*argv)

    doc = json.loads(out)
    assert code == expected == doc["exit_code"]
    assert doc["schema"] == "plivo-media-ls/1" and doc["media"] == [] and doc["count"] == 0
    assert err == f"Error: {doc['error']}\n" and AUTH_TOKEN not in out + err


def test_ls_json_of_a_listing_that_worked_has_no_error(
    run: Callable[..., Result], creds: None,
) -> None:
    code, out, _ = run("ls", "--json")
    doc = json.loads(out)
    assert code == ExitCode.OK == doc["exit_code"] and doc["error"] is None


def test_drift_json_prints_a_document_when_the_api_is_unreachable(
    tmp_path: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLIVO_AUTH_ID", AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", AUTH_TOKEN)
    state = tmp_path / "state.json"
    state.write_text(json.dumps(_one_media_export()))
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]

    code, out, err = run("drift", "--state", str(state), "--json", "--retries", "0",
                         "--api-url", f"http://127.0.0.1:{port}")

    doc = _doc(out)
    assert code == ExitCode.ERROR == doc["summary"]["exit_code"]
    assert doc["api_url"] == f"http://127.0.0.1:{port}"
    assert "Could not connect" in doc["error"] and err == f"Error: {doc['error']}\n"
    assert "plivo:" not in err and "--api-url or PLIVO_API_URL" in err


def _one_media_export() -> dict[str, Any]:
    media_type = "pulumi-python:dynamic/plivo:MediaFile"
    outputs = {"path": "a.png", "file_name": "a.png", "content_type": "image/png", "size": 1,
               "content_sha256": "0" * 64, "media_id": "m-1",
               "upload_time": "2025-01-01T00:00:00.000000Z"}
    return {"version": 3, "deployment": {"resources": [
        {"urn": f"urn:pulumi:dev::p::{media_type}::a", "type": media_type, "custom": True,
         "id": "m-1", "inputs": dict(outputs), "outputs": outputs}]}}


# -- messages name only what ls and drift read ---------------------------------------------


@pytest.mark.parametrize("case", ["missing", "malformed", "refused"])
def test_ls_messages_name_the_environment_not_pulumi_config(
    case: str, emulator: Emulator, run: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLIVO_API_URL", emulator.url)
    if case != "missing":
        monkeypatch.setenv("PLIVO_AUTH_ID", "MA-BAD" if case == "malformed" else AUTH_ID)
        monkeypatch.setenv("PLIVO_AUTH_TOKEN", "wrong-token")

    code, _, err = run("ls")

    assert code == ExitCode.ERROR and err.count("\n") == 1
    assert "PLIVO_AUTH_ID" in err or "PLIVO_AUTH_TOKEN" in err
    assert "plivo:" not in err and "pulumi config" not in err


def test_a_base_that_answers_404_to_the_list_is_asked_if_it_is_plivos_root(
    emulator: Emulator, creds: None, run: Callable[..., Result],
) -> None:
    page = b"<html><head><title>404</title><style>p{}</style></head><body><h1>Not Found</h1>" \
           b"<p>The requested URL was not found on this server.</p></body></html>"

    def html_404(_request: Request, _forward: Callable[[], Answer]) -> Answer:
        return Answer(404, {"Content-Type": "text/html; charset=utf-8"}, page)

    with proxy_to(emulator.url) as proxy:
        proxy.rule = html_404
        code, _, err = run("ls", "--api-url", proxy.url)

    assert code == ExitCode.ERROR and err.count("\n") == 1
    assert "is this Plivo's API root?" in err and "the id is wrong" not in err
    assert "(not Plivo's JSON: HTTP 404, text/html, 'Not Found The requested URL was not " \
           "found on this server.')" in err
    assert "<" not in err and "p{}" not in err
    assert "--api-url or PLIVO_API_URL" in err and "plivo:apiUrl" not in err


# -- emulator start --------------------------------------------------------------------------


def test_a_port_in_use_is_one_line_naming_the_port(run: Callable[..., Result]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]

        code, _, err = run("emulator", "--port", str(port))

    assert code == ExitCode.ERROR
    assert err == (f"Error: --port {port}: 127.0.0.1:{port} is already in use by another "
                   "program; stop that program, or choose another port (--port 0 takes any "
                   "free one).\n")


def test_a_host_it_cannot_bind_is_one_line_naming_the_host(run: Callable[..., Result]) -> None:
    code, _, err = run("emulator", "--port", "0", "--host", "192.0.2.1")  # TEST-NET-1

    assert code == ExitCode.ERROR and err.count("\n") == 1
    assert err.startswith("Error: --host 192.0.2.1: cannot listen there (")
    assert "127.0.0.1" in err


def test_a_data_dir_it_cannot_create_is_one_line(
    tmp_path: Path, run: Callable[..., Result],
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")

    code, _, err = run("emulator", "--port", "0", "--data-dir", str(blocker / "data"))

    assert code == ExitCode.ERROR and err.count("\n") == 1
    assert err.startswith(f"Error: --data-dir {blocker / 'data'}: cannot hold the emulator's "
                          "data (")


def test_the_library_refuses_a_port_out_of_range() -> None:
    with pytest.raises(ValueError, match="65535"):
        Emulator(port=70000)
    with pytest.raises(StartupError) as caught:
        Emulator(port=0, host="192.0.2.1").start()
    assert caught.value.option == "host" and "cannot listen" in str(caught.value)


def test_the_ready_file_is_replaced_whole(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    ready.write_text("stale")

    write_ready_file(ready, "http://127.0.0.1:1")

    assert ready.read_text() == "http://127.0.0.1:1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ready"]  # no temporary left


def test_the_emulator_says_it_listens_and_writes_the_ready_file(tmp_path: Path) -> None:
    ready = tmp_path / "emulator.ready"
    with subprocess.Popen(
        [sys.executable, "-m", "plivo_media_provider", "emulator", "--port", "0",
         "--ready-file", str(ready)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as process:
        assert process.stdout is not None
        first = process.stdout.readline()  # blocks until the flushed readiness line
        url = first.rsplit(" ", 1)[-1].strip()
        listed = subprocess.run(
            ["curl", "-sf", "-u", "MAEMULATOR0000000000:emulator-demo-token",
             f"{url}/v1/Account/MAEMULATOR0000000000/Media/"],
            capture_output=True, text=True, timeout=30, check=False,
        ) if _has_curl() else None
        ready_text = ready.read_text()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)

    assert first.startswith("Plivo Media emulator listening on http://127.0.0.1:")
    assert ready_text == url + "\n"
    if listed is not None:
        assert json.loads(listed.stdout)["meta"]["total_count"] == 0
    assert "Stopping." in out and "Traceback" not in err
    assert process.returncode == ExitCode.OK
    assert not ready.exists()  # removed on the way out, so no stale readiness


def _has_curl() -> bool:
    return any(os.access(os.path.join(d, "curl"), os.X_OK)
               for d in os.environ.get("PATH", "").split(os.pathsep) if d)


@pytest.mark.parametrize(
    ("environ", "named"),
    [({}, "PLIVO_AUTH_ID"),
     ({"PLIVO_AUTH_ID": "MATESTACCOUNT0000001", "PLIVO_AUTH_TOKEN": "t",
       "PLIVO_RETRIES": "99"}, "--retries or PLIVO_RETRIES"),
     ({"PLIVO_AUTH_ID": "MATESTACCOUNT0000001", "PLIVO_AUTH_TOKEN": "t",
       "PLIVO_READ_TIMEOUT": "0"}, "--timeout or PLIVO_READ_TIMEOUT"),
     ({"PLIVO_AUTH_ID": "MATESTACCOUNT0000001", "PLIVO_AUTH_TOKEN": "t",
       "PLIVO_API_URL": "https://api.plivo.com/v1/"}, "--api-url or PLIVO_API_URL")],
    ids=["missing", "retries", "timeout", "api-url"],
)
def test_the_command_lines_sources_name_flags_and_environment_only(
    environ: dict[str, str], named: str,
) -> None:
    with pytest.raises(ConfigurationError) as cli_caught:
        resolve_settings(environ=environ, sources=CLI_SOURCES)
    with pytest.raises(ConfigurationError) as provider_caught:
        resolve_settings(environ=environ)

    assert named in str(cli_caught.value)
    assert "plivo:" not in str(cli_caught.value) and "pulumi config" not in str(cli_caught.value)
    assert "plivo:" in str(provider_caught.value)  # the provider reads stack config too
