"""Planning a ``MediaAssets`` set: which files it holds, and every local problem at once.

Contracts:

* Logical names are paths relative to the directory, with ``/`` separators
  (``images/logo.png``), or the keys of the explicit mapping; both are NFC-normalised, so
  macOS and Linux checkouts declare the same children. Links inside the directory are
  followed: a file reached through a linked folder is planned once, under its real path.
* A link whose target lies outside the directory is a problem naming the link and its
  target: a link to a file when the globs select it, a link to a folder always (what it
  holds is never looked at). With ``follow_external_links`` such links are followed, and a
  file outside is named after the link (see :mod:`.walk`). Paths named in ``files=`` are
  the user's own choice and are never refused for being outside.
* Everything that can be checked locally (the directory, every glob, every explicitly
  named file, the config form) is checked, and *all* problems are raised together in one
  :class:`MediaAssetsError`. A file's content (size, type) is left to its ``MediaFile``.
* An empty directory, or an include glob that matches nothing, is an error, never a silent
  empty set.
* Hidden files and folders (a name starting with ``.``) are skipped unless an include glob
  names the dot itself, as ``.well-known/*`` does, or ``include_hidden`` is set. Globs are
  those of :mod:`.globs`.
"""

from __future__ import annotations

import dataclasses
import os
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Union

import pulumi

from ..core.content import has_control_characters
from ..core.schema import INPUTS
from ..errors import MediaAssetsError
from .globs import compile_glob, glob_problem, is_hidden, names_hidden
from .media_file import MediaFileArgs
from .walk import list_files


class DeclarationError(MediaAssetsError, pulumi.RunError):
    """A MediaAssetsError that Pulumi's program runner shows as its message, without a stack.

    The pulumi base lives here, not in errors.py, so the error tree never imports the SDK.
    """


FileSpec = Union[str, "os.PathLike[str]", MediaFileArgs]
"""One entry of ``files=``: a path, or MediaFileArgs for its own file name, type and so on."""

CONFIG_FIELDS = INPUTS
"""The keys a file entry in stack config may set: a MediaFile's inputs, ``path`` first."""
"""Keys a file entry may have in the config form; only ``path`` is required."""

_DEFAULT_INCLUDE = ("**",)
_OUTSIDE = ("MediaAssets does not publish files from outside its directory, so that a link "
            "added to it cannot expose what it points at")


# -- scanning -----------------------------------------------------------------------------------


def _logical_name_problem(logical: str) -> str | None:
    if not logical or not logical.strip():
        return "a logical name must not be empty"
    if "::" in logical:
        return f"logical name {logical!r} contains '::', which Pulumi reserves in URNs"
    if has_control_characters(logical):
        return f"logical name {logical!r} contains control characters"
    return None


def _as_glob_list(value: Any, default: Sequence[str]) -> list[Any]:
    if value is None:
        return list(default)
    if isinstance(value, str) or not isinstance(value, Iterable):
        return [value]  # a lone non-string is reported by glob_problem
    return list(value)


