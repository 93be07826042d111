"""Reading a Pulumi stack export: from a file, stdin or ``pulumi stack export``.

Accepts the format ``pulumi stack export`` writes (deployment version 3) and finds the
``MediaFile`` resources in it. Secrets are Pulumi's signature object; a secret exported with
``--show-secrets`` carries ``plaintext`` and is read, one that only has ``ciphertext`` is
reported as unreadable, never guessed. Every problem raises StackExportError naming the
source and what to do.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..core.schema import BY_NAME, INPUTS
from ..errors import StackExportError
from ..facts import parse_time as parse_upload_time

MEDIA_FILE_TYPE = "pulumi-python:dynamic/plivo:MediaFile"
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
SUPPORTED_DEPLOYMENT_VERSIONS = (3,)
STACK_EXPORT_TIMEOUT = 300.0


def read_export(
    *, state: str | None = None, stack: str | None = None, cwd: str | None = None,
    stdin_text: Callable[[], str] | None = None,
) -> tuple[dict[str, Any], str]:
    """Return the parsed export and a label for messages, from a file, stdin or ``--stack``.

    ``state == "-"`` reads ``stdin_text()``. ``stack`` runs ``pulumi stack export --stack
    NAME`` in ``cwd``. Raises StackExportError naming the source and the problem.
    """
    if stack is not None:
        label = f"`pulumi stack export --stack {stack}` output"
        return parse_export(_pulumi_stack_export(stack, cwd), label), f"stack {stack}"
    if state is None:
        raise StackExportError("Give the state with --state FILE, --state - or --stack NAME.")
    if state == "-":
        if stdin_text is None:
            raise StackExportError("--state - needs the stack export on stdin.")
        return parse_export(stdin_text(), "state on stdin"), "stdin"
    try:
        with open(state, encoding="utf-8") as stream:
            text = stream.read()
    except FileNotFoundError:
        raise StackExportError(
            f"state file {state}: no such file; write it with `pulumi stack export --file "
            f"{state}`, or pass --stack NAME to export it here."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else f"not UTF-8 text ({exc.reason})"
        raise StackExportError(f"state file {state} cannot be read: {reason}.") from None
    return parse_export(text, f"state file {state}"), f"file {state}"


def _pulumi_stack_export(stack: str, cwd: str | None) -> str:
    exe = shutil.which("pulumi")
    if exe is None:
        raise StackExportError(
            "--stack needs the pulumi CLI, and no `pulumi` is on PATH; install it "
            "(https://www.pulumi.com/docs/install/), or export the state elsewhere with "
            "`pulumi stack export --file state.json` and pass --state state.json."
        )
    command = [exe, "stack", "export", "--stack", stack]
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=STACK_EXPORT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise StackExportError(
            f"`pulumi stack export --stack {stack}` did not finish in "
            f"{STACK_EXPORT_TIMEOUT:.0f} s; check `pulumi login` and the backend."
        ) from None
    except OSError as exc:
        raise StackExportError(f"could not run {exe}: {exc.strerror}.") from None
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        detail = lines[-1] if lines else "no message"
        raise StackExportError(
            f"`pulumi stack export --stack {stack}` failed (exit {done.returncode}): {detail}; "
            "check the stack name, `pulumi login` and the working directory (--root)."
        )
    return done.stdout


def parse_export(text: str, label: str) -> dict[str, Any]:
    """Parse and validate a ``pulumi stack export`` document; ``label`` names its source."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        stripped = text.strip()
        if not stripped:
            hint = "it is empty; export it again with `pulumi stack export --file FILE`"
        elif not text[exc.pos:].strip() or exc.msg.startswith("Unterminated string"):
            # The decoder ran out of input (a string that never closes does too): cut off.
            # Anything else is malformed, however the file ends.
            hint = "it ends early, so it looks truncated; export it again"
        else:
            hint = "export it again with `pulumi stack export --file FILE`"
        raise StackExportError(
            f"{label} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno} "
            f"(char {exc.pos} of {len(text)}); {hint}."
        ) from None

    def invalid(reason: str) -> StackExportError:
        return StackExportError(
            f"{label} is not a Pulumi stack export: {reason}; create one with "
            "`pulumi stack export --file FILE`."
        )

    if not isinstance(doc, dict):
        raise invalid(f"the top level is a JSON {type(doc).__name__}, not an object")
    version = doc.get("version")
    if "deployment" not in doc or version is None:
        raise invalid("it has no 'version' and 'deployment'")
    if version not in SUPPORTED_DEPLOYMENT_VERSIONS:
        raise invalid(f"deployment version {version!r} is not supported (expected 3)")
    deployment = doc["deployment"]
    if not isinstance(deployment, dict):
        raise invalid("'deployment' is not an object")
    resources = deployment.get("resources")
    if resources is None:
        deployment["resources"] = []  # An empty stack exports no resources at all.
    elif not isinstance(resources, list):
        raise invalid("'deployment.resources' is not a list")
    else:
        for index, entry in enumerate(resources):
            if not isinstance(entry, dict):
                raise invalid(f"resources[{index}] is not an object")
            for key in ("urn", "type"):
                if not isinstance(entry.get(key), str):
                    raise invalid(f"resources[{index}] has no string {key!r}")
    return doc


