"""``plivo-media emulator``: serve the local Plivo Media API emulator until stopped."""

from __future__ import annotations

import argparse
import sys

from ..exits import ExitCode
from . import options
from .options import Commands


def add(commands: Commands) -> None:
    from ..emulator import DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN

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
    sub.add_argument("--account", type=options.account, action="append", default=[],
                     metavar="ID:TOKEN",
                     help="serve another account too, with media of its own (repeatable)")
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
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..emulator import StartupError, parse_latency, serve
    from ..emulator.startup import merge_accounts

    try:
        latency = parse_latency(args.latency)
        accounts = merge_accounts(args.auth_id, args.auth_token, args.account)
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
            accounts=accounts,
        )
    except StartupError as exc:
        print(f"Error: {exc.for_flags()}", file=sys.stderr)
        return ExitCode.ERROR
    return ExitCode.OK
