"""The site's settings: one item (``SITE`` / ``SETTINGS``), written whole with a version."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from byline.data import keys
from byline.data.table import Check, ConditionFailed, Item, Table, raise_for_checks


class SettingsChanged(Exception):
    """Someone else saved the settings since the version a write was based on."""


@dataclass(frozen=True, slots=True)
class SiteRecord:
    """The stored settings: ``settings`` holds only the keys an admin set (the service fills in
    the defaults of the others), ``version`` counts the writes (0: never written)."""

    settings: Mapping[str, Any] = field(default_factory=dict)
    version: int = 0
    updated_at: str | None = None
    updated_by: str | None = None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        return cls(
            settings=dict(item.get("settings") or {}),
            version=int(item.get("version") or 0),
            updated_at=None if item.get("updated_at") is None else str(item["updated_at"]),
            updated_by=None if item.get("updated_by") is None else str(item["updated_by"]),
        )

    def to_item(self) -> Item:
        item: Item = {
            **keys.site_settings(),
            "kind": "site-settings",
            "settings": dict(self.settings),
            "version": self.version,
        }
        if self.updated_at is not None:
            item["updated_at"] = self.updated_at
        if self.updated_by is not None:
            item["updated_by"] = self.updated_by
        return item


class Site:
    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, *, consistent: bool = False) -> SiteRecord:
        """The stored settings, or an empty record (version 0) when none were ever saved."""
        item = self._table.get(keys.site_settings(), consistent=consistent)
        return SiteRecord() if item is None else SiteRecord.from_item(item)

    def save(self, record: SiteRecord, *, based_on: int, checks: Sequence[Check] = ()) -> None:
        """Write ``record`` whole if the stored version is still ``based_on`` (0: none stored),
        in one transaction with ``checks`` (the new images are accepted uploads): a failed one
        raises :class:`CheckFailed`, a moved version :class:`SettingsChanged`."""
        if based_on == 0:
            condition, values = "attribute_not_exists(PK)", None
        else:
            condition, values = "version = :based_on", {":based_on": based_on}
        tx = self._table.transaction()
        tx.put(record.to_item(), condition, values=values)
        first_check = tx.require(checks)
        try:
            tx.commit()
        except ConditionFailed as refused:
            raise_for_checks(refused, first_check)
            raise SettingsChanged() from refused
