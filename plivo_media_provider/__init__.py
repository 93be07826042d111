"""Plivo MMS media as Pulumi infrastructure, diffed by content hash."""

__version__ = "0.1.0"

from .assets import MediaAssets, MediaAssetsError
from .client import Media, MediaClient, MediaPage, UploadFile
from .errors import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    ContentError,
    InvalidRequest,
    MediaNotFound,
    PlivoMediaError,
    RateLimited,
    ReconciliationError,
    ServerError,
    TransportError,
    UploadOutcomeUnknown,
)
from .resources import MediaFile, MediaFileArgs
from .settings import Settings, resolve_settings

__all__ = [
    "APIError",
    "AuthenticationError",
    "ConfigurationError",
    "ContentError",
    "InvalidRequest",
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
    "TransportError",
    "UploadFile",
    "UploadOutcomeUnknown",
    "__version__",
    "resolve_settings",
]
