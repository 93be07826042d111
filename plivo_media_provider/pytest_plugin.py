"""The pytest plugin's import path since 0.1 (``pytest_plugins =
["plivo_media_provider.pytest_plugin"]``); it lives in :mod:`.testing.pytest_plugin`."""

from __future__ import annotations

from .testing.pytest_plugin import media_kit

__all__ = ["media_kit"]
