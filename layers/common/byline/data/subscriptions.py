"""Subscriptions, follows, the sent ledger and digest records, all in the user's partition, so
one Query reads everything a digest worker needs to know about a subscriber.

The repository returns typed records (frozen dataclasses built by ``from_item``, the only code
that reads these items' attribute names); services never see an item."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from byline.data import keys
from byline.data.table import (
    ConditionFailed,
    Item,
    Table,
    check_op,
    delete_op,
    put_op,
    update_op,
)

DigestState = Literal["sending", "handed", "sent", "unconfirmed", "failed"]

SENT_LEDGER_SECONDS = 120 * 24 * 3600
"""How long an article stays in a subscriber's sent ledger: far longer than any window."""


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _number(value: Any) -> int | None:
    """A number as DynamoDB returns it (a Decimal), or None."""
    return None if value is None else int(value)


@dataclass(frozen=True, slots=True)
class Recipient:
    """A user's profile as subscriptions see it: where mail goes and under which name."""

    username: str
    email: str | None = None
    display_name: str | None = None
    confirmed: bool = False
    profile: bool = True
    """False for a deleted account's tombstone (``kind`` other than ``profile``)."""
    deleting: bool = False

    @property
    def live(self) -> bool:
        """A profile (no tombstone) of an account that is not being deleted."""
        return self.profile and not self.deleting

    @classmethod
    def from_item(cls, item: Item) -> Recipient:
        return cls(
            username=str(item.get("username") or keys.username_of(str(item["PK"]))),
            email=_text(item.get("email")),
            display_name=_text(item.get("display_name")),
            confirmed=bool(item.get("confirmed")),
            profile=item.get("kind") == "profile",
            deleting=bool(item.get("deleting")),
        )


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    """A subscriber's digest schedule, and what the digests wrote on it."""

    username: str
    cadence: str = "off"
    weekday: int | None = None
    hour: int = 8
    timezone: str = "UTC"
    updated_at: str | None = None
    watermark: str | None = None
    """The snapshot bound the last digest covered (set when digests were turned on)."""
    last_digest_at: str | None = None
    subscribed_at: str | None = None
    suppressed: str | None = None
    """``bounce`` or ``complaint`` when SES feedback stopped delivery."""
    suppressed_at: str | None = None
    bucket: str | None = None
    """The UTC quarter-hour bucket it is filed under (``H07``, ``D6H21M30``); None when off."""

    @classmethod
    def from_item(cls, item: Item) -> SubscriptionRecord:
        return cls(
            username=keys.username_of(str(item["PK"])),
            cadence=str(item.get("cadence") or "off"),
            weekday=_number(item.get("weekday")),
            hour=8 if item.get("hour") is None else int(item["hour"]),
            timezone=str(item.get("timezone") or "UTC"),
            updated_at=_text(item.get("updated_at")),
            watermark=_text(item.get("watermark")),
            last_digest_at=_text(item.get("last_digest_at")),
            subscribed_at=_text(item.get("subscribed_at")),
            suppressed=_text(item.get("suppressed")),
            suppressed_at=_text(item.get("suppressed_at")),
            bucket=keys.bucket_of(str(item.get("GSI1PK") or "")),
        )


@dataclass(frozen=True, slots=True)
class Follow:
    """A followed tag or author, or a muted tag."""

    kind: str
    """``tag`` or ``author``."""
    target: str
    muted: bool = False
    created_at: str | None = None

    def to_item(self, username: str) -> Item:
        return {
            **keys.follow(username, self.kind, self.target),
            "kind": "follow",
            "kind_of": self.kind,
            "target": self.target.lower(),
            "muted": self.muted,
            "created_at": self.created_at,
        }

    @classmethod
    def from_item(cls, item: Item) -> Follow:
        parsed = keys.follow_of(str(item["SK"]))
        kind, target = parsed if parsed else ("", "")
        return cls(
            kind=str(item.get("kind_of") or kind),
            target=str(item.get("target") or target),
            muted=bool(item.get("muted")),
            created_at=_text(item.get("created_at")),
        )


