"""The protocol floor: a dynamic provider that does nothing, so only the protocol is left.

Run through the same SDK server and driver as the real provider, its time is what the engine,
gRPC, the SDK's server and (de)serializing properties cost with no provider work at all.
It lives in an importable module so that dill pickles it by reference, as it does the real
provider.
"""

from __future__ import annotations

import uuid
from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, ResourceProvider


class NoopProvider(ResourceProvider):
    """Check returns the inputs, Diff sees no change, Create invents an id, Read echoes."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"noop-{uuid.uuid4().hex}", props)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)
