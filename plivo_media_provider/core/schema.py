"""The one field schema of a ``MediaFile``: every property, what sets it, what a change does.

Everything that lists a MediaFile's properties derives the list from :data:`FIELDS`: the
provider's replace and update sets and its echoed inputs, the resource's declared outputs,
drift's projection of state, and (held equal by a test) the ``MediaFileArgs`` fields, the
resource's documented getters and the tables of ``docs/media-file.md``. A property is added
here first.

This module imports nothing from the package, so any layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Source = Literal["user", "check", "plivo", "provider"]
"""Who sets a property: the program (an input), ``check`` (derived from the local file),
Plivo (read back after an upload and on refresh), or the provider itself (about the state)."""

OnChange = Literal["replace", "update", "none"]
"""What a changed value makes ``diff`` plan: new media, a state-only update, or nothing."""


@dataclass(frozen=True)
class Field:
    """One property of a MediaFile."""

    name: str
    type_: Literal["str", "int"]
    source: Source
    description: str
    required: bool = False
    on_change: OnChange = "none"
    also_from_plivo: bool = False
    """A ``check`` value that Plivo's answer overwrites (the size it stored)."""
    defaulted: bool = False
    """An optional input that ``check`` fills when the program leaves it out, so every
    resource's outputs hold it."""

    @property
    def always_set(self) -> bool:
        """Whether every created resource's outputs hold this property."""
        return self.required or self.defaulted or self.source != "user"


FIELDS: tuple[Field, ...] = (
    Field("path", "str", "user", required=True, description=(
        "The local file. Relative paths resolve from the program's working directory. "
        "A symlink counts as the content of its target.")),
    Field("file_name", "str", "user", on_change="replace", defaulted=True, description=(
        "The name Plivo shows. Defaults to the path's base name. A bare name: no `/`, `\\`, "
        "control characters; at most 255 bytes. An extension that says another type than the "
        "content (`logo.jpg` for a PNG) is refused.")),
    Field("content_type", "str", "user", on_change="replace", defaulted=True, description=(
        "One of `image/jpeg`, `image/png`, `image/gif`, `video/mp4`, `application/pdf`, "
        "`text/plain`, `text/csv`, `text/vcard`. Detected from the content when unset; when "
        "set it must agree with the content (any UTF-8 text may be declared as any of the "
        "text types). Case does not matter; it is stored in lower case.")),
    Field("adopt_media_id", "str", "user", on_change="replace", description=(
        "Take over media that already exists in Plivo instead of uploading it (see "
        "*Adoption* in docs/media-file.md).")),
    Field("reupload_after", "str", "user", on_change="update", description=(
        "A duration such as `\"5h\"`, `\"90m\"`, `\"1h30m\"`, `\"2d\"`. When the media is "
        "older than that, the next `pulumi up` replaces it (see *Expiry* in "
        "docs/media-file.md).")),
    Field("content_sha256", "str", "check", on_change="replace", description=(
        "The sha256 of the file's bytes, hex; a new value means new media.")),
    Field("size", "int", "check", also_from_plivo=True, description=(
        "The file's size in bytes, as Plivo stored it.")),
    Field("media_id", "str", "plivo", description="Plivo's id for the media."),
    Field("media_url", "str", "plivo", description=(
        "The public URL Plivo serves the media at; use it in an MMS.")),
    Field("upload_time", "str", "plivo", description=(
        "When Plivo stored the media: ISO 8601 UTC ending in `Z`.")),
    Field("expires_at", "str", "plivo", description=(
        "`upload_time` + 6 h: the earliest time Plivo may delete the media if it is never "
        "sent in an MMS.")),
    Field("schema_version", "int", "provider", description=(
        "The version of the state this provider wrote (see *State compatibility* in "
        "docs/reliability.md).")),
)

BY_NAME: dict[str, Field] = {field.name: field for field in FIELDS}

INPUTS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.source == "user")
"""What a program declares."""

DERIVED: tuple[str, ...] = tuple(f.name for f in FIELDS if f.source == "check")
"""What ``check`` adds to the inputs from the local file."""

LIVE_OUTPUTS: tuple[str, ...] = tuple(
    f.name for f in FIELDS if f.source == "plivo" or f.also_from_plivo
)
"""What Plivo's answer sets: after create and on every refresh."""

OUTPUTS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.source != "user")
"""What state holds beyond the inputs."""

REPLACE_ON: tuple[str, ...] = tuple(f.name for f in FIELDS if f.on_change == "replace")
"""Properties whose change needs new media: Plivo media is immutable."""

UPDATE_ON: tuple[str, ...] = tuple(f.name for f in FIELDS if f.on_change == "update")
"""Properties whose change only rewrites state. ``path`` is in neither: moving a file with
the same bytes is no change at all."""

SCHEMA_KEY = "schema_version"
STATE_SCHEMA_VERSION = 1
"""The version of the state the core writes, in every resource's outputs.

Version 0 is state written by 0.1.0, which has no ``schema_version``; its fields are those
of version 1. A version that changes what a recorded field means bumps this number, and
keeps reading every older version. ``diff`` never compares it, so a new version causes no
change by itself; ``read`` and ``update`` record the current one."""
