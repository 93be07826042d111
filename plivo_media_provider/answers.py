"""Plivo's answers read into the package's error tree: one line each, never a page of HTML.

Works on :class:`Answer`, the status, headers and reason of an HTTP answer, so it needs no
HTTP library; :mod:`.client` hands it every answer that is not a success.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import (
    APIError,
    AuthenticationError,
    InvalidRequest,
    MediaNotFound,
    RateLimited,
    ServerError,
    UnexpectedResponse,
)

_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Answer:
    """What an error message needs of an HTTP answer besides its body."""

    status_code: int
    headers: Mapping[str, str]
    reason: str = ""


def summary(response: Answer, content: bytes, limit: int = 120) -> str:
    """One line about an answer that is not Plivo's JSON: status, type and first words."""
    kind = response.headers.get("Content-Type", "no content type").split(";")[0].strip()
    text = content[:limit * 8].decode("utf-8", "replace")
    if "html" in kind.lower():
        text = _TAG.sub(" ", text)
    text = " ".join(text.split())
    text = text[:limit] + ("…" if len(text) > limit or len(content) > limit * 8 else "")
    return f"HTTP {response.status_code}, {kind}, {text!r}" if text else (
        f"HTTP {response.status_code}, {kind}, empty body")


def raise_for_status(response: Answer, content: bytes, operation: str) -> None:
    """Raise the APIError subclass for an error status, with Plivo's ``error`` text."""
    status = response.status_code
    api_id: str | None = None
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    # Plivo's own 404 is JSON by content type with an ``error`` field; a proxy's page is not.
    plivo_shaped = (isinstance(body, dict) and "error" in body
                    and "json" in response.headers.get("Content-Type", "").lower())
    if isinstance(body, dict) and ("error" in body or "api_id" in body):
        error = " ".join(str(body.get("error")).split())[:300]
        api_id = str(body["api_id"]) if body.get("api_id") else None
    else:
        error = summary(response, content) if content else (response.reason or "no details")
    ref = f" (api_id {api_id})" if api_id else ""
    if status in (401, 403):
        raise AuthenticationError(
            f"Plivo refused the credentials for {operation} (HTTP {status}: {error}){ref}; check "
            "plivo:authId and plivo:authToken, or PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN.",
            status=status, api_id=api_id, error=error,
        )
    if status == 404:
        raise MediaNotFound(
            f"Plivo has no such media for {operation} (HTTP 404: {error}){ref}; it expired, was "
            "deleted, or the id is wrong.",
            status=status, api_id=api_id, error=error, plivo_shaped=plivo_shaped,
        )
    if status == 429:
        retry_after = response.headers.get("Retry-After")
        raise RateLimited(
            f"Plivo's rate limit stopped {operation} (HTTP 429: {error}){ref} even after "
            "retries; wait a minute and run again, or lower the parallelism.",
            status=status, api_id=api_id, error=error,
            retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
        )
    if status >= 500:
        raise ServerError(
            f"Plivo failed on its side during {operation} (HTTP {status}: {error}){ref}; "
            "run again later.",
            status=status, api_id=api_id, error=error,
        )
    if status in (400, 405, 413, 422):
        raise InvalidRequest(
            f"Plivo refused {operation} (HTTP {status}: {error}){ref}.",
            status=status, api_id=api_id, error=error,
        )
    if 300 <= status < 400:
        where = response.headers.get("Location", "nowhere")
        raise UnexpectedResponse(
            f"Plivo answered {operation} with a redirect (HTTP {status} to {where:.120}), which "
            "this client does not follow; check plivo:apiUrl / PLIVO_API_URL.",
            status=status, api_id=api_id, error=error,
        )
    raise APIError(
        f"Plivo answered {operation} with HTTP {status}: {error}{ref}.",
        status=status, api_id=api_id, error=error,
    )
