"""Media records in the single table: one item per media key, from ``pending`` (an upload was
granted) to ``accepted`` or ``rejected`` (the validator looked at the bytes). Every change of
status is conditioned on the record still being ``pending``, so redelivered or concurrent S3
events decide each key once."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from byline.data import keys
from byline.data.table import ConditionFailed, Item, Table, check_op

PENDING = "pending"
ACCEPTED = "accepted"
REJECTED = "rejected"


class AlreadyDecided(Exception):
    """The record is no longer pending (or no longer exists)."""


class MediaRecords:
    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, media_key: str) -> Item | None:
        return self._table.get(keys.media(media_key), consistent=True)

    def delete(self, media_key: str) -> None:
        self._table.delete(keys.media(media_key))

    def add_pending(self, record: Item) -> None:
        item = {**keys.media(record["key"]), "kind": "media", **record, "status": PENDING}
        self._table.put(item, condition="attribute_not_exists(PK)")

    def accept(self, media_key: str, changes: Item) -> None:
        """Mark accepted (with dimensions, size, version) and keep the record: no TTL."""
        self._decide(media_key, ACCEPTED, changes, remove_ttl=True)

    def reject(self, media_key: str, changes: Item) -> None:
        self._decide(media_key, REJECTED, changes, remove_ttl=False)

    def _decide(self, media_key: str, status: str, changes: Item, *, remove_ttl: bool) -> None:
        state = {**changes, "status": status}
        names = {f"#a{i}": name for i, name in enumerate(state)}
        values: dict[str, Any] = {f":a{i}": value for i, value in enumerate(state.values())}
        names["#status"] = "status"
        values[":pending"] = PENDING
        expression = "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(state)))
        if remove_ttl:
            names["#ttl"] = "ttl"
            expression += " REMOVE #ttl"
        try:
            self._table.update(
                keys.media(media_key),
                expression,
                condition="#status = :pending",
                names=names,
                values=values,
            )
        except ConditionFailed as decided:
            raise AlreadyDecided(media_key) from decided

    @staticmethod
    def usable_check(media_key: str, owners: Collection[str]) -> dict[str, Any]:
        """A transaction's ConditionCheck: the media passed validation and belongs to one of
        ``owners`` (lower-case usernames)."""
        ordered = sorted({owner.lower() for owner in owners})
        placeholders = ", ".join(f":o{i}" for i in range(len(ordered)))
        return check_op(
            keys.media(media_key),
            f"#status = :accepted AND #owner IN ({placeholders})",
            names={"#status": "status", "#owner": "owner"},
            values={":accepted": ACCEPTED, **{f":o{i}": o for i, o in enumerate(ordered)}},
        )
