"""``plivo-media migrate``: move a stack's MediaFiles from the dynamic provider to the plugin.

It reads a ``pulumi stack export`` (a file, stdin or ``--stack``) through
:mod:`..drift.stack_export` and writes a ``pulumi import --file`` document: one
``plivo:index:MediaFile`` per dynamic MediaFile, under its logical name, with an import id
that carries its media id and path. ``pulumi import --file`` then reads each media from
Plivo (nothing is uploaded), and after the old resources leave the state and the program
declares the plugin's resource under the same names, the next ``up`` shows no change.

What it refuses, each in one line naming the resource and what to do, writing nothing:
an export with no MediaFile; a MediaFile whose id or path state cannot give (never
guessed); a pending operation on a MediaFile (its upload may or may not have happened);
two MediaFiles that would get the same name at the top level of the stack.

What it warns about on stderr, writing the document all the same: a file that is missing or
whose bytes differ from state (the next ``up`` would fail or upload new media), and the
inputs whose first ``up`` after the import is not "no change" (``reupload_after``: an update
that uploads nothing; ``adopt_media_id``: leave it out of the new program).

The document goes to stdout, or ``--out FILE`` (written whole or not at all); everything
else goes to stderr, so ``plivo-media migrate --state - < export.json > import.json`` works.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from ..core.values import ImportId
from ..drift.check import hash_file
from ..drift.stack_export import (
    MEDIA_FILE_TYPE,
    StateResource,
    media_resources,
    read_export,
)
from ..errors import StackExportError
from ..exits import ExitCode
from ..plugin.schema import MEDIA_FILE as PLUGIN_MEDIA_FILE_TYPE
from ..resources.assets import TYPE_TOKEN as ASSETS_TYPE
from .options import Commands, add_state_options

IMPORT_COMMAND = "pulumi import --file {file} --protect=false --yes"
"""The import step the summary prints; ``--protect=false`` because a MediaFile's delete only
forgets it (Plivo has no delete API), so protection guards nothing."""


@dataclass(frozen=True)
class Migration:
    """What ``migrate`` found: the import document; the URNs that leave the state, in the
    order to delete them (the MediaFiles, then MediaAssets components and the default
    provider they leave empty); and the warnings for the user, one line each."""

    document: dict[str, Any]
    old_urns: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def count(self) -> int:
        """How many MediaFiles the document imports."""
        return len(self.document["resources"])


def plan_migration(export: Mapping[str, Any], *, root: str, source: str) -> Migration:
    """The import document for every live MediaFile of a validated ``export``.

    ``root`` is the project directory that relative paths are resolved from (as the plugin
    resolves them, from the engine's working directory); ``source`` names the export in
    messages. Raises StackExportError listing every problem when any resource cannot be
    migrated; nothing is half-planned.
    """
    resources = media_resources(export)
    problems = _pending_problems(export)
    if not resources and not problems:
        raise StackExportError(
            f"{source} holds no {MEDIA_FILE_TYPE} resources, so there is nothing to migrate; "
            "check the stack (--stack NAME) or the file."
        )
    problems += [f"{r.name}: {p}" for r in resources for p in _blocking(r)]
    problems += _collisions(resources)
    if problems:
        raise StackExportError(_listed(f"{source} cannot be migrated", problems))
    entries = []
    warnings: list[str] = []
    for resource in resources:
        assert resource.media_id is not None and resource.path is not None  # _blocking held
        entries.append({
            "type": PLUGIN_MEDIA_FILE_TYPE,
            "name": resource.name,
            # The plugin's import id: the media to read, and the file that holds its bytes.
            "id": str(ImportId(resource.media_id, resource.path)),
        })
        warnings += _warnings(resource, export, root)
    leaving = [r.urn for r in resources]
    leaving += _emptied_assets(export, set(leaving))
    leaving += _unused_default_providers(export, set(leaving))
    return Migration({"resources": entries}, tuple(leaving), tuple(warnings))


def _emptied_assets(export: Mapping[str, Any], leaving: set[str]) -> list[str]:
    """MediaAssets components all of whose children leave: after them, or the next ``up``
    would delete each as a change."""
    entries = export["deployment"]["resources"]
    children: dict[str, list[str]] = {}
    for entry in entries:
        if isinstance(entry.get("parent"), str):
            children.setdefault(entry["parent"], []).append(entry["urn"])
    return [e["urn"] for e in entries
            if e["type"] == ASSETS_TYPE and e["urn"] not in leaving
            and set(children.get(e["urn"], [])) <= leaving]


def _provider_urn(entry: Mapping[str, Any]) -> str | None:
    reference = entry.get("provider")
    # A provider reference is the provider's URN, "::", then its id.
    return reference.rsplit("::", 1)[0] if isinstance(reference, str) else None


def _unused_default_providers(export: Mapping[str, Any], leaving: set[str]) -> list[str]:
    """The default provider that served the old resources, once nothing left in the state
    uses it: the engine would otherwise delete it on the next ``up``, a change."""
    entries = export["deployment"]["resources"]
    used_by_leaving = {_provider_urn(e) for e in entries if e["urn"] in leaving}
    used_by_staying = {_provider_urn(e) for e in entries if e["urn"] not in leaving}
    return [e["urn"] for e in entries
            if e["type"].startswith("pulumi:providers:") and e["urn"] in used_by_leaving
            and e["urn"] not in used_by_staying
            and e["urn"].rsplit("::", 1)[-1].startswith("default")]


def _blocking(resource: StateResource) -> list[str]:
    """What stops a resource from being imported: no id, or no readable path."""
    return [p for p in resource.problems if not p.startswith(("content_sha256", "upload_time",
                                                               "size", "file_name",
                                                               "content_type"))]


def _pending_problems(export: Mapping[str, Any]) -> list[str]:
    pending = export["deployment"].get("pending_operations") or []
    found = []
    for operation in pending if isinstance(pending, list) else []:
        entry = operation.get("resource") if isinstance(operation, dict) else None
        if isinstance(entry, dict) and entry.get("type") == MEDIA_FILE_TYPE:
            name = str(entry.get("urn", "?")).rsplit("::", 1)[-1]
            found.append(
                f"{name}: a {operation.get('type', 'pending')} operation was interrupted, so "
                "its upload may or may not have happened; run `pulumi refresh` and resolve "
                "it, then export again"
            )
    return found


def _collisions(resources: Sequence[StateResource]) -> list[str]:
    """The plugin's resources are imported at the top of the stack, so a name may be used
    once; two children of different parents may share one today."""
    seen: dict[str, str] = {}
    found = []
    for resource in resources:
        if resource.name in seen:
            found.append(
                f"{resource.name}: both {seen[resource.name]} and {resource.urn} would be "
                "imported under this name; rename one in the program (with an alias), "
                "`pulumi up`, and export again"
            )
        else:
            seen[resource.name] = resource.urn
    return found


def _inputs_of(export: Mapping[str, Any], urn: str) -> Mapping[str, Any]:
    for entry in export["deployment"]["resources"]:
        if entry["urn"] == urn and isinstance(entry.get("inputs"), dict):
            inputs: Mapping[str, Any] = entry["inputs"]
            return inputs
    return {}


def _warnings(resource: StateResource, export: Mapping[str, Any], root: str) -> list[str]:
    warned = []
    path = resource.path or ""
    local = hash_file(path if os.path.isabs(path) else os.path.join(root, path))
    where = f"{path} (from {root})" if not os.path.isabs(path) else path
    if local.sha256 is None:
        reason = local.missing or local.error
        warned.append(f"{resource.name}: {where} {reason}; the next `pulumi up` fails until "
                      "path names a file with the media's bytes")
    elif resource.content_sha256 and local.sha256 != resource.content_sha256:
        warned.append(f"{resource.name}: {where} changed since the last `pulumi up` (sha256 "
                      f"{local.sha256[:12]}…, state has {resource.content_sha256[:12]}…); "
                      "the next `pulumi up` uploads it as new media")
    inputs = _inputs_of(export, resource.urn)
    if inputs.get("reupload_after"):
        warned.append(f"{resource.name}: declares reupload_after "
                      f"{inputs['reupload_after']!r}; the first `pulumi up` after the import "
                      "records it as an update, which uploads nothing")
    if inputs.get("adopt_media_id"):
        warned.append(f"{resource.name}: declares adopt_media_id; leave adoptMediaId out of "
                      "the new program (the import already took the media over)")
    return warned


def _listed(head: str, lines: Sequence[str]) -> str:
    count = len(lines)
    what = "this problem" if count == 1 else f"these {count} problems"
    return f"{head}; fix {what} and run migrate again:\n" + "\n".join(f"  - {x}" for x in lines)


def next_steps(migration: Migration, out: str | None) -> list[str]:
    """The commands that finish the move, in order (each needs the Pulumi CLI)."""
    file = shlex.quote(out) if out else "import.json"
    steps = [IMPORT_COMMAND.format(file=file)]
    steps += [f"pulumi state delete --yes {shlex.quote(urn)}" for urn in migration.old_urns]
    return steps


def write_document(document: Mapping[str, Any], out: str | None, stdout: TextIO) -> None:
    """Write the document to stdout, or to ``out`` whole or not at all."""
    text = json.dumps(document, indent=2) + "\n"
    if out is None or out == "-":
        stdout.write(text)
        stdout.flush()
        return
    folder = os.path.dirname(os.path.abspath(out))
    try:
        handle, temporary = tempfile.mkstemp(prefix=".migrate-", dir=folder)
    except OSError as exc:
        raise StackExportError(f"--out {out}: cannot write in {folder} ({exc.strerror}); "
                               "choose a folder you can write to.") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, out)
    except OSError as exc:
        os.unlink(temporary)
        raise StackExportError(f"--out {out}: cannot be written ({exc.strerror}).") from None


# -- the command -----------------------------------------------------------------------------


def add(commands: Commands) -> None:
    sub = commands.add_parser(
        "migrate",
        help="write a `pulumi import --file` document that moves a stack's MediaFiles to the "
             "plivo plugin without uploading anything",
        description=(
            "Read a Pulumi stack export and write a `pulumi import --file` document with one "
            "plivo:index:MediaFile per dynamic MediaFile (its name, media id and path). "
            "Nothing is sent to Plivo. The document goes to stdout or --out; the next steps "
            "and any warnings go to stderr. Exit 0: written; 1: the state cannot be "
            "migrated (every problem listed); 64: bad usage."
        ),
        epilog="The steps around it (export, import, state delete, switching the program) "
               "need the Pulumi CLI; see docs/other-languages.md.",
    )
    add_state_options(sub, "checked")
    sub.add_argument("--out", metavar="FILE",
                     help="write the document to FILE instead of stdout")
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_migrate(state=args.state, stack=args.stack, root=args.root, out=args.out,
                       stdin=sys.stdin, stdout=sys.stdout, stderr=sys.stderr)


def run_migrate(
    *, state: str | None, stack: str | None, root: str, out: str | None,
    stdin: TextIO, stdout: TextIO, stderr: TextIO,
) -> int:
    """The ``plivo-media migrate`` command; a PlivoMediaError that stops it is raised."""
    export, source = read_export(state=state, stack=stack, cwd=root, stdin_text=stdin.read)
    migration = plan_migration(export, root=root, source=source)
    write_document(migration.document, out, stdout)
    for line in migration.warnings:
        stderr.write(f"Warning: {line}\n")
    where = out if out and out != "-" else "stdout"
    stderr.write(f"Wrote the import document for {migration.count} MediaFile(s) to {where}. "
                 "Next, with the Pulumi CLI (see docs/other-languages.md):\n")
    for step in next_steps(migration, out if out != "-" else None):
        stderr.write(f"  {step}\n")
    stderr.write("then declare each as plivo:index:MediaFile under the same name, and "
                 "`pulumi preview` shows no change.\n")
    return ExitCode.OK
