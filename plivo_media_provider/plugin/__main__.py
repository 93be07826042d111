"""``python -m plivo_media_provider.plugin``: the ``pulumi-resource-plivo`` executable, for
a plugin folder or a virtualenv whose scripts are not on the engine's PATH."""

from __future__ import annotations

import sys

from .main import main

if __name__ == "__main__":
    sys.exit(main())
