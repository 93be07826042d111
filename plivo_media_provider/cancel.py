"""The engine's Cancel, seen by every wait and every request of this process.

The plugin answers ``Cancel`` (the engine sends it when ``pulumi up`` is interrupted) with
:meth:`Cancellation.cancel` on :data:`CANCEL`. From then on, in this process:

* :meth:`Cancellation.sleep` returns at once: a retry's backoff, a ``Retry-After`` and the
  upload protocol's pause between searches all wait through it;
* :meth:`Cancellation.check` raises :class:`~.errors.Cancelled`: the client calls it before
  every request and every retry, so nothing new is sent.

A request already on the wire runs to its answer or its timeout. Nothing here decides what
is stored: an upload refused by ``check`` was never sent, and an upload whose outcome is
unknown when the run is cancelled stays in the upload journal, so the next run adopts it
instead of uploading it twice (see :mod:`.uploads.protocol`). A process that never serves
Cancel (the dynamic provider, the command line) waits exactly as :func:`time.sleep` would.
"""

from __future__ import annotations

import threading
import time

from .errors import Cancelled

SLICE = 0.05
"""How often a wait looks whether the run was cancelled."""


class Cancellation:
    """One process's cancellation: a flag that is set once and stays set."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Stop every wait now and refuse every request from now on."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise Cancelled once the run is cancelled; otherwise do nothing."""
        if self._event.is_set():
            raise Cancelled(
                "Cancelled: the Pulumi engine asked the provider to stop, so no further "
                "request was sent to Plivo; run `pulumi up` again to finish."
            )

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``, or less if the run is cancelled meanwhile (it is seen within
        :data:`SLICE` seconds). Never raises.

        The wait is :func:`time.sleep` in slices rather than ``Event.wait(seconds)``: a
        timed wait on a lock counts to a deadline of its own on the monotonic clock, which a
        shifted clock (libfaketime, as CI runs the unit tests a year ahead) turns into a wait
        of a year, while ``time.sleep`` waits the time asked.
        """
        end = time.monotonic() + seconds
        while not self._event.is_set():
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(SLICE, left))


CANCEL = Cancellation()
"""The process's one cancellation."""
