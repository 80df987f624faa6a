"""Demo data for the local stack: one Cognito user per role, each with a known password.

Seeding is idempotent (existing users are kept, their password and group re-asserted), so
it can run against a stack that is already seeded. Everything is created through the layer's
services, wired to the stack's resources explicitly (this process has no function
environment): users with their profiles through ``Accounts.provision`` (Cognito's admin API,
so no email round trip), then a few published articles with a comment and a like, and a
daily digest subscription for ``reader`` following "python" and "aws".

The reader's digest is due at the next whole UTC hour after seeding (a digest carries what was
published before the slot it is planned for, so the demo articles go into the next one), so
``make invoke FUNCTION=DigestPlannerFunction EVENT=events/digest_planner.json TIME=next-hour``
sends a real demo digest from a fresh temporary stack, and a running ``make dev`` stack's
schedule sends it when that hour comes. Seeding again keeps an existing subscription as it is.
"""

from __future__ import annotations

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


DEMO_FOLLOWS = ("python", "aws")
"""The tags the demo reader follows; every demo article carries one of them."""

DEMO_ARTICLES = (
    (
        "Why serverless Python",
        "Pay per request, scale to zero, and **no servers** to patch.\n\n"
        "## What you give up\n\nLong-lived connections and warm caches.",
        ["python", "aws", "serverless"],
    ),
    (
        "Designing a single DynamoDB table",
        "Start from the access patterns, then the keys. Every read is one Query.",
        ["aws", "dynamodb"],
    ),
    (
        "Markdown that cannot run scripts",
        "Render with markdown-it-py, clean with nh3: `<script>` never survives.",
        ["python", "security"],
    ),
)


def _services(stack: Stack) -> tuple[Any, Any, Any]:
    """The layer's services bound to this stack's table and user pool."""
    from byline.data.articles import Articles
    from byline.data.conversation import Conversation
    from byline.data.identity import CognitoIdentity
    from byline.data.login_attempts import LoginAttempts
    from byline.data.table import Table
    from byline.data.users import Users
    from byline.services.accounts import Accounts
    from byline.services.articles import ArticleService
    from byline.services.conversation import ConversationService

    pool_id, client_id = user_pool(stack)
    table = Table(str(stack.ref("Table")), client("dynamodb", stack.endpoint, stack.region))
    cognito = client("cognito-idp", stack.endpoint, stack.region)
    articles = Articles(table)
    accounts = Accounts(
        users=Users(table),
        identity=CognitoIdentity(cognito, pool_id, client_id),
        attempts=LoginAttempts(table),
    )
    article_service = ArticleService(
        articles=articles, cursor_key=lambda: b"seed", publish_event=lambda *_: True
    )
    conversation = ConversationService(
        conversation=Conversation(table, articles), articles=articles, cursor_key=lambda: b"seed"
    )
    return accounts, article_service, conversation


def seed(stack: Stack, users: tuple[DemoUser, ...] = DEMO_USERS) -> list[DemoUser]:
    """Create (or re-assert) the demo users with their profiles, and the demo articles."""
    from byline.auth.principal import Principal
    from byline.models.articles import ArticleCreate, PublishRequest
    from byline.models.conversation import CommentCreate

    pool_id, _ = user_pool(stack)
    cognito = client("cognito-idp", stack.endpoint, stack.region)
    groups = {g["GroupName"] for g in cognito.list_groups(UserPoolId=pool_id)["Groups"]}
    if "Table" not in stack.template.resources:
        # a template without Byline's table (tests use small ones): Cognito users only
        from byline.data.identity import CognitoIdentity

        identity = CognitoIdentity(cognito, pool_id, user_pool(stack)[1])
        for user in users:
            identity.create_confirmed(user.username, user.email, user.password)
            identity.add_to_group(user.username, user.group)
        return list(users)
    accounts, articles, conversation = _services(stack)
    for user in users:
        if user.group not in groups:
            raise SeedError(f"the user pool has no group {user.group!r}")
        accounts.provision(
            user.username, user.email, user.password, user.username.capitalize(), user.group
        )
        cognito.admin_set_user_password(
            UserPoolId=pool_id, Username=user.username, Password=user.password, Permanent=True
        )
    if any(u.username == "reader" for u in users):
        _subscribe_reader(stack)
    writer = next((u for u in users if u.group == "author"), None)
    if writer is None or articles.articles.by_author(writer.username, None, 1, None).items:
        return list(users)
    author = Principal(username=writer.username, sub=writer.username, groups=("author",))
    reader = Principal(username="reader", sub="reader", groups=("reader",))
    for title, body, tags in DEMO_ARTICLES:
        draft = articles.create(author, ArticleCreate(title=title, body=body, tags=tags))
        published = articles.publish(author, draft.id, PublishRequest())
        if any(u.username == "reader" for u in users):
            conversation.add_comment(reader, published.id, CommentCreate(body="Thanks, useful!"))
            conversation.set_like(reader, published.id, liked=True)
    return list(users)


def _subscribe_reader(stack: Stack) -> None:
    """A daily digest for ``reader`` at the next UTC hour, following DEMO_FOLLOWS, through the
    subscription service; an existing subscription is left alone."""
    from datetime import UTC, datetime, timedelta

    from byline.auth.principal import Principal
    from byline.data.subscriptions import Subscriptions
    from byline.data.table import Table
    from byline.models.subscriptions import SubscriptionUpdate
    from byline.services.subscriptions import SubscriptionService

    table = Table(str(stack.ref("Table")), client("dynamodb", stack.endpoint, stack.region))
    subscriptions = Subscriptions(table)
    if subscriptions.subscription("reader") is not None:
        return
    service = SubscriptionService(subscriptions=subscriptions, unsubscribe_key=lambda: b"seed")
    reader = Principal(username="reader", sub="reader", groups=("reader",))
    hour = (datetime.now(UTC) + timedelta(hours=1)).hour
    for tag in DEMO_FOLLOWS:
        service.follow_tag(reader, tag, muted=False)
    service.put(reader, SubscriptionUpdate(cadence="daily", hour=hour, timezone="UTC"))


def login(stack: Stack, username: str, password: str = DEMO_PASSWORD) -> dict[str, Any]:
    """Tokens for a user (USER_PASSWORD_AUTH with the app client's SECRET_HASH), in Cognito's
    AuthenticationResult shape; the stack's client has a secret, so even the local stack's own
    helpers must sign the call (docs/decisions/0004)."""
    from byline.data.identity import CognitoIdentity

    pool_id, client_id = user_pool(stack)
    cognito = client("cognito-idp", stack.endpoint, stack.region)
    issued = CognitoIdentity(cognito, pool_id, client_id).authenticate(username, password)
    return {
        "IdToken": issued.id_token,
        "AccessToken": issued.access_token,
        "RefreshToken": issued.refresh_token,
        "ExpiresIn": issued.expires_in,
    }
