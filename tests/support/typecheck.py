"""Run ``mypy --strict`` on a snippet of user code, as a user's editor or CI would."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def strict_mypy(folder: Path, name: str, source: str) -> tuple[int, str]:
    """Write ``source`` to ``folder/name`` and type-check it strictly: ``(status, report)``.

    Status 0 means clean, 1 type errors. The cache is the checkout's, so the package and
    Pulumi's SDK are analysed once per run of the suite.
    """
    api = pytest.importorskip("mypy.api", reason="mypy is part of the test extra")
    path = folder / name
    path.write_text(source, encoding="utf-8")
    out, _, status = api.run(["--strict", "--cache-dir", str(ROOT / ".mypy_cache"), str(path)])
    return status, out
