from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from byline.services.digest_logic import (
    MAX_ARTICLES,
    Candidate,
    Interests,
    due_buckets,
    is_due,
    next_due,
    period_of,
    rank,
    select,
    slot_of,
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
        ("Asia/Kolkata", 14, "H08M30"),
        ("Asia/Kathmandu", 14, "H08M15"),
        ("America/St_Johns", 5, "H08M30"),
        ("Pacific/Chatham", 22, "H08M15"),
    ],
)
def test_local_delivery_hours_become_utc_buckets_to_the_quarter_hour(zone, hour, expected):
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


def test_the_planner_looks_at_the_daily_and_weekly_buckets_of_its_quarter_hour():
    assert due_buckets(NOW.replace(minute=0)) == [("daily", "H08"), ("weekly", "D2H08")]
    assert due_buckets(NOW) == [("daily", "H08M30"), ("weekly", "D2H08M30")]


def test_an_event_anywhere_in_a_quarter_hour_names_that_quarter_hour():
    assert slot_of(datetime(2026, 3, 8, 7, 59, 59, tzinfo=UTC)) == datetime(
        2026, 3, 8, 7, 45, tzinfo=UTC
    )


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "previous", "expected"),
    [  # the digest after the previous one, across the spring switch (23:00 local)
        ("Europe/Paris", utc(2026, 3, 28, 22), utc(2026, 3, 29, 21)),
        ("Europe/London", utc(2026, 3, 28, 23), utc(2026, 3, 29, 22)),
        ("America/New_York", utc(2026, 3, 8, 4), utc(2026, 3, 9, 3)),
        ("America/Los_Angeles", utc(2026, 3, 8, 7), utc(2026, 3, 9, 6)),
    ],
)
def test_a_23_00_subscriber_is_due_on_the_spring_switch_day(zone, previous, expected):
    assert next_due("daily", None, 23, zone, previous) == expected
    assert utc_bucket("daily", None, 23, zone, previous) == f"H{expected.hour:02d}"
    assert is_due("daily", None, 23, zone, expected)


def test_a_weekly_sunday_23_00_digest_is_due_in_the_week_of_the_switch():
    previous = utc(2026, 3, 22, 22)  # Sunday 23:00 CET
    assert next_due("weekly", 6, 23, "Europe/Paris", previous) == utc(2026, 3, 29, 21)
    assert utc_bucket("weekly", 6, 23, "Europe/Paris", previous) == "D6H21"
    assert period_of("weekly", "Europe/Paris", utc(2026, 3, 29, 21)) == "2026-W13"


def test_midnight_in_half_hour_zones_is_due_at_midnight_with_the_new_days_label():
    due = next_due("daily", None, 0, "Asia/Kolkata", utc(2026, 3, 3, 12))
    assert due == utc(2026, 3, 3, 18, 30)
    assert period_of("daily", "Asia/Kolkata", due) == "2026-03-04"
    due = next_due("daily", None, 0, "Pacific/Chatham", utc(2026, 4, 5, 0))
    assert due.astimezone(ZoneInfo("Pacific/Chatham")).strftime("%H:%M") == "00:00"


def test_the_autumn_25_hour_day_has_its_digest_25_hours_after_the_last():
    previous = utc(2026, 10, 24, 21)  # Saturday 23:00 CEST
    assert next_due("daily", None, 23, "Europe/Paris", previous) == utc(2026, 10, 25, 22)


def test_a_skipped_02_00_is_delivered_at_03_00_that_day_and_at_02_00_the_next():
    first = next_due("daily", None, 2, "America/New_York", utc(2026, 3, 7, 7))
    assert first == utc(2026, 3, 8, 7)  # 03:00 EDT: 02:00 never happened
    assert next_due("daily", None, 2, "America/New_York", first) == utc(2026, 3, 9, 6)


def test_an_hour_that_happens_twice_is_due_the_first_time_only():
    first = next_due("daily", None, 1, "America/New_York", utc(2026, 10, 31, 6))
    assert first == utc(2026, 11, 1, 5)  # 01:00 EDT
    assert not is_due("daily", None, 1, "America/New_York", utc(2026, 11, 1, 6))  # 01:00 EST


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
        candidates, reader(muted=("crypto",), authors=("bob",), sent=("a005",)), NOW - DAY, NOW
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
    picks = select(candidates, reader(tags=("python", "aws")), NOW - DAY, NOW)
    assert [p.article.id for p in picks] == ["a002", "a003", "a001"]


def test_ranking_is_matches_then_engagement_then_freshness_on_a_designed_set():
    """Each pair differs in one key only, and the heavier key always wins: a viral article with
    one match stays below any article with two, and below a followed author's quiet one."""
    candidates = [
        article(1, hours_ago=1),  # one tag, no engagement, freshest
        article(2, hours_ago=9, likes=3),  # one tag, some engagement
        article(3, hours_ago=12, likes=100_000, comments=50_000),  # one tag, viral
        article(4, tags=("python", "aws"), hours_ago=20),  # two tags, nothing else
        article(5, tags=("rust",), author="bob", hours_ago=22),  # a followed author: 4
        article(6, tags=("python",), author="bob", hours_ago=23),  # a tag and the author: 7
        article(7, hours_ago=5, likes=3),  # as 2, fresher
    ]
    who = reader(tags=("python", "aws"), authors=("bob",))
    ranked = rank(candidates, who, NOW - DAY, NOW)
    assert [p.article.id for p in ranked] == [
        "a006", "a004", "a005", "a003", "a007", "a002", "a001",
    ]  # fmt: skip
    assert [int(p.score) for p in ranked] == [7, 6, 4, 3, 3, 3, 3]
    assert all(0 <= p.score - int(p.score) < 1 for p in ranked)


def test_at_most_seven_and_never_twice():
    candidates = [article(i) for i in range(20)] + [article(3)]
    picks = select(candidates, reader(), NOW - DAY, NOW)
    assert len(picks) == MAX_ARTICLES
    assert len({p.article.id for p in picks}) == MAX_ARTICLES


def test_nothing_matches_means_nothing_to_send():
    assert select([article(1, tags=("rust",))], reader(), NOW - DAY, NOW) == []


def test_a_republished_article_is_new_again_though_its_first_release_was_sent():
    first = article(1, hours_ago=50)
    republished = replace(first, released_at=NOW - timedelta(hours=2))
    assert first.sent_token() == "a001"
    picks = select([republished], reader(sent=("a001",)), NOW - DAY, NOW)
    assert [p.article.id for p in picks] == ["a001"]
    sent_again = reader(sent=("a001", republished.sent_token()))
    assert select([republished], sent_again, NOW - DAY, NOW) == []


def test_articles_count_from_the_watermark_to_the_snapshot_bound():
    candidates = [article(1, hours_ago=3), article(2, hours_ago=1), article(3, hours_ago=0)]
    picks = select(candidates, reader(), NOW - timedelta(hours=2), NOW - timedelta(minutes=30))
    assert [p.article.id for p in picks] == ["a002"]


def test_rank_keeps_every_match_so_the_cap_can_say_how_many_more():
    ranked = rank([article(i) for i in range(10)], reader(), NOW - DAY, NOW)
    assert len(ranked) == 10
    assert ranked[:MAX_ARTICLES] == select(
        [article(i) for i in range(10)], reader(), NOW - DAY, NOW
    )
