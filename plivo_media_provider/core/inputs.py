"""A MediaFile's inputs as ``check`` sees them: what is refused, what is normalised, what is
only worth a warning.

Refusals are :class:`~.values.Failure` data on the property at fault; warnings are lines in
the result, which each face hands to its engine (the dynamic provider through
``pulumi.log.warn``, the plugin through the engine's log with the resource's URN). A
dynamic provider's check is not told which resource it checks, so there each warning names
the file it is about; a caller that knows the resource's name (the test kit) passes it, and
the warning names the resource, as errors do.

``check`` cannot tell a preview from an ``up``: the engine sends the same Check for both.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ..errors import ConfigurationError
from ..facts import UNSENT_RETENTION, UNSENT_RETENTION_WORDS, Duration, parse_duration
from ..settings import PULUMI_SOURCES, Sources, resolve_settings
from .content import has_control_characters, inspect_file
from .schema import DERIVED, LIVE_OUTPUTS
from .values import UNKNOWN, Checked, Failure, is_unknown

MAX_FILE_NAME_BYTES = 255
"""The longest ``file_name``, in UTF-8 bytes, that check lets through."""

SHORT_REUPLOAD = timedelta(minutes=10)
"""A ``reupload_after`` under this renews media on nearly every ``pulumi up``: warned."""

_SUGGESTED_REUPLOAD = Duration((UNSENT_RETENTION - timedelta(hours=1)).total_seconds())


def file_name_problem(name: Any) -> str | None:
    """Why ``name`` cannot be the name Plivo shows, or None."""
    if not isinstance(name, str) or not name.strip():
        return f"file_name {name!r} must be a non-empty string, such as 'logo.png'."
    if "/" in name or "\\" in name or name in (".", ".."):
        return (
            f"file_name {name!r} must be a bare file name without '/' or '\\'; Plivo shows it "
            "as the attachment's name. Use a name like 'logo.png'."
        )
    if has_control_characters(name):
        return f"file_name {name!r} contains control characters; use printable characters."
    if len(name.encode("utf-8")) > MAX_FILE_NAME_BYTES:
        return (
            f"file_name is {len(name.encode('utf-8'))} bytes long, over the limit of "
            f"{MAX_FILE_NAME_BYTES}; shorten it."
        )
    return None


def reupload_after_warning(who: str, text: str, age: timedelta) -> str | None:
    """The one-line warning for a valid ``reupload_after`` of ``age`` that cannot do what
    it is for, or None. ``who`` names the resource (check has no URN)."""
    if age >= UNSENT_RETENTION:
        return (
            f"{who}: reupload_after {text!r} is not shorter than the {UNSENT_RETENTION_WORDS} "
            f"after which Plivo deletes media never sent in an MMS, so it never renews unsent "
            f"media in time; set it below {Duration(UNSENT_RETENTION.total_seconds())}, such as "
            f"{str(_SUGGESTED_REUPLOAD)!r}, or remove it."
        )
    if age < SHORT_REUPLOAD:
        return (
            f"{who}: reupload_after {text!r} is under "
            f"{SHORT_REUPLOAD.total_seconds() / 60:g} minutes, so most `pulumi up`s will find "
            f"the media older than that and replace it; set a longer age, such as "
            f"{str(_SUGGESTED_REUPLOAD)!r}."
        )
    return None


_settings_warned = False
_settings_seen: set[int] = set()
_settings_lock = threading.Lock()


def unusable_settings_warning_once(
    config: Mapping[str, Any], sources: Sources = PULUMI_SOURCES
) -> str | None:
    """The warning, once per process, that the Plivo settings cannot be resolved (no
    credentials); None when they can, or when it was given already.

    A preview checks every file without calling Plivo, so it succeeds without credentials;
    the warning says before the ``up`` that uploading will fail, and which settings to set.
    The message is :func:`resolve_settings`'s, which never holds the token. Settings are
    resolved at the first check of each provider configuration in the process (the
    environment a provider process reads does not change under it), not at every file:
    checks are on every preview's serial path.
    """
    global _settings_warned
    seen = hash(tuple((key, str(value)) for key, value in config.items()))
    with _settings_lock:
        if _settings_warned or seen in _settings_seen:
            return None
        _settings_seen.add(seen)
        try:
            resolve_settings(config=config, sources=sources)
            return None
        except ConfigurationError as err:
            _settings_warned = True
            problem = str(err)
    return (
        f"{problem} A preview checks files without them, but `pulumi up` fails for every "
        "MediaFile it must upload, adopt or refresh until they are set."
    )


_NOT_INPUTS = frozenset((*LIVE_OUTPUTS, *DERIVED))
"""What a program cannot declare: check derives it, or Plivo's answer sets it."""


