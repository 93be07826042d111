"""``python -m plivo_media_provider``: the ``plivo-media`` command, for when the script is
not on PATH (a virtualenv that is not activated, say)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
