"""The Pulumi package schema of ``plivo``, derived from the one field schema and the settings.

:func:`package_schema` is what GetSchema answers and what ``pulumi package gen-sdk`` and
``pulumi import`` generate code from. Every MediaFile property comes from
:data:`~plivo_media_provider.core.schema.FIELDS` (name, type, description, required) and
every configuration key from :data:`~plivo_media_provider.settings.SETTING_FIELDS`; nothing
here repeats them. Names are camelCase, as Pulumi schemas spell them: ``file_name`` is
``fileName``.
"""

from __future__ import annotations

from typing import Any

from .._version import __version__
from ..core.schema import FIELDS, Field
from ..settings import SETTING_FIELDS, SettingField

PACKAGE = "plivo"
MEDIA_FILE = f"{PACKAGE}:index:MediaFile"
"""The resource's type token."""

_TYPES = {"str": "string", "int": "integer"}

_MEDIA_FILE_DESCRIPTION = (
    "A Plivo MMS media file whose content is a local file, diffed by the sha256 of its "
    "bytes: new bytes replace the media, a moved file with the same bytes is no change. "
    "`pulumi up` uploads it to Plivo's Media API exactly once; `pulumi refresh` drops it "
    "only on proof that Plivo no longer has it. Plivo has no delete API, so deleting the "
    "resource forgets the media, which Plivo removes 6 hours after upload unless it was sent "
    "in an MMS. Import existing media with `pulumi import plivo:index:MediaFile NAME "
    "<media_id>` or `<media_id>:<path>`."
)


def camel(name: str) -> str:
    """A field name as the schema spells it: ``content_sha256`` is ``contentSha256``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _property(field: Field) -> dict[str, Any]:
    return {"type": _TYPES[field.type_], "description": field.description}


def _setting(setting: SettingField) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": setting.type_, "description": setting.description}
    if setting.secret:
        spec["secret"] = True
    return spec


def _media_file() -> dict[str, Any]:
    inputs = [f for f in FIELDS if f.source == "user"]
    return {
        "description": _MEDIA_FILE_DESCRIPTION,
        "properties": {camel(f.name): _property(f) for f in FIELDS},
        "required": [camel(f.name) for f in FIELDS if f.always_set],
        "inputProperties": {camel(f.name): _property(f) for f in inputs},
        "requiredInputs": [camel(f.name) for f in inputs if f.required],
    }


def package_schema() -> dict[str, Any]:
    """The package schema GetSchema answers, as a JSON-ready dict."""
    settings = {s.camel_name: _setting(s) for s in SETTING_FIELDS}
    return {
        "name": PACKAGE,
        "displayName": "Plivo Media",
        "version": __version__,
        "description": "Plivo MMS media files (images, video, PDFs, vCards) as infrastructure.",
        "keywords": ["pulumi", "plivo", "mms", "media", "category/utility"],
        "license": "Apache-2.0",
        "meta": {"moduleFormat": "(.*)"},
        "config": {"variables": settings},
        "provider": {
            "description": (
                "The Plivo account a MediaFile lives in. Settings it is not given come from "
                "the plugin's PLIVO_* environment. A new authId replaces every MediaFile of "
                "the provider; a new authToken alone changes nothing."
            ),
            "inputProperties": settings,
        },
        "resources": {MEDIA_FILE: _media_file()},
    }
