"""Each installation route of the ``plivo`` plugin, the migration and ``gen-sdk``, through the
real Pulumi CLI against the emulator (``pulumi import``'s code generation is in
``tests/test_plugin_pulumi_cli.py``).

Runs only where ``pulumi`` is on PATH; a route whose minimum CLI version
(:data:`~plivo_media_provider.cli.plugin_dir.ROUTES`) is newer than the one installed is
skipped with that reason. State lives in a local file backend under the test's folder, and
the plugin cache in a ``PULUMI_HOME`` of its own, so nothing leaks to the developer's.
The plugin-folder routes install ``requirements.txt`` into the folder's venv, so the
package index must be reachable; the requirement is this checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from plivo_media_provider._version import __version__
from plivo_media_provider.cli.plugin_dir import ROUTES, write_plugin_dir
from plivo_media_provider.emulator import Emulator
from tests.conftest import AUTH_TOKEN
from tests.support.pulumi_cli import PULUMI, Pulumi, require_cli

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
require_cli("the plugin's installation routes, the migration and code generation for real")


def cli_version() -> tuple[int, ...]:
    assert PULUMI is not None
    text = subprocess.run([PULUMI, "version"], capture_output=True, text=True, check=True,
                          timeout=60).stdout.strip().lstrip("v")
    return tuple(int(part) for part in text.split("-")[0].split(".")[:3])


def needs(route: str) -> None:
    wanted = next(r.min_cli for r in ROUTES if r.name == route)
    if cli_version() < tuple(int(n) for n in wanted.split(".")):
        pytest.skip(f"the {route} route needs Pulumi CLI {wanted} or later")


def uploads(emulator: Emulator) -> int:
    with urllib.request.urlopen(f"{emulator.url}/__emulator__/stats", timeout=10) as reply:
        count: int = json.load(reply)["uploads"]
    return count


def environment(tmp_path: Path, *, on_path: bool) -> dict[str, str]:
    """The CLI's environment; ``on_path`` puts this venv's ``pulumi-resource-plivo`` on PATH,
    else ambient plugins are ignored, so only the route under test can find the plugin."""
    assert PULUMI is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "PULUMI_"))}
    backend = tmp_path / "state"
    backend.mkdir(exist_ok=True)
    path = [str(Path(PULUMI).parent), "/usr/bin", "/bin"]
    env.update(PULUMI_BACKEND_URL=backend.as_uri(), PULUMI_CONFIG_PASSPHRASE="test",
               PULUMI_SKIP_UPDATE_CHECK="true", PULUMI_HOME=str(tmp_path / "pulumi-home"),
               PULUMI_PYTHON_CMD=sys.executable,
               PATH=os.pathsep.join([str(VENV_BIN), *path] if on_path else path))
    if not on_path:
        env["PULUMI_IGNORE_AMBIENT_PLUGINS"] = "true"
    return env


@pytest.fixture
def yaml_project(tmp_path: Path) -> Path:
    return Path(shutil.copytree(REPO / "examples" / "yaml", tmp_path / "project"))


@pytest.fixture
def plugin_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "plivo-plugin"
    write_plugin_dir(folder, str(REPO))
    return folder


def add_to_project(project: Path, **entries: object) -> None:
    loaded = yaml.safe_load((project / "Pulumi.yaml").read_text())
    loaded.update(entries)
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(loaded, sort_keys=False))


def up_twice(pulumi: Pulumi, emulator: Emulator) -> None:
    """``up`` uploads the program's two files; a second preview expects no change."""
    pulumi("up", "--yes", "--skip-preview")
    assert uploads(emulator) == 2
    assert pulumi.outputs()["logoUrl"].startswith(emulator.url)
    pulumi("preview", "--expect-no-changes")
    assert uploads(emulator) == 2
    assert not any(AUTH_TOKEN in text for text in pulumi.transcript)


def test_route_path(yaml_project: Path, tmp_path: Path, emulator: Emulator) -> None:
    needs("PATH")
    pulumi = Pulumi(yaml_project, environment(tmp_path, on_path=True), timeout=900.0)
    pulumi.stack(emulator)

    up_twice(pulumi, emulator)


def test_route_plugins_with_the_folder_holding_the_executable(
    yaml_project: Path, tmp_path: Path, emulator: Emulator
) -> None:
    needs("plugins:")
    add_to_project(yaml_project, plugins={"providers": [{"name": "plivo",
                                                          "path": str(VENV_BIN)}]})
    pulumi = Pulumi(yaml_project, environment(tmp_path, on_path=False), timeout=900.0)
    pulumi.stack(emulator)

    up_twice(pulumi, emulator)


def test_route_plugin_install_from_the_plugin_folder(
    yaml_project: Path, plugin_folder: Path, tmp_path: Path, emulator: Emulator
) -> None:
    needs("plugin install")
    pulumi = Pulumi(yaml_project, environment(tmp_path, on_path=False), timeout=900.0)
    pulumi("plugin", "install", "resource", "plivo", __version__, "--file", str(plugin_folder))
    pulumi.stack(emulator)

    up_twice(pulumi, emulator)


