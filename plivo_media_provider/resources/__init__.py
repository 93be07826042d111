"""What a Python program declares: ``MediaFile`` and ``MediaAssets``, with their Args."""

from __future__ import annotations

from .assets import MediaAssets, MediaAssetsArgs
from .media_file import MediaFile, MediaFileArgs

__all__ = ["MediaAssets", "MediaAssetsArgs", "MediaFile", "MediaFileArgs"]
