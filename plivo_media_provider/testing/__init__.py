"""A test kit for programs that declare MediaFiles: pytest, no Plivo, no Pulumi CLI.

See :mod:`.kit` for :class:`MediaTestKit`; :mod:`.pytest_plugin` gives the ``media_kit``
fixture (name ``plivo_media_provider.pytest_plugin`` in ``conftest.py``).
"""

from __future__ import annotations

from .kit import MediaTestKit, project_program
from .state import KitRun, KitState, KitWarning, MediaKitWarning, Plan, StateEntry, Step

__all__ = [
    "KitRun",
    "KitState",
    "KitWarning",
    "MediaKitWarning",
    "MediaTestKit",
    "Plan",
    "StateEntry",
    "Step",
    "project_program",
]
