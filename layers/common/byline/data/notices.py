"""When an account notice last went to an address, so that nobody can use the API to flood an
inbox with them (one per kind, address and period)."""

from __future__ import annotations

from byline.data import keys
from byline.data.table import ConditionFailed, Table


class Notices:
    def __init__(self, table: Table) -> None:
        self._table = table

    def claim(self, kind: str, address: str, now: int, every: int) -> bool:
        """Record a notice of ``kind`` to ``address`` unless one went in the last ``every``
        seconds; True when this one may go. The record expires on its own (TTL)."""
        try:
            self._table.put(
                {**keys.notice(kind, address), "kind": "notice", "ttl": now + every},
                condition="attribute_not_exists(PK) OR #ttl <= :now",
                names={"#ttl": "ttl"},
                values={":now": now},
            )
        except ConditionFailed:
            return False
        return True
