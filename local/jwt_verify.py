"""What API Gateway's Cognito user pool authorizer does with a bearer token, done locally.

With no OAuth scopes configured on a method, API Gateway accepts only *id* tokens of the
pool: the ``Authorization`` header holds the raw token or ``Bearer <token>``; the RS256
signature must verify against the pool's JWKS; ``iss`` must be the pool's issuer URL (moto
issues tokens with the real ``https://cognito-idp.{region}.amazonaws.com/{pool_id}`` form);
``token_use`` must be ``id``; ``aud`` must be one of the pool's app clients; ``exp`` must be in
the future. Any failure is one indistinguishable 401, as in AWS.

The verified claims then reach the function flattened to strings, the way REST APIs do it:
numbers as decimal strings, ``exp`` and ``iat`` as ``Fri Jul 29 18:52:53 UTC 2016``, arrays as
``[admin author]``. ``auth_time`` stays an epoch string, as in events API Gateway really sends.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import jwt

JwksFetcher = Callable[[], Mapping[str, Any]]
ClientIdsFetcher = Callable[[], set[str]]
Clock = Callable[[], float]

_REFRESH_AT_MOST_EVERY = 30.0  # seconds; an unknown kid or client triggers one refresh


class TokenRejected(Exception):
    """The token does not pass; the message is for the local log, never for the client."""


def issuer(region: str, pool_id: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


def fetch_jwks(url: str) -> JwksFetcher:
    """A fetcher of the JWKS that moto serves at ``{endpoint}/{pool_id}/.well-known/jwks.json``."""

    def fetch() -> Mapping[str, Any]:
        if not url.startswith(("http://", "https://")):
            raise TokenRejected(f"refusing to fetch JWKS from {url}")
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - checked above  # nosec B310
            document: Mapping[str, Any] = json.load(response)
        return document

    return fetch


def _refreshing(fetch: Callable[[], Any], clock: Clock) -> Callable[[bool], Any]:
    """Cache ``fetch``; ``get(refresh=True)`` refetches, at most every few seconds."""
    lock = threading.Lock()
    state: dict[str, Any] = {"value": None, "at": float("-inf")}

    def get(refresh: bool = False) -> Any:
        with lock:
            stale = clock() - state["at"] >= _REFRESH_AT_MOST_EVERY
            if state["value"] is None or (refresh and stale):
                state["value"] = fetch()
                state["at"] = clock()
            return state["value"]

    return get


class CognitoIdTokenVerifier:
    """Verifies id tokens of one user pool; keys and client ids are fetched once and cached."""

    def __init__(
        self,
        *,
        region: str,
        pool_id: str,
        jwks: JwksFetcher,
        client_ids: ClientIdsFetcher,
        clock: Clock = time.time,
    ) -> None:
        self.issuer = issuer(region, pool_id)
        self._clock = clock
        self._jwks = _refreshing(jwks, clock)
        self._client_ids = _refreshing(client_ids, clock)

    def verify_header(self, header_value: str | None) -> dict[str, Any]:
        """Claims of a valid ``Authorization`` header value; raises :class:`TokenRejected`."""
        if not header_value or not header_value.strip():
            raise TokenRejected("no token")
        token = header_value.strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        return self.verify(token)

    def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise TokenRejected(f"not a JWT: {error}") from error
        if header.get("alg") != "RS256":
            raise TokenRejected(f"alg {header.get('alg')!r} is not RS256")
        key = self._key(str(header.get("kid", "")))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                issuer=self.issuer,
                # exp is checked below against the injectable clock; Cognito sets no nbf.
                options={
                    "verify_aud": False,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": ["exp", "iss"],
                },
            )
        except (jwt.PyJWTError, TypeError, ValueError) as error:
            # PyJWT raises TypeError for some claims of the wrong type (an iss that is a list)
            raise TokenRejected(str(error)) from error
        if claims.get("token_use") != "id":
            raise TokenRejected(f"token_use {claims.get('token_use')!r} is not 'id'")
        _check_shapes(claims)
        if claims["exp"] <= self._clock():
            raise TokenRejected("expired")
        audience = claims.get("aud")
        if audience not in self._client_ids(False) and audience not in self._client_ids(True):
            raise TokenRejected(f"aud {audience!r} is not an app client of the pool")
        return claims

    def _key(self, kid: str) -> Any:
        for refresh in (False, True):
            for candidate in self._jwks(refresh).get("keys", []):
                if candidate.get("kid") == kid:
                    return jwt.PyJWK(candidate, algorithm="RS256").key
        raise TokenRejected(f"no key {kid!r} in the pool's JWKS")


_TIME_CLAIMS = ("exp", "iat")
_REQUIRED_STRINGS = ("sub", "aud", "iss", "token_use")
_OPTIONAL_STRINGS = ("cognito:username", "email")
_EPOCH_CLAIMS = ("exp", "iat", "auth_time")
_LATEST_EPOCH = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second a datetime can hold


def _is_epoch(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0 <= value <= _LATEST_EPOCH  # also false for NaN
    )


def _check_shapes(claims: Mapping[str, Any]) -> None:
    """Reject claims whose type Cognito never issues (an ``aud`` list, an ``exp`` string, no
    ``sub``): API Gateway answers those with 401, and later checks and the flattening into
    strings assume these types."""
    for name in _REQUIRED_STRINGS:
        if not isinstance(claims.get(name), str) or not claims[name]:
            raise TokenRejected(f"{name} is missing or not a string")
    for name in _OPTIONAL_STRINGS:
        if name in claims and not isinstance(claims[name], str):
            raise TokenRejected(f"{name} is not a string")
    for name in _EPOCH_CLAIMS:
        if (name in claims or name == "exp") and not _is_epoch(claims.get(name)):
            raise TokenRejected(f"{name} is not a time in seconds")
    groups = claims.get("cognito:groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise TokenRejected("cognito:groups is not a list of strings")


def apigw_time(epoch: float) -> str:
    """``Fri Jul 29 18:52:53 UTC 2016``: how REST APIs render ``exp`` and ``iat``."""
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%a %b %d %H:%M:%S UTC %Y")


def apigw_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as API Gateway (REST) puts them in ``requestContext.authorizer.claims``."""
    flattened: dict[str, str] = {}
    for name, value in claims.items():
        if name in _TIME_CLAIMS and isinstance(value, int | float):
            flattened[name] = apigw_time(value)
        else:
            flattened[name] = _flatten(value)
    return flattened


def _flatten(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + " ".join(_flatten(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
