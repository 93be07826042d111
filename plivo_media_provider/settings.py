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

Messages name only the settings the running command reads (:class:`Sources`): the provider,
inside a Pulumi run, reads stack config and the environment; ``plivo-media ls`` and
``drift`` (:data:`CLI_SOURCES`) read flags and the environment, so they never suggest
``pulumi config set``. A ``Settings`` carries its sources to the client, whose messages
name them too.

The token is held only by :class:`Settings`, whose repr masks it; it is never written to
state, logs or error messages.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

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

MAX_RETRIES = 10
"""The most retries per request a setting may ask for."""
MAX_SECONDS = 3600.0
"""The longest read timeout or request deadline a setting may ask for."""


@dataclass(frozen=True)
class Sources:
    """Where the running command reads its settings, so that messages name only those.

    ``flags`` maps a field to the command-line option that sets it, e.g.
    ``(("api_url", "--api-url"),)``; ``pulumi_config`` says whether stack config is read.
    """

    pulumi_config: bool = True
    flags: tuple[tuple[str, str], ...] = ()

    def name(self, *fields: str) -> str:
        """How to set ``fields``: ``"plivo:authId and plivo:authToken, or PLIVO_AUTH_ID and
        PLIVO_AUTH_TOKEN"``, with the command's flags first when it has them."""
        flags = dict(self.flags)
        ways: list[Sequence[str]] = []
        if all(f in flags for f in fields):
            ways.append([flags[f] for f in fields])
        if self.pulumi_config:
            ways.append([CONFIG_KEYS[f] for f in fields])
        ways.append([ENV_KEYS[f] for f in fields])
        return (", or " if len(fields) > 1 else " or ").join(" and ".join(w) for w in ways)


PULUMI_SOURCES = Sources()
"""The provider's: Pulumi stack config, then the environment."""
CLI_SOURCES = Sources(
    pulumi_config=False,
    flags=(("api_url", "--api-url"), ("read_timeout", "--timeout"), ("retries", "--retries")),
)
"""``plivo-media ls`` and ``drift``: their flags, then the environment; no stack config."""

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
class SettingField:
    """One setting, as every face that declares settings describes it (the plugin's package
    schema lists these as its config variables and provider inputs)."""

    name: str
    """The field name, as in :data:`CONFIG_KEYS` (``auth_id``)."""
    type_: Literal["string", "integer", "number"]
    description: str
    secret: bool = False

    @property
    def camel_name(self) -> str:
        """The name in stack config and in a provider's inputs: ``authId``."""
        return CONFIG_KEYS[self.name].partition(":")[2]


SETTING_FIELDS: tuple[SettingField, ...] = (
    SettingField("auth_id", "string", (
        "The Plivo account's auth id: 20 characters, letters and digits, starting with MA "
        f"(an account) or SA (a subaccount). Falls back to {ENV_KEYS['auth_id']}.")),
    SettingField("auth_token", "string", secret=True, description=(
        "The Plivo account's auth token; set it as a secret. Falls back to "
        f"{ENV_KEYS['auth_token']}. Rotating it replaces no media.")),
    SettingField("api_url", "string", (
        f"The API root, default {DEFAULT_API_URL}; a proxy or gateway in front of the same "
        f"account serves the same media. Falls back to {ENV_KEYS['api_url']}.")),
    SettingField("read_timeout", "number", (
        "Seconds to wait for the next bytes of an answer: above 0, at most "
        f"{MAX_SECONDS:g} (default {DEFAULT_READ_TIMEOUT:g}). Falls back to "
        f"{ENV_KEYS['read_timeout']}.")),
    SettingField("request_deadline", "number", (
        "Seconds one API call may take in all, retries and their waits included: above 0, "
        f"at most {MAX_SECONDS:g} (default {DEFAULT_REQUEST_DEADLINE:g}). Falls back to "
        f"{ENV_KEYS['request_deadline']}.")),
    SettingField("retries", "integer", (
        "Retries per request on 429, 5xx and broken connections for reads, on 429 and "
        f"connections never made for uploads: 0 to {MAX_RETRIES} (default "
        f"{RetryPolicy.retries}). Falls back to {ENV_KEYS['retries']}.")),
    SettingField("backoff_factor", "number", (
        "Seconds before the first retry, doubled each time, plus as much jitter, at most "
        f"{RetryPolicy.backoff_max:g} s a wait: 0 to 60 (default "
        f"{RetryPolicy.backoff_factor:g}). Falls back to {ENV_KEYS['backoff_factor']}.")),
)
"""Every setting, in :data:`CONFIG_KEYS` order (a test holds the two equal)."""


