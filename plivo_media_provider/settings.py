"""Settings and credentials, resolved in one place with one documented precedence.

Precedence, highest first, field by field:

1. explicit arguments (a caller that passes ``auth_id=...``);
2. Pulumi stack config: ``plivo:authId``, ``plivo:authToken`` (set it with ``--secret``),
   ``plivo:apiUrl``, ``plivo:readTimeout``, ``plivo:requestDeadline``, ``plivo:retries``,
   ``plivo:backoffFactor``;
3. the environment: ``PLIVO_AUTH_ID``, ``PLIVO_AUTH_TOKEN``, ``PLIVO_API_URL``,
   ``PLIVO_READ_TIMEOUT``, ``PLIVO_REQUEST_DEADLINE``, ``PLIVO_RETRIES``,
   ``PLIVO_BACKOFF_FACTOR``.

``retries`` (default 4) and ``backoffFactor`` (default 0.5 s, doubled per retry, with as much
jitter) are the :class:`RetryPolicy`: every caller, the provider, ``drift`` and ``ls`` alike,
gets it from here and nowhere else.

``readTimeout`` is the seconds to wait for the next bytes of an answer (default 60);
``requestDeadline`` is the most seconds one API call may take in all, its retries and their
waits included (default 120), so a server that trickles its answer cannot hold a call
forever. An upload that times out is not sent again blindly (see
``reconcile.upload_once``), so a short timeout costs a search of the newest media, never a
duplicate.

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
DEFAULT_REQUEST_DEADLINE = 120.0

CONFIG_KEYS = {
    "auth_id": "plivo:authId",
    "auth_token": "plivo:authToken",
    "api_url": "plivo:apiUrl",
    "read_timeout": "plivo:readTimeout",
    "request_deadline": "plivo:requestDeadline",
    "retries": "plivo:retries",
    "backoff_factor": "plivo:backoffFactor",
}
ENV_KEYS = {
    "auth_id": "PLIVO_AUTH_ID",
    "auth_token": "PLIVO_AUTH_TOKEN",
    "api_url": "PLIVO_API_URL",
    "read_timeout": "PLIVO_READ_TIMEOUT",
    "request_deadline": "PLIVO_REQUEST_DEADLINE",
    "retries": "PLIVO_RETRIES",
    "backoff_factor": "PLIVO_BACKOFF_FACTOR",
}

_AUTH_ID = re.compile(r"^(MA|SA)[A-Z0-9]{18}$")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failed request is tried again.

    ``retries`` is the most retries per request (429, 5xx and broken connections for reads;
    only 429 and a connection never made for uploads). The wait before retry *n* is
    ``backoff_factor * 2**(n-1)`` seconds plus up to ``backoff_factor`` of jitter, at most
    ``backoff_max``; a server's ``Retry-After`` is honoured up to the client's cap.
    """

    retries: int = 4
    backoff_factor: float = 0.5
    backoff_max: float = 10.0


@dataclass(frozen=True)
class Settings:
    """Everything needed to reach one Plivo account. Hashable, so it can key a client cache."""

    auth_id: str
    auth_token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    read_timeout: float = DEFAULT_READ_TIMEOUT
    request_deadline: float = DEFAULT_REQUEST_DEADLINE
    retry: RetryPolicy = RetryPolicy()

    def __repr__(self) -> str:
        return (
            f"Settings(auth_id={self.auth_id!r}, auth_token='***', api_url={self.api_url!r}, "
            f"read_timeout={self.read_timeout!r}, request_deadline={self.request_deadline!r}, "
            f"retry={self.retry!r})"
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
    request_deadline: float | None = None,
    retries: int | None = None,
    backoff_factor: float | None = None,
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
        "read_timeout": read_timeout, "request_deadline": request_deadline,
        "retries": retries, "backoff_factor": backoff_factor,
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
    token = str(resolved["auth_token"])
    try:
        token.encode("latin-1")
    except UnicodeEncodeError:
        # HTTP Basic credentials are Latin-1 on the wire; say so without echoing the token.
        raise ConfigurationError(
            f"Plivo auth token holds a character outside Latin-1 (at position "
            f"{next(i for i, ch in enumerate(token) if ord(ch) > 255) + 1} of {len(token)}), "
            "so it cannot be sent; copy it again from the Plivo console and set "
            f"{CONFIG_KEYS['auth_token']} or {ENV_KEYS['auth_token']}."
        ) from None
    url = (resolved["api_url"] or DEFAULT_API_URL).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"Plivo API URL {url!r} must start with http:// or https://; set "
            f"{CONFIG_KEYS['api_url']} or {ENV_KEYS['api_url']}."
        )
    return Settings(
        auth_id=resolved_id,
        auth_token=token,
        api_url=url,
        read_timeout=_seconds(resolved["read_timeout"], "read_timeout", DEFAULT_READ_TIMEOUT),
        request_deadline=_seconds(
            resolved["request_deadline"], "request_deadline", DEFAULT_REQUEST_DEADLINE
        ),
        retry=_retry_policy(resolved["retries"], resolved["backoff_factor"]),
    )


def _retry_policy(retries: str | None, backoff_factor: str | None) -> RetryPolicy:
    default = RetryPolicy()
    count = default.retries
    if retries is not None:
        try:
            count = int(retries)
        except ValueError:
            count = -1
        if not 0 <= count <= 10:
            raise ConfigurationError(
                f"Plivo retries {retries!r} must be a whole number from 0 to 10 (default "
                f"{default.retries}); fix {CONFIG_KEYS['retries']} or {ENV_KEYS['retries']}."
            )
    factor = default.backoff_factor
    if backoff_factor is not None:
        try:
            factor = float(backoff_factor)
        except ValueError:
            factor = math.nan
        if not 0 <= factor <= 60:
            raise ConfigurationError(
                f"Plivo backoff factor {backoff_factor!r} must be a number of seconds from 0 "
                f"to 60 (default {default.backoff_factor:g}); fix "
                f"{CONFIG_KEYS['backoff_factor']} or {ENV_KEYS['backoff_factor']}."
            )
    return RetryPolicy(count, factor, default.backoff_max)


def _seconds(text: str | None, name: str, default: float) -> float:
    if text is None:
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= 3600:
        label = name.replace("_", " ")
        raise ConfigurationError(
            f"Plivo {label} {text!r} must be a number of seconds above 0 and at most 3600 "
            f"(default {default:g}); fix {CONFIG_KEYS[name]} or {ENV_KEYS[name]}."
        )
    return seconds
