"""The auth token never leaves the places it is kept (stack config secret or environment).

A whole life cycle -- creates, a reconciled upload, failures, a replace, a refresh, a
delete, wrong credentials, the CLI -- runs against an emulator that logs every request, and
everything produced is scanned for the token and for the Basic credential built from it:
the serialized provider, state inputs and outputs, the stack export, every error and check
failure, the provider server's stderr, the emulator's log, the CLI's output, and the
client's own log records at DEBUG. The native plugin's life cycle is scanned the same way,
with its messages to the engine's log, its stdout and its stderr.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import grpc
import pytest
from google.protobuf import empty_pb2

from plivo_media_provider import cli
from plivo_media_provider.api.client import MediaClient, UploadFile
from plivo_media_provider.errors import AuthenticationError, PlivoMediaError
from plivo_media_provider.settings import resolve_settings
from tests.conftest import AUTH_ID, AUTH_TOKEN, provider_env
from tests.support import files
from tests.support.control import Control
from tests.support.engine import Engine, Outcome, ProviderProcess
from tests.support.plugin_engine import (
    EngineService,
    PluginEngine,
    PluginProcess,
    error_text,
    secret,
)

API = f"/v1/Account/{AUTH_ID}/Media/"
WRONG_TOKEN = "tok-WRONG-91c0ffee22d4-also-secret"


def basic(token: str) -> str:
    return base64.b64encode(f"{AUTH_ID}:{token}".encode()).decode()


SECRETS = [
    AUTH_TOKEN, AUTH_TOKEN[4:20], quote(AUTH_TOKEN, safe=""), basic(AUTH_TOKEN),
    WRONG_TOKEN, basic(WRONG_TOKEN),
]


def leaks(text: str | bytes) -> list[str]:
    """Which secret forms occur in ``text``."""
    haystack = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return [secret for secret in SECRETS if secret in haystack]


class Produced:
    """Everything the run produced, by where it came from."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def add(self, where: str, text: str | bytes) -> None:
        value = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        self.texts[where] = self.texts.get(where, "") + value + "\n"

    def outcome(self, where: str, outcome: Outcome) -> None:
        self.add(where, json.dumps({"errors": outcome.errors, "failures": outcome.failures}))

    def assert_no_leaks(self) -> None:
        found = {where: leaks(text) for where, text in self.texts.items() if leaks(text)}
        assert not found, f"secret found in {sorted(found)}"


# -- a verbose emulator in its own process, logging every request ----------------------------


class VerboseEmulator:
    """``plivo-media emulator --verbose`` with the test token; its whole output is kept."""

    def __init__(self) -> None:
        self._output = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "plivo_media_provider", "emulator", "--port", "0",
             "--no-rate-limit", "--verbose", "--auth-id", AUTH_ID, "--auth-token", AUTH_TOKEN],
            stdout=subprocess.PIPE, stderr=self._output,
            env={k: v for k, v in os.environ.items() if not k.startswith("PLIVO_")},
        )
        assert self.process.stdout is not None
        self.banner = [self.process.stdout.readline().decode() for _ in range(6)]
        self.url = self.banner[0].strip().rsplit(" ", 1)[1]

    def stop(self) -> str:
        """Stop with Ctrl-C; return the banner and everything it logged."""
        self.process.send_signal(2)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        assert self.process.stdout is not None
        rest = self.process.stdout.read().decode()
        self.process.stdout.close()
        self._output.seek(0)
        logged = self._output.read().decode("utf-8", "replace")
        self._output.close()
        return "".join(self.banner) + rest + logged


@pytest.fixture
def verbose_emulator() -> Iterator[VerboseEmulator]:
    emulator = VerboseEmulator()
    try:
        yield emulator
    finally:
        if emulator.process.poll() is None:
            emulator.stop()


def scan_serialized(produced: Produced, engine: Engine, where: str) -> None:
    produced.add(f"{where}: serialized provider", engine.provider_blob)
    produced.add(f"{where}: serialized provider, decoded", base64.b64decode(engine.provider_blob))
    for name, entry in engine.state.items():
        produced.add(f"{where}: state inputs", json.dumps(entry.inputs, default=str))
        produced.add(f"{where}: state outputs", json.dumps(entry.outputs, default=str))
        assert entry.inputs and entry.outputs, name
    produced.add(f"{where}: stack export", json.dumps(engine.export()))