def test_route_package_add_records_the_folder_in_pulumi_yaml(
    yaml_project: Path, plugin_folder: Path, tmp_path: Path, emulator: Emulator
) -> None:
    needs("package add")
    pulumi = Pulumi(yaml_project, environment(tmp_path, on_path=False), timeout=900.0)
    pulumi("package", "add", str(plugin_folder))
    assert "plivo" in yaml.safe_load((yaml_project / "Pulumi.yaml").read_text())["packages"]
    pulumi.stack(emulator)

    up_twice(pulumi, emulator)


def test_route_packages_in_pulumi_yaml_then_install(
    yaml_project: Path, plugin_folder: Path, tmp_path: Path, emulator: Emulator
) -> None:
    needs("packages:")
    add_to_project(yaml_project, packages={"plivo": str(plugin_folder)})
    pulumi = Pulumi(yaml_project, environment(tmp_path, on_path=False), timeout=900.0)
    pulumi("install")
    pulumi.stack(emulator)

    up_twice(pulumi, emulator)


def test_gen_sdk_writes_a_typescript_sdk_with_the_media_file(tmp_path: Path) -> None:
    needs("package add")
    pulumi = Pulumi(tmp_path, environment(tmp_path, on_path=True), timeout=900.0)

    pulumi("package", "gen-sdk", str(VENV_BIN / "pulumi-resource-plivo"), "--language",
           "nodejs", "--out", str(tmp_path / "sdk"))

    text = "\n".join(p.read_text() for p in (tmp_path / "sdk").rglob("*.ts"))
    assert "class MediaFile" in text and "mediaUrl" in text and "reuploadAfter" in text
    [manifest] = (tmp_path / "sdk").rglob("package.json")
    assert json.loads(manifest.read_text())["name"] == "@pulumi/plivo"


def test_the_typescript_example_installs_and_runs_as_its_readme_says(
    tmp_path: Path, emulator: Emulator
) -> None:
    needs("packages:")
    if shutil.which("npm") is None:
        pytest.skip("npm not on PATH: the TypeScript example needs Node.js and npm")
    project = Path(shutil.copytree(REPO / "examples" / "typescript", tmp_path / "project"))
    write_plugin_dir(project / "plivo-plugin", str(REPO))
    env = environment(tmp_path, on_path=False)
    env["PATH"] = os.pathsep.join([env["PATH"], str(Path(str(shutil.which("npm"))).parent)])
    pulumi = Pulumi(project, env, timeout=900.0)

    pulumi("install")
    assert (project / "sdks" / "plivo").is_dir()
    pulumi.stack(emulator)
    pulumi("up", "--yes", "--skip-preview")

    assert pulumi.outputs()["logoUrl"].startswith(emulator.url)
    assert uploads(emulator) == 2
    pulumi("preview", "--expect-no-changes")


@pytest.fixture
def dynamic_stack(tmp_path: Path, emulator: Emulator) -> Iterator[Pulumi]:
    """``examples/single-file`` deployed by the dynamic provider."""
    project = Path(shutil.copytree(REPO / "examples" / "single-file", tmp_path / "project"))
    pulumi = Pulumi(project, environment(tmp_path, on_path=True), timeout=900.0)
    pulumi.stack(emulator)
    pulumi("up", "--yes", "--skip-preview")
    assert uploads(emulator) == 1
    yield pulumi


def test_migration_moves_the_stack_to_the_plugin_without_uploading(
    dynamic_stack: Pulumi, tmp_path: Path, emulator: Emulator
) -> None:
    needs("PATH")
    project = dynamic_stack.cwd
    dynamic_stack("stack", "export", "--file", str(tmp_path / "export.json"))
    migrate = subprocess.run(
        [str(VENV_BIN / "plivo-media"), "migrate", "--state", str(tmp_path / "export.json"),
         "--root", str(project), "--out", str(tmp_path / "import.json")],
        capture_output=True, text=True, timeout=120, check=True)
    deletes = [line.strip() for line in migrate.stderr.splitlines()
               if line.strip().startswith("pulumi state delete")]

    dynamic_stack("import", "--file", str(tmp_path / "import.json"), "--protect=false",
                  "--yes", "--generate-code=false")
    for line in deletes:
        dynamic_stack(*line.split(" ", 1)[1].replace("'", "").split(" "))
    (project / "__main__.py").unlink()
    (project / "Pulumi.yaml").write_text(yaml.safe_dump({
        "name": "plivo-media-single-file", "runtime": "yaml",
        "resources": {"logo": {"type": "plivo:index:MediaFile",
                               "properties": {"path": "logo.png", "reuploadAfter": "5h"}}},
    }))

    dynamic_stack("up", "--yes", "--skip-preview")  # records reuploadAfter: an update
    dynamic_stack("preview", "--expect-no-changes")
    assert uploads(emulator) == 1
