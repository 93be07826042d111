"""The benchmark's media: valid PNGs of exact sizes, random bulk, written once per run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plivo_media_provider.core.content import MAX_FILE_BYTES
from tests.support import files

SMALL_BYTES = 100_000
LARGE_BYTES = MAX_FILE_BYTES - 4096
"""Just under Plivo's limit of 2 MiB (2,097,152 bytes), so the client sends the largest body
it ever will."""

LARGE_EVERY = 10
"""One large file per this many assets: the default 200 assets are 180 small and 20 large."""


@dataclass(frozen=True)
class Asset:
    """One file the benchmark manages: its resource name, absolute path and size."""

    name: str
    path: str
    size: int


def split(assets: int) -> tuple[int, int]:
    """(small, large) counts for ``assets`` files: one large file in ten."""
    large = round(assets / LARGE_EVERY)
    return assets - large, large


def generate(
    folder: Path, assets: int, small_bytes: int = SMALL_BYTES, large_bytes: int = LARGE_BYTES
) -> list[Asset]:
    """Write ``assets`` random PNGs under ``folder`` (deterministic seeds, distinct content)."""
    small, _large = split(assets)
    made = []
    for index in range(assets):
        size = large_bytes if index >= small else small_bytes
        kind = "large" if index >= small else "small"
        name = f"{kind}-{index:04d}"
        path = files.random_png(folder / f"{name}.png", size, seed=index + 1)
        made.append(Asset(name, str(path.resolve()), size))
    return made
