"""The ``plivo-media`` command line.

``main(argv) -> int`` never raises for expected failures: it catches only the package's
base error, prints ``Error: <message>`` to stderr and returns a distinct exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from ._version import __version__
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
    sub.add_argument("--latency", default="0ms", metavar="DURATION",
                     help="hold back every Plivo answer this long, like a WAN round trip "
                          "(e.g. 60ms; default 0ms)")
    sub.add_argument("--verbose", action="store_true", help="log each request (never its auth)")
    sub.set_defaults(handler=_run_emulator)


def _run_emulator(args: argparse.Namespace) -> int:
    from .emulator import parse_latency, parse_rate_limit, serve

    try:
        rate_limit = None if args.no_rate_limit else parse_rate_limit(args.rate_limit)
        latency = parse_latency(args.latency)
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
        latency=latency,
    )
    return EXIT_OK


_CREDENTIALS_NOTE = (
    "Credentials come from PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN, and the API URL from --api-url "
    "or PLIVO_API_URL: Pulumi stack config (plivo:authId ...) is not readable outside a Pulumi "
    "run, so in CI set these environment variables from your secrets."
)


def _warn_within(text: str) -> object:
    from .drift import parse_warn_within

    try:
        return parse_warn_within(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} must be a whole number >= {minimum}")
        return value

    return parse


def _add_client_options(sub: _Parser) -> None:
    sub.add_argument("--api-url", help="Plivo API URL (default: PLIVO_API_URL, then Plivo's)")
    sub.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                     help="read timeout per request (default: PLIVO_READ_TIMEOUT, then 60)")
    sub.add_argument("--retries", type=_at_least(0), default=None,
                     help="retries per request on 429, 5xx and broken connections "
                          "(default: PLIVO_RETRIES, then 4)")
    sub.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _add_drift(commands: argparse._SubParsersAction[_Parser]) -> None:
    sub = commands.add_parser(
        "drift",
        help="report which MediaFile resources drifted, why, and what to do",
        description=(
            "Check every MediaFile in a Pulumi stack export against Plivo and the local files. "
            "Exit 0: in sync (expiry warnings allowed); 2: drift found; 1: error (an error wins "
            "over drift). --json prints the plivo-media-drift/1 document."
        ),
        epilog=_CREDENTIALS_NOTE,
    )
    source = sub.add_mutually_exclusive_group(required=True)
    source.add_argument("--state", metavar="FILE",
                        help="a `pulumi stack export` file, or - to read it from stdin")
    source.add_argument("--stack", metavar="NAME",
                        help="run `pulumi stack export --stack NAME` (needs the pulumi CLI)")
    sub.add_argument("--root", default=".", metavar="DIR",
                     help="the Pulumi project directory: relative paths in state are resolved "
                          "against it, and --stack runs pulumi there (default: the current "
                          "directory)")
    sub.add_argument("--warn-within", type=_warn_within, default="1h", metavar="DURATION",
                     help="warn about unsent media expiring this soon (default 1h; 0 = off)")
    sub.add_argument("--verify-content", action="store_true",
                     help="also download each media and compare its sha256 with state")
    sub.add_argument("--parallel", type=_at_least(1), default=8, metavar="N",
                     help="requests in flight at once (default 8)")
    _add_client_options(sub)
    sub.set_defaults(handler=_run_drift)


def _run_drift(args: argparse.Namespace) -> int:
    from .drift import DriftOptions, run_drift

    options = DriftOptions(
        root=args.root, warn_within=args.warn_within, verify_content=args.verify_content,
        parallel=args.parallel, stack=args.stack,
    )
    return run_drift(
        api_url=args.api_url, options=options, state=args.state,
        as_json=args.json, stdin=sys.stdin, stdout=sys.stdout, stderr=sys.stderr,
        read_timeout=args.timeout, retries=args.retries,
    )


def _add_ls(commands: argparse._SubParsersAction[_Parser]) -> None:
    sub = commands.add_parser(
        "ls",
        help="list the account's media, with ids to adopt",
        description=(
            "List every media of the account, newest first: id, name, type, size, upload time, "
            "and when Plivo deletes it if it was never sent (upload + 6 h; the API cannot tell "
            "sent from unsent). --json prints the plivo-media-ls/1 document."
        ),
        epilog=_CREDENTIALS_NOTE,
    )
    _add_client_options(sub)
    sub.set_defaults(handler=_run_ls)


def _run_ls(args: argparse.Namespace) -> int:
    from .drift import run_ls
    from .settings import resolve_settings

    settings = resolve_settings(
        api_url=args.api_url, read_timeout=args.timeout, retries=args.retries
    )
    return run_ls(settings=settings, as_json=args.json, stdout=sys.stdout)


def _add_demo(commands: argparse._SubParsersAction[_Parser]) -> None:
    sub = commands.add_parser(
        "demo",
        help="deploy the demo project to a local emulator, twice",
        description=(
            "Start the Media API emulator in this process (media in .emulator-data/), deploy "
            "the demo Pulumi project to it with a local state in .pulumi-demo/, print the "
            "media URLs, show that a second `pulumi up` changes nothing, and stop the "
            "emulator. Outside a checkout, the project is first copied to ./plivo-media-demo/ "
            "(or --project-dir). Needs the Pulumi CLI and installs it when it is missing and "
            "a network is; without one, it says so and runs the same program through the "
            "test kit (Pulumi's mock runtime against the emulator), which is not a Pulumi "
            "deployment."
        ),
    )
    sub.add_argument("--project-dir",
                     help="the repository checkout, or an empty folder to copy the demo "
                          "project into (default: the checkout, else ./plivo-media-demo/)")
    sub.add_argument("--port", type=int, default=8099,
                     help="emulator port (default 8099; a free one if taken; without "
                          "Pulumi the test kit always takes a free one)")
    sub.add_argument("--no-pulumi", action="store_true",
                     help="don't look for or install the Pulumi CLI; run through the test kit")
    sub.set_defaults(handler=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .demo import run_demo

    project_dir = Path(args.project_dir) if args.project_dir else None
    outcome = run_demo(project_dir=project_dir, port=args.port, use_pulumi=not args.no_pulumi)
    return EXIT_OK if outcome.ok else EXIT_ERROR


_COMMANDS: list[Callable[[argparse._SubParsersAction[_Parser]], None]] = [
    _add_emulator,
    _add_drift,
    _add_ls,
    _add_demo,
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
