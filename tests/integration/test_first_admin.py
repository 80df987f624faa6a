"""scripts/first_admin.py makes the stack's first administrator outside the API (docs/DEPLOY.md):
the stored role decides, so the account's token in hand gains the role on its next request.
It refuses an account being deleted, a table and a user pool that do not belong together, and a
second admin without --force; Cognito goes first, so a Cognito failure stores nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from tests.support.identity_helpers import make_user
from tests.support.scripts import load_script


def _groups(cognito: Any, pool: str, username: str) -> set[str]:
    groups = cognito.admin_list_groups_for_user(UserPoolId=pool, Username=username)["Groups"]
    return {g["GroupName"] for g in groups}


def _profile_key(username: str) -> dict[str, Any]:
    return {"PK": {"S": f"USER#{username}"}, "SK": {"S": "PROFILE"}}


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
    # The shared test table may hold admins of other tests already.
    changes = load_script("first_admin").make_admin(
        dynamodb, cognito, table, pool, ann.username, force=True
    )
    assert promote_bob() == 200
    assert _groups(cognito, pool, ann.username) == {"admin"}
    assert changes[0] == f"added {ann.username} to Cognito group admin"
    assert changes[-1] == f"stored role admin on {ann.username}'s profile (was reader)"


def test_no_confirmed_account_no_admin(stack_resources):
    table, pool = stack_resources["TABLE_NAME"], stack_resources["USER_POOL_ID"]
    dynamodb, cognito = boto3.client("dynamodb"), boto3.client("cognito-idp")
    with pytest.raises(LookupError):
        load_script("first_admin").make_admin(dynamodb, cognito, table, pool, "nobody-at-all")
    key = {"PK": {"S": "USER#nobody-at-all"}, "SK": {"S": "PROFILE"}}
    assert "Item" not in dynamodb.get_item(TableName=table, Key=key)


# -- a table of its own: no other test's admins in it -------------------------------------------
@pytest.fixture
def own_table(stack_resources) -> Iterator[str]:
    dynamodb = boto3.client("dynamodb")
    name = f"first-admin-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name
    dynamodb.delete_table(TableName=name)


def _reader_in(local_api: str, stack_resources: Any, table: str, **changes: Any) -> str:
    """A confirmed reader of the stack, its profile copied into ``table`` with ``changes``."""
    dynamodb = boto3.client("dynamodb")
    username = make_user(local_api, "reader").username
    profile = dynamodb.get_item(
        TableName=stack_resources["TABLE_NAME"], Key=_profile_key(username), ConsistentRead=True
    )["Item"]
    assert profile["role"] == {"S": "reader"}
    assert profile["sub"]["S"]
    dynamodb.put_item(TableName=table, Item={**profile, **changes})
    return username


def _unchanged(stack_resources: Any, table: str, username: str) -> None:
    item = boto3.client("dynamodb").get_item(TableName=table, Key=_profile_key(username))["Item"]
    assert item["role"] == {"S": "reader"}
    pool = stack_resources["USER_POOL_ID"]
    assert _groups(boto3.client("cognito-idp"), pool, username) == {"reader"}


def _run(stack_resources: Any, table: str, username: str, *extra: str) -> int:
    arguments = ["--table", table, "--user-pool-id", stack_resources["USER_POOL_ID"]]
    return int(load_script("first_admin").main([*arguments, "--username", username, *extra]))


def test_the_first_admin_needs_no_force_and_the_changes_are_printed(
    local_api, stack_resources, own_table, capsys
):
    ann = _reader_in(local_api, stack_resources, own_table)
    assert _run(stack_resources, own_table, ann) == 0
    out = capsys.readouterr().out
    assert f"added {ann} to Cognito group admin" in out
    assert f"removed {ann} from Cognito group reader" in out
    assert f"stored role admin on {ann}'s profile (was reader)" in out
    item = boto3.client("dynamodb").get_item(TableName=own_table, Key=_profile_key(ann))["Item"]
    assert item["role"] == {"S": "admin"}

    assert _run(stack_resources, own_table, ann) == 0  # again: nothing to do
    assert "already; nothing changed" in capsys.readouterr().out


def test_a_second_admin_needs_force(local_api, stack_resources, own_table, capsys):
    _reader_in(local_api, stack_resources, own_table, role={"S": "admin"})
    bob = _reader_in(local_api, stack_resources, own_table)
    assert _run(stack_resources, own_table, bob) == 1
    assert "already an admin" in capsys.readouterr().err
    _unchanged(stack_resources, own_table, bob)

    assert _run(stack_resources, own_table, bob, "--force") == 0
    assert _groups(boto3.client("cognito-idp"), stack_resources["USER_POOL_ID"], bob) == {"admin"}


def test_an_account_being_deleted_is_refused(local_api, stack_resources, own_table, capsys):
    ann = _reader_in(local_api, stack_resources, own_table, deleting={"BOOL": True})
    assert _run(stack_resources, own_table, ann) == 1
    assert "is being deleted" in capsys.readouterr().err
    _unchanged(stack_resources, own_table, ann)


def test_a_profile_of_another_cognito_user_is_refused(
    local_api, stack_resources, own_table, capsys
):
    """The table of one stack and the pool of another: the same name, a different person."""
    ann = _reader_in(local_api, stack_resources, own_table, sub={"S": str(uuid.uuid4())})
    assert _run(stack_resources, own_table, ann) == 1
    assert "belongs to another Cognito user" in capsys.readouterr().err
    _unchanged(stack_resources, own_table, ann)


def test_a_user_missing_from_the_pool_is_refused(local_api, stack_resources, own_table, capsys):
    ann = _reader_in(local_api, stack_resources, own_table)
    dynamodb = boto3.client("dynamodb")
    item = dynamodb.get_item(TableName=own_table, Key=_profile_key(ann))["Item"]
    ghost = f"ghost-{uuid.uuid4().hex[:8]}"
    dynamodb.put_item(TableName=own_table, Item={**item, **_profile_key(ghost)})
    assert _run(stack_resources, own_table, ghost) == 1
    assert f"has no user {ghost!r}" in capsys.readouterr().err


class _FailingGroups:
    """A Cognito client whose group changes fail (the rest is the real client)."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def admin_add_user_to_group(self, **_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "TooManyRequestsException", "Message": "slow down"}},
            "AdminAddUserToGroup",
        )


def test_a_cognito_failure_stores_no_role(local_api, stack_resources, own_table):
    ann = _reader_in(local_api, stack_resources, own_table)
    script = load_script("first_admin")
    cognito = _FailingGroups(boto3.client("cognito-idp"))
    with pytest.raises(script.Refused, match="the stored role is unchanged"):
        script.make_admin(
            boto3.client("dynamodb"), cognito, own_table, stack_resources["USER_POOL_ID"], ann
        )
    _unchanged(stack_resources, own_table, ann)