def scan_directory(
    directory: str | os.PathLike[str],
    include: str | Iterable[str] | None = None,
    exclude: str | Iterable[str] | None = None,
    *,
    include_hidden: bool = False,
    follow_external_links: bool = False,
) -> tuple[dict[str, str], list[str]]:
    """Select files below ``directory``: ``(logical name -> path, problems)``.

    Hidden files and folders are skipped unless a glob names the dot or ``include_hidden``.
    A link out of the directory is a problem unless ``follow_external_links``.

    Paths are ``directory`` joined with the relative path, so a relative directory gives
    relative paths (resolved from the working directory, as ``MediaFile`` resolves them).
    Problems are complete sentences; the caller raises them together.
    """
    shown = os.fspath(directory)
    includes = _as_glob_list(include, _DEFAULT_INCLUDE)
    excludes = _as_glob_list(exclude, ())
    problems = [
        f"{kind} {p}" for kind, globs in (("include", includes), ("exclude", excludes))
        for p in map(glob_problem, globs) if p
    ]
    if not includes:
        problems.append("include=[] selects nothing; leave include unset to take every file.")
    root = Path(directory)
    if not root.exists():
        problems.append(
            f"directory {shown!r} does not exist (relative paths are resolved from "
            f"{os.getcwd()}); create it or fix directory=."
        )
    elif not root.is_dir():
        problems.append(
            f"directory {shown!r} is a file, not a folder; pass it in files= instead, or "
            "point directory= at the folder that holds your media."
        )
    if problems:
        return {}, problems

    descend = include_hidden or any(names_hidden(p) for p in includes)
    walked = list_files(root, descend_hidden=descend, follow_external=follow_external_links)
    if walked.problems:
        return {}, walked.problems
    paths = walked.names
    links = [  # never entered, so reported whatever the globs say
        f"{shown}/{relative} links to the folder {target}, outside directory {shown!r}; "
        f"{_OUTSIDE}. Move that folder into the directory, remove the link, or pass "
        "follow_external_links=True to upload what it holds."
        for relative, target in walked.external_folders.items()
    ]
    every = sorted([*paths, *walked.external_files])
    visible = every if include_hidden else [f for f in every if not is_hidden(f)]
    if not visible and include is None:
        hidden_note = (
            f" (it holds only hidden files, such as {every[0]!r}; include them with "
            f"include_hidden=True or a glob that names the dot, like '.well-known/*')"
            if every else ""
        )
        return {}, [*links,
            f"directory {shown!r} holds no files to upload{hidden_note}; put your media files "
            "there, or point directory= at the folder that holds them."
        ]

    selected: set[str] = set()
    everything: list[str] | None = None  # hidden folders too, walked only to explain a miss
    for pattern in includes:
        regex = compile_glob(pattern, allow_hidden=include_hidden)
        matched = {f for f in every if regex.fullmatch(f)}
        if not matched:
            hidden: list[str] = []
            if not include_hidden:
                if everything is None:
                    everything = list(list_files(root, True, follow_external_links).names)
                lenient = compile_glob(pattern, allow_hidden=True)
                hidden = [f for f in everything if lenient.fullmatch(f)]
            note = (
                f"; it would match hidden {hidden[0]!r}, but hidden files are skipped unless the "
                "glob names the dot (like '.well-known/*') or include_hidden=True" if hidden else ""
            )
            problems.append(
                f"include glob {pattern!r} matches no file in directory {shown!r}{note}; fix "
                "the glob (it matches paths relative to the directory, like 'images/*.png' or "
                "'**/*.jpg') or remove it."
            )
        selected |= matched
    if problems:
        return {}, [*links, *problems]

    exclusions = [compile_glob(p, allow_hidden=True) for p in excludes]
    kept = sorted(f for f in selected if not any(rx.fullmatch(f) for rx in exclusions))
    if not kept:
        return {}, [*links,
            f"the exclude globs {excludes!r} remove every one of the {len(selected)} files "
            f"selected in directory {shown!r}; narrow exclude= so something is left to upload."
        ]
    chosen: dict[str, str] = {}
    problems = links
    for logical in kept:
        if logical in walked.external_files:
            problems.append(
                f"{shown}/{logical} links to {walked.external_files[logical]}, outside "
                f"directory {shown!r}; {_OUTSIDE}. Copy the file into the directory, exclude "
                "the link, or pass follow_external_links=True to upload its target."
            )
            continue
        problem = _logical_name_problem(logical)
        if problem:
            problems.append(f"{shown}/{logical}: {problem}; rename the file or exclude it.")
            continue
        chosen[logical] = (root / paths[logical]).as_posix()
    return chosen, problems


def _file_spec_problem(where: str, spec: Any) -> str | None:
    if isinstance(spec, MediaFileArgs):
        path = spec.path
    elif isinstance(spec, (str, os.PathLike)):
        path = os.fspath(spec)
    else:
        return (
            f"{where} must be a path or MediaFileArgs, got {type(spec).__name__} {spec!r}."
        )
    if not isinstance(path, (str, os.PathLike)):
        return None  # an Output: only the child's check can see the file
    shown = os.fspath(path)
    if not shown.strip():
        return f"{where}: path is empty; name the file to upload."
    if not os.path.lexists(shown):
        return (
            f"{where}: {shown!r}: no such file; check the path (relative paths are resolved "
            f"from {os.getcwd()})."
        )
    if os.path.isdir(shown):
        return (
            f"{where}: {shown!r} is a directory; a files= entry names one file, so use "
            "directory= for a folder."
        )
    return None


