"""A subscriber's side: digest cadence and delivery time, follows and mutes, unsubscribe."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from byline.auth.policy import Action, authorize
from byline.auth.principal import Principal
from byline.clock import Clock, iso, utc_now
from byline.data.subscriptions import Subscriptions
from byline.data.users import Users
from byline.errors import BadRequest, NotFound
from byline.models.subscriptions import (
    Follows,
    Subscription,
    SubscriptionUpdate,
    UnsubscribePreview,
)
from byline.observability import logger, metrics
from byline.services import unsubscribe_tokens
from byline.services.digest_logic import utc_bucket


def to_subscription(
    item: dict[str, object] | None, profile: dict[str, object] | None
) -> Subscription:
    item = item or {}
    return Subscription.model_validate(
        {
            "cadence": item.get("cadence", "off"),
            "weekday": item.get("weekday"),
            "hour": item.get("hour", 8),
            "timezone": item.get("timezone", "UTC"),
            "email": (profile or {}).get("email"),
            "email_confirmed": bool((profile or {}).get("confirmed")),
            "updated_at": item.get("updated_at"),
            "delivery_stopped": _delivery_stopped(item),
        }
    )


STOP_DETAILS = {
    "bounce": "Mail to your address was refused for good (it bounced), so digests were "
    "turned off. Check the address in your profile, then choose a cadence again to turn "
    "them back on.",
    "complaint": "A digest was reported as spam from your mailbox, so digests were turned "
    "off and stay off until you choose a cadence again yourself.",
}


def _delivery_stopped(item: dict[str, object]) -> dict[str, object] | None:
    reason = item.get("suppressed")
    if reason not in STOP_DETAILS:
        return None
    return {"reason": reason, "at": item.get("suppressed_at"), "detail": STOP_DETAILS[str(reason)]}


@dataclass
class SubscriptionService:
    subscriptions: Subscriptions
    users: Users
    unsubscribe_key: Callable[[], bytes]
    clock: Clock = utc_now
    queue_welcome: Callable[[str], None] | None = None
    """Puts a message on the digest queue (the worker sends the welcome email); None where no
    queue is configured."""

    def get(self, principal: Principal) -> Subscription:
        authorize(principal, Action.manage_subscription)
        return to_subscription(*self.subscriptions.subscription_and_profile(principal.username))

    def put(self, principal: Principal, update: SubscriptionUpdate) -> Subscription:
        authorize(principal, Action.manage_subscription)
        now = self.clock()
        fields = {**update.model_dump(), "updated_at": iso(now)}
        bucket = utc_bucket(update.cadence, update.weekday, update.hour, update.timezone, now)
        started = self.subscriptions.save_subscription(principal.username, fields, bucket)
        if started is not None:
            self._welcome(principal.username, started)
        profile = self.users.get(principal.username)
        return to_subscription(fields, profile.to_item() if profile else None)

    def _welcome(self, username: str, subscribed_at: str) -> None:
        """Ask the digest worker to welcome a subscription that just started. The subscription
        is what the reader asked for and is saved already: a queue failure costs the welcome
        only (logged and counted), never the request."""
        if self.queue_welcome is None:
            return
        from byline.services import welcome  # the route renders no mail: import it only here

        try:
            self.queue_welcome(welcome.message(username, subscribed_at))
        except Exception:
            from aws_lambda_powertools.metrics import MetricUnit

            logger.exception("Could not queue a welcome email", extra={"username": username})
            metrics.add_metric(name="WelcomesNotQueued", unit=MetricUnit.Count, value=1)

    # -- follows -----------------------------------------------------------------------------
    def follow_tag(self, principal: Principal, tag: str, *, muted: bool) -> Follows:
        authorize(principal, Action.follow)
        self.subscriptions.follow(principal.username, "tag", tag, muted=muted, at=iso(self.clock()))
        return self.follows(principal)

    def follow_author(self, principal: Principal, author: str) -> Follows:
        authorize(principal, Action.follow)
        if author.lower() == principal.username.lower():
            raise BadRequest("You cannot follow yourself.")
        profile = self.users.get(author)
        if profile is None or not profile.confirmed:
            raise NotFound("No such author.")
        self.subscriptions.follow(
            principal.username, "author", author, muted=False, at=iso(self.clock())
        )
        return self.follows(principal)

    def unfollow(self, principal: Principal, kind: str, target: str) -> Follows:
        authorize(principal, Action.follow)
        self.subscriptions.unfollow(principal.username, kind, target)
        return self.follows(principal)

    def follows(self, principal: Principal) -> Follows:
        authorize(principal, Action.follow)
        tags, muted, authors = [], [], []
        for item in self.subscriptions.follows(principal.username):
            target = str(item["target"])
            if item["kind_of"] == "author":
                authors.append(target)
            elif item.get("muted"):
                muted.append(target)
            else:
                tags.append(target)
        return Follows(tags=sorted(tags), muted_tags=sorted(muted), authors=sorted(authors))

    # -- one-click unsubscribe ---------------------------------------------------------------
    def unsubscribe_preview(self, token: str | None) -> UnsubscribePreview:
        username = unsubscribe_tokens.verify(self.unsubscribe_key(), token)
        current = self.subscriptions.subscription(username)
        cadence = str((current or {}).get("cadence", "off"))
        return UnsubscribePreview.model_validate(
            {
                "username": username,
                "cadence": cadence,
                "action": "turn digests off",
                "already_off": cadence == "off",
            }
        )

    def unsubscribe(self, token: str | None) -> str:
        username = unsubscribe_tokens.verify(self.unsubscribe_key(), token)
        self.subscriptions.turn_off(username, iso(self.clock()))
        return username


@cache
def subscription_service() -> SubscriptionService:
    from byline.data.table import table
    from byline.secrets import signing_key
    from byline.services.digests import SqsOutbox
    from byline.settings import get_settings

    queue = get_settings().digest_queue_url
    return SubscriptionService(
        subscriptions=Subscriptions(table()),
        users=Users(table()),
        unsubscribe_key=lambda: signing_key("unsubscribe"),
        queue_welcome=SqsOutbox(queue).send if queue else None,
    )
