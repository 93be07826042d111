"""``plivo-media drift``: one test per drift class, exit codes, the JSON schema, bad input.

Every check runs in-process through ``cli.main`` against the emulator. Stack exports are
built in ``pulumi stack export`` format, with the stack resource, the default dynamic
provider and secret-wrapped ``__provider`` values that drift must ignore. Expiry is driven by
the emulator's clock; the package's one clock (``clock.CLOCK``) is pinned to it.
"""

from __future__ import annotations

import io
import json
import os
import socket
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from plivo_media_provider.api.client import (
    Media,
    MediaClient,
    UploadFile,
    format_time,
    parse_upload_time,
)
from plivo_media_provider.api.listing import PROBES
from plivo_media_provider.cli import drift
from plivo_media_provider.cli.dispatch import EXIT_DRIFT, EXIT_ERROR, EXIT_OK, EXIT_USAGE, main
from plivo_media_provider.core.content import sha256_bytes
from plivo_media_provider.drift import check as drift_check
from plivo_media_provider.drift.report import ACTIONS, DriftOptions
from plivo_media_provider.drift.stack_export import DECLARED_FIELDS
from plivo_media_provider.emulator import Emulator
from tests.conftest import AUTH_ID, AUTH_TOKEN, PinClock, provider_env
from tests.support.engine import Engine, ProviderProcess
from tests.support.files import png_bytes, write

TYPE = "pulumi-python:dynamic/plivo:MediaFile"
SECRET_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
STACK_URN = "urn:pulumi:dev::demo::pulumi:pulumi:Stack::demo-dev"
PROVIDER_URN = "urn:pulumi:dev::demo::pulumi:providers:pulumi-python::default"
PROVIDER_ID = "5f1a9e8c-8d4b-4f7e-9a51-0c6f3b2d1e77"
HOUR = 3600.0


def secret(value: Any = None, *, plaintext: bool = False) -> dict[str, str]:
    if plaintext:
        return {SECRET_KEY: SECRET_SIG, "plaintext": json.dumps(value)}
    return {SECRET_KEY: SECRET_SIG, "ciphertext": "v1:c2VjcmV0:AAAAAAAAAAAAAAAAAAAAAA=="}


def stack_export(*entries: dict[str, Any]) -> dict[str, Any]:
    """A deployment as ``pulumi stack export`` writes it, around the given MediaFile entries."""
    return {
        "version": 3,
        "deployment": {
            "manifest": {"time": "2025-01-01T00:00:00Z", "magic": "0" * 64,
                         "version": "v3.172.0"},
            "secrets_providers": {"type": "passphrase", "state": {"salt": "v1:AAAA"}},
            "resources": [
                {"urn": STACK_URN, "custom": False, "type": "pulumi:pulumi:Stack",
                 "outputs": {"menu_url": "https://example.invalid/x"}},
                {"urn": PROVIDER_URN, "custom": True, "id": PROVIDER_ID,
                 "type": "pulumi:providers:pulumi-python", "inputs": {}, "outputs": {}},
                *entries,
            ],
        },
    }


def media_entry(
    name: str, media: Media, path: str, sha256: str, /, **changes: Any
) -> dict[str, Any]:
    """One MediaFile as state records it after ``pulumi up``; ``changes`` edit its outputs,
    and its inputs too for the declared fields (path, file_name, content_type), which
    ``pulumi up`` records in both."""
    inputs = {
        "path": path, "file_name": media.file_name, "content_type": media.content_type,
        "content_sha256": sha256, "size": media.size, "__provider": secret(),
    }
    inputs.update((k, v) for k, v in changes.items() if k in DECLARED_FIELDS)
    outputs = {
        **inputs,
        "media_id": media.media_id, "media_url": media.media_url,
        "upload_time": format_time(media.upload_time),
        "expires_at": format_time(media.upload_time + timedelta(hours=6)),
        **changes,
    }
    return {
        "urn": f"urn:pulumi:dev::demo::{TYPE}::{name}", "custom": True, "id": media.media_id,
        "type": TYPE, "inputs": inputs, "outputs": outputs, "parent": STACK_URN,
        "provider": f"{PROVIDER_URN}::{PROVIDER_ID}",
    }


# -- emulator control ---------------------------------------------------------------------------


