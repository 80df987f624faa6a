"""The welcome email a subscriber gets when they turn digests on: queued by the subscription
route (which has no mail permission and cannot name the API's URL), sent by the digest worker,
once per subscription and at most once a day (docs/decisions/0009-digests.md, "Welcome")."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from byline.clock import Clock, utc_now
from byline.content.rendering import render_template
from byline.data import mailer
from byline.data.mailer import Email
from byline.data.queues import WELCOME, WelcomeMessage
from byline.data.subscriptions import Subscriber, Subscriptions
from byline.services import unsubscribe_tokens
from byline.services.digest_logic import schedule_in_words

KIND = WELCOME
"""The ``kind`` of a welcome message on the digest queue (a digest's message has none)."""
ONE_A_DAY = timedelta(days=1)
"""No second welcome within this long of the last one, however often digests are turned off
and on; and a welcome message read later than this after subscribing is dropped (too late to
greet, and its claim may have expired)."""
CLAIM_KEPT = timedelta(days=2)
"""The welcome claim's TTL: longer than both the throttle and the lateness limit above."""


def message(username: str, subscribed_at: str) -> str:
    """The queue message that asks the worker to welcome this subscription."""
    return WelcomeMessage(username, subscribed_at).to_body()


@dataclass
class WelcomeService:
    subscriptions: Subscriptions
    send_email: Callable[[Email], str]
    unsubscribe_key: Callable[[], bytes]
    site_url: str
    sender: str
    clock: Clock = utc_now
    api_url: str = ""

    def deliver_message(self, body: Mapping[str, Any]) -> str:
        """Send the welcome a queue message asks for, at most once. Returns what happened:
        ``welcome_sent``; ``welcome_skipped`` when this subscription was welcomed already (a
        redelivery) or another one was within the day; ``welcome_off`` when the subscription
        it greets is over (turned off, perhaps on again since: that one has its own message),
        or the account is deleted or has no confirmed address; ``welcome_late`` for a message
        read more than a day after subscribing. Raises when the mail service failed (the
        queue retries; a refusal gives the claim back first)."""
        message = WelcomeMessage.from_body(body)
        username, subscribed_at = message.username, message.subscribed_at
        now = self.clock()
        if now - datetime.fromisoformat(subscribed_at) > ONE_A_DAY:
            return "welcome_late"
        subscriber = self.subscriptions.subscriber(username)
        subscription, profile = subscriber.subscription, subscriber.profile
        if (
            subscription is None
            or subscription.cadence == "off"
            or subscription.subscribed_at != subscribed_at
            or profile is None
            or not profile.live  # a deleted account's tombstone, or one being deleted
            or not profile.confirmed
            or not profile.email
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
        profile, subscription = subscriber.profile, subscriber.subscription
        if profile is None or subscription is None:
            raise ValueError(f"{subscriber.username} has no profile or no subscription")
        schedule = schedule_in_words(
            subscription.cadence, subscription.weekday, subscription.hour, subscription.timezone
        )
        tags, muted, authors = [], [], []
        for follow in subscriber.follows:
            target = follow.target
            if follow.kind == "author":
                authors.append(target)
            elif follow.muted:
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
            "display_name": profile.display_name or subscriber.username,
            "schedule": schedule,
            "cadence": subscription.cadence,
            "tags": sorted(tags),
            "muted_tags": sorted(muted),
            "authors": sorted(authors),
            "unsubscribe_url": unsubscribe_url,
        }
        email = Email(
            sender=self.sender,
            recipient=str(profile.email),
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
