"""Profiles and the claims that keep usernames and emails unique."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from byline.data import keys
from byline.data.table import (
    ConditionFailed,
    Item,
    Table,
    put_op,
    raise_for_checks,
    update_op,
)
from byline.errors import Conflict, NotFound

PENDING_TTL_SECONDS = 24 * 3600
"""An unconfirmed sign-up holds its username this long (the life of Cognito's confirmation
code), then anyone may take the name. It never holds the email address: that is claimed only
by a confirmation, which takes the code sent to that address (docs/decisions/0004)."""


def _is_pending(item: Item) -> bool:
    return "ttl" in item and not item.get("confirmed")


class Users:
    def __init__(self, table: Table) -> None:
        self._table = table

    def reserve(self, profile: Item, pending_until: int, now: int) -> Item | None:
        """Hold the username for an unconfirmed sign-up until ``pending_until``.

        A name held by an unconfirmed sign-up whose time ran out is taken over (DynamoDB's TTL
        may delete it days late, so expiry is read from the item, not from its absence); the
        stale profile is returned so that its Cognito user can be removed. Any other holder
        is a Conflict."""
        username = profile["username"]
        record = {**keys.user_profile(username), **profile, "ttl": pending_until}
        try:
            self._table.put(record, condition="attribute_not_exists(PK)")
            return None
        except ConditionFailed:
            stale = self.get(username)
        if stale is None or not _is_pending(stale) or int(stale["ttl"]) > now:
            raise Conflict("That username is taken.")
        try:
            self._table.put(
                record,
                condition="#ttl = :stale AND confirmed = :no",
                names={"#ttl": "ttl"},
                values={":stale": stale["ttl"], ":no": False},
            )
        except ConditionFailed as refused:  # someone else took it over first
            raise Conflict("That username is taken.") from refused
        return stale

    def release(self, username: str) -> None:
        """Undo :meth:`reserve` (compensation when Cognito refuses the sign-up)."""
        self._table.delete(keys.user_profile(username))

    def mark_confirmed(self, username: str, now: int) -> None:
        """Confirm a pending sign-up: its profile loses the TTL and its email address is
        claimed, in one transaction. NotFound when the sign-up lapsed or is gone; Conflict when
        another account confirmed the same address first."""
        profile = self.get(username)
        if profile is None or not _is_pending(profile) or int(profile["ttl"]) <= now:
            raise NotFound("No such pending sign-up; sign up again.")
        claim = {**keys.email_claim(profile["email"]), "kind": "email-claim", "username": username}
        try:
            self._table.transact(
                [
                    update_op(
                        keys.user_profile(username),
                        "SET confirmed = :yes REMOVE #ttl",
                        "#ttl = :ttl",
                        names={"#ttl": "ttl"},
                        values={":yes": True, ":ttl": profile["ttl"]},
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

    def get(self, username: str) -> Item | None:
        return self._table.get(keys.user_profile(username))

    def username_for_email(self, email: str) -> str | None:
        """The confirmed account that holds the address, if any."""
        claim = self._table.get(keys.email_claim(email))
        return str(claim["username"]) if claim and "ttl" not in claim else None

    def update(
        self, username: str, changes: dict[str, Any], *, checks: Sequence[dict[str, Any]] = ()
    ) -> Item:
        """Set the changed fields (``None`` removes one). ``checks`` are ConditionChecks on
        items the profile refers to (the avatar), written in one transaction with the change;
        one that fails raises :class:`CheckFailed`."""
        if not changes:
            profile = self.get(username)
            if profile is None:
                raise NotFound("No profile for this user.")
            return profile
        names = {f"#f{i}": name for i, name in enumerate(changes)}
        values = {f":v{i}": v for i, v in enumerate(changes.values()) if v is not None}
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
                return self._table.update(
                    key, expression, condition="attribute_exists(PK)", names=names, values=values
                )
            self._table.transact(
                [
                    update_op(key, expression, "attribute_exists(PK)", names=names, values=values),
                    *checks,
                ]
            )
        except ConditionFailed as refused:
            raise_for_checks(refused, 1)
            raise NotFound("No profile for this user.") from refused
        profile = self._table.get(key, consistent=True)
        if profile is None:
            raise NotFound("No profile for this user.")
        return profile

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

    def erase(self, username: str, email: str | None) -> int:
        """Delete everything keyed by the user; returns how many items went."""
        doomed = self.owned_keys(username)
        if email:
            doomed.append(dict(keys.email_claim(email)))
        doomed.append(dict(keys.login_failures("USER", username)))
        if email:
            doomed.append(dict(keys.login_failures("USER", email)))
        self._table.delete_many(doomed)
        return len(doomed)
