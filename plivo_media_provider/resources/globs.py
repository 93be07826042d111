"""The glob language of ``MediaAssets``' ``include=`` and ``exclude=``.

Globs match paths relative to the directory, with ``/`` separators. ``*`` and ``?`` stay
within one path segment, ``**`` spans any number of segments, ``[abc]`` is a character
class. A glob without ``/`` matches at any depth (``*.png`` is ``**/*.png``); a leading ``/``
anchors it at the directory; a trailing ``/`` takes everything below (``drafts/`` is
``drafts/**``). Unless ``allow_hidden``, a wildcard never matches a name starting with ``.``:
only a segment that starts with the dot itself (``.well-known/*``) reaches hidden names.
"""

from __future__ import annotations

import re
from typing import Any


def _segment_regex(segment: str, allow_hidden: bool) -> str:
    out: list[str] = []
    i = 0
    while i < len(segment):
        ch = segment[i]
        if ch == "*":
            while i + 1 < len(segment) and segment[i + 1] == "*":
                i += 1
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = segment.find("]", i + 2 if segment[i + 1 : i + 2] in ("!", "^") else i + 1)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = segment[i + 1 : end]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    # A segment that does not start with a literal dot never matches a hidden name.
    guard = "" if allow_hidden or segment.startswith(".") else r"(?!\.)"
    return guard + "".join(out)


def glob_problem(pattern: Any) -> str | None:
    """Why ``pattern`` is not a usable glob, or None."""
    if not isinstance(pattern, str) or not pattern.strip():
        return f"glob {pattern!r} must be a non-empty string, such as '*.png' or 'images/**'."
    if "\\" in pattern:
        return f"glob {pattern!r} contains '\\'; separate folders with '/'."
    if any(part in (".", "..") for part in pattern.strip().strip("/").split("/")):
        return (
            f"glob {pattern!r} contains '.' or '..'; globs match paths inside the directory, "
            "so write them relative to it."
        )
    return None


def compile_glob(pattern: str, *, allow_hidden: bool = False) -> re.Pattern[str]:
    """The regex that fully matches the relative paths ``pattern`` selects (see the module)."""
    text = pattern.strip()
    anchored = text.startswith("/")
    text = text.strip("/") + ("/**" if text.endswith("/") else "")
    if not anchored and "/" not in text:
        text = "**/" + text
    any_segment = "[^/]+" if allow_hidden else r"(?!\.)[^/]+"
    segments = text.split("/")
    parts: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            parts.append(f"{any_segment}(?:/{any_segment})*" if last else f"(?:{any_segment}/)*")
        else:
            parts.append(_segment_regex(segment, allow_hidden) + ("" if last else "/"))
    return re.compile("".join(parts))


def names_hidden(pattern: str) -> bool:
    """True if a segment of ``pattern`` starts with a dot, so it can reach hidden names."""
    return any(part.startswith(".") for part in pattern.strip().strip("/").split("/"))


def is_hidden(relative: str) -> bool:
    """True if any segment of the relative path ``relative`` is a hidden name."""
    return any(part.startswith(".") for part in relative.split("/"))
