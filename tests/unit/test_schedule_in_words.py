"""The schedule a welcome email states, as a reader would say it, in their own zone."""

import pytest

from byline.services.digest_logic import schedule_in_words


def test_a_daily_schedule_is_every_day_at_the_local_hour_in_the_reader_s_zone():
    assert schedule_in_words("daily", None, 8, "Europe/Paris") == "every day at 08:00 Europe/Paris"


def test_a_weekly_schedule_names_the_weekday_monday_being_zero():
    assert schedule_in_words("weekly", 0, 7, "UTC") == "every Monday at 07:00 UTC"
    assert (
        schedule_in_words("weekly", 6, 21, "America/New_York")
        == "every Sunday at 21:00 America/New_York"
    )


def test_midnight_is_hour_zero_written_with_two_digits():
    assert schedule_in_words("daily", None, 0, "Asia/Kolkata") == "every day at 00:00 Asia/Kolkata"
    assert schedule_in_words("weekly", 4, 0, "Pacific/Chatham") == (
        "every Friday at 00:00 Pacific/Chatham"
    )


@pytest.mark.parametrize(("cadence", "weekday"), [("off", None), ("weekly", None), ("weekly", 7)])
def test_a_schedule_without_a_delivery_cannot_be_described(cadence, weekday):
    with pytest.raises(ValueError, match="no schedule to describe"):
        schedule_in_words(cadence, weekday, 8, "UTC")
