"""Media records in the single table: one item per media key, from ``pending`` (an upload was
granted) to ``accepted`` or ``rejected`` (the validator looked at the bytes). Every change of
status is conditioned on the record still being ``pending``, so redelivered or concurrent S3
events decide each key once."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Self

from byline.data import keys
from byline.data.table import Check, ConditionFailed, Item, Table, check_op

PENDING = "pending"
ACCEPTED = "accepted"
REJECTED = "rejected"


def _optional_int(item: Mapping[str, Any], name: str) -> int | None:
    value = item.get(name)
    return None if value is None else int(value)


def _optional_text(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class MediaRecord:
    """An upload: granted (``pending``), then ``accepted`` with its dimensions and real size,
    or ``rejected`` with the reason; ``version_id`` is the object version that was decided."""

    key: str
    owner: str
    status: str
    content_type: str
    declared_size: int
    created_at: str | None = None
    filename: str | None = None
    upload_expires_at: str | None = None
    checked_at: str | None = None
    version_id: str | None = None
    width: int | None = None
    height: int | None = None
    size: int | None = None
    reason: str | None = None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        return cls(
            key=str(item["key"]),
            owner=str(item["owner"]),
            status=str(item["status"]),
            content_type=str(item["content_type"]),
            declared_size=int(item["declared_size"]),
            created_at=_optional_text(item, "created_at"),
            filename=_optional_text(item, "filename"),
            upload_expires_at=_optional_text(item, "upload_expires_at"),
            checked_at=_optional_text(item, "checked_at"),
            version_id=_optional_text(item, "version_id"),
            width=_optional_int(item, "width"),
            height=_optional_int(item, "height"),
            size=_optional_int(item, "size"),
            reason=_optional_text(item, "reason"),
        )


class AlreadyDecided(Exception):
    """The record is no longer pending (or no longer exists)."""


class MediaRecords:
    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, media_key: str) -> MediaRecord | None:
        item = self._table.get(keys.media(media_key), consistent=True)
        return MediaRecord.from_item(item) if item else None

    def delete(self, media_key: str) -> None:
        self._table.delete(keys.media(media_key))

    def add_pending(self, record: MediaRecord, *, expires: int) -> None:
        """Store a granted upload, ``pending`` until the epoch second ``expires`` (its TTL)."""
        fields = {
            "key": record.key,
            "owner": record.owner,
            "content_type": record.content_type,
            "declared_size": record.declared_size,
            "filename": record.filename,
            "created_at": record.created_at,
            "upload_expires_at": record.upload_expires_at,
            "ttl": expires,
        }
        item = {**keys.media(record.key), "kind": "media", **fields, "status": PENDING}
        self._table.put(item, condition="attribute_not_exists(PK)")

    def accept(
        self,
        media_key: str,
        *,
        checked_at: str,
        version_id: str | None,
        width: int,
        height: int,
        size: int,
    ) -> None:
        """Mark accepted (with dimensions, size, version) and keep the record: no TTL."""
        changes = _decided(checked_at, version_id) | {"width": width, "height": height}
        self._decide(media_key, ACCEPTED, changes | {"size": size}, remove_ttl=True)

    def reject(
        self, media_key: str, *, checked_at: str, version_id: str | None, reason: str, expires: int
    ) -> None:
        """Mark rejected with the reason; the record goes at the epoch second ``expires``."""
        changes = _decided(checked_at, version_id) | {"reason": reason, "ttl": expires}
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
    def usable_check(media_key: str, owners: Collection[str]) -> Check:
        """A transaction's ConditionCheck: the media passed validation and belongs to one of
        ``owners`` (lower-case usernames)."""
        ordered = sorted({owner.lower() for owner in owners})
        placeholders = ", ".join(f":o{i}" for i in range(len(ordered)))
        return Check(
            check_op(
                keys.media(media_key),
                f"#status = :accepted AND #owner IN ({placeholders})",
                names={"#status": "status", "#owner": "owner"},
                values={":accepted": ACCEPTED, **{f":o{i}": o for i, o in enumerate(ordered)}},
            )
        )


def _decided(checked_at: str, version_id: str | None) -> Item:
    decided: Item = {"checked_at": checked_at}
    if version_id:
        decided["version_id"] = version_id
    return decided
