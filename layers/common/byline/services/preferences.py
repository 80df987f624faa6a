"""The preferences page a digest links to: cadence, delivery time, and every follow and mute with
its own control, opened and changed with the email's signed token (no login).

The token is the only credential. Forms on the page carry a check, an HMAC of the subscriber and
the action under a key of its own purpose, so a post must come from the page (or from someone who
holds the signing key); the route also refuses a browser's cross-site post (Fetch Metadata).
docs/decisions/0009-digests.md, "The preferences page", says why this and not an Origin check.
Every change goes through :class:`SubscriptionService`, the JSON routes' own use cases.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import parse_qsl

from pydantic import TypeAdapter, ValidationError

from byline.auth.principal import ROLE_GROUPS, Principal
from byline.data.subscriptions import Recipient, Subscriptions
from byline.data.users import Users
from byline.errors import BadRequest, Forbidden, Gone
from byline.models.fields import Tag, Username
from byline.models.subscriptions import Subscription, SubscriptionUpdate
from byline.services import unsubscribe_tokens
from byline.services.subscriptions import SubscriptionService, to_subscription

FORM_PURPOSE = "preferences:form"
ACTIONS = ("schedule", "unfollow-tag", "unmute-tag", "unfollow-author")
DONE = {
    "schedule": "Your digest schedule is saved.",
    "unfollow-tag": "You no longer follow that tag.",
    "unmute-tag": "That tag is no longer muted.",
    "unfollow-author": "You no longer follow that author.",
}
"""The confirmation shown after each action (the redirect names the action, never a text)."""
FIELDS = frozenset({"action", "check", "cadence", "weekday", "hour", "timezone", "target"})
MAX_VALUE_LENGTH = 100
MAX_FIELDS = 20
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_TAG: TypeAdapter[str] = TypeAdapter(Tag)
_USERNAME: TypeAdapter[str] = TypeAdapter(Username)


class InvalidForm(BadRequest):
    """The form's content is refused (the link and the check were good): the page is shown
    again with the reason, and nothing changed."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def form_check(key: bytes, username: str, action: str) -> str:
    """The hidden field that proves a post was built from this subscriber's page for this
    action; under another purpose than the token, so neither can stand in for the other."""
    message = f"{FORM_PURPOSE}\x00{username.lower()}\x00{action}".encode()
    return _b64(hmac.new(key, message, hashlib.sha256).digest()[:20])


def parse_form(body: str) -> dict[str, str]:
    """The fields of an ``application/x-www-form-urlencoded`` body; BadRequest for anything a
    page of ours would not send (unknown or repeated fields, overlong values, bad encoding)."""
    try:
        pairs = parse_qsl(
            body,
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FIELDS,
            errors="strict",
        )
    except ValueError as error:  # too many fields, or percent-escapes that are not UTF-8
        raise InvalidForm("The form could not be read; use the page's own buttons.") from error
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name not in FIELDS:
            raise InvalidForm("The form has a field this page does not know.")
        if name in fields:
            raise InvalidForm(f"The form sends {name} twice.")
        if len(value) > MAX_VALUE_LENGTH:
            raise InvalidForm(f"The {name} is too long.")
        fields[name] = value
    return fields


@dataclass(frozen=True)
class Change:
    """One validated form submission: a new schedule, or one follow (or mute) to remove."""

    action: str
    schedule: SubscriptionUpdate | None = None
    kind: str = ""
    target: str = ""


def _integer(text: str, name: str, low: int, high: int) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 2 or not low <= int(text) <= high:
        raise InvalidForm(f"The {name} must be a whole number from {low} to {high}.")
    return int(text)


def parse_change(fields: Mapping[str, str]) -> Change:
    """The change a form asks for, validated as the JSON routes validate it; BadRequest with a
    sentence a person can act on."""
    action = fields.get("action", "")
    if action == "schedule":
        cadence = fields.get("cadence", "")
        if cadence not in ("daily", "weekly", "off"):
            raise InvalidForm("Choose daily, weekly or off.")
        weekday = (
            _integer(fields.get("weekday", ""), "weekday", 0, 6) if cadence == "weekly" else None
        )
        hour = _integer(fields.get("hour", ""), "hour", 0, 23)
        zone = fields.get("timezone", "").strip()
        try:
            update = SubscriptionUpdate.model_validate(
                {"cadence": cadence, "weekday": weekday, "hour": hour, "timezone": zone}
            )
        except ValidationError as error:
            raise InvalidForm(
                "The time zone must be an IANA name such as Europe/Paris or America/New_York."
            ) from error
        return Change(action, schedule=update)
    if action in ("unfollow-tag", "unmute-tag"):
        try:
            return Change(action, kind="tag", target=_TAG.validate_python(fields.get("target")))
        except ValidationError as error:
            raise InvalidForm("That is not a tag name.") from error
    if action == "unfollow-author":
        try:
            target = _USERNAME.validate_python(fields.get("target"))
        except ValidationError as error:
            raise InvalidForm("That is not an author's username.") from error
        return Change(action, kind="author", target=target)
    raise InvalidForm("This page does not know that action.")


