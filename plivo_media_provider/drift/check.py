"""Drift detection for ``MediaFile`` resources.

``pulumi preview --refresh --expect-no-changes`` says *that* a stack drifted. This module
says *what* drifted, *why*, and *what to do*, from a ``pulumi stack export`` (deployment
version 3) and the Media API, in a form CI can act on.

Classification
--------------
Every resource whose type is ``pulumi-python:dynamic/plivo:MediaFile`` is checked; every
other resource (the stack, the default ``pulumi:providers:pulumi-python`` provider, ...) and
every entry marked ``"delete": true`` (an old copy awaiting deletion after a replace) is
ignored. A resource collects *findings*; its primary ``status`` is the finding that comes
first in this order (:data:`PRECEDENCE`):

``error``
    A check could not be completed: a 5xx or timeout after retries, an unreadable file, a
    field encrypted in the export. Never guessed to be ``missing_remote``.
``missing_remote``
    Plivo no longer has the media: it expired (unsent media lives 6 hours) or was deleted.
    Only the proof refresh uses counts (a Plivo-shaped 404, confirmed, from a base that lists
    like Plivo's; see :mod:`..api.proof`); any other 404 is an ``error``. Beats local
    findings because ``pulumi refresh`` then ``pulumi up`` uploads the current file, which
    settles a local change as well.
``changed_remote``
    Plivo's size, content type or file name differ from state; with ``--verify-content``,
    also the sha256 of the served bytes. Media is immutable, so the fix is a replacement.
``local_missing``
    The file at ``path`` is gone (or is no longer a regular file).
``local_changed``
    The file's sha256 differs from state's ``content_sha256``.
``expiring``
    Within ``warn_within`` of ``expires_at`` (upload time + 6 h) by Plivo's clock (this
    machine's, corrected by the offset learnt from Plivo's answers). A warning, not drift:
    Plivo keeps media that was sent in an MMS for a year, and the API cannot tell which.
``in_sync``
    No finding.

Exit codes: 0 when every resource is ``in_sync`` or ``expiring``; 2 when drift is found;
1 when any resource is ``error`` or the run failed (bad state, no credentials, API
unreachable). An error wins over drift, because an incomplete check must not pass for a
complete report; the JSON still lists the drift that was found.

The report (statuses, the ``plivo-media-drift/1`` JSON document, the table) is defined in
:mod:`.report`; the ``plivo-media drift`` command in :mod:`plivo_media_provider.cli.drift`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from ..api.client import Media, MediaClient, format_time
from ..api.listing import find_media
from ..clock import CLOCK
from ..errors import AuthenticationError, PlivoMediaError
from ..facts import (
    UNSENT_RETENTION,
    UNSENT_RETENTION_WORDS,
    sha256_hex,
    sha256_stream,
)
from .report import (
    CHANGED_REMOTE,
    ERROR,
    EXPIRING,
    LOCAL_CHANGED,
    LOCAL_MISSING,
    MISSING_REMOTE,
    PRECEDENCE,
    DriftOptions,
    DriftReport,
    Finding,
    ResourceReport,
    Status,
)
from .stack_export import StateResource

_HASH_CHUNK = 256 * 1024


# -- checking ---------------------------------------------------------------------------------


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Once(Generic[K, V]):
    """Compute each key's value once, however many threads ask; errors are cached too."""

    def __init__(self, compute: Callable[[K], V]) -> None:
        self._compute = compute
        self._futures: dict[K, Future[V]] = {}
        self._lock = threading.Lock()

    def __call__(self, key: K) -> V:
        with self._lock:
            future = self._futures.get(key)
            owner = future is None
            if future is None:
                future = Future()
                self._futures[key] = future
        if owner:
            try:
                future.set_result(self._compute(key))
            except PlivoMediaError as exc:
                future.set_exception(exc)  # Every caller of this key sees the same error.
            finally:
                if not future.done():  # A bug escaped: callers waiting here must not hang.
                    future.set_exception(RuntimeError(f"checking {key!r} failed"))
        return future.result()


