"""MediaFile's behaviour, once for every face: check, diff, create, read, update, delete.

:class:`MediaFiles` works on plain mappings keyed by the schema's field names and answers
with the small values of :mod:`.values`. It knows nothing of how Pulumi calls it: the
dynamic provider and the plugin translate their engine's arguments to these calls and the
results back, and add nothing of their own.

Contracts: ``check`` never uploads; ``create`` uploads exactly the checked bytes or nothing
(an upload whose outcome was unknown is settled first, see :mod:`..uploads.protocol`);
``read`` reports the media gone only on proof (see :mod:`..api.proof`); ``delete`` never
fails, because Plivo has no delete API and the media expires on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..api.client import Media, MediaClient, UploadFile
from ..api.listing import find_media
from ..api.pool import client_for
from ..clock import CLOCK
from ..errors import ContentError, MediaNotFound, PlivoMediaError
from ..facts import (
    UNSENT_RETENTION,
    UNSENT_RETENTION_WORDS,
    format_time,
    parse_duration,
    parse_time,
    sha256_hex,
)
from ..settings import PULUMI_SOURCES, Sources, resolve_settings
from ..uploads.journal import UploadJournal
from ..uploads.protocol import upload_once
from .content import inspect_file, read_verified
from .inputs import check_inputs
from .schema import (
    DERIVED,
    INPUTS,
    LIVE_OUTPUTS,
    REPLACE_ON,
    SCHEMA_KEY,
    STATE_SCHEMA_VERSION,
    UPDATE_ON,
)
from .values import UNKNOWN, Checked, ImportId, Planned, Stored, is_unknown


def as_int(value: Any) -> Any:
    """``value`` as an int when it is a whole float: engines hand numbers back as floats,
    and state keeps sizes as ints."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def differs(key: str, old: Any, new: Any) -> bool:
    """Whether ``key`` changed from ``old`` to ``new``; MIME types compare without case, so
    state from before check lowered them is no change."""
    if key == "content_type" and isinstance(old, str) and isinstance(new, str):
        return old.lower() != new.lower()
    return bool(old != new)


def _recorded_time(value: Any) -> datetime | None:
    try:
        return parse_time(value) if isinstance(value, str) else None
    except ValueError:
        return None


def live_fields(media: Media) -> dict[str, Any]:
    """The outputs Plivo's answer sets, as state records them."""
    return {
        "media_id": media.media_id,
        "media_url": media.media_url,
        "size": media.size,
        "upload_time": format_time(media.upload_time),
        "expires_at": format_time(media.upload_time + UNSENT_RETENTION),
        SCHEMA_KEY: STATE_SCHEMA_VERSION,
    }


def _import_path_warning(media_id: str, path: str, sha256: str) -> str | None:
    """Why the next ``up`` will not leave imported media as it is, or None."""
    found = inspect_file(path)
    if found.problems:
        problem = found.problems[0].message
        return (f"Imported media {media_id} with path {path!r}, which cannot be uploaded as it "
                f"is ({problem}); put the media's file there before the next `pulumi up`.")
    if found.sha256 != sha256:
        return (f"Imported media {media_id} with path {path!r}, whose bytes (sha256 "
                f"{str(found.sha256)[:12]}…) differ from Plivo's ({sha256[:12]}…); the next "
                "`pulumi up` replaces the media with that file.")
    return None


def _inputs_of(props: Mapping[str, Any]) -> dict[str, Any]:
    return {key: props[key] for key in (*INPUTS, *DERIVED) if props.get(key) is not None}


