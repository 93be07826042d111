"""The dynamic provider behind ``MediaFile``: check, diff by content hash, create, read, delete.

The instance is pickled into Pulumi state as ``__provider``. It therefore holds nothing:
no credentials, clients, sessions or locks. Its class lives in this package, so dill pickles
it by reference and the bytes are the same in every checkout, run and ``PYTHONHASHSEED``.
Credentials come from ``configure()`` (stack config) or the environment, at call time;
clients are built lazily, one per settings per process, and shared by the engine's threads.

Expected failures (bad credentials, API unreachable, a changed file) reach the user as one
line: see :func:`_one_line_errors`.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import pulumi
from pulumi.dynamic import (
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from .client import Media, MediaClient, UploadFile, format_time, parse_upload_time
from .clock import CLOCK
from .content import read_verified
from .errors import ContentError, MediaNotFound, PlivoMediaError
from .facts import UNSENT_RETENTION, UNSENT_RETENTION_WORDS, parse_duration, sha256_hex
from .inputs import check_inputs, is_unknown
from .journal import UploadJournal
from .listing import find_media
from .reconcile import upload_once
from .schema import DERIVED, INPUTS, LIVE_OUTPUTS, REPLACE_ON, UPDATE_ON
from .settings import CONFIG_KEYS, Settings, resolve_settings

PROVIDER_KEY = "__provider"


SCHEMA_KEY = "schema_version"
STATE_SCHEMA_VERSION = 1
"""The version of the state this provider writes, in every resource's outputs.