@dataclass(frozen=True)
class LocalFile:
    """The local side of a MediaFile: its file's sha256, or why there is none (``missing``
    says how it is gone, ``error`` why it could not be read)."""

    sha256: str | None = None
    missing: str | None = None
    error: str | None = None


def hash_file(path: str) -> LocalFile:
    """What ``path`` holds now, hashed in one pass. A drift check calls it once per path,
    however many resources name it."""
    try:
        if not os.path.isfile(path):
            kind = "is not a regular file" if os.path.exists(path) else "does not exist"
            return LocalFile(missing=kind)
        with open(path, "rb") as stream:
            digest, _ = sha256_stream(stream, chunk=_HASH_CHUNK)
        return LocalFile(sha256=digest)
    except FileNotFoundError:
        return LocalFile(missing="does not exist")
    except OSError as exc:
        return LocalFile(error=f"cannot be read ({exc.strerror})")


class _Checker:
    """Checks resources against one shared client and its listing, caching media by id and
    hashes by path. ``now`` is this machine's time (the listing's pages age by it),
    ``plivo_now`` Plivo's (expiries are judged by it)."""

    def __init__(
        self, client: MediaClient, options: DriftOptions, now: datetime, plivo_now: datetime
    ) -> None:
        self.client = client
        self.options = options
        self.now = now
        self.plivo_now = plivo_now
        self.stack_flag = f" --stack {options.stack}" if options.stack else ""
        self.hash_of = _Once(hash_file)
        self.get = _Once(self._get)
        self.sha_served = _Once(self._sha_served)

    def _get(self, wanted: tuple[str, datetime | None]) -> Media | None:
        # The listing shared by the workers answers most; absence needs a confirmed 404.
        media_id, upload_time = wanted
        return find_media(self.client, media_id, upload_time, self.now)

    def _sha_served(self, media: Media) -> str:
        return sha256_hex(self.client.download(media))

    def cmd(self, action: str, resource: StateResource) -> str:
        s = self.stack_flag
        return {
            "up": f"pulumi up{s}",
            "refresh_then_up": f"pulumi refresh{s}, then pulumi up{s}",
            "replace": f"pulumi up{s} --replace '{resource.urn}'",
            "restore_file": f"restore the file or drop the resource, then pulumi up{s}",
            "rerun": "run plivo-media drift again",
        }.get(action, "none")

    def check(self, resource: StateResource) -> ResourceReport:
        findings: list[Finding] = []

        def add(status: Status, reason: str, action: str, command: str | None = None) -> None:
            findings.append(Finding(status, reason, action, command or self.cmd(action, resource)))

        for problem in resource.problems:
            add(ERROR, f"Cannot check this resource: {problem}.", "rerun", "fix the state input")
        expires_at, note = self._check_remote(resource, add)
        self._check_local(resource, add)
        if expires_at is None and resource.upload_time is not None:
            expires_at = resource.upload_time + UNSENT_RETENTION
        ordered = sorted(findings, key=lambda f: PRECEDENCE.index(f.status))
        return ResourceReport(resource, tuple(ordered), expires_at, note)

    def _check_remote(
        self, resource: StateResource, add: Callable[..., None]
    ) -> tuple[datetime | None, str]:
        """Compare with Plivo; return the live expiry and a note for an in-sync verdict."""
        if not resource.media_id:
            return None, ""
        try:
            media = self.get((resource.media_id, resource.upload_time))
        except AuthenticationError:
            raise  # The whole run is pointless with refused credentials.
        except PlivoMediaError as err:
            add(ERROR, f"Could not retrieve media {resource.media_id}: {err}", "rerun")
            return None, ""
        if media is None:
            expected = (resource.upload_time + UNSENT_RETENTION) if resource.upload_time else None
            if expected is not None and expected <= self.plivo_now:
                why = (f"Plivo no longer has media {resource.media_id}: it expired at "
                       f"{format_time(expected)} (unsent media is deleted "
                       f"{UNSENT_RETENTION_WORDS} after upload)")
            else:
                why = (f"Plivo no longer has media {resource.media_id}: it was deleted or the "
                       "id is wrong")
            add(MISSING_REMOTE, why + ".", "refresh_then_up")
            return None, ""

        differences = [
            f"{key} is {live!r} at Plivo but {recorded!r} in state"
            for key, live, recorded in (
                ("size", media.size, resource.size),
                ("content_type", media.content_type, resource.content_type),
                ("file_name", media.file_name, resource.file_name),
            )
            if recorded is not None and live != recorded
        ]
        if self.options.verify_content and resource.content_sha256:
            try:
                served = self.sha_served(media)
            except PlivoMediaError as err:
                add(ERROR, f"Could not download media {media.media_id}: {err}", "rerun")
            else:
                if served != resource.content_sha256:
                    differences.append(
                        f"the served bytes hash to {served[:12]}…, not state's "
                        f"{resource.content_sha256[:12]}…"
                    )
        if differences:
            add(CHANGED_REMOTE, f"Media {media.media_id} differs: {'; '.join(differences)}.",
                "replace")

        expires_at = media.upload_time + UNSENT_RETENTION
        note = ""
        left = expires_at - self.plivo_now
        if left <= timedelta(0):
            note = (f"still held after its unsent expiry ({format_time(expires_at)}), so it was "
                    "sent in an MMS and is kept for a year")
        elif left <= self.options.warn_within:
            add(EXPIRING, f"Unless it was sent in an MMS, Plivo deletes it at "
                f"{format_time(expires_at)}, in {_human(left)}.", "none",
                f"none; send it before then, or re-upload: {self.cmd('replace', resource)}")
        return expires_at, note

    def _check_local(self, resource: StateResource, add: Callable[..., None]) -> None:
        if resource.path is None:
            return
        full = os.path.abspath(os.path.join(self.options.root, resource.path))
        local = self.hash_of(full)
        where = full if os.path.isabs(resource.path) else f"{resource.path} (at {full})"
        if local.missing is not None:
            add(LOCAL_MISSING, f"The file {where} {local.missing}.", "restore_file")
        elif local.error is not None:
            add(ERROR, f"The file {where} {local.error}.", "rerun",
                f"fix the permissions of {full}")
        elif resource.content_sha256 and local.sha256 != resource.content_sha256:
            add(LOCAL_CHANGED, f"The file {where} changed since the last pulumi up (sha256 "
                f"{str(local.sha256)[:12]}…, state has {resource.content_sha256[:12]}…).", "up")