@dataclass(frozen=True)
class Settings:
    """Everything needed to reach one Plivo account. Hashable, so it can key a client cache."""

    auth_id: str
    auth_token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    read_timeout: float = DEFAULT_READ_TIMEOUT
    request_deadline: float = DEFAULT_REQUEST_DEADLINE
    retry: RetryPolicy = RetryPolicy()
    sources: Sources = field(default=PULUMI_SOURCES, compare=False)

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
    sources: Sources = PULUMI_SOURCES,
) -> Settings:
    """Resolve settings by the module's precedence; raise ConfigurationError if incomplete.

    ``config`` holds Pulumi stack config keyed ``"plivo:authId"`` and so on; ``environ``
    defaults to ``os.environ``, read at call time so a rotated credential is picked up.
    ``sources`` says which of those the caller reads, for the messages.
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
            if sources.pulumi_config else f"the environment variable {ENV_KEYS[name]}"
            for name in missing
        )
        raise ConfigurationError(f"Plivo credentials are missing: set {how}.")
    resolved_id = check_auth_id(str(resolved["auth_id"]), sources)
    token = _check_token(str(resolved["auth_token"]), sources)
    url = check_api_url(resolved["api_url"] or DEFAULT_API_URL, sources)
    return Settings(
        auth_id=resolved_id,
        auth_token=token,
        api_url=url,
        read_timeout=_seconds(
            resolved["read_timeout"], "read_timeout", DEFAULT_READ_TIMEOUT, sources
        ),
        request_deadline=_seconds(
            resolved["request_deadline"], "request_deadline", DEFAULT_REQUEST_DEADLINE, sources
        ),
        retry=_retry_policy(resolved["retries"], resolved["backoff_factor"], sources),
        sources=sources,
    )


def check_auth_id(text: str, sources: Sources = PULUMI_SOURCES) -> str:
    """``text`` if it is shaped like a Plivo auth id; ConfigurationError if not."""
    if not _AUTH_ID.match(text):
        raise ConfigurationError(
            f"Plivo auth id {text!r} is malformed: it must be 20 characters, letters and "
            "digits, starting with MA or SA. Copy it from the Plivo console and set "
            f"{sources.name('auth_id')}."
        )
    return text


def _check_token(token: str, sources: Sources) -> str:
    try:
        token.encode("latin-1")
    except UnicodeEncodeError:
        # HTTP Basic credentials are Latin-1 on the wire; say so without echoing the token.
        raise ConfigurationError(
            f"Plivo auth token holds a character outside Latin-1 (at position "
            f"{next(i for i, ch in enumerate(token) if ord(ch) > 255) + 1} of {len(token)}), "
            "so it cannot be sent; copy it again from the Plivo console and set "
            f"{sources.name('auth_token')}."
        ) from None
    return token


def setting_problem(name: str, value: Any, sources: Sources = PULUMI_SOURCES) -> str | None:
    """Why ``value`` cannot be the setting ``name`` (a :data:`CONFIG_KEYS` field), in the
    words :func:`resolve_settings` would use, or None. An empty value is no problem here:
    the setting then falls back to the environment."""
    text = _first(value)
    if text is None:
        return None
    checks: dict[str, Any] = {
        "auth_id": lambda: check_auth_id(text, sources),
        "auth_token": lambda: _check_token(text, sources),
        "api_url": lambda: check_api_url(text, sources),
        "read_timeout": lambda: _seconds(text, name, DEFAULT_READ_TIMEOUT, sources),
        "request_deadline": lambda: _seconds(text, name, DEFAULT_REQUEST_DEADLINE, sources),
        "retries": lambda: _retry_policy(text, None, sources),
        "backoff_factor": lambda: _retry_policy(None, text, sources),
    }
    try:
        checks[name]()
    except ConfigurationError as err:
        return str(err)
    return None


def check_api_url(text: str, sources: Sources = PULUMI_SOURCES) -> str:
    """``text`` without its trailing slash, if it is an API root; ConfigurationError if not.

    The client appends ``/v1/Account/{id}/Media/`` itself, so a URL that already holds
    ``/v1`` or ``/Account/`` would address a path Plivo does not have.
    """
    url = text.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"Plivo API URL {url!r} must start with http:// or https://; set "
            f"{sources.name('api_url')}."
        )
    path = urlsplit(url).path
    if re.search(r"(^|/)(v1|Account)(/|$)", path, flags=re.IGNORECASE):
        root = url[: len(url) - len(path)]
        raise ConfigurationError(
            f"Plivo API URL {text.strip()!r} should be the API root, like {DEFAULT_API_URL} "
            f"(here probably {root!r}), not .../v1/ or .../Account/...: the client adds "
            f"/v1/Account/ID/Media/ itself; fix {sources.name('api_url')}."
        )
    return url


def _retry_policy(
    retries: str | None, backoff_factor: str | None, sources: Sources
) -> RetryPolicy:
    default = RetryPolicy()
    count = default.retries
    if retries is not None:
        try:
            count = int(retries)
        except ValueError:
            count = -1
        if not 0 <= count <= MAX_RETRIES:
            raise ConfigurationError(
                f"Plivo retries {retries!r} must be a whole number from 0 to {MAX_RETRIES} "
                f"(default {default.retries}); fix {sources.name('retries')}."
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
                f"{sources.name('backoff_factor')}."
            )
    return RetryPolicy(count, factor, default.backoff_max)


def _seconds(text: str | None, name: str, default: float, sources: Sources) -> float:
    if text is None:
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= MAX_SECONDS:
        label = name.replace("_", " ")
        raise ConfigurationError(
            f"Plivo {label} {text!r} must be a number of seconds above 0 and at most "
            f"{MAX_SECONDS:g} (default {default:g}); fix {sources.name(name)}."
        )
    return seconds
