"""``plivo-media demo`` without the Pulumi CLI: the same program through the test kit.

When no Pulumi CLI is found and none can be installed (offline, say), the demo still shows
the provider at work, and says plainly, first and last, that this is not a Pulumi
deployment. It runs the demo's program under Pulumi's mock runtime with
:class:`~plivo_media_provider.testing.MediaTestKit`, every MediaFile through the real
provider against the in-process emulator, in a fresh working folder
``<project>/.plivo-media-kit/``:

1. the plan (every file a ``create``);
2. the run, and each media's id and URL as the emulator holds it;
3. a second run against the first one's state, which must change nothing;
4. one file of the working copy edited, planned as exactly one ``replace``;
5. a ``plivo-media drift`` report of the kit's state (written as ``kit-state.json``,
   labelled as the kit's; no Pulumi state is written anywhere).

The emulator keeps its media in the working folder's ``emulator-data/``, so they can be
served again afterwards.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

from ...drift.check import check_drift
from ...drift.report import DriftOptions, render_table
from ...drift.stack_export import media_resources, parse_export
from ...emulator import DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN
from ...testing.kit import MediaTestKit, project_program
from ...testing.state import Plan
from .project import (
    INSTALL_HELP,
    PROGRAM_DIR,
    PROJECT_NAME,
    STACK,
    DemoOutcome,
    Print,
    format_table,
)

KIT_DIR = ".plivo-media-kit"
"""The working folder, inside the project, that each run without Pulumi starts afresh."""
STATE_FILE = "kit-state.json"
EDITED = Path("assets") / "menu.pdf"
"""The file of the working copy the demo edits, to show that exactly it is replaced."""
EDITED_NAME = "campaign/menu.pdf"

NOT_A_DEPLOYMENT = (
    "This is NOT a Pulumi deployment: no Pulumi engine runs and no Pulumi state is written. "
    "The demo runs the same program through plivo_media_provider.testing instead: Pulumi's "
    "mock runtime, with each MediaFile sent through the real provider to the emulator."
)


def _banner(reason: str | None) -> str:
    why = (
        "Not using the Pulumi CLI (--no-pulumi)." if reason is None else
        f"No Pulumi CLI: it is not on PATH and could not be installed automatically "
        f"({reason}; this machine may be offline)."
    )
    return f"{why}\n{NOT_A_DEPLOYMENT}\nFor the real thing: {INSTALL_HELP}"


def _plan_lines(plan: Plan) -> str:
    width = max((len(step.op) for step in plan.steps), default=0)
    return "\n".join(
        f"  {step.op:<{width}}  {step.name}"
        + (f"  ({', '.join(step.properties)} changed)" if step.properties else "")
        for step in plan.steps
    )


def _summary(plan: Plan) -> str:
    return ", ".join(f"{n} {op}" for op, n in plan.counts.items()) or "nothing"


def _fresh_copy(project: Path) -> tuple[Path, Path]:
    """A new working folder with a copy of the program; returns it and the program dir."""
    work = project / KIT_DIR
    if work.exists():
        shutil.rmtree(work)
    program_dir = work / "program"
    shutil.copytree(project / PROGRAM_DIR, program_dir,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return work, program_dir


def _edit(path: Path) -> None:
    # A PDF may carry bytes after its end marker; the file stays a valid PDF.
    with path.open("ab") as stream:
        stream.write(b"\n% edited by plivo-media demo\n")


def start_kit(data_dir: Path, port: int, say: Print) -> MediaTestKit:
    """The demo's test kit, its emulator on ``port`` as the Pulumi path's is (or on a free
    port, said in one line, if that one is taken); the caller must ``close()`` it."""

    def kit(on: int) -> MediaTestKit:
        return MediaTestKit(project=PROJECT_NAME, stack=STACK, data_dir=data_dir, port=on)

    try:
        return kit(port).start()
    except OSError:
        if port == 0:
            raise
        say(f"Port {port} is taken; the emulator takes a free port instead.")
        return kit(0).start()


def run_without_pulumi(
    project: Path, *, reason: str | None, say: Print, port: int = 0
) -> DemoOutcome:
    """Run the demo's program through the test kit in ``project/.plivo-media-kit/``;
    ``reason`` says why the Pulumi CLI is missing (None: the user asked not to use it).
    The kit's emulator listens on ``port`` (0: any free one; a free one if it is taken)."""
    say(_banner(reason))
    work, program_dir = _fresh_copy(project)
    say(f"\nWorking folder: {work} (a fresh copy of {PROGRAM_DIR}/; the edit below is made "
        "there, never in the project).")
    program = project_program(program_dir)
    outcome = DemoOutcome(with_pulumi=False, work_dir=work)
    with contextlib.closing(start_kit(work / "emulator-data", port, say)) as kit:
        say(f"Plivo Media API emulator on {kit.emulator.url}; media kept in "
            f"{work / 'emulator-data'}/")

        plan = kit.preview(program, work_dir=program_dir)
        say(f"\nPlan ({_summary(plan)}):\n{_plan_lines(plan)}")

        first = kit.up(program, work_dir=program_dir)
        outcome.first_changes = first.steps.changes
        outcome.urls = {str(k): str(v) for k, v in first.outputs.get("media_urls", {}).items()}
        outcome.ids = {str(k): str(v) for k, v in first.outputs.get("media_ids", {}).items()}
        say(f"\nUploaded {len(first.uploaded)} media to the emulator (stack outputs "
            "media_urls and media_ids):\n")
        say(format_table(outcome.urls, outcome.ids))

        second = kit.up(program, first.state, work_dir=program_dir)
        outcome.second_changes = second.steps.changes
        if outcome.converged:
            say(f"\nSecond run against the first one's state: no changes "
                f"({second.steps.counts.get('same', 0)} unchanged, nothing uploaded).")
        else:
            say(f"\nSecond run changed {outcome.second_changes}; it should not have.")

        _edit(program_dir / EDITED)
        edited = kit.preview(program, second.state, work_dir=program_dir)
        outcome.edit_changes = edited.changes
        say(f"\nEdited {program_dir / EDITED}; the plan now ({_summary(edited)}):\n"
            f"{_plan_lines(edited)}")

        state_file = work / STATE_FILE
        state_file.write_text(json.dumps(second.state.to_export(), indent=2) + "\n",
                              encoding="utf-8")
        export = parse_export(state_file.read_text(encoding="utf-8"), f"kit state {state_file}")
        report = check_drift(media_resources(export), kit.client,
                             DriftOptions(root=str(program_dir)), source=f"file {state_file}")
        outcome.drift = {entry.resource.name: entry.status for entry in report.resources}
        say(f"\n`plivo-media drift --state {state_file} --root {program_dir}` (the kit's "
            "state, not a Pulumi stack; the edited file shows as local_changed):\n")
        say(render_table(report))
        say(report.summary_line())

    say(f"\nEmulator stopped; its media stay in {work / 'emulator-data'} (serve them again "
        f"with `plivo-media emulator --data-dir {work / 'emulator-data'}`, credentials "
        f"{DEFAULT_AUTH_ID} / {DEFAULT_AUTH_TOKEN}).")
    say(f"\nDone, WITHOUT Pulumi. {NOT_A_DEPLOYMENT}\nFor the real thing: {INSTALL_HELP}")
    return outcome
