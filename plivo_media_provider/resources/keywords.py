"""Keyword arguments checked by name: an unknown one is a TypeError of one line.

Python's own message (``__init__() got an unexpected keyword argument 'pth'``) names neither
the resource nor what was meant. :func:`check_keywords` names the call (``MediaFile
'logo'``), each unknown argument with the closest valid one, and every valid one; the
resources and their Args classes (through :class:`KeywordChecked`) all raise it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import Any, TypeVar

__all__ = ["KeywordChecked", "check_keywords"]

_T = TypeVar("_T")


def _listed(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def check_keywords(
    label: str, given: Iterable[str], valid: Sequence[str], *, also: Sequence[str] = ()
) -> None:
    """Raise TypeError if ``given`` holds a name not in ``valid`` (or ``also``).

    The message starts with ``label`` (the call, such as ``MediaFile 'logo'``), names each
    unknown argument with the closest valid one when one is close (``'pth' (did you mean
    path?)``), then lists ``valid`` and ``also``: the arguments the call takes.
    """
    accepted = [*valid, *also]
    unknown = sorted(set(given) - set(accepted))
    if not unknown:
        return
    named = []
    for name in unknown:
        close = difflib.get_close_matches(name, accepted, n=1, cutoff=0.6)
        named.append(f"{name!r} (did you mean {close[0]}?)" if close else repr(name))
    plural = "s" if len(unknown) > 1 else ""
    raise TypeError(
        f"{label}: unknown argument{plural} {', '.join(named)}; the arguments are "
        f"{_listed(accepted)}"
    )


class KeywordChecked:
    """A base for keyword-only dataclasses: an unknown keyword raises :func:`check_keywords`'
    TypeError, labelled with the class's name, before the dataclass's ``__init__`` runs.

    The check is in ``__new__`` so that type checkers keep reading the dataclass's own
    ``__init__`` signature, where a misspelt keyword is a type error too.
    """

    def __new__(cls: type[_T], *args: Any, **kwargs: Any) -> _T:
        check_keywords(cls.__name__, kwargs, [f.name for f in fields(cls)])  # type: ignore[arg-type]
        return object.__new__(cls)
