"""``MediaAssets``: a declared set of media files, one ``MediaFile`` child per file, and its
typed arguments ``MediaAssetsArgs``.

A set comes from a directory filtered by globs, from an explicit mapping of logical names
to files, or both, or from a stack config object (:meth:`MediaAssets.from_config`). Which
files a set holds, and every problem with it, is planned by :mod:`.plan` before any
child is declared; a child is named ``f"{name}/{logical}"``, so adding or removing a file
never renames another one. A file's content (size, type) is checked by its ``MediaFile``
during preview, and the engine reports every child's check failures in that one preview.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, overload

import pulumi

from .keywords import KeywordChecked, check_keywords
from .media_file import MediaFile
from .plan import DeclarationError, FileSpec, parse_config_assets, plan_assets

__all__ = ["MediaAssets", "MediaAssetsArgs"]

TYPE_TOKEN = "plivo:index:MediaAssets"


@dataclass(kw_only=True)
class MediaAssetsArgs(KeywordChecked):
    """The arguments of a MediaAssets set: ``directory``, ``files``, or both. Every field is
    keyword-only, and an unknown one is a TypeError naming it, the closest field and every
    field.

    :param directory: A folder of media files. Every file below it becomes a child
        `MediaFile` named after its path inside the folder (`images/logo.png`). Relative
        paths resolve from the program's working directory.
    :param include: Globs, one or a list, choosing files of `directory`; by default every
        file. A glob without `/` matches at any depth, a leading `/` anchors it to the
        directory, a trailing `/` takes everything below, `**` spans folders.
    :param exclude: Globs removing files that `include` chose.
    :param files: Logical names mapped to a path, or to `MediaFileArgs` for a file's own
        `file_name`, `content_type` and so on. An entry replaces the directory's file of the
        same logical name.
    :param reupload_after: A duration such as `"5h"`, for every file whose `MediaFileArgs`
        does not set its own (see *Expiry* in docs/media-file.md).
    :param include_hidden: Take hidden files and folders (a name starting with `.`) like any
        other. By default they are skipped unless a glob names the dot itself, as
        `.well-known/*` does.
    :param follow_external_links: Follow symbolic links in `directory` whose target lies
        outside it, and upload what they point at under the link's name. By default such a
        link is a declaration error naming the link and its target, so that a link added to
        the folder (`notes.txt -> ../../.env`) cannot publish a file at a public URL. Links
        within the folder are always followed. Turn this on only for a folder whose links
        you control.
    """

    directory: str | os.PathLike[str] | None = None
    include: str | Sequence[str] | None = None
    exclude: str | Sequence[str] | None = None
    files: Mapping[str, FileSpec] | None = None
    reupload_after: str | None = None
    include_hidden: bool = False
    follow_external_links: bool = False


_ARG_NAMES = tuple(f.name for f in fields(MediaAssetsArgs))
_POSITIONAL_BEFORE_0_2 = ("directory", "include", "exclude", "files", "opts")
"""The order 0.1's ``MediaAssets(name, directory, include, exclude, files, opts)`` took."""


def _arguments(
    label: str, positional: tuple[Any, ...], opts: Any, kwargs: dict[str, Any]
) -> tuple[MediaAssetsArgs, pulumi.ResourceOptions | None]:
    """The Args and options of one ``MediaAssets(...)`` call, in any of its accepted forms.

    Positional arguments other than ``(args, opts)`` are 0.1's order: they still work, with
    a DeprecationWarning. Misuse raises TypeError naming the call, as Python's own would.
    """
    args = kwargs.pop("args", None)
    if positional and isinstance(positional[0], MediaAssetsArgs):
        if args is not None:
            raise TypeError(f"{label}: args given twice")
        args, rest = positional[0], positional[1:]
        if len(rest) > 1:
            raise TypeError(f"{label}: takes (name, args, opts), got {len(positional) + 1} "
                            "positional arguments")
        if rest:
            if opts is not None:
                raise TypeError(f"{label}: opts given twice")
            opts = rest[0]
    elif positional:
        if len(positional) > len(_POSITIONAL_BEFORE_0_2):
            raise TypeError(f"{label}: too many positional arguments ({len(positional) + 1})")
        names = _POSITIONAL_BEFORE_0_2[: len(positional)]
        warnings.warn(
            f"{label}: passing {', '.join(names)} by position is deprecated; pass them by "
            f"keyword ({names[0]}=...) or as MediaAssetsArgs",
            DeprecationWarning,
            stacklevel=3,
        )
        for key, value in zip(names, positional, strict=True):
            if (key == "opts" and opts is not None) or key in kwargs:
                raise TypeError(f"{label}: {key} given twice")
            if key == "opts":
                opts = value
            else:
                kwargs[key] = value
    if args is not None:
        if not isinstance(args, MediaAssetsArgs):
            raise TypeError(f"{label}: args must be MediaAssetsArgs, got {type(args).__name__}")
        if kwargs:
            raise TypeError(f"{label}: pass either MediaAssetsArgs or keyword arguments, not both")
        return args, opts
    check_keywords(label, kwargs, _ARG_NAMES, also=("opts",))
    return MediaAssetsArgs(**kwargs), opts


