"""How long a login must wait after repeated failures: the pure part of brute-force protection.

Ghost's brute-force middleware is the reference: failures are counted per user and per source
IP; after a few free retries every further failure doubles the wait, from a minute up to hours;
the count is forgotten a day after the last failure (a TTL on the record), and a successful
login clears the user's count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Limits:
    free_failures: int
    base_wait: timedelta
    max_wait: timedelta
    lifetime: timedelta


PER_USER = Limits(5, timedelta(minutes=1), timedelta(hours=12), timedelta(days=1))
# A source IP may be a whole office behind NAT: more free failures, same growth.
PER_IP = Limits(25, timedelta(minutes=1), timedelta(hours=12), timedelta(days=1))


def wait_after(failures: int, limits: Limits) -> timedelta:
    """The lockout that the ``failures``-th consecutive failure earns."""
    over = failures - limits.free_failures
    if over <= 0:
        return timedelta(0)
    seconds = limits.base_wait.total_seconds() * (2 ** min(over - 1, 30))
    return min(timedelta(seconds=seconds), limits.max_wait)


def retry_after_seconds(locked_until: datetime | None, now: datetime) -> int:
    """Whole seconds until the lock passes (0 when not locked); what Retry-After carries."""
    if locked_until is None or locked_until <= now:
        return 0
    remaining = (locked_until - now).total_seconds()
    return max(1, int(remaining) + (0 if remaining.is_integer() else 1))
