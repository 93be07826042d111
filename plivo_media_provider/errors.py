"""The package's exceptions: one tree, so callers can catch exactly as much as they mean.

    PlivoMediaError
    ├── ConfigurationError        settings are missing or malformed; nothing was sent
    ├── ContentError              a local file cannot be uploaded as it is
    │   └── MediaAssetsError      a declared set of files has problems (all listed)
    ├── StackExportError          a Pulumi stack export is missing or malformed
    ├── KitRunError               a test kit run had check failures or provider errors
    ├── TransportError            no HTTP answer arrived
    │   ├── UploadOutcomeUnknown  an upload was sent but its outcome is unknown
    │   └── Cancelled             the engine cancelled the run; the request was not sent
    ├── ReconciliationError       an unknown upload outcome could not be settled
    └── APIError                  Plivo answered with an error status
        ├── AuthenticationError   401 / 403
        ├── MediaNotFound         404
        ├── GoneUnproven          a 404 that does not prove the media gone
        ├── InvalidRequest        400 / 405 / 413 / 422
        │   └── UploadPartlyRefused  some files of an upload refused; ``stored`` has the rest
        ├── RateLimited           429
        ├── ServerError           5xx
        └── UnexpectedResponse    an answer (2xx or 3xx) this client cannot read or trust

Every message is one sentence that says what failed and what to do. No message, repr or
attribute of these errors ever holds the auth token: errors are built from status codes,
Plivo's own ``error`` text and ids, never from request headers.
"""

from __future__ import annotations

from collections.abc import Sequence


class PlivoMediaError(Exception):
    """Root of every error this package raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigurationError(PlivoMediaError, ValueError):
    """Settings are missing or malformed; no request was sent."""


class ContentError(PlivoMediaError, ValueError):
    """A local file cannot be uploaded as it is (missing, too large, wrong type, changed)."""


class MediaAssetsError(ContentError):
    """A MediaAssets set cannot be declared; ``problems`` lists every reason, not just one."""

    def __init__(self, label: str, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        what = "this problem" if count == 1 else f"these {count} problems"
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{label} cannot be declared; fix {what}:\n{lines}")


class StackExportError(PlivoMediaError, ValueError):
    """The Pulumi stack export could not be obtained or is not one."""


class KitRunError(PlivoMediaError, AssertionError):
    """A test kit run had check failures or provider errors, all listed in ``failures``."""

    # An AssertionError too, so pytest reports a kit run that failed as a failed test.

    def __init__(self, failures: Sequence[str]) -> None:
        self.failures = tuple(failures)
        super().__init__(f"{len(self.failures)} MediaFile(s) failed: " + " | ".join(self.failures))


class TransportError(PlivoMediaError):
    """No HTTP answer arrived (connection refused, reset, timed out); safe to retry reads."""


class UploadOutcomeUnknown(TransportError):
    """An upload reached the wire but no answer came back; retrying blindly may duplicate it."""

    # ``timed_out``: the answer was only late, so Plivo may still be storing the upload.

    def __init__(
        self, message: str, file_names: tuple[str, ...] = (), *, timed_out: bool = False
    ) -> None:
        super().__init__(message)
        self.file_names = file_names
        self.timed_out = timed_out


class Cancelled(TransportError):
    """The engine cancelled the run (``pulumi up`` interrupted); this request was not sent."""


class ReconciliationError(PlivoMediaError):
    """After an unknown upload outcome, the media to adopt could not be identified."""


class APIError(PlivoMediaError):
    """Plivo answered with an error status; ``status``, ``api_id`` and Plivo's text are kept."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        api_id: str | None = None,
        error: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.api_id = api_id
        self.error = error

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, api_id={self.api_id!r}, "
            f"message={self.message!r})"
        )


class AuthenticationError(APIError):
    """Plivo refused the credentials (401) or the account may not do this (403)."""


class MediaNotFound(APIError):
    """Plivo has no media with that id (404): it expired, was deleted, or never existed."""

    # ``plivo_shaped`` is True only when the 404's body was Plivo's: JSON by content type,
    # an object with an ``error`` field. A proxy's HTML page is not (see ``api/proof.py``).

    def __init__(
        self,
        message: str,
        *,
        status: int = 404,
        api_id: str | None = None,
        error: str | None = None,
        plivo_shaped: bool = False,
    ) -> None:
        super().__init__(message, status=status, api_id=api_id, error=error)
        self.plivo_shaped = plivo_shaped


class GoneUnproven(APIError):
    """A 404 that does not prove the media gone (not Plivo's, unconfirmed, or a wrong base)."""


class InvalidRequest(APIError):
    """Plivo refused the request as malformed or not allowed (400, 405, 413, 422)."""


class UploadPartlyRefused(InvalidRequest):
    """Plivo refused some files of an upload; ``stored`` holds the media of the others."""

    # ``stored`` is aligned with the files sent: each file's Media, or None where refused;
    # ``problems`` has one line per refused file.

    def __init__(
        self,
        message: str,
        *,
        status: int,
        stored: Sequence[object | None],
        problems: Sequence[str],
        api_id: str | None = None,
    ) -> None:
        super().__init__(message, status=status, api_id=api_id, error="; ".join(problems))
        self.stored = tuple(stored)
        self.problems = tuple(problems)


class RateLimited(APIError):
    """Plivo's rate limit was hit (429) and retries did not get past it."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 429,
        api_id: str | None = None,
        error: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, api_id=api_id, error=error)
        self.retry_after = retry_after


class ServerError(APIError):
    """Plivo failed on its side (5xx); the request may be retried later."""


class UnexpectedResponse(APIError):
    """An answer this client cannot read or trust: not JSON, cut off, mismatched, a redirect."""


__all__ = [
    "APIError",
    "AuthenticationError",
    "Cancelled",
    "ConfigurationError",
    "ContentError",
    "GoneUnproven",
    "InvalidRequest",
    "KitRunError",
    "MediaAssetsError",
    "MediaNotFound",
    "PlivoMediaError",
    "RateLimited",
    "ReconciliationError",
    "ServerError",
    "StackExportError",
    "TransportError",
    "UnexpectedResponse",
    "UploadOutcomeUnknown",
    "UploadPartlyRefused",
]
