"""Listing the files below a folder under stable logical names, links inside it followed.

Contracts of :func:`list_files`:

* A file is listed once, however many links lead to it. Inside the folder its name is its
  real path relative to the folder, so ``media/latest -> photos`` adds no second name for
  ``photos/a.png``. The result never depends on the order the file system lists entries in.
* A link whose target lies outside the folder is not followed: nothing outside the folder
  is listed unless the caller asks (``follow_external``), because a link added to a folder
  (``notes.txt -> ../../.env``) would otherwise publish what it points at. Such links are
  reported, each with its target: a link to a file in ``external_files`` (by the name it
  would have), a link to a folder in ``external_folders`` (never entered). Followed, a file
  outside is named after the link, and if several links reach it the first name in sort
  order wins.
* Names use ``/`` and are NFC-normalised, so a checkout made on macOS (which may store
  decomposed names) and one made on Linux give the same names; the path to open keeps the
  bytes the file system holds.
* A folder link back into its own ancestry (a cycle) is not entered again.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path


def logical_name(relative: str) -> str:
    """``relative`` with ``/`` separators, NFC-normalised: the name globs are matched on."""
    return unicodedata.normalize("NFC", Path(relative).as_posix())


@dataclass
class Walked:
    """What :func:`list_files` found below a folder."""

    names: dict[str, str] = field(default_factory=dict)
    """Logical name to the path relative to the folder, for every file listed."""
    problems: list[str] = field(default_factory=list)
    external_files: dict[str, str] = field(default_factory=dict)
    """Logical name of a link to a file outside the folder, to its target (not listed)."""
    external_folders: dict[str, str] = field(default_factory=dict)
    """Relative path of a link to a folder outside the folder, to its target (not entered)."""


def _inside(real_root: str, target: str) -> bool:
    return os.path.commonpath([real_root, target]) == real_root


def list_files(root: Path, descend_hidden: bool, follow_external: bool = False) -> Walked:
    """Every file below ``root`` (see the module), and the links out of it.

    Hidden folders (a name starting with ``.``) are entered only when ``descend_hidden``, so
    a stray ``.git`` costs nothing. A problem is reported when two different files have
    names that differ only in Unicode normalisation.
    """
    real_root = os.path.realpath(root)
    walked = Walked()
    by_real: dict[str, str] = {}  # the real file -> the walked relative path that names it
    ancestry: dict[str, frozenset[str]] = {}
    for current, dirnames, filenames in os.walk(root, followlinks=True):
        real = os.path.realpath(current)
        above = ancestry.pop(current, frozenset()) | {real}
        base = os.path.relpath(current, root)
        kept = []
        for name in sorted(dirnames):
            child = os.path.join(current, name)
            target = os.path.realpath(child)
            if not (descend_hidden or not name.startswith(".")) or target in above:
                continue
            if not follow_external and not _inside(real_root, target):
                relative = name if base == "." else os.path.join(base, name)
                walked.external_folders[Path(relative).as_posix()] = target
                continue
            kept.append(name)
            ancestry[child] = above
        dirnames[:] = kept
        for name in filenames:
            relative = name if base == "." else os.path.join(base, name)
            target = os.path.realpath(os.path.join(root, relative))
            if _inside(real_root, target) and os.path.exists(target):
                named = os.path.relpath(target, real_root)
            elif follow_external or _inside(real_root, target):
                named = relative  # outside the folder, or a dangling link: the link's name
            else:
                walked.external_files[logical_name(relative)] = target
                continue
            if target not in by_real or _sort_key(named) < _sort_key(by_real[target]):
                by_real[target] = named
    for relative in sorted(by_real.values(), key=_sort_key):
        name = logical_name(relative)
        if name in walked.names:
            walked.problems.append(
                f"{walked.names[name]!r} and {relative!r} are different files whose names "
                "differ only in Unicode normalisation; rename one of them."
            )
            continue
        walked.names[name] = Path(relative).as_posix()
    walked.names = dict(sorted(walked.names.items()))
    return walked


def _sort_key(relative: str) -> tuple[str, str]:
    return logical_name(relative), relative
