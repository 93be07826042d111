"""The one cancellation: a flag every wait and request of the process consults."""

from __future__ import annotations

import threading

import pytest

from plivo_media_provider.cancel import Cancellation
from plivo_media_provider.errors import Cancelled, TransportError


def test_before_cancel_nothing_is_refused() -> None:
    cancellation = Cancellation()
    cancellation.check()
    assert not cancellation.cancelled


def test_after_cancel_every_request_is_refused_in_one_line() -> None:
    cancellation = Cancellation()
    cancellation.cancel()
    with pytest.raises(Cancelled) as caught:
        cancellation.check()
    # A TransportError: nothing was sent, so an upload refused here stored nothing.
    assert isinstance(caught.value, TransportError)
    assert "\n" not in str(caught.value) and "pulumi up" in str(caught.value)


def test_cancel_ends_a_wait_in_another_thread() -> None:
    cancellation = Cancellation()
    waiting = threading.Thread(target=cancellation.sleep, args=(3600.0,))
    waiting.start()
    cancellation.cancel()
    waiting.join(120)
    assert not waiting.is_alive()


def test_a_cancelled_wait_returns_at_once() -> None:
    cancellation = Cancellation()
    cancellation.cancel()
    cancellation.sleep(3600.0)  # would hang the test if it waited
    assert cancellation.cancelled