@dataclass(frozen=True, slots=True)
class DigestRecord:
    """One period's digest: ``sending`` (claimed, with a lease), ``handed`` (given to SES),
    ``sent``, ``unconfirmed`` or ``failed``."""

    period: str
    state: DigestState
    claim: str = ""
    lease_until: int = 0
    articles: tuple[str, ...] = ()
    """The ids it listed."""
    more: tuple[str, ...] = ()
    """The matches the size cap left out."""
    ledger: tuple[str, ...] = ()
    """The sent-ledger tokens a recovery records (``<id>`` or ``<id>@<release>``)."""
    archive: str | None = None
    upto: str | None = None
    sent_at: str | None = None
    message_id: str | None = None

    @classmethod
    def from_item(cls, item: Item) -> DigestRecord:
        return cls(
            period=keys.digest_period(str(item["SK"])) or "",
            state=cast(DigestState, str(item.get("state"))),
            claim=str(item.get("claim") or ""),
            lease_until=_number(item.get("lease_until")) or 0,
            articles=tuple(str(a) for a in item.get("articles") or ()),
            more=tuple(str(a) for a in item.get("more") or ()),
            ledger=tuple(str(a) for a in item.get("ledger") or ()),
            archive=_text(item.get("archive")),
            upto=_text(item.get("upto")),
            sent_at=_text(item.get("sent_at")),
            message_id=_text(item.get("message_id")),
        )


@dataclass(frozen=True, slots=True)
class SentEntry:
    """An article in a subscriber's sent ledger, recorded with the period whose digest
    accounted for it; kept for :data:`SENT_LEDGER_SECONDS` (``ttl``)."""

    token: str
    """``<id>``, or ``<id>@<released_at>`` for a republication."""
    period: str
    ttl: int

    @property
    def article_id(self) -> str:
        return self.token.split("@", 1)[0]

    def to_item(self, username: str) -> Item:
        return {
            **keys.sent_article(username, self.article_id),
            "token": self.token,
            "kind": "sent",
            "period": self.period,
            "ttl": self.ttl,
        }


@dataclass(frozen=True, slots=True)
class WelcomeClaim:
    """The right to send the welcome of the subscription that started at ``subscribed_at``,
    taken at ``claimed_at`` (epoch seconds) with the token ``claim``."""

    username: str
    subscribed_at: str
    claim: str
    claimed_at: int
    ttl: int

    def to_item(self) -> Item:
        return {
            **keys.welcome(self.username),
            "kind": "welcome",
            "subscribed_at": self.subscribed_at,
            "claim": self.claim,
            "claimed_at": self.claimed_at,
            "ttl": self.ttl,
        }


@dataclass(frozen=True, slots=True)
class Subscriber:
    """Everything about one subscriber that their partition holds."""

    username: str
    profile: Recipient | None = None
    subscription: SubscriptionRecord | None = None
    follows: tuple[Follow, ...] = ()
    sent: frozenset[str] = frozenset()
    """The sent ledger's tokens: ``<id>``, or ``<id>@<released_at>`` for a republication."""
    digests: Mapping[str, DigestRecord] = field(default_factory=dict)
    """Digest records by period."""


@dataclass(frozen=True, slots=True)
class Preferences:
    """What the preferences page shows: the profile, the subscription, the follows and the
    display names of the followed authors (lower-cased username → name)."""

    profile: Recipient | None
    subscription: SubscriptionRecord | None
    follows: tuple[Follow, ...]
    author_names: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class DuePage:
    """One page of the subscribers filed under a bucket."""

    usernames: tuple[str, ...]
    last_key: Mapping[str, Any] | None


def commit(table: Table, operations: Sequence[Mapping[str, Any]]) -> None:
    """The one place this module commits a transaction (all or nothing). Kept apart so that
    the table's unit of work can take its place without touching the methods that compose."""
    table.transact(operations)


class AccountGone(Exception):
    """The subscriber's account is being deleted (or was): nothing more is sent or kept."""


