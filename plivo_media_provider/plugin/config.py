"""The provider's configuration: Configure, CheckConfig and DiffConfig, translated.

The engine sends a provider's settings by their camelCase names (``authId``...): for the
default provider from the stack's ``plivo:*`` config, for an explicit provider from its
inputs. Config values are strings, so a number may arrive as ``"30"`` or as ``30.0``; the
token arrives as a secret. :func:`core_config` makes of them what the core takes (the
``plivo:*`` keys of :data:`~plivo_media_provider.settings.CONFIG_KEYS`), and the core falls
back to the ``PLIVO_*`` environment for what they lack. Nothing here reads
``PULUMI_CONFIG``: an explicit provider uses only its own inputs.

What a change of settings does (:func:`diff_config`) is the provider's one rule about
accounts: media lives in the account named by ``authId``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.values import Failure, is_unknown
from ..settings import CONFIG_KEYS, ENV_KEYS, SETTING_FIELDS, setting_problem

CAMEL_SETTINGS: dict[str, str] = {s.camel_name: s.name for s in SETTING_FIELDS}
"""A setting's camelCase name to its field name: ``authId`` to ``auth_id``."""

VARIABLE_PREFIX = "plivo:config:"
"""How ConfigureRequest's ``variables`` name the settings (``plivo:config:authId``)."""

REPLACING = ("authId",)
"""Settings whose change moves every MediaFile to another account: they are replaced."""
UNCHANGING = ("authToken",)
"""Settings whose change alone is no change at all: the same account, the same media."""


def _text(value: Any) -> str | None:
    """A setting's value as resolve_settings reads it; None when it is empty or unknown."""
    if value is None or is_unknown(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number sent as a double: "30", not "30.0", so retries parse
    text = str(value).strip()
    return text or None


def core_config(args: Mapping[str, Any]) -> dict[str, str]:
    """Configure's ``args`` (secrets already unwrapped) as the core's ``plivo:*`` config.

    Names the schema does not declare (``version``, which the engine adds) are left out.
    """
    config = {}
    for key, value in args.items():
        name = CAMEL_SETTINGS.get(key)
        text = _text(value)
        if name is not None and text is not None:
            config[CONFIG_KEYS[name]] = text
    return config


def args_of_variables(variables: Mapping[str, str]) -> dict[str, str]:
    """ConfigureRequest's ``variables`` (``plivo:config:authId``) as ``args`` would name
    them; for an engine that sends no ``args``."""
    return {key.removeprefix(VARIABLE_PREFIX): value for key, value in variables.items()
            if key.startswith(VARIABLE_PREFIX)}


def check_config(news: Mapping[str, Any]) -> list[Failure]:
    """A Failure, on the camelCase property, for each setting that cannot work as given.

    A missing setting is no failure: it may come from the environment, and a preview needs
    no credentials. Unknown values are checked once they are known.
    """
    failures = []
    for key, value in news.items():
        name = CAMEL_SETTINGS.get(key)
        if name is None or value is None or is_unknown(value):
            continue
        problem = setting_problem(name, _text(value))
        if problem is not None:
            failures.append(Failure(key, problem))
    return failures


@dataclass(frozen=True)
class ConfigDiff:
    """What a change of settings does: ``changed`` names every setting that differs,
    ``replaces`` those whose change replaces every MediaFile of the provider."""

    changed: list[str]
    replaces: list[str]

    @property
    def changes(self) -> bool:
        """False when the provider stays as it is (nothing, or only the token, changed)."""
        return any(key not in UNCHANGING for key in self.changed)


def _effective(key: str, value: Any, environ: Mapping[str, str]) -> str | None:
    """The value a setting takes: the provider's, else its ``PLIVO_*`` variable."""
    name = CAMEL_SETTINGS.get(key)
    fallback = environ.get(ENV_KEYS[name]) if name is not None else None
    return _text(value) or _text(fallback)


def diff_config(
    olds: Mapping[str, Any], news: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> ConfigDiff:
    """Compare the provider's old and new settings (plain values, secrets unwrapped).

    A new ``authId`` (or one not known yet) replaces; ``apiUrl`` and the timeouts and
    retries only update the provider; the token alone changes nothing. Other names (the
    engine's ``version``) count as a change when they differ. Values compare as the core
    reads them: ``30`` and ``"30"`` are the same setting, and so are a setting the provider
    leaves out and the same value in its ``PLIVO_*`` variable (``environ``, by default the
    plugin's environment), so moving a setting into stack config changes nothing. The
    environment is not in state: a change there alone is not seen here.
    """
    env = os.environ if environ is None else environ
    changed = sorted(
        key for key in {*olds, *news}
        if is_unknown(news.get(key))
        or _effective(key, olds.get(key), env) != _effective(key, news.get(key), env)
    )
    replaces = [key for key in REPLACING if key in changed]
    return ConfigDiff(changed, replaces)
