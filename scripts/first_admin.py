"""Make a confirmed account the stack's first administrator.

Roles live in the account's stored profile (decision 0010: the stored role decides every
request, not the token's `cognito:groups`), and `PUT /users/{username}/role` needs an admin to
call it; so the first admin is made outside the API, once, by whoever deploys:

    .venv/bin/python scripts/first_admin.py --table <TableName> --user-pool-id <UserPoolId> \
        --username ann [--force] [--endpoint URL]

Before changing anything it checks that the profile is a confirmed account that is not being
deleted, that the profile's stored `sub` is the `sub` of the Cognito user of that name (so a
table and a user pool of different stacks cannot promote a different person), and that no
other account's stored role is already `admin` (`--force` makes an admin anyway). Then it moves
the Cognito user into the `admin` group (out of the others), so the groups in later tokens
agree, and last stores the role `admin`: the stored role is what decides, so a failure before
it leaves the account as powerful as it was. The change takes effect on the account's next
request; it needs no new sign-in. It prints each change it made.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import BotoCoreError, ClientError

OTHER_GROUPS = ("editor", "author", "reader")


class Refused(Exception):
    """Nothing was stored: the message says why."""


class NoSuchAccount(Refused, LookupError):
    """No confirmed account of that name in the table."""


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    deserializer = TypeDeserializer()
    return {name: deserializer.deserialize(value) for name, value in item.items()}


def _profile(dynamodb: Any, table: str, username: str) -> dict[str, Any]:
    key = {"PK": {"S": f"USER#{username}"}, "SK": {"S": "PROFILE"}}
    item = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    profile = _plain(item) if item else {}
    if profile.get("kind") != "profile" or profile.get("confirmed") is not True:
        raise NoSuchAccount(f"no confirmed account named {username!r} in table {table}")
    if profile.get("deleting"):
        raise Refused(f"{username!r} is being deleted; refusing to make it an admin")
    return profile


def _cognito_sub(cognito: Any, pool_id: str, username: str) -> str:
    try:
        user = cognito.admin_get_user(UserPoolId=pool_id, Username=username)
    except ClientError as error:
        code = error.response["Error"]["Code"]
        raise Refused(f"user pool {pool_id} has no user {username!r} ({code})") from error
    attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
    return str(attributes.get("sub", ""))


def other_admins(dynamodb: Any, table: str, username: str) -> list[str]:
    """Usernames of the other accounts whose stored role is admin (profiles have no index by
    role, so this is a filtered Scan: fine for a command run once per stack)."""
    admins: list[str] = []
    kwargs: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": (
            "#kind = :profile AND #role = :admin AND attribute_not_exists(deleting)"
        ),
        "ProjectionExpression": "PK",
        "ExpressionAttributeNames": {"#kind": "kind", "#role": "role"},
        "ExpressionAttributeValues": {":profile": {"S": "profile"}, ":admin": {"S": "admin"}},
    }
    while True:
        page = dynamodb.scan(**kwargs)
        for item in page.get("Items", []):
            name = item["PK"]["S"].removeprefix("USER#")
            if name != username:
                admins.append(name)
        if "LastEvaluatedKey" not in page:
            return sorted(admins)
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def make_admin(
    dynamodb: Any, cognito: Any, table: str, pool_id: str, username: str, *, force: bool = False
) -> list[str]:
    """Make ``username`` an admin; the changes made, in order (empty: it already was one).
    :class:`Refused` (:class:`NoSuchAccount`, also a LookupError, when there is no confirmed
    account of that name) when a check fails or Cognito refuses; the stored role then is
    unchanged."""
    username = username.lower()
    profile = _profile(dynamodb, table, username)
    if profile.get("role") == "admin":
        return []
    stored_sub = profile.get("sub")
    if not stored_sub:
        raise Refused(
            f"the profile of {username!r} has no stored sub yet (it is bound on the account's "
            "first signed-in request): sign in once, then run this again"
        )
    if _cognito_sub(cognito, pool_id, username) != stored_sub:
        raise Refused(
            f"the profile of {username!r} in table {table} belongs to another Cognito user "
            f"than {username!r} in pool {pool_id}: are the table and the pool of the same stack?"
        )
    admins = other_admins(dynamodb, table, username)
    if admins and not force:
        raise Refused(f"already an admin: {', '.join(admins)}; use --force to add another")
    changes: list[str] = []
    try:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName="admin")
        changes.append(f"added {username} to Cognito group admin")
        for group in OTHER_GROUPS:
            groups = cognito.admin_list_groups_for_user(UserPoolId=pool_id, Username=username)
            if group in {g["GroupName"] for g in groups.get("Groups", [])}:
                cognito.admin_remove_user_from_group(
                    UserPoolId=pool_id, Username=username, GroupName=group
                )
                changes.append(f"removed {username} from Cognito group {group}")
    except (ClientError, BotoCoreError) as error:
        done = "; ".join(changes) or "nothing"
        raise Refused(
            f"Cognito refused a group change ({error}); the stored role is unchanged. "
            f"Done so far: {done}"
        ) from error
    try:
        dynamodb.update_item(
            TableName=table,
            Key={"PK": {"S": f"USER#{username}"}, "SK": {"S": "PROFILE"}},
            UpdateExpression="SET #role = :admin",
            ConditionExpression=(
                "#kind = :profile AND confirmed = :yes AND #sub = :sub"
                " AND attribute_not_exists(deleting)"
            ),
            ExpressionAttributeNames={"#role": "role", "#kind": "kind", "#sub": "sub"},
            ExpressionAttributeValues={
                ":admin": {"S": "admin"},
                ":profile": {"S": "profile"},
                ":yes": {"BOOL": True},
                ":sub": {"S": str(stored_sub)},
            },
        )
    except ClientError as error:
        code = error.response["Error"]["Code"]
        why = (
            "the profile changed meanwhile (deleted or being deleted?)"
            if code == "ConditionalCheckFailedException"
            else code
        )
        raise Refused(
            f"storing the role failed: {why}; the stored role is unchanged, but "
            f"{'; '.join(changes)} (the groups decide nothing while the stored role does not)"
        ) from error
    changes.append(f"stored role admin on {username}'s profile (was {profile.get('role')})")
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--table", required=True, help="the stack's DynamoDB table name")
    parser.add_argument("--user-pool-id", required=True, help="the stack's UserPoolId output")
    parser.add_argument("--username", required=True)
    parser.add_argument(
        "--force", action="store_true", help="make an admin even when there is one already"
    )
    parser.add_argument("--endpoint", help="an AWS endpoint (the local stack's moto)")
    parser.add_argument("--region", default=None)
    arguments = parser.parse_args(argv)
    session = boto3.session.Session(region_name=arguments.region)
    dynamodb = session.client("dynamodb", endpoint_url=arguments.endpoint)
    cognito = session.client("cognito-idp", endpoint_url=arguments.endpoint)
    try:
        changes = make_admin(
            dynamodb,
            cognito,
            arguments.table,
            arguments.user_pool_id,
            arguments.username,
            force=arguments.force,
        )
    except Refused as error:
        print(f"first_admin: refused: {error}", file=sys.stderr)
        return 1
    except (ClientError, BotoCoreError) as error:
        print(f"first_admin: AWS error, nothing stored: {error}", file=sys.stderr)
        return 1
    for change in changes:
        print(change)
    print(f"{arguments.username} is an admin" + ("" if changes else " already; nothing changed"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
