"""The native plugin over gRPC: the engine's calls, as the engine makes them.

Each test starts the installed ``pulumi-resource-plivo`` as the engine does, with a fake
engine serving ``pulumirpc.Engine`` to record its log (``tests/support/plugin_engine.py``),
against the session emulator.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, provider_pb2

from plivo_media_provider._version import __version__
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.plugin.schema import package_schema
from tests.conftest import AUTH_ID, AUTH_TOKEN, provider_env
from tests.support import files
from tests.support.control import Control
from tests.support.plugin_engine import (
    SECRET_SIG,
    SIG,
    UNKNOWN,
    EngineService,
    PluginEngine,
    PluginProcess,
    secret,
)
from tests.test_journal import unusable_home

DIFF_NONE = provider_pb2.DiffResponse.DIFF_NONE
DIFF_SOME = provider_pb2.DiffResponse.DIFF_SOME


@pytest.fixture
def plugin(engine_service: EngineService, emulator: Emulator, tmp_path: Path
           ) -> Iterator[PluginProcess]:
    """The plugin with the test account in its PLIVO_* environment, in the project folder."""
    with PluginProcess(engine_service, provider_env(emulator.url), cwd=tmp_path) as process:
        yield process


@pytest.fixture
def no_credentials(engine_service: EngineService, emulator: Emulator, tmp_path: Path
                   ) -> Iterator[PluginProcess]:
    """The plugin with no PLIVO_* credentials at all: only Configure can give them."""
    env = {k: v for k, v in provider_env(emulator.url).items()
           if k not in ("PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN", "PLIVO_API_URL")}
    with PluginProcess(engine_service, env, cwd=tmp_path) as process:
        yield process


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line(text: str) -> None:
    assert text.strip() and "\n" not in text.strip(), text
    assert "Traceback" not in text and "Unexpected <class" not in text, text


# -- about the plugin --------------------------------------------------------------------------


def test_it_reports_its_version_and_the_derived_schema(plugin: PluginProcess) -> None:
    assert plugin.call("GetPluginInfo", empty_pb2.Empty()).version == __version__
    reply = plugin.call("GetSchema", provider_pb2.GetSchemaRequest(version=0))
    assert json.loads(reply.schema) == package_schema()


def test_python_dash_m_runs_the_same_plugin(
    engine_service: EngineService, emulator: Emulator, tmp_path: Path
) -> None:
    command = [sys.executable, "-m", "plivo_media_provider.plugin"]
    with PluginProcess(engine_service, provider_env(emulator.url), cwd=tmp_path,
                       command=command) as plugin:
        assert plugin.call("GetPluginInfo", empty_pb2.Empty()).version == __version__
        logo = files.random_png(tmp_path / "logo.png", 700, seed=13)
        engine = PluginEngine(plugin)
        engine.check("logo", {}, {"path": str(logo), "reuploadAfter": "6h"})
    assert [w.urn for w in engine_service.warnings()] == [engine.urn("logo")]


def test_rpcs_it_does_not_serve_answer_unimplemented(plugin: PluginProcess) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        plugin.call("Invoke", provider_pb2.InvokeRequest(tok="plivo:index:nothing"))
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED


# -- CheckConfig, DiffConfig, Configure ------------------------------------------------------


def test_check_config_refuses_a_malformed_auth_id_on_auth_id(plugin: PluginProcess) -> None:
    news = {"authId": "not-an-id", "authToken": secret(AUTH_TOKEN), "readTimeout": "30"}
    inputs, failures = plugin.check_config(news)
    [(prop, reason)] = failures
    assert prop == "authId" and "'not-an-id'" in reason and "MA or SA" in reason
    assert AUTH_TOKEN not in reason
    assert inputs == news  # as given: nothing from the environment is merged into state


@pytest.mark.parametrize(("key", "value", "words"), [
    ("apiUrl", "https://api.plivo.com/v1", "should be the API root"),
    ("readTimeout", "soon", "'soon'"),
    ("retries", "11", "0 to 10"),
    ("backoffFactor", -1.0, "0 to 60"),
])
def test_check_config_refuses_each_bad_setting_on_its_property(
    plugin: PluginProcess, key: str, value: Any, words: str
) -> None:
    _, failures = plugin.check_config({"authId": AUTH_ID, key: value})
    assert [p for p, _ in failures] == [key]
    assert words in failures[0][1]


def test_check_config_takes_numbers_as_strings_or_numbers_and_no_credentials(
    plugin: PluginProcess,
) -> None:
    _, failures = plugin.check_config({"readTimeout": "30", "retries": 2.0,
                                       "requestDeadline": 90, "backoffFactor": "0.25"})
    assert failures == []


def diff_config(plugin: PluginProcess, olds: dict[str, Any], news: dict[str, Any]
                ) -> provider_pb2.DiffResponse:
    return plugin.diff_config(olds, news)


BASE = {"authId": AUTH_ID, "authToken": secret(AUTH_TOKEN), "apiUrl": "https://a.example"}


def test_a_new_token_alone_changes_nothing(plugin: PluginProcess) -> None:
    reply = diff_config(plugin, BASE, {**BASE, "authToken": secret("tok-rotated")})
    assert reply.changes == DIFF_NONE and list(reply.replaces) == []


def test_a_new_auth_id_replaces_every_media_file(plugin: PluginProcess) -> None:
    reply = diff_config(plugin, BASE, {**BASE, "authId": "SAANOTHERACCOUNT0001"})
    assert reply.changes == DIFF_SOME and list(reply.replaces) == ["authId"]
    unknown = diff_config(plugin, BASE, {**BASE, "authId": UNKNOWN})
    assert list(unknown.replaces) == ["authId"]


@pytest.mark.parametrize("change", [{"apiUrl": "https://gateway.example"},
                                    {"readTimeout": "5"},
                                    {"apiUrl": "https://b.example", "authToken": secret("x")}])
def test_other_settings_update_the_provider_and_replace_nothing(
    plugin: PluginProcess, change: dict[str, Any]
) -> None:
    reply = diff_config(plugin, BASE, {**BASE, **change})
    assert reply.changes == DIFF_SOME and list(reply.replaces) == []
    assert set(change) <= set(reply.diffs)


def test_the_same_settings_spelled_otherwise_are_no_change(plugin: PluginProcess) -> None:
    olds = {**BASE, "readTimeout": "30", "retries": "2"}
    news = {**BASE, "readTimeout": 30.0, "retries": 2.0}
    assert diff_config(plugin, olds, news).changes == DIFF_NONE


def test_an_auth_id_moved_from_the_environment_into_config_is_no_change(
    plugin: PluginProcess,
) -> None:
    # The plugin's PLIVO_AUTH_ID is AUTH_ID: declaring the same id changes no account.
    reply = diff_config(plugin, {"apiUrl": "https://a.example"},
                        {"apiUrl": "https://a.example", "authId": AUTH_ID})
    assert reply.changes == DIFF_NONE


def test_configure_announces_secrets_and_preview(plugin: PluginProcess) -> None:
    reply = plugin.configure({"authId": AUTH_ID, "authToken": secret(AUTH_TOKEN)})
    assert reply.acceptSecrets and reply.supportsPreview


@pytest.mark.parametrize("token", [AUTH_TOKEN, secret(AUTH_TOKEN)], ids=["plain", "secret"])
def test_configure_args_reach_plivo_with_numbers_as_strings(
    no_credentials: PluginProcess, emulator: Emulator, tmp_path: Path, token: Any
) -> None:
    no_credentials.configure({"authId": AUTH_ID, "authToken": token, "apiUrl": emulator.url,
                              "readTimeout": "30", "retries": 2.0, "backoffFactor": "0.01"})
    engine = PluginEngine(no_credentials)
    logo = files.random_png(tmp_path / "logo.png", 700, seed=1)
    outcome = engine.up({"logo": {"path": str(logo)}})
    assert outcome.ok and outcome.created == ["logo"], outcome.errors
    assert Control(emulator.url).stats()["uploads"] == 1


# -- the MediaFile lifecycle --------------------------------------------------------------------


def test_up_uploads_each_file_once_and_records_camel_case_outputs(
    plugin: PluginProcess, emulator: Emulator, tmp_path: Path
) -> None:
    engine = PluginEngine(plugin)
    paths = {f"m{i}": files.random_png(tmp_path / f"m{i}.png", 600 + i, seed=i)
             for i in range(3)}
    outcome = engine.up({name: {"path": str(p)} for name, p in paths.items()})
    assert outcome.ok and sorted(outcome.created) == sorted(paths)
    entry = engine.state["m1"]
    assert entry.id == entry.outputs["mediaId"]
    assert entry.outputs["contentSha256"] == sha256_of(paths["m1"])
    assert entry.outputs["size"] == paths["m1"].stat().st_size
    assert entry.outputs["fileName"] == "m1.png"
    assert entry.outputs["contentType"] == "image/png"
    assert entry.outputs["schemaVersion"] == 1
    assert entry.outputs["expiresAt"] and entry.outputs["mediaUrl"].startswith(emulator.url)
    assert not engine.up({name: {"path": str(p)} for name, p in paths.items()}).changed
    assert Control(emulator.url).stats()["uploads"] == 3


def test_diff_is_by_content(plugin: PluginProcess, emulator: Emulator, tmp_path: Path) -> None:
    engine = PluginEngine(plugin)
    logo = files.random_png(tmp_path / "logo.png", 800, seed=2)
    assert engine.up({"logo": {"path": str(logo)}}).ok
    moved = tmp_path / "moved" / "logo.png"
    files.write(moved, logo.read_bytes())
    same = engine.up({"logo": {"path": str(moved)}})
    assert same.same == ["logo"] and not same.changed
    files.random_png(moved, 900, seed=3)
    replaced = engine.up({"logo": {"path": str(moved)}})
    assert replaced.replaced == ["logo"] and replaced.replaces["logo"] == ["contentSha256"]
    updated = engine.up({"logo": {"path": str(moved), "reuploadAfter": "3h"}})
    assert updated.updated == ["logo"]
    assert engine.state["logo"].outputs["reuploadAfter"] == "3h"
    assert Control(emulator.url).stats()["uploads"] == 2  # the update uploaded nothing


def test_refresh_keeps_what_plivo_holds_and_drops_only_proven_gone(
    plugin: PluginProcess, emulator: Emulator, tmp_path: Path
) -> None:
    engine = PluginEngine(plugin)
    resources = {n: {"path": str(files.random_png(tmp_path / f"{n}.png", 650, seed=i))}
                 for i, n in enumerate(["a", "b", "c"])}
    assert engine.up(resources).ok
    Control(emulator.url).delete(engine.state["b"].id)
    outcome = engine.refresh()
    assert outcome.ok and outcome.deleted == ["b"] and sorted(outcome.same) == ["a", "c"]


def test_delete_sends_nothing_and_logs_its_note_with_the_urn(
    plugin: PluginProcess, engine_service: EngineService, emulator: Emulator, tmp_path: Path
) -> None:
    engine = PluginEngine(plugin)
    logo = files.random_png(tmp_path / "logo.png", 700, seed=4)
    assert engine.up({"logo": {"path": str(logo)}}).ok
    requests_before = Control(emulator.url).stats()["requests"]
    outcome = engine.up({})
    assert outcome.deleted == ["logo"] and engine.state == {}
    assert Control(emulator.url).stats()["requests"] == requests_before
    [note] = [r for r in engine_service.logs if r.severity == engine_pb2.INFO]
    assert note.urn == engine.urn("logo") and "Plivo has no delete API" in note.message


def test_check_failures_are_on_the_camel_case_property_in_its_words(
    plugin: PluginProcess, tmp_path: Path
) -> None:
    logo = files.random_png(tmp_path / "logo.png", 700, seed=5)
    outcome = PluginEngine(plugin).up({"logo": {"path": str(logo), "fileName": "a/b.png",
                                                "reuploadAfter": "soon"}})
    failures = dict(outcome.failures["logo"])
    assert set(failures) == {"fileName", "reuploadAfter"}
    assert "fileName 'a/b.png'" in failures["fileName"]
    assert "file_name" not in " ".join(failures.values())


def test_check_returns_the_derived_values(plugin: PluginProcess, tmp_path: Path) -> None:
    logo = files.random_png(tmp_path / "logo.png", 700, seed=6)
    inputs, failures = PluginEngine(plugin).check("logo", {}, {"path": str(logo)})
    assert failures == []
    assert inputs == {"path": str(logo), "fileName": "logo.png", "contentType": "image/png",
                      "contentSha256": sha256_of(logo), "size": 700.0}


def test_warnings_reach_the_engine_log_with_the_resources_urn(
    plugin: PluginProcess, engine_service: EngineService, tmp_path: Path
) -> None:
    engine = PluginEngine(plugin)
    logo = files.random_png(tmp_path / "logo.png", 700, seed=7)
    engine.check("logo", {}, {"path": str(logo), "reuploadAfter": "7h"})
    [warning] = engine_service.warnings()
    assert warning.urn == engine.urn("logo")
    assert "reuploadAfter '7h'" in warning.message and "6 hours" in warning.message
    assert warning.message not in plugin.stderr_text()


def test_a_warning_outside_check_reaches_the_engine_log_with_the_resources_urn(
    engine_service: EngineService, emulator: Emulator, tmp_path: Path
) -> None:
    # No journal setting and a HOME that cannot be made: create falls back, and says so.
    plugin = PluginProcess(engine_service, unusable_home(tmp_path, emulator.url), cwd=tmp_path)
    with plugin:
        engine = PluginEngine(plugin)
        logo = files.random_png(tmp_path / "logo.png", 700, seed=8)
        assert engine.up({"logo": {"path": str(logo)}}).ok
        [warning] = engine_service.warnings()
        assert warning.urn == engine.urn("logo")
        assert "cannot be written" in warning.message
        assert "PLIVO_MEDIA_JOURNAL_DIR" in warning.message
        assert "cannot be written" not in plugin.stderr_text()


def test_missing_credentials_are_warned_once_and_a_preview_still_plans(
    no_credentials: PluginProcess, engine_service: EngineService, tmp_path: Path
) -> None:
    engine = PluginEngine(no_credentials)
    resources = {n: {"path": str(files.random_png(tmp_path / f"{n}.png", 640, seed=i))}
                 for i, n in enumerate(["a", "b"])}
    outcome = engine.preview(resources)
    assert outcome.ok and sorted(outcome.created) == ["a", "b"]
    [warning] = engine_service.warnings()
    assert "credentials are missing" in warning.message and "plivo:authId" in warning.message
    assert warning.urn == engine.urn("a")


def test_an_expected_failure_is_one_line(
    engine_service: EngineService, emulator: Emulator, tmp_path: Path
) -> None:
    env = provider_env(emulator.url, PLIVO_AUTH_TOKEN="tok-WRONG-not-this-one")
    with PluginProcess(engine_service, env, cwd=tmp_path) as plugin:
        logo = files.random_png(tmp_path / "logo.png", 700, seed=8)
        outcome = PluginEngine(plugin).up({"logo": {"path": str(logo)}})
        stderr = plugin.stderr_text()
    one_line(outcome.errors["logo"])
    assert "credentials" in outcome.errors["logo"]
    assert "tok-WRONG" not in outcome.errors["logo"] + stderr


# -- preview ---------------------------------------------------------------------------------


def test_a_preview_uploads_nothing_and_leaves_plivos_values_unknown(
    plugin: PluginProcess, emulator: Emulator, tmp_path: Path
) -> None:
    engine = PluginEngine(plugin)
    logo = files.random_png(tmp_path / "logo.png", 700, seed=9)
    outcome = engine.preview({"logo": {"path": str(logo)}})
    planned = outcome.planned["logo"]
    assert outcome.created == ["logo"] and engine.state == {}
    assert {planned[k] for k in ("mediaId", "mediaUrl", "uploadTime", "expiresAt")} == {UNKNOWN}
    assert planned["contentSha256"] == sha256_of(logo) and planned["size"] == 700
    assert Control(emulator.url).stats()["requests"] == 0


def test_a_previewed_update_uploads_nothing(
    plugin: PluginProcess, emulator: Emulator, tmp_path: Path
) -> None:
    engine = PluginEngine(plugin)
    logo = files.random_png(tmp_path / "logo.png", 700, seed=10)
    assert engine.up({"logo": {"path": str(logo)}}).ok
    before = Control(emulator.url).stats()["requests"]
    outcome = engine.preview({"logo": {"path": str(logo), "reuploadAfter": "4h"}})
    assert outcome.updated == ["logo"] and outcome.planned["logo"]["reuploadAfter"] == "4h"
    assert outcome.planned["logo"]["mediaId"] == engine.state["logo"].id
    assert "reuploadAfter" not in engine.state["logo"].outputs
    assert Control(emulator.url).stats()["requests"] == before


def test_an_unknown_path_leaves_the_derived_values_unknown(
    plugin: PluginProcess, tmp_path: Path
) -> None:
    engine = PluginEngine(plugin)
    inputs, failures = engine.check("logo", {}, {"path": UNKNOWN})
    assert failures == []
    assert inputs["contentSha256"] == inputs["size"] == inputs["fileName"] == UNKNOWN
    logo = files.random_png(tmp_path / "logo.png", 700, seed=11)
    assert engine.up({"logo": {"path": str(logo)}}).ok
    outcome = engine.preview({"logo": {"path": UNKNOWN}})
    assert outcome.replaced == ["logo"]  # the bytes may be new: as the dynamic provider plans


def test_a_secret_input_stays_secret_in_the_outputs(
    plugin: PluginProcess, tmp_path: Path
) -> None:
    engine = PluginEngine(plugin)
    logo = files.random_png(tmp_path / "logo.png", 700, seed=12)
    inputs, _ = engine.check("logo", {}, {"path": secret(str(logo))})
    assert inputs["path"] == {SIG: SECRET_SIG, "value": str(logo)}
    assert inputs["contentSha256"] == sha256_of(logo)
    assert engine.up({"logo": {"path": secret(str(logo))}}).ok
    assert engine.state["logo"].outputs["path"] == {SIG: SECRET_SIG, "value": str(logo)}
