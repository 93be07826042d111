"""``plivo-media drift``: read a stack's state, check it, print the report, exit by it.

The checks are :mod:`plivo_media_provider.drift`'s; this module owns the command's options,
where its report goes (stdout or ``--output FILE``, in one of :data:`FORMATS`), and its
progress line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from datetime import timedelta
from typing import TextIO

from ..api.client import MediaClient
from ..drift.check import check_drift
from ..drift.junit import render_junit
from ..drift.markdown import render_markdown
from ..drift.report import (
    DriftOptions,
    DriftReport,
    failed_report,
    failure_document,
    render_table,
)
from ..drift.stack_export import media_resources, read_export
from ..errors import PlivoMediaError
from ..exits import ExitCode
from ..settings import CLI_SOURCES, resolve_settings
from . import options
from .options import (
    CREDENTIALS_NOTE,
    Commands,
    add_client_options,
    add_state_options,
    say_where_requests_go,
)

FORMATS = ("table", "json", "junit", "markdown")
"""The report's formats: ``table`` for people, ``json`` (``plivo-media-drift/1``), ``junit``
(JUnit XML for test reporters) and ``markdown`` (a GitHub job summary)."""

RENDER: dict[str, Callable[[DriftReport], str]] = {
    "table": lambda report: render_table(report) + "\n",
    "json": lambda report: json.dumps(report.to_json(), indent=2) + "\n",
    "junit": render_junit,
    "markdown": render_markdown,
}


class _Format(argparse.Action):
    """``--format NAME`` and ``--json`` (``--format json``) set one format; two different
    ones are bad usage, whichever comes first."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        chosen = self.const if self.const is not None else str(values)
        earlier = getattr(namespace, "format_from", None)
        if earlier is not None and namespace.format != chosen:
            parser.error(f"argument {option_string}: {chosen} conflicts with {earlier} "
                         f"({namespace.format}); give one format")
        namespace.format = chosen
        namespace.format_from = option_string


def add(commands: Commands) -> None:
    sub = commands.add_parser(
        "drift",
        help="report which MediaFile resources drifted, why, and what to do",
        description=(
            "Check every MediaFile in a Pulumi stack export against Plivo and the local files. "
            "Exit 0: in sync (expiry warnings allowed); 2: drift found; 1: error (an error wins "
            "over drift); 64: bad usage; the same with every --format. The report goes to "
            "stdout, or with --output to that file (and then the table to stdout). A run that "
            "fails still writes its json, junit or markdown report, saying why."
        ),
        epilog=CREDENTIALS_NOTE,
    )
    add_state_options(sub, "resolved")
    sub.add_argument("--warn-within", type=options.warn_within,
                     default=timedelta(hours=1), metavar="DURATION",
                     help="warn about unsent media expiring this soon (default 1h; 0 = off)")
    sub.add_argument("--verify-content", action="store_true",
                     help="also download each media and compare its sha256 with state")
    sub.add_argument("--parallel", type=options.at_least(1), default=8, metavar="N",
                     help="requests in flight at once, 1 or more (default 8)")
    add_client_options(sub, json_flag=False)
    sub.add_argument("--format", choices=FORMATS, action=_Format, default="table",
                     help="the report: table (default), json (plivo-media-drift/1), junit "
                          "(JUnit XML, one test case per MediaFile) or markdown (for a GitHub "
                          "job summary)")
    sub.add_argument("--json", action=_Format, nargs=0, const="json", dest="format",
                     help="the same as --format json")
    sub.add_argument("--output", type=options.output_file, metavar="FILE",
                     help="write the report to FILE (replaced whole, never half written) "
                          "instead of stdout, and show the table on stdout")
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    chosen = DriftOptions(
        root=args.root, warn_within=args.warn_within, verify_content=args.verify_content,
        parallel=args.parallel, stack=args.stack,
    )
    return run_drift(
        api_url=args.api_url, options=chosen, state=args.state,
        report_format=args.format, output=args.output,
        stdin=sys.stdin, stdout=sys.stdout, stderr=sys.stderr,
        read_timeout=args.timeout, retries=args.retries,
    )


def write_report(text: str, output: str | None, stdout: TextIO) -> None:
    """``text`` to ``stdout``, or to the file ``output``: a regular file is replaced at once
    (written beside it, then renamed), so a reader never sees half a report; anything else
    (``/dev/stdout``, a pipe) is written in place. PlivoMediaError if it cannot be."""
    if output is None or output == "-":
        stdout.write(text)
        return
    try:
        if os.path.exists(output) and not os.path.isfile(output):
            with open(output, "w", encoding="utf-8") as stream:
                stream.write(text)
            return
        folder = os.path.dirname(os.path.abspath(output))
        fd, partial = tempfile.mkstemp(prefix=".drift-", suffix=".partial", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(partial, output)
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
    except OSError as exc:
        raise PlivoMediaError(
            f"--output {output}: the report cannot be written ({exc.strerror or exc}); "
            "give a file in a folder you can write to."
        ) from None


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
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
    report_format: str = "table",
    output: str | None = None,
    read_timeout: float | None = None,
    retries: int | None = None,
) -> int:
    """The ``plivo-media drift`` command: read state, check, report; return the exit code.

    Settings come from the environment (``resolve_settings``); ``api_url``, ``read_timeout``
    and ``retries``, when given, override ``PLIVO_API_URL``, ``PLIVO_READ_TIMEOUT`` and
    ``PLIVO_RETRIES``. The report, in ``report_format`` (one of :data:`FORMATS`), goes to
    ``stdout``, or to the file ``output`` while the table goes to ``stdout``. Progress (many
    resources, ``stderr`` a terminal) and a final one-line summary go to ``stderr``. A
    PlivoMediaError or KeyboardInterrupt that stops the run is raised, after the failure's
    report is written in the json, junit or markdown format (the table has none: the error
    line on stderr says it).
    """
    if options.stack is not None:
        source = f"stack {options.stack}"
    else:
        source = "stdin" if state == "-" else f"file {state}"
    try:
        settings = resolve_settings(api_url=api_url, read_timeout=read_timeout, retries=retries,
                                    sources=CLI_SOURCES)
        say_where_requests_go(api_url, stderr)
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
    except (PlivoMediaError, KeyboardInterrupt) as stopped:
        if report_format != "table":
            interrupted = isinstance(stopped, KeyboardInterrupt)
            message, code = ("interrupted", ExitCode.INTERRUPTED) if interrupted else (
                str(stopped), ExitCode.ERROR)
            failed = failed_report(message, code, options=options, source=source,
                                   api_url=api_url)
            text = (json.dumps(failure_document(message, code, options=options, source=source,
                                                api_url=api_url), indent=2) + "\n"
                    if report_format == "json" else RENDER[report_format](failed))
            write_report(text, output, stdout)
        raise
    write_report(RENDER[report_format](report), output, stdout)
    if output is not None and output != "-":
        stdout.write(RENDER["table"](report))
    stderr.write(report.summary_line() + "\n")
    return report.exit_code
