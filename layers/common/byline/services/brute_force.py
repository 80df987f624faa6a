"""How long a login must wait after repeated failures: the pure part of brute-force protection
(the limits and the waits they earn are in byline/login_limits.py, which the failed-login
repository, byline/data/login_attempts.py, also reads).

Failures slow down their *source*, never the account for everyone (docs/decisions/0004):

* per account and source (the pair): after a few free failures each further one doubles the
  wait, from a minute up to an hour; the count is forgotten a day after the last failure, and
  a successful login from that source clears it. Someone guessing from elsewhere never delays
  the owner.
* per source overall: a fixed allowance of failures per hour against any accounts (Ghost's
  global block is the reference: 100 per hour), sized for the many people one shared address
  (an office, a carrier's NAT) can carry; past it, that address waits for the next hour.

A source is an IPv4 address, or the /64 network of an IPv6 address (one subscriber's
allocation: any address in it is the same source).
"""

from __future__ import annotations

import ipaddress
from datetime import datetime

from byline.login_limits import Allowance, window_start


def source_of(ip: str) -> str:
    """The address failures are counted against: IPv4 as it is, IPv6 by its /64 network."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip.lower()
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def source_wait(failures: int, now: datetime, allowance: Allowance) -> int:
    """Whole seconds a source must wait having failed ``failures`` times in this window."""
    if failures < allowance.failures:
        return 0
    ends = window_start(now, allowance) + int(allowance.window.total_seconds())
    return max(1, ends - int(now.timestamp()))


def retry_after_seconds(locked_until: datetime | None, now: datetime) -> int:
    """Whole seconds until the lock passes (0 when not locked); what Retry-After carries."""
    if locked_until is None or locked_until <= now:
        return 0
    remaining = (locked_until - now).total_seconds()
    return max(1, int(remaining) + (0 if remaining.is_integer() else 1))