def _who(news: Mapping[str, Any], name: str | None) -> str:
    if name is not None:
        return f"MediaFile {name!r}"
    path = news.get("path")
    return f"MediaFile {path!r}" if isinstance(path, str) else "A MediaFile"


def check_inputs(
    news: Mapping[str, Any], config: Mapping[str, Any], sources: Sources = PULUMI_SOURCES,
    *, name: str | None = None
) -> Checked:
    """Validate ``news`` and add ``content_sha256``, ``size`` and the resolved type.

    Every problem is a Failure on the property at fault. ``content_type`` comes back in
    lower case. Unknown inputs (a path computed by another resource, during preview) leave
    the derived values unknown. ``config`` is the provider's ``plivo:*`` settings, and
    ``sources`` where its settings come from, for the messages. A warning names the
    resource by ``name`` when the caller knows it, else by its file.
    """
    warnings = [w for w in (unusable_settings_warning_once(config, sources),) if w]
    inputs = {k: v for k, v in news.items() if k not in _NOT_INPUTS}
    failures: list[Failure] = []
    path = news.get("path")
    if path is None or (isinstance(path, str) and not path.strip()):
        failures.append(Failure("path", "path is required: the local file to upload."))
        return Checked(inputs, failures, warnings)
    if not is_unknown(path) and not isinstance(path, str):
        failures.append(Failure("path", f"path must be a string, got {path!r}."))
        return Checked(inputs, failures, warnings)

    for key in ("adopt_media_id", "reupload_after", "content_type"):
        value = news.get(key)
        if value is not None and not is_unknown(value) and not isinstance(value, str):
            failures.append(Failure(key, f"{key} must be a string, got {value!r}."))
    reupload_after = news.get("reupload_after")
    if isinstance(reupload_after, str):
        try:
            age = parse_duration(reupload_after)
        except ValueError as exc:
            failures.append(Failure("reupload_after", str(exc)))
        else:
            warning = reupload_after_warning(_who(news, name), reupload_after, age)
            if warning:
                warnings.append(warning)
    adopt = news.get("adopt_media_id")
    if isinstance(adopt, str) and not adopt.strip():
        failures.append(Failure("adopt_media_id", "adopt_media_id must not be empty."))

    explicit_name = news.get("file_name")
    file_name = explicit_name
    if file_name is None and isinstance(path, str):
        file_name = os.path.basename(path)
    if file_name is not None and not is_unknown(file_name):
        problem = file_name_problem(file_name)
        if problem:
            failures.append(Failure("file_name", problem))
            explicit_name = None
    inputs["file_name"] = file_name if file_name is not None else UNKNOWN

    content_type = news.get("content_type")
    if isinstance(content_type, str):
        inputs["content_type"] = content_type.lower()
    if is_unknown(path) or is_unknown(content_type):
        inputs["content_sha256"] = UNKNOWN
        inputs["size"] = UNKNOWN
        if content_type is None:
            inputs["content_type"] = UNKNOWN
        return Checked(inputs, failures, warnings)
    found = inspect_file(
        path,
        content_type if isinstance(content_type, str) else None,
        file_name=explicit_name if isinstance(explicit_name, str) else None,
    )
    failures.extend(Failure(p.property_, p.message) for p in found.problems)
    inputs["content_sha256"] = found.sha256
    inputs["size"] = found.size
    inputs["content_type"] = found.content_type
    return Checked({k: v for k, v in inputs.items() if v is not None}, failures, warnings)
