"""The engine's property values and the core's, translated both ways.

On the wire a resource's properties are a ``google.protobuf.Struct`` keyed by the schema's
camelCase names (``fileName``), numbers are doubles, a value the engine does not know yet is
the sentinel string :data:`UNKNOWN_SENTINEL`, and a secret is an object marked with
:data:`SIG_KEY` = :data:`SECRET_SIG` around its ``value`` (the plugin accepts secrets, so
they arrive wrapped). The core takes plain mappings keyed by the field schema's names
(``file_name``), with :data:`~plivo_media_provider.core.values.UNKNOWN` for unknowns.

:func:`decode` unwraps a Struct into plain values and the names that were secret;
:func:`encode` wraps them back, keeping those names secret. :func:`to_core` and
:func:`to_wire` rename, and :func:`wire_text` names properties in a message as the user's
program spells them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf import json_format, struct_pb2

from ..core.schema import BY_NAME, FIELDS
from ..core.values import UNKNOWN, is_unknown
from .schema import camel

UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The string the provider protocol sends for a value not known yet (during a preview)."""
SIG_KEY = "4dabf18193072939515e22adb298388d"
"""The key that marks an object as one of the protocol's special values."""
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
"""The :data:`SIG_KEY` value of a secret; the secret itself is under ``"value"``."""

CORE_NAMES: dict[str, str] = {camel(f.name): f.name for f in FIELDS}
"""A MediaFile property's wire name to its core name: ``fileName`` to ``file_name``."""
WIRE_NAMES: dict[str, str] = {core: wire for wire, core in CORE_NAMES.items()}

_FIELD_WORD = re.compile(r"\b(" + "|".join(n for n in WIRE_NAMES if n != WIRE_NAMES[n]) + r")\b")


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def _plain(value: Any) -> tuple[Any, bool]:
    """``value`` with secrets unwrapped and unknowns as UNKNOWN; whether a secret was in it."""
    if value == UNKNOWN_SENTINEL:
        return UNKNOWN, False
    if _is_secret(value):
        inner, _ = _plain(value.get("value"))
        return inner, True
    if isinstance(value, dict):
        pairs = {key: _plain(item) for key, item in value.items()}
        return ({k: v for k, (v, _) in pairs.items()}, any(s for _, s in pairs.values()))
    if isinstance(value, list):
        items = [_plain(item) for item in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def decode(struct: struct_pb2.Struct | None) -> tuple[dict[str, Any], frozenset[str]]:
    """A Struct's values, plain, and the top-level names whose value was (or held) a secret.

    Whole numbers of a MediaFile integer property (``size``) come back as ints.
    """
    if struct is None:
        return {}, frozenset()
    values: dict[str, Any] = {}
    secrets: set[str] = set()
    for key, raw in json_format.MessageToDict(struct).items():
        value, secret = _plain(raw)
        field = BY_NAME.get(CORE_NAMES.get(key, ""))
        if (field is not None and field.type_ == "int" and isinstance(value, float)
                and value.is_integer()):
            value = int(value)
        values[key] = value
        if secret:
            secrets.add(key)
    return values, frozenset(secrets)


def _wire(value: Any) -> Any:
    if is_unknown(value):
        return UNKNOWN_SENTINEL
    if isinstance(value, dict):
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_wire(item) for item in value]
    return value


def encode(values: Mapping[str, Any], secrets: Iterable[str] = ()) -> struct_pb2.Struct:
    """``values`` as a Struct: unknowns as the sentinel, ``secrets`` wrapped, None left out."""
    hidden = set(secrets)
    struct = struct_pb2.Struct()
    struct.update({
        key: {SIG_KEY: SECRET_SIG, "value": _wire(value)} if key in hidden else _wire(value)
        for key, value in values.items() if value is not None
    })
    return struct


def to_core(values: Mapping[str, Any]) -> dict[str, Any]:
    """Wire names to the core's; names the schema does not know pass through unchanged."""
    return {CORE_NAMES.get(key, key): value for key, value in values.items()}


def to_wire(values: Mapping[str, Any]) -> dict[str, Any]:
    """The core's names to the wire's; names the schema does not know pass through."""
    return {WIRE_NAMES.get(key, key): value for key, value in values.items()}


def wire_name(name: str) -> str:
    """One property's wire name: ``file_name`` is ``fileName``."""
    return WIRE_NAMES.get(name, name)


def wire_text(message: str) -> str:
    """``message`` with each MediaFile property named as the program spells it: the core
    says ``reupload_after``, a TypeScript or YAML program says ``reuploadAfter``."""
    return _FIELD_WORD.sub(lambda match: WIRE_NAMES[match.group(1)], message)
