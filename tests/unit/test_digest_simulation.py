"""The digest guarantee, simulated: the real planner and worker (DigestService over the real
Subscriptions and Articles repositories, on an in-memory table) driven quarter-hour by quarter-hour
through weeks that include every 2026 daylight-saving switch of Europe, North America, Australia
and Chatham, for subscribers in whole-, half- and 45-minute-offset zones, while articles are
published at random moments (also while the queue drains), unpublished and republished, planner
runs come late or twice, messages wait in a backlog or are delivered twice, and one subscriber
keeps changing their schedule right after a digest.

It checks, for every (subscriber, article) pair, that each release the subscriber is owed is
accounted for in exactly one digest, the first one due after it, and that every digest went out
at the subscriber's local hour.

The default run (two windows, 80 days) takes well under a minute. A longer or different run:
``BYLINE_DIGEST_SIM_DAYS=120 BYLINE_DIGEST_SIM_SEED=7 pytest tests/unit/test_digest_simulation.py``
(days are added to each window).
"""

from __future__ import annotations

import heapq
import itertools
import json
import os
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from byline.auth.principal import Principal
from byline.models.articles import ArticleCreate, PublishRequest
from byline.models.subscriptions import SubscriptionUpdate
from byline.services.digest_logic import period_of
from tests.support.digest_world import Clock, DigestWorld, MemoryDigestStore, Outbox
from tests.support.memory_table import MemoryTable

EXTRA_DAYS = int(os.environ.get("BYLINE_DIGEST_SIM_DAYS", "0"))
SEED = int(os.environ.get("BYLINE_DIGEST_SIM_SEED", "2026"))
SLOT = timedelta(minutes=15)
TAGS = ("python", "aws", "rust", "go", "sql")
EDITOR = Principal(username="sim_editor", sub="se", groups=("editor",))

WINDOWS = {
    # spring: North America 8 Mar, Europe 29 Mar, Australia and Chatham (autumn there) 5 Apr
    "march-april": (datetime(2026, 3, 3, tzinfo=UTC), 38),
    # autumn: Chatham 27 Sep, Australia (spring there) 4 Oct, Europe 25 Oct, North America 1 Nov
    "september-november": (datetime(2026, 9, 24, tzinfo=UTC), 42),
}


@dataclass(frozen=True)
class Schedule:
    cadence: str
    zone: str
    hour: int
    weekday: int | None = None


SUBSCRIBERS: dict[str, tuple[Schedule, tuple[str, ...]]] = {
    "paris23": (Schedule("daily", "Europe/Paris", 23), ("python", "aws")),
    "london23": (Schedule("daily", "Europe/London", 23), ("rust",)),
    "newyork23": (Schedule("daily", "America/New_York", 23), ("go", "sql")),
    "losangeles23": (Schedule("daily", "America/Los_Angeles", 23), ("python",)),
    "newyork02": (Schedule("daily", "America/New_York", 2), ("aws", "rust")),
    "sydney02": (Schedule("daily", "Australia/Sydney", 2), ("sql", "python")),
    "kolkata00": (Schedule("daily", "Asia/Kolkata", 0), ("aws",)),
    "stjohns08": (Schedule("daily", "America/St_Johns", 8), ("python", "go")),
    "adelaide00": (Schedule("daily", "Australia/Adelaide", 0), ("rust", "sql")),
    "chatham00": (Schedule("daily", "Pacific/Chatham", 0), ("python",)),
    "kathmandu08": (Schedule("daily", "Asia/Kathmandu", 8), ("go",)),
    "parisweekly": (Schedule("weekly", "Europe/Paris", 23, 6), ("python", "aws", "rust")),
    "changer": (Schedule("daily", "Europe/Berlin", 7), ("python", "sql")),
}
CHANGES = (  # what "changer" switches to, in turn, right after a digest
    Schedule("daily", "Europe/Berlin", 19),  # a later hour the same day
    Schedule("daily", "America/Chicago", 7),  # a zone further west
    Schedule("weekly", "America/Chicago", 9, 2),  # daily to weekly
    Schedule("daily", "Asia/Kolkata", 6),  # further east, a half-hour zone
    Schedule("daily", "Europe/Berlin", 7),
)


@dataclass
class Release:
    start: datetime
    end: datetime | None = None


@dataclass
class Sent:
    slot: datetime
    period: str
    accounted: frozenset[str]


