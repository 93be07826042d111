"""The ``MediaFile`` resource and its typed arguments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from .provider import MediaFileProvider


@dataclass
class MediaFileArgs:
    """Inputs of a MediaFile. Only ``path`` is required.

    ``file_name`` defaults to the path's base name; ``content_type`` is detected from the
    content when unset; ``adopt_media_id`` takes over existing media with the same bytes
    instead of uploading; ``reupload_after`` (such as ``"5h"``) replaces media older than
    that on the next ``pulumi up``.
    """

    path: pulumi.Input[str]
    file_name: pulumi.Input[str] | None = None
    content_type: pulumi.Input[str] | None = None
    adopt_media_id: pulumi.Input[str] | None = None
    reupload_after: pulumi.Input[str] | None = None

    def to_props(self) -> dict[str, Any]:
        props: dict[str, Any] = {"path": self.path}
        for key in ("file_name", "content_type", "adopt_media_id", "reupload_after"):
            value = getattr(self, key)
            if value is not None:
                props[key] = value
        return props


class MediaFile(Resource, module="plivo", name="MediaFile"):
    """One local file held by Plivo as MMS media, replaced whenever its bytes change.

    Its type token is ``pulumi-python:dynamic/plivo:MediaFile``.
    """

    path: pulumi.Output[str]
    file_name: pulumi.Output[str]
    content_type: pulumi.Output[str]
    adopt_media_id: pulumi.Output[str | None]
    reupload_after: pulumi.Output[str | None]
    media_id: pulumi.Output[str]
    media_url: pulumi.Output[str]
    size: pulumi.Output[int]
    upload_time: pulumi.Output[str]
    content_sha256: pulumi.Output[str]
    expires_at: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: MediaFileArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        if args is None:
            if "path" not in kwargs:
                raise TypeError(f"MediaFile {resource_name!r} needs path= (the local file).")
            args = MediaFileArgs(**kwargs)
        elif kwargs:
            raise TypeError("pass either MediaFileArgs or keyword arguments, not both")
        props = args.to_props()
        # Declared as None so the Output attributes exist before the engine fills them.
        for output in (
            "adopt_media_id", "reupload_after", "file_name", "content_type", "media_id",
            "media_url", "size", "upload_time", "content_sha256", "expires_at",
        ):
            props.setdefault(output, None)
        super().__init__(MediaFileProvider(), resource_name, props, opts)
