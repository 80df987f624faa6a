"""The pure part of digests: when a subscriber is due, which period a digest belongs to, and
which articles it carries, best first. No I/O, so every rule is unit-tested directly."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

MAX_ARTICLES = 7
WINDOWS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
CANDIDATE_WINDOW = timedelta(days=8)
"""How far back the planner loads articles: a weekly digest plus a day of slack."""


def utc_bucket(cadence: str, weekday: int | None, hour: int, zone: str, at: datetime) -> str | None:
    """The UTC hour (and weekday) in which a subscriber's local delivery time falls, with the
    time zone's offset as it is at ``at``. None for ``off``."""
    if cadence == "off":
        return None
    local = at.astimezone(ZoneInfo(zone)).replace(hour=hour, minute=0, second=0, microsecond=0)
    if cadence == "weekly":
        if weekday is None:
            raise ValueError("a weekly subscription needs a weekday")
        local += timedelta(days=(weekday - local.weekday()) % 7)
    moment = local.astimezone(UTC)
    return f"H{moment.hour:02d}" if cadence == "daily" else f"D{moment.weekday()}H{moment.hour:02d}"


def due_buckets(now: datetime) -> list[tuple[str, str]]:
    """The (cadence, bucket) pairs whose subscribers are due in the UTC hour of ``now``."""
    at = now.astimezone(UTC)
    return [("daily", f"H{at.hour:02d}"), ("weekly", f"D{at.weekday()}H{at.hour:02d}")]


def period_of(cadence: str, zone: str, at: datetime) -> str:
    """The subscriber's local day (``2026-11-25``) or ISO week (``2026-W48``): one digest each."""
    local = at.astimezone(ZoneInfo(zone))
    if cadence == "weekly":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return local.date().isoformat()


@dataclass(frozen=True)
class Candidate:
    id: str
    slug: str
    title: str
    author: str
    tags: tuple[str, ...]
    excerpt: str
    published_at: datetime
    like_count: int = 0
    comment_count: int = 0


@dataclass(frozen=True)
class Interests:
    username: str
    tags: frozenset[str]
    muted: frozenset[str]
    authors: frozenset[str]
    already_sent: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Pick:
    article: Candidate
    score: float
    reasons: tuple[str, ...]


def score(
    article: Candidate, tag_matches: int, author_match: bool, now: datetime, window: timedelta
) -> float:
    """Matches weigh most, then engagement (log-damped so one viral post cannot drown the
    rest), then freshness within the period."""
    age = max((now - article.published_at).total_seconds(), 0.0)
    freshness = max(0.0, 1.0 - age / window.total_seconds())
    return round(
        3.0 * tag_matches
        + (4.0 if author_match else 0.0)
        + 0.5 * math.log1p(max(article.like_count, 0))
        + 0.25 * math.log1p(max(article.comment_count, 0))
        + freshness,
        6,
    )


def select(
    candidates: Iterable[Candidate],
    interests: Interests,
    since: datetime,
    now: datetime,
    window: timedelta,
    limit: int = MAX_ARTICLES,
) -> list[Pick]:
    """Up to ``limit`` articles published after ``since`` that match a followed tag or author,
    carry no muted tag, were not written by the subscriber and were never sent to them."""
    picks: list[Pick] = []
    seen: set[str] = set()
    for article in candidates:
        if article.id in seen or article.id in interests.already_sent:
            continue
        if not since < article.published_at <= now:
            continue
        if article.author == interests.username or interests.muted & set(article.tags):
            continue
        tags = sorted(interests.tags & set(article.tags))
        author = article.author in interests.authors
        if not tags and not author:
            continue
        seen.add(article.id)
        reasons = tuple(
            [f"tag:{t}" for t in tags] + ([f"author:{article.author}"] if author else [])
        )
        picks.append(Pick(article, score(article, len(tags), author, now, window), reasons))
    picks.sort(key=lambda p: (-p.score, -p.article.published_at.timestamp(), p.article.id))
    return picks[:limit]


def interests_from(
    username: str, follows: Sequence[dict[str, object]], sent: Iterable[str]
) -> Interests:
    tags, muted, authors = set(), set(), set()
    for follow in follows:
        kind, target = str(follow["kind_of"]), str(follow["target"])
        if kind == "author":
            authors.add(target)
        elif follow.get("muted"):
            muted.add(target)
        else:
            tags.add(target)
    return Interests(
        username, frozenset(tags), frozenset(muted), frozenset(authors), frozenset(sent)
    )