def _human(delta: timedelta) -> str:
    minutes = max(0, round(delta.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def check_drift(
    resources: Sequence[StateResource],
    client: MediaClient,
    options: DriftOptions,
    *,
    source: str = "",
    progress: Callable[[int, int], None] | None = None,
    warn: Callable[[str], None] | None = None,
) -> DriftReport:
    """Check every resource with at most ``options.parallel`` requests in flight.

    One client is shared by all workers (it keeps a session per thread); media are read
    through its shared listing (see :mod:`..api.listing`), each media id once, and each path is
    hashed once. Raises AuthenticationError as soon as Plivo
    refuses the credentials; every other per-resource failure becomes an ``error`` finding.
    ``progress(done, total)`` is called from this thread after each resource; ``warn`` gets
    the one line about this machine's clock, when it is far from Plivo's.
    """
    started = time.monotonic()
    now = CLOCK.now()
    results: list[ResourceReport | None] = [None] * len(resources)
    if resources:
        # One cheap request first: refused credentials or an unreachable API fail the run
        # once, clearly, instead of once per resource after retries. Its Date tells the
        # offset from Plivo's clock, by which expiries are judged.
        client.list_page(limit=1)
    note = client.plivo_clock.take_warning()
    if note is not None and warn is not None:
        warn(note)
    checker = _Checker(client, options, now, client.plivo_clock.plivo_time(now))
    pool = ThreadPoolExecutor(max_workers=max(1, options.parallel),
                              thread_name_prefix="drift")
    try:
        futures = {pool.submit(checker.check, r): i for i, r in enumerate(resources)}
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress is not None:
                progress(done, len(resources))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return DriftReport(
        resources=[r for r in results if r is not None],
        options=options,
        source=source,
        api_url=client.api_url,
        generated_at=now,
        elapsed=time.monotonic() - started,
    )