@dataclass(frozen=True)
class FollowedAuthor:
    username: str
    display_name: str


@dataclass(frozen=True)
class PreferencesView:
    """What the page shows, and the checks its forms carry."""

    username: str
    display_name: str
    subscription: Subscription
    tags: list[str]
    muted_tags: list[str]
    authors: list[FollowedAuthor]
    checks: dict[str, str] = field(default_factory=dict)


def _live(profile: Recipient | None) -> bool:
    """A confirmed account that is not being deleted (a tombstone is no profile at all)."""
    return profile is not None and profile.live and profile.confirmed


_GONE = "This account no longer exists, so it has no preferences to manage."


@dataclass
class PreferencesService:
    subscriptions: Subscriptions
    users: Users
    service: SubscriptionService
    unsubscribe_key: Callable[[], bytes]
    form_key: Callable[[], bytes]

    def subscriber(self, token: str | None) -> str:
        """The username the token names; BadRequest for a forged, altered or cut token."""
        return unsubscribe_tokens.verify(
            self.unsubscribe_key(), token, unsubscribe_tokens.PREFERENCES
        )

    def view(self, token: str | None) -> PreferencesView:
        username = self.subscriber(token)
        settings = self.subscriptions.settings(username)
        profile = settings.profile
        if profile is None or not _live(profile):
            raise Gone(_GONE)
        names = settings.author_names
        tags, muted, followed = [], [], []
        for follow in settings.follows:
            target = follow.target
            if follow.kind == "author":
                followed.append(FollowedAuthor(target, names.get(target, target)))
            elif follow.muted:
                muted.append(target)
            else:
                tags.append(target)
        key = self.form_key()
        return PreferencesView(
            username=username,
            display_name=profile.display_name or username,
            subscription=to_subscription(settings.subscription, profile),
            tags=sorted(tags),
            muted_tags=sorted(muted),
            authors=sorted(followed, key=lambda a: a.username),
            checks={action: form_check(key, username, action) for action in ACTIONS},
        )

    def check_form(self, username: str, fields: Mapping[str, str]) -> None:
        """Forbidden unless the form's check is this page's for the action it names."""
        action, check = fields.get("action", ""), fields.get("check", "")
        if action not in ACTIONS:
            return  # parse_change refuses it with a readable message; nothing will change
        expected = form_check(self.form_key(), username, action)
        if not hmac.compare_digest(check.encode(), expected.encode()):
            raise Forbidden(
                "This form was not sent from your preferences page; open the page from your "
                "latest digest and use its buttons."
            )

    def submit(self, token: str | None, body: str, fetch_site: str | None) -> str:
        """Apply one form post; the action done. BadRequest for a bad link, Forbidden for a
        post that is not from the page, Gone for a deleted account, InvalidForm for bad input:
        in every one of those cases nothing changed."""
        username = self.subscriber(token)
        if fetch_site is not None and fetch_site.strip().lower() != "same-origin":
            raise Forbidden(
                "This form was sent from another site; open your preferences from your latest "
                "digest and use the page's own buttons."
            )
        fields = parse_form(body)
        self.check_form(username, fields)
        principal = self.account(username)
        change = parse_change(fields)
        self.apply(principal, change)
        return change.action

    def account(self, username: str) -> Principal:
        """The subscriber as a principal with the role stored on their account now (one
        consistent GetItem); Gone for a deleted account or one being deleted."""
        profile = self.users.get(username, consistent=True)
        if profile is None or not profile.is_live:
            raise Gone(_GONE)
        role = profile.role
        return Principal(
            username=username,
            sub=profile.sub or username,
            groups=(role if role in ROLE_GROUPS else "reader",),
        )

    def apply(self, principal: Principal, change: Change) -> None:
        """Make the change through the JSON routes' own use cases: saving a schedule keeps the
        watermark (decision 0009), removing a follow is the same idempotent delete."""
        if change.schedule is not None:
            self.service.put(principal, change.schedule)
        else:
            self.service.unfollow(principal, change.kind, change.target)


@cache
def preferences_service() -> PreferencesService:
    from byline.data.table import table
    from byline.secrets import signing_key
    from byline.services.subscriptions import subscription_service

    return PreferencesService(
        subscriptions=Subscriptions(table()),
        users=Users(table()),
        service=subscription_service(),
        unsubscribe_key=lambda: signing_key("unsubscribe"),
        form_key=lambda: signing_key(FORM_PURPOSE),
    )


def render_page(view: PreferencesView, token: str, *, notice: str = "", error: str = "") -> str:
    """The page (autoescaped); its forms post to the page's own address, relative, so that the
    API's stage or a forwarding prefix stays in it."""
    from byline.content.rendering import render_template

    return render_template(
        "preferences.html.j2",
        view=view,
        subscription=view.subscription,
        action=f"preferences?{unsubscribe_tokens.query(token)}",
        notice=notice,
        error=error,
        weekdays=WEEKDAYS,
    )