@dataclass
class Simulation:
    begin: datetime
    days: int
    rng: random.Random
    clock: Clock = field(init=False)
    table: MemoryTable = field(default_factory=MemoryTable)
    store: MemoryDigestStore = field(default_factory=MemoryDigestStore)
    queue: list[tuple[datetime, int, str, Any]] = field(default_factory=list)
    counter: itertools.count[int] = field(default_factory=itertools.count)
    releases: dict[str, list[Release]] = field(default_factory=lambda: defaultdict(list))
    tags_of: dict[str, frozenset[str]] = field(default_factory=dict)
    schedules: dict[str, list[tuple[datetime, Schedule]]] = field(default_factory=dict)
    plan_starts: dict[datetime, datetime] = field(default_factory=dict)
    sent: dict[str, list[Sent]] = field(default_factory=lambda: defaultdict(list))
    changes: itertools.cycle[Schedule] = field(default_factory=lambda: itertools.cycle(CHANGES))

    def __post_init__(self) -> None:
        self.clock = Clock(self.begin)
        world = DigestWorld(self.clock, table=self.table, store=self.store)
        world.send = lambda email: None  # 80 days of mail need not be kept
        self.digests, self.articles = world.digests, world.articles
        self.subscriptions = world.subscriptions
        self.end = self.begin + timedelta(days=self.days)

    # -- setting up -------------------------------------------------------------------------
    def add_subscriber(self, name: str, schedule: Schedule, tags: tuple[str, ...]) -> None:
        self.table.put(
            {"PK": f"USER#{name}", "SK": "PROFILE", "kind": "profile", "username": name,
             "email": f"{name}@example.com", "display_name": name, "role": "reader",
             "confirmed": True}
        )  # fmt: skip
        me = Principal(username=name, sub=name, groups=("reader",))
        self.subscribe(name, schedule)
        for tag in tags:
            self.subscriptions.follow_tag(me, tag, muted=False)

    def subscribe(self, name: str, schedule: Schedule) -> None:
        me = Principal(username=name, sub=name, groups=("reader",))
        self.subscriptions.put(
            me,
            SubscriptionUpdate(
                cadence=schedule.cadence,  # type: ignore[arg-type]
                weekday=schedule.weekday,
                hour=schedule.hour,
                timezone=schedule.zone,
            ),
        )
        self.schedules.setdefault(name, []).append((self.clock.now, schedule))

    def at(self, moment: datetime, kind: str, payload: Any = None) -> None:
        heapq.heappush(self.queue, (moment, next(self.counter), kind, payload))

    def script(self) -> None:
        """Every quarter-hour's planner event, and the articles of the whole run."""
        slot = self.begin + SLOT
        while slot < self.end:
            self.at(slot + timedelta(seconds=self.rng.choice((1, 20, 90))), "plan", slot)
            roll = self.rng.random()
            if roll < 0.02:  # the schedule fires twice
                self.at(slot + timedelta(seconds=self.rng.randint(30, 600)), "plan", slot)
            elif roll < 0.04:  # a delayed invocation, after the next slot has begun
                self.at(slot + timedelta(minutes=self.rng.randint(16, 70)), "plan", slot)
            if self.rng.random() < 0.08:  # published while that slot's queue drains
                self.at(slot + timedelta(seconds=self.rng.randint(2, 900)), "publish")
            slot += SLOT
        moment = self.begin
        while moment < self.end:
            moment += timedelta(seconds=self.rng.randint(600, 5 * 3600))
            self.at(moment, "publish")

    # -- running ----------------------------------------------------------------------------
    def run(self) -> None:
        self.script()
        while self.queue:
            moment, _, kind, payload = heapq.heappop(self.queue)
            self.clock.now = max(self.clock.now, moment)
            getattr(self, f"_{kind}")(payload)

    def _plan(self, slot: datetime) -> None:
        self.plan_starts.setdefault(slot, self.clock.now)
        outbox = Outbox()
        self.digests.plan(outbox, slot)
        for body in outbox.bodies:
            backlog = self.rng.choice((5, 30, 120, 600, 1800, 2400))
            if self.rng.random() < 0.03:
                backlog = self.rng.randint(2 * 3600, 5 * 3600)  # a long backlog
            self.at(self.clock.now + timedelta(seconds=backlog), "deliver", (slot, body))
            if self.rng.random() < 0.03:  # redelivered
                self.at(self.clock.now + timedelta(seconds=backlog + 400), "deliver", (slot, body))

    def _deliver(self, payload: tuple[datetime, str]) -> None:
        slot, body = payload
        message = json.loads(body)
        name = message["username"]
        outcome = self.digests.deliver_message(message)
        if outcome != "sent":
            return
        records = self.digests.subscriptions.digests(name)
        record = max(records, key=lambda r: str(r.sent_at))  # the one just sent
        accounted = {a.split("@")[0] for a in record.articles} | set(record.more)
        period = record.period
        self.sent[name].append(Sent(slot, period, frozenset(accounted)))
        if name == "changer":
            self.at(self.clock.now + timedelta(seconds=60), "change", name)

    def _change(self, name: str) -> None:
        self.subscribe(name, next(self.changes))

    def _publish(self, _: None) -> None:
        tags = self.rng.sample(TAGS, self.rng.choice((1, 1, 2)))
        draft = self.articles.create(
            EDITOR, ArticleCreate(title=f"Article {next(self.counter)}", tags=tags)
        )
        self.articles.publish(EDITOR, draft.id, PublishRequest())
        self.tags_of[draft.id] = frozenset(tags)
        self.releases[draft.id].append(Release(self.clock.now))
        if self.rng.random() < 0.12:
            self.at(
                self.clock.now + timedelta(hours=self.rng.randint(1, 60)), "unpublish", draft.id
            )

    def _unpublish(self, article_id: str) -> None:
        self.articles.unpublish(EDITOR, article_id)
        self.releases[article_id][-1].end = self.clock.now
        self.at(self.clock.now + timedelta(hours=self.rng.randint(1, 72)), "republish", article_id)

    def _republish(self, article_id: str) -> None:
        self.articles.publish(EDITOR, article_id, PublishRequest())
        self.releases[article_id].append(Release(self.clock.now))

    # -- the oracle ---------------------------------------------------------------------------
    def schedule_at(self, name: str, moment: datetime) -> Schedule:
        current = self.schedules[name][0][1]
        for since, schedule in self.schedules[name]:
            if since <= moment:
                current = schedule
        return current

    def due_moments(self, name: str) -> list[datetime]:
        """Every moment a digest was due, by the schedule in force then: the local hour's first
        instant (a non-existent hour falls forward, an ambiguous one is taken the first time)."""
        moments = []
        slot = self.begin + SLOT
        while slot < self.end:
            if is_due(self.schedule_at(name, slot), slot):
                moments.append(slot)
            slot += SLOT
        return moments

    def expected(self, name: str, follows: frozenset[str]) -> dict[datetime, set[str]]:
        """For each due moment, the articles the digest then must account for: each release
        goes to the first due moment whose planner snapshot could see it and whose period had no
        digest yet, if the article was still published when that planner ran."""
        sent_periods = {(s.period, s.slot) for s in self.sent[name]}
        due = self.due_moments(name)
        owed: dict[datetime, set[str]] = defaultdict(set)
        for article_id, releases in self.releases.items():
            if not follows & self.tags_of[article_id]:
                continue
            for release in releases:
                for moment in due:
                    schedule = self.schedule_at(name, moment)
                    period = period_of(schedule.cadence, schedule.zone, moment)
                    if any(p == period and s < moment for p, s in sent_periods):
                        continue  # this period's digest already went out
                    started = self.plan_starts[moment]
                    if release.start <= min(moment, started):
                        if release.end is None or release.end > started:
                            owed[moment].add(article_id)
                        break
        return owed

    def problems(self) -> list[str]:
        found: list[str] = []
        for name, (_, follows) in SUBSCRIBERS.items():
            for digest in self.sent[name]:
                if not is_due(self.schedule_at(name, digest.slot), digest.slot):
                    local = digest.slot.astimezone(
                        ZoneInfo(self.schedule_at(name, digest.slot).zone)
                    )
                    found.append(
                        f"off-hour: {name} got {digest.period} at {local:%Y-%m-%d %H:%M %Z}"
                    )
            owed = self.expected(name, frozenset(follows))
            got = {d.slot: d.accounted for d in self.sent[name]}
            delivered_where: dict[str, list[datetime]] = defaultdict(list)
            for slot, ids in got.items():
                for article_id in ids:
                    delivered_where[article_id].append(slot)
            horizon = self.end - timedelta(hours=6)  # later digests may still be in the queue
            for moment, ids in sorted(owed.items()):
                if moment > horizon:
                    continue
                missing = ids - got.get(moment, frozenset())
                for article_id in sorted(missing):
                    elsewhere = [s for s in delivered_where[article_id] if s != moment]
                    kind = "late" if any(s > moment for s in elsewhere) else "lost"
                    if not elsewhere and moment not in got:
                        kind = "lost (no digest that period)"
                    found.append(f"{kind}: {name} {article_id} due {moment:%Y-%m-%d %H:%M}Z")
            for article_id, slots in delivered_where.items():
                owed_count = sum(1 for ids in owed.values() if article_id in ids)
                if len(slots) > max(owed_count, 1):
                    found.append(f"twice: {name} {article_id} in {len(slots)} digests")
        return found