class MediaAssets(pulumi.ComponentResource):
    """A set of media files held by Plivo, one ``MediaFile`` child per file.

    Pass either a ``MediaAssetsArgs`` or the same fields as keyword arguments; ``opts`` is
    the component's resource options. ``files`` maps each logical name to its MediaFile;
    the outputs ``media_urls`` and ``media_ids`` are dicts keyed by logical name. Its type
    token is ``plivo:index:MediaAssets``.
    """

    files: dict[str, MediaFile]
    media_urls: pulumi.Output[dict[str, str]]
    media_ids: pulumi.Output[dict[str, str]]

    @overload
    def __init__(
        self,
        name: str,
        args: MediaAssetsArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        name: str,
        *,
        directory: str | os.PathLike[str] | None = None,
        include: str | Sequence[str] | None = None,
        exclude: str | Sequence[str] | None = None,
        files: Mapping[str, FileSpec] | None = None,
        reupload_after: str | None = None,
        include_hidden: bool = False,
        follow_external_links: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    def __init__(
        self,
        name: str,
        *positional: Any,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        """Declare the set; raise MediaAssetsError listing every local problem at once."""
        label = f"MediaAssets {name!r}"
        args, opts = _arguments(label, positional, opts, kwargs)
        planned = plan_assets(
            label, args.directory, args.include, args.exclude, args.files,
            reupload_after=args.reupload_after, include_hidden=args.include_hidden,
            follow_external_links=args.follow_external_links,
        )
        super().__init__(TYPE_TOKEN, name, None, opts)
        child_opts = pulumi.ResourceOptions(parent=self)
        self.files = {
            logical: MediaFile(f"{name}/{logical}", file_args, child_opts)
            for logical, file_args in planned.items()
        }
        self.media_urls = pulumi.Output.all(
            **{logical: f.media_url for logical, f in self.files.items()}
        )
        self.media_ids = pulumi.Output.all(
            **{logical: f.media_id for logical, f in self.files.items()}
        )
        self.register_outputs({"media_urls": self.media_urls, "media_ids": self.media_ids})

    @classmethod
    def from_config(
        cls,
        name: str,
        config: pulumi.Config | None = None,
        key: str = "assets",
        opts: pulumi.ResourceOptions | None = None,
    ) -> MediaAssets:
        """Declare the set from the stack config object ``key`` (default ``assets``).

        The object maps logical names to a path or to ``{path, file_name, content_type,
        adopt_media_id, reupload_after}``. Form problems name their config key and are
        reported together with missing files.
        """
        config = config if config is not None else pulumi.Config()
        full_key = config.full_key(key)
        try:
            value = config.get_object(key)
        except pulumi.ConfigTypeError:
            raise DeclarationError(
                f"MediaAssets {name!r}",
                [f"config {full_key} is not valid JSON or YAML structure; set it as an object "
                 "in Pulumi.<stack>.yaml, or with pulumi config set --path."],
            ) from None
        files, problems = parse_config_assets(value, full_key)
        if not files:
            raise DeclarationError(f"MediaAssets {name!r}", problems)
        # The files are checked now too, so one error lists form and file problems alike.
        plan_assets(f"MediaAssets {name!r}", files=files, problems=problems)
        return cls(name, MediaAssetsArgs(files=files), opts)
