"""The local Cognito authorizer's token checks, with keys and a clock the test controls."""

from __future__ import annotations

import jwt
import pytest

from local.jwt_verify import (
    CognitoIdTokenVerifier,
    TokenRejected,
    apigw_claims,
    apigw_time,
    issuer,
)
from tests.support.id_tokens import (
    CLIENT,
    MALFORMED_CLAIMS,
    NOW,
    OTHER_KEY,
    POOL,
    POOL_KEY,
    Clock,
    Fetches,
    _claims,
    _jwks,
    _signed,
    _token,
)


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