def is_due(schedule: Schedule, moment: datetime) -> bool:
    zone = ZoneInfo(schedule.zone)
    local_day = moment.astimezone(zone).date()
    for day in (local_day, local_day - timedelta(days=1)):
        if schedule.weekday is not None and day.weekday() != schedule.weekday:
            continue
        if datetime.combine(day, time(schedule.hour), tzinfo=zone).astimezone(UTC) == moment:
            return True
    return False


def summary(problems: list[str]) -> str:
    kinds: dict[str, int] = defaultdict(int)
    for problem in problems:
        kinds[problem.split(":")[0]] += 1
    return ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items()))


@pytest.mark.parametrize("window", sorted(WINDOWS))
def test_every_followed_article_reaches_exactly_one_digest_at_the_local_hour(window):
    begin, days = WINDOWS[window]
    simulation = Simulation(begin, days + EXTRA_DAYS, random.Random(f"{SEED}-{window}"))
    for name, (schedule, tags) in SUBSCRIBERS.items():
        simulation.add_subscriber(name, schedule, tags)
    simulation.run()
    problems = simulation.problems()
    assert sum(len(s) for s in simulation.sent.values()) > 20 * len(SUBSCRIBERS)
    assert not problems, summary(problems) + "\n" + "\n".join(problems[:40])
