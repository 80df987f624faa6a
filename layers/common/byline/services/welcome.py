"""The welcome email a subscriber gets when they turn digests on: queued by the subscription
route (which has no mail permission and cannot name the API's URL), sent by the digest worker,
once per subscription and at most once a day (docs/decisions/0009-digests.md, "Welcome")."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from byline.clock import Clock, utc_now
from byline.content.rendering import render_template
from byline.data import mailer
from byline.data.mailer import Email
from byline.data.subscriptions import Subscriber, Subscriptions
from byline.services import unsubscribe_tokens
from byline.services.digest_logic import schedule_in_words

KIND = "welcome"
"""The ``kind`` of a welcome message on the digest queue (a digest's message has none)."""
ONE_A_DAY = timedelta(days=1)
"""No second welcome within this long of the last one, however often digests are turned off
and on; and a welcome message read later than this after subscribing is dropped (too late to
greet, and its claim may have expired)."""
CLAIM_KEPT = timedelta(days=2)
"""The welcome claim's TTL: longer than both the throttle and the lateness limit above."""


def message(username: str, subscribed_at: str) -> str:
    """The queue message that asks the worker to welcome this subscription."""
    return json.dumps({"kind": KIND, "username": username, "subscribed_at": subscribed_at})


@dataclass
class WelcomeService:
    subscriptions: Subscriptions
    send_email: Callable[[Email], str]
    unsubscribe_key: Callable[[], bytes]
    site_url: str
    sender: str
    clock: Clock = utc_now
    api_url: str = ""

    def deliver_message(self, body: dict[str, Any]) -> str:
        """Send the welcome a queue message asks for, at most once. Returns what happened:
        ``welcome_sent``; ``welcome_skipped`` when this subscription was welcomed already (a
        redelivery) or another one was within the day; ``welcome_off`` when the subscription
        it greets is over (turned off, perhaps on again since: that one has its own message),
        or the account is deleted or has no confirmed address; ``welcome_late`` for a message
        read more than a day after subscribing. Raises when the mail service failed (the
        queue retries; a refusal gives the claim back first)."""
        username = str(body["username"])
        subscribed_at = str(body["subscribed_at"])
        now = self.clock()
        if now - datetime.fromisoformat(subscribed_at) > ONE_A_DAY:
            return "welcome_late"
        subscriber = self.subscriptions.subscriber(username)
        subscription = subscriber.subscription or {}
        profile = subscriber.profile or {}
        if (
            subscription.get("cadence", "off") == "off"
            or subscription.get("subscribed_at") != subscribed_at
            or profile.get("kind") != "profile"  # a deleted account's tombstone
            or profile.get("deleting")
            or not profile.get("confirmed")
            or not profile.get("email")
        ):
            return "welcome_off"
        email = self._render(subscriber)  # content first: a failure here claims nothing
        stamp = int(now.timestamp())
        token = secrets.token_hex(8)
        since = stamp - int(ONE_A_DAY.total_seconds())
        expires = stamp + int(CLAIM_KEPT.total_seconds())
        if not self.subscriptions.claim_welcome(
            subscriber.username, subscribed_at, token, stamp, since, expires
        ):
            return "welcome_skipped"
        try:
            self.send_email(email)
        except Exception as error:
            if mailer.refused(error):  # nothing went out: the retry may send
                self.subscriptions.release_welcome(subscriber.username, token)
            raise  # otherwise it may have gone out: never sent twice
        return "welcome_sent"

    def _render(self, subscriber: Subscriber) -> Email:
        profile = subscriber.profile or {}
        subscription = subscriber.subscription or {}
        weekday = subscription.get("weekday")  # a Decimal, as DynamoDB returns numbers
        schedule = schedule_in_words(
            str(subscription["cadence"]),
            None if weekday is None else int(weekday),
            int(subscription.get("hour", 8)),
            str(subscription.get("timezone", "UTC")),
        )
        tags, muted, authors = [], [], []
        for item in subscriber.follows:
            target = str(item["target"])
            if item.get("kind_of") == "author":
                authors.append(target)
            elif item.get("muted"):
                muted.append(target)
            else:
                tags.append(target)
        base = self.api_url or self.site_url
        unsubscribe_url = unsubscribe_tokens.link(self.unsubscribe_key(), base, subscriber.username)
        subject = f"Welcome to the Byline digest: {schedule}"
        context = {
            "subject": subject,
            "site_name": "Byline",
            "site_url": self.site_url,
            "display_name": profile.get("display_name") or subscriber.username,
            "schedule": schedule,
            "cadence": str(subscription["cadence"]),
            "tags": sorted(tags),
            "muted_tags": sorted(muted),
            "authors": sorted(authors),
            "unsubscribe_url": unsubscribe_url,
        }
        email = Email(
            sender=self.sender,
            recipient=str(profile["email"]),
            subject=subject,
            text=render_template("welcome.txt.j2", **context),
            html=render_template("welcome.html.j2", **context),
            unsubscribe_url=unsubscribe_url,
            reference=f"{subscriber.username}.welcome",
            # as a digest's: SES feedback about this mail finds the account by its tag
            tags={mailer.USER_TAG: subscriber.username, mailer.KIND_TAG: KIND},
        )
        mailer.compose(email)
        return email


@cache
def welcome_service() -> WelcomeService:
    from byline.data.table import table
    from byline.secrets import signing_key
    from byline.settings import get_settings

    settings = get_settings()
    return WelcomeService(
        subscriptions=Subscriptions(table()),
        send_email=mailer.send,
        unsubscribe_key=lambda: signing_key("unsubscribe"),
        site_url=settings.site_url.rstrip("/"),
        sender=settings.digest_sender,
        api_url=settings.public_api_url,
    )
