"""The ``plivo-media`` command line: :func:`main` dispatches to one module per subcommand."""

from __future__ import annotations

from .dispatch import build_parser, main

__all__ = ["build_parser", "main"]
