"""The command line's exit codes, defined once: ``drift``, ``ls``, ``emulator`` and ``demo``.

An ``IntEnum``, so a code compares equal to its number and ``sys.exit`` takes it as is.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a ``plivo-media`` run ended with; the numbers are part of the CLI's contract."""

    OK = 0
    """Done; for ``drift``: every MediaFile in sync (expiry warnings allowed)."""
    ERROR = 1
    """The run failed, or ``drift`` could not check some resource (an error wins over drift)."""
    DRIFT = 2
    """``drift`` found drift, and every check completed."""
    USAGE = 64
    """A bad option or value (EX_USAGE); nothing was done."""
    INTERRUPTED = 130
    """Stopped by Ctrl-C (128 + SIGINT)."""


__all__ = ["ExitCode"]
