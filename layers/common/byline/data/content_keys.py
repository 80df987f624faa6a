"""Content API keys: the item the Content API looks a key up by, and the site's listing of them.

Each key is two items written and deleted together: ``CONTENTKEY#<key>`` / ``CONTENTKEY``, so
that a Content API request costs one GetItem, and ``CONTENTKEYS`` / ``KEY#<id>``, so that admins
list them with one Query and revoke one by its id. A counter, ``CONTENTKEYS`` / ``COUNT``, moves
in the same transactions and carries the per-site limit as a condition
(docs/decisions/0017-content-api-keys.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from byline.data import keys
from byline.data.table import ConditionFailed, Item, Table
from byline.errors import Conflict, NotFound


class KeyLimitReached(Conflict):
    """The site holds as many keys as it may."""


@dataclass(frozen=True, slots=True)
class ContentKeyRecord:
    """One Content API key: ``key`` is the 26 hex characters clients send as ``?key=`` (public
    by design: Ghost shows it to admins at any time and front-ends ship it to browsers)."""

    id: str
    name: str
    key: str
    created_at: str
    created_by: str

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        return cls(
            id=str(item["id"]),
            name=str(item["name"]),
            key=str(item["key"]),
            created_at=str(item["created_at"]),
            created_by=str(item["created_by"]),
        )

    def _fields(self) -> Item:
        return {
            "id": self.id,
            "name": self.name,
            "key": self.key,
            "created_at": self.created_at,
            "created_by": self.created_by,
        }

    def to_item(self) -> Item:
        """The item the Content API reads, addressed by the key."""
        return {**keys.content_key(self.key), "kind": "content_key", **self._fields()}

    def to_entry(self) -> Item:
        """The site listing's entry, addressed by the id."""
        return {**keys.content_key_entry(self.id), "kind": "content_key_entry", **self._fields()}


@dataclass
class ContentKeys:
    table: Table

    def find(self, key: str) -> ContentKeyRecord | None:
        """The key as a client sent it (one eventually consistent GetItem: a revocation holds
        everywhere within about a second)."""
        item = self.table.get(keys.content_key(key))
        return ContentKeyRecord.from_item(item) if item else None

    def get(self, key_id: str) -> ContentKeyRecord | None:
        item = self.table.get(keys.content_key_entry(key_id), consistent=True)
        return ContentKeyRecord.from_item(item) if item else None

    def all(self) -> list[ContentKeyRecord]:
        """Every key of the site, oldest first (ids sort by creation)."""
        found: list[ContentKeyRecord] = []
        start: Item | None = None
        while True:
            page = self.table.query(
                "PK",
                keys.content_keys_partition(),
                sort_condition="begins_with(SK, :prefix)",
                values={":prefix": keys.content_key_entry_prefix()},
                start_key=start,
            )
            found.extend(ContentKeyRecord.from_item(item) for item in page.items)
            if page.last_key is None:
                return found
            start = page.last_key

    def add(self, record: ContentKeyRecord, *, limit: int) -> None:
        """Write the key, its entry and the counter at once; refused past ``limit`` keys."""
        tx = self.table.transaction()
        tx.put(record.to_item(), "attribute_not_exists(PK)")
        tx.put(record.to_entry(), "attribute_not_exists(PK)")
        counter = tx.update(
            keys.content_key_counter(),
            "ADD #count :one",
            "attribute_not_exists(#count) OR #count < :limit",
            names={"#count": "count"},
            values={":one": 1, ":limit": limit},
        )
        try:
            tx.commit()
        except ConditionFailed as refused:
            if counter in refused.failed:
                raise KeyLimitReached(
                    f"The site has {limit} Content API keys, the most it may have; "
                    "revoke one first."
                ) from refused
            raise Conflict("That key or id exists already; try again.") from refused

    def remove(self, record: ContentKeyRecord) -> None:
        """Delete the key and its entry at once (404 when another revoke got there first)."""
        tx = self.table.transaction()
        tx.delete(keys.content_key(record.key), "attribute_exists(PK)")
        tx.delete(keys.content_key_entry(record.id), "attribute_exists(PK)")
        tx.update(
            keys.content_key_counter(),
            "ADD #count :minus",
            names={"#count": "count"},
            values={":minus": -1},
        )
        try:
            tx.commit()
        except ConditionFailed as refused:
            raise NotFound("No such Content API key.") from refused