def control(emulator: Emulator, method: str, path: str, body: Any = None) -> Any:
    response = requests.request(method, f"{emulator.url}/__emulator__/{path}", json=body,
                                timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def emulator_now(emulator: Emulator) -> datetime:
    return parse_upload_time(control(emulator, "GET", "clock")["now"])


def advance(emulator: Emulator, seconds: float) -> None:
    control(emulator, "POST", "clock", {"advance": seconds})


@pytest.fixture
def emulator_clock(emulator: Emulator, pin_clock: PinClock) -> None:
    """Drift judges expiry by the emulator's clock, as it would by Plivo's real time."""
    pin_clock(lambda: emulator_now(emulator))


# -- running the command -----------------------------------------------------------------------


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def doc(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.out)
        return parsed

    def entry(self, name: str) -> dict[str, Any]:
        found = [r for r in self.doc["resources"] if r["name"] == name]
        assert len(found) == 1, self.doc
        return found[0]


@pytest.fixture
def creds(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in provider_env(emulator.url).items():
        if key.startswith("PLIVO_"):
            monkeypatch.setenv(key, value)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    def invoke(*argv: str) -> Run:
        code = main(list(argv))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        assert AUTH_TOKEN not in captured.out + captured.err
        return Run(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def state_file(tmp_path: Path) -> Callable[[dict[str, Any]], str]:
    def save(doc: dict[str, Any]) -> str:
        path = tmp_path / "state.json"
        path.write_text(json.dumps(doc, indent=2))
        return str(path)

    return save


@dataclass
class Deployed:
    name: str
    media: Media
    path: Path
    data: bytes

    def entry(self, **changes: Any) -> dict[str, Any]:
        return media_entry(self.name, self.media, str(self.path), sha256_bytes(self.data),
                           **changes)


@pytest.fixture
def deploy(client: MediaClient, tmp_path: Path) -> Callable[..., Deployed]:
    """Write a PNG, upload it with the real client, and describe it as state would."""
    counter = iter(range(1000))

    def make(name: str, data: bytes | None = None) -> Deployed:
        payload = data if data is not None else png_bytes(pad_to=300, seed=next(counter))
        path = write(tmp_path / "media" / f"{name}.png", payload)
        media = client.upload([UploadFile(f"{name}.png", payload, "image/png")])[0]
        return Deployed(name, media, path, payload)

    return make


# -- in sync, through the real provider -------------------------------------------------------


def test_a_stack_deployed_through_the_engine_is_in_sync_and_other_resources_are_ignored(
    emulator: Emulator, creds: None, run: Callable[..., Run], state_file: Callable[..., str],
    tmp_path: Path,
) -> None:
    logo = write(tmp_path / "logo.png", png_bytes(seed=1))
    menu = write(tmp_path / "menu.png", png_bytes(seed=2))
    with ProviderProcess(provider_env(emulator.url)) as provider:
        engine = Engine(provider)
        assert engine.up({"logo": {"path": str(logo)}, "menu": {"path": str(menu)}}).ok
        exported = engine.export()
    doc = stack_export(*exported["deployment"]["resources"])

    result = run("drift", "--state", state_file(doc), "--json")

    assert result.code == EXIT_OK, result.out + result.err
    report = result.doc
    assert report["summary"]["total"] == 2
    assert report["summary"]["counts"]["in_sync"] == 2
    assert {r["name"] for r in report["resources"]} == {"logo", "menu"}
    for entry in report["resources"]:
        assert entry["media_id"] == engine.state[entry["name"]].id
        assert entry["status"] == "in_sync" and entry["findings"] == []
        assert entry["action"] == "none"
    assert result.err.strip().splitlines() == [result.err.strip()]
    assert "in sync: 2 MediaFile resources checked" in result.err


def test_a_file_moved_with_the_same_bytes_is_in_sync_after_the_next_up(
    emulator: Emulator, creds: None, run: Callable[..., Run], state_file: Callable[..., str],
    tmp_path: Path,
) -> None:
    old = write(tmp_path / "old" / "logo.png", png_bytes(seed=3))
    with ProviderProcess(provider_env(emulator.url)) as provider:
        engine = Engine(provider)
        assert engine.up({"logo": {"path": str(old)}}).created == ["logo"]
        new = tmp_path / "new" / "logo.png"
        new.parent.mkdir()
        old.rename(new)
        moved = engine.up({"logo": {"path": str(new)}})
        exported = engine.export()
    # The engine kept the old outputs, old path included, and recorded the new inputs.
    assert moved.same == ["logo"] and not moved.changed
    assert engine.state["logo"].outputs["path"] == str(old)
    assert engine.state["logo"].inputs["path"] == str(new)

    result = run("drift", "--state", state_file(stack_export(*exported["deployment"]["resources"])),
                 "--json")

    assert result.code == EXIT_OK, result.out + result.err
    assert result.entry("logo")["status"] == "in_sync"
    assert result.entry("logo")["path"] == str(new)


def test_the_json_document_follows_the_documented_schema(
    deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run],
    state_file: Callable[..., str],
) -> None:
    gone, kept = deploy("gone"), deploy("kept")
    result = run("drift", "--state", state_file(stack_export(gone.entry(), kept.entry())),
                 "--json", "--warn-within", "30m", "--parallel", "3")
    report = result.doc

    assert list(report) == ["schema", "generated_at", "source", "stack", "api_url", "options",
                            "summary", "resources", "error"]
    assert report["error"] is None
    assert report["schema"] == "plivo-media-drift/1"
    assert parse_upload_time(report["generated_at"])
    assert report["source"].startswith("file ") and report["stack"] is None
    assert report["options"] == {"root": os.path.abspath("."), "warn_within_seconds": 1800,
                                 "verify_content": False, "parallel": 3}
    assert report["summary"] == {
        "total": 2, "exit_code": 0, "drift": False,
        "counts": {"in_sync": 2, "expiring": 0, "local_changed": 0, "local_missing": 0,
                   "changed_remote": 0, "missing_remote": 0, "error": 0},
    }
    entry = report["resources"][0]
    assert list(entry) == ["urn", "name", "media_id", "path", "expires_at", "status", "reason",
                           "action", "command", "findings"]
    assert entry["urn"] == f"urn:pulumi:dev::demo::{TYPE}::gone"
    assert entry["expires_at"] == format_time(gone.media.upload_time + timedelta(hours=6))
    assert [r["name"] for r in report["resources"]] == ["gone", "kept"]  # state order
    assert all(r["action"] in ACTIONS for r in report["resources"])


# -- one test per drift class -----------------------------------------------------------------


@pytest.mark.parametrize("how", ["deleted", "expired"])
def test_media_gone_from_plivo_is_missing_remote(
    how: str, emulator: Emulator, emulator_clock: None, deploy: Callable[..., Deployed],
    creds: None, run: Callable[..., Run], state_file: Callable[..., str],
) -> None:
    gone, kept = deploy("gone"), deploy("kept")
    if how == "deleted":
        control(emulator, "DELETE", f"media/{gone.media.media_id}")
    else:
        control(emulator, "POST", f"media/{kept.media.media_id}/sent")
        advance(emulator, 6 * HOUR + 1)

    result = run("drift", "--state", state_file(stack_export(gone.entry(), kept.entry())),
                 "--json")

    assert result.code == EXIT_DRIFT
    entry = result.entry("gone")
    assert entry["status"] == "missing_remote"
    assert entry["action"] == "refresh_then_up"
    assert entry["command"] == "pulumi refresh, then pulumi up"
    assert ("expired at" in entry["reason"]) == (how == "expired")
    assert ("was deleted" in entry["reason"]) == (how == "deleted")
    assert result.entry("kept")["status"] == "in_sync"
    assert result.doc["summary"]["drift"] is True


def test_different_size_type_or_name_at_plivo_is_changed_remote_and_suggests_a_replace(
    deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run],
    state_file: Callable[..., str],
) -> None:
    logo = deploy("logo")
    edited = logo.entry(size=logo.media.size + 7, file_name="other.png")

    result = run("drift", "--state", state_file(stack_export(edited)), "--json")

    assert result.code == EXIT_DRIFT
    entry = result.entry("logo")
    assert entry["status"] == "changed_remote"
    assert "size" in entry["reason"] and "file_name" in entry["reason"]
    assert "content_type" not in entry["reason"]
    assert entry["action"] == "replace"
    assert entry["command"] == f"pulumi up --replace '{edited['urn']}'"


def test_verify_content_compares_the_served_bytes(
    client: MediaClient, tmp_path: Path, creds: None, run: Callable[..., Run],
    state_file: Callable[..., str],
) -> None:
    served, local = png_bytes(pad_to=400, seed=10), png_bytes(pad_to=400, seed=11)
    assert len(served) == len(local) and served != local
    media = client.upload([UploadFile("logo.png", served, "image/png")])[0]
    path = write(tmp_path / "logo.png", local)
    state = state_file(stack_export(media_entry("logo", media, str(path), sha256_bytes(local))))

    shallow = run("drift", "--state", state, "--json")
    deep = run("drift", "--state", state, "--json", "--verify-content")

    assert shallow.code == EXIT_OK and shallow.entry("logo")["status"] == "in_sync"
    assert deep.code == EXIT_DRIFT
    assert deep.entry("logo")["status"] == "changed_remote"
    assert "served bytes" in deep.entry("logo")["reason"]
    assert deep.doc["options"]["verify_content"] is True


def test_a_file_edited_since_the_last_up_is_local_changed(
    deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run],
    state_file: Callable[..., str],
) -> None:
    logo = deploy("logo")
    state = state_file(stack_export(logo.entry()))
    logo.path.write_bytes(png_bytes(seed=99))

    result = run("drift", "--state", state, "--json")

    assert result.code == EXIT_DRIFT
    entry = result.entry("logo")
    assert entry["status"] == "local_changed"
    assert entry["action"] == "up" and entry["command"] == "pulumi up"
    assert sha256_bytes(logo.data)[:12] in entry["reason"]


