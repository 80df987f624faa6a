"""The local Cognito authorizer's token checks, with keys and a clock the test controls."""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from local.jwt_verify import (
    CognitoIdTokenVerifier,
    TokenRejected,
    apigw_claims,
    apigw_time,
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


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def jwks() -> Fetches:
    return Fetches(_jwks(POOL_KEY, "k1"))


@pytest.fixture
def verifier(clock: Clock, jwks: Fetches) -> CognitoIdTokenVerifier:
    return CognitoIdTokenVerifier(
        region="us-east-1", pool_id=POOL, jwks=jwks, client_ids=lambda: {CLIENT}, clock=clock
    )


def test_a_valid_id_token_passes_raw_or_as_bearer(verifier: CognitoIdTokenVerifier):
    assert verifier.verify_header(_token())["cognito:username"] == "ada"
    assert verifier.verify_header(f"Bearer {_token()}")["sub"].startswith("0f3c")
    assert verifier.verify_header(f"bearer   {_token()}")["aud"] == CLIENT


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "no token"),
        ("", "no token"),
        ("garbage", "not a JWT"),
        ("Bearer a.b.c", "not a JWT"),
    ],
)
def test_garbage_is_rejected(verifier: CognitoIdTokenVerifier, header: str | None, reason: str):
    with pytest.raises(TokenRejected, match=reason):
        verifier.verify_header(header)


def test_a_token_signed_with_another_key_is_rejected(verifier: CognitoIdTokenVerifier):
    with pytest.raises(TokenRejected, match="Signature"):
        verifier.verify(_token(OTHER_KEY))


def test_a_rotated_key_is_fetched_but_unknown_key_ids_do_not_hammer_the_pool(
    verifier: CognitoIdTokenVerifier, jwks: Fetches, clock: Clock
):
    verifier.verify(_token())
    jwks.document = {"keys": _jwks(POOL_KEY, "k1")["keys"] + _jwks(OTHER_KEY, "k2")["keys"]}
    clock.now += 31
    assert verifier.verify(_token(OTHER_KEY, kid="k2"))
    assert jwks.count == 2
    for _ in range(3):
        with pytest.raises(TokenRejected, match="no key"):
            verifier.verify(_token(kid="nobody"))
    assert jwks.count == 2


def test_keys_are_fetched_once_and_cached(verifier: CognitoIdTokenVerifier, jwks: Fetches):
    for _ in range(3):
        verifier.verify(_token())
    assert jwks.count == 1


def test_an_expired_token_is_rejected(verifier: CognitoIdTokenVerifier, clock: Clock):
    token = _token()
    clock.now = NOW + 3600
    with pytest.raises(TokenRejected, match="expired"):
        verifier.verify(token)
    clock.now = NOW + 3599
    assert verifier.verify(token)


def test_a_token_for_another_app_client_is_rejected(verifier: CognitoIdTokenVerifier):
    with pytest.raises(TokenRejected, match="aud"):
        verifier.verify(_token(aud="someone-else"))


def test_a_token_of_another_pool_is_rejected(verifier: CognitoIdTokenVerifier):
    with pytest.raises(TokenRejected, match="issuer"):
        verifier.verify(_token(iss=issuer("us-east-1", "us-east-1_Other")))


def test_an_access_token_is_rejected(verifier: CognitoIdTokenVerifier):
    access = _claims(token_use="access", client_id=CLIENT)
    del access["aud"]
    token = jwt.encode(access, POOL_KEY, algorithm="RS256", headers={"kid": "k1"})
    with pytest.raises(TokenRejected, match="token_use"):
        verifier.verify(token)


def test_an_unsigned_or_hmac_token_is_rejected(verifier: CognitoIdTokenVerifier):
    hmac = jwt.encode(
        _claims(), "a-shared-secret-of-thirty-two-bytes!", algorithm="HS256", headers={"kid": "k1"}
    )
    with pytest.raises(TokenRejected, match="RS256"):
        verifier.verify(hmac)


def test_a_new_app_client_is_recognised_after_a_refresh(clock: Clock, jwks: Fetches):
    known = {CLIENT}
    verifier = CognitoIdTokenVerifier(
        region="us-east-1", pool_id=POOL, jwks=jwks, client_ids=lambda: set(known), clock=clock
    )
    verifier.verify(_token())
    known.add("newclient")
    clock.now += 31
    assert verifier.verify(_token(aud="newclient"))


def test_claims_are_flattened_to_strings_like_api_gateway_rest_does():
    flattened = apigw_claims(_claims())
    assert all(isinstance(v, str) for v in flattened.values())
    assert flattened["cognito:groups"] == "[admin author]"
    assert flattened["email_verified"] == "true"
    assert flattened["exp"] == apigw_time(NOW + 3600)
    assert flattened["iat"] == apigw_time(NOW - 60)
    assert flattened["auth_time"] == str(int(NOW) - 60)


def test_api_gateway_time_format():
    assert apigw_time(1469818373) == "Fri Jul 29 18:52:53 UTC 2016"


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


@pytest.mark.parametrize("name", sorted(MALFORMED_CLAIMS))
def test_a_signed_token_with_a_malformed_claim_is_rejected(
    verifier: CognitoIdTokenVerifier, name: str
):
    with pytest.raises(TokenRejected):
        verifier.verify(_signed(**MALFORMED_CLAIMS[name]))


@pytest.mark.parametrize("name", sorted(MALFORMED_CLAIMS))
def test_a_token_with_a_malformed_claim_and_an_unknown_key_is_rejected(
    verifier: CognitoIdTokenVerifier, name: str
):
    with pytest.raises(TokenRejected):
        verifier.verify(_signed(OTHER_KEY, kid="not-in-the-jwks", **MALFORMED_CLAIMS[name]))


def test_a_token_without_optional_claims_passes(verifier: CognitoIdTokenVerifier):
    token = _signed(**{"cognito:groups": None, "email": None, "email_verified": None})
    assert verifier.verify(token)["sub"].startswith("0f3c")
