"""The import path of the upload protocol since 0.1: ``from plivo_media_provider.reconcile
import upload_once``. The protocol lives in :mod:`.uploads.protocol`; these are its objects."""

from __future__ import annotations

from .uploads.protocol import Uploader, upload_once

__all__ = ["Uploader", "upload_once"]
