"""The one way a Byline function builds its resolver and its Lambda entry point.

Handlers call :func:`build_api`, declare their route on it, and export
``lambda_handler = entrypoint(app)``; everything cross-cutting (validation, problem
documents, CORS, security headers, request limits, logging, tracing, metrics) lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.api_gateway_proxy_event import (
    APIGatewayProxyEvent,
)
from aws_lambda_powertools.utilities.data_classes.common import CaseInsensitiveDict

from byline.auth.principal import Principal, require_principal
from byline.errors import DomainError, NotFound, ServiceUnavailable, UnprocessableContent
from byline.http import problems
from byline.http.headers import apply_standard_headers, set_header
from byline.http.limits import check_request, load_json_body
from byline.http.pages import problem_page, proxy_response
from byline.models.problem import PROBLEM_CONTENT_TYPE, Problem
from byline.observability import logger, metrics, tracer
from byline.settings import get_settings

BEARER_AUTH: list[dict[str, list[str]]] = [{"cognito": []}]
"""The ``security`` of a route that API Gateway's Cognito authorizer guards."""

_PROBLEM_DESCRIPTIONS = {
    400: "Malformed request",
    401: "Missing, invalid or expired token",
    403: "Not allowed for this user",
    404: "No such resource",
    409: "Conflicts with the current state",
    412: "The resource changed since the given ETag",
    413: "Request body too large",
    415: "Request body is not JSON",
    422: "The request does not satisfy the schema",
    428: "If-Match is required",
    429: "Too many requests; see Retry-After",
    500: "Unexpected failure; reported to the operators",
    503: "A dependency is unavailable; retry later",
}


_PAGE_DESCRIPTIONS = {
    400: "A broken, cut or altered link, or bad input",
    410: "The account is gone",
    422: "A link far longer than any we send",
    415: "A body of a type the route does not read",
}


def success(
    status: int, description: str, model: type[Any] | None = None, **others: str
) -> dict[int, Any]:
    """OpenAPI ``responses`` for a success (with its JSON model, when the route returns a
    ``Response[Any]``), plus bodiless ones such as ``{304: "Not modified"}`` via ``others``."""
    entry: dict[str, Any] = {"description": description}
    if model is not None:
        entry["content"] = {"application/json": {"model": model}}
    result: dict[int, Any] = {status: entry}
    for code, text in others.items():
        result[int(code.removeprefix("s"))] = {"description": text}
    return result


def html_responses(description: str) -> dict[int, Any]:
    return {
        200: {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}
    }


def link_problems(*statuses: int) -> dict[int, dict[str, Any]]:
    """OpenAPI ``responses`` of a page opened from an email (``build_api(pages=True)``): a broken
    or altered link (400; 422 for a query past its declared length), a body over the limit (413),
    the ``statuses`` named (415 for a body route), failures (500, 503): every one an HTML page."""
    html = {"text/html": {"schema": {"type": "string"}}}
    return {
        status: {
            "description": (_PAGE_DESCRIPTIONS.get(status) or _PROBLEM_DESCRIPTIONS[status])
            + " (an HTML page)",
            "content": html,
        }
        for status in sorted({400, 413, 422, 500, 503, *statuses})
    }


