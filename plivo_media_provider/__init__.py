"""Plivo MMS media as Pulumi infrastructure, diffed by content hash."""

from ._version import __version__
from .assets import MediaAssets
from .client import Media, MediaClient, MediaPage, UploadFile
from .errors import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    ContentError,
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
from .reconcile import Uploader, upload_once
from .resources import MediaFile, MediaFileArgs
from .settings import Settings, resolve_settings

__all__ = [
    "APIError",
    "AuthenticationError",
    "ConfigurationError",
    "ContentError",
    "InvalidRequest",
    "KitRunError",
    "Media",
    "MediaAssets",
    "MediaAssetsError",
    "MediaClient",
    "MediaFile",
    "MediaFileArgs",
    "MediaNotFound",
    "MediaPage",
    "PlivoMediaError",
    "RateLimited",
    "ReconciliationError",
    "ServerError",
    "Settings",
    "StackExportError",
    "TransportError",
    "UnexpectedResponse",
    "UploadFile",
    "UploadOutcomeUnknown",
    "UploadPartlyRefused",
    "Uploader",
    "__version__",
    "resolve_settings",
    "upload_once",
]
