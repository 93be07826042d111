"""What ``plivo-media drift`` reports: statuses, findings, the JSON document, the table.

The checks that produce a report are in :mod:`.check`; the report's other formats, for CI
tools, in :mod:`.junit` (JUnit XML) and :mod:`.markdown` (a job summary).

JSON schema ``plivo-media-drift/1``
-----------------------------------
Stable: fields may be added within ``/1``; none is removed or changes meaning. ::

    {
      "schema": "plivo-media-drift/1",
      "generated_at": "2025-01-01T12:00:00.000000Z",   # the checker's clock, UTC
      "source": "stack dev" | "file state.json" | "stdin" | null,   # null: usage error
      "stack": "dev" | null,
      "api_url": "https://api.plivo.com",      # null if settings could not be resolved
      "options": {"root": "/abs/dir", "warn_within_seconds": 3600,
                  "verify_content": false, "parallel": 8} | null,      # null: usage error
      "summary": {
        "total": 3,                         # MediaFile resources checked
        "exit_code": 2,                     # 0 in sync, 2 drift, 1 error, 64 usage, 130
        "drift": true,                      # any missing_remote/changed_remote/local_*
        "counts": {"in_sync": 1, "expiring": 0, "local_changed": 1, "local_missing": 0,
                   "changed_remote": 0, "missing_remote": 1, "error": 0}
      },
      "resources": [                        # in state order
        {
          "urn": "urn:pulumi:dev::proj::pulumi-python:dynamic/plivo:MediaFile::logo",
          "name": "logo",                   # the URN's last segment
          "media_id": "...",
          "path": "media/logo.png",         # as declared (state inputs)
          "expires_at": "...Z" | null,      # if unsent: upload time + 6 h
          "status": "missing_remote",       # the primary finding's status, or in_sync
          "reason": "...",                  # one sentence
          "action": "refresh_then_up",      # see ACTIONS
          "command": "pulumi refresh --stack dev, then pulumi up --stack dev",
          "findings": [                     # every finding, primary first; [] when in_sync
            {"status": "missing_remote", "reason": "...", "action": "...", "command": "..."}
          ]
        }
      ],
      "error": null                         # or the message of a run that failed
    }

A run that fails before any verdict still prints this document with ``--json``
(:func:`failure_document`): bad usage (exit 64), bad state, no credentials, an unreachable
API (exit 1), Ctrl-C (exit 130). ``resources`` is empty, ``summary.exit_code`` is the exit
code and ``error`` holds the message that also goes to stderr; what the run never learnt is
null (``options``, ``source`` and ``stack`` after a usage error, ``api_url`` before the
settings). CI can always parse the artifact.

``action`` is one of ``none``, ``up``, ``refresh_then_up``, ``replace`` (``pulumi up
--replace URN``), ``restore_file`` and ``rerun``; ``command`` is the suggestion for people.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from ..api.media import format_time
from ..clock import CLOCK
from ..exits import ExitCode
from ..table import render
from .stack_export import StateResource

SCHEMA = "plivo-media-drift/1"
DEFAULT_WARN_WITHIN = timedelta(hours=1)
DEFAULT_PARALLEL = 8


class Status(str, Enum):
    """A resource's verdict. The values are the ``--json`` contract: they never change."""

    # A str mixin rather than StrEnum, which needs Python 3.11; __str__ gives the value.
    ERROR = "error"
    MISSING_REMOTE = "missing_remote"
    CHANGED_REMOTE = "changed_remote"
    LOCAL_MISSING = "local_missing"
    LOCAL_CHANGED = "local_changed"
    EXPIRING = "expiring"
    IN_SYNC = "in_sync"

    def __str__(self) -> str:
        return self.value

    @property
    def is_drift(self) -> bool:
        """True for the statuses that make ``drift`` exit 2."""
        return self in DRIFT_STATUSES


IN_SYNC = Status.IN_SYNC
EXPIRING = Status.EXPIRING
LOCAL_CHANGED = Status.LOCAL_CHANGED
LOCAL_MISSING = Status.LOCAL_MISSING
CHANGED_REMOTE = Status.CHANGED_REMOTE
MISSING_REMOTE = Status.MISSING_REMOTE
ERROR = Status.ERROR

PRECEDENCE: tuple[Status, ...] = tuple(Status)
"""Statuses from the one that wins to the one that loses (the enum's order); ``counts``
lists them the other way round."""

DRIFT_STATUSES = frozenset({MISSING_REMOTE, CHANGED_REMOTE, LOCAL_MISSING, LOCAL_CHANGED})
ACTIONS = ("none", "up", "refresh_then_up", "replace", "restore_file", "rerun")

EXIT_OK = ExitCode.OK
EXIT_ERROR = ExitCode.ERROR
EXIT_DRIFT = ExitCode.DRIFT


@dataclass(frozen=True)
class Finding:
    """One thing wrong (or worth knowing) about a resource."""

    status: Status
    reason: str
    action: str
    command: str

    def to_json(self) -> dict[str, str]:
        return {"status": self.status.value, "reason": self.reason, "action": self.action,
                "command": self.command}


