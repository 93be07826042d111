"""Listing the files below a folder under stable logical names, links followed.

Contracts of :func:`list_files`:

* A file is listed once, however many links lead to it. Inside the folder its name is its
  real path relative to the folder, so ``media/latest -> photos`` adds no second name for
  ``photos/a.png``. A file a link reaches outside the folder is named after the link; if
  several links reach it, the first name in sort order wins. The result never depends on
  the order the file system lists entries in.
* Names use ``/`` and are NFC-normalised, so a checkout made on macOS (which may store
  decomposed names) and one made on Linux give the same names; the path to open keeps the
  bytes the file system holds.
* A folder link back into its own ancestry (a cycle) is not entered again.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path


def logical_name(relative: str) -> str:
    """``relative`` with ``/`` separators, NFC-normalised: the name globs are matched on."""
    return unicodedata.normalize("NFC", Path(relative).as_posix())


def list_files(root: Path, descend_hidden: bool) -> tuple[dict[str, str], list[str]]:
    """``(logical name -> path relative to root, problems)`` for every file below ``root``.

    Hidden folders (a name starting with ``.``) are entered only when ``descend_hidden``, so
    a stray ``.git`` costs nothing. A problem is reported when two different files have
    names that differ only in Unicode normalisation.
    """
    real_root = os.path.realpath(root)
    by_real: dict[str, str] = {}  # the real file -> the walked relative path that names it
    ancestry: dict[str, frozenset[str]] = {}
    for current, dirnames, filenames in os.walk(root, followlinks=True):
        real = os.path.realpath(current)
        above = ancestry.pop(current, frozenset()) | {real}
        kept = []
        for name in sorted(dirnames):
            child = os.path.join(current, name)
            if (descend_hidden or not name.startswith(".")) and (
                os.path.realpath(child) not in above
            ):
                kept.append(name)
                ancestry[child] = above
        dirnames[:] = kept
        base = os.path.relpath(current, root)
        for name in filenames:
            walked = name if base == "." else os.path.join(base, name)
            target = os.path.realpath(os.path.join(root, walked))
            if os.path.commonpath([real_root, target]) == real_root and os.path.exists(target):
                relative = os.path.relpath(target, real_root)
            else:
                relative = walked  # outside the folder, or a dangling link: the link's name
            if target not in by_real or _sort_key(relative) < _sort_key(by_real[target]):
                by_real[target] = relative
    names: dict[str, str] = {}
    problems: list[str] = []
    for relative in sorted(by_real.values(), key=_sort_key):
        name = logical_name(relative)
        if name in names:
            problems.append(
                f"{names[name]!r} and {relative!r} are different files whose names differ only "
                "in Unicode normalisation; rename one of them."
            )
            continue
        names[name] = Path(relative).as_posix()
    return dict(sorted(names.items())), problems


def _sort_key(relative: str) -> tuple[str, str]:
    return logical_name(relative), relative
