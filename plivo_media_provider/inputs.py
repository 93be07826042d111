"""A MediaFile's inputs as ``check`` sees them: what is refused, what is normalised, what is
only worth a warning.

Refusals are ``CheckFailure`` data on the property at fault. Warnings go through
``pulumi.log.warn``: a dynamic provider's ``CheckResult`` has no place for them, and in the
provider server (which has no engine connection) the SDK writes them to stderr as
``warning: …``, a stream the engine shows the user for dynamic providers (it hides the
output of other provider plugins). Such a line is not attached to a resource, so each
warning names the file it is about. Under Pulumi's mocks (the test kit) the same call
reaches the mocks' logger.

``check`` cannot tell a preview from an ``up``: the engine sends the same Check for both.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult
from pulumi.output import UNKNOWN, Unknown

from .content import has_control_characters, inspect_file
from .errors import ConfigurationError
from .facts import UNSENT_RETENTION, UNSENT_RETENTION_WORDS, Duration, parse_duration
from .schema import DERIVED, LIVE_OUTPUTS
from .settings import resolve_settings

MAX_FILE_NAME_BYTES = 255
"""The longest ``file_name``, in UTF-8 bytes, that check lets through."""

SHORT_REUPLOAD = timedelta(minutes=10)
"""A ``reupload_after`` under this renews media on nearly every ``pulumi up``: warned."""

_SUGGESTED_REUPLOAD = Duration((UNSENT_RETENTION - timedelta(hours=1)).total_seconds())


def is_unknown(value: Any) -> bool:
    """True for a value the engine does not know yet (a preview of a computed input)."""
    return isinstance(value, Unknown)


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
_settings_lock = threading.Lock()


def warn_unusable_settings_once(config: Mapping[str, Any]) -> None:
    """Warn once per process when the Plivo settings cannot be resolved (no credentials).

    A preview checks every file without calling Plivo, so it succeeds without credentials;
    the warning says before the ``up`` that uploading will fail, and which settings to set.
    The message is :func:`resolve_settings`'s, which never holds the token.
    """
    global _settings_warned
    with _settings_lock:
        if _settings_warned:
            return
        try:
            resolve_settings(config=config)
            return
        except ConfigurationError as err:
            _settings_warned = True
            problem = str(err)
    pulumi.log.warn(
        f"{problem} A preview checks files without them, but `pulumi up` fails for every "
        "MediaFile it must upload, adopt or refresh until they are set."
    )


def _who(news: Mapping[str, Any]) -> str:
    path = news.get("path")
    return f"MediaFile {path!r}" if isinstance(path, str) else "A MediaFile"


def check_inputs(news: Mapping[str, Any], config: Mapping[str, Any]) -> CheckResult:
    """Validate ``news`` and add ``content_sha256``, ``size`` and the resolved type.

    Every problem is a CheckFailure on the property at fault. ``content_type`` comes back in
    lower case. Unknown inputs (a path computed by another resource, during preview) leave
    the derived values unknown. ``config`` is the provider's ``plivo:*`` stack config.
    """
    warn_unusable_settings_once(config)
    inputs = {k: v for k, v in news.items() if k not in (*LIVE_OUTPUTS, *DERIVED)}
    failures: list[CheckFailure] = []
    path = news.get("path")
    if path is None or (isinstance(path, str) and not path.strip()):
        failures.append(CheckFailure("path", "path is required: the local file to upload."))
        return CheckResult(inputs, failures)
    if not is_unknown(path) and not isinstance(path, str):
        failures.append(CheckFailure("path", f"path must be a string, got {path!r}."))
        return CheckResult(inputs, failures)

    for key in ("adopt_media_id", "reupload_after", "content_type"):
        value = news.get(key)
        if value is not None and not is_unknown(value) and not isinstance(value, str):
            failures.append(CheckFailure(key, f"{key} must be a string, got {value!r}."))
    reupload_after = news.get("reupload_after")
    if isinstance(reupload_after, str):
        try:
            age = parse_duration(reupload_after)
        except ValueError as exc:
            failures.append(CheckFailure("reupload_after", str(exc)))
        else:
            warning = reupload_after_warning(_who(news), reupload_after, age)
            if warning:
                pulumi.log.warn(warning)
    adopt = news.get("adopt_media_id")
    if isinstance(adopt, str) and not adopt.strip():
        failures.append(CheckFailure("adopt_media_id", "adopt_media_id must not be empty."))

    explicit_name = news.get("file_name")
    file_name = explicit_name
    if file_name is None and isinstance(path, str):
        file_name = os.path.basename(path)
    if file_name is not None and not is_unknown(file_name):
        problem = file_name_problem(file_name)
        if problem:
            failures.append(CheckFailure("file_name", problem))
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
        return CheckResult(inputs, failures)
    found = inspect_file(
        path,
        content_type if isinstance(content_type, str) else None,
        file_name=explicit_name if isinstance(explicit_name, str) else None,
    )
    failures.extend(CheckFailure(p.property_, p.message) for p in found.problems)
    inputs["content_sha256"] = found.sha256
    inputs["size"] = found.size
    inputs["content_type"] = found.content_type
    return CheckResult({k: v for k, v in inputs.items() if v is not None}, failures)