def test_a_deleted_file_is_local_missing(
    deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run],
    state_file: Callable[..., str],
) -> None:
    logo = deploy("logo")
    logo.path.unlink()

    result = run("drift", "--state", state_file(stack_export(logo.entry())), "--json")

    assert result.code == EXIT_DRIFT
    entry = result.entry("logo")
    assert entry["status"] == "local_missing"
    assert entry["action"] == "restore_file" and "pulumi up" in entry["command"]
    assert str(logo.path) in entry["reason"]


def test_unsent_media_near_its_expiry_is_a_warning_not_drift(
    emulator: Emulator, emulator_clock: None, deploy: Callable[..., Deployed], creds: None,
    run: Callable[..., Run], state_file: Callable[..., str],
) -> None:
    logo = deploy("logo")
    state = state_file(stack_export(logo.entry()))
    advance(emulator, 5.5 * HOUR)

    warned = run("drift", "--state", state, "--json")
    narrower = run("drift", "--state", state, "--json", "--warn-within", "20m")

    assert warned.code == EXIT_OK
    entry = warned.entry("logo")
    assert entry["status"] == "expiring" and entry["action"] == "none"
    assert format_time(logo.media.upload_time + timedelta(hours=6)) in entry["reason"]
    assert "in 30 min" in entry["reason"]
    assert warned.doc["summary"]["drift"] is False
    assert narrower.code == EXIT_OK and narrower.entry("logo")["status"] == "in_sync"


