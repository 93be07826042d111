"""The plugin's package schema is derived from the one field schema and the settings."""

from __future__ import annotations

from typing import Any

import pytest

from plivo_media_provider._version import __version__
from plivo_media_provider.core.schema import FIELDS, INPUTS
from plivo_media_provider.plugin.schema import MEDIA_FILE, camel, package_schema
from plivo_media_provider.settings import CONFIG_KEYS, SETTING_FIELDS

SCHEMA = package_schema()
RESOURCE: dict[str, Any] = SCHEMA["resources"][MEDIA_FILE]

ISSUE_INPUTS = ["path", "fileName", "contentType", "adoptMediaId", "reuploadAfter"]
ISSUE_OUTPUTS = [*ISSUE_INPUTS, "contentSha256", "size", "mediaId", "mediaUrl", "uploadTime",
                 "expiresAt", "schemaVersion"]
ISSUE_SETTINGS = ["authId", "authToken", "apiUrl", "readTimeout", "requestDeadline", "retries",
                  "backoffFactor"]


def test_the_package_is_plivo_at_the_package_version() -> None:
    assert SCHEMA["name"] == "plivo" and SCHEMA["version"] == __version__
    assert list(SCHEMA["resources"]) == ["plivo:index:MediaFile"]


def test_the_resource_has_the_properties_the_issue_lists() -> None:
    assert list(RESOURCE["inputProperties"]) == ISSUE_INPUTS
    assert RESOURCE["requiredInputs"] == ["path"]
    assert list(RESOURCE["properties"]) == ISSUE_OUTPUTS
    assert RESOURCE["properties"]["size"]["type"] == "integer"
    assert RESOURCE["properties"]["schemaVersion"]["type"] == "integer"
    # Every output a created resource always has; only the two optional inputs may be absent.
    assert set(ISSUE_OUTPUTS) - set(RESOURCE["required"]) == {"adoptMediaId", "reuploadAfter"}


def test_every_property_is_the_field_schemas_with_its_description() -> None:
    for field in FIELDS:
        spec = RESOURCE["properties"][camel(field.name)]
        assert spec["description"] == field.description and spec["description"]
        if field.name in INPUTS:
            assert RESOURCE["inputProperties"][camel(field.name)] == spec


def test_a_field_added_to_the_schema_reaches_the_package_schema(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from plivo_media_provider.core import schema as core_schema
    from plivo_media_provider.plugin import schema as plugin_schema

    extra = core_schema.Field("alt_text", "str", "user", description="Words for a reader.")
    monkeypatch.setattr(plugin_schema, "FIELDS", (*core_schema.FIELDS, extra))
    resource = plugin_schema.package_schema()["resources"][MEDIA_FILE]
    assert resource["inputProperties"]["altText"]["description"] == "Words for a reader."
    assert "altText" not in resource["required"]


def test_config_and_provider_inputs_are_the_settings() -> None:
    variables = SCHEMA["config"]["variables"]
    assert list(variables) == ISSUE_SETTINGS
    assert SCHEMA["provider"]["inputProperties"] == variables
    assert [s.name for s in SETTING_FIELDS] == list(CONFIG_KEYS)
    assert [f"plivo:{s.camel_name}" for s in SETTING_FIELDS] == list(CONFIG_KEYS.values())
    assert variables["authToken"]["secret"] is True
    assert [k for k, v in variables.items() if v.get("secret")] == ["authToken"]
    assert {k: v["type"] for k, v in variables.items()} == {
        "authId": "string", "authToken": "string", "apiUrl": "string",
        "readTimeout": "number", "requestDeadline": "number", "retries": "integer",
        "backoffFactor": "number",
    }
    for name, spec in variables.items():
        assert spec["description"], name


@pytest.mark.parametrize(("name", "expected"), [
    ("path", "path"), ("file_name", "fileName"), ("content_sha256", "contentSha256"),
    ("adopt_media_id", "adoptMediaId"),
])
def test_names_are_camel_case(name: str, expected: str) -> None:
    assert camel(name) == expected
