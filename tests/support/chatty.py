"""A dynamic provider that prints a lot to stdout, as some SDKs do (plivo prints every upload)."""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CreateResult, ResourceProvider

LINES = 5000
"""About 400 KB per create: several times a pipe's buffer."""


class ChattyProvider(ResourceProvider):
    """Create prints ``LINES`` lines, then succeeds."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        for n in range(LINES):
            print(f"chatty line {n:05d} " + "x" * 60)
        return CreateResult("chatty-1", props)
