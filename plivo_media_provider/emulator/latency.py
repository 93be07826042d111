"""A fixed network latency added to every Plivo answer, to stand in for a WAN round trip."""

from __future__ import annotations

import math
import re

MAX_LATENCY = 10.0
"""Seconds: more than any real round trip, and far below the client's timeout."""

_LATENCY = re.compile(r"^(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>ms|s)?$")


def parse_latency(text: str) -> float:
    """Parse ``"60ms"``, ``"0.06s"`` or ``"0.06"`` (seconds) into seconds.

    Raises ValueError with a message fit to show a CLI user.
    """
    match = _LATENCY.match(text.strip())
    if match is None:
        raise ValueError(
            f"latency {text!r} is not a duration; write it like '60ms' or '0.06s'"
        )
    seconds = float(match["number"]) / (1000.0 if match["unit"] == "ms" else 1.0)
    return check_latency(seconds)


def check_latency(seconds: float) -> float:
    """``seconds`` if it is a usable latency (0 to MAX_LATENCY), else ValueError."""
    if isinstance(seconds, bool) or not (0 <= seconds <= MAX_LATENCY) or math.isnan(seconds):
        raise ValueError(
            f"latency {seconds!r} s is out of range; it must be between 0 and "
            f"{MAX_LATENCY:g} seconds"
        )
    return float(seconds)
