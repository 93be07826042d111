"""The pytest plugin's import path since 0.1 (``pytest_plugins =
["plivo_media_provider.pytest_plugin"]``); it lives in :mod:`.testing.pytest_plugin`.

pytest finds a plugin's fixtures and hooks by name on the module it loads, so both are
imported here."""

from __future__ import annotations

from .testing.pytest_plugin import media_kit, pytest_configure

__all__ = ["media_kit", "pytest_configure"]
