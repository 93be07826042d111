"""``plivo-media drift``: read a stack's state, check it, print the report, exit by it.

The checks are :mod:`plivo_media_provider.drift`'s; this module owns the command's options,
its output streams and its progress line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import TextIO

from ..api.client import MediaClient
from ..drift.check import check_drift
from ..drift.report import DriftOptions, failure_document, render_table
from ..drift.stack_export import media_resources, read_export
from ..errors import PlivoMediaError
from ..exits import ExitCode
from ..settings import CLI_SOURCES, resolve_settings
from . import options
from .options import CREDENTIALS_NOTE, Commands, add_client_options


def add(commands: Commands) -> None:
    sub = commands.add_parser(
        "drift",
        help="report which MediaFile resources drifted, why, and what to do",
        description=(
            "Check every MediaFile in a Pulumi stack export against Plivo and the local files. "
            "Exit 0: in sync (expiry warnings allowed); 2: drift found; 1: error (an error wins "
            "over drift); 64: bad usage. --json prints the plivo-media-drift/1 document, on "
            "failure too."
        ),
        epilog=CREDENTIALS_NOTE,
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
    add_client_options(sub)
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    chosen = DriftOptions(
        root=args.root, warn_within=args.warn_within, verify_content=args.verify_content,
        parallel=args.parallel, stack=args.stack,
    )
    return run_drift(
        api_url=args.api_url, options=chosen, state=args.state,
        as_json=args.json, stdin=sys.stdin, stdout=sys.stdout, stderr=sys.stderr,
        read_timeout=args.timeout, retries=args.retries,
    )


PROGRESS_THRESHOLD = 50
"""Above this many resources, progress is shown on stderr when it is a terminal."""

def wants_progress(total: int, stream: TextIO) -> bool:
    """Progress is shown for more than PROGRESS_THRESHOLD resources, on a terminal only."""
    return total > PROGRESS_THRESHOLD and stream.isatty()


def progress_printer(stream: TextIO) -> Callable[[int, int], None]:
    """``progress(done, total)`` for :func:`check_drift`: one line rewritten in place."""

    def show(done: int, total: int) -> None:
        stream.write(f"\rchecked {done}/{total} MediaFile resources")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show


def run_drift(
    *,
    api_url: str | None,
    options: DriftOptions,
    state: str | None,
    as_json: bool,
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
    read_timeout: float | None = None,
    retries: int | None = None,
) -> int:
    """The ``plivo-media drift`` command: read state, check, print; return the exit code.

    Settings come from the environment (``resolve_settings``); ``api_url``, ``read_timeout``
    and ``retries``, when given, override ``PLIVO_API_URL``, ``PLIVO_READ_TIMEOUT`` and
    ``PLIVO_RETRIES``. The report goes to ``stdout`` (table or JSON); progress (many
    resources, ``stderr`` a terminal) and a final one-line summary go to ``stderr``. A
    PlivoMediaError that stops the run is raised; with ``as_json`` the error document is
    printed first.
    """
    if options.stack is not None:
        source = f"stack {options.stack}"
    else:
        source = "stdin" if state == "-" else f"file {state}"
    try:
        settings = resolve_settings(api_url=api_url, read_timeout=read_timeout, retries=retries,
                                    sources=CLI_SOURCES)
        api_url = settings.api_url
        export, source = read_export(
            state=state, stack=options.stack, cwd=options.root, stdin_text=stdin.read
        )
        resources = media_resources(export)
        show = wants_progress(len(resources), stderr)
        with MediaClient.from_settings(settings) as client:
            report = check_drift(
                resources, client, options, source=source,
                progress=progress_printer(stderr) if show else None,
                warn=lambda line: print(f"warning: {line}", file=stderr),
            )
    except PlivoMediaError as err:
        if as_json:
            failed = failure_document(
                str(err), ExitCode.ERROR, options=options, source=source, api_url=api_url
            )
            stdout.write(json.dumps(failed, indent=2) + "\n")
        raise
    if as_json:
        stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        stdout.write(render_table(report) + "\n")
    stderr.write(report.summary_line() + "\n")
    return report.exit_code
