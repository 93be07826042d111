"""The test kit as a pytest fixture: add ``pytest_plugins = ["plivo_media_provider.pytest_plugin"]``
to your root ``conftest.py``, then ask for ``media_kit`` in a test.

The plugin is not registered automatically (no ``pytest11`` entry point), so installing this
package changes nothing in other projects' test runs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .kit import MediaTestKit


@pytest.fixture
def media_kit() -> Iterator[MediaTestKit]:
    """A running :class:`MediaTestKit`: a fresh, in-memory emulator for each test."""
    with MediaTestKit() as kit:
        yield kit
