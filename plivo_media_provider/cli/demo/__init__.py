"""``plivo-media demo``: the demo project (:mod:`.project`), deployed by the Pulumi CLI
(:mod:`.live`) or, without one, run through the test kit (:mod:`.offline`)."""

from __future__ import annotations

import argparse

from ...exits import ExitCode
from .. import options
from ..options import Commands


def add(commands: Commands) -> None:
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
                     help="emulator port, 1-65535 or 0 for any free one, with or without "
                          "Pulumi (default 8099; a free one if taken, said in one line)")
    sub.add_argument("--no-pulumi", action="store_true",
                     help="don't look for or install the Pulumi CLI; run through the test kit")
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .live import run_demo

    project_dir = Path(args.project_dir) if args.project_dir else None
    outcome = run_demo(project_dir=project_dir, port=args.port, use_pulumi=not args.no_pulumi)
    return ExitCode.OK if outcome.ok else ExitCode.ERROR
