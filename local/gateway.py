"""API Gateway (REST API, Lambda proxy integration) in front of the local runtime.

Routes are the ``Type: Api`` events of the template's functions; each request is matched the
way API Gateway matches resources (literal segments beat ``{param}`` beats ``{proxy+}``),
authorised with the Cognito user pool authorizer the route names (or the API's default),
turned into a proxy event, handed to the function, and its proxy response turned back into
HTTP with API Gateway's rules (``headers`` and ``multiValueHeaders`` merged, base64 bodies
decoded, a default ``Content-Type`` of ``application/json``, restricted headers remapped to
``x-amzn-Remapped-*``). A malformed response or a function error becomes a 502, a timeout a
504, both rendered from the template's ``GatewayResponses`` like the deployed API does.

Where the local stack knowingly differs from AWS:

* Where no route matches, none: an unknown path, a known path without that method, and a method no
  REST API resource can have (anything but GET, POST, PUT, PATCH, DELETE, HEAD and OPTIONS:
  ``TRACE``, ``CONNECT``, ``PROPFIND``, ``purge``, ``FOO``) all get exactly the deployed API's
  answer, the template's MISSING_AUTHENTICATION_TOKEN gateway response (403 "Missing
  Authentication Token" by default; this template makes it a 404 problem), and a route of
  method ``ANY`` does not take the odd methods. The deployed API's default (edge-optimized)
  endpoint is behind CloudFront, which forwards only those seven methods and refuses the others
  itself, before API Gateway, with its own 403 (Invalid method): the one answer the local
  stack does not imitate.
* Requests may carry the stage as a path prefix (``/local/health``), so the URL in
  ``requestContext.path`` also works locally; ``requestContext.domainName`` is the Host the
  client used, so links a function builds point back at the local stack.
* GET /, /docs and /docs/* are the local stack's own pages unless the template routes them,
  and so are /_outbox and /_outbox/<id>, the emails the emulated SES accepted.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from local import docs_ui
from local.bootstrap import Stack, client
from local.events import (
    HttpRequest,
    RouteMatch,
    api_gateway_proxy_event,
    api_id_for,
    forwarded_headers,
    trace_id,
)
from local.jwt_verify import (
    CognitoIdTokenVerifier,
    TokenRejected,
    apigw_claims,
    fetch_jwks,
)
from local.outbox import OUTBOX_CSP, OUTBOX_PATH, outbox_page
from local.runtime import Invocation, Runtime
from local.template import strip_quotes

log = logging.getLogger("local.gateway")

IMPLICIT_API = "ServerlessRestApi"
PROBLEM_TYPE_PREFIX = "urn:problem:byline:"
PROBLEM_CONTENT_TYPE = "application/problem+json"
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's REST API payload limit
# The methods a REST API resource can have (``ANY`` stands for all of them, and only them).
API_GATEWAY_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_PROXY_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
_REMAPPED_HEADERS = {
    "authorization",
    "connection",
    "date",
    "proxy-authenticate",
    "server",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "warn",
    "www-authenticate",
}
_DROPPED_HEADERS = {"content-length"}

Verify = Callable[[str | None], dict[str, Any]]


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    function: str | None = None


@dataclass(frozen=True)
class Cors:
    """An API's ``Cors`` setting, with SAM's single quotes removed."""

    allow_origin: str
    allow_methods: str | None = None
    allow_headers: str | None = None
    max_age: str | None = None
    allow_credentials: bool = False

    @classmethod
    def from_property(cls, value: Any) -> Cors | None:
        if not value:
            return None
        if isinstance(value, str):
            return cls(allow_origin=strip_quotes(value))

        def optional(key: str) -> str | None:
            return strip_quotes(value[key]) if key in value else None

        return cls(
            allow_origin=strip_quotes(value.get("AllowOrigin", "'*'")),
            allow_methods=optional("AllowMethods"),
            allow_headers=optional("AllowHeaders"),
            max_age=optional("MaxAge"),
            allow_credentials=str(value.get("AllowCredentials", "false")).lower() == "true",
        )


@dataclass(frozen=True)
class Authorizer:
    """A named authorizer of an API; ``verify`` is None for kinds not emulated locally."""

    name: str
    header: str
    verify: Verify | None


@dataclass
class Api:
    logical_id: str
    stage: str
    api_id: str
    cors: Cors | None
    gateway_responses: dict[str, Any]
    authorizers: dict[str, Authorizer]
    default_authorizer: str | None


_PARAM = re.compile(r"^\{([^}+]+)(\+?)\}$")


@dataclass(frozen=True)
class Route:
    api: Api
    method: str  # upper case, or ANY
    path: str
    logical_id: str
    authorizer: Authorizer | None
    segments: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(s for s in self.path.split("/") if s))

    @property
    def specificity(self) -> tuple[int, ...]:
        """API Gateway prefers literal segments, then ``{param}``, then ``{proxy+}``."""
        ranks = []
        for segment in self.segments:
            param = _PARAM.match(segment)
            ranks.append(2 if param is None else (0 if param.group(2) else 1))
        return (*ranks, 3)

    def match(self, raw_segments: Sequence[str]) -> dict[str, str] | None:
        params: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            param = _PARAM.match(segment)
            if param and param.group(2):  # greedy: the rest of the path, at least one segment
                rest = raw_segments[index:]
                if not rest:
                    return None
                params[param.group(1)] = unquote("/".join(rest))
                return params
            if index >= len(raw_segments):
                return None
            if param:
                params[param.group(1)] = unquote(raw_segments[index])
            elif unquote(raw_segments[index]) != segment:
                return None
        return params if len(raw_segments) == len(self.segments) else None


def _cognito_authorizer(stack: Stack, name: str, config: Mapping[str, Any]) -> Authorizer:
    header = str((config.get("Identity") or {}).get("Header", "Authorization"))
    arns = config["UserPoolArn"]
    pool_ids = [str(arn).rsplit("/", 1)[-1] for arn in (arns if isinstance(arns, list) else [arns])]
    verifiers = [
        CognitoIdTokenVerifier(
            region=stack.region,
            pool_id=pool_id,
            jwks=fetch_jwks(f"{stack.endpoint}/{pool_id}/.well-known/jwks.json"),
            client_ids=_pool_client_ids(stack, pool_id),
        )
        for pool_id in pool_ids
    ]

    def verify(header_value: str | None) -> dict[str, Any]:
        reasons = []
        for verifier in verifiers:
            try:
                return verifier.verify_header(header_value)
            except TokenRejected as rejected:
                reasons.append(str(rejected))
        raise TokenRejected("; ".join(reasons) or "no user pool")

    return Authorizer(name=name, header=header, verify=verify)


def _pool_client_ids(stack: Stack, pool_id: str) -> Callable[[], set[str]]:
    def fetch() -> set[str]:
        cognito = client("cognito-idp", stack.endpoint, stack.region)
        pages = cognito.get_paginator("list_user_pool_clients").paginate(
            UserPoolId=pool_id, MaxResults=60
        )
        return {c["ClientId"] for page in pages for c in page["UserPoolClients"]}

    return fetch


def build_apis(stack: Stack) -> dict[str, Api]:
    """Every REST API of the template (plus SAM's implicit one), with its settings resolved."""
    template = stack.template
    resolver = stack.resolver
    globals_api = resolver.resolve((template.body.get("Globals") or {}).get("Api") or {})
    api_props: dict[str, dict[str, Any]] = {
        lid: resolver.resolve(template.properties(lid))
        for lid in template.of_type("AWS::Serverless::Api")
        if resolver.is_included(lid)
    }
    api_props.setdefault(IMPLICIT_API, {"StageName": "Prod", **globals_api})
    apis: dict[str, Api] = {}
    for logical_id, props in api_props.items():
        if "DefinitionBody" in props or "DefinitionUri" in props:
            log.warning(
                "%s: OpenAPI-defined APIs are not emulated; routes come from events", logical_id
            )
        auth = props.get("Auth") or {}
        authorizers: dict[str, Authorizer] = {}
        for name, config in (auth.get("Authorizers") or {}).items():
            if "UserPoolArn" in config:
                authorizers[name] = _cognito_authorizer(stack, name, config)
            else:
                log.warning("%s: authorizer %s is not emulated locally", logical_id, name)
                authorizers[name] = Authorizer(name=name, header="Authorization", verify=None)
        api_id = str(stack.ref(logical_id)) if logical_id in template.resources else ""
        apis[logical_id] = Api(
            logical_id=logical_id,
            stage=str(props.get("StageName", "Prod")),
            api_id=api_id or api_id_for(f"{template.stack_name}/{logical_id}"),
            cors=Cors.from_property(props.get("Cors")),
            gateway_responses=dict(props.get("GatewayResponses") or {}),
            authorizers=authorizers,
            default_authorizer=auth.get("DefaultAuthorizer"),
        )
    return apis


def build_routes(stack: Stack, events: Mapping[str, Mapping[str, Any]]) -> list[Route]:
    """Routes from the (resolved) ``Events`` of each function, keyed by logical id."""
    apis = build_apis(stack)
    by_api_id = {api.api_id: api for api in apis.values()}
    routes: list[Route] = []
    for logical_id, function_events in events.items():
        for event in function_events.values():
            if event.get("Type") != "Api":
                continue
            props = event.get("Properties") or {}
            rest_api_id = props.get("RestApiId")
            api = by_api_id.get(str(rest_api_id)) if rest_api_id else apis[IMPLICIT_API]
            if api is None:
                log.warning(
                    "%s: RestApiId %s is not an API of the template", logical_id, rest_api_id
                )
                continue
            auth = props.get("Auth") or {}
            name = auth.get("Authorizer", api.default_authorizer)
            authorizer: Authorizer | None
            if name in (None, "NONE"):
                authorizer = None
            elif name in api.authorizers:
                authorizer = api.authorizers[name]
            else:
                authorizer = Authorizer(name=str(name), header="Authorization", verify=None)
            method = str(props["Method"]).upper()
            routes.append(
                Route(
                    api=api,
                    method="ANY" if method in ("ANY", "X-AMAZON-APIGATEWAY-ANY-METHOD") else method,
                    path=str(props["Path"]),
                    logical_id=logical_id,
                    authorizer=authorizer,
                )
            )
    return routes


def _header_value(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    found = None
    for key, value in headers:
        if key.lower() == name.lower():
            found = value
    return found


class Gateway:
    """Turns HTTP requests into function invocations and their results back into HTTP."""

    def __init__(
        self,
        routes: Sequence[Route],
        runtime: Runtime,
        *,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        notes: Sequence[str] = (),
        extra_index: Mapping[str, object] | None = None,
        outbox_endpoint: str | None = None,
    ) -> None:
        """``outbox_endpoint``: the moto whose sent mail /_outbox shows (none: no outbox)."""
        self.routes = list(routes)
        self._runtime = runtime
        self._region = region
        self._account_id = account_id
        self._notes = list(notes)
        self._extra_index = dict(extra_index or {})
        self._outbox_endpoint = outbox_endpoint

    @property
    def default_api(self) -> Api | None:
        return self.routes[0].api if self.routes else None

    def handle(self, request: HttpRequest, *, port: int = 0) -> HttpResponse:
        request_id = str(uuid.uuid4())
        segments = [s for s in request.path.split("/") if s]
        routes, segments = self._candidates(segments)
        if request.method not in API_GATEWAY_METHODS:
            return self.missing_authentication_token(routes, request_id)
        if not routes:
            page = self._local_page(request)
            if page is not None:
                return page
            return self.missing_authentication_token([], request_id)
        path_routes = self._most_specific(routes, segments)
        api = path_routes[0].api
        route = next((r for r in path_routes if r.method == request.method), None) or next(
            (r for r in path_routes if r.method == "ANY"), None
        )
        if route is None:
            if request.method == "OPTIONS" and api.cors is not None:
                return self._preflight(api.cors, path_routes)
            return self.missing_authentication_token(path_routes, request_id)
        claims = None
        if route.authorizer is not None:
            if route.authorizer.verify is None:
                log.error(
                    "route %s %s: authorizer %s is not emulated",
                    route.method,
                    route.path,
                    route.authorizer.name,
                )
                return self.gateway_response(
                    api,
                    "AUTHORIZER_CONFIGURATION_ERROR",
                    500,
                    "Authorizer not emulated locally",
                    request_id,
                )
            try:
                claims = apigw_claims(
                    route.authorizer.verify(_header_value(request.headers, route.authorizer.header))
                )
            except TokenRejected as rejected:
                log.info("401 %s %s: %s", request.method, request.path, rejected)
                return self.gateway_response(api, "UNAUTHORIZED", 401, "Unauthorized", request_id)
            except (TypeError, ValueError, OverflowError):
                # a claim the verifier let through but cannot be flattened: API Gateway says 401
                log.exception("401 %s %s: claims not usable", request.method, request.path)
                return self.gateway_response(api, "UNAUTHORIZED", 401, "Unauthorized", request_id)
        params = route.match(segments) or {}
        trace = trace_id(request.received_at)
        forwarded = HttpRequest(
            method=request.method,
            # API Gateway hands the path on as requested, a trailing slash included (Ghost's
            # Content API routes on it; powertools' REST resolver ignores it)
            path=("/" + "/".join(segments) + ("/" if request.path.endswith("/") else ""))
            if segments
            else "/",
            query=request.query,
            headers=forwarded_headers(request.headers, request.source_ip, port, trace),
            body=request.body,
            source_ip=request.source_ip,
            protocol=request.protocol,
            received_at=request.received_at,
        )
        event = api_gateway_proxy_event(
            forwarded,
            RouteMatch(resource=route.path, path_parameters=params),
            stage=api.stage,
            api_id=api.api_id,
            request_id=request_id,
            claims=claims,
            region=self._region,
            account_id=self._account_id,
        )
        invocation = self._runtime.invoke(route.logical_id, event)
        response = self._to_http(invocation, api, request_id, route.logical_id)
        response.headers.append(("X-Amzn-Trace-Id", trace))
        return response

    def _candidates(self, segments: list[str]) -> tuple[list[Route], list[str]]:
        """Routes matching the path, trying again without a leading stage segment."""
        matching = [r for r in self.routes if r.match(segments) is not None]
        if not matching and segments and any(segments[0] == r.api.stage for r in self.routes):
            stripped = segments[1:]
            matching = [
                r
                for r in self.routes
                if r.api.stage == segments[0] and r.match(stripped) is not None
            ]
            if matching:
                return matching, stripped
        return matching, segments

    @staticmethod
    def _most_specific(routes: list[Route], segments: list[str]) -> list[Route]:
        best = max(routes, key=lambda r: r.specificity)
        return [r for r in routes if r.path == best.path and r.api is best.api]

    # ------------------------------------------------------------ responses

    def _to_http(
        self, invocation: Invocation, api: Api, request_id: str, logical_id: str
    ) -> HttpResponse:
        if invocation.timed_out:
            return self.gateway_response(
                api,
                "INTEGRATION_TIMEOUT",
                504,
                "Endpoint request timed out",
                request_id,
                logical_id,
            )
        if invocation.error is not None:
            log.error(
                "%s raised %s: %s (request %s)",
                logical_id,
                invocation.error.get("errorType"),
                invocation.error.get("errorMessage"),
                request_id,
            )
            return self.gateway_response(
                api, None, 502, "Internal server error", request_id, logical_id
            )
        try:
            status, headers, body = proxy_response(invocation.result)
        except MalformedResponse as malformed:
            log.error(
                "%s: Malformed Lambda proxy response: %s (request %s)",
                logical_id,
                malformed,
                request_id,
            )
            return self.gateway_response(
                api, None, 502, "Internal server error", request_id, logical_id
            )
        headers += [("x-amzn-RequestId", request_id), ("x-amz-apigw-id", _apigw_id())]
        return HttpResponse(status, headers, body, function=logical_id)

    def gateway_response(
        self,
        api: Api,
        kind: str | None,
        status: int,
        message: str,
        request_id: str,
        function: str | None = None,
    ) -> HttpResponse:
        """A response API Gateway itself generates, customised by ``GatewayResponses``."""
        responses = api.gateway_responses
        spec = (responses.get(kind) if kind else None) or responses.get(
            "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
        )
        headers: list[tuple[str, str]] = []
        body: str | None = None
        if spec:
            status = int(spec.get("StatusCode", status))
            templates = spec.get("ResponseTemplates") or {}
            template = templates.get("application/json") or next(iter(templates.values()), None)
            if template is not None:
                body = render_context(str(template), request_id, message, kind or "DEFAULT")
            headers = _literal_headers(spec)
        if body is None:
            body = json.dumps({"message": message})
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.insert(0, ("Content-Type", "application/json"))
        headers += [("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", _error_type(kind))]
        return HttpResponse(status, headers, body.encode("utf-8"), function=function)

    def missing_authentication_token(self, routes: list[Route], request_id: str) -> HttpResponse:
        """API Gateway's answer when no method of the API matches: what the template makes of
        MISSING_AUTHENTICATION_TOKEN, else its default 403."""
        api = routes[0].api if routes else self.default_api
        message = "Missing Authentication Token"
        if api is None:
            return HttpResponse(
                403,
                [
                    ("Content-Type", "application/json"),
                    ("x-amzn-RequestId", request_id),
                    ("x-amzn-ErrorType", _error_type("MISSING_AUTHENTICATION_TOKEN")),
                ],
                json.dumps({"message": message}).encode(),
            )
        return self.gateway_response(api, "MISSING_AUTHENTICATION_TOKEN", 403, message, request_id)

    def _problem(
        self, status: int, slug: str, title: str, detail: str, request_id: str, api: Api | None
    ) -> HttpResponse:
        """An error http.server itself answers (a bad request line, a header too long) in the
        shape of the DEFAULT_4XX gateway response."""
        api = api or self.default_api
        spec = api.gateway_responses.get("DEFAULT_4XX") if api else None
        headers = [(k, v) for k, v in _literal_headers(spec or {}) if k.lower() != "content-type"]
        body = {
            "type": PROBLEM_TYPE_PREFIX + slug,
            "title": title,
            "status": status,
            "detail": detail,
            "instance": request_id,
        }
        return HttpResponse(
            status,
            [("Content-Type", PROBLEM_CONTENT_TYPE), *headers, ("x-amzn-RequestId", request_id)],
            json.dumps(body).encode(),
        )

    @staticmethod
    def _preflight(cors: Cors, routes: list[Route]) -> HttpResponse:
        """What SAM's generated OPTIONS method (a mock integration) answers."""
        methods = cors.allow_methods or ",".join(
            sorted({r.method for r in routes if r.method != "ANY"} | {"OPTIONS"})
        )
        headers = [
            ("Content-Type", "application/json"),
            ("Access-Control-Allow-Origin", cors.allow_origin),
            ("Access-Control-Allow-Methods", methods),
        ]
        if cors.allow_headers:
            headers.append(("Access-Control-Allow-Headers", cors.allow_headers))
        if cors.max_age:
            headers.append(("Access-Control-Max-Age", cors.max_age))
        if cors.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return HttpResponse(200, headers, b"")

    # ------------------------------------------------------------ local pages

    def route_infos(self) -> list[docs_ui.RouteInfo]:
        return [
            docs_ui.RouteInfo(r.method, r.path, r.logical_id, r.authorizer is not None)
            for r in sorted(self.routes, key=lambda r: (r.path, r.method))
        ]

    def _local_page(self, request: HttpRequest) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD"):
            return None
        page: docs_ui.Page | None
        headers: list[tuple[str, str]] = []
        if request.path == "/":
            host = request.header("host") or "127.0.0.1"
            if "application/json" in (request.header("accept") or ""):
                page = docs_ui.index_json(self.route_infos(), self._extra_index)
            else:
                page = docs_ui.index_html(
                    self.route_infos(),
                    f"http://{host}",
                    self._notes,
                    outbox=self._outbox_endpoint is not None,
                )
        elif self._outbox_endpoint and (
            request.path == OUTBOX_PATH or request.path.startswith(OUTBOX_PATH + "/")
        ):
            body = outbox_page(self._outbox_endpoint, request.path)
            page = docs_ui.Page(body, "text/html; charset=utf-8") if body is not None else None
            headers.append(("Content-Security-Policy", OUTBOX_CSP))
        else:
            page = docs_ui.docs_page(request.path)
            if page is not None and page.content_type.startswith("text/html"):
                headers.append(("Content-Security-Policy", docs_ui.DOCS_CSP))
        if page is None:
            return None
        headers += [
            ("Content-Type", page.content_type),
            ("Cache-Control", page.cache_control),
            ("X-Content-Type-Options", "nosniff"),
        ]
        return HttpResponse(200, headers, page.body)


class MalformedResponse(ValueError):
    """The function's result is not a valid proxy response; API Gateway answers 502."""


def proxy_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body of a Lambda proxy response, by API Gateway's rules."""
    if not isinstance(result, dict):
        raise MalformedResponse(f"the result is a {type(result).__name__}, not an object")
    unknown = set(result) - _PROXY_KEYS
    if unknown:
        raise MalformedResponse(f"unexpected fields {sorted(unknown)}")
    status = result.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode {status!r} is not an HTTP status")
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedResponse(f"body must be a string, got {type(body).__name__}")
    raw = (body or "").encode("utf-8")
    if result.get("isBase64Encoded") and body:
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as error:
            raise MalformedResponse("isBase64Encoded is true but body is not base64") from error
    headers = _merge_headers(result.get("headers"), result.get("multiValueHeaders"))
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.insert(0, ("Content-Type", "application/json"))
    return status, headers, raw


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise MalformedResponse(f"header value {value!r} is not a scalar")


def _merge_headers(single: Any, multi: Any) -> list[tuple[str, str]]:
    """API Gateway merges both maps; a name in ``multiValueHeaders`` wins over ``headers``."""
    if single is not None and not isinstance(single, dict):
        raise MalformedResponse("headers must be an object")
    if multi is not None and not isinstance(multi, dict):
        raise MalformedResponse("multiValueHeaders must be an object")
    merged: list[tuple[str, str]] = []
    multi_names = {str(k).lower() for k in (multi or {})}
    for name, value in (single or {}).items():
        if str(name).lower() not in multi_names:
            merged.append((str(name), _scalar(value)))
    for name, values in (multi or {}).items():
        if not isinstance(values, list):
            raise MalformedResponse(f"multiValueHeaders[{name!r}] must be a list")
        merged += [(str(name), _scalar(v)) for v in values]
    result: list[tuple[str, str]] = []
    for name, value in merged:
        lowered = name.lower()
        if lowered in _DROPPED_HEADERS:
            continue
        result.append((f"x-amzn-Remapped-{name}" if lowered in _REMAPPED_HEADERS else name, value))
    return result


_CONTEXT_VARIABLE = re.compile(r"\$context\.([A-Za-z][A-Za-z0-9_.]*[A-Za-z0-9_])")


def render_context(template: str, request_id: str, message: str, kind: str) -> str:
    """The ``$context`` variables a gateway response template may use.

    ``$context.error.messageString`` is the message *with* its JSON quotes, as in AWS.
    """
    values = {
        "requestId": request_id,
        "extendedRequestId": request_id,
        "error.message": message,
        "error.messageString": json.dumps(message),
        "error.responseType": kind,
    }
    return _CONTEXT_VARIABLE.sub(lambda m: values.get(m.group(1), ""), template)


def _literal_headers(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Static ``'value'`` headers of a gateway response; request mappings are not emulated."""
    headers = (spec.get("ResponseParameters") or {}).get("Headers") or {}
    return [
        (str(name), strip_quotes(value))
        for name, value in headers.items()
        if str(value).startswith("'")
    ]


def _error_type(kind: str | None) -> str:
    return {
        "UNAUTHORIZED": "UnauthorizedException",
        "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationTokenException",
        "INTEGRATION_TIMEOUT": "InternalServerErrorException",
    }.get(kind or "", "InternalServerErrorException")


def _apigw_id() -> str:
    return base64.b32encode(uuid.uuid4().bytes)[:16].decode()


# ---------------------------------------------------------------- HTTP server


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "byline-local"
    timeout = 120  # idle keep-alive connections are closed after this many seconds
    server: LocalHttpServer

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def parse_request(self) -> bool:
        """Every method token reaches the gateway, which answers the ones API Gateway has no
        method for as API Gateway does; http.server would answer 501 for any without a do_X."""
        if not super().parse_request():
            return False
        handler = "do_" + self.command
        if not hasattr(self, handler):
            setattr(self, handler, self.do_GET)
        return True

    def _read_body(self) -> bytes | None:
        """The request body; None when it exceeds API Gateway's payload limit."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_PAYLOAD_BYTES:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_PAYLOAD_BYTES:
            return None
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        started = time.monotonic()
        url = urlsplit(self.path)
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(400, "Malformed request body")
            return
        if body is None:
            self.close_connection = True
            api = self.server.gateway.default_api
            response = HttpResponse(
                413, [("Content-Type", "application/json")], b'{"message":"Request Too Long"}'
            )
            if api is not None:
                response = self.server.gateway.gateway_response(
                    api, "REQUEST_TOO_LARGE", 413, "Request Too Long", str(uuid.uuid4())
                )
        else:
            request = HttpRequest(
                method=self.command,
                path=url.path or "/",
                query=url.query,
                headers=list(self.headers.items()),
                body=body,
                source_ip=self.client_address[0],
                protocol=self.request_version,
                received_at=datetime.now(UTC),
            )
            try:
                response = self.server.gateway.handle(request, port=self.server.server_port)
            except Exception:
                log.exception("the gateway failed on %s %s", self.command, self.path)
                response = HttpResponse(
                    500,
                    [("Content-Type", "application/json")],
                    b'{"message":"Internal server error"}',
                )
        self._write(response)
        log.info(
            '%s "%s %s" %d %.0fms%s',
            self.client_address[0],
            self.command,
            self.path,
            response.status,
            (time.monotonic() - started) * 1000,
            f" {response.function}" if response.function else "",
        )

    def _write(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a header line over 64 KiB, over 100 headers, a garbled
        request line) in the gateway's problem shape too, not as its HTML error page."""
        from http import HTTPStatus

        if code < 400:
            super().send_error(code, message, explain)
            return
        self.close_connection = True
        if not getattr(self, "command", None):
            self.command = "GET"  # the request line could not be read: still answer with a body
        phrase = HTTPStatus(code).phrase
        slug = phrase.lower().replace(" ", "-")
        detail = f"{message or phrase}."
        problem = self.server.gateway._problem(code, slug, phrase, detail, str(uuid.uuid4()), None)
        self._write(problem)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)


class LocalHttpServer(ThreadingHTTPServer):
    """The HTTP front door; one thread per connection, none of which blocks shutdown."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, gateway: Gateway) -> None:
        self.gateway = gateway
        super().__init__((host, port), _RequestHandler)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        """Serve in a background thread; returns the base URL."""
        self._thread = threading.Thread(target=self.serve_forever, name="gateway", daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(10)
        with contextlib.suppress(OSError):
            self.server_close()
