from datetime import UTC, datetime, timedelta

from byline.login_limits import PER_ACCOUNT_AND_SOURCE, PER_SOURCE, wait_after
from byline.services.brute_force import retry_after_seconds, source_of, source_wait

PAIR = PER_ACCOUNT_AND_SOURCE


def test_the_first_failures_of_a_pair_are_free():
    assert all(wait_after(n, PAIR) == timedelta(0) for n in range(PAIR.free_failures + 1))


def test_the_wait_of_a_pair_doubles_from_a_minute_after_the_free_failures():
    free = PAIR.free_failures
    waits = [wait_after(free + n, PAIR) for n in range(1, 5)]
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8)]


def test_the_wait_of_a_pair_stops_at_an_hour():
    assert wait_after(10_000, PAIR) == PAIR.max_wait == timedelta(hours=1)


def test_a_shared_address_of_a_hundred_people_with_a_typo_each_per_hour_is_never_held_up():
    now = datetime(2026, 1, 1, 9, 15, tzinfo=UTC)
    assert source_wait(99, now, PER_SOURCE) == 0
    assert PER_SOURCE.failures >= 100
    assert PER_SOURCE.window == timedelta(hours=1)


def test_a_source_past_its_allowance_waits_until_the_window_ends():
    now = datetime(2026, 1, 1, 9, 15, tzinfo=UTC)
    assert source_wait(PER_SOURCE.failures, now, PER_SOURCE) == 45 * 60
    assert (
        source_wait(PER_SOURCE.failures + 50, now + timedelta(minutes=44, seconds=59.5), PER_SOURCE)
        == 1
    )


def test_an_ipv4_source_is_its_address_and_an_ipv6_source_is_its_64_network():
    assert source_of("203.0.113.7") == "203.0.113.7"
    assert (
        source_of("2001:db8:a:b:1:2:3:4") == source_of("2001:db8:a:b::ffff") == "2001:db8:a:b::/64"
    )
    assert source_of("2001:db8:a:c::1") != source_of("2001:db8:a:b::1")
    assert source_of("::ffff:203.0.113.7") == "203.0.113.7"


def test_retry_after_rounds_up_to_whole_seconds():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after_seconds(None, now) == 0
    assert retry_after_seconds(now - timedelta(seconds=1), now) == 0
    assert retry_after_seconds(now + timedelta(seconds=59.2), now) == 60
    assert retry_after_seconds(now + timedelta(milliseconds=10), now) == 1