def test_media_held_past_its_unsent_expiry_was_sent_and_is_in_sync(
    emulator: Emulator, emulator_clock: None, deploy: Callable[..., Deployed], creds: None,
    run: Callable[..., Run], state_file: Callable[..., str],
) -> None:
    logo = deploy("logo")
    control(emulator, "POST", f"media/{logo.media.media_id}/sent")
    advance(emulator, 7 * HOUR)

    result = run("drift", "--state", state_file(stack_export(logo.entry())), "--json")

    assert result.code == EXIT_OK
    assert result.entry("logo")["status"] == "in_sync"
    assert "sent in an MMS" in result.entry("logo")["reason"]


def test_missing_remote_takes_precedence_and_every_finding_is_listed(
    emulator: Emulator, deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run],
    state_file: Callable[..., str],
) -> None:
    logo = deploy("logo")
    state = state_file(stack_export(logo.entry()))
    control(emulator, "DELETE", f"media/{logo.media.media_id}")
    logo.path.write_bytes(png_bytes(seed=98))

    result = run("drift", "--state", state, "--json")
    table = run("drift", "--state", state)

    entry = result.entry("logo")
    assert entry["status"] == "missing_remote"
    assert [f["status"] for f in entry["findings"]] == ["missing_remote", "local_changed"]
    assert entry["reason"] == entry["findings"][0]["reason"]
    assert table.code == EXIT_DRIFT
    lines = table.out.splitlines()
    assert lines[0].split() == ["NAME", "MEDIA_ID", "STATUS", "ACTION", "REASON"]
    assert lines[1].split()[:3] == ["logo", logo.media.media_id, "missing_remote"]
    assert lines[2].split()[0] == "+local_changed"