Version 0 is state written by 0.1.0, which has no ``schema_version``; its fields are those
of version 1. A version that changes what a recorded field means bumps this number, and
keeps reading every older version. ``diff`` never compares it, so a new version causes no
change by itself; ``read`` and ``update`` record the current one."""

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


# -- clients ---------------------------------------------------------------------------------

_clients: dict[Settings, MediaClient] = {}
_clients_lock = threading.Lock()


def _client_for(settings: Settings) -> MediaClient:
    """One client per settings per process; it is thread-safe and pools connections."""
    with _clients_lock:
        client = _clients.get(settings)
        if client is None:
            client = MediaClient.from_settings(settings)
            _clients[settings] = client
        return client


def close_clients(api_url: str | None = None) -> None:
    """Close and forget this process's cached clients: those for ``api_url``, or all.

    The public reset of the client cache: the test kit calls it when its emulator stops, so
    no connection outlives it, and tests call it so no client outlives a test.
    """
    with _clients_lock:
        gone = [s for s in _clients if api_url is None or s.api_url == api_url]
        closing = [_clients.pop(settings) for settings in gone]
    for client in closing:
        client.close()


def cached_api_urls() -> frozenset[str]:
    """The API URLs this process holds clients for (what :func:`close_clients` would close)."""
    with _clients_lock:
        return frozenset(settings.api_url for settings in _clients)


# -- helpers ---------------------------------------------------------------------------------


def _as_int(value: Any) -> Any:
    # The engine hands numbers back as floats; state keeps sizes as ints.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _differs(key: str, old: Any, new: Any) -> bool:
    # MIME types are case-insensitive: state from before check lowered them is no change.
    if key == "content_type" and isinstance(old, str) and isinstance(new, str):
        return old.lower() != new.lower()
    return bool(old != new)


def _recorded_time(value: Any) -> datetime | None:
    try:
        return parse_upload_time(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _live_fields(media: Media) -> dict[str, Any]:
    return {
        "media_id": media.media_id,
        "media_url": media.media_url,
        "size": media.size,
        "upload_time": format_time(media.upload_time),
        "expires_at": format_time(media.upload_time + UNSENT_RETENTION),
        SCHEMA_KEY: STATE_SCHEMA_VERSION,
    }


def _inputs_of(props: Mapping[str, Any]) -> dict[str, Any]:
    echoed = (*INPUTS, *DERIVED)
    return {key: props[key] for key in echoed if props.get(key) is not None}


class MediaFileProvider(ResourceProvider):
    """Manages one Plivo media object whose content is a local file.

    Contracts: ``check`` never uploads; ``create`` uploads exactly the checked bytes or
    nothing; ``read`` reports the media gone only on a real 404; ``delete`` never fails,
    because Plivo has no delete API and the media expires on its own.
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

    def _client(self) -> MediaClient:
        config: dict[str, Any] = getattr(self, "_config", {})
        return _client_for(resolve_settings(config=config))

    # -- check --------------------------------------------------------------------------

    @_one_line_errors
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate inputs and add ``content_sha256``, ``size`` and the resolved type.

        Every problem is a CheckFailure on the property at fault; inputs that are valid but
        cannot work as meant are warned about (see :mod:`.inputs`). Unknown inputs (a path
        computed by another resource, during preview) leave the derived values unknown.
        """
        return check_inputs(news, getattr(self, "_config", {}))

    # -- diff ---------------------------------------------------------------------------

    @_one_line_errors
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Replace on a new hash, name, type or adoption target; ignore ``path``.

        ``olds`` are the old outputs. With ``reupload_after``, media older than that is
        replaced too: this diff depends on the clock, on purpose.
        """
        replaces = [
            key
            for key in REPLACE_ON
            if is_unknown(news.get(key)) or _differs(key, olds.get(key), news.get(key))
        ]
        if not replaces and self._stale(olds, news.get("reupload_after")):
            replaces.append("reupload_after")
        updates = [key for key in UPDATE_ON if olds.get(key) != news.get(key)]
        return DiffResult(
            changes=bool(replaces or updates),
            replaces=replaces,
            stables=[],
            delete_before_replace=False,
        )

    @staticmethod
    def _stale(olds: Mapping[str, Any], reupload_after: Any) -> bool:
        if not isinstance(reupload_after, str) or not isinstance(olds.get("upload_time"), str):
            return False
        try:
            age = CLOCK.now() - parse_upload_time(olds["upload_time"])
            return age >= parse_duration(reupload_after)
        except ValueError:
            return False

    # -- create -------------------------------------------------------------------------

    @_one_line_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        """Upload the checked bytes, or adopt existing media whose bytes hash the same.

        If create fails, nothing was uploaded by it (an upload whose outcome was unknown is
        settled first; see :mod:`.reconcile`) and nothing is recorded. Media found for an
        earlier attempt is adopted only with more life left than ``reupload_after``.
        """
        client = self._client()
        expected = str(props["content_sha256"])
        adopt = props.get("adopt_media_id")
        if adopt:
            media = self._adopt(client, str(adopt), props, expected)
        else:
            data = read_verified(str(props["path"]), expected)
            upload = UploadFile(
                str(props["file_name"]), data, str(props["content_type"]), sha256=expected
            )
            renew = props.get("reupload_after")
            media = upload_once(
                client, upload, UploadJournal(),
                reupload_after=parse_duration(renew) if isinstance(renew, str) else None,
            )
        return CreateResult(media.media_id, {**_inputs_of(props), **_live_fields(media)})

    @staticmethod
    def _adopt(client: MediaClient, media_id: str, props: Mapping[str, Any], sha: str) -> Media:
        try:
            media = client.get(media_id)
        except MediaNotFound:
            raise ContentError(
                f"adopt_media_id {media_id!r}: Plivo has no such media (it expired, was deleted, "
                "or the id is wrong); run `plivo-media ls` to find the id, or remove "
                "adopt_media_id to upload the file."
            ) from None
        actual = sha256_hex(client.download(media))
        if actual != sha:
            raise ContentError(
                f"adopt_media_id {media_id!r}: its bytes (sha256 {actual[:12]}…) differ from "
                f"{props['path']} (sha256 {sha[:12]}…); adopt the media that holds this file, "
                "or remove adopt_media_id to upload it."
            )
        for key, live in (("file_name", media.file_name), ("content_type", media.content_type)):
            if _differs(key, props.get(key), live):
                raise ContentError(
                    f"adopt_media_id {media_id!r}: Plivo has it with {key} {live!r}, but the "
                    f"resource says {props.get(key)!r}; set {key}={live!r} to adopt it as it is."
                )
        return media

    # -- read ---------------------------------------------------------------------------

    @_one_line_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh the live fields; report the media gone only on proof (see ``proof``).

        Concurrent Reads in this process are answered from one shared listing where it can
        (see ``listing``); the others GET their media.

        A 404 that is not Plivo's JSON, is not confirmed by a second GET, or comes from an
        API base that does not answer like Plivo's raises GoneUnproven; timeouts, 5xx and
        credential errors raise too, so a refresh never drops media Plivo may still hold.
        """
        recorded = _recorded_time(props.get("upload_time"))
        media = find_media(self._client(), id_, recorded, CLOCK.now())
        if media is None:
            return ReadResult(None, {})
        outs = {k: _as_int(v) for k, v in props.items() if k != PROVIDER_KEY}
        outs.update(_live_fields(media))
        return ReadResult(id_, outs)

    # -- update -------------------------------------------------------------------------

    @_one_line_errors
    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Record a changed ``reupload_after`` (the only UPDATE_ON input); uploads nothing."""
        live = {key: _as_int(olds[key]) for key in LIVE_OUTPUTS if key in olds}
        return UpdateResult({**_inputs_of(news), **live, SCHEMA_KEY: STATE_SCHEMA_VERSION})

    # -- delete -------------------------------------------------------------------------

    @_one_line_errors
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Forget the media. Plivo has no delete API, so nothing is sent and nothing fails."""
        name = props.get("file_name") or id_
        expires = props.get("expires_at") or f"{UNSENT_RETENTION_WORDS} after its upload"
        pulumi.log.info(
            f"MediaFile {name!r} (media {id_}) is no longer managed. Plivo has no delete API: "
            f"it removes unsent media {UNSENT_RETENTION_WORDS} after upload (here {expires}) "
            "and keeps media sent in an MMS for a year."
        )
