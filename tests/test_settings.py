"""Settings precedence: explicit arguments, then Pulumi config, then the environment."""

from __future__ import annotations

import pytest

from plivo_media_provider.errors import ConfigurationError
from plivo_media_provider.settings import DEFAULT_API_URL, RetryPolicy, resolve_settings

ENV = {"PLIVO_AUTH_ID": "MAENVIRONMENT0000001", "PLIVO_AUTH_TOKEN": "env-token",
       "PLIVO_API_URL": "http://env.example"}
CONFIG = {"plivo:authId": "MACONFIG000000000001", "plivo:authToken": "config-token",
          "plivo:apiUrl": "http://config.example/"}


def test_environment_is_the_last_resort() -> None:
    settings = resolve_settings(environ=ENV)
    assert (settings.auth_id, settings.auth_token, settings.api_url) == (
        "MAENVIRONMENT0000001", "env-token", "http://env.example")


def test_config_beats_environment() -> None:
    settings = resolve_settings(config=CONFIG, environ=ENV)
    assert (settings.auth_id, settings.auth_token, settings.api_url) == (
        "MACONFIG000000000001", "config-token", "http://config.example")


def test_explicit_arguments_beat_config_field_by_field() -> None:
    settings = resolve_settings(auth_token="explicit", config=CONFIG, environ=ENV)
    assert settings.auth_token == "explicit"
    assert settings.auth_id == "MACONFIG000000000001"


def test_api_url_defaults_to_plivo() -> None:
    settings = resolve_settings(auth_id="SA0123456789ABCDEFGH", auth_token="t", environ={})
    assert settings.api_url == DEFAULT_API_URL


def test_environment_is_read_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLIVO_AUTH_ID", "MAENVIRONMENT0000001")
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", "first")
    assert resolve_settings().auth_token == "first"
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", "rotated")
    assert resolve_settings().auth_token == "rotated"


@pytest.mark.parametrize(
    ("given", "names"),
    [
        ({}, ["plivo:authId", "PLIVO_AUTH_ID", "plivo:authToken", "PLIVO_AUTH_TOKEN"]),
        ({"PLIVO_AUTH_ID": "MAENVIRONMENT0000001"}, ["plivo:authToken", "PLIVO_AUTH_TOKEN"]),
    ],
    ids=["nothing", "no-token"],
)
def test_missing_credentials_name_both_ways_to_set_them(
    given: dict[str, str], names: list[str]
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        resolve_settings(environ=given)
    for name in names:
        assert name in str(caught.value)
    assert "--secret" in str(caught.value)


@pytest.mark.parametrize("bad", ["short", "XA0123456789ABCDEFGH", "MA0123456789abcdefgh"])
def test_malformed_auth_id_is_refused_before_sending(bad: str) -> None:
    with pytest.raises(ConfigurationError, match="20 characters"):
        resolve_settings(auth_id=bad, auth_token="t", environ={})


def test_api_url_needs_a_scheme() -> None:
    with pytest.raises(ConfigurationError, match="http"):
        resolve_settings(auth_id="MA0123456789ABCDEFGH", auth_token="t", api_url="api.plivo.com",
                         environ={})


def test_repr_masks_the_token() -> None:
    settings = resolve_settings(auth_id="MA0123456789ABCDEFGH", auth_token="hunter2", environ={})
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings)


def test_the_retry_policy_comes_through_settings_by_the_same_precedence() -> None:
    assert resolve_settings(environ=ENV).retry == RetryPolicy()
    env = {**ENV, "PLIVO_RETRIES": "1", "PLIVO_BACKOFF_FACTOR": "0.25"}
    assert resolve_settings(environ=env).retry == RetryPolicy(1, 0.25)
    config = {"plivo:retries": "2"}
    assert resolve_settings(config=config, environ=env).retry.retries == 2
    assert resolve_settings(retries=0, config=config, environ=env).retry.retries == 0


@pytest.mark.parametrize(
    ("key", "value"),
    [("PLIVO_RETRIES", "-1"), ("PLIVO_RETRIES", "11"), ("PLIVO_RETRIES", "two"),
     ("PLIVO_BACKOFF_FACTOR", "nan"), ("PLIVO_BACKOFF_FACTOR", "61"),
     ("PLIVO_BACKOFF_FACTOR", "-0.5")],
)
def test_a_bad_retry_setting_is_one_line_naming_value_limit_and_setting(
    key: str, value: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        resolve_settings(environ={**ENV, key: value})
    message = str(caught.value)
    assert repr(value) in message and key in message and "\n" not in message
