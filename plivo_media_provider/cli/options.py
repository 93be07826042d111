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
from typing import NoReturn, TypeAlias, TypeVar

from ..settings import CLI_SOURCES, MAX_RETRIES, MAX_SECONDS

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
    from ..emulator.startup import MAX_PORT, check_port

    return check_port(whole(text, f"use 1 to {MAX_PORT}, or 0 for any free port"))


@checked
def host(text: str) -> str:
    from ..emulator.startup import check_host

    return check_host(text)


@checked
def data_dir(text: str) -> str:
    from ..emulator.startup import check_data_dir

    return check_data_dir(text)


@checked
def ready_file(text: str) -> str:
    from ..emulator.startup import check_ready_file

    return check_ready_file(text)


@checked
def rate_limit(text: str) -> tuple[int, float]:
    from ..emulator import parse_rate_limit

    return parse_rate_limit(text)


@checked
def account(text: str) -> tuple[str, str]:
    from ..emulator import parse_account

    return parse_account(text)


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
    """``"1h"``, ``"30m"``, ``"1h30m"``...; ``"0"`` turns the expiry warning off."""
    from ..facts import parse_duration

    if text.strip() in ("0", "0s", "0m", "0h"):
        return timedelta(0)
    try:
        return parse_duration(text)
    except ValueError:
        raise ValueError(
            f"--warn-within {text!r} is not a duration; write it like '1h', '30m' or '1h30m', "
            "or 0 to turn the expiry warning off."
        ) from None


@checked
def since(text: str) -> timedelta:
    from ..facts import parse_duration

    try:
        return parse_duration(text, what="window")
    except ValueError:
        raise ValueError(
            f"{text!r} is not a duration longer than zero; write it like '30m', '6h' or '2d'"
        ) from None


@checked
def api_url(text: str) -> str:
    from ..settings import check_api_url

    return check_api_url(text, CLI_SOURCES)


# -- the parser ------------------------------------------------------------------------------


class UsageError(Exception):
    """A bad command line; ``str()`` is the one line to print after ``Error:``."""

    def __init__(self, message: str, prog: str) -> None:
        super().__init__(message)
        self.message = message
        self.prog = prog

    def __str__(self) -> str:
        return f"{self.message.removeprefix('argument ')} (see {self.prog} --help)"


class Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage; 2 means drift here, so ``main`` turns this into 64."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self.prog)


# A string: argparse's action class is not subscriptable at run time before Python 3.12.
Commands: TypeAlias = "argparse._SubParsersAction[Parser]"
"""Where a subcommand module adds its parser (``add(commands)``)."""


CREDENTIALS_NOTE = (
    "Credentials come from PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN, and the API URL from --api-url "
    "or PLIVO_API_URL: Pulumi stack config is not readable outside a Pulumi run, so in CI set "
    "these environment variables from your secrets."
)


def add_client_options(sub: Parser) -> None:
    sub.add_argument("--api-url", type=api_url, metavar="URL",
                     help="Plivo's API root, like https://api.plivo.com, without /v1 "
                          "(default: PLIVO_API_URL, then Plivo's)")
    sub.add_argument("--timeout", type=seconds, default=None,
                     metavar="SECONDS",
                     help=f"read timeout per request, above 0 and at most {MAX_SECONDS:g} "
                          "(default: PLIVO_READ_TIMEOUT, then 60)")
    sub.add_argument("--retries", type=retries, default=None,
                     metavar="N",
                     help=f"retries per request on 429, 5xx and broken connections, 0 to "
                          f"{MAX_RETRIES} (default: PLIVO_RETRIES, then 4)")
    sub.add_argument("--json", action="store_true", help="print JSON instead of a table")
