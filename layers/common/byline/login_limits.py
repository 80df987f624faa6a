"""The limits of brute-force protection (docs/decisions/0004): how many failures are free, how
long the waits grow and how long failures are remembered. Pure values and arithmetic, read by
the failed-login repository (byline/data/login_attempts.py) and the login use case
(byline/services/brute_force.py, byline/services/accounts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Limits:
    free_failures: int
    base_wait: timedelta
    max_wait: timedelta
    lifetime: timedelta


@dataclass(frozen=True)
class Allowance:
    failures: int
    window: timedelta


PER_ACCOUNT_AND_SOURCE = Limits(5, timedelta(minutes=1), timedelta(hours=1), timedelta(days=1))
PER_SOURCE = Allowance(100, timedelta(hours=1))


def wait_after(failures: int, limits: Limits) -> timedelta:
    """The lockout that the ``failures``-th consecutive failure earns."""
    over = failures - limits.free_failures
    if over <= 0:
        return timedelta(0)
    seconds = limits.base_wait.total_seconds() * (2 ** min(over - 1, 30))
    return min(timedelta(seconds=seconds), limits.max_wait)


def window_start(now: datetime, allowance: Allowance) -> int:
    """The epoch second at which the allowance window holding ``now`` began."""
    size = int(allowance.window.total_seconds())
    return int(now.timestamp()) // size * size
