"""The ``plivo-media`` command line.

``main(argv) -> int`` never raises for expected failures: it catches only the package's
base error, prints ``Error: <message>`` to stderr and returns an :class:`~.exits.ExitCode`.
Every option is checked by the parser: a bad value is one line on stderr naming the option,
the value, the limit and what to do, and exit 64. ``drift --json`` prints its JSON document
on stdout whatever happens, bad usage included (see :func:`.drift.failure_document`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import NoReturn

from . import cli_options as options
from ._version import __version__
from .errors import PlivoMediaError
from .exits import ExitCode
from .settings import CLI_SOURCES, MAX_RETRIES, MAX_SECONDS

EXIT_OK = ExitCode.OK
EXIT_ERROR = ExitCode.ERROR
EXIT_DRIFT = ExitCode.DRIFT
EXIT_USAGE = ExitCode.USAGE
EXIT_INTERRUPTED = ExitCode.INTERRUPTED

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """A bad command line; ``str()`` is the one line to print after ``Error:``."""

    def __init__(self, message: str, prog: str) -> None:
        super().__init__(message)
        self.message = message
        self.prog = prog

    def __str__(self) -> str:
        return f"{self.message.removeprefix('argument ')} (see {self.prog} --help)"


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage; 2 means drift here, so ``main`` turns this into 64."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self.prog)


# -- commands ---------------------------------------------------------------------------------


def _add_emulator(commands: argparse._SubParsersAction[_Parser]) -> None:
    from .emulator import DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN

    sub = commands.add_parser(
        "emulator",
        help="run the local Plivo Media API emulator",
        description=(
            "Serve a local emulator of Plivo's Media API (upload, retrieve, list). Once it "
            "listens it prints 'Plivo Media emulator listening on URL' and, with "
            "--ready-file, writes the URL to that file."
        ),
    )
    sub.add_argument("--host", type=options.host, default="127.0.0.1",
                     help="address to bind (default 127.0.0.1)")
    sub.add_argument("--port", type=options.port, default=8099,
                     help="port to bind, 1-65535, or 0 for any free port (default 8099)")
    sub.add_argument("--auth-id", default=DEFAULT_AUTH_ID, help="account auth id to accept")
    sub.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN, help="auth token to accept")
    sub.add_argument("--data-dir", type=options.data_dir, metavar="DIR",
                     help="keep media in this folder across restarts (created if missing)")
    limit = sub.add_mutually_exclusive_group()
    limit.add_argument("--rate-limit", type=options.rate_limit, default="300/5",
                       metavar="N/SECONDS",
                       help="requests per seconds per account (default 300/5)")
    limit.add_argument("--no-rate-limit", action="store_true", help="switch the rate limit off")
    sub.add_argument("--latency", default="0ms", metavar="DURATION",
                     help="hold back every Plivo answer this long, like a WAN round trip "
                          "(e.g. 60ms; default 0ms)")
    sub.add_argument("--ready-file", type=options.ready_file, metavar="PATH",
                     help="once listening, write the URL to this file (atomically); it is "
                          "removed when the emulator stops")
    sub.add_argument("--verbose", action="store_true", help="log each request (never its auth)")
    sub.set_defaults(handler=_run_emulator)


def _run_emulator(args: argparse.Namespace) -> int:
    from .emulator import StartupError, parse_latency, serve

    try:
        latency = parse_latency(args.latency)
    except ValueError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    try:
        serve(
            host=args.host,
            port=args.port,
            auth_id=args.auth_id,
            auth_token=args.auth_token,
            data_dir=args.data_dir,
            rate_limit=None if args.no_rate_limit else args.rate_limit,
            verbose=args.verbose,
            latency=latency,
            ready_file=args.ready_file,
        )
    except StartupError as exc:
        print(f"Error: {exc.for_flags()}", file=sys.stderr)
        return ExitCode.ERROR
    return ExitCode.OK


_CREDENTIALS_NOTE = (
    "Credentials come from PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN, and the API URL from --api-url "
    "or PLIVO_API_URL: Pulumi stack config is not readable outside a Pulumi run, so in CI set "
    "these environment variables from your secrets."
)


def _add_client_options(sub: _Parser) -> None:
    sub.add_argument("--api-url", type=options.api_url, metavar="URL",
                     help="Plivo's API root, like https://api.plivo.com, without /v1 "
                          "(default: PLIVO_API_URL, then Plivo's)")
    sub.add_argument("--timeout", type=options.seconds, default=None,
                     metavar="SECONDS",
                     help=f"read timeout per request, above 0 and at most {MAX_SECONDS:g} "
                          "(default: PLIVO_READ_TIMEOUT, then 60)")
    sub.add_argument("--retries", type=options.retries, default=None,
                     metavar="N",
                     help=f"retries per request on 429, 5xx and broken connections, 0 to "
                          f"{MAX_RETRIES} (default: PLIVO_RETRIES, then 4)")
    sub.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _add_drift(commands: argparse._SubParsersAction[_Parser]) -> None:
    sub = commands.add_parser(
        "drift",
        help="report which MediaFile resources drifted, why, and what to do",
        description=(
            "Check every MediaFile in a Pulumi stack export against Plivo and the local files. "
            "Exit 0: in sync (expiry warnings allowed); 2: drift found; 1: error (an error wins "
            "over drift); 64: bad usage. --json prints the plivo-media-drift/1 document, on "
            "failure too."
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
    sub.add_argument("--warn-within", type=options.warn_within,
                     default=timedelta(hours=1), metavar="DURATION",
                     help="warn about unsent media expiring this soon (default 1h; 0 = off)")
    sub.add_argument("--verify-content", action="store_true",
                     help="also download each media and compare its sha256 with state")
    sub.add_argument("--parallel", type=options.at_least(1), default=8, metavar="N",
                     help="requests in flight at once, 1 or more (default 8)")
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
            "List the account's media, newest first: id, name, type, size, upload time, and "
            "when Plivo deletes it if it was never sent (upload + 6 h; the API cannot tell "
            "sent from unsent). --json prints the plivo-media-ls/1 document."
        ),
        epilog=_CREDENTIALS_NOTE,
    )
    sub.add_argument("--name", metavar="GLOB",
                     help="only media whose file name matches this shell glob "
                          "(case-sensitive), e.g. '*.png'")
    sub.add_argument("--since", type=options.since, metavar="DURATION",
                     help="only media uploaded within this long, e.g. 30m, 6h, 2d")
    sub.add_argument("--limit", type=options.at_least(1), metavar="N",
                     help="list at most N media, 1 or more (the newest that match)")
    _add_client_options(sub)
    sub.set_defaults(handler=_run_ls)


def _run_ls(args: argparse.Namespace) -> int:
    from .ls import ListFilter, run_ls
    from .settings import resolve_settings

    settings = resolve_settings(
        api_url=args.api_url, read_timeout=args.timeout, retries=args.retries,
        sources=CLI_SOURCES,
    )
    filters = ListFilter(name=args.name, since=args.since, limit=args.limit)
    return run_ls(settings=settings, as_json=args.json, stdout=sys.stdout, filters=filters)


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
    sub.add_argument("--project-dir", metavar="DIR",
                     help="the repository checkout, or an empty folder to copy the demo "
                          "project into (default: the checkout, else ./plivo-media-demo/)")
    sub.add_argument("--port", type=options.port, default=8099,
                     help="emulator port, 1-65535 or 0 for any free one (default 8099; a "
                          "free one if taken; without Pulumi the test kit always takes a "
                          "free one)")
    sub.add_argument("--no-pulumi", action="store_true",
                     help="don't look for or install the Pulumi CLI; run through the test kit")
    sub.set_defaults(handler=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .demo import run_demo

    project_dir = Path(args.project_dir) if args.project_dir else None
    outcome = run_demo(project_dir=project_dir, port=args.port, use_pulumi=not args.no_pulumi)
    return ExitCode.OK if outcome.ok else ExitCode.ERROR


_COMMANDS: list[Callable[[argparse._SubParsersAction[_Parser]], None]] = [
    _add_emulator,
    _add_drift,
    _add_ls,
    _add_demo,
]


def build_parser() -> _Parser:
    """The whole command line; bad usage raises :class:`UsageError` instead of exiting."""
    parser = _Parser(
        prog="plivo-media",
        description="Manage Plivo MMS media: emulator, drift checks, listing, demo.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in _COMMANDS:
        add(commands)
    return parser


def _json_command(argv: Sequence[str]) -> str | None:
    """``"drift"`` or ``"ls"`` when ``argv`` asks for that command's ``--json``, judged
    without a successful parse; else None."""
    words = list(argv)
    command = next((w for w in words if not w.startswith("-")), None)
    if command in ("drift", "ls") and "--json" in words[words.index(command):]:
        return command
    return None


def _print_json_failure(command: str | None, message: str, code: ExitCode) -> None:
    """Keep ``--json``'s promise of a document on stdout when the command failed."""
    import json

    if command == "drift":
        from .drift import failure_document as drift_failure

        document = drift_failure(message, code)
    elif command == "ls":
        from .ls import failure_document as ls_failure

        document = ls_failure(message, code)
    else:
        return
    print(json.dumps(document, indent=2), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code instead of raising for expected failures.

    ``--help`` and ``--version`` print and return 0.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(words)
    except UsageError as usage:
        print(f"Error: {usage}", file=sys.stderr)
        _print_json_failure(_json_command(words), str(usage), ExitCode.USAGE)
        return ExitCode.USAGE
    except SystemExit as done:  # --help and --version
        return int(done.code or 0) if not isinstance(done.code, str) else ExitCode.ERROR
    handler: Handler = args.handler
    try:
        return handler(args)
    except PlivoMediaError as err:
        print(f"Error: {err}", file=sys.stderr)
        if _json_command(words) == "ls":  # drift prints its own failure document
            _print_json_failure("ls", str(err), ExitCode.ERROR)
        return ExitCode.ERROR
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        _print_json_failure(_json_command(words), "interrupted", ExitCode.INTERRUPTED)
        return ExitCode.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
