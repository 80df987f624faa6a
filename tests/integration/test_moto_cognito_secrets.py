"""The emulated Cognito refuses what real Cognito refuses for an app client with a secret
(local/moto_server.py ``enforce_client_secrets``): without it, tests would pass that AWS fails."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.bootstrap import client
from local.moto_server import secret_hash

pytestmark = pytest.mark.integration

PASSWORD = "Correct-horse-42"


def _pool(endpoint: str, *, flows: list[str] | None = None) -> tuple[Any, str, str]:
    cognito = client("cognito-idp", endpoint)
    pool_id = cognito.create_user_pool(PoolName=f"p{uuid.uuid4().hex[:8]}")["UserPool"]["Id"]
    created = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="api",
        GenerateSecret=True,
        ExplicitAuthFlows=flows or ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    return cognito, created["ClientId"], created["ClientSecret"]


def _refused(call: Callable[[], Any]) -> dict[str, str]:
    with pytest.raises(ClientError) as refused:
        call()
    return dict(refused.value.response["Error"])


def test_sign_up_without_the_secret_hash_is_refused_as_real_cognito_does(moto_endpoint):
    cognito, client_id, _ = _pool(moto_endpoint)
    error = _refused(
        lambda: cognito.sign_up(ClientId=client_id, Username="mallory", Password=PASSWORD)
    )
    assert error["Code"] == "NotAuthorizedException"
    assert "SECRET_HASH was not received" in error["Message"]


def test_sign_up_with_a_wrong_secret_hash_is_refused(moto_endpoint):
    cognito, client_id, secret = _pool(moto_endpoint)
    forged = secret_hash(secret, client_id, "someone_else")
    error = _refused(
        lambda: cognito.sign_up(
            ClientId=client_id, Username="mallory", Password=PASSWORD, SecretHash=forged
        )
    )
    assert error["Code"] == "NotAuthorizedException"


def test_sign_up_confirm_and_password_login_work_with_the_secret_hash(moto_endpoint):
    cognito, client_id, secret = _pool(moto_endpoint)
    signed = secret_hash(secret, client_id, "alice")
    cognito.sign_up(ClientId=client_id, Username="alice", Password=PASSWORD, SecretHash=signed)
    error = _refused(
        lambda: cognito.confirm_sign_up(
            ClientId=client_id, Username="alice", ConfirmationCode="123456"
        )
    )
    assert error["Code"] == "NotAuthorizedException"
    cognito.confirm_sign_up(
        ClientId=client_id, Username="alice", ConfirmationCode="123456", SecretHash=signed
    )
    unsigned = {"USERNAME": "alice", "PASSWORD": PASSWORD}
    error = _refused(
        lambda: cognito.initiate_auth(
            ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=unsigned
        )
    )
    assert error["Code"] == "NotAuthorizedException"
    tokens = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={**unsigned, "SECRET_HASH": signed},
    )["AuthenticationResult"]
    assert tokens["IdToken"]


def test_forgot_password_without_the_secret_hash_is_refused(moto_endpoint):
    cognito, client_id, _ = _pool(moto_endpoint)
    error = _refused(lambda: cognito.forgot_password(ClientId=client_id, Username="alice"))
    assert error["Code"] == "NotAuthorizedException"


def test_an_auth_flow_the_client_does_not_allow_is_refused(moto_endpoint):
    cognito, client_id, secret = _pool(moto_endpoint, flows=["ALLOW_REFRESH_TOKEN_AUTH"])
    error = _refused(
        lambda: cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={
                "USERNAME": "alice",
                "PASSWORD": PASSWORD,
                "SECRET_HASH": secret_hash(secret, client_id, "alice"),
            },
        )
    )
    assert error["Code"] == "InvalidParameterException"
    assert "not enabled" in error["Message"]


def test_a_client_without_a_secret_still_signs_up_with_the_client_id_alone(moto_endpoint):
    cognito = client("cognito-idp", moto_endpoint)
    pool_id = cognito.create_user_pool(PoolName=f"p{uuid.uuid4().hex[:8]}")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="public")[
        "UserPoolClient"
    ]["ClientId"]
    created = cognito.sign_up(ClientId=client_id, Username="bob", Password=PASSWORD)
    assert created["UserSub"]
