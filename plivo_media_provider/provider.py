"""The dynamic provider behind ``MediaFile``: a face over the core, for ``pulumi.dynamic``.

MediaFile's behaviour is :class:`~.core.media_file.MediaFiles`'; this module translates the
SDK's arguments and results to and from it and adds nothing of its own: unknowns
(``pulumi.output.Unknown`` and the core's :data:`~.core.values.UNKNOWN`), results
(``CheckResult``, ``DiffResult``, ``ReadResult``...), warnings (check's results and the
core's ``warn`` seam) and the delete note (to ``pulumi.log``), and ``__provider`` (kept out
of the core's mappings).

The instance is pickled into Pulumi state as ``__provider``. It therefore holds nothing:
no credentials, clients, sessions or locks. Its class lives in this package, under this
module's name, so dill pickles it by reference and the bytes are the same in every
checkout, run and ``PYTHONHASHSEED``. Credentials come from ``configure()`` (stack config)
or the environment, at call time; clients are built lazily, one per settings per process,
and shared by the engine's threads.

Expected failures (bad credentials, API unreachable, a changed file) reach the user as one
line: see :func:`_one_line_errors`.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import UNKNOWN as SDK_UNKNOWN
from pulumi.output import Unknown as SDKUnknown

from .api.pool import cached_api_urls, close_clients
from .core.media_file import MediaFiles
from .core.values import UNKNOWN, is_unknown
from .errors import PlivoMediaError
from .settings import CONFIG_KEYS

__all__ = ["PROVIDER_KEY", "MediaFileProvider", "cached_api_urls", "close_clients"]

PROVIDER_KEY = "__provider"
"""The input in which a dynamic resource carries its pickled provider; not a MediaFile
property, so it never reaches the core."""

F = TypeVar("F", bound=Callable[..., Any])


# -- one clear line for expected errors ------------------------------------------------------


class _TracebackLimit:
    """A ``sys.tracebacklimit`` that is 0 only in a thread whose last provider call failed as
    expected.

    The SDK's gRPC server formats every exception with ``traceback.format_exc()`` and the
    engine shows that text. For an expected failure the stack is noise, so the failing thread
    asks for no frames; any other error keeps its full traceback. ``PyTraceBack_Print`` ignores
    non-int limits, so interpreter-level printing is unaffected.
    """

    def __init__(self) -> None:
        self.local = threading.local()

    def _value(self) -> int:
        return 0 if getattr(self.local, "expected", False) else 1000

    def __index__(self) -> int:
        return self._value()

    def __lt__(self, other: int) -> bool:
        return self._value() < other

    def __ge__(self, other: int) -> bool:
        return self._value() >= other


_LIMIT = _TracebackLimit()


def _in_provider_server() -> bool:
    """True in the SDK's ``python -m pulumi.dynamic`` server, the one process whose error
    text goes to the engine; any other process keeps its interpreter settings untouched."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", None) == "pulumi.dynamic.__main__"


def _one_line_errors(method: F) -> F:
    """Let a PlivoMediaError leave ``method`` as one line: no stack, no chained causes.

    Every provider method is wrapped, so each call in a thread resets the flag first.
    """

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _LIMIT.local.expected = False
        try:
            return method(*args, **kwargs)
        except PlivoMediaError as err:
            _LIMIT.local.expected = True
            err.__cause__ = None
            err.__suppress_context__ = True
            raise err from None

    return wrapper  # type: ignore[return-value]


# -- translation ---------------------------------------------------------------------------


def _to_core(props: Mapping[str, Any]) -> dict[str, Any]:
    """The SDK's properties as the core takes them: its unknowns become the core's, and
    ``__provider`` is left out."""
    return {key: UNKNOWN if isinstance(value, SDKUnknown) else value
            for key, value in props.items() if key != PROVIDER_KEY}


def _to_sdk(props: Mapping[str, Any]) -> dict[str, Any]:
    """The core's properties as the SDK serializes them: unknowns as the SDK's."""
    return {key: SDK_UNKNOWN if is_unknown(value) else value for key, value in props.items()}