class MediaFiles:
    """MediaFile's behaviour for one provider configuration.

    ``config`` holds the ``plivo:*`` settings by their stack-config keys (``plivo:authId``
    ...); what it lacks comes from the ``PLIVO_*`` environment, read at call time (see
    :func:`~plivo_media_provider.settings.resolve_settings`). Making one costs nothing: no
    client is built until a call needs Plivo, and clients are shared per process.
    """

    def __init__(
        self, config: Mapping[str, Any] | None = None, *, sources: Sources = PULUMI_SOURCES
    ) -> None:
        self.config: dict[str, Any] = dict(config or {})
        self.sources = sources

    def client(self) -> MediaClient:
        """The process's client for this configuration; ConfigurationError if incomplete."""
        return client_for(resolve_settings(config=self.config, sources=self.sources))

    # -- check ------------------------------------------------------------------------------

    def check(self, news: Mapping[str, Any]) -> Checked:
        """Validate inputs and add ``content_sha256``, ``size`` and the resolved type.

        Every problem is a Failure on the property at fault; inputs that are valid but
        cannot work as meant are warned about (see :mod:`.inputs`). Unknown inputs leave the
        derived values unknown. Keys the schema does not know pass through unchanged.
        """
        return check_inputs(news, self.config)

    # -- diff -------------------------------------------------------------------------------

    def diff(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Planned:
        """Replace on a new hash, name, type or adoption target; ignore ``path``.

        ``olds`` are the old outputs, ``news`` the checked inputs. With ``reupload_after``,
        media older than that is replaced too: this diff depends on the clock, on purpose.
        """
        replaces = [
            key
            for key in REPLACE_ON
            if is_unknown(news.get(key)) or differs(key, olds.get(key), news.get(key))
        ]
        if not replaces and self._stale(olds, news.get("reupload_after")):
            replaces.append("reupload_after")
        updates = [key for key in UPDATE_ON if olds.get(key) != news.get(key)]
        return Planned(changes=bool(replaces or updates), replaces=replaces, updates=updates)

    @staticmethod
    def _stale(olds: Mapping[str, Any], reupload_after: Any) -> bool:
        if not isinstance(reupload_after, str) or not isinstance(olds.get("upload_time"), str):
            return False
        try:
            age = CLOCK.now() - parse_time(olds["upload_time"])
            return age >= parse_duration(reupload_after)
        except ValueError:
            return False

    # -- create -----------------------------------------------------------------------------

    def create(self, props: Mapping[str, Any]) -> Stored:
        """Upload the checked bytes, or adopt existing media whose bytes hash the same.

        If create fails, nothing was uploaded by it and nothing is recorded. Media found for
        an earlier attempt is adopted only with more life left than ``reupload_after``.
        """
        client = self.client()
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
        return Stored(media.media_id, {**_inputs_of(props), **live_fields(media)})

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
            if differs(key, props.get(key), live):
                raise ContentError(
                    f"adopt_media_id {media_id!r}: Plivo has it with {key} {live!r}, but the "
                    f"resource says {props.get(key)!r}; set {key}={live!r} to adopt it as it is."
                )
        return media

    @staticmethod
    def preview_create(props: Mapping[str, Any]) -> dict[str, Any]:
        """The outputs ``create`` would give, for a preview: the checked inputs, with what
        only Plivo's answer can tell (media id, URL, upload and expiry times) unknown.
        Sends nothing."""
        unknown = {key: UNKNOWN for key in LIVE_OUTPUTS if key not in DERIVED}
        return {**_inputs_of(props), **unknown, SCHEMA_KEY: STATE_SCHEMA_VERSION}

    # -- read -------------------------------------------------------------------------------

    def read(self, id_: str, props: Mapping[str, Any]) -> Stored | None:
        """Refresh the live fields of the state ``props``; None only on proof that Plivo no
        longer has the media (see :mod:`..api.proof`).

        Concurrent reads in this process are answered from one shared listing where it can
        (see :mod:`..api.listing`); the others GET their media. A 404 that is not Plivo's
        JSON, is not confirmed by a second GET, or comes from an API base that does not
        answer like Plivo's raises GoneUnproven; timeouts, 5xx and credential errors raise
        too, so a refresh never drops media Plivo may still hold.
        """
        recorded = _recorded_time(props.get("upload_time"))
        media = find_media(self.client(), id_, recorded, CLOCK.now())
        if media is None:
            return None
        outputs = {key: as_int(value) for key, value in props.items()}
        outputs.update(live_fields(media))
        return Stored(id_, outputs)

    # -- import -----------------------------------------------------------------------------

    def import_(self, import_id: str) -> Stored:
        """The state of media that already exists, for ``pulumi import`` (see
        :class:`~.values.ImportId` for ``import_id``: ``<media_id>`` or
        ``<media_id>:<path>``).

        The outputs are those ``create`` would have recorded, with ``content_sha256``
        computed from the bytes Plivo serves and ``size``, ``file_name`` and
        ``content_type`` as Plivo has them. ``inputs`` declare it: ``path`` (the id's, else
        the media's file name), ``file_name`` and ``content_type``, so a program that
        declares them, with ``path`` holding those bytes, plans no change. A path whose file
        is missing or holds other bytes is warned about, not refused. Raises (one line)
        when the id is malformed or Plivo has no such media: nothing is imported then.
        """
        try:
            wanted = ImportId.parse(import_id)
        except ValueError as exc:
            raise PlivoMediaError(str(exc)) from None
        client = self.client()
        try:
            media = client.get(wanted.media_id)
        except MediaNotFound as err:
            hint = "" if err.plivo_shaped else (
                f"; the 404 was not Plivo's JSON, so check {client.sources.name('api_url')}")
            raise MediaNotFound(
                f"Cannot import media {wanted.media_id!r}: Plivo account {client.auth_id} has "
                "no such media (it expired, was deleted, or the id is wrong); `plivo-media ls` "
                f"lists the account's media ids{hint}.",
                status=err.status, api_id=err.api_id, error=err.error,
            ) from None
        sha256 = sha256_hex(client.download(media))
        path = wanted.path if wanted.path is not None else media.file_name
        inputs = {"path": path, "file_name": media.file_name,
                  "content_type": media.content_type.lower()}
        outputs = {**inputs, "content_sha256": sha256, **live_fields(media)}
        warning = _import_path_warning(wanted.media_id, path, sha256)
        return Stored(media.media_id, outputs, inputs, [warning] if warning else [])

    # -- update -----------------------------------------------------------------------------

    def update(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """The outputs after a changed ``reupload_after`` (the only UPDATE_ON input): the
        new inputs with the old live fields. Uploads nothing."""
        live = {key: as_int(olds[key]) for key in LIVE_OUTPUTS if key in olds}
        return {**_inputs_of(news), **live, SCHEMA_KEY: STATE_SCHEMA_VERSION}

    # -- delete -----------------------------------------------------------------------------

    @staticmethod
    def delete(id_: str, props: Mapping[str, Any]) -> str:
        """Forget the media; return the line to log. Plivo has no delete API, so nothing is
        sent and nothing fails."""
        name = props.get("file_name") or id_
        expires = props.get("expires_at") or f"{UNSENT_RETENTION_WORDS} after its upload"
        return (
            f"MediaFile {name!r} (media {id_}) is no longer managed. Plivo has no delete API: "
            f"it removes unsent media {UNSENT_RETENTION_WORDS} after upload (here {expires}) "
            "and keeps media sent in an MMS for a year."
        )
