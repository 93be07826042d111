"""The plugin's translation in-process: arguments, wire values, settings."""

from __future__ import annotations

import pytest
from google.protobuf import struct_pb2

from plivo_media_provider.core.values import UNKNOWN
from plivo_media_provider.plugin import config
from plivo_media_provider.plugin.main import engine_address
from plivo_media_provider.plugin.properties import (
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN_SENTINEL,
    decode,
    encode,
    to_core,
    to_wire,
    wire_text,
)


@pytest.mark.parametrize(("argv", "address"), [
    (["127.0.0.1:5000"], "127.0.0.1:5000"),
    (["--logtostderr", "-v=9", "127.0.0.1:5000"], "127.0.0.1:5000"),
    (["--tracing", "127.0.0.1:4317", "127.0.0.1:5000"], "127.0.0.1:5000"),
    (["--logtostderr", "-v", "3", "--tracing", "t:1", "127.0.0.1:5000"], "127.0.0.1:5000"),
    (["--some-future-flag", "127.0.0.1:5000"], "127.0.0.1:5000"),
    (["--tracing", "127.0.0.1:4317"], None),
    ([], None),
])
def test_the_engine_address_is_the_argument_no_flag_claims(
    argv: list[str], address: str | None
) -> None:
    assert engine_address(argv) == address


def struct(values: dict[str, object]) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(values)
    return result


def test_decode_unwraps_secrets_and_unknowns_and_types_integers() -> None:
    values, secrets = decode(struct({
        "path": {SIG_KEY: SECRET_SIG, "value": "logo.png"},
        "fileName": UNKNOWN_SENTINEL,
        "size": 700.0,
        "other": 1.5,
    }))
    assert values == {"path": "logo.png", "fileName": UNKNOWN, "size": 700, "other": 1.5}
    assert isinstance(values["size"], int) and secrets == {"path"}


def test_encode_wraps_the_same_names_and_leaves_out_none() -> None:
    encoded = encode({"path": "logo.png", "mediaId": UNKNOWN, "adoptMediaId": None},
                     secrets={"path"})
    values = dict(encoded.items())
    assert values["mediaId"] == UNKNOWN_SENTINEL and "adoptMediaId" not in values
    assert dict(values["path"].items()) == {SIG_KEY: SECRET_SIG, "value": "logo.png"}
    assert decode(encoded)[0] == {"path": "logo.png", "mediaId": UNKNOWN}


def test_names_translate_both_ways_and_unknown_names_pass_through() -> None:
    wire = {"fileName": "a.png", "contentSha256": "ab", "path": "a.png", "extra": 1}
    core = to_core(wire)
    assert core == {"file_name": "a.png", "content_sha256": "ab", "path": "a.png", "extra": 1}
    assert to_wire(core) == wire


def test_messages_name_properties_as_programs_do() -> None:
    text = ("adopt_media_id 'x': set file_name='a.png'; reupload_after and media_id; "
            "the media_url of upload_times")
    assert wire_text(text) == ("adoptMediaId 'x': set fileName='a.png'; reuploadAfter and "
                               "mediaId; the mediaUrl of upload_times")


def test_config_normalises_numbers_and_drops_what_it_does_not_declare() -> None:
    assert config.core_config({"authId": " MAX ", "readTimeout": 30.0, "backoffFactor": 0.25,
                               "retries": "2", "apiUrl": "", "version": "0.1.0"}) == {
        "plivo:authId": "MAX", "plivo:readTimeout": "30", "plivo:backoffFactor": "0.25",
        "plivo:retries": "2"}


def test_config_reads_variables_when_the_engine_sends_no_args() -> None:
    assert config.args_of_variables({"plivo:config:authId": "MAX", "aws:region": "x"}) == {
        "authId": "MAX"}


@pytest.mark.parametrize(("olds", "news", "changes", "replaces"), [
    ({"authToken": "a"}, {"authToken": "b"}, False, []),
    ({"authId": "MA1"}, {"authId": "MA2"}, True, ["authId"]),
    ({"authId": "MA1"}, {"authId": UNKNOWN}, True, ["authId"]),
    ({"apiUrl": "https://a"}, {"apiUrl": "https://b"}, True, []),
    ({"retries": "2"}, {"retries": 2.0}, False, []),
    ({}, {"authId": "MAENV"}, False, []),
    ({"version": "0.1.0"}, {"version": "0.2.0"}, True, []),
], ids=["token", "auth-id", "unknown-auth-id", "api-url", "number-spelling", "from-env",
        "version"])
def test_what_a_change_of_settings_does(
    olds: dict[str, object], news: dict[str, object], changes: bool, replaces: list[str]
) -> None:
    diff = config.diff_config(olds, news, environ={"PLIVO_AUTH_ID": "MAENV"})
    assert (diff.changes, diff.replaces) == (changes, replaces)