class MediaFileProvider(ResourceProvider):
    """Manages one Plivo media object whose content is a local file, through the core.

    Contracts are the core's (:class:`~.core.media_file.MediaFiles`): ``check`` never
    uploads; ``create`` uploads exactly the checked bytes or nothing; ``read`` reports the
    media gone only on proof; ``delete`` never fails.
    """

    def __init__(self) -> None:
        self._config: dict[str, Any] = {}

    def __reduce__(self) -> tuple[type[MediaFileProvider], tuple[()]]:
        """Pickle as "call ``MediaFileProvider()``": the class by reference, and no state.

        Configuration read at run time never reaches the pickled provider in state. With no
        state there is no dict to pickle, so the pickle never calls ``_batch_setitems``,
        which the SDK's ``serialize_provider`` wraps once more for every resource (a pickle
        that walked that chain hit RecursionError near the 1,000th resource).
        """
        return (MediaFileProvider, ())

    def __setstate__(self, _state: dict[str, Any]) -> None:
        # Blobs written by 0.1.0 (an empty ``__getstate__``) still load through here.
        self._config = {}

    def configure(self, req: ConfigureRequest) -> None:
        """Keep the ``plivo:*`` stack config; credentials are resolved per call from it."""
        self._config = {
            key: value for key in CONFIG_KEYS.values() if (value := req.config.get(key))
        }
        if _in_provider_server() and not isinstance(
            sys.__dict__.get("tracebacklimit"), _TracebackLimit
        ):
            sys.tracebacklimit = _LIMIT  # type: ignore[assignment]

    def _core(self) -> MediaFiles:
        """The core for this configuration; its warnings outside check (create, read, diff)
        go to ``pulumi.log.warn``, like check's."""
        return MediaFiles(getattr(self, "_config", {}), warn=pulumi.log.warn)

    @_one_line_errors
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """The core's check; its warnings go to ``pulumi.log.warn``, which in the provider
        server reaches the user's terminal as ``warning: …``."""
        result, warnings = self.check_named(news)
        for warning in warnings:
            pulumi.log.warn(warning)
        return result

    def check_named(
        self, news: dict[str, Any], name: str | None = None
    ) -> tuple[CheckResult, list[str]]:
        """The core's check in the SDK's terms, and its warnings returned rather than logged.

        For a host that calls the provider itself and knows the resource's name, which the
        SDK's ``check`` is never told: the test kit. The warnings then name the resource
        (``MediaFile 'logo'``), as its errors do, instead of the file.
        """
        checked = self._core().check(_to_core(news), name=name)
        inputs = _to_sdk(checked.inputs)
        if PROVIDER_KEY in news:
            inputs[PROVIDER_KEY] = news[PROVIDER_KEY]
        failures = [CheckFailure(f.property_, f.reason) for f in checked.failures]
        return CheckResult(inputs, failures), list(checked.warnings)

    @_one_line_errors
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """The core's diff; ``changes`` is always set, so the engine never diffs
        ``__provider`` itself."""
        planned = self._core().diff(_to_core(olds), _to_core(news))
        return DiffResult(
            changes=planned.changes,
            replaces=planned.replaces,
            stables=[],
            delete_before_replace=False,
        )

    @_one_line_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        """The core's create: the checked bytes uploaded exactly once, or adopted."""
        stored = self._core().create(_to_core(props))
        return CreateResult(stored.id_, stored.outputs)

    @_one_line_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The core's read; an empty id (gone) only on proof."""
        stored = self._core().read(id_, _to_core(props))
        if stored is None:
            return ReadResult(None, {})
        return ReadResult(stored.id_, stored.outputs)

    @_one_line_errors
    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """The core's update: state rewritten, nothing uploaded."""
        return UpdateResult(self._core().update(_to_core(olds), _to_core(news)))

    @_one_line_errors
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """The core's delete: nothing sent; its note goes to ``pulumi.log.info``."""
        pulumi.log.info(MediaFiles.delete(id_, _to_core(props)))
