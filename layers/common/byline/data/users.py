"""Profiles and the claims that keep usernames and emails unique."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

from byline.data import keys
from byline.data.table import (
    Check,
    ConditionFailed,
    Item,
    Table,
    check_op,
    put_op,
    raise_for_checks,
    update_op,
)
from byline.errors import Conflict, NotFound

_IS_PROFILE = "#kind = :profile"
"""The condition of every change to a live profile (a deleted account's tombstone is none)."""

PENDING_TTL_SECONDS = 24 * 3600
"""An unconfirmed sign-up holds its username this long (the life of Cognito's confirmation
code), then anyone may take the name. It never holds the email address: that is claimed only
by a confirmation, which takes the code sent to that address (docs/decisions/0004)."""


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A live account's profile (``USER#<username>`` / ``PROFILE``; a deleted account's
    tombstone is none). ``pending_until`` (epoch seconds, the item's TTL) is set while a
    sign-up is unconfirmed; ``sub`` binds the profile to its Cognito user; tokens issued
    before ``tokens_valid_from`` are signed out; ``deleting`` marks a deletion under way."""

    username: str
    email: str
    display_name: str
    role: str = "reader"
    confirmed: bool = False
    bio: str = ""
    links: tuple[str, ...] = ()
    avatar: str | None = None
    cover: str | None = None
    website: str | None = None
    location: str | None = None
    facebook: str | None = None
    twitter: str | None = None
    meta_title: str | None = None
    meta_description: str | None = None
    joined_at: str | None = None
    sub: str | None = None
    tokens_valid_from: int | None = None
    deleting: bool = False
    pseudonym: str | None = None
    pending_until: int | None = None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        def text(name: str) -> str | None:
            value = item.get(name)
            return None if value is None else str(value)

        def number(name: str) -> int | None:
            value = item.get(name)
            return None if value is None else int(value)

        return cls(
            username=str(item.get("username") or keys.username_of(str(item["PK"]))),
            email=str(item.get("email") or ""),
            display_name=str(item.get("display_name") or ""),
            role=str(item.get("role") or "reader"),
            confirmed=bool(item.get("confirmed")),
            bio=str(item.get("bio") or ""),
            links=tuple(str(link) for link in item.get("links") or ()),
            avatar=text("avatar"),
            cover=text("cover"),
            website=text("website"),
            location=text("location"),
            facebook=text("facebook"),
            twitter=text("twitter"),
            meta_title=text("meta_title"),
            meta_description=text("meta_description"),
            joined_at=text("joined_at"),
            sub=text("sub"),
            tokens_valid_from=number("tokens_valid_from"),
            deleting=bool(item.get("deleting")),
            pseudonym=text("pseudonym"),
            pending_until=number("ttl"),
        )

    def to_item(self) -> Item:
        """The profile's attributes as a new sign-up writes them (optional ones only when set:
        an account check conditions on ``deleting`` and ``tokens_valid_from`` being absent)."""
        item: Item = {
            "kind": "profile",
            "username": self.username,
            "email": self.email,
            "display_name": self.display_name,
            "bio": self.bio,
            "links": list(self.links),
            "role": self.role,
            "confirmed": self.confirmed,
        }
        optional = {
            "avatar": self.avatar,
            "cover": self.cover,
            "website": self.website,
            "location": self.location,
            "facebook": self.facebook,
            "twitter": self.twitter,
            "meta_title": self.meta_title,
            "meta_description": self.meta_description,
            "joined_at": self.joined_at,
            "sub": self.sub,
            "tokens_valid_from": self.tokens_valid_from,
            "deleting": True if self.deleting else None,
            "pseudonym": self.pseudonym,
            "ttl": self.pending_until,
        }
        item.update({k: v for k, v in optional.items() if v is not None})
        return item

    @property
    def is_pending(self) -> bool:
        """An unconfirmed sign-up holding the username until ``pending_until``."""
        return self.pending_until is not None and not self.confirmed

    @property
    def is_live(self) -> bool:
        """A confirmed account that is not being deleted."""
        return self.confirmed and not self.deleting


class ActorChanged(Exception):
    """Whoever made a change no longer holds the role or account it was made with."""


class Users:
    def __init__(self, table: Table) -> None:
        self._table = table

    def reserve(self, profile: UserRecord, pending_until: int, now: int) -> UserRecord | None:
        """Hold the username for an unconfirmed sign-up until ``pending_until``.

        A name held by an unconfirmed sign-up whose time ran out is taken over (DynamoDB's TTL
        may delete it days late, so expiry is read from the item, not from its absence); the
        stale profile is returned so that its Cognito user can be removed. Any other holder
        is a Conflict."""
        username = profile.username
        record = {**keys.user_profile(username), **profile.to_item(), "ttl": pending_until}
        try:
            self._table.put(record, condition="attribute_not_exists(PK)")
            return None
        except ConditionFailed:
            stale = self.get(username)
        if stale is None or stale.pending_until is None or not stale.is_pending:
            raise Conflict("That username is taken.")
        if stale.pending_until > now:
            raise Conflict("That username is taken.")
        try:
            self._table.put(
                record,
                condition="#ttl = :stale AND confirmed = :no",
                names={"#ttl": "ttl"},
                values={":stale": stale.pending_until, ":no": False},
            )
        except ConditionFailed as refused:  # someone else took it over first
            raise Conflict("That username is taken.") from refused
        return stale

    def release(self, username: str) -> None:
        """Undo :meth:`reserve` (compensation when Cognito refuses the sign-up)."""
        self._table.delete(keys.user_profile(username))

    def mark_confirmed(self, username: str, now: int, sub: str) -> None:
        """Confirm a pending sign-up: its profile loses the TTL and is bound to its Cognito
        user's ``sub`` (which every request's token must then carry, services/authority.py),
        and its email address is claimed, in one transaction. NotFound when the sign-up lapsed
        or is gone; Conflict when another account confirmed the same address first."""
        profile = self.get(username)
        if profile is None or profile.pending_until is None or not profile.is_pending:
            raise NotFound("No such pending sign-up; sign up again.")
        if profile.pending_until <= now:
            raise NotFound("No such pending sign-up; sign up again.")
        claim = {**keys.email_claim(profile.email), "kind": "email-claim", "username": username}
        try:
            self._table.transact(
                [
                    update_op(
                        keys.user_profile(username),
                        "SET confirmed = :yes, #sub = :sub REMOVE #ttl",
                        "#ttl = :ttl",
                        names={"#ttl": "ttl", "#sub": "sub"},
                        values={":yes": True, ":ttl": profile.pending_until, ":sub": sub},
                    ),
                    # a claim with a TTL was written by an unconfirmed sign-up of the old rules
                    put_op(
                        claim,
                        "attribute_not_exists(PK) OR attribute_exists(#ttl)",
                        names={"#ttl": "ttl"},
                    ),
                ]
            )
        except ConditionFailed as refused:
            if 0 in refused.failed:
                raise NotFound("No such pending sign-up; sign up again.") from refused
            raise Conflict("That email address is already registered.") from refused

    def get(self, username: str, *, consistent: bool = False) -> UserRecord | None:
        """The profile, or None when there is none or only a deleted account's tombstone."""
        item = self._table.get(keys.user_profile(username), consistent=consistent)
        if item is None or item.get("kind") != "profile":
            return None
        return UserRecord.from_item(item)

    def display_names(self, usernames: Sequence[str]) -> dict[str, str]:
        """The display names of these users (lower-cased username → name), one BatchGetItem per
        hundred. Left out: names with no live profile (a deleted account's tombstone, an account
        being deleted, a pseudonym) and profiles without a display name."""
        wanted = sorted({u.lower() for u in usernames if u})
        names: dict[str, str] = {}
        for start in range(0, len(wanted), 100):
            chunk = wanted[start : start + 100]
            for item in self._table.get_many([keys.user_profile(u) for u in chunk]):
                name = str(item.get("display_name") or "").strip()
                if item.get("kind") == "profile" and not item.get("deleting") and name:
                    names[keys.username_of(str(item["PK"]))] = name
        return names

    def bind_sub(self, username: str, sub: str) -> bool:
        """Record which Cognito user the profile belongs to, once (profiles made before ``sub``
        was stored get it from their first verified token); False if another sub is bound."""
        try:
            self._table.update(
                keys.user_profile(username),
                "SET #sub = :sub",
                condition=f"{_IS_PROFILE} AND (attribute_not_exists(#sub) OR #sub = :sub)",
                names={"#sub": "sub", "#kind": "kind"},
                values={":sub": sub, ":profile": "profile"},
            )
        except ConditionFailed:
            return False
        return True

    def account_check(self, username: str, *, sub: str, role: str, issued_at: int) -> Check:
        """A ConditionCheck that the profile still backs a token of ``sub`` issued at
        ``issued_at`` with ``role``: what services/authority.py reads, as one condition."""
        return Check(
            check_op(
                keys.user_profile(username),
                f"{_IS_PROFILE} AND #sub = :sub AND #role = :role AND confirmed = :yes"
                " AND attribute_not_exists(deleting)"
                " AND (attribute_not_exists(tokens_valid_from) OR tokens_valid_from <= :iat)",
                names={"#kind": "kind", "#sub": "sub", "#role": "role"},
                values={
                    ":profile": "profile",
                    ":sub": sub,
                    ":role": role,
                    ":yes": True,
                    ":iat": issued_at,
                },
            )
        )

    def set_role(self, username: str, role: str, *, actor: Check | None = None) -> None:
        """Store the account's role, which decides its authority. ``actor`` is an
        :meth:`account_check` of whoever makes the change, in the same transaction (on the
        update itself when they change their own role), so an admin demoted meanwhile changes
        nothing: :class:`ActorChanged`. NotFound when there is no confirmed account."""
        update = update_op(
            keys.user_profile(username),
            "SET #newrole = :newrole",
            f"{_IS_PROFILE} AND confirmed = :confirmed",
            names={"#newrole": "role", "#kind": "kind"},
            values={":newrole": role, ":profile": "profile", ":confirmed": True},
        )
        ops = [update]
        if (
            actor is not None
            and actor.operation["ConditionCheck"]["Key"] == update["Update"]["Key"]
        ):
            check, body = actor.operation["ConditionCheck"], update["Update"]
            body["ConditionExpression"] += " AND " + check["ConditionExpression"]
            body["ExpressionAttributeNames"].update(check["ExpressionAttributeNames"])
            body["ExpressionAttributeValues"].update(check["ExpressionAttributeValues"])
        elif actor is not None:
            ops.append(actor.operation)
        try:
            self._table.transact(ops)
        except ConditionFailed as refused:
            if actor is not None and (len(ops) == 1 or 1 in refused.failed):
                raise ActorChanged() from refused
            raise NotFound("No such user.") from refused

    def revoke_tokens(self, username: str, issued_before: int) -> None:
        """Refuse, from now on, every token of the account issued before ``issued_before``
        (epoch seconds): what a sign-out means for ID tokens, which Cognito cannot revoke."""
        try:
            self._table.update(
                keys.user_profile(username),
                "SET tokens_valid_from = :at",
                condition=_IS_PROFILE,
                names={"#kind": "kind"},
                values={":at": issued_before, ":profile": "profile"},
            )
        except ConditionFailed as gone:
            raise NotFound("No profile for this user.") from gone

    def begin_deletion(self, username: str, pseudonym: str) -> str:
        """Mark the account as being deleted, which ends its authority on the next request,
        and fix the pseudonym its articles will carry; returns the pseudonym in force (a
        retried deletion keeps the first one)."""
        try:
            item = self._table.update(
                keys.user_profile(username),
                "SET deleting = :yes, pseudonym = if_not_exists(pseudonym, :pseudonym)",
                condition=_IS_PROFILE,
                names={"#kind": "kind"},
                values={":yes": True, ":pseudonym": pseudonym, ":profile": "profile"},
            )
        except ConditionFailed as gone:
            raise NotFound("No profile for this user.") from gone
        return str(item["pseudonym"])

    def username_for_email(self, email: str) -> str | None:
        """The confirmed account that holds the address, if any."""
        claim = self._table.get(keys.email_claim(email))
        return str(claim["username"]) if claim and "ttl" not in claim else None

    def update(
        self, username: str, changes: dict[str, Any], *, checks: Sequence[Check] = ()
    ) -> UserRecord:
        """Set the changed fields (``None`` removes one). ``checks`` are ConditionChecks on
        items the profile refers to (the avatar), written in one transaction with the change;
        one that fails raises :class:`CheckFailed`."""
        if not changes:
            profile = self.get(username)
            if profile is None:
                raise NotFound("No profile for this user.")
            return profile
        names = {f"#f{i}": name for i, name in enumerate(changes)} | {"#kind": "kind"}
        values = {f":v{i}": v for i, v in enumerate(changes.values()) if v is not None}
        values[":profile"] = "profile"
        sets = [f"#f{i} = :v{i}" for i, v in enumerate(changes.values()) if v is not None]
        removes = [f"#f{i}" for i, v in enumerate(changes.values()) if v is None]
        expression = " ".join(
            part
            for part in (
                "SET " + ", ".join(sets) if sets else "",
                "REMOVE " + ", ".join(removes) if removes else "",
            )
            if part
        )
        key = keys.user_profile(username)
        try:
            if not checks:
                return UserRecord.from_item(
                    self._table.update(
                        key, expression, condition=_IS_PROFILE, names=names, values=values
                    )
                )
            tx = self._table.transaction()
            tx.update(key, expression, _IS_PROFILE, names=names, values=values)
            first_check = tx.require(checks)
            tx.commit()
        except ConditionFailed as refused:
            raise_for_checks(refused, first_check)
            raise NotFound("No profile for this user.") from refused
        item = self._table.get(key, consistent=True)
        if item is None:
            raise NotFound("No profile for this user.")
        return UserRecord.from_item(item)

    def owned_keys(self, username: str) -> list[dict[str, Any]]:
        """Every item in the user's partition (profile, follows, subscription, digests, ...)."""
        found: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while True:
            page = self._table.query("PK", keys.user_partition(username), start_key=start)
            found.extend({"PK": i["PK"], "SK": i["SK"]} for i in page.items)
            if page.last_key is None:
                return found
            start = page.last_key

    def erase(self, username: str, email: str | None, deleted_at: str) -> int:
        """Delete everything keyed by the user and leave a tombstone in place of the profile:
        the username is never issued again (docs/decisions/0010), and the tombstone holds
        nothing about the person. Returns how many items went."""
        profile = keys.user_profile(username)
        doomed = [k for k in self.owned_keys(username) if k != profile]
        if email:
            doomed.append(dict(keys.email_claim(email)))
        self._table.delete_many(doomed)
        # A put replaces the profile whole; deleting it first would free the name for a moment.
        self._table.put({**profile, "kind": "tombstone", "deleted_at": deleted_at})
        return len(doomed) + 1
