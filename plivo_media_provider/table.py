"""The one plain-text table of the command line: drift's report, ls, and the demo's media.

Columns are left-aligned and padded to their widest cell, two spaces apart; trailing spaces
are trimmed, so the last column (a URL, a reason) is never padded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def render(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """``headers`` then one line per row; each cell is ``str()``-ed."""
    cells = [list(map(str, row)) for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip()
        for line in [list(headers), *cells]
    )