class Subscriptions:
    def __init__(self, table: Table) -> None:
        self._table = table

    def subscriber(self, username: str) -> Subscriber:
        """Everything about one subscriber, from one Query of their partition (paged only for
        very long sent ledgers)."""
        profile: Recipient | None = None
        subscription: SubscriptionRecord | None = None
        follows: list[Follow] = []
        sent: set[str] = set()
        digests: dict[str, DigestRecord] = {}
        start: Mapping[str, Any] | None = None
        while True:
            page = self._table.query("PK", keys.user_partition(username), start_key=start)
            for item in page.items:
                sk = str(item["SK"])
                if sk == keys.PROFILE_SORT:
                    profile = Recipient.from_item(item)
                elif sk == keys.SUBSCRIPTION_SORT:
                    subscription = SubscriptionRecord.from_item(item)
                elif keys.follow_of(sk) is not None:
                    follows.append(Follow.from_item(item))
                elif (article_id := keys.sent_article_id(sk)) is not None:
                    sent.add(str(item.get("token") or article_id))
                elif (period := keys.digest_period(sk)) is not None:
                    digests[period] = DigestRecord.from_item(item)
            if page.last_key is None:
                return Subscriber(
                    username.lower(), profile, subscription, tuple(follows), frozenset(sent),
                    digests,
                )  # fmt: skip
            start = page.last_key

    def subscription(self, username: str) -> SubscriptionRecord | None:
        item = self._table.get(keys.subscription(username))
        return SubscriptionRecord.from_item(item) if item else None

    def profile(self, username: str, *, consistent: bool = False) -> Recipient | None:
        """The user's profile, or None when there is none or only a deleted account's
        tombstone."""
        item = self._table.get(keys.user_profile(username), consistent=consistent)
        recipient = Recipient.from_item(item) if item else None
        return recipient if recipient is not None and recipient.profile else None

    def subscription_and_profile(
        self, username: str
    ) -> tuple[SubscriptionRecord | None, Recipient | None]:
        """The subscription and the profile that holds its email address, in one request."""
        items = self._table.get_many([keys.subscription(username), keys.user_profile(username)])
        by_sort_key = {str(item["SK"]): item for item in items}
        subscription = by_sort_key.get(keys.SUBSCRIPTION_SORT)
        profile = by_sort_key.get(keys.PROFILE_SORT)
        return (
            SubscriptionRecord.from_item(subscription) if subscription else None,
            Recipient.from_item(profile) if profile else None,
        )

    def save_subscription(
        self,
        username: str,
        *,
        cadence: str,
        weekday: int | None,
        hour: int,
        timezone: str,
        updated_at: str,
        bucket: str | None,
    ) -> str | None:
        """Write the subscriber's choices, keeping what the digests wrote (the watermark of the
        last digest): saving the form must not make the next digest forget what it owes.
        Returns the subscription's ``subscribed_at`` when this save turned digests on (there
        was no subscription, or it was off), None otherwise: read from the item as it was
        before this very write, so of two racing saves only one can have turned them on."""
        fields: dict[str, Any] = {
            "cadence": cadence,
            "weekday": weekday,
            "hour": hour,
            "timezone": timezone,
            "updated_at": updated_at,
        }
        chosen: dict[str, Any] = {"kind": "subscription", **fields}
        if bucket is not None:
            chosen["GSI1PK"] = keys.digest_bucket(cadence, bucket)
            chosen["GSI1SK"] = keys.user_partition(username)
            # turning digests on again after a bounce or complaint clears it (a stopped
            # subscription is off, so only a save that turns them on finds one); the opt-in
            # that outranks feedback about earlier mail is subscribed_at, set below only by
            # such a save: changing the hour is no opt-in (see suppress)
            chosen.update(suppressed=None, suppressed_at=None, opted_in_at=None)
        else:  # off: what is published from now on is owed to nobody
            chosen.update(GSI1PK=None, GSI1SK=None, watermark=None, subscribed_at=None)
        names = {f"#f{i}": name for i, name in enumerate(chosen)}
        sets = [f"#f{i} = :f{i}" for i, v in enumerate(chosen.values()) if v is not None]
        removes = [f"#f{i}" for i, v in enumerate(chosen.values()) if v is None]
        values = {f":f{i}": v for i, v in enumerate(chosen.values()) if v is not None}
        if bucket is not None:
            # A subscription (re)starting now owes what is published from now on: its first
            # digest starts here, not one period before whenever it happens to be sent.
            names["#mark"] = "watermark"
            sets.append("#mark = if_not_exists(#mark, :since)")
            # which subscription a welcome email greets (every way to off removes it)
            names["#subscribed"] = "subscribed_at"
            sets.append("#subscribed = if_not_exists(#subscribed, :since)")
            values[":since"] = updated_at
        before = self._table.update(
            keys.subscription(username),
            "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else ""),
            names=names,
            values=values,
            returns="ALL_OLD",
        )
        if bucket is None or before.get("cadence", "off") != "off":
            return None
        return str(before.get("subscribed_at") or updated_at)

    def move_bucket(self, username: str, cadence: str, bucket: str) -> None:
        self._table.update(
            keys.subscription(username),
            "SET GSI1PK = :pk",
            condition="attribute_exists(PK)",
            values={":pk": keys.digest_bucket(cadence, bucket)},
        )

    def turn_off(self, username: str, at: str) -> bool:
        """Stop digests; False when there was nothing to turn off."""
        try:
            self._table.update(
                keys.subscription(username),
                # without a watermark, turning digests on again starts a fresh one then
                "SET cadence = :off, updated_at = :at REMOVE GSI1PK, GSI1SK, watermark, "
                "subscribed_at",
                condition="attribute_exists(PK) AND cadence <> :off",
                values={":off": "off", ":at": at},
            )
        except ConditionFailed:
            return False
        return True

    def suppress(self, username: str, reason: str, at: str, sent_at: str) -> bool:
        """Stop digests because mail to the subscriber bounced for good or was reported as
        spam (``reason``: bounce or complaint), recording why and when. False when there was
        nothing to stop: digests already off (a redelivered notification), or turned on by the
        subscriber after the mail that caused it was sent (``sent_at``): their
        ``subscribed_at``, which only turning digests on sets (a later hour or zone is no
        opt-in, so feedback about mail sent before it still counts)."""
        try:
            self._table.update(
                keys.subscription(username),
                "SET cadence = :off, updated_at = :at, suppressed = :why, suppressed_at = :at "
                "REMOVE GSI1PK, GSI1SK, watermark, subscribed_at",
                condition="attribute_exists(PK) AND cadence <> :off "
                "AND (attribute_not_exists(subscribed_at) OR subscribed_at < :sent)",
                values={":off": "off", ":at": at, ":why": reason, ":sent": sent_at},
            )
        except ConditionFailed:
            return False
        return True

    def due(
        self, cadence: str, bucket: str, limit: int, start: Mapping[str, Any] | None
    ) -> DuePage:
        """The usernames filed under a bucket, a page at a time."""
        page = self._table.query(
            "GSI1PK",
            keys.digest_bucket(cadence, bucket),
            index="GSI1",
            limit=limit,
            start_key=start,
        )
        usernames = tuple(keys.username_of(str(item["PK"])) for item in page.items)
        return DuePage(usernames, page.last_key)

    # -- follows -----------------------------------------------------------------------------
    def follow(self, username: str, kind: str, target: str, *, muted: bool, at: str) -> None:
        self._table.put(Follow(kind, target, muted=muted, created_at=at).to_item(username))

    def unfollow(self, username: str, kind: str, target: str) -> None:
        self._table.delete(keys.follow(username, kind, target))

    def follows(self, username: str) -> list[Follow]:
        return [Follow.from_item(item) for item in self._follow_items(username)]

    def _follow_items(self, username: str) -> list[Item]:
        return self._table.query(
            "PK",
            keys.user_partition(username),
            sort_condition="begins_with(SK, :f)",
            values={":f": keys.follows_prefix()},
            limit=1000,
        ).items

    def settings(self, username: str) -> Preferences:
        """What the preferences page shows: the profile, the subscription, the follows and the
        followed authors' display names, in one Query of the follows and one consistent
        BatchGetItem of the rest (one more per further 100 followed authors)."""
        follows = self.follows(username)
        authors = [f.target for f in follows if f.kind == "author"]
        wanted = [
            keys.user_profile(username),
            keys.subscription(username),
            *(keys.user_profile(a) for a in authors),
        ]
        found: list[Item] = []
        for start in range(0, len(wanted), 100):
            found.extend(self._table.get_many(wanted[start : start + 100], consistent=True))
        own = keys.user_partition(username)
        profile = next((i for i in found if i["PK"] == own and i["SK"] == keys.PROFILE_SORT), None)
        subscription = next((i for i in found if i["SK"] == keys.SUBSCRIPTION_SORT), None)
        names = {
            str(i["username"]).lower(): str(i.get("display_name") or i["username"])
            for i in found
            if i["PK"] != own and i.get("kind") == "profile" and i.get("username")
        }
        return Preferences(
            profile=Recipient.from_item(profile) if profile else None,
            subscription=SubscriptionRecord.from_item(subscription) if subscription else None,
            follows=tuple(follows),
            author_names=names,
        )

    # -- welcome -----------------------------------------------------------------------------
    def claim_welcome(
        self, username: str, subscribed_at: str, token: str, now: int, since: int, expires: int
    ) -> bool:
        """Take the right to send the welcome of the subscription that started at
        ``subscribed_at``: refused when that subscription was already welcomed (a redelivered
        message) or when the last welcome was claimed after ``since`` (digests flipped off and
        on again: one welcome a day is enough)."""
        try:
            self._table.put(
                WelcomeClaim(username, subscribed_at, token, now, expires).to_item(),
                condition="attribute_not_exists(PK) OR "
                "(subscribed_at <> :subscribed AND claimed_at < :since)",
                values={":subscribed": subscribed_at, ":since": since},
            )
        except ConditionFailed:
            return False
        return True

    def release_welcome(self, username: str, token: str) -> None:
        """Give a welcome's claim back after the mail service refused it, so the retry sends."""
        with contextlib.suppress(ConditionFailed):
            self._table.delete(
                keys.welcome(username), condition="claim = :token", values={":token": token}
            )

    # -- digests -----------------------------------------------------------------------------
    def claim(self, username: str, period: str, token: str, now: int, lease_until: int) -> bool:
        """Take the right to send this period's digest: the record is created in state
        ``sending``, or taken over when a previous claim's lease ran out without a send."""
        try:
            self._table.put(
                {
                    **keys.digest(username, period),
                    "kind": "digest",
                    "state": "sending",
                    "claim": token,
                    "lease_until": lease_until,
                },
                condition="attribute_not_exists(PK) OR (#s = :sending AND lease_until < :now)",
                names={"#s": "state"},
                values={":sending": "sending", ":now": now},
            )
        except ConditionFailed:
            return False
        return True

    def hand_over(
        self,
        username: str,
        period: str,
        token: str,
        article_ids: Sequence[str],
        archive: str,
        *,
        more: Sequence[str] = (),
        upto: str = "",
        ledger: Sequence[str] | None = None,
    ) -> None:
        """Record, just before the mail service is called, that this claim is handing the
        digest over, with what it holds (``article_ids``), the sent-ledger tokens a recovery
        records (``ledger``: a republication's ``<id>@<release>``, and the left-out matches the
        next digest's overlap would see again), the matches the size cap left out (``more``)
        and the snapshot bound it covers (``upto``): from here on nobody sends it again. In the
        same transaction the account must still be a live profile (not being deleted):
        :class:`AccountGone` otherwise, and nothing was written."""
        record = update_op(
            keys.digest(username, period),
            "SET #s = :handed, #articles = :ids, #archive = :archive, more = :more, "
            "upto = :upto, #ledger = :ledger",
            "claim = :token AND #s = :sending",
            names={"#s": "state", "#articles": "articles", "#archive": "archive",
                   "#ledger": "ledger"},
            values={
                ":handed": "handed",
                ":ids": list(article_ids),
                ":archive": archive,
                ":more": list(more),
                ":upto": upto,
                ":ledger": list(article_ids if ledger is None else ledger),
                ":token": token,
                ":sending": "sending",
            },
        )  # fmt: skip
        live = check_op(
            keys.user_profile(username),
            "#kind = :profile AND attribute_not_exists(deleting)",
            names={"#kind": "kind"},
            values={":profile": "profile"},
        )
        try:
            commit(self._table, [record, live])
        except ConditionFailed as refused:
            if 1 in refused.failed:
                raise AccountGone(username) from refused
            raise

    def release(self, username: str, period: str, token: str) -> None:
        """Give a claim back after the mail service refused the digest (or before it was asked),
        so the queue's retry can claim it at once."""
        with contextlib.suppress(ConditionFailed):
            commit(
                self._table,
                [
                    delete_op(
                        keys.digest(username, period),
                        "claim = :token AND #s IN (:sending, :handed)",
                        names={"#s": "state"},
                        values={":token": token, ":sending": "sending", ":handed": "handed"},
                    )
                ],
            )

    def fail(self, username: str, period: str, token: str, at: str) -> None:
        """Record that this claim's digest cannot be built: ``failed`` is final for the period,
        and nothing is added to the sent ledger, so its articles stay due."""
        self._table.update(
            keys.digest(username, period),
            "SET #s = :failed, failed_at = :at REMOVE lease_until",
            condition="claim = :token AND #s = :sending",
            names={"#s": "state"},
            values={":failed": "failed", ":at": at, ":token": token, ":sending": "sending"},
        )

    def complete(
        self,
        username: str,
        period: str,
        token: str,
        message_id: str | None,
        article_ids: Sequence[str],
        sent_at: str,
        expires: int,
        state: str = "sent",
        watermark: str | None = None,
    ) -> None:
        """Move a handed-over digest to ``state`` (``sent``, or ``unconfirmed`` when recovering
        one whose delivery stopped during the hand-over), add its articles (ledger tokens:
        ``<id>`` or ``<id>@<release>``) to the sent ledger and move the subscriber's watermark
        to the snapshot bound the digest covered, atomically. ``message_id``: SES's, when it
        answered."""
        names = {"#s": "state"}
        values = {":state": state, ":token": token, ":at": sent_at, ":handed": "handed"}
        sets = ["#s = :state", "sent_at = :at"]
        if message_id is not None:
            names["#m"] = "message_id"
            values[":m"] = message_id
            sets.append("#m = :m")
        ops = [
            update_op(
                keys.digest(username, period),
                "SET " + ", ".join(sets) + " REMOVE lease_until",
                "claim = :token AND #s = :handed",
                names=names,
                values=values,
            ),
            update_op(
                keys.subscription(username),
                "SET last_digest_at = :at" + (", watermark = :w" if watermark else ""),
                "attribute_exists(PK)",
                values={":at": sent_at, **({":w": watermark} if watermark else {})},
            ),
        ]
        ops.extend(
            put_op(SentEntry(sent_token, period, expires).to_item(username))
            for sent_token in article_ids
        )
        commit(self._table, ops)

    def digests(self, username: str, limit: int = 100) -> list[DigestRecord]:
        """The subscriber's digest records, newest period first."""
        items = self._table.query(
            "PK",
            keys.user_partition(username),
            sort_condition="begins_with(SK, :d)",
            values={":d": keys.digests_prefix()},
            forward=False,
            limit=limit,
        ).items
        return [DigestRecord.from_item(item) for item in items]

    def digest(self, username: str, period: str) -> DigestRecord | None:
        item = self._table.get(keys.digest(username, period))
        return DigestRecord.from_item(item) if item else None