def problem_responses(*statuses: int) -> dict[int, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problem documents a route may return."""
    return {
        status: {
            "description": _PROBLEM_DESCRIPTIONS.get(status, "Problem"),
            "content": {PROBLEM_CONTENT_TYPE: {"model": Problem}},
        }
        for status in sorted({*statuses, 400, 413, 415, 422, 500})
    }


def text_responses(media_type: str, description: str) -> dict[int, Any]:
    """OpenAPI ``responses`` of a cached read whose body is text (a feed, a sitemap)."""
    return {
        200: {"description": description, "content": {media_type: {"schema": {"type": "string"}}}},
        304: {"description": "Not modified"},
    }


def caller(app: APIGatewayRestResolver, *, deleting_ok: bool = False) -> Principal:
    """The caller of a route the Cognito authorizer guards, with the role their account holds
    now (401 if there is no token, or the account no longer backs it: deleted, re-created,
    signed out). One consistent GetItem of the profile (byline.services.authority)."""
    from byline.services.authority import authority

    principal = require_principal(app.current_event.raw_event)
    return authority().current(principal, deleting_ok=deleting_ok)


def claimed(app: APIGatewayRestResolver) -> Principal:
    """Who the token says the caller is, unchecked against the account: only for scoping
    (an idempotency key), never for a decision."""
    return require_principal(app.current_event.raw_event)


def acting[T](app: APIGatewayRestResolver, use: Callable[[Principal], T]) -> T:
    """``use(caller)`` for a route whose writes are transactions: the account check rides in
    the transaction instead of a read before it (byline.services.authority.Authority.act)."""
    from byline.services.authority import authority

    return authority().act(require_principal(app.current_event.raw_event), use)


def source_ip(app: APIGatewayRestResolver) -> str:
    """The client address API Gateway saw."""
    context = app.current_event.request_context
    return str(context.identity.source_ip or "unknown") if context else "unknown"


def _request_id(app: APIGatewayRestResolver) -> str | None:
    context = app.current_event.request_context
    return context.request_id if context else None


def _problem_response(
    status: int, body: str, headers: dict[str, str] | None = None
) -> Response[str]:
    return Response(
        status_code=status, content_type=PROBLEM_CONTENT_TYPE, body=body, headers=headers or {}
    )


class _RestEvent(APIGatewayProxyEvent):
    """API Gateway's REST proxy event with its header views built once per request.

    powertools' request validation reads the multi-value headers several times per request
    (for header parameters, then cookies), and every read copies each header into a new
    case-insensitive dict: about a tenth of a warm read's own time with API Gateway's usual
    twenty-odd headers. Nothing writes to a request's headers, so one copy serves them all.
    """

    @cached_property
    def multi_value_headers(self) -> dict[str, list[str]]:
        return CaseInsensitiveDict(self.get("multiValueHeaders"))  # type: ignore[no-untyped-call]

    @cached_property
    def headers(self) -> dict[str, str]:
        return CaseInsensitiveDict(self.get("headers"))  # type: ignore[no-untyped-call]


class _RestResolver(APIGatewayRestResolver):
    pages = False
    """Whether the routes are pages for a person (``build_api(pages=True)``)."""

    def _to_proxy_event(self, event: dict[str, Any]) -> _RestEvent:
        return _RestEvent(event, self._json_body_deserializer)


def build_api(*, pages: bool = False) -> APIGatewayRestResolver:
    """The resolver. ``pages``: the routes are pages a person opens from an email (byline.http.
    pages), so every refusal, validation included, is a readable HTML page, never JSON."""
    settings = get_settings()
    origins = list(settings.cors_allow_origins) or ["*"]
    cors = CORSConfig(
        allow_origin=origins[0],
        extra_origins=origins[1:],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "If-Match",
            "If-None-Match",
            "Idempotency-Key",
        ],
        expose_headers=["ETag", "Location", "Retry-After", "X-Request-Id"],
        max_age=600,
    )
    app = _RestResolver(enable_validation=True, cors=cors, json_body_deserializer=load_json_body)
    app.pages = pages

    def _invalid_request(error: RequestValidationError) -> Response[str]:
        raw = list(error.errors())
        malformed = problems.is_malformed_json(raw)
        status = 400 if malformed else 422
        detail = (
            "The request body is not valid JSON."
            if malformed
            else "The request does not satisfy the schema; see errors."
        )
        body = problems.problem_body(
            status,
            detail,
            slug="malformed-json" if malformed else "validation",
            instance=_request_id(app),
            errors=problems.field_errors(raw),
        )
        return _problem_response(status, body)

    def _domain_error(error: DomainError) -> Response[str]:
        body = problems.problem_from_error(error, instance=_request_id(app))
        return _problem_response(error.status, body, error.headers)

    def _no_route(_: NotFoundError) -> Response[str]:
        body = problems.problem_body(404, "No route matches this path.", instance=_request_id(app))
        return _problem_response(404, body)

    def _unexpected(error: Exception) -> Response[str]:
        logger.exception("Unhandled error", exc_info=error)
        metrics.add_metric(name="UnhandledErrors", unit=MetricUnit.Count, value=1)
        body = problems.problem_body(
            500, "The server failed to handle this request.", instance=_request_id(app)
        )
        return _problem_response(500, body)

    if pages:
        _handle_as_pages(app)
    else:
        app.exception_handler(RequestValidationError)(_invalid_request)
        app.exception_handler(DomainError)(_domain_error)
        app.exception_handler(NotFoundError)(_no_route)
        app.exception_handler(Exception)(_unexpected)
    return app


_ALTERED = "This link is incomplete or has been changed; use the link from your latest digest."


def _handle_as_pages(app: APIGatewayRestResolver) -> None:
    def _invalid_request(_: RequestValidationError) -> Response[str]:
        return problem_page(UnprocessableContent(_ALTERED))

    def _no_route(_: NotFoundError) -> Response[str]:
        return problem_page(NotFound("There is no page at this address."))

    def _unexpected(error: Exception) -> Response[str]:
        logger.exception("Unhandled error", exc_info=error)
        metrics.add_metric(name="UnhandledErrors", unit=MetricUnit.Count, value=1)
        response = problem_page(ServiceUnavailable("Something went wrong on our side."))
        response.status_code = 500
        return response

    app.exception_handler(RequestValidationError)(_invalid_request)
    app.exception_handler(DomainError)(problem_page)
    app.exception_handler(NotFoundError)(_no_route)
    app.exception_handler(Exception)(_unexpected)


LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def entrypoint(app: APIGatewayRestResolver, also_accept: tuple[str, ...] = ()) -> LambdaHandler:
    """The Lambda handler for an API function: request limits, resolver, standard headers.
    ``also_accept`` names body content types besides JSON (e.g. one-click unsubscribe forms).
    An app built with ``build_api(pages=True)`` has what the limits refuse as an HTML page."""
    pages = isinstance(app, _RestResolver) and app.pages

    @logger.inject_lambda_context
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        request_id = (event.get("requestContext") or {}).get("requestId")
        # The correlation id is API Gateway's request id (what correlation_paths.API_GATEWAY_REST
        # would find with a JMESPath search on every request).
        logger.set_correlation_id(request_id)
        refusal = check_request(event, get_settings().max_body_bytes, also_accept)
        if refusal is not None:
            response = (
                proxy_response(problem_page(refusal))
                if pages
                else problems.json_problem(
                    refusal.status, problems.problem_from_error(refusal, instance=request_id)
                )
            )
            if refusal.status == 413:
                set_header(response, "Connection", "close")
        else:
            response = dict(app.resolve(event, context))
        return apply_standard_headers(response, request_id)

    return cast(LambdaHandler, lambda_handler)
