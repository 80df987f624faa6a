"""What SES tells us about mail after it left: bounces and complaints, published by the
configuration set's event destination to the feedback topic (docs/decisions/0012).

A permanent bounce or a complaint turns the subscriber's digests off, recording why; transient
and undetermined bounces are counted and logged only (SES reports a soft bounce once it has
stopped retrying; the next digest may well arrive). Everything else SES might publish
(deliveries, sends, rejects ...) is ignored.

Parsing is pure (:func:`parse`); :class:`FeedbackService` decides whose digests a notification
concerns: the account named by the message's ``byline-user`` tag, or else the account that holds
the address (its email claim), and only when that account's address *is* the one that bounced,
so a notification about an address that is not ours changes nothing.

A notification is acted on only when its mail names our configuration set
(``ses:configuration-set``; the identity notifications' older form names none) and carries a
readable ``mail.timestamp`` no later than :data:`CLOCK_SKEW` after the notification itself (its
bounce or complaint time, and now): the send time decides whether feedback predates a
resubscription, so a missing or future one must not stand in for "just now".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal

from byline.clock import Clock, iso, utc_now
from byline.data.mailer import USER_TAG
from byline.data.subscriptions import Subscriptions
from byline.data.users import Users
from byline.observability import logger

Kind = Literal["bounce", "complaint", "ignored"]
SUPPRESSING_BOUNCES = frozenset({"Permanent"})
"""Bounce types that stop delivery. ``Transient`` (mailbox full, message too large ...) and
``Undetermined`` are counted and logged only."""
CLOCK_SKEW = timedelta(minutes=5)
"""How far after the notification (and now) a mail's send time may lie: clocks differ a little;
mail is not sent after SES reports on it."""


class MalformedNotification(ValueError):
    """The SNS message is not an SES notification we can read."""


@dataclass(frozen=True)
class Feedback:
    kind: Kind
    """``bounce`` or ``complaint``; ``ignored`` for every other notification type."""
    event_type: str
    """As SES named it: Bounce, Complaint, Delivery, Send, Reject, Received ..."""
    addresses: tuple[str, ...] = ()
    bounce_type: str = ""
    bounce_subtype: str = ""
    message_id: str = ""
    feedback_id: str = ""
    sent_at: datetime | None = None
    """``mail.timestamp``: None when missing or unreadable."""
    reported_at: datetime | None = None
    """The bounce's or complaint's own ``timestamp``, when readable."""
    tags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def suppresses(self) -> bool:
        """Whether this turns delivery off: a complaint, or a permanent bounce."""
        return self.kind == "complaint" or (
            self.kind == "bounce" and self.bounce_type in SUPPRESSING_BOUNCES
        )

    def tag(self, name: str) -> str | None:
        values = self.tags.get(name) or ()
        return values[0] if values else None


def parse(message: str) -> Feedback:
    """An SES notification (the SNS message: a JSON string), event publishing's form
    (``eventType``) or the identity notifications' (``notificationType``)."""
    try:
        body = json.loads(message)
    except (TypeError, ValueError) as error:
        raise MalformedNotification(f"not JSON: {error}") from error
    if not isinstance(body, dict):
        raise MalformedNotification("not a JSON object")
    event_type = body.get("eventType") or body.get("notificationType")
    if not isinstance(event_type, str) or not event_type:
        raise MalformedNotification("no eventType or notificationType")
    if event_type not in ("Bounce", "Complaint"):
        return Feedback(kind="ignored", event_type=event_type)
    mail = _object(body, "mail")
    detail = _object(body, event_type.lower())
    listed = detail.get("bouncedRecipients" if event_type == "Bounce" else "complainedRecipients")
    if not isinstance(listed, list):
        raise MalformedNotification(f"{event_type} without its list of recipients")
    addresses = tuple(
        dict.fromkeys(
            _address(r["emailAddress"])
            for r in listed
            if isinstance(r, dict) and isinstance(r.get("emailAddress"), str)
        )
    )
    return Feedback(
        kind="bounce" if event_type == "Bounce" else "complaint",
        event_type=event_type,
        addresses=tuple(a for a in addresses if a),
        bounce_type=str(detail.get("bounceType") or ""),
        bounce_subtype=str(detail.get("bounceSubType") or ""),
        message_id=str(mail.get("messageId") or ""),
        feedback_id=str(detail.get("feedbackId") or ""),
        sent_at=_moment(mail.get("timestamp")),
        reported_at=_moment(detail.get("timestamp")),
        tags=_tags(mail.get("tags")),
    )


