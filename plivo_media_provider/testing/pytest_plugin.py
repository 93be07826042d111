"""The test kit as a pytest fixture: add ``pytest_plugins = ["plivo_media_provider.pytest_plugin"]``
to your root ``conftest.py``, then ask for ``media_kit`` in a test.

The plugin is not registered automatically (no ``pytest11`` entry point), so installing this
package changes nothing in other projects' test runs.

A kit run's check warnings (a ``reupload_after`` that cannot work as meant, say) are issued
as :class:`~.state.MediaKitWarning`, so pytest lists them in its warnings summary under the
test that ran the program. They inform; they do not fail the test, even where
``filterwarnings = error`` turns every other warning into one: the plugin adds
``always::plivo_media_provider.testing.MediaKitWarning`` after the ini file's own filters,
unless those already name ``MediaKitWarning``. To fail on them, say so in the ini file
(``error::plivo_media_provider.testing.MediaKitWarning``), on the command line (``-W``,
which comes after every ini filter), or with a ``filterwarnings`` mark.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .kit import MediaTestKit
from .state import MediaKitWarning

CATEGORY = f"plivo_media_provider.testing.{MediaKitWarning.__name__}"
"""The warning category as a ``filterwarnings`` line names it."""


def pytest_configure(config: pytest.Config) -> None:
    """Show the kit's warnings without failing tests, unless the ini file decides."""
    if not any(MediaKitWarning.__name__ in line for line in config.getini("filterwarnings")):
        config.addinivalue_line("filterwarnings", f"always::{CATEGORY}")


@pytest.fixture
def media_kit() -> Iterator[MediaTestKit]:
    """A running :class:`MediaTestKit`: a fresh, in-memory emulator for each test, whose
    check warnings pytest shows in its warnings summary."""
    with MediaTestKit(report_warnings=True) as kit:
        yield kit
