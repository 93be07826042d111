"""The value types of ``plivo-media``'s options, for argparse's ``type=``.

Each one parses a command-line word or raises argparse's error (``checked`` turns the
check's ValueError into it) with one line: the value, the limit, and what to write instead. The
emulator's own checks (port, host, folders) live with the emulator, in
:mod:`.emulator.startup`; this module only adapts them.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import NoReturn, TextIO, TypeAlias, TypeVar

from ..settings import CLI_SOURCES, DEFAULT_API_URL, ENV_KEYS, MAX_RETRIES, MAX_SECONDS

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
def output_file(text: str) -> str:
    """A file to write a report to: its folder must exist, and it must not be a folder."""
    if not text.strip():
        raise ValueError("an empty path is not a file; give a path such as drift.xml")
    folder = os.path.dirname(os.path.abspath(text))
    if not os.path.isdir(folder):
        raise ValueError(f"{text!r}: the folder {folder} does not exist; create it first")
    if os.path.isdir(text):
        raise ValueError(f"{text!r} is a folder; give a file in it, such as {text}/drift.xml")
    return text


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


def add_client_options(sub: Parser, *, json_flag: bool = True) -> None:
    """``--api-url``, ``--timeout``, ``--retries`` and, unless the command has its own,
    ``--json``."""
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
    if json_flag:
        sub.add_argument("--json", action="store_true", help="print JSON instead of a table")


def say_where_requests_go(
    api_url: str | None, stderr: TextIO, environ: Mapping[str, str] | None = None
) -> None:
    """Say on ``stderr``, in one line, that requests go to Plivo's public API when neither
    ``--api-url`` (``api_url``) nor ``PLIVO_API_URL`` names another; say nothing otherwise.

    Someone who meant the emulator, and forgot to point the command at it, then sees why
    their credentials are refused or their media are not found, before any request.
    """
    env = os.environ if environ is None else environ
    if (api_url or "").strip() or env.get(ENV_KEYS["api_url"], "").strip():
        return
    stderr.write(
        f"plivo-media: no --api-url or {ENV_KEYS['api_url']} is set, so requests go to "
        f"Plivo's public API, {DEFAULT_API_URL} (for the emulator: --api-url "
        "http://127.0.0.1:8099).\n"
    )


def add_state_options(sub: Parser, root_use: str) -> None:
    """``--state FILE|-`` or ``--stack NAME`` (one is required), and ``--root DIR``: where a
    command reads a stack's state. ``root_use`` says what the command does with state's
    relative paths (``"resolved"``, ``"checked"``)."""
    source = sub.add_mutually_exclusive_group(required=True)
    source.add_argument("--state", metavar="FILE",
                        help="a `pulumi stack export` file, or - to read it from stdin")
    source.add_argument("--stack", metavar="NAME",
                        help="run `pulumi stack export --stack NAME` (needs the pulumi CLI)")
    sub.add_argument("--root", default=".", metavar="DIR",
                     help=f"the Pulumi project directory: relative paths in state are "
                          f"{root_use} against it, and --stack runs pulumi there (default: "
                          "the current directory)")
