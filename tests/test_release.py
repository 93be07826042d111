"""The release: the version, its dated changelog section, the upgrading page, what CI builds
and checks, and the two GitHub workflows (which cannot run here, so their essentials are
held as data, and the release's own shell step is run in bash)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from plivo_media_provider import __version__

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def workflow(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    loaded["on"] = loaded.pop(True, loaded.get("on"))
    return loaded


def runs(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job.get("steps", []))


def uses(job: dict[str, Any]) -> list[str]:
    return [str(step["uses"]) for step in job.get("steps", []) if "uses" in step]


# -- the version and the changelog ------------------------------------------------------------


def test_the_version_is_0_2_0_with_a_dated_changelog_section_under_an_empty_unreleased() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d\d-\d\d))?$", changelog, re.MULTILINE)

    assert __version__ == "0.2.0"
    assert sections[:3] == [("Unreleased", ""), ("0.2.0", "2026-12-04"), ("0.1.0", "")]
    unreleased = changelog.split("## [Unreleased]\n", 1)[1].split("## [0.2.0]", 1)[0]
    assert unreleased.strip() == ""
    release = changelog.split("## [0.2.0] - 2026-12-04\n", 1)[1].split("## [0.1.0]", 1)[0]
    assert "### Upgrade notes" in release and "docs/upgrading.md" in release


def test_the_upgrading_page_backs_each_claim_with_a_test_that_exists() -> None:
    page = (ROOT / "docs" / "upgrading.md").read_text(encoding="utf-8")
    cited = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", page)

    assert page.startswith("# Upgrading\n")
    assert "## From 0.1.0 to 0.2.0" in page and "keep working" in page
    assert ("tests/test_state_compat.py", "test_a_preview_of_0_1_0_state_shows_no_change") \
        in cited
    missing = [f"{path}::{name}" for path, name in cited
               if not re.search(rf"^def {name}\(", (ROOT / path).read_text(encoding="utf-8"),
                                re.MULTILINE)]
    assert len(cited) >= 10 and missing == []


# -- what CI runs ---------------------------------------------------------------------------------


def test_ci_builds_checks_and_runs_the_wheel_before_the_tests() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    order = [script.index(step) for step in (
        "ruff check .", "python -m build", "twine check --strict dist/*",
        'python3 -m venv "$wheel_venv"', '"$wheel_venv/bin/python" -m pip install --quiet '
        "dist/*.whl", "/bin/plivo-media\" --version", "\npytest\n", "faketime '+365 days' pytest",
    )]

    assert order == sorted(order)  # the tests last, so their summary closes the output
    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    test_extra = project.split("test = [", 1)[1].split("]", 1)[0]
    for package in ("build", "twine", "xmlschema"):
        assert f'"{package}' in test_extra, package


@pytest.mark.skipif(shutil.which("bash") is None, reason="checks .ci/run's syntax with bash")
def test_the_ci_script_is_valid_bash() -> None:
    done = subprocess.run(["bash", "-n", str(ROOT / ".ci" / "run")], capture_output=True,
                          text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr


# -- the workflows ----------------------------------------------------------------------------


def test_the_ci_workflow_runs_ci_run_on_pushes_and_pull_requests_within_15_minutes() -> None:
    ci = workflow("ci.yml")
    [job] = ci["jobs"].values()

    assert set(ci["on"]) == {"push", "pull_request", "workflow_call"}
    assert ci["permissions"] == {"contents": "read"}
    assert "bash .ci/run" in runs(job)
    assert "faketime" in runs(job)  # .ci/run is not root there, so it cannot apt-get it
    assert 0 < job["timeout-minutes"] <= 15
    assert "3.10" in job["strategy"]["matrix"]["python-version"]  # requires-python's floor
    assert any(u.startswith("actions/checkout@") for u in uses(job))


def test_the_release_workflow_tests_builds_and_publishes_on_a_version_tag_by_trusted_publishing(
) -> None:
    release = workflow("release.yml")
    jobs = release["jobs"]

    assert release["on"] == {"push": {"tags": ["v*"]}}
    assert release["permissions"] == {"contents": "read"}
    assert jobs["test"]["uses"] == "./.github/workflows/ci.yml"
    assert jobs["build"]["needs"] == "test" and jobs["publish"]["needs"] == "build"
    assert "python -m build" in runs(jobs["build"])
    assert "twine check --strict dist/*" in runs(jobs["build"])
    publish = jobs["publish"]
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    [step] = [s for s in publish["steps"] if "gh-action-pypi-publish" in str(s.get("uses"))]
    assert step["uses"].startswith("pypa/gh-action-pypi-publish@")
    assert "with" not in step  # trusted publishing: no password, no token
    assert "secrets." not in (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    # Only the publish job may mint an OIDC token.
    assert [name for name, job in jobs.items() if "id-token" in job.get("permissions", {})] \
        == ["publish"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="runs the release's step in bash")
@pytest.mark.parametrize(("tag", "passes"), [(f"v{__version__}", True), ("v9.9.9", False),
                                             (__version__, False)])
def test_the_release_refuses_a_tag_that_is_not_the_packages_version(
    tag: str, passes: bool,
) -> None:
    [step] = [s for s in workflow("release.yml")["jobs"]["build"]["steps"]
              if "GITHUB_REF_NAME" in str(s.get("run", ""))]
    python_dir = str(Path(shutil.which("python") or "python").parent)

    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=ROOT, capture_output=True, text=True,
        timeout=60, check=False,
        env={"GITHUB_REF_NAME": tag, "PATH": f"{python_dir}:/usr/bin:/bin"},
    )

    assert (done.returncode == 0) is passes, done.stdout + done.stderr
    if not passes:
        assert f"does not match the package's version {__version__}" in done.stdout