# -- errors are not drift ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault", [{"status": 500}, {"status": 503}, {"drop": "before"}], ids=["500", "503", "drop"]
)
def test_a_transient_failure_is_an_error_never_missing_remote_and_error_wins(
    fault: dict[str, Any], emulator: Emulator, deploy: Callable[..., Deployed], creds: None,
    run: Callable[..., Run], state_file: Callable[..., str],
) -> None:
    flaky, edited = deploy("flaky"), deploy("edited")
    # No upload time in state: the listing cannot place it, so its GET meets the fault.
    state = state_file(stack_export(flaky.entry(upload_time=None), edited.entry()))
    edited.path.write_bytes(png_bytes(seed=97))
    control(emulator, "POST", "faults", {
        "method": "GET", "path": f"/v1/Account/{AUTH_ID}/Media/{flaky.media.media_id}",
        "count": 5, **fault,
    })

    result = run("drift", "--state", state, "--json", "--retries", "0")

    assert result.code == EXIT_ERROR
    assert result.entry("flaky")["status"] == "error"
    assert result.entry("flaky")["action"] == "rerun"
    assert result.entry("edited")["status"] == "local_changed"
    assert result.doc["summary"]["exit_code"] == EXIT_ERROR
    assert result.doc["summary"]["drift"] is True
    assert "ERRORS" in result.err


def test_a_transient_failure_that_a_retry_clears_is_not_reported(
    emulator: Emulator, deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run],
    state_file: Callable[..., str],
) -> None:
    logo = deploy("logo")
    control(emulator, "POST", "faults", {
        "method": "GET", "path": f"/v1/Account/{AUTH_ID}/Media/{logo.media.media_id}",
        "count": 1, "status": 502,
    })

    # No upload time in state: the listing cannot place it, so its GET meets the fault.
    result = run("drift", "--state", state_file(stack_export(logo.entry(upload_time=None))),
                 "--json", "--retries", "2")

    assert result.code == EXIT_OK and result.entry("logo")["status"] == "in_sync"


def test_refused_credentials_fail_the_run_once_without_printing_the_token(
    deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run],
    state_file: Callable[..., str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = state_file(stack_export(deploy("logo").entry()))
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", "wrong-token-value")

    result = run("drift", "--state", state)

    assert result.code == EXIT_ERROR and result.out == ""
    assert result.err.startswith("Error: Plivo refused the credentials")
    assert "wrong-token-value" not in result.err


def test_an_unreachable_api_is_an_error(
    deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run],
    state_file: Callable[..., str],
) -> None:
    state = state_file(stack_export(deploy("logo").entry()))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"

    result = run("drift", "--state", state, "--api-url", closed, "--retries", "0")

    assert result.code == EXIT_ERROR
    assert result.err.startswith("Error: Could not connect to " + closed)


def test_missing_credentials_name_the_environment_variables(
    run: Callable[..., Run], state_file: Callable[..., str],
) -> None:
    result = run("drift", "--state", state_file(stack_export()))

    assert result.code == EXIT_ERROR
    assert "PLIVO_AUTH_ID" in result.err and "PLIVO_AUTH_TOKEN" in result.err


def test_an_encrypted_path_is_an_error_and_a_plaintext_secret_is_read(
    deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run],
    state_file: Callable[..., str],
) -> None:
    logo = deploy("logo")
    encrypted = logo.entry(path=secret())
    shown = logo.entry(path=secret(str(logo.path), plaintext=True))
    shown["urn"] = shown["urn"].replace("::logo", "::shown")

    result = run("drift", "--state", state_file(stack_export(encrypted, shown)), "--json")

    assert result.code == EXIT_ERROR
    assert result.entry("logo")["status"] == "error"
    assert "--show-secrets" in result.entry("logo")["reason"]
    assert result.entry("shown")["status"] == "in_sync"


# -- where the state comes from ---------------------------------------------------------------


