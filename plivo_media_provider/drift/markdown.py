"""A drift report as GitHub-flavoured Markdown, for a job summary (``$GITHUB_STEP_SUMMARY``).

A heading with the verdict, one line of counts, then a table of every MediaFile that needs
attention (drift, an error, an expiry warning) with what to do, and the ones in sync folded
away in a ``<details>`` block. A run that ended before any verdict is the heading and its
error. Every cell is escaped, so a name, path or reason holding ``|``, ``<`` or a line break
cannot break the table.
"""

from __future__ import annotations

import html

from .report import DRIFT_STATUSES, EXPIRING, IN_SYNC, DriftReport, ResourceReport, Status
from .report import ERROR as ERROR_STATUS

__all__ = ["render_markdown"]

_MARK = {IN_SYNC: "✅", EXPIRING: "⚠️", ERROR_STATUS: "❗"}
_DRIFT_MARK = "❌"
_VERDICT = {0: "in sync", 2: "DRIFT"}


def _cell(text: object) -> str:
    """Text for a table cell: HTML-escaped, pipes and line breaks made harmless."""
    escaped = html.escape(str(text), quote=False)
    return escaped.replace("|", "&#124;").replace("\r", "").replace("\n", "<br>")


def _code(text: object) -> str:
    return f"<code>{_cell(text)}</code>" if str(text) else ""


def _mark(status: Status) -> str:
    return _DRIFT_MARK if status in DRIFT_STATUSES else _MARK.get(status, "")


def _row(entry: ResourceReport) -> str:
    data = entry.to_json()
    why = [_cell(data["reason"])]
    why += [f"+ <code>{_cell(f.status)}</code>: {_cell(f.reason)}" for f in entry.findings[1:]]
    cells = [_mark(entry.status), _code(data["name"]), _code(data["status"]),
             _code(data["media_id"] or "-"), _code(data["command"]), "<br>".join(why)]
    return "| " + " | ".join(cells) + " |"


def _table(entries: list[ResourceReport]) -> list[str]:
    return ["|  | MediaFile | Status | Media id | Do | Why |",
            "|---|---|---|---|---|---|", *(_row(entry) for entry in entries)]


def render_markdown(report: DriftReport) -> str:
    """``report`` as Markdown, ending in a newline."""
    stack = report.options.stack
    where = f"stack {_code(stack)}" if stack else _cell(report.source or "the state")
    if report.error is not None:
        return (f"### plivo-media drift: could not check {where}\n\n"
                f"**Error** (exit code {int(report.exit_code)}): {_cell(report.error)}\n")
    verdict = _VERDICT.get(int(report.exit_code), "ERRORS")
    counts = ", ".join(f"{n} {status}" for status, n in report.counts.items() if n)
    noun = "resource" if len(report.resources) == 1 else "resources"
    lines = [
        f"### plivo-media drift: {verdict}",
        "",
        f"{len(report.resources)} MediaFile {noun} of {where} checked against "
        f"{_cell(report.api_url or '-')} in {report.elapsed:.1f} s"
        + (f" ({counts})." if counts else "."),
        "",
    ]
    attention = [e for e in report.resources if e.status is not IN_SYNC]
    in_sync = [e for e in report.resources if e.status is IN_SYNC]
    if attention:
        lines += [*_table(attention), ""]
    elif report.resources:
        lines += ["Every MediaFile matches its state and its file.", ""]
    else:
        lines += ["No MediaFile resources in this stack.", ""]
    if in_sync:
        lines += [f"<details><summary>{len(in_sync)} in sync</summary>", "",
                  *_table(in_sync), "", "</details>", ""]
    return "\n".join(lines)