class _Encrypted:
    """A secret whose ciphertext we cannot read."""


ENCRYPTED = _Encrypted()


def _unwrap(value: Any) -> Any:
    """A state value with Pulumi's secret wrapper removed; ENCRYPTED if only ciphertext."""
    if isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG:
        if "plaintext" in value:
            try:
                return json.loads(value["plaintext"])
            except (TypeError, ValueError):
                return ENCRYPTED
        return ENCRYPTED
    return value


@dataclass(frozen=True)
class StateResource:
    """What state says about one MediaFile; ``problems`` name fields that cannot be used."""

    urn: str
    media_id: str | None
    path: str | None
    file_name: str | None
    content_type: str | None
    size: int | None
    content_sha256: str | None
    upload_time: datetime | None
    problems: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


PROJECTED = tuple(name for name in StateResource.__dataclass_fields__ if name in BY_NAME)
"""The schema fields drift reads from state: its projection of a MediaFile."""

DECLARED_FIELDS = tuple(name for name in PROJECTED if name in INPUTS)
"""Projected fields read from a resource's inputs first (what the program declared); every
other field is read from its outputs first (``media_id``, ``size``, ``upload_time``,
``content_sha256`` as uploaded)."""


def media_resources(export: Mapping[str, Any]) -> list[StateResource]:
    """Every live MediaFile in a validated export, in state order; other types are skipped."""
    found = []
    for entry in export["deployment"]["resources"]:
        if entry["type"] != MEDIA_FILE_TYPE or entry.get("delete"):
            continue
        found.append(_state_resource(entry))
    return found


def _state_resource(entry: Mapping[str, Any]) -> StateResource:
    problems: list[str] = []
    outputs: Mapping[str, Any] = entry.get("outputs") or {}
    inputs: Mapping[str, Any] = entry.get("inputs") or {}
    if not isinstance(outputs, dict) or not isinstance(inputs, dict):
        outputs, inputs = {}, {}
        problems.append("its inputs or outputs are not objects")

    def field_(key: str, kind: type) -> Any:
        # What the user declared is read from inputs, what Plivo holds from outputs: after a
        # "same" step the engine records the new inputs but keeps the old outputs, so a
        # moved file's new path is only in inputs.
        first, second = (inputs, outputs) if key in DECLARED_FIELDS else (outputs, inputs)
        raw = first.get(key, second.get(key))
        value = _unwrap(raw)
        if value is ENCRYPTED:
            problems.append(
                f"{key} is encrypted in the export; export with `pulumi stack export "
                "--show-secrets --file state.json` and pass --state state.json"
            )
            return None
        if value is None:
            return None
        if kind is int and isinstance(value, float) and value.is_integer():
            return int(value)  # The engine hands numbers back as floats.
        if not isinstance(value, kind) or isinstance(value, bool):
            noun = "an integer" if kind is int else "a string"
            problems.append(f"{key} is {value!r} in state, not {noun}")
            return None
        return value

    media_id = entry.get("id") if isinstance(entry.get("id"), str) else None
    media_id = media_id or field_("media_id", str)
    path = field_("path", str)
    sha = field_("content_sha256", str)
    upload_text = field_("upload_time", str)
    upload_time = None
    if upload_text is not None:
        try:
            upload_time = parse_upload_time(upload_text)
        except ValueError:
            problems.append(f"upload_time {upload_text!r} in state is not an ISO 8601 time")
    if not media_id:
        problems.append("it has no id (media_id) in state; run `pulumi refresh`")
    for key, value in (("path", path), ("content_sha256", sha)):
        if value is None and not any(p.startswith(key) for p in problems):
            problems.append(f"{key} is missing from state")
    return StateResource(
        urn=entry["urn"],
        media_id=media_id or None,
        path=path,
        file_name=field_("file_name", str),
        content_type=field_("content_type", str),
        size=field_("size", int),
        content_sha256=sha,
        upload_time=upload_time,
        problems=tuple(problems),
    )
