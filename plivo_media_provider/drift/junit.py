"""A drift report as JUnit XML, which the test reporters of GitHub, GitLab and Jenkins read.

The usual structure, as those tools and pytest's ``--junitxml`` write it::

    <testsuites name="plivo-media drift" tests="3" failures="1" errors="1" skipped="0"
                time="0.412">
      <testsuite name="plivo-media drift: stack dev" tests="3" failures="1" errors="1"
                 skipped="0" time="0.412" timestamp="2025-01-01T12:00:00+00:00">
        <properties>
          <property name="schema" value="plivo-media-drift/1"/>  source, stack, api_url,
          ...                                                     root, exit_code
        </properties>
        <testcase name="logo" classname="plivo-media.drift.dev" time="0">
          <failure type="local_changed" message="local_changed: The file ...">...</failure>
          <system-out>urn, media id, path, expiry, every finding</system-out>
        </testcase>
      </testsuite>
    </testsuites>

One ``testcase`` per MediaFile, in state order, named by the URN's last segment. Drift
(``missing_remote``, ``changed_remote``, ``local_missing``, ``local_changed``) is a
``failure``; a check that could not finish (``error``) is an ``error``; ``in_sync`` and
``expiring`` pass, an expiry warning in ``system-out``. The element's ``type`` is the
primary status and its text lists every finding with what to do.

A run that ended before any verdict (no credentials, an unreadable state, Ctrl-C) is one
``testcase`` named ``plivo-media drift`` holding an ``error`` of type ``run_failed``, so a
reporter shows why instead of finding no report.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import timezone

from .report import DRIFT_STATUSES, ERROR, DriftReport, ResourceReport

__all__ = ["SUITE", "render_junit"]

SUITE = "plivo-media drift"
"""The name of the ``testsuites`` element, and of the run's own test case when it fails."""

# XML 1.0 cannot hold most control characters at all, even escaped; a path or a reason from
# a hostile state must not make the report unreadable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: object) -> str:
    return _NOT_XML.sub("\ufffd", str(value))


def _element(parent: ET.Element, tag: str, attributes: Mapping[str, object],
             text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, tag, {k: _text(v) for k, v in attributes.items()})
    if text is not None:
        child.text = _text(text)
    return child


def _counts(report: DriftReport) -> dict[str, int]:
    if report.error is not None:
        return {"tests": 1, "failures": 0, "errors": 1, "skipped": 0}
    return {
        "tests": len(report.resources),
        "failures": sum(1 for r in report.resources if r.status in DRIFT_STATUSES),
        "errors": sum(1 for r in report.resources if r.status is ERROR),
        "skipped": 0,
    }


def _details(entry: ResourceReport) -> str:
    data = entry.to_json()
    lines = [f"urn: {data['urn']}", f"media_id: {data['media_id'] or '-'}",
             f"path: {data['path'] or '-'}", f"expires_at: {data['expires_at'] or '-'}",
             f"status: {data['status']}: {data['reason']}"]
    lines += [f"finding: {f.status}: {f.reason} (do: {f.command})" for f in entry.findings]
    return "\n".join(lines)


def _testcase(suite: ET.Element, entry: ResourceReport, classname: str) -> None:
    case = _element(suite, "testcase",
                    {"name": entry.resource.name, "classname": classname, "time": "0"})
    primary = entry.primary
    if primary is not None and (primary.status in DRIFT_STATUSES or primary.status is ERROR):
        tag = "error" if primary.status is ERROR else "failure"
        body = "\n".join(f"{f.status}: {f.reason}\n  do: {f.command}" for f in entry.findings)
        _element(case, tag, {"type": primary.status.value,
                             "message": f"{primary.status}: {primary.reason}"}, body)
    _element(case, "system-out", {}, _details(entry))


def render_junit(report: DriftReport) -> str:
    """``report`` as a JUnit XML document (UTF-8, with its declaration), ending in a newline.

    A report whose run failed (``report.error`` set) is the run's one errored test case.
    """
    counts = _counts(report)
    time = f"{report.elapsed:.3f}"
    root = ET.Element("testsuites", {"name": SUITE, **{k: str(n) for k, n in counts.items()},
                                     "time": time})
    stack = report.options.stack
    label = f"stack {stack}" if stack else (report.source or "state")
    timestamp = report.generated_at.astimezone(timezone.utc).isoformat(timespec="seconds")
    suite = _element(root, "testsuite", {"name": f"{SUITE}: {label}", **counts, "time": time,
                                         "timestamp": timestamp})
    properties = _element(suite, "properties", {})
    document = report.to_json()
    for name, value in (("schema", document["schema"]), ("source", report.source),
                        ("stack", stack), ("api_url", report.api_url),
                        ("root", document["options"]["root"]),
                        ("exit_code", int(report.exit_code))):
        _element(properties, "property", {"name": name, "value": "" if value is None else value})
    classname = f"plivo-media.drift.{stack}" if stack else "plivo-media.drift"
    if report.error is not None:
        case = _element(suite, "testcase", {"name": SUITE, "classname": classname, "time": time})
        _element(case, "error", {"type": "run_failed", "message": report.error},
                 f"exit code {int(report.exit_code)}: {report.error}")
    for entry in report.resources:
        _testcase(suite, entry, classname)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