def plan_assets(
    label: str,
    directory: str | os.PathLike[str] | None = None,
    include: str | Iterable[str] | None = None,
    exclude: str | Iterable[str] | None = None,
    files: Mapping[str, FileSpec] | None = None,
    *,
    reupload_after: str | None = None,
    include_hidden: bool = False,
    follow_external_links: bool = False,
    problems: Sequence[str] = (),
) -> dict[str, MediaFileArgs]:
    """The MediaFileArgs of every file in the set, keyed and sorted by logical name.

    An entry in ``files`` replaces the directory's file of the same logical name, which is
    how one file of a folder gets its own ``file_name`` or ``content_type``. ``problems``
    found earlier (the config form) are reported together with this plan's; any problem at
    all raises MediaAssetsError naming ``label``.
    """
    found = list(problems)
    planned: dict[str, MediaFileArgs] = {}
    if directory is None and files is None:
        found.append("give directory= (a folder of media files), files= (logical names to "
                     "paths), or both.")
    if directory is None and (include is not None or exclude is not None):
        found.append("include= and exclude= filter directory=, which is not set; set it.")
    if not isinstance(include_hidden, bool):
        found.append(f"include_hidden must be True or False, got {include_hidden!r}.")
    elif directory is None and include_hidden:
        found.append("include_hidden=True filters directory=, which is not set; set it, or "
                     "leave include_hidden unset for files=.")
    if not isinstance(follow_external_links, bool):
        found.append(f"follow_external_links must be True or False, got "
                     f"{follow_external_links!r}.")
    elif directory is None and follow_external_links:
        found.append("follow_external_links=True is about links in directory=, which is not "
                     "set; set it, or leave follow_external_links unset for files=.")
    if directory is not None:
        chosen, scan_problems = scan_directory(
            directory, include, exclude, include_hidden=include_hidden,
            follow_external_links=follow_external_links is True,
        )
        found.extend(scan_problems)
        planned.update((k, MediaFileArgs(path=v)) for k, v in chosen.items())
    if files is not None and not isinstance(files, Mapping):
        found.append(
            f"files= must map logical names to paths, got {type(files).__name__}; write "
            "files={'logo': 'media/logo.png'}."
        )
    elif files is not None:
        if directory is None and not files:
            found.append("files= is empty; name at least one file to upload.")
        for logical, spec in files.items():
            where = f"files[{logical!r}]"
            if not isinstance(logical, str):
                problem: str | None = f"{where}: a logical name must be a string."
            elif name_problem := _logical_name_problem(logical):
                problem = f"{where}: {name_problem}."
            else:
                problem = _file_spec_problem(where, spec)
            if problem:
                found.append(problem)
                continue
            logical = unicodedata.normalize("NFC", logical)
            if isinstance(spec, MediaFileArgs):
                planned[logical] = dataclasses.replace(spec)
            else:
                planned[logical] = MediaFileArgs(path=Path(spec).as_posix())
    if found:
        raise DeclarationError(label, found)
    if reupload_after is not None:
        for args in planned.values():
            if args.reupload_after is None:
                args.reupload_after = reupload_after
    return dict(sorted(planned.items()))


# -- config form --------------------------------------------------------------------------------


def config_example(full_key: str, indent: str = "") -> str:
    """A ``Pulumi.<stack>.yaml`` fragment declaring ``full_key``, every line after the first
    prefixed with ``indent`` (the caller puts the first line after its own indent)."""
    lines = (
        "config:",
        f"  {full_key}:",
        "    logo: media/logo.png",
        "    menu:",
        "      path: media/menu.pdf",
        "      file_name: menu.pdf",
    )
    return f"\n{indent}".join(lines)


def parse_config_assets(value: Any, full_key: str) -> tuple[dict[str, FileSpec], list[str]]:
    """Read the config form: a mapping of logical names to a path or ``{path, file_name, ...}``.

    Returns the ``files=`` mapping and the problems, each naming its config key.
    """
    example = config_example(full_key, indent="    ")
    if value is None:
        return {}, [
            f"config {full_key} is not set; declare the files in Pulumi.<stack>.yaml, like\n"
            f"    {example}\n  or run: pulumi config set --path 'assets.logo' media/logo.png"
        ]
    if not isinstance(value, dict):
        return {}, [
            f"config {full_key} must be an object mapping logical names to files, got "
            f"{type(value).__name__} {value!r}; write it like\n    {example}"
        ]
    if not value:
        return {}, [f"config {full_key} is empty; name at least one file to upload."]
    files: dict[str, FileSpec] = {}
    problems: list[str] = []
    for logical, entry in value.items():
        where = f"config {full_key}.{logical}"
        if isinstance(entry, str):
            files[logical] = entry
            continue
        if not isinstance(entry, dict):
            problems.append(
                f"{where} must be a path or an object with path (and optionally "
                f"{', '.join(CONFIG_FIELDS[1:])}), got {type(entry).__name__} {entry!r}."
            )
            continue
        unknown = sorted(set(entry) - set(CONFIG_FIELDS))
        bad = [
            f"{where}.{key} must be a string, got {type(entry[key]).__name__} {entry[key]!r}."
            for key in CONFIG_FIELDS
            if key in entry and not isinstance(entry[key], str)
        ]
        if unknown:
            bad.append(
                f"{where} has unknown key{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(map(repr, unknown))}; allowed keys are {', '.join(CONFIG_FIELDS)}."
            )
        if "path" not in entry:
            bad.append(f"{where}.path is required: the local file to upload.")
        if bad:
            problems.extend(bad)
            continue
        files[logical] = MediaFileArgs(**{k: entry[k] for k in CONFIG_FIELDS if k in entry})
    return files, problems
