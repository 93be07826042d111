"""The import path of the HTTP client since 0.1: ``from plivo_media_provider.client import
MediaClient, UploadFile``. The client lives in :mod:`.api.client`; these are its objects."""

from __future__ import annotations

from .api.client import (
    MAX_ANSWER_BYTES,
    MAX_PAGE_SIZE,
    RETRY_AFTER_MAX,
    Media,
    MediaClient,
    MediaPage,
    UploadFile,
    format_time,
    parse_upload_time,
)

__all__ = [
    "MAX_ANSWER_BYTES",
    "MAX_PAGE_SIZE",
    "RETRY_AFTER_MAX",
    "Media",
    "MediaClient",
    "MediaPage",
    "UploadFile",
    "format_time",
    "parse_upload_time",
]
