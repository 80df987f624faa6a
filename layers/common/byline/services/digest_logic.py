"""The pure part of digests: when a subscriber is due, which period a digest belongs to, and
which articles it carries, best first. No I/O, so every rule is unit-tested directly."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from byline.clock import iso
from byline.data.subscriptions import Follow

MAX_ARTICLES = 7
WINDOWS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
CANDIDATE_WINDOW = timedelta(days=8)
"""How far back the planner loads articles: a weekly digest plus a day of slack."""


SLOT = timedelta(minutes=15)
"""The planner runs every quarter-hour: the finest step of any time zone's offset (Chatham and
Kathmandu are 45 minutes off the hour)."""
SETTLE = timedelta(seconds=10)
"""How far back of the watermark the next digest looks again: the release index is eventually
consistent, so an article published just before a snapshot's bound may be missing from that
snapshot. The sent ledger keeps what the overlap sees twice from being sent twice."""


def next_due(
    cadence: str, weekday: int | None, hour: int, zone: str, after: datetime
) -> datetime | None:
    """The first moment after ``after`` at which the subscriber's digest is due: ``hour``:00 local
    time (on ``weekday`` for weekly). A local hour that daylight saving skips falls to the same
    wall time read with the offset before the switch (02:00 becomes 03:00); an hour that happens
    twice is taken the first time. None for ``off``."""
    if cadence == "off":
        return None
    if cadence == "weekly" and weekday is None:
        raise ValueError("a weekly subscription needs a weekday")
    tz = ZoneInfo(zone)
    day = after.astimezone(tz).date() - timedelta(days=1)
    for _ in range(10):
        if cadence == "daily" or day.weekday() == weekday:
            moment = datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)
            if moment > after:
                return moment
        day += timedelta(days=1)
    raise AssertionError("a due moment is always within ten days")  # pragma: no cover


def is_due(cadence: str, weekday: int | None, hour: int, zone: str, slot: datetime) -> bool:
    """Whether ``slot`` is a moment at which this schedule's digest is due."""
    return next_due(cadence, weekday, hour, zone, slot - timedelta(microseconds=1)) == slot


def slot_label(cadence: str, moment: datetime) -> str:
    """The bucket of a UTC moment: ``H07`` on the hour, ``H07M30`` between; weekly ones lead
    with the UTC weekday (``D2H07``). Whole-hour zones keep the labels they always had."""
    at = moment.astimezone(UTC)
    label = f"H{at.hour:02d}" + (f"M{at.minute:02d}" if at.minute else "")
    return label if cadence == "daily" else f"D{at.weekday()}{label}"


def utc_bucket(cadence: str, weekday: int | None, hour: int, zone: str, at: datetime) -> str | None:
    """The bucket of the subscriber's next due moment after ``at`` (None for ``off``). Computed
    from the next delivery, not from ``at``'s offset, so a daylight-saving switch between two
    digests is already in the bucket the planner looks at."""
    moment = next_due(cadence, weekday, hour, zone, at)
    return None if moment is None else slot_label(cadence, moment)


def slot_of(moment: datetime) -> datetime:
    """The quarter-hour a scheduled event names (EventBridge's ``time`` is the slot's start, but
    a hand-made replay may be anywhere inside it)."""
    at = moment.astimezone(UTC)
    return at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)


def due_buckets(slot: datetime) -> list[tuple[str, str]]:
    """The (cadence, bucket) pairs whose subscribers are due in the quarter-hour ``slot``."""
    return [("daily", slot_label("daily", slot)), ("weekly", slot_label("weekly", slot))]


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
    released_at: datetime | None = None
    """When it was last published: a republished article is new again (None: ``published_at``)."""
    author_name: str = ""
    """The author's display name when the candidates were read (empty: show ``author``, the
    username, or the pseudonym a deleted account's articles carry)."""
    cover: str | None = None
    """The cover's media key (``media/<user>/<file>``), if the article has one."""

    @property
    def byline(self) -> str:
        """How the digest names the author."""
        return self.author_name or self.author

    @property
    def release(self) -> datetime:
        return self.released_at or self.published_at

    def sent_token(self) -> str:
        """How the sent ledger names this release: the id alone for a first publication (as
        the ledger always has), the id and the release time for a republication."""
        if self.release == self.published_at:
            return self.id
        return f"{self.id}@{iso(self.release)}"


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


MATCH_WEIGHT = {"tag": 3, "author": 4}
"""What a match is worth: each followed tag an article carries, and a followed author."""


def engagement(article: Candidate) -> float:
    """Likes and comments, log-damped so that one viral post cannot drown the rest (a comment
    counts half a like)."""
    return math.log1p(max(article.like_count, 0)) + 0.5 * math.log1p(max(article.comment_count, 0))


def score(article: Candidate, tag_matches: int, author_match: bool) -> float:
    """The documented order as one number: the integer part is the match weight (3 per followed
    tag, 4 for a followed author), the fraction ``e / (1 + e)`` of engagement ``e`` grows with
    engagement and never reaches 1, so no engagement outranks one more match. Equal scores go to
    the fresher release (:func:`rank`)."""
    weight = MATCH_WEIGHT["tag"] * tag_matches + (MATCH_WEIGHT["author"] if author_match else 0)
    e = engagement(article)
    return weight + e / (1.0 + e)


def rank(
    candidates: Iterable[Candidate], interests: Interests, since: datetime, upto: datetime
) -> list[Pick]:
    """Every article (re)published in ``(since, upto]`` that matches a followed tag or author,
    carries no muted tag, was not written by the subscriber and was not sent to them in this
    release; best first: by matches, then engagement (:func:`score`), then freshness (the
    latest release first), then id, so the order never depends on the candidates' order."""
    picks: list[Pick] = []
    seen: set[str] = set()
    for article in candidates:
        if article.id in seen or article.sent_token() in interests.already_sent:
            continue
        if not since < article.release <= upto:
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
        picks.append(Pick(article, score(article, len(tags), author), reasons))
    picks.sort(key=lambda p: (-p.score, -p.article.release.timestamp(), p.article.id))
    return picks


def select(
    candidates: Iterable[Candidate],
    interests: Interests,
    since: datetime,
    now: datetime,
    limit: int = MAX_ARTICLES,
) -> list[Pick]:
    """The best ``limit`` of :func:`rank`."""
    return rank(candidates, interests, since, now)[:limit]


def interests_from(username: str, follows: Sequence[Follow], sent: Iterable[str]) -> Interests:
    """``sent`` holds the ledger's tokens (:meth:`Candidate.sent_token`)."""
    tags, muted, authors = set(), set(), set()
    for follow in follows:
        target = follow.target
        if follow.kind == "author":
            authors.add(target)
        elif follow.muted:
            muted.add(target)
        else:
            tags.add(target)
    return Interests(
        username, frozenset(tags), frozenset(muted), frozenset(authors), frozenset(sent)
    )


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def schedule_in_words(cadence: str, weekday: int | None, hour: int, zone: str) -> str:
    """The schedule as a reader would say it, in their own zone: ``every day at 08:00
    Europe/Paris``, ``every Monday at 00:00 UTC``."""
    at = f"at {hour:02d}:00 {zone}"
    if cadence == "daily":
        return f"every day {at}"
    if cadence == "weekly" and weekday is not None and 0 <= weekday <= 6:
        return f"every {WEEKDAYS[weekday]} {at}"
    raise ValueError(f"no schedule to describe for {cadence!r} (weekday {weekday!r})")
