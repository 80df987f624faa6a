"""Failed-login counters, kept with a TTL: per login (as typed) and source (with a growing
lock), and per source in fixed windows (docs/decisions/0004, byline.login_limits)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from byline.data import keys
from byline.data.table import Table
from byline.login_limits import (
    PER_ACCOUNT_AND_SOURCE,
    PER_SOURCE,
    Allowance,
    Limits,
    wait_after,
    window_start,
)


@dataclass(frozen=True)
class Attempts:
    failures: int
    locked_until: datetime | None


class LoginAttempts:
    def __init__(
        self,
        table: Table,
        per_pair: Limits = PER_ACCOUNT_AND_SOURCE,
        per_source: Allowance = PER_SOURCE,
    ) -> None:
        self._table = table
        self.per_pair = per_pair
        self.per_source = per_source

    def of_pair(self, login: str, source: str) -> Attempts:
        """The failures of logins to ``login`` from ``source``, and its lock if any."""
        item = self._table.get(keys.login_failures_from(login, source), consistent=True)
        if not item:
            return Attempts(0, None)
        locked = item.get("locked_until")
        return Attempts(
            failures=int(item.get("failures", 0)),
            locked_until=datetime.fromtimestamp(int(locked), tz=UTC) if locked else None,
        )

    def of_source(self, source: str, now: datetime) -> int:
        """The failures from ``source`` in the current window."""
        start = window_start(now, self.per_source)
        item = self._table.get(keys.source_failures(source, start), consistent=True)
        return int(item.get("failures", 0)) if item else 0

    def record_failure(self, login: str, source: str, now: datetime) -> Attempts:
        """Count a failure against the pair (locking it past its free failures) and the
        source's window; returns the pair's state."""
        start = window_start(now, self.per_source)
        window_ends = start + int(self.per_source.window.total_seconds())
        self._count(keys.source_failures(source, start), window_ends)
        key = keys.login_failures_from(login, source)
        failures = self._count(key, int((now + self.per_pair.lifetime).timestamp()))
        wait = wait_after(failures, self.per_pair)
        if not wait:
            return Attempts(failures, None)
        locked_until = now + wait
        self._table.update(
            key,
            "SET locked_until = :until, #ttl = :ttl",
            names={"#ttl": "ttl"},
            values={
                ":until": int(locked_until.timestamp()),
                ":ttl": int((locked_until + self.per_pair.lifetime).timestamp()),
            },
        )
        return Attempts(failures, locked_until)

    def _count(self, key: keys.Key, expires: int) -> int:
        item = self._table.update(
            key,
            "ADD failures :one SET #ttl = :ttl, #kind = :kind",
            names={"#ttl": "ttl", "#kind": "kind"},
            values={":one": 1, ":ttl": expires, ":kind": "login-failures"},
        )
        return int(item.get("failures", 1))

    def forget(self, login: str) -> None:
        """Delete every failed-login record of a login (a username or an address, as typed; their
        sources are personal data): part of account deletion."""
        doomed: list[dict[str, str]] = []
        start: dict[str, object] | None = None
        while True:
            page = self._table.query("PK", keys.login_failures_partition(login), start_key=start)
            doomed.extend({"PK": i["PK"], "SK": i["SK"]} for i in page.items)
            if page.last_key is None:
                break
            start = page.last_key
        self._table.delete_many(doomed)

    def reset(self, login: str, source: str) -> None:
        """A successful login clears its pair (not the source's window: those failures
        happened, whoever they were against)."""
        self._table.delete(keys.login_failures_from(login, source))
