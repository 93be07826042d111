"""``plivo-media demo``: deploy the demo project to a local emulator, in one command.

The steps, each callable on its own so tests can run whatever a machine allows:

1. ``demo_project.locate_project`` finds the demo project (``Pulumi.yaml`` named
   ``plivo-media-demo``) in a checkout, or copies the one this package ships into a
   working folder it names, ``./plivo-media-demo/`` by default.
2. :func:`find_pulumi_cli` finds the Pulumi CLI, or installs it with the Automation API's
   own installer. Without one, :mod:`plivo_media_provider.demo_kit` runs the same program
   through the test kit instead, and says plainly that it is not a Pulumi deployment.
3. :func:`start_emulator` serves the Media API emulator in this process, keeping media in
   the project's git-ignored ``.emulator-data/``.
4. :func:`backend_env` prepares a local file backend in the git-ignored ``.pulumi-demo/``
   and the environment every Pulumi command of the demo gets.
5. :func:`select_stack` creates or selects the stack ``dev`` and points its ``plivo:*``
   config at the emulator (:func:`demo_config`).
6. :func:`deploy` runs ``pulumi up --refresh``; :func:`format_table` prints the media URLs;
   a second, plain ``up`` must change nothing (:func:`changes`).

:func:`run_demo` runs them in order and always stops the emulator.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from pulumi import automation as auto
from pulumi.automation.errors import InvalidVersionError

from ...emulator import DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN, Emulator
from ...errors import ConfigurationError, PlivoMediaError
from .project import INSTALL_HELP, STACK, DemoOutcome, Print, format_table, locate_project

BACKEND_DIR = ".pulumi-demo"
EMULATOR_DIR = ".emulator-data"
DEFAULT_PORT = 8099
PASSPHRASE = "plivo-media-demo"
"""Encrypts the demo stack's secrets. It is public on purpose: the only secret in that
git-ignored local state is the emulator's public demo token."""


def _say(text: str) -> None:
    print(text, flush=True)


