"""Failed-login counters per user and per source IP, kept with a TTL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from byline.data import keys
from byline.data.table import Table
from byline.services.brute_force import Limits, wait_after


@dataclass(frozen=True)
class Attempts:
    failures: int
    locked_until: datetime | None


class LoginAttempts:
    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, scope: str, value: str) -> Attempts:
        item = self._table.get(keys.login_failures(scope, value), consistent=True)
        if not item:
            return Attempts(0, None)
        locked = item.get("locked_until")
        return Attempts(
            failures=int(item.get("failures", 0)),
            locked_until=datetime.fromtimestamp(int(locked), tz=UTC) if locked else None,
        )

    def record_failure(self, scope: str, value: str, now: datetime, limits: Limits) -> Attempts:
        key = keys.login_failures(scope, value)
        expires = int((now + limits.lifetime).timestamp())
        item = self._table.update(
            key,
            "ADD failures :one SET #ttl = :ttl, #kind = :kind",
            names={"#ttl": "ttl", "#kind": "kind"},
            values={":one": 1, ":ttl": expires, ":kind": "login-failures"},
        )
        failures = int(item.get("failures", 1))
        wait = wait_after(failures, limits)
        if not wait:
            return Attempts(failures, None)
        locked_until = now + wait
        self._table.update(
            key,
            "SET locked_until = :until, #ttl = :ttl",
            names={"#ttl": "ttl"},
            values={
                ":until": int(locked_until.timestamp()),
                ":ttl": int((locked_until + limits.lifetime).timestamp()),
            },
        )
        return Attempts(failures, locked_until)

    def reset(self, scope: str, value: str) -> None:
        self._table.delete(keys.login_failures(scope, value))
