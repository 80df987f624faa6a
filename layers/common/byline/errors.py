"""Domain errors. Services raise these; one place (byline.http.problems) turns them into
RFC 9457 problem documents, so no service knows about HTTP status codes."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a client may be told about."""

    title = "Error"
    status = 400
    type_slug = "error"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class BadRequest(DomainError):
    title, status, type_slug = "Bad request", 400, "bad-request"


class Unauthorized(DomainError):
    title, status, type_slug = "Unauthorized", 401, "unauthorized"


class Forbidden(DomainError):
    title, status, type_slug = "Forbidden", 403, "forbidden"


class NotFound(DomainError):
    title, status, type_slug = "Not found", 404, "not-found"


class Conflict(DomainError):
    title, status, type_slug = "Conflict", 409, "conflict"


class Gone(DomainError):
    title, status, type_slug = "Gone", 410, "gone"


class PreconditionFailed(DomainError):
    title, status, type_slug = "Precondition failed", 412, "precondition-failed"


class PayloadTooLarge(DomainError):
    title, status, type_slug = "Payload too large", 413, "payload-too-large"


class UnsupportedMediaType(DomainError):
    title, status, type_slug = "Unsupported media type", 415, "unsupported-media-type"


class UnprocessableContent(DomainError):
    title, status, type_slug = "Unprocessable content", 422, "unprocessable"


class PreconditionRequired(DomainError):
    title, status, type_slug = "Precondition required", 428, "precondition-required"


class TooManyRequests(DomainError):
    title, status, type_slug = "Too many requests", 429, "too-many-requests"


class ServiceUnavailable(DomainError):
    title, status, type_slug = "Service unavailable", 503, "service-unavailable"
