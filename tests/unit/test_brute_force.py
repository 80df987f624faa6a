from datetime import UTC, datetime, timedelta

from byline.services.brute_force import PER_IP, PER_USER, retry_after_seconds, wait_after


def test_the_first_failures_are_free():
    assert all(wait_after(n, PER_USER) == timedelta(0) for n in range(PER_USER.free_failures + 1))


def test_the_wait_doubles_from_a_minute_after_the_free_failures():
    free = PER_USER.free_failures
    waits = [wait_after(free + n, PER_USER) for n in range(1, 5)]
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8)]


def test_the_wait_grows_to_hours_and_stops_at_the_cap():
    assert wait_after(PER_USER.free_failures + 8, PER_USER) >= timedelta(hours=2)
    assert wait_after(10_000, PER_USER) == PER_USER.max_wait


def test_an_ip_gets_more_free_failures_than_a_user():
    assert PER_IP.free_failures > PER_USER.free_failures


def test_retry_after_rounds_up_to_whole_seconds():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after_seconds(None, now) == 0
    assert retry_after_seconds(now - timedelta(seconds=1), now) == 0
    assert retry_after_seconds(now + timedelta(seconds=59.2), now) == 60
    assert retry_after_seconds(now + timedelta(milliseconds=10), now) == 1
