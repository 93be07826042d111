"""The plain values the core takes and gives: unknowns, check failures, and results.

A face (the dynamic provider, the plugin) translates its engine's values to these and back;
nothing here knows how Pulumi represents them. Property mappings use the schema's field
names (``file_name``, ``content_sha256``...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final


class Unknown:
    """A value the engine does not know yet: an input computed by another resource, during
    a preview. There is one instance, :data:`UNKNOWN`."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = Unknown()


def is_unknown(value: Any) -> bool:
    """True for :data:`UNKNOWN`."""
    return value is UNKNOWN


@dataclass(frozen=True)
class Failure:
    """An input the core refuses: the property at fault and why, in one sentence."""

    property_: str
    reason: str


@dataclass(frozen=True)
class Checked:
    """What ``check`` makes of a program's inputs.

    ``inputs`` are the checked inputs, derived values added (or :data:`UNKNOWN`);
    ``failures`` refuse the resource; ``warnings`` are one line each, for the engine's log:
    valid inputs that cannot work as meant.
    """

    inputs: dict[str, Any]
    failures: list[Failure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Planned:
    """What ``diff`` plans: ``replaces`` need new media, ``updates`` only rewrite state.
    ``changes`` is False only when the resource stays exactly as it is."""

    changes: bool
    replaces: list[str]
    updates: list[str]


@dataclass(frozen=True)
class Stored:
    """A MediaFile that Plivo holds: its media id and every output of its state.

    ``inputs`` are set only when they come from Plivo rather than the program (an import):
    the inputs to declare the resource with. ``warnings`` are one line each, for the log.
    """

    id_: str
    outputs: dict[str, Any]
    inputs: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportId:
    """What ``pulumi import plivo:index:MediaFile NAME ID`` names: Plivo's media id, and
    optionally the local file that holds the media's bytes.

    Written ``<media_id>`` or ``<media_id>:<path>``, and split at the first colon: Plivo's
    media ids never hold one, a path may (``C:\\media\\logo.png``). Only the media id is
    the resource's id in state; the path becomes the ``path`` input.
    """

    media_id: str
    path: str | None = None

    SEPARATOR = ":"

    @classmethod
    def parse(cls, text: str) -> ImportId:
        """The import id ``text``; ValueError, one line saying what to write, if malformed."""
        media_id, separator, path = text.strip().partition(cls.SEPARATOR)
        media_id = media_id.strip()
        if not media_id or (separator and not path.strip()):
            raise ValueError(
                f"import id {text!r} is malformed: write the media id (`plivo-media ls` lists "
                f"them), or <media_id>{cls.SEPARATOR}<path> to name the local file that holds "
                "its bytes."
            )
        return cls(media_id, path if separator else None)

    def __str__(self) -> str:
        return self.media_id if self.path is None else f"{self.media_id}{self.SEPARATOR}{self.path}"