def _object(body: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = body.get(name)
    if not isinstance(value, dict):
        raise MalformedNotification(f"no {name} object")
    return value


def _address(value: str) -> str:
    """The bare address, lower-cased (``Name <a@b>`` as some reports give it becomes ``a@b``)."""
    from email.utils import parseaddr

    return parseaddr(value)[1].strip().lower()


def _moment(value: Any) -> datetime | None:
    """An ISO 8601 instant; None when missing, unreadable or without a UTC offset."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.utcoffset() is not None else None


def _tags(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        return {}
    return {
        str(k): tuple(str(v) for v in vs) if isinstance(vs, list) else (str(vs),)
        for k, vs in value.items()
    }


Outcome = Literal["suppressed", "unchanged", "counted", "not_ours", "refused", "ignored"]


@dataclass
class FeedbackService:
    subscriptions: Subscriptions
    users: Users
    configuration_set: str = ""
    clock: Clock = utc_now

    def handle(self, feedback: Feedback) -> dict[str, Outcome]:
        """Apply one notification; what happened to each address it names."""
        if feedback.kind == "ignored":
            return {}
        context = _context(feedback)
        configuration_set = feedback.tag("ses:configuration-set")
        if not self.configuration_set or configuration_set != self.configuration_set:
            # another stage's set, or none named (identity notifications, a forged message)
            logger.warning(
                "SES feedback not from our configuration set ignored",
                extra={**context, "configuration_set": configuration_set},
            )
            return dict.fromkeys(feedback.addresses, "not_ours")
        refusal = self._unbelievable_send_time(feedback)
        if refusal is not None or feedback.sent_at is None:
            sent_at = iso(feedback.sent_at) if feedback.sent_at else None
            logger.warning(
                "SES feedback refused: its mail's send time cannot date it",
                extra={**context, "reason": refusal, "sent_at": sent_at},
            )
            return dict.fromkeys(feedback.addresses, "refused")
        results: dict[str, Outcome] = {}
        for address in feedback.addresses:
            results[address] = self._one(feedback, address, dict(context), feedback.sent_at)
        return results

    def _unbelievable_send_time(self, feedback: Feedback) -> str | None:
        """Why the mail's send time cannot be trusted to date the feedback, or None."""
        if feedback.sent_at is None:
            return "no readable mail timestamp"
        now = self.clock()
        latest = min(feedback.reported_at, now) if feedback.reported_at else now
        if feedback.sent_at > latest + CLOCK_SKEW:
            return "mail timestamp after the notification"
        return None

    def _one(
        self, feedback: Feedback, address: str, context: dict[str, str], sent: datetime
    ) -> Outcome:
        username = feedback.tag(USER_TAG) or self.users.username_for_email(address)
        subscription, profile = (
            self.subscriptions.subscription_and_profile(username) if username else (None, None)
        )
        if not profile or (profile.email or "").lower() != address:
            # a forged or stale notification, or mail to an address no account holds now
            logger.warning("SES feedback about an address that is not ours ignored", extra=context)
            return "not_ours"
        context["username"] = str(username)
        if not feedback.suppresses:
            logger.info("Soft bounce: delivery continues", extra=context)
            return "counted"
        if subscription is None:
            logger.info("SES feedback for an account without digests", extra=context)
            return "unchanged"
        stopped = self.subscriptions.suppress(
            str(username), feedback.kind, iso(self.clock()), iso(sent)
        )
        logger.warning(
            "Digests stopped after SES feedback" if stopped else "SES feedback changed nothing",
            extra=context,
        )
        return "suppressed" if stopped else "unchanged"


def _context(feedback: Feedback) -> dict[str, str]:
    return {
        "event_type": feedback.event_type,
        "bounce_type": feedback.bounce_type,
        "bounce_subtype": feedback.bounce_subtype,
        "message_id": feedback.message_id,
        "feedback_id": feedback.feedback_id,
    }


@cache
def feedback_service() -> FeedbackService:
    from byline.data.table import table
    from byline.settings import get_settings

    return FeedbackService(
        subscriptions=Subscriptions(table()),
        users=Users(table()),
        configuration_set=get_settings().ses_configuration_set,
    )
