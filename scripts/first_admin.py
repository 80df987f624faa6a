"""Make a confirmed account the stack's first administrator.

Roles live in the account's stored profile (decision 0010: the stored role decides every
request, not the token's `cognito:groups`), and `PUT /users/{username}/role` needs an admin to
call it; so the first admin is made outside the API, once, by whoever deploys:

    .venv/bin/python scripts/first_admin.py --table <TableName> --user-pool-id <UserPoolId> \
        --username ann [--endpoint URL]

It sets the stored role to `admin` (only on a confirmed account's profile) and moves the
Cognito user from the `reader` group to `admin`, so the groups in later tokens agree. The change
takes effect on the account's next request; it needs no new sign-in.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import boto3
from botocore.exceptions import ClientError


def make_admin(dynamodb: Any, cognito: Any, table: str, pool_id: str, username: str) -> None:
    """Store the admin role on ``username``'s confirmed profile and put them in the group.
    LookupError when there is no confirmed account of that name."""
    try:
        dynamodb.update_item(
            TableName=table,
            Key={"PK": {"S": f"USER#{username.lower()}"}, "SK": {"S": "PROFILE"}},
            UpdateExpression="SET #role = :admin",
            ConditionExpression="#kind = :profile AND confirmed = :yes",
            ExpressionAttributeNames={"#role": "role", "#kind": "kind"},
            ExpressionAttributeValues={
                ":admin": {"S": "admin"},
                ":profile": {"S": "profile"},
                ":yes": {"BOOL": True},
            },
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise LookupError(f"no confirmed account named {username!r}") from error
        raise
    cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName="admin")
    for group in ("editor", "author", "reader"):
        try:
            cognito.admin_remove_user_from_group(
                UserPoolId=pool_id, Username=username, GroupName=group
            )
        except ClientError:  # not in that group
            continue


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", required=True, help="the stack's DynamoDB table name")
    parser.add_argument("--user-pool-id", required=True, help="the stack's UserPoolId output")
    parser.add_argument("--username", required=True)
    parser.add_argument("--endpoint", help="an AWS endpoint (the local stack's moto)")
    parser.add_argument("--region", default=None)
    arguments = parser.parse_args(argv)
    session = boto3.session.Session(region_name=arguments.region)
    dynamodb = session.client("dynamodb", endpoint_url=arguments.endpoint)
    cognito = session.client("cognito-idp", endpoint_url=arguments.endpoint)
    try:
        make_admin(dynamodb, cognito, arguments.table, arguments.user_pool_id, arguments.username)
    except LookupError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"{arguments.username} is an admin")
    return 0


if __name__ == "__main__":
    sys.exit(main())
