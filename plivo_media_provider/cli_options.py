"""The value types of ``plivo-media``'s options, for argparse's ``type=``.

Each one parses a command-line word or raises argparse's error (``checked`` turns the
check's ValueError into it) with one line: the value, the limit, and what to write instead. The
emulator's own checks (port, host, folders) live with the emulator, in
:mod:`.emulator.startup`; this module only adapts them.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from .settings import CLI_SOURCES, MAX_RETRIES, MAX_SECONDS

T = TypeVar("T")


def checked(check: Callable[[str], T]) -> Callable[[str], T]:
    """A ``type=`` for argparse from a check that raises ValueError with its own words."""

    def parse(text: str) -> T:
        try:
            return check(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = check.__name__
    return parse


def whole(text: str, limit: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number: {limit}") from None


@checked
def port(text: str) -> int:
    from .emulator.startup import MAX_PORT, check_port

    return check_port(whole(text, f"use 1 to {MAX_PORT}, or 0 for any free port"))


@checked
def host(text: str) -> str:
    from .emulator.startup import check_host

    return check_host(text)


@checked
def data_dir(text: str) -> str:
    from .emulator.startup import check_data_dir

    return check_data_dir(text)


@checked
def ready_file(text: str) -> str:
    from .emulator.startup import check_ready_file

    return check_ready_file(text)


@checked
def rate_limit(text: str) -> tuple[int, float]:
    from .emulator import parse_rate_limit

    return parse_rate_limit(text)


@checked
def seconds(text: str) -> float:
    limit = f"give seconds above 0 and at most {MAX_SECONDS:g}, like 30"
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number: {limit}") from None
    if not (math.isfinite(value) and 0 < value <= MAX_SECONDS):
        raise ValueError(f"{text!r} is out of range: {limit}")
    return value


@checked
def retries(text: str) -> int:
    limit = f"give a whole number from 0 to {MAX_RETRIES}"
    value = whole(text, limit)
    if not 0 <= value <= MAX_RETRIES:
        raise ValueError(f"{value} is out of range: {limit}")
    return value


def at_least(minimum: int) -> Callable[[str], int]:
    def at_least(text: str) -> int:
        limit = f"give a whole number of {minimum} or more"
        value = whole(text, limit)
        if value < minimum:
            raise ValueError(f"{value} is too small: {limit}")
        return value

    return checked(at_least)


@checked
def warn_within(text: str) -> timedelta:
    from .drift import parse_warn_within

    return parse_warn_within(text)


@checked
def since(text: str) -> timedelta:
    from .facts import parse_duration

    try:
        return parse_duration(text, what="window")
    except ValueError:
        raise ValueError(
            f"{text!r} is not a duration longer than zero; write it like '30m', '6h' or '2d'"
        ) from None


@checked
def api_url(text: str) -> str:
    from .settings import check_api_url

    return check_api_url(text, CLI_SOURCES)