def test_relative_paths_resolve_against_root(
    deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run],
    state_file: Callable[..., str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    logo = deploy("logo")
    relative = media_entry("logo", logo.media, "media/logo.png", sha256_bytes(logo.data))
    state = state_file(stack_export(relative))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    from_cwd = run("drift", "--state", state, "--json")
    from_root = run("drift", "--state", state, "--json", "--root", str(tmp_path))

    assert from_cwd.entry("logo")["status"] == "local_missing"
    assert str(elsewhere / "media" / "logo.png") in from_cwd.entry("logo")["reason"]
    assert from_root.code == EXIT_OK and from_root.entry("logo")["status"] == "in_sync"


def test_help_says_how_relative_paths_and_credentials_are_resolved(
    run: Callable[..., Run], capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["drift", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert code == EXIT_OK
    assert "relative paths in state are resolved against it" in text
    assert "default: the current directory" in text
    assert "PLIVO_AUTH_ID" in text and "not readable outside a Pulumi run" in text


def test_state_can_come_from_stdin(
    deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doc = stack_export(deploy("logo").entry())
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(doc)))

    result = run("drift", "--state", "-", "--json")

    assert result.code == EXIT_OK and result.doc["source"] == "stdin"


def test_entries_pending_deletion_are_ignored(
    deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run],
    state_file: Callable[..., str], emulator: Emulator,
) -> None:
    old, new = deploy("logo"), deploy("logo2")
    replaced = old.entry()
    replaced["delete"] = True
    control(emulator, "DELETE", f"media/{old.media.media_id}")
    current = new.entry()
    current["urn"] = replaced["urn"]

    result = run("drift", "--state", state_file(stack_export(current, replaced)), "--json")

    assert result.code == EXIT_OK
    assert [r["media_id"] for r in result.doc["resources"]] == [new.media.media_id]


def _fake_pulumi(bin_dir: Path, script: str) -> None:
    exe = bin_dir / "pulumi"
    exe.write_text(f"#!{sys.executable}\n{script}")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)


