"""``plivo-media plugin-dir``: the plugin folder's files, and that the folder starts the plugin
the way Pulumi's Python language host runs it (``python DIR <engine address>`` in DIR/venv,
from the project's folder).

The routes that need the Pulumi CLI itself (``pulumi plugin install --file``, ``pulumi
package add``, ``packages:``) are in ``tests/test_plugin_routes_cli.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from plivo_media_provider._version import __version__
from plivo_media_provider.cli.plugin_dir import EXECUTABLE, folder_files
from plivo_media_provider.exits import ExitCode
from tests.conftest import Result
from tests.support.plugin_engine import EngineService

Run = Callable[..., Result]


def test_the_folder_holds_a_python_plugin_run_in_its_venv(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "plivo-plugin"

    code, out, _ = run("plugin-dir", str(folder))

    assert code == ExitCode.OK
    assert sorted(p.name for p in folder.iterdir()) == [
        "PulumiPlugin.yaml", "__main__.py", "requirements.txt"]
    plugin = yaml.safe_load((folder / "PulumiPlugin.yaml").read_text())
    assert plugin == {"runtime": {"name": "python", "options": {"virtualenv": "venv"}}}
    assert (folder / "requirements.txt").read_text() == f"plivo-media-provider=={__version__}\n"
    compile((folder / "__main__.py").read_text(), "__main__.py", "exec")
    assert f"pulumi plugin install resource plivo {__version__} --file {folder}" in out
    assert f"pulumi package add {folder}" in out


def test_a_requirement_that_is_a_path_is_written_absolute(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    wheel = tmp_path / "dist" / f"plivo_media_provider-{__version__}-py3-none-any.whl"
    wheel.parent.mkdir()
    wheel.write_bytes(b"PK")

    code, _, _ = run("plugin-dir", "plugin", "--requirement", f"dist/{wheel.name}")

    assert code == ExitCode.OK
    assert (tmp_path / "plugin" / "requirements.txt").read_text() == f"{wheel}\n"


def test_a_requirement_of_two_lines_is_bad_usage(run: Run, tmp_path: Path) -> None:
    code, _, err = run("plugin-dir", str(tmp_path / "p"), "--requirement", "a\nb")

    assert code == ExitCode.USAGE
    assert "is not one requirement: give one line" in err
    assert not (tmp_path / "p").exists()


def test_other_files_of_those_names_are_kept_unless_forced(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "plugin"
    folder.mkdir()
    (folder / "requirements.txt").write_text("mine\n")
    (folder / "notes.md").write_text("kept\n")

    code, _, err = run("plugin-dir", str(folder))

    assert code == ExitCode.ERROR
    assert f"{folder} already holds requirements.txt with other content; pass --force" in err
    assert (folder / "requirements.txt").read_text() == "mine\n"
    assert not (folder / "PulumiPlugin.yaml").exists()

    assert run("plugin-dir", str(folder), "--force")[0] == ExitCode.OK
    assert (folder / "requirements.txt").read_text().startswith("plivo-media-provider==")
    assert (folder / "notes.md").read_text() == "kept\n"


def test_writing_the_same_files_again_needs_no_force(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "plugin"

    assert run("plugin-dir", str(folder))[0] == ExitCode.OK
    assert run("plugin-dir", str(folder))[0] == ExitCode.OK


def test_a_file_in_place_of_the_folder_is_one_line(run: Run, tmp_path: Path) -> None:
    (tmp_path / "plugin").write_text("")

    code, _, err = run("plugin-dir", str(tmp_path / "plugin"))

    assert code == ExitCode.ERROR
    assert err == f"Error: {tmp_path / 'plugin'} is a file; name a new or existing folder.\n"


def test_without_the_package_in_its_venv_the_folder_says_what_to_install(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "plugin"
    folder.mkdir()
    for name, text in folder_files().items():
        (folder / name).write_text(text)
    # A venv where requirements.txt was never installed, run as the language host runs it.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder / "venv")],
                   check=True, timeout=120)
    python = folder / "venv" / "bin" / "python"
    prefix = subprocess.run([str(python), "-c", "import sys; print(sys.prefix)"],
                            capture_output=True, text=True, check=True).stdout.strip()

    done = subprocess.run([str(python), str(folder), "127.0.0.1:1"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)

    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (
        f"{EXECUTABLE}: plivo-media-provider is not installed in {prefix}; install it "
        "there with `pip install -r requirements.txt`\n"
    )


def test_the_folder_starts_the_real_plugin_as_the_language_host_runs_it(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "plugin"
    folder.mkdir()
    for name, text in folder_files().items():
        (folder / name).write_text(text)
    # DIR/venv is this test's virtualenv, where the package is installed (the CLI would
    # have created it and installed requirements.txt); run from the project's folder.
    (folder / "venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    project = tmp_path / "project"
    project.mkdir()

    service = EngineService()
    # As the language host runs it: python <folder> <engine address>, from the project.
    plugin = subprocess.Popen(
        [str(folder / "venv" / "bin" / "python"), str(folder), service.address],
        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    try:
        assert plugin.stdout is not None
        port = plugin.stdout.readline().decode().strip()
        assert port.isdigit()
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            info = stub.GetPluginInfo(empty_pb2.Empty(), timeout=60)
            schema = json.loads(stub.GetSchema(provider_pb2.GetSchemaRequest(),
                                               timeout=60).schema)
    finally:
        plugin.kill()  # as the engine stops its plugins
        plugin.wait()
        assert plugin.stdout is not None
        plugin.stdout.close()
        service.close()

    assert info.version == __version__
    assert schema["name"] == "plivo" and "plivo:index:MediaFile" in schema["resources"]
