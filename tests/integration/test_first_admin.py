"""scripts/first_admin.py makes the stack's first administrator outside the API (docs/DEPLOY.md):
the stored role decides, so the account's token in hand gains the role on its next request."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
import requests

from tests.integration.identity_helpers import make_user
from tests.support.scripts import load_script


def _groups(cognito: Any, pool: str, username: str) -> set[str]:
    groups = cognito.admin_list_groups_for_user(UserPoolId=pool, Username=username)["Groups"]
    return {g["GroupName"] for g in groups}


def test_a_reader_becomes_admin_with_the_token_they_hold(local_api, stack_resources):
    table, pool = stack_resources["TABLE_NAME"], stack_resources["USER_POOL_ID"]
    dynamodb, cognito = boto3.client("dynamodb"), boto3.client("cognito-idp")
    ann, bob = make_user(local_api, "reader"), make_user(local_api, "reader")

    def promote_bob() -> int:
        return requests.put(
            f"{local_api}/users/{bob.username}/role",
            json={"role": "author"},
            headers=ann.auth,
            timeout=30,
        ).status_code

    assert promote_bob() == 403
    load_script("first_admin").make_admin(dynamodb, cognito, table, pool, ann.username)
    assert promote_bob() == 200
    assert _groups(cognito, pool, ann.username) == {"admin"}


def test_no_confirmed_account_no_admin(stack_resources):
    table, pool = stack_resources["TABLE_NAME"], stack_resources["USER_POOL_ID"]
    dynamodb, cognito = boto3.client("dynamodb"), boto3.client("cognito-idp")
    with pytest.raises(LookupError):
        load_script("first_admin").make_admin(dynamodb, cognito, table, pool, "nobody-at-all")
    key = {"PK": {"S": "USER#nobody-at-all"}, "SK": {"S": "PROFILE"}}
    assert "Item" not in dynamodb.get_item(TableName=table, Key=key)
