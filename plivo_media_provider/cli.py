"""The ``plivo-media`` command line.

``main(argv) -> int`` never raises for expected failures: it catches only the package's
base error, prints ``Error: <message>`` to stderr and returns a distinct exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from . import __version__
from .errors import PlivoMediaError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_DRIFT = 2
EXIT_USAGE = 64
EXIT_INTERRUPTED = 130

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage; 2 means drift here, so usage errors get 64."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"Error: {message}\n")


def _add_emulator(commands: argparse._SubParsersAction[_Parser]) -> None:
    from .emulator import DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN

    sub = commands.add_parser(
        "emulator",
        help="run the local Plivo Media API emulator",
        description="Serve a local emulator of Plivo's Media API (upload, retrieve, list).",
    )
    sub.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    sub.add_argument("--port", type=int, default=8099, help="port to bind (default 8099)")
    sub.add_argument("--auth-id", default=DEFAULT_AUTH_ID, help="account auth id to accept")
    sub.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN, help="auth token to accept")
    sub.add_argument("--data-dir", help="keep media in this folder across restarts")
    sub.add_argument(
        "--rate-limit", default="300/5", help="requests per seconds per account (default 300/5)"
    )
    sub.add_argument("--no-rate-limit", action="store_true", help="switch the rate limit off")
    sub.add_argument("--verbose", action="store_true", help="log each request (never its auth)")
    sub.set_defaults(handler=_run_emulator)


def _run_emulator(args: argparse.Namespace) -> int:
    from .emulator import parse_rate_limit, serve

    try:
        rate_limit = None if args.no_rate_limit else parse_rate_limit(args.rate_limit)
    except ValueError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    serve(
        host=args.host,
        port=args.port,
        auth_id=args.auth_id,
        auth_token=args.auth_token,
        data_dir=args.data_dir,
        rate_limit=rate_limit,
        verbose=args.verbose,
    )
    return EXIT_OK


_COMMANDS: list[Callable[[argparse._SubParsersAction[_Parser]], None]] = [
    _add_emulator,
]


def build_parser() -> _Parser:
    parser = _Parser(
        prog="plivo-media",
        description="Manage Plivo MMS media: emulator, drift checks, listing, demo.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in _COMMANDS:
        add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code instead of raising for expected failures."""
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except PlivoMediaError as err:
        print(f"Error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