@dataclass(frozen=True)
class ResourceReport:
    """One resource's verdict: every finding, primary first."""

    resource: StateResource
    findings: tuple[Finding, ...]
    expires_at: datetime | None
    note: str = ""

    @property
    def primary(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    @property
    def status(self) -> Status:
        return self.primary.status if self.primary else IN_SYNC

    def to_json(self) -> dict[str, Any]:
        primary = self.primary
        return {
            "urn": self.resource.urn,
            "name": self.resource.name,
            "media_id": self.resource.media_id,
            "path": self.resource.path,
            "expires_at": format_time(self.expires_at) if self.expires_at else None,
            "status": self.status.value,
            "reason": primary.reason if primary else self.note or "matches state and the file",
            "action": primary.action if primary else "none",
            "command": primary.command if primary else "none",
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass(frozen=True)
class DriftOptions:
    """How to check: where relative paths start, when to warn, how hard to look."""

    root: str = "."
    warn_within: timedelta = DEFAULT_WARN_WITHIN
    verify_content: bool = False
    parallel: int = DEFAULT_PARALLEL
    stack: str | None = None


@dataclass
class DriftReport:
    """Every resource's verdict, with the run's context for the JSON document."""

    resources: list[ResourceReport]
    options: DriftOptions
    source: str
    api_url: str | None
    generated_at: datetime
    elapsed: float = 0.0
    error: str | None = None
    failed_with: ExitCode = ExitCode.ERROR
    """The exit code of a run that failed (``error`` set): 1, 64 for usage, 130."""
    counts: dict[Status, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.counts = {status: 0 for status in reversed(PRECEDENCE)}
        for report in self.resources:
            self.counts[report.status] += 1

    @property
    def drift(self) -> bool:
        return any(self.counts[s] for s in DRIFT_STATUSES)

    @property
    def exit_code(self) -> ExitCode:
        if self.error is not None:
            return self.failed_with
        if self.counts[ERROR]:
            return EXIT_ERROR
        return EXIT_DRIFT if self.drift else EXIT_OK

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "generated_at": format_time(self.generated_at),
            "source": self.source,
            "stack": self.options.stack,
            "api_url": self.api_url,
            "options": {
                "root": os.path.abspath(self.options.root),
                "warn_within_seconds": int(self.options.warn_within.total_seconds()),
                "verify_content": self.options.verify_content,
                "parallel": self.options.parallel,
            },
            "summary": {
                "total": len(self.resources),
                "exit_code": self.exit_code,
                "drift": self.drift,
                "counts": {status.value: n for status, n in self.counts.items()},
            },
            "resources": [r.to_json() for r in self.resources],
            "error": self.error,
        }

    def summary_line(self) -> str:
        parts = ", ".join(f"{n} {s}" for s, n in self.counts.items() if n)
        verdict = {EXIT_OK: "in sync", EXIT_DRIFT: "DRIFT"}.get(self.exit_code, "ERRORS")
        noun = "resource" if len(self.resources) == 1 else "resources"
        return (
            f"plivo-media drift: {verdict}: {len(self.resources)} MediaFile {noun} checked in "
            f"{self.elapsed:.1f} s" + (f" ({parts})" if parts else "") + "."
        )


def render_table(report: DriftReport) -> str:
    """A table for people: one row per resource, then one ``+status`` row per extra finding.

    The reason comes last, so the short columns line up however long it is.
    """
    if not report.resources:
        return "No MediaFile resources in this stack."
    rows = []
    for entry in report.resources:
        data = entry.to_json()
        rows.append([data["name"], data["media_id"] or "-", data["status"], data["command"],
                     data["reason"]])
        for extra in entry.findings[1:]:
            rows.append(["", "", f"+{extra.status}", extra.command, extra.reason])
    return render(["NAME", "MEDIA_ID", "STATUS", "ACTION", "REASON"], rows)


def failed_report(
    message: str,
    exit_code: ExitCode,
    *,
    options: DriftOptions | None = None,
    source: str | None = None,
    api_url: str | None = None,
) -> DriftReport:
    """The report of a run that ended before any verdict: no resources, ``error`` set to
    ``message``, and ``exit_code`` its exit code; every format renders it."""
    return DriftReport(
        resources=[], options=options or DriftOptions(), source=source or "",
        api_url=api_url, generated_at=CLOCK.now(), error=message, failed_with=exit_code,
    )


def failure_document(
    message: str,
    exit_code: ExitCode,
    *,
    options: DriftOptions | None = None,
    source: str | None = None,
    api_url: str | None = None,
) -> dict[str, Any]:
    """The ``plivo-media-drift/1`` document of a run that ended before any verdict.

    ``resources`` is empty, ``error`` is ``message`` and ``summary.exit_code`` is
    ``exit_code``. What the run never learnt is null: ``options``, ``source`` and ``stack``
    after a usage error (the command line could not be read), ``api_url`` before settings.
    """
    failed = failed_report(
        message, exit_code, options=options, source=source, api_url=api_url
    ).to_json()
    if options is None:
        failed.update(options=None, stack=None)
    if source is None:
        failed["source"] = None
    return failed


__all__ = [
    "ACTIONS",
    "DRIFT_STATUSES",
    "PRECEDENCE",
    "SCHEMA",
    "DriftOptions",
    "DriftReport",
    "Finding",
    "ResourceReport",
    "Status",
    "failed_report",
    "failure_document",
    "render_table",
]
