"""Settings and credentials, resolved in one place with one documented precedence.

Precedence, highest first, field by field:

1. explicit arguments (a caller that passes ``auth_id=...``);
2. Pulumi stack config: ``plivo:authId``, ``plivo:authToken`` (set it with ``--secret``),
   ``plivo:apiUrl``, ``plivo:readTimeout``;
3. the environment: ``PLIVO_AUTH_ID``, ``PLIVO_AUTH_TOKEN``, ``PLIVO_API_URL``,
   ``PLIVO_READ_TIMEOUT``.

``readTimeout`` is the seconds to wait for an answer (default 60). An upload that times out
is not sent again blindly (see ``MediaClient.upload_one``), so a short timeout costs a
search of the newest media, never a duplicate.

The token is held only by :class:`Settings`, whose repr masks it; it is never written to
state, logs or error messages.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigurationError

DEFAULT_API_URL = "https://api.plivo.com"
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 60.0

CONFIG_KEYS = {
    "auth_id": "plivo:authId",
    "auth_token": "plivo:authToken",
    "api_url": "plivo:apiUrl",
    "read_timeout": "plivo:readTimeout",
}
ENV_KEYS = {
    "auth_id": "PLIVO_AUTH_ID",
    "auth_token": "PLIVO_AUTH_TOKEN",
    "api_url": "PLIVO_API_URL",
    "read_timeout": "PLIVO_READ_TIMEOUT",
}

_AUTH_ID = re.compile(r"^(MA|SA)[A-Z0-9]{18}$")


@dataclass(frozen=True)
class Settings:
    """Everything needed to reach one Plivo account. Hashable, so it can key a client cache."""

    auth_id: str
    auth_token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    read_timeout: float = DEFAULT_READ_TIMEOUT

    def __repr__(self) -> str:
        return (
            f"Settings(auth_id={self.auth_id!r}, auth_token='***', api_url={self.api_url!r}, "
            f"read_timeout={self.read_timeout!r})"
        )


def _first(*values: Any) -> str | None:
    for value in values:
        if value is not None and str(value).strip() != "":
            return str(value).strip()
    return None


def resolve_settings(
    *,
    auth_id: str | None = None,
    auth_token: str | None = None,
    api_url: str | None = None,
    read_timeout: float | None = None,
    config: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve settings by the module's precedence; raise ConfigurationError if incomplete.

    ``config`` holds Pulumi stack config keyed ``"plivo:authId"`` and so on; ``environ``
    defaults to ``os.environ``, read at call time so a rotated credential is picked up.
    """
    config = config or {}
    env = os.environ if environ is None else environ
    explicit = {
        "auth_id": auth_id, "auth_token": auth_token, "api_url": api_url,
        "read_timeout": read_timeout,
    }
    resolved = {
        name: _first(explicit[name], config.get(CONFIG_KEYS[name]), env.get(ENV_KEYS[name]))
        for name in CONFIG_KEYS
    }
    missing = [name for name in ("auth_id", "auth_token") if resolved[name] is None]
    if missing:
        how = " and ".join(
            f"{CONFIG_KEYS[name]} (pulumi config set{' --secret' if name == 'auth_token' else ''}"
            f" {CONFIG_KEYS[name]} ...) or the environment variable {ENV_KEYS[name]}"
            for name in missing
        )
        raise ConfigurationError(f"Plivo credentials are missing: set {how}.")
    resolved_id = str(resolved["auth_id"])
    if not _AUTH_ID.match(resolved_id):
        raise ConfigurationError(
            f"Plivo auth id {resolved_id!r} is malformed: it must be 20 characters, letters and "
            "digits, starting with MA or SA. Copy it from the Plivo console and set "
            f"{CONFIG_KEYS['auth_id']} or {ENV_KEYS['auth_id']}."
        )
    url = (resolved["api_url"] or DEFAULT_API_URL).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"Plivo API URL {url!r} must start with http:// or https://; set "
            f"{CONFIG_KEYS['api_url']} or {ENV_KEYS['api_url']}."
        )
    return Settings(
        auth_id=resolved_id,
        auth_token=str(resolved["auth_token"]),
        api_url=url,
        read_timeout=_read_timeout(resolved["read_timeout"]),
    )


def _read_timeout(text: str | None) -> float:
    if text is None:
        return DEFAULT_READ_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= 3600:
        raise ConfigurationError(
            f"Plivo read timeout {text!r} must be a number of seconds above 0 and at most 3600 "
            f"(default {DEFAULT_READ_TIMEOUT:g}); fix {CONFIG_KEYS['read_timeout']} or "
            f"{ENV_KEYS['read_timeout']}."
        )
    return seconds
