"""The real Pulumi CLI on a tiny project against the emulator: preview, up, up again.

Runs only where the ``pulumi`` CLI is on PATH. It copies ``examples/single-file`` to a
temporary folder, keeps state in a local file backend there, and drives the CLI exactly as
a user would; the program and the dynamic provider run with this test's Python.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from plivo_media_provider.api.client import MediaClient
from plivo_media_provider.emulator import Emulator
from tests.support import files
from tests.support.pulumi_cli import Pulumi, require_cli

REPO = Path(__file__).resolve().parents[1]

require_cli("the real `pulumi preview` / `pulumi up` tests")


@pytest.fixture
def pulumi(tmp_path: Path, emulator: Emulator) -> Iterator[Pulumi]:
    """``examples/single-file`` copied to tmp, a stack ``test`` configured for the emulator."""
    project = Path(shutil.copytree(REPO / "examples" / "single-file", tmp_path / "project"))
    backend = tmp_path / "state"
    backend.mkdir()
    env = dict(os.environ)
    env.update(
        PULUMI_BACKEND_URL=backend.as_uri(),
        PULUMI_CONFIG_PASSPHRASE="test-passphrase",
        PULUMI_SKIP_UPDATE_CHECK="true",
        PULUMI_PYTHON_CMD=sys.executable,
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
    )
    cli = Pulumi(project, env)
    cli.stack(emulator)
    yield cli
    cli.assert_token_nowhere(backend)


def stats(emulator: Emulator) -> dict[str, int]:
    with urllib.request.urlopen(f"{emulator.url}/__emulator__/stats", timeout=10) as reply:
        result: dict[str, int] = json.load(reply)
    return result


def test_preview_then_up_then_up_again_changes_nothing_then_an_edit_replaces(
    pulumi: Pulumi, emulator: Emulator, client: MediaClient
) -> None:
    preview = json.loads(pulumi("preview", "--json").stdout)
    assert preview["changeSummary"] == {"create": 2}  # the stack and the logo
    assert stats(emulator)["uploads"] == 0, "preview must not upload"

    pulumi("up", "--yes", "--skip-preview")
    media_id = pulumi("stack", "output", "media_id").stdout.strip()
    media_url = pulumi("stack", "output", "media_url").stdout.strip()
    held = client.get(media_id)
    assert held.media_url == media_url
    assert client.download(held) == (pulumi.cwd / "logo.png").read_bytes()
    assert stats(emulator)["uploads"] == 1

    pulumi("up", "--yes", "--expect-no-changes")
    assert pulumi("stack", "output", "media_id").stdout.strip() == media_id
    assert stats(emulator)["uploads"] == 1

    files.write(pulumi.cwd / "logo.png", files.png_bytes(rgb=(9, 9, 9)))
    changed = pulumi("preview", "--expect-no-changes", check=False)
    assert changed.returncode != 0
    pulumi("up", "--yes", "--skip-preview")
    replaced_id = pulumi("stack", "output", "media_id").stdout.strip()
    assert replaced_id != media_id
    assert client.download(client.get(replaced_id)) == (pulumi.cwd / "logo.png").read_bytes()
    assert stats(emulator)["uploads"] == 2


def test_a_preview_without_credentials_shows_the_providers_one_line_warning(
    pulumi: Pulumi, emulator: Emulator
) -> None:
    pulumi("config", "rm", "plivo:authId")
    pulumi("config", "rm", "plivo:authToken")

    preview = pulumi("preview")

    shown = preview.stdout + preview.stderr
    assert "Plivo credentials are missing" in shown, shown
    assert "plivo:authId" in shown and "PLIVO_AUTH_TOKEN" in shown, shown
    assert stats(emulator)["uploads"] == 0
