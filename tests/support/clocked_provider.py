"""The SDK's dynamic-provider server, on a machine whose clock is off from Plivo's.

``python -u -m tests.support.clocked_provider`` runs ``pulumi.dynamic``'s server exactly as
``python -u -m pulumi.dynamic`` does, with the package's one clock (``clock.CLOCK``, the
seam tests pin) following the emulator's clock at ``PLIVO_TEST_CLOCK_OF`` (its URL) shifted
by ``PLIVO_TEST_CLOCK_SHIFT`` seconds. The emulator stands for Plivo, so the provider's
machine runs that many seconds ahead of Plivo (behind, when negative), and Plivo's time can
still be moved on with the emulator's clock.
"""

from __future__ import annotations

import json
import os
import runpy
import urllib.request
from datetime import datetime, timedelta

from plivo_media_provider.clock import CLOCK
from plivo_media_provider.facts import parse_time


def _emulator_clock(url: str, shift: timedelta) -> datetime:
    with urllib.request.urlopen(f"{url}/__emulator__/clock", timeout=10) as answer:
        return parse_time(json.load(answer)["now"]) + shift


def main() -> None:
    url = os.environ["PLIVO_TEST_CLOCK_OF"]
    shift = timedelta(seconds=float(os.environ.get("PLIVO_TEST_CLOCK_SHIFT", "0")))
    with CLOCK.pinned(lambda: _emulator_clock(url, shift)):
        runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
