"""The ``MediaFile`` resource and its typed arguments.

The fields, their docs and what a change does come from :mod:`..core.schema`; this module spells
them out for type checkers and IDEs, and a test holds the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, overload

import pulumi
from pulumi.dynamic import Resource

from ..core.schema import INPUTS, OUTPUTS
from ..provider import MediaFileProvider
from .keywords import KeywordChecked, check_keywords


@dataclass(kw_only=True)
class MediaFileArgs(KeywordChecked):
    """The inputs of a MediaFile. Only ``path`` is required; every field is keyword-only, and
    an unknown one is a TypeError naming it, the closest field and every field.

    :param path: The local file. Relative paths resolve from the program's working directory.
        A symlink counts as the content of its target.
    :param file_name: The name Plivo shows. Defaults to the path's base name. A bare name: no
        `/`, `\\`, control characters; at most 255 bytes. An extension that says another type
        than the content (`logo.jpg` for a PNG) is refused.
    :param content_type: One of `image/jpeg`, `image/png`, `image/gif`, `video/mp4`,
        `application/pdf`, `text/plain`, `text/csv`, `text/vcard`. Detected from the content
        when unset; when set it must agree with the content (any UTF-8 text may be declared as
        any of the text types). Case does not matter; it is stored in lower case.
    :param adopt_media_id: Take over media that already exists in Plivo instead of uploading
        it (see *Adoption* in docs/media-file.md).
    :param reupload_after: A duration such as `"5h"`, `"90m"`, `"1h30m"`, `"2d"`. When the
        media is older than that, the next `pulumi up` replaces it (see *Expiry* in
        docs/media-file.md).
    """

    path: pulumi.Input[str]
    file_name: pulumi.Input[str] | None = None
    content_type: pulumi.Input[str] | None = None
    adopt_media_id: pulumi.Input[str] | None = None
    reupload_after: pulumi.Input[str] | None = None

    def to_props(self) -> dict[str, Any]:
        """The inputs as the provider's properties; unset optional inputs are left out."""
        return {
            f.name: value for f in fields(self) if (value := getattr(self, f.name)) is not None
        }


_ARG_NAMES = tuple(f.name for f in fields(MediaFileArgs))


class MediaFile(Resource, module="plivo", name="MediaFile"):
    """One local file held by Plivo as MMS media, replaced whenever its bytes change.

    Its type token is ``pulumi-python:dynamic/plivo:MediaFile``. Pass either a
    ``MediaFileArgs`` or the same fields as keyword arguments. Misuse (an unknown or
    misspelt keyword, no ``path``, both forms at once) is a TypeError naming the resource.
    """

    @overload
    def __init__(
        self,
        resource_name: str,
        args: MediaFileArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        path: pulumi.Input[str],
        file_name: pulumi.Input[str] | None = None,
        content_type: pulumi.Input[str] | None = None,
        adopt_media_id: pulumi.Input[str] | None = None,
        reupload_after: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    def __init__(
        self,
        resource_name: str,
        args: MediaFileArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        label = f"MediaFile {resource_name!r}"
        if args is None:
            check_keywords(label, kwargs, _ARG_NAMES, also=("opts",))
            if "path" not in kwargs:
                raise TypeError(f"{label} needs path= (the local file).")
            args = MediaFileArgs(**kwargs)
        elif not isinstance(args, MediaFileArgs):
            raise TypeError(f"{label}: args must be MediaFileArgs, got {type(args).__name__}")
        elif kwargs:
            raise TypeError(f"{label}: pass either MediaFileArgs or keyword arguments, not both")
        props = args.to_props()
        # Declared as None so the Output attributes exist before the engine fills them.
        for output in (*INPUTS, *OUTPUTS):
            props.setdefault(output, None)
        super().__init__(MediaFileProvider(), resource_name, props, opts)

    @property
    @pulumi.getter
    def path(self) -> pulumi.Output[str]:
        """The local file, as declared."""
        return pulumi.get(self, "path")  # type: ignore[no-any-return]

    @property
    @pulumi.getter
    def file_name(self) -> pulumi.Output[str]:
        """The name Plivo shows."""
        return pulumi.get(self, "file_name")  # type: ignore[no-any-return]

    @property
    @pulumi.getter
    def content_type(self) -> pulumi.Output[str]:
        """The media's content type, declared or detected."""
        return pulumi.get(self, "content_type")  # type: ignore[no-any-return]

    @property
    @pulumi.getter
    def adopt_media_id(self) -> pulumi.Output[str | None]:
        """The existing media taken over instead of uploading, if any."""
        return pulumi.get(self, "adopt_media_id")  # type: ignore[no-any-return]

    @property
    @pulumi.getter
    def reupload_after(self) -> pulumi.Output[str | None]:
        """The age after which the next `pulumi up` replaces the media, if set."""
        return pulumi.get(self, "reupload_after")  # type: ignore[no-any-return]

    @property
    @pulumi.getter
    def content_sha256(self) -> pulumi.Output[str]:
        """The sha256 of the file's bytes, hex; a new value means new media."""
        return pulumi.get(self, "content_sha256")  # type: ignore[no-any-return]

    @property
    @pulumi.getter
    def size(self) -> pulumi.Output[int]:
        """The file's size in bytes, as Plivo stored it."""
        return pulumi.get(self, "size")  # type: ignore[no-any-return]

    @property
    @pulumi.getter
    def media_id(self) -> pulumi.Output[str]:
        """Plivo's id for the media."""
        return pulumi.get(self, "media_id")  # type: ignore[no-any-return]

    @property
    @pulumi.getter
    def media_url(self) -> pulumi.Output[str]:
        """The public URL Plivo serves the media at; use it in an MMS."""
        return pulumi.get(self, "media_url")  # type: ignore[no-any-return]

    @property
    @pulumi.getter
    def upload_time(self) -> pulumi.Output[str]:
        """When Plivo stored the media: ISO 8601 UTC ending in `Z`."""
        return pulumi.get(self, "upload_time")  # type: ignore[no-any-return]

    @property
    @pulumi.getter
    def expires_at(self) -> pulumi.Output[str]:
        """`upload_time` + 6 h: the earliest time Plivo may delete the media if never sent."""
        return pulumi.get(self, "expires_at")  # type: ignore[no-any-return]

    @property
    @pulumi.getter
    def schema_version(self) -> pulumi.Output[int]:
        """The state version it wrote (see *State compatibility* in docs/reliability.md)."""
        return pulumi.get(self, "schema_version")  # type: ignore[no-any-return]