@pytest.mark.parametrize("source", ["environment", "stack-config"])
def test_the_token_appears_nowhere_the_provider_writes(
    verbose_emulator: VerboseEmulator, tmp_path: Path, source: str,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = verbose_emulator.url
    control = Control(url)
    produced = Produced()
    project = tmp_path / "project"
    paths = {f"m{i}": files.random_png(project / f"m{i}.png", 600 + i, seed=i) for i in range(4)}
    declared: dict[str, dict[str, Any]] = {name: {"path": str(p)} for name, p in paths.items()}

    if source == "environment":
        env = provider_env(url)
    else:  # the token as a stack config secret: the environment holds no credentials
        env = {k: v for k, v in provider_env(url).items() if not k.startswith("PLIVO_")}
    with ProviderProcess(env) as process:
        if source == "stack-config":
            process.configure({"plivo:authId": AUTH_ID, "plivo:authToken": AUTH_TOKEN,
                               "plivo:apiUrl": url, "plivo:readTimeout": "2"})
        engine = Engine(process)
        # Creates: one dropped after storing (reconciled), one refused with a 500.
        control.fault(method="POST", path=API, drop="after")
        control.fault(method="POST", path=API, status=500)
        produced.outcome("up with faults", engine.up(declared))
        produced.outcome("up again", engine.up(declared))
        # A replace, a refresh that finds media deleted out of band, a failing adoption.
        files.random_png(paths["m0"], 999, seed=99)
        produced.outcome("replace", engine.up(declared))
        control.delete(engine.state["m1"].id)
        produced.outcome("refresh", engine.refresh())
        adopting = {**declared, "m1": {**declared["m1"], "adopt_media_id": "no-such-media"}}
        produced.outcome("adopt missing", engine.up(adopting))
        produced.outcome("bad input", engine.up({**declared, "bad": {"path": str(project)}}))
        del declared["m3"]
        produced.outcome("delete", engine.up(declared))
        assert engine.up(declared).ok
        scan_serialized(produced, engine, source)
        stats = control.stats()
        produced.add("provider stderr", process.stderr_text())

    # The same program with a wrong token: errors about credentials must not echo it.
    wrong_env = {**provider_env(url), "PLIVO_AUTH_TOKEN": WRONG_TOKEN}
    with ProviderProcess(wrong_env) as process:
        wrong = Engine(process)
        outcome = wrong.up({"x": {"path": str(paths["m2"])}})
        assert outcome.errors and "credentials" in outcome.errors["x"]
        produced.outcome("wrong token", outcome)
        produced.add("wrong-token provider stderr", process.stderr_text())

    # The CLI, fed the same stack, with the right token and with the wrong one.
    export = tmp_path / "export.json"
    export.write_text(json.dumps(engine.export()))
    monkeypatch.setenv("PLIVO_AUTH_ID", AUTH_ID)
    for token in (AUTH_TOKEN, WRONG_TOKEN):
        monkeypatch.setenv("PLIVO_AUTH_TOKEN", token)
        for argv in (["ls", "--api-url", url], ["ls", "--api-url", url, "--json"],
                     ["drift", "--state", str(export), "--root", str(project), "--api-url", url,
                      "--retries", "0"]):
            cli.main(argv)
            out, err = capsys.readouterr()
            produced.add(f"cli {argv[0]} ({'right' if token == AUTH_TOKEN else 'wrong'})",
                         out + err)

    emulator_log = verbose_emulator.stop()
    produced.add("emulator log", emulator_log)
    assert stats["uploads"] >= 4
    assert f"POST {API} 200" in emulator_log, "the emulator did not log requests"
    assert "authorization" not in emulator_log.lower()
    assert "(the token you gave)" in emulator_log
    produced.assert_no_leaks()


def test_the_client_and_its_errors_keep_the_token_out_of_log_records(
    verbose_emulator: VerboseEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """With every logger at DEBUG (urllib3 logs each request), no record holds the token."""
    caught: list[PlivoMediaError] = []
    with caplog.at_level(logging.DEBUG):
        settings = resolve_settings(environ={"PLIVO_AUTH_ID": AUTH_ID,
                                             "PLIVO_AUTH_TOKEN": AUTH_TOKEN,
                                             "PLIVO_API_URL": verbose_emulator.url,
                                             "PLIVO_RETRIES": "0"})
        with MediaClient.from_settings(settings) as client:
            [media] = client.upload([UploadFile("a.png", files.png_bytes(), "image/png")])
            client.get(media.media_id)
            client.download(media)
            list(client.iter_media())
            logging.getLogger("test").debug("client %r settings %r", client, settings)
        with MediaClient(AUTH_ID, WRONG_TOKEN, verbose_emulator.url, retries=0) as wrong:
            try:
                wrong.list_page()
            except AuthenticationError as exc:
                caught.append(exc)
    assert caught and "credentials" in str(caught[0])
    assert "urllib3" in caplog.text, "DEBUG records were not captured"
    texts = [caplog.text, *(str(e) + repr(e) + repr(vars(e)) for e in caught)]
    assert not [leaks(text) for text in texts if leaks(text)]
    log = verbose_emulator.stop()
    assert not leaks(log) and "authorization" not in log.lower()


@pytest.mark.parametrize("source", ["environment", "configure"])
def test_the_token_appears_nowhere_the_plugin_writes(
    verbose_emulator: VerboseEmulator, tmp_path: Path, source: str
) -> None:
    """The same life cycle through ``pulumi-resource-plivo``: its state, errors, messages
    to the engine's log, stdout and stderr hold no form of the token."""
    url = verbose_emulator.url
    control = Control(url)
    produced = Produced()
    project = tmp_path / "project"
    paths = {f"m{i}": files.random_png(project / f"m{i}.png", 600 + i, seed=i) for i in range(4)}
    declared: dict[str, dict[str, Any]] = {name: {"path": str(p)} for name, p in paths.items()}
    env = provider_env(url)
    if source == "configure":  # the token as a secret provider input; none in the environment
        env = {k: v for k, v in env.items() if not k.startswith("PLIVO_AUTH")}
    service = EngineService()
    try:
        with PluginProcess(service, env, cwd=project) as plugin:
            if source == "configure":
                plugin.configure({"authId": AUTH_ID, "authToken": secret(AUTH_TOKEN),
                                  "apiUrl": url, "readTimeout": "2"})
                inputs, failures = plugin.check_config(
                    {"authId": "bad", "authToken": secret(AUTH_TOKEN)})
                assert inputs["authToken"] == secret(AUTH_TOKEN)  # still marked secret
                produced.add("check config failures", json.dumps(failures))
            engine = PluginEngine(plugin)
            control.fault(method="POST", path=API, drop="after")
            control.fault(method="POST", path=API, status=500)
            produced.outcome("up with faults", engine.up(declared))
            produced.outcome("up again", engine.up(declared))
            files.random_png(paths["m0"], 999, seed=99)
            produced.outcome("replace", engine.up(declared))
            produced.outcome("preview", engine.preview({**declared, "new": declared["m1"]}))
            control.delete(engine.state["m1"].id)
            produced.outcome("refresh", engine.refresh())
            entry, failures = engine.import_("imported", f"{engine.state['m2'].id}:m2.png")
            produced.add("import", json.dumps([entry.inputs, entry.outputs, failures]))
            try:
                engine.import_("ghost", "no-such-media")
            except grpc.RpcError as err:
                produced.add("import of a missing id", error_text(err))
            del declared["m3"]
            produced.outcome("delete", engine.up(declared))
            for name, state in engine.state.items():
                produced.add(f"state of {name}", json.dumps([state.inputs, state.outputs]))
            plugin.call("Cancel", empty_pb2.Empty())
            produced.outcome("after cancel", engine.up({"late": declared["m2"]}))
            produced.add("plugin stderr", plugin.stderr_text())
        produced.add("plugin stdout", b"".join(plugin.stdout_rest))
        with PluginProcess(service, {**env, "PLIVO_AUTH_ID": AUTH_ID,
                                     "PLIVO_AUTH_TOKEN": WRONG_TOKEN}, cwd=project) as wrong:
            outcome = PluginEngine(wrong).up({"x": declared["m2"]})
            assert "credentials" in outcome.errors["x"]
            produced.outcome("wrong token", outcome)
            produced.add("wrong-token stderr", wrong.stderr_text())
        produced.add("engine log", json.dumps([vars(r) for r in service.logs]))
    finally:
        service.close()
    assert service.logs, "the plugin logged nothing to the engine"
    assert control.stats()["uploads"] >= 4
    produced.add("emulator log", verbose_emulator.stop())
    produced.assert_no_leaks()
