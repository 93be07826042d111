"""Plivo MMS media as Pulumi infrastructure, diffed by content hash.

What a Pulumi program needs is here: the resources, their Args, and the error tree. The
HTTP layer is a library API of its own, imported from its modules:
``plivo_media_provider.client`` (``MediaClient``, ``Media``, ``MediaPage``, ``UploadFile``),
``plivo_media_provider.settings`` (``Settings``, ``resolve_settings``) and
``plivo_media_provider.reconcile`` (``Uploader``, ``upload_once``). The test kit is
``plivo_media_provider.testing``.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

from ._version import __version__
from .errors import (
    APIError,
    AuthenticationError,
    Cancelled,
    ConfigurationError,
    ContentError,
    GoneUnproven,
    InvalidRequest,
    KitRunError,
    MediaAssetsError,
    MediaNotFound,
    PlivoMediaError,
    RateLimited,
    ReconciliationError,
    ServerError,
    StackExportError,
    TransportError,
    UnexpectedResponse,
    UploadOutcomeUnknown,
    UploadPartlyRefused,
)
from .resources.assets import MediaAssets, MediaAssetsArgs
from .resources.media_file import MediaFile, MediaFileArgs

_MOVED = {
    "Media": "client",
    "MediaClient": "client",
    "MediaPage": "client",
    "UploadFile": "client",
    "Settings": "settings",
    "resolve_settings": "settings",
}
"""Names 0.1.0 exported here that now live only in their modules; kept as aliases."""


def __getattr__(name: str) -> Any:
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(
        f"plivo_media_provider.{name} is deprecated: import it from "
        f"plivo_media_provider.{module}",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(importlib.import_module(f".{module}", __name__), name)


__all__ = [
    "APIError",
    "AuthenticationError",
    "Cancelled",
    "ConfigurationError",
    "ContentError",
    "GoneUnproven",
    "InvalidRequest",
    "KitRunError",
    "MediaAssets",
    "MediaAssetsArgs",
    "MediaAssetsError",
    "MediaFile",
    "MediaFileArgs",
    "MediaNotFound",
    "PlivoMediaError",
    "RateLimited",
    "ReconciliationError",
    "ServerError",
    "StackExportError",
    "TransportError",
    "UnexpectedResponse",
    "UploadOutcomeUnknown",
    "UploadPartlyRefused",
    "__version__",
]
