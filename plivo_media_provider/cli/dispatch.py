"""The ``plivo-media`` command line.

``main(argv) -> int`` never raises for expected failures: it catches only the package's
base error, prints ``Error: <message>`` to stderr and returns an :class:`~.exits.ExitCode`.
Every option is checked by the parser: a bad value is one line on stderr naming the option,
the value, the limit and what to do, and exit 64. ``drift --json`` (or ``--format json``)
prints its JSON document on stdout whatever happens, bad usage included (see
:func:`.drift.failure_document`); drift's other formats write theirs once the command
line is read.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from .._version import __version__
from ..errors import PlivoMediaError
from ..exits import ExitCode
from . import demo, drift, emulator, ls, migrate, plugin_dir
from .options import Commands, Parser, UsageError

EXIT_OK = ExitCode.OK
EXIT_ERROR = ExitCode.ERROR
EXIT_DRIFT = ExitCode.DRIFT
EXIT_USAGE = ExitCode.USAGE
EXIT_INTERRUPTED = ExitCode.INTERRUPTED

Handler = Callable[[argparse.Namespace], int]


_COMMANDS: list[Callable[[Commands], None]] = [
    emulator.add, drift.add, ls.add, migrate.add, plugin_dir.add, demo.add,
]
"""Each subcommand's module adds its own parser, options and handler."""


def build_parser() -> Parser:
    """The whole command line; bad usage raises :class:`UsageError` instead of exiting."""
    parser = Parser(
        prog="plivo-media",
        description=(
            "Manage Plivo MMS media: emulator, drift checks, listing, migration, the plugin "
            "folder, demo."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for add in _COMMANDS:
        add(commands)
    return parser


def _json_command(argv: Sequence[str]) -> str | None:
    """``"drift"`` or ``"ls"`` when ``argv`` asks for that command's JSON on stdout
    (``--json``, or drift's ``--format json`` without ``--output``), judged without a
    successful parse; else None."""
    words = list(argv)
    command = next((w for w in words if not w.startswith("-")), None)
    if command not in ("drift", "ls"):
        return None
    after = words[words.index(command):]
    if command == "drift" and any(w == "--output" or w.startswith("--output=") for w in after):
        return None
    asks = "--json" in after or "--format=json" in after or any(
        word == "--format" and after[i + 1:i + 2] == ["json"] for i, word in enumerate(after))
    return command if asks else None


def _print_json_failure(command: str | None, message: str, code: ExitCode) -> None:
    """Keep ``--json``'s promise of a document on stdout when the command failed."""
    import json

    if command == "drift":
        from ..drift.report import failure_document as drift_failure

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
        if _json_command(words) == "ls":  # drift writes its own report of the interruption
            _print_json_failure("ls", "interrupted", ExitCode.INTERRUPTED)
        return ExitCode.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
