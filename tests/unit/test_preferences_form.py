"""The preferences page's forms: what a post may hold, and the check that ties it to the page."""

import pytest

from byline.errors import BadRequest, Forbidden
from byline.services import unsubscribe_tokens
from byline.services.preferences import (
    ACTIONS,
    InvalidForm,
    PreferencesService,
    form_check,
    parse_change,
    parse_form,
)

KEY, FORM_KEY = b"u" * 32, b"f" * 32


def _service() -> PreferencesService:
    return PreferencesService(
        subscriptions=None,  # type: ignore[arg-type]
        users=None,  # type: ignore[arg-type]
        service=None,  # type: ignore[arg-type]
        unsubscribe_key=lambda: KEY,
        form_key=lambda: FORM_KEY,
    )


def test_a_schedule_form_becomes_the_same_update_the_json_route_takes():
    fields = parse_form(
        "action=schedule&check=x&cadence=weekly&weekday=2&hour=07&timezone=Europe%2FParis"
    )
    change = parse_change(fields)
    assert change.schedule is not None
    assert change.schedule.model_dump() == {
        "cadence": "weekly",
        "weekday": 2,
        "hour": 7,
        "timezone": "Europe/Paris",
    }


def test_the_weekday_is_ignored_unless_the_digest_is_weekly():
    change = parse_change(parse_form("action=schedule&cadence=daily&weekday=9&hour=0&timezone=UTC"))
    assert change.schedule is not None
    assert (change.schedule.cadence, change.schedule.weekday) == ("daily", None)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("action=schedule&cadence=daily&hour=24&timezone=UTC", "hour"),
        ("action=schedule&cadence=daily&hour=-1&timezone=UTC", "hour"),
        ("action=schedule&cadence=daily&hour=%EF%BC%97&timezone=UTC", "hour"),  # fullwidth 7
        ("action=schedule&cadence=daily&hour=&timezone=UTC", "hour"),
        ("action=schedule&cadence=weekly&weekday=7&hour=8&timezone=UTC", "weekday"),
        ("action=schedule&cadence=daily&hour=8&timezone=Mars%2FOlympus", "time zone"),
        ("action=schedule&cadence=daily&hour=8&timezone=", "time zone"),
        ("action=schedule&cadence=hourly&hour=8&timezone=UTC", "daily, weekly or off"),
        ("action=unfollow-tag&target=%3Cscript%3E", "tag"),
        ("action=unfollow-author&target=a", "username"),
        ("action=delete-account", "action"),
        ("", "action"),
    ],
)
def test_bad_input_is_a_readable_refusal(body, says):
    with pytest.raises(InvalidForm) as refused:
        parse_change(parse_form(body))
    assert says in refused.value.detail


@pytest.mark.parametrize(
    "body",
    [
        "action=schedule&action=unfollow-tag",
        "action=schedule&surprise=1",
        "timezone=" + "A" * 101,
        "&".join(f"action={i}" for i in range(30)),
        "target=%FF%FE",
    ],
)
def test_a_form_no_page_of_ours_sends_is_refused(body):
    with pytest.raises(InvalidForm):
        parse_form(body)


def test_a_tag_and_an_author_are_normalised_as_the_json_routes_do():
    assert parse_change(parse_form("action=unmute-tag&target=Python")).target == "python"
    change = parse_change(parse_form("action=unfollow-author&target=Rita_W"))
    assert (change.kind, change.target) == ("author", "rita_w")


def test_the_check_is_bound_to_the_subscriber_and_the_action():
    service = _service()
    for action in ACTIONS:
        check = form_check(FORM_KEY, "rita", action)
        service.check_form("rita", {"action": action, "check": check})
        with pytest.raises(Forbidden):
            service.check_form("sam", {"action": action, "check": check})
        other = next(a for a in ACTIONS if a != action)
        with pytest.raises(Forbidden):
            service.check_form("rita", {"action": other, "check": check})
    with pytest.raises(Forbidden):
        service.check_form("rita", {"action": "schedule"})


def test_neither_the_token_nor_the_check_stands_in_for_the_other():
    service = _service()
    token = unsubscribe_tokens.issue(KEY, "rita", unsubscribe_tokens.PREFERENCES)
    encoded, signature = token.split(".")
    with pytest.raises(Forbidden):
        service.check_form("rita", {"action": "schedule", "check": signature})
    as_token = f"{encoded}.{form_check(FORM_KEY, 'rita', 'schedule')}"
    with pytest.raises(BadRequest):
        service.subscriber(as_token)
    # the same key under both purposes still gives different signatures
    assert form_check(KEY, "rita", "schedule") != signature


@pytest.mark.parametrize("site", ["cross-site", "same-site", "none", "Cross-Site"])
def test_a_browser_s_post_from_anywhere_but_the_page_s_origin_is_refused(site):
    token = unsubscribe_tokens.issue(KEY, "rita", unsubscribe_tokens.PREFERENCES)
    with pytest.raises(Forbidden):
        _service().submit(token, "action=schedule", site)
