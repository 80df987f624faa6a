from datetime import UTC, datetime, timedelta

import pytest

from byline.services.digest_logic import (
    MAX_ARTICLES,
    Candidate,
    Interests,
    due_buckets,
    period_of,
    select,
    utc_bucket,
)

NOW = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)  # a Wednesday
DAY = timedelta(days=1)


def article(i, tags=("python",), author="ann", hours_ago=1, likes=0, comments=0):
    return Candidate(
        id=f"a{i:03d}",
        slug=f"a-{i}",
        title=f"Article {i}",
        author=author,
        tags=tuple(tags),
        excerpt="",
        published_at=NOW - timedelta(hours=hours_ago),
        like_count=likes,
        comment_count=comments,
    )


def reader(tags=("python",), muted=(), authors=(), sent=()):
    return Interests("rita", frozenset(tags), frozenset(muted), frozenset(authors), frozenset(sent))


@pytest.mark.parametrize(
    ("zone", "hour", "expected"),
    [
        ("UTC", 8, "H08"),
        ("Europe/Paris", 9, "H08"),
        ("America/New_York", 3, "H08"),
        ("Asia/Kolkata", 14, "H08"),
    ],
)
def test_local_delivery_hours_become_utc_buckets(zone, hour, expected):
    assert utc_bucket("daily", None, hour, zone, NOW) == expected


def test_weekly_buckets_carry_the_utc_weekday():
    assert utc_bucket("weekly", 0, 8, "UTC", NOW) == "D0H08"
    # Monday 00:30 in Auckland is still Sunday in UTC
    assert utc_bucket("weekly", 0, 0, "Pacific/Auckland", NOW) == "D6H11"
    assert utc_bucket("off", None, 8, "UTC", NOW) is None


def test_daylight_saving_moves_the_bucket():
    winter = datetime(2026, 1, 10, tzinfo=UTC)
    summer = datetime(2026, 7, 10, tzinfo=UTC)
    assert utc_bucket("daily", None, 9, "Europe/Paris", winter) == "H08"
    assert utc_bucket("daily", None, 9, "Europe/Paris", summer) == "H07"


def test_the_planner_looks_at_the_daily_and_weekly_buckets_of_this_hour():
    assert due_buckets(NOW) == [("daily", "H08"), ("weekly", "D2H08")]


def test_periods_are_local_days_and_iso_weeks():
    late = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    assert period_of("daily", "UTC", late) == "2026-11-25"
    assert period_of("daily", "Europe/Paris", late) == "2026-11-26"
    assert period_of("weekly", "UTC", late) == "2026-W48"


def test_only_matching_unmuted_unsent_new_articles_of_others_are_picked():
    candidates = [
        article(1),
        article(2, tags=("rust",)),
        article(3, tags=("python", "crypto")),
        article(4, author="rita"),
        article(5),
        article(6, hours_ago=30),
        article(7, tags=("rust",), author="bob"),
    ]
    picks = select(
        candidates, reader(muted=("crypto",), authors=("bob",), sent=("a005",)), NOW - DAY, NOW, DAY
    )
    assert {p.article.id for p in picks} == {"a001", "a007"}
    reasons = {p.article.id: p.reasons for p in picks}
    assert reasons == {"a001": ("tag:python",), "a007": ("author:bob",)}


def test_more_matches_and_engagement_rank_higher():
    candidates = [
        article(1, hours_ago=1),
        article(2, tags=("python", "aws"), hours_ago=5),
        article(3, likes=50, hours_ago=10),
    ]
    picks = select(candidates, reader(tags=("python", "aws")), NOW - DAY, NOW, DAY)
    assert [p.article.id for p in picks] == ["a002", "a003", "a001"]


def test_at_most_seven_and_never_twice():
    candidates = [article(i) for i in range(20)] + [article(3)]
    picks = select(candidates, reader(), NOW - DAY, NOW, DAY)
    assert len(picks) == MAX_ARTICLES
    assert len({p.article.id for p in picks}) == MAX_ARTICLES


def test_nothing_matches_means_nothing_to_send():
    assert select([article(1, tags=("rust",))], reader(), NOW - DAY, NOW, DAY) == []