def _say_error(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- 2. the Pulumi CLI ---------------------------------------------------------------------


def _command(root: str | None) -> auto.PulumiCommand:
    try:
        return auto.PulumiCommand(root=root)
    except (InvalidVersionError, OSError, subprocess.SubprocessError) as exc:
        where = root or "PATH"
        raise ConfigurationError(
            f"The Pulumi CLI on {where} does not work with this Pulumi SDK "
            f"({type(exc).__name__}: {exc}). {INSTALL_HELP}"
        ) from None


def find_pulumi_cli(say: Print = _say) -> auto.PulumiCommand | str:
    """The Pulumi CLI on PATH, or in ``~/.pulumi/bin``, or installed by the Automation API;
    else the reason there is none, such as ``"URLError: ..."`` when the installer is offline.

    A CLI that is found but does not work with this SDK raises ConfigurationError, saying
    how to install one that does.
    """
    if shutil.which("pulumi"):
        return _command(None)
    home_install = Path.home() / ".pulumi"
    if (home_install / "bin" / "pulumi").is_file():
        return _command(str(home_install))
    say("The Pulumi CLI is not on PATH; installing it with Pulumi's Automation API installer…")
    try:
        return auto.PulumiCommand.install()
    except (OSError, subprocess.SubprocessError, InvalidVersionError) as exc:
        return f"{type(exc).__name__}: {exc}"


# -- 3. the emulator -----------------------------------------------------------------------


def start_emulator(
    data_dir: Path, port: int = DEFAULT_PORT, say: Print = _say
) -> Emulator:
    """Start the emulator on ``port`` (or any free port if that one is taken), keeping
    media in ``data_dir``. The caller must ``stop()`` it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    emulator = Emulator(port=port, data_dir=data_dir)
    try:
        return emulator.start()
    except OSError:
        if port == 0:
            raise
        say(f"Port {port} is taken; the emulator takes a free port instead.")
        return Emulator(port=0, data_dir=data_dir).start()


# -- 4. the backend ------------------------------------------------------------------------


def backend_env(project_dir: Path) -> dict[str, str]:
    """Create ``.pulumi-demo/`` and return the environment for the demo's Pulumi commands.

    The program and the dynamic provider run with this interpreter: its folder goes first
    on PATH, where Pulumi looks for ``python3``, so no virtualenv needs activating.
    """
    backend = project_dir / BACKEND_DIR
    backend.mkdir(parents=True, exist_ok=True)
    interpreter_dir = str(Path(sys.executable).parent)
    return {
        "PULUMI_BACKEND_URL": backend.resolve().as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_PYTHON_CMD": sys.executable,
        "PATH": os.pathsep.join(p for p in (interpreter_dir, os.environ.get("PATH")) if p),
    }


# -- 5. the stack --------------------------------------------------------------------------


def demo_config(api_url: str) -> dict[str, auto.ConfigValue]:
    """Stack config pointing the provider at the emulator; the token is stored as a secret."""
    return {
        "plivo:apiUrl": auto.ConfigValue(api_url),
        "plivo:authId": auto.ConfigValue(DEFAULT_AUTH_ID),
        "plivo:authToken": auto.ConfigValue(DEFAULT_AUTH_TOKEN, secret=True),
    }


def select_stack(
    project_dir: Path,
    env: Mapping[str, str],
    command: auto.PulumiCommand,
    api_url: str,
    stack_name: str = STACK,
) -> auto.Stack:
    """Create or select ``stack_name`` of the project and configure it for ``api_url``."""
    options = auto.LocalWorkspaceOptions(env_vars=dict(env), pulumi_command=command)
    stack = auto.create_or_select_stack(stack_name, work_dir=str(project_dir), opts=options)
    stack.set_all_config(demo_config(api_url))
    return stack


# -- 6. up, the table, and the second up ---------------------------------------------------


def deploy(stack: auto.Stack, say: Print = _say, *, refresh: bool = True) -> auto.UpResult:
    """``pulumi up --yes``, its output streamed. With ``refresh`` (``--refresh``), media the
    emulator has expired since the last run (6 hours after upload) is uploaded again
    instead of being trusted from state."""
    return stack.up(refresh=refresh, on_output=say, on_error=_say_error)


def _counts(summary: auto.UpdateSummary) -> dict[str, int]:
    # Keys may arrive as OpType members (a str Enum) or as plain strings.
    return {
        (op.value if isinstance(op, Enum) else str(op)): int(n)
        for op, n in (summary.resource_changes or {}).items()
    }


def changes(summary: auto.UpdateSummary) -> dict[str, int]:
    """The operations of an update other than ``same``: empty means nothing changed."""
    return {op: n for op, n in sorted(_counts(summary).items()) if op != "same" and n}


def _output(result: auto.UpResult, name: str) -> dict[str, str]:
    found = result.outputs.get(name)
    value: Any = found.value if found is not None else None
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


# -- all of it -----------------------------------------------------------------------------


def _failure(what: str, exc: auto.CommandError) -> PlivoMediaError:
    """One line for a failed Pulumi command: its exit code and last line of stderr."""
    text = str(exc)
    code = re.search(r"code: (-?\d+)", text)
    stderr = text.split(" stderr: ", 1)[1] if " stderr: " in text else ""
    last = next((line.strip() for line in reversed(stderr.splitlines()) if line.strip()), "")
    if isinstance(exc, auto.ConcurrentUpdateError):
        return PlivoMediaError(
            f"{what} failed: another update of the demo stack holds its lock. If none is "
            f"running (an earlier run was interrupted), delete {BACKEND_DIR}/.pulumi/locks "
            "and run `plivo-media demo` again."
        )
    return PlivoMediaError(
        f"{what} failed (exit code {code.group(1) if code else 'unknown'})"
        + (f": {last}" if last else "")
        + "; the output above says more."
    )


def _up(stack: auto.Stack, say: Print, *, refresh: bool) -> auto.UpResult:
    try:
        return deploy(stack, say, refresh=refresh)
    except auto.CommandError as exc:
        raise _failure("`pulumi up`", exc) from None


def run_demo(
    project_dir: Path | None = None,
    port: int = DEFAULT_PORT,
    say: Print = _say,
    *,
    use_pulumi: bool = True,
) -> DemoOutcome:
    """Deploy the demo project to a fresh in-process emulator, twice; stop the emulator.

    Without a Pulumi CLI (none found, none installable, or ``use_pulumi`` False) the same
    program runs through the test kit instead (:func:`demo_kit.run_without_pulumi`). Either
    way the emulator listens on ``port``, or on a free one, said in one line, if it is taken.
    """
    project = locate_project(project_dir, say)
    command = find_pulumi_cli(say) if use_pulumi else None
    if not isinstance(command, auto.PulumiCommand):
        from .offline import run_without_pulumi

        return run_without_pulumi(project, reason=command, say=say, port=port)
    say(f"Pulumi CLI {command.version or '(version unknown)'}: {command.command}")
    emulator = start_emulator(project / EMULATOR_DIR, port, say)
    try:
        say(f"Plivo Media API emulator on {emulator.url}; media kept in {EMULATOR_DIR}/")
        env = backend_env(project)
        say(f"State in {BACKEND_DIR}/ ({env['PULUMI_BACKEND_URL']}), stack {STACK!r}")
        try:
            stack = select_stack(project, env, command, emulator.url)
        except auto.CommandError as exc:
            raise _failure(f"Creating or configuring the {STACK!r} stack", exc) from None
        say("Running `pulumi up`…")
        first = _up(stack, say, refresh=True)
        outcome = DemoOutcome(
            urls=_output(first, "media_urls"),
            ids=_output(first, "media_ids"),
            first_changes=changes(first.summary),
        )
        say("\nMedia URLs (stack outputs media_urls and media_ids):\n")
        say(format_table(outcome.urls, outcome.ids))
        say("\nRunning `pulumi up` again: nothing should change…")
        second = _up(stack, say, refresh=False)
        outcome.second_changes = changes(second.summary)
        same = _counts(second.summary).get("same", 0)
        if outcome.converged:
            say(f"Second `pulumi up`: no changes ({same} resources unchanged).")
        else:
            say(f"Second `pulumi up` changed {outcome.second_changes}; it should not have.")
        return outcome
    finally:
        emulator.stop()
        say("Emulator stopped. Run `plivo-media demo` again at any time: it picks up the "
            "same state and media.")
