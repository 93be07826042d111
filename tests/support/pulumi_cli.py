"""The real Pulumi CLI, for the tests that run only where it is installed.

:func:`require_cli` skips a whole test module, with the reason and how to install, where
``pulumi`` is not on PATH. :class:`Pulumi` runs it in one project folder with one
environment, keeps every output (so a test can scan it for the token) and fails the test
with the output when a command fails.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from plivo_media_provider.emulator import Emulator
from tests.conftest import AUTH_ID, AUTH_TOKEN

PULUMI = shutil.which("pulumi")


def require_cli(to_run: str) -> None:
    """Skip the calling module unless the Pulumi CLI is on PATH; ``to_run`` says what it
    would run."""
    if PULUMI is None:
        pytest.skip(
            f"pulumi CLI not on PATH; install it (curl -fsSL https://get.pulumi.com | sh) to "
            f"run {to_run}",
            allow_module_level=True,
        )


class Pulumi:
    """Runs ``pulumi`` in one project folder with one environment; keeps every output."""

    def __init__(self, cwd: Path, env: dict[str, str], *, timeout: float = 600.0) -> None:
        self.cwd = cwd
        self.env = env
        self.timeout = timeout
        self.transcript: list[str] = []

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        assert PULUMI is not None
        done = subprocess.run(
            [PULUMI, *args, "--non-interactive"], cwd=self.cwd, env=self.env,
            capture_output=True, text=True, timeout=self.timeout, check=False,
        )
        self.transcript += [done.stdout, done.stderr]
        if check and done.returncode != 0:
            pytest.fail(f"pulumi {' '.join(args)} exited {done.returncode}\n"
                        f"{done.stdout}\n{done.stderr}")
        return done

    def stack(self, emulator: Emulator) -> None:
        """A stack ``test`` whose ``plivo:*`` config points at ``emulator``, token secret."""
        self("stack", "init", "test")
        self("config", "set", "plivo:apiUrl", emulator.url)
        self("config", "set", "plivo:authId", AUTH_ID)
        self("config", "set", "--secret", "plivo:authToken", AUTH_TOKEN)

    def outputs(self) -> dict[str, str]:
        loaded: dict[str, str] = json.loads(self("stack", "output", "--json").stdout)
        return loaded

    def assert_token_nowhere(self, backend: Path) -> None:
        """The token is in no state file under ``backend`` and in nothing the CLI printed."""
        state = "".join(p.read_text(errors="replace") for p in backend.rglob("*.json"))
        assert AUTH_TOKEN not in state, "the auth token reached the state"
        assert not any(AUTH_TOKEN in text for text in self.transcript), \
            "the auth token was printed"
