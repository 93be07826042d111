"""``pulumi import`` through the real Pulumi CLI and the installed plugin: the generated code.

Runs only where the ``pulumi`` CLI is on PATH. A YAML project (the language host ships with
the CLI) in a temporary folder keeps its state in a local file backend; the engine finds
``pulumi-resource-plivo`` on PATH (this virtualenv's scripts folder first). Media uploaded
outside Pulumi is imported by ``<media_id>:<path>``; the code Pulumi generates is added to
the program, and the next preview must show no change and the next ``up`` upload nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from plivo_media_provider.api.client import MediaClient, UploadFile
from plivo_media_provider.emulator import Emulator
from tests.support import files
from tests.support.control import Control
from tests.support.pulumi_cli import Pulumi, require_cli

require_cli("`pulumi import` through the plugin and check the code it generates")

PROJECT = "name: media-import\nruntime: yaml\n"


@pytest.fixture
def pulumi(tmp_path: Path, emulator: Emulator) -> Iterator[Pulumi]:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(PROJECT, encoding="utf-8")
    backend = tmp_path / "state"
    backend.mkdir()
    env = dict(os.environ)
    env.update(
        PULUMI_BACKEND_URL=backend.as_uri(),
        PULUMI_CONFIG_PASSPHRASE="test-passphrase",
        PULUMI_SKIP_UPDATE_CHECK="true",
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
    )
    cli = Pulumi(project, env)
    cli.stack(emulator)
    yield cli
    cli.assert_token_nowhere(backend)


def test_import_generates_code_that_plans_no_change(
    pulumi: Pulumi, client: MediaClient, emulator: Emulator
) -> None:
    logo = files.random_png(pulumi.cwd / "media" / "logo.png", 900, seed=1)
    [media] = client.upload([UploadFile("logo.png", logo.read_bytes(), "image/png")])
    generated = pulumi.cwd / "generated.yaml"
    pulumi("import", "plivo:index:MediaFile", "logo", f"{media.media_id}:media/logo.png",
           "--yes", "--out", str(generated))
    code = generated.read_text(encoding="utf-8")
    assert "type: plivo:index:MediaFile" in code
    assert "path: media/logo.png" in code and "fileName: logo.png" in code
    with (pulumi.cwd / "Pulumi.yaml").open("a", encoding="utf-8") as program:
        program.write(code)
    pulumi("preview", "--expect-no-changes")
    pulumi("up", "--yes")
    assert Control(emulator.url).stats()["uploads"] == 1


def test_importing_an_id_plivo_does_not_have_fails_in_one_line(pulumi: Pulumi) -> None:
    done = pulumi("import", "plivo:index:MediaFile", "ghost", "no-such-media", "--yes",
                  check=False)
    assert done.returncode != 0
    assert "Cannot import media 'no-such-media'" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
