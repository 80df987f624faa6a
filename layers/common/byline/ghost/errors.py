"""Ghost's error bodies, field for field (GHOST-CONTENT-API.md §3 and §5).

Ghost's error handler (``@tryghost/mw-error-handler`` ``jsonErrorRenderer``) answers every
failure with ``{"errors": [one error]}`` whose keys come in a fixed order, ``id`` a fresh UUID v4
per response. The official client throws ``Error(message)`` named after ``type`` and copies
every other key onto it, so front-ends branch on ``type`` and ``code``: these are copied
exactly, not paraphrased. Pure: a Content API route turns a :class:`GhostError` into a response
with :func:`render` and the error's ``status``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, ClassVar

FIELDS = (
    "message",
    "context",
    "type",
    "details",
    "property",
    "help",
    "code",
    "id",
    "ghostErrorCode",
)
"""The keys of one error, in the order Ghost writes them."""


class GhostError(Exception):
    """An error a Content API route answers in Ghost's shape. ``type`` is Ghost's error class
    name; ``message``, ``context``, ``code`` and ``help`` are its exact texts (None is JSON
    null, as Ghost sends it)."""

    status: ClassVar[int] = 500
    type: ClassVar[str] = "InternalServerError"

    def __init__(
        self,
        message: str,
        *,
        context: str | None = None,
        code: str | None = None,
        help: str | None = None,
        details: Any = None,
        property: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.context = context
        self.code = code
        self.help = help
        self.details = details
        self.property = property


class BadRequestError(GhostError):
    status, type = 400, "BadRequestError"


class UnauthorizedError(GhostError):
    status, type = 401, "UnauthorizedError"


class NoPermissionError(GhostError):
    status, type = 403, "NoPermissionError"


class NotFoundError(GhostError):
    status, type = 404, "NotFoundError"


class ValidationError(GhostError):
    status, type = 422, "ValidationError"


class RequestNotAcceptableError(GhostError):
    """No route for the client's ``Accept-Version`` (raised outside controllers only)."""

    status, type = 406, "RequestNotAcceptableError"


class InternalServerError(GhostError):
    status, type = 500, "InternalServerError"


def new_error_id() -> str:
    """A UUID v4, as Ghost gives every error response."""
    return str(uuid.uuid4())


def envelope(error: GhostError, *, error_id: str | None = None) -> dict[str, Any]:
    """``{"errors": [...]}`` for ``error``, keys in Ghost's order; ``error_id`` defaults to a
    fresh one (a test passes its own to compare whole bodies)."""
    return {
        "errors": [
            {
                "message": error.message,
                "context": error.context,
                "type": error.type,
                "details": error.details,
                "property": error.property,
                "help": error.help,
                "code": error.code,
                "id": error_id or new_error_id(),
                "ghostErrorCode": None,
            }
        ]
    }


def render(error: GhostError, *, error_id: str | None = None) -> str:
    """The response body, JSON text as Ghost sends it (compact, key order kept)."""
    return json.dumps(envelope(error, error_id=error_id), separators=(",", ":"))


# Content API key authentication (§3): raised by byline.services.content_keys.verify.

NO_KEY_CONTEXT = (
    "Unable to determine the authenticated member or integration. Check the supplied Content "
    "API Key and ensure cookies are being passed through if member auth is failing."
)


class MissingKey(NoPermissionError):
    """No ``key`` parameter, or an empty one: 403."""

    def __init__(self) -> None:
        super().__init__("Authorization failed", context=NO_KEY_CONTEXT)


class RepeatedKey(BadRequestError):
    """``key`` given more than once: 400."""

    def __init__(self) -> None:
        super().__init__("Invalid Request", code="INVALID_REQUEST")


class UnknownKey(UnauthorizedError):
    """No such key (never issued, revoked, or not a key's shape): 401."""

    def __init__(self) -> None:
        super().__init__("Unknown Content API Key", code="UNKNOWN_CONTENT_API_KEY")
