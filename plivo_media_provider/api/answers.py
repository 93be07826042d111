"""Plivo's answers read into the package's error tree: one line each, never a page of HTML.

Works on :class:`Answer`, the status, headers and reason of an HTTP answer, so it needs no
HTTP library; :mod:`.client` hands it every answer that is not a success. Messages name the
settings the running command reads (``sources``, see :class:`.settings.Sources`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import (
    APIError,
    AuthenticationError,
    InvalidRequest,
    MediaNotFound,
    RateLimited,
    ServerError,
    UnexpectedResponse,
)
from ..settings import DEFAULT_API_URL, PULUMI_SOURCES, Sources

_TAG = re.compile(r"<[^>]*>")
_HIDDEN = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
SUMMARY_CHARS = 80
"""How much of a body that is not Plivo's JSON an error message quotes."""


@dataclass(frozen=True)
class Answer:
    """What an error message needs of an HTTP answer besides its body."""

    status_code: int
    headers: Mapping[str, str]
    reason: str = ""


def summary(response: Answer, content: bytes, limit: int = SUMMARY_CHARS) -> str:
    """One line about an answer that is not Plivo's JSON: status, type and first words.

    Whitespace is collapsed; an HTML body loses its tags (and its head, scripts and styles),
    so a proxy's error page reads as its title and first sentence. At most ``limit``
    characters are quoted, cut at a word, then ``…``.
    """
    kind = response.headers.get("Content-Type", "no content type").split(";")[0].strip()
    window = limit * 40
    text = content[:window].decode("utf-8", "replace")
    if "html" in kind.lower() or text.lstrip()[:1] == "<":
        text = _TAG.sub(" ", _HIDDEN.sub(" ", text))
    text = " ".join(text.split())
    if len(text) > limit or len(content) > window:
        cut = text[:limit]
        text = (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2:] else cut) + "…"
    if not text:
        return f"HTTP {response.status_code}, {kind}, empty body"
    return f"HTTP {response.status_code}, {kind}, {text!r}"


def json_problem(content: bytes) -> str:
    """Why ``content`` is not JSON, honestly: cut off only when the decoder ran out of input
    (or met a string that never closes); otherwise malformed, with the decoder's words.

    ``"truncated: it ends at byte 120 in the middle of a value"`` or ``"not valid JSON
    (Expecting value at line 1 column 1)"``.
    """
    text = content.decode("utf-8", "replace")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        if text.strip() and (exc.pos >= len(text.rstrip())
                             or exc.msg.startswith("Unterminated string")):
            return f"truncated: it ends after {len(content)} bytes in the middle of a value"
        return f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    return "valid JSON"


def raise_for_status(
    response: Answer,
    content: bytes,
    operation: str,
    *,
    sources: Sources = PULUMI_SOURCES,
    base_url: str | None = None,
) -> None:
    """Raise the APIError subclass for an error status, with Plivo's ``error`` text.

    ``base_url`` is given for a list of the account's media: a 404 there is still a
    MediaNotFound, but its message says the API URL is wrong, not that some media is gone.
    """
    url_setting = sources.name("api_url")
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
            f"{sources.name('auth_id', 'auth_token')}.",
            status=status, api_id=api_id, error=error,
        )
    if status == 404 and base_url is not None:
        shape = "Plivo's JSON" if plivo_shaped else "not Plivo's JSON"
        raise MediaNotFound(
            f"The API at {base_url} answered {operation} with HTTP 404 ({shape}: {error}){ref}; "
            f"is this Plivo's API root? Set {url_setting} to the root, like {DEFAULT_API_URL}.",
            status=status, api_id=api_id, error=error, plivo_shaped=plivo_shaped,
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
            f"this client does not follow; check {url_setting}.",
            status=status, api_id=api_id, error=error,
        )
    raise APIError(
        f"Plivo answered {operation} with HTTP {status}: {error}{ref}.",
        status=status, api_id=api_id, error=error,
    )
