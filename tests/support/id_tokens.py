"""Cognito id tokens signed with keys a test controls, at a fixed clock: the pool's keys and JWKS,
valid claims and malformed ones (tests/unit/test_local_jwt.py, test_local_gateway.py)."""

from __future__ import annotations

import json
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from local.jwt_verify import (
    issuer,
)

POOL = "us-east-1_TestPool"
CLIENT = "testclient123"
NOW = 1_800_000_000.0


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


POOL_KEY = _key()
OTHER_KEY = _key()


def _jwks(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**public, "kid": kid, "alg": "RS256", "use": "sig"}]}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


class Fetches:
    """Counts fetches, so caching is observable."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.count = 0

    def __call__(self) -> dict[str, Any]:
        self.count += 1
        return self.document


def _claims(**changes: Any) -> dict[str, Any]:
    claims = {
        "sub": "0f3c0e1e-0000-4000-8000-000000000001",
        "iss": issuer("us-east-1", POOL),
        "aud": CLIENT,
        "token_use": "id",
        "cognito:username": "ada",
        "cognito:groups": ["admin", "author"],
        "email": "ada@example.com",
        "email_verified": True,
        "auth_time": int(NOW) - 60,
        "iat": int(NOW) - 60,
        "exp": int(NOW) + 3600,
    }
    claims.update(changes)
    return claims


def _token(key: rsa.RSAPrivateKey = POOL_KEY, kid: str = "k1", **changes: Any) -> str:
    return jwt.encode(_claims(**changes), key, algorithm="RS256", headers={"kid": kid})


# Claims of the wrong type or shape, in tokens whose signature verifies against the pool's keys:
# API Gateway answers 401 for every one of them, so the local authorizer must reject them (a
# TypeError or a ValueError escaping from a check or from flattening was a 500).
MALFORMED_CLAIMS: dict[str, dict[str, Any]] = {
    "aud list": {"aud": [CLIENT]},
    "aud list of two": {"aud": [CLIENT, "other"]},
    "aud number": {"aud": 12345},
    "aud object": {"aud": {"client": CLIENT}},
    "aud null": {"aud": None},
    "exp string": {"exp": str(int(NOW) + 3600)},
    "exp boolean": {"exp": True},
    "exp NaN": {"exp": float("nan")},
    "exp past the year 9999": {"exp": 10**20},
    "iat past the year 9999": {"iat": 10**20},
    "iat string": {"iat": "yesterday"},
    "auth_time list": {"auth_time": [1]},
    "missing sub": {"sub": None},
    "sub number": {"sub": 7},
    "token_use list": {"token_use": ["id"]},
    "cognito:username number": {"cognito:username": 42},
    "cognito:groups string": {"cognito:groups": "admin"},
    "cognito:groups of numbers": {"cognito:groups": [1, 2]},
    "email list": {"email": ["ada@example.com"]},
    "iss list": {"iss": [issuer("us-east-1", POOL)]},
}


def _signed(key: rsa.RSAPrivateKey = POOL_KEY, kid: str = "k1", **changes: Any) -> str:
    """A token with these claims (None removes one), signed as is: PyJWT's own ``encode`` would
    refuse some of the malformed ones."""
    claims = {name: value for name, value in _claims(**changes).items() if value is not None}
    return jwt.PyJWS().encode(json.dumps(claims).encode(), key, "RS256", headers={"kid": kid})