def test_stack_runs_pulumi_stack_export_in_root(
    deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    export = tmp_path / "export.json"
    export.write_text(json.dumps(stack_export(deploy("logo").entry())))
    log = tmp_path / "calls.jsonl"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_pulumi(bin_dir, (
        "import json, os, sys\n"
        f"with open({str(log)!r}, 'a') as f:\n"
        "    f.write(json.dumps({'argv': sys.argv[1:], 'cwd': os.getcwd()}) + '\\n')\n"
        f"sys.stdout.write(open({str(export)!r}).read())\n"
    ))
    monkeypatch.setenv("PATH", str(bin_dir))
    project = tmp_path / "project"
    project.mkdir()

    result = run("drift", "--stack", "dev", "--root", str(project), "--json")

    assert result.code == EXIT_OK
    assert [json.loads(line) for line in log.read_text().splitlines()] == [
        {"argv": ["stack", "export", "--stack", "dev"], "cwd": str(project)}
    ]
    assert result.doc["stack"] == "dev" and result.doc["source"] == "stack dev"


def test_stack_suggestions_name_the_stack(
    deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logo = deploy("logo")
    export = tmp_path / "export.json"
    export.write_text(json.dumps(stack_export(logo.entry())))
    logo.path.write_bytes(png_bytes(seed=96))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_pulumi(bin_dir, f"import sys\nsys.stdout.write(open({str(export)!r}).read())\n")
    monkeypatch.setenv("PATH", str(bin_dir))

    result = run("drift", "--stack", "prod", "--json")

    assert result.entry("logo")["command"] == "pulumi up --stack prod"


def test_stack_without_the_pulumi_cli_explains_what_to_do(
    creds: None, run: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    result = run("drift", "--stack", "dev")

    assert result.code == EXIT_ERROR and result.out == ""
    assert result.err.startswith("Error: --stack needs the pulumi CLI")
    assert "--state state.json" in result.err


def test_a_failing_pulumi_stack_export_is_reported_with_its_message(
    creds: None, run: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fake_pulumi(tmp_path, (
        "import sys\n"
        "sys.stderr.write(\"error: no stack named 'nope' found\\n\")\n"
        "sys.exit(255)\n"
    ))
    monkeypatch.setenv("PATH", str(tmp_path))

    result = run("drift", "--stack", "nope")

    assert result.code == EXIT_ERROR
    assert "failed (exit 255): error: no stack named 'nope' found" in result.err


# -- bad state files --------------------------------------------------------------------------


def _valid_text() -> str:
    return json.dumps(stack_export(), indent=2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(_valid_text()[:150], ["is not valid JSON", "line ", "column ", "truncated"],
                     id="truncated"),
        pytest.param("", ["is not valid JSON", "line 1 column 1", "is empty"], id="empty"),
        pytest.param("{'version': 3}", ["is not valid JSON", "line 1 column 2",
                                        "export it again"], id="not-json"),
        pytest.param('{"version": 3, ]', ["is not valid JSON", "line 1 column 16",
                                          "export it again"], id="malformed-not-cut"),
        pytest.param("[1, 2]", ["is not a Pulumi stack export", "a JSON list"], id="list"),
        pytest.param('{"resources": []}', ["is not a Pulumi stack export",
                                           "no 'version' and 'deployment'"], id="no-deployment"),
        pytest.param('{"version": 4, "deployment": {}}', ["deployment version 4",
                                                          "expected 3"], id="version"),
        pytest.param('{"version": 3, "deployment": {"resources": {}}}',
                     ["'deployment.resources' is not a list"], id="resources-object"),
        pytest.param('{"version": 3, "deployment": {"resources": [{"urn": "u"}]}}',
                     ["resources[0] has no string 'type'"], id="no-type"),
    ],
)
def test_a_bad_state_file_gets_one_clear_line(
    text: str, expected: list[str], creds: None, run: Callable[..., Run], tmp_path: Path,
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)

    result = run("drift", "--state", str(path))

    assert result.code == EXIT_ERROR and result.out == ""
    line = result.err.strip()
    assert "\n" not in line
    assert line.startswith(f"Error: state file {path} ")
    for fragment in expected:
        assert fragment in line
    assert ("truncated" in line) == ("truncated" in expected)


def test_a_missing_state_file_says_how_to_make_one(
    creds: None, run: Callable[..., Run], tmp_path: Path,
) -> None:
    result = run("drift", "--state", str(tmp_path / "nope.json"))

    assert result.code == EXIT_ERROR
    assert "no such file" in result.err and "pulumi stack export --file" in result.err


@pytest.mark.parametrize(
    "argv",
    [
        ["drift"],
        ["drift", "--state", "a.json", "--stack", "dev"],
        ["drift", "--state", "a.json", "--parallel", "0"],
        ["drift", "--state", "a.json", "--warn-within", "soon"],
    ],
    ids=["no-source", "two-sources", "parallel-0", "bad-duration"],
)
def test_bad_usage_exits_64_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(argv)
    captured = capsys.readouterr()
    assert code == EXIT_USAGE
    assert captured.err.startswith("Error: ") and captured.err.count("\n") == 1
    assert captured.out == ""  # without --json, nothing on stdout


# -- efficiency -------------------------------------------------------------------------------


def test_many_resources_share_connections_fetch_each_id_once_and_hash_each_path_once(
    emulator: Emulator, client: MediaClient, tmp_path: Path, creds: None,
    run: Callable[..., Run], state_file: Callable[..., str], mocker: Any,
) -> None:
    shared = png_bytes(pad_to=200, seed=5)
    path = write(tmp_path / "shared.png", shared)
    media: list[Media] = []
    for batch in range(6):
        media += client.upload([UploadFile(f"m{batch}-{i}.png", shared, "image/png")
                                for i in range(10)])
    entries = [media_entry(f"r{i}", m, str(path), sha256_bytes(shared))
               for i, m in enumerate(media)]
    # Two resources adopting the same media must not fetch it twice.
    entries.append(media_entry("twin", media[0], str(path), sha256_bytes(shared)))
    state = state_file(stack_export(*entries))
    before = control(emulator, "GET", "stats")
    hashed = mocker.spy(drift_check, "hash_file")

    result = run("drift", "--state", state, "--json", "--parallel", "4")

    after = control(emulator, "GET", "stats")
    assert result.code == EXIT_OK, result.err
    assert result.doc["summary"]["counts"]["in_sync"] == 61
    # One preflight, then list pages shared by the workers instead of one GET per id.
    sent = after["requests"] - before["requests"]
    assert sent <= 1 + 60 // 20 + PROBES, sent
    # At most: 4 workers, the preflight's session, and the stats request itself.
    assert after["connections"] - before["connections"] <= 4 + 1 + 1
    assert hashed.call_count == 1
    assert len(result.err.strip().splitlines()) == 1  # stderr is no TTY: summary only


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_shown_on_a_terminal_for_many_resources(
    emulator: Emulator, client: MediaClient, tmp_path: Path, state_file: Callable[..., str],
    creds: None,
) -> None:
    data = png_bytes(seed=6)
    path = write(tmp_path / "a.png", data)
    media = client.upload([UploadFile(f"a{i}.png", data, "image/png") for i in range(3)])
    entries = [media_entry(f"r{i}", media[i % 3], str(path), sha256_bytes(data))
               for i in range(drift.PROGRESS_THRESHOLD + 1)]
    stderr, stdout = _Terminal(), io.StringIO()

    code = drift.run_drift(
        api_url=None, options=DriftOptions(),
        state=state_file(stack_export(*entries)), stdin=io.StringIO(),
        stdout=stdout, stderr=stderr,
    )

    assert code == EXIT_OK
    shown = stderr.getvalue()
    assert f"\rchecked {drift.PROGRESS_THRESHOLD + 1}/{drift.PROGRESS_THRESHOLD + 1}" in shown
    assert shown.rstrip().splitlines()[-1].startswith("plivo-media drift: in sync")


@pytest.mark.parametrize(
    ("total", "tty", "shown"),
    [(drift.PROGRESS_THRESHOLD + 1, True, True), (drift.PROGRESS_THRESHOLD, True, False),
     (drift.PROGRESS_THRESHOLD + 1, False, False), (0, True, False)],
    ids=["many-on-a-terminal", "threshold-on-a-terminal", "many-not-a-terminal", "none"],
)
def test_progress_needs_more_than_the_threshold_and_a_terminal(
    total: int, tty: bool, shown: bool,
) -> None:
    stream = _Terminal() if tty else io.StringIO()

    assert drift.wants_progress(total, stream) is shown


def test_the_progress_line_rewrites_itself_and_ends_with_a_newline() -> None:
    stream = _Terminal()
    show = drift.progress_printer(stream)

    for done in range(1, 4):
        show(done, 3)

    assert stream.getvalue() == ("\rchecked 1/3 MediaFile resources"
                                 "\rchecked 2/3 MediaFile resources"
                                 "\rchecked 3/3 MediaFile resources\n")


def test_an_empty_stack_is_in_sync(
    creds: None, run: Callable[..., Run], state_file: Callable[..., str],
) -> None:
    result = run("drift", "--state", state_file(stack_export()))

    assert result.code == EXIT_OK
    assert result.out.strip() == "No MediaFile resources in this stack."


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ci-drift"


def test_the_ci_drift_example_deployed_from_its_folder_is_checked_with_root(
    emulator: Emulator, creds: None, run: Callable[..., Run], state_file: Callable[..., str],
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    program = {"offer": {"path": "media/offer.txt"}}  # as examples/ci-drift/__main__.py says
    assert 'path="media/offer.txt"' in (EXAMPLE / "__main__.py").read_text()
    monkeypatch.chdir(EXAMPLE)  # Pulumi runs a program (and its provider) in its folder.
    with ProviderProcess(provider_env(emulator.url)) as provider:
        engine = Engine(provider)
        assert engine.up(program).created == ["offer"]
    state = state_file(stack_export(*engine.export()["deployment"]["resources"]))
    monkeypatch.chdir(tmp_path)

    synced = run("drift", "--state", state, "--root", str(EXAMPLE), "--json")
    control(emulator, "DELETE", f"media/{engine.state['offer'].id}")
    drifted = run("drift", "--state", state, "--root", str(EXAMPLE), "--json")

    assert synced.code == EXIT_OK and synced.entry("offer")["path"] == "media/offer.txt"
    assert drifted.code == EXIT_DRIFT
    assert drifted.entry("offer")["status"] == "missing_remote"


@pytest.mark.parametrize("failure", ["bad-state", "no-credentials", "refused"])
def test_with_json_a_failed_run_still_prints_a_parseable_document(
    failure: str, deploy: Callable[..., Deployed], creds: None, run: Callable[..., Run],
    state_file: Callable[..., str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = state_file(stack_export(deploy("logo").entry()))
    if failure == "bad-state":
        Path(state).write_text("{")
    elif failure == "no-credentials":
        monkeypatch.delenv("PLIVO_AUTH_TOKEN")
    else:
        monkeypatch.setenv("PLIVO_AUTH_TOKEN", "wrong-token-value")

    result = run("drift", "--state", state, "--json")

    assert result.code == EXIT_ERROR
    report = result.doc
    assert report["schema"] == "plivo-media-drift/1"
    assert report["resources"] == []
    assert report["summary"]["exit_code"] == EXIT_ERROR and report["summary"]["total"] == 0
    assert report["source"] == f"file {state}"
    assert report["error"] and result.err.strip() == f"Error: {report['error']}"
    assert "wrong-token-value" not in result.out
