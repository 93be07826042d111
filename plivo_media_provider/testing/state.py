"""The test kit's value objects: its state, a plan of steps, warnings, and the result of a run.

:class:`KitState` is what the kit remembers between runs, the way Pulumi state would, kept in
memory. :meth:`KitState.to_export` writes it in the shape of a ``pulumi stack export``
(deployment version 3) so ``plivo-media drift --state FILE`` can check it; the document says
in its own ``plivo_media_testkit`` field that it is the kit's state, not a Pulumi stack's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..api.client import Media
from ..provider import PROVIDER_KEY

OPERATIONS = ("create", "same", "update", "replace", "delete")
"""A step's operation, in Pulumi's words."""

EXPORT_LABEL = (
    "State of a plivo_media_provider.testing run: a Pulumi program run under Pulumi's mock "
    "runtime against the Media API emulator. Not a Pulumi stack; no Pulumi deployment made it."
)


@dataclass(frozen=True)
class StateEntry:
    """One resource as the kit's state holds it: the inputs the program gave (checked, for a
    MediaFile) and the outputs the provider, or the mocks, answered."""

    urn: str
    type_: str
    name: str
    id_: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    custom: bool = True

    def to_export(self) -> dict[str, Any]:
        drop = {PROVIDER_KEY}
        return {
            "urn": self.urn,
            "custom": self.custom,
            "id": self.id_,
            "type": self.type_,
            "inputs": {k: v for k, v in self.inputs.items() if k not in drop},
            "outputs": {k: v for k, v in self.outputs.items() if k not in drop},
        }


@dataclass(frozen=True)
class KitState:
    """Every resource of one kit run, in registration order.

    ``work_dir`` is the absolute folder the run that made it resolved relative paths from
    (its ``work_dir``, or the working directory then); ``MediaTestKit.drift`` checks the
    files from there. None for a state made by hand.
    """

    project: str = "test-project"
    stack: str = "test"
    entries: tuple[StateEntry, ...] = ()
    work_dir: str | None = None

    def by_key(self) -> dict[tuple[str, str], StateEntry]:
        """Entries by (type, name), the key a later run finds them by."""
        return {(entry.type_, entry.name): entry for entry in self.entries}

    def to_export(self) -> dict[str, Any]:
        """The state as a deployment-version-3 document that ``plivo-media drift`` reads,
        labelled as the kit's. ``__provider`` blobs are left out: nothing reads them.

        Its media live in the kit's emulator: check them with ``MediaTestKit.drift`` while
        the kit runs. Once it is closed, the command cannot reach that emulator, and any
        other one holds none of them (every media reads as ``missing_remote``), unless the
        kit kept them in a ``data_dir`` that is served again.
        """
        return {
            "version": 3,
            "plivo_media_testkit": EXPORT_LABEL,
            "deployment": {
                "manifest": {"magic": "", "version": "plivo_media_provider.testing"},
                "resources": [entry.to_export() for entry in self.entries],
            },
        }


class MediaKitWarning(UserWarning):
    """The Python warning category of a kit run's check warnings, when the kit issues them
    (``MediaTestKit(report_warnings=True)``, as the ``media_kit`` fixture does)."""


@dataclass(frozen=True)
class KitWarning:
    """A warning of one resource's check: ``name`` is the resource's, and ``message`` the
    whole line, which names the resource too (``MediaFile 'logo': reupload_after …``)."""

    name: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Step:
    """What a run does to one resource; ``properties`` name what causes an update or
    replace (such as ``content_sha256``)."""

    name: str
    op: str
    properties: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """The steps of one run, one per MediaFile (and one ``delete`` per MediaFile in the old
    state that the program no longer declares), and the warnings its checks gave, by
    resource name."""

    steps: tuple[Step, ...] = ()
    warnings: tuple[KitWarning, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        """How many steps of each operation, ``same`` included."""
        return dict(sorted(Counter(step.op for step in self.steps).items()))

    @property
    def changes(self) -> dict[str, int]:
        """The counts without ``same``: empty means the run changes nothing."""
        return {op: n for op, n in self.counts.items() if op != "same"}

    def names(self, op: str) -> list[str]:
        """The resources whose step is ``op``, in order."""
        return [step.name for step in self.steps if step.op == op]

    def step(self, name: str) -> Step:
        """The step of resource ``name``; KeyError if the plan has none."""
        for found in self.steps:
            if found.name == name:
                return found
        raise KeyError(name)


@dataclass(frozen=True)
class KitRun:
    """One ``MediaTestKit.up``: the stack's outputs, its steps, the new state, the media it
    sent, the media it took over, its check warnings, and what a second run would change.

    ``uploaded`` holds the media this run added to the emulator, one per upload, as the
    emulator holds them; ``adopted`` the media a create took over that the emulator held
    before the run (``adopt_media_id``, or an earlier run's upload found again), which were
    not sent again. ``warnings`` are ``steps.warnings``: each names its resource.
    """

    outputs: dict[str, Any]
    steps: Plan
    state: KitState
    uploaded: tuple[Media, ...]
    second_run: Plan = field(default_factory=Plan)
    adopted: tuple[Media, ...] = ()

    @property
    def warnings(self) -> tuple[KitWarning, ...]:
        """The check warnings of this run, by resource name."""
        return self.steps.warnings

    def outputs_of(self, name: str) -> Mapping[str, Any]:
        """The outputs of resource ``name`` in the new state; KeyError if there is none."""
        for entry in self.state.entries:
            if entry.name == name:
                return entry.outputs
        raise KeyError(name)
