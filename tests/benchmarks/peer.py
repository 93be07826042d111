"""The naive peer: the dynamic provider a user would write in 30 lines with Plivo's SDK.

It hashes in check, compares hashes in diff, uploads with ``client.media.upload([path])``
and reads with ``client.media.get(id)``, on one ``plivo.RestClient`` per process. The only
line a user would not write is :func:`_point_at`: Plivo's SDK has no base-URL option.
"""

from __future__ import annotations

import functools
import hashlib
import os
from typing import Any

import plivo
import plivo.rest.client
from plivo.exceptions import ResourceNotFoundError
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, ResourceProvider


def _point_at(client: plivo.RestClient, api_url: str) -> None:
    """Send ``client``'s requests to ``api_url`` instead of https://api.plivo.com.

    ``Client.request`` resets ``client.base_uri`` from the module attribute
    ``plivo.rest.client.PLIVO_API_BASE_URI`` before every JSON request; multipart uploads
    use ``client.base_uri`` as it is. Both are set.
    """
    base = f"{api_url.rstrip('/')}/v1/Account"
    plivo.rest.client.PLIVO_API_BASE_URI = base
    client.base_uri = base


@functools.cache
def _client() -> plivo.RestClient:
    client = plivo.RestClient()  # PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN from the environment
    _point_at(client, os.environ["PLIVO_API_URL"])
    return client


def _sha256(path: str) -> str:
    with open(path, "rb") as stream:
        return hashlib.sha256(stream.read()).hexdigest()


class NaivePlivoProvider(ResourceProvider):
    """Uploads ``path`` as Plivo media; replaces it when the file's sha256 changes."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult({**news, "sha256": _sha256(news["path"])}, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = olds.get("sha256") != news["sha256"]
        return DiffResult(changes=changed, replaces=["sha256"] if changed else [])

    def create(self, props: dict[str, Any]) -> CreateResult:
        media = _client().media.upload([props["path"]])["objects"][0]
        return CreateResult(media.media_id, {**props, "media_url": media.media_url})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            media = _client().media.get(id_)
        except ResourceNotFoundError:
            return ReadResult(None, {})
        return ReadResult(id_, {**props, "media_url": media.media_url})
