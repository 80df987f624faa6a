"""Demo data for the local stack: one Cognito user per role, each with a known password.

Seeding is idempotent (existing users are kept, their password and group re-asserted), so
it can run against a stack that is already seeded. Articles and the rest will be seeded
through the services as those arrive; users are seeded through Cognito's admin API because
that is the only way to create them without the sign-up flow's email round trip.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from local.bootstrap import Stack, client

DEMO_PASSWORD = "Byline-demo-1"  # noqa: S105 - public demo credential; meets the pool policy
ROLES = ("admin", "editor", "author", "reader")


@dataclass(frozen=True)
class DemoUser:
    username: str
    email: str
    password: str
    group: str


DEMO_USERS = tuple(DemoUser(r, f"{r}@example.com", DEMO_PASSWORD, r) for r in ROLES)


class SeedError(RuntimeError):
    """The stack cannot hold the demo data (no user pool, or a group is missing)."""


def user_pool(stack: Stack) -> tuple[str, str]:
    """The stack's user pool id and the id of its (first) app client."""
    pools = stack.of_type("AWS::Cognito::UserPool")
    clients = stack.of_type("AWS::Cognito::UserPoolClient")
    if not pools or not clients:
        raise SeedError("the template declares no Cognito user pool with an app client")
    return str(stack.ref(pools[0])), str(stack.ref(clients[0]))


def seed(stack: Stack, users: tuple[DemoUser, ...] = DEMO_USERS) -> list[DemoUser]:
    """Create (or re-assert) the demo users: confirmed, email verified, in their group."""
    pool_id, _ = user_pool(stack)
    cognito = client("cognito-idp", stack.endpoint, stack.region)
    groups = {g["GroupName"] for g in cognito.list_groups(UserPoolId=pool_id)["Groups"]}
    for user in users:
        if user.group not in groups:
            raise SeedError(f"the user pool has no group {user.group!r}")
        with contextlib.suppress(cognito.exceptions.UsernameExistsException):
            cognito.admin_create_user(
                UserPoolId=pool_id,
                Username=user.username,
                UserAttributes=[
                    {"Name": "email", "Value": user.email},
                    {"Name": "email_verified", "Value": "true"},
                ],
                MessageAction="SUPPRESS",
            )
        cognito.admin_set_user_password(
            UserPoolId=pool_id, Username=user.username, Password=user.password, Permanent=True
        )
        cognito.admin_add_user_to_group(
            UserPoolId=pool_id, Username=user.username, GroupName=user.group
        )
    return list(users)


def login(stack: Stack, username: str, password: str = DEMO_PASSWORD) -> dict[str, Any]:
    """Tokens for a user (USER_PASSWORD_AUTH), as a front-end would obtain them."""
    _, client_id = user_pool(stack)
    cognito = client("cognito-idp", stack.endpoint, stack.region)
    response = cognito.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=client_id,
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    result: dict[str, Any] = response["AuthenticationResult"]
    return result
