"""When a media is provably gone: the one rule refresh and drift apply before dropping it.

A 404 alone proves little. A proxy answers its own HTML 404 page, a load balancer can answer
404 for a moment, and an API URL with one ``/v1`` too many answers a perfectly Plivo-looking
JSON 404 for every media. Dropping a resource on any of those makes the next ``pulumi up``
upload everything again. So a media is *gone* only when all three hold:

1. Plivo-shaped: the 404's body is JSON (by content type) holding an ``error`` field;
2. confirmed: a second GET of the same media answers such a 404 too;
3. from Plivo: the API base has been shown, in this process, to be Plivo's Media API for this
   account: one list request (``limit=1``) answered with Plivo's list shape, ``meta`` and
   ``objects``. That is checked once per client and remembered, thread-safely.

Anything short of that raises :class:`GoneUnproven`, one line naming the URL setting; a
confirmation that finds the media returns it.
"""

from __future__ import annotations

import threading
import weakref

from ..errors import AuthenticationError, GoneUnproven, MediaNotFound, PlivoMediaError
from ..settings import DEFAULT_API_URL
from .client import Media, MediaClient


class GoneProof:
    """Proves media gone for one client; shared by every thread that uses that client."""

    def __init__(self, client: MediaClient) -> None:
        self.client = client
        self._plivo_base = False
        self._lock = threading.Lock()

    def get_or_gone(self, media_id: str) -> Media | None:
        """The media, or None when it is proven gone; raises GoneUnproven when not proven.

        Every other error of ``client.get`` (timeouts, 5xx, refused credentials) propagates.
        """
        try:
            return self.client.get(media_id)
        except MediaNotFound as first:
            self._require_plivo_shaped(media_id, first)
        return self.confirm_gone(media_id)

    def confirm_gone(self, media_id: str) -> Media | None:
        """Ask once more for media already reported absent (by a 404 or a listing).

        Returns the media if it is there after all, None if the proof holds, and raises
        GoneUnproven otherwise.
        """
        try:
            return self.client.get(media_id)
        except MediaNotFound as second:
            self._require_plivo_shaped(media_id, second)
        self.require_plivo_base(media_id)
        return None

    def require_plivo_base(self, media_id: str) -> None:
        """Raise GoneUnproven unless the API base answers a list request like Plivo's."""
        with self._lock:
            if self._plivo_base:
                return
            try:
                self.client.list_page(limit=1)
            except AuthenticationError:
                raise
            except PlivoMediaError as err:
                raise GoneUnproven(
                    f"Media {media_id} answered 404, but {self.client.api_url} does not answer "
                    f"like Plivo's Media API (listing media failed: {err}), so the 404 does not "
                    f"prove it gone and the resource is kept; check "
                    f"{self.client.sources.name('api_url')}: it should be "
                    f"{DEFAULT_API_URL}, without /v1.",
                    status=404,
                ) from err
            self._plivo_base = True

    def mark_plivo_base(self) -> None:
        """Record that this client's base answered a list in Plivo's shape (``list_page``)."""
        with self._lock:
            self._plivo_base = True

    def _require_plivo_shaped(self, media_id: str, err: MediaNotFound) -> None:
        if err.plivo_shaped:
            return
        raise GoneUnproven(
            f"Retrieving media {media_id} from {self.client.api_url} answered HTTP 404 with a "
            f"body that is not Plivo's JSON ({err.error!r}), so it does not prove the media "
            f"gone and the resource is kept; check {self.client.sources.name('api_url')}: it "
            f"should reach Plivo's API "
            f"({DEFAULT_API_URL}), not a proxy's or another site's page.",
            status=404, api_id=err.api_id, error=err.error,
        ) from err


_proofs: weakref.WeakKeyDictionary[MediaClient, GoneProof] = weakref.WeakKeyDictionary()
_proofs_lock = threading.Lock()


def proof_for(client: MediaClient) -> GoneProof:
    """The one GoneProof of ``client`` in this process, so the base is checked once."""
    with _proofs_lock:
        proof = _proofs.get(client)
        if proof is None:
            proof = _proofs[client] = GoneProof(client)
        return proof
