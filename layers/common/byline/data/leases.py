"""Short exclusive leases on a name, held in the table.

Some invariants span services that have no transactions in common: "there is always at least one
admin" is a check against Cognito's group followed by a change to it. Two admins demoting each
other at the same moment would both see two admins and both succeed. A lease makes such
check-then-act steps take turns: the holder writes ``LEASE#<name>`` only if nobody holds it or
the last holder's lease has run out (a crashed function cannot block the rest for longer than
the lease), and deletes it afterwards only if it is still its own.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from byline.data import keys
from byline.data.table import ConditionFailed, Item, Table
from byline.errors import Conflict

DEFAULT_SECONDS = 30
"""Longer than any holder needs (a few Cognito calls), short enough that a crash is forgotten."""


class LeaseTaken(Conflict):
    """Someone else holds the lease; the caller should try again shortly."""


@dataclass(frozen=True, slots=True)
class Lease:
    """Who holds ``name`` until when (epoch seconds); the item lingers an hour longer (TTL)."""

    name: str
    holder: str
    expires_at: int

    def to_item(self) -> Item:
        return {
            **keys.lease(self.name),
            "kind": "lease",
            "holder": self.holder,
            "expires_at": self.expires_at,
            "ttl": self.expires_at + 3600,
        }


@dataclass
class Leases:
    table: Table

    def acquire(self, name: str, holder: str, now: int, seconds: int = DEFAULT_SECONDS) -> bool:
        try:
            self.table.put(
                Lease(name, holder, now + seconds).to_item(),
                condition="attribute_not_exists(PK) OR expires_at < :now",
                values={":now": now},
            )
        except ConditionFailed:
            return False
        return True

    def release(self, name: str, holder: str) -> None:
        with contextlib.suppress(ConditionFailed):  # it ran out and someone else took it
            self.table.delete(keys.lease(name), condition="holder = :me", values={":me": holder})

    @contextlib.contextmanager
    def held(self, name: str, now: int, detail: str) -> Iterator[None]:
        """Run the body holding ``name``; a 409 problem with ``detail`` when it is taken."""
        holder = uuid.uuid4().hex
        if not self.acquire(name, holder, now):
            raise LeaseTaken(detail)
        try:
            yield
        finally:
            self.release(name, holder)
