from datetime import UTC, datetime

import pytest

from byline.auth.principal import (
    Role,
    parse_list_claim,
    parse_time_claim,
    principal_from_claims,
    principal_from_event,
    require_principal,
)
from byline.errors import Unauthorized


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[admin author]", ("admin", "author")),
        ("admin,author", ("admin", "author")),
        ("editor", ("editor",)),
        (["reader"], ("reader",)),
        ('["a", "b"]', ("a", "b")),
        ("", ()),
        (None, ()),
    ],
)
def test_group_claims_are_read_in_every_form_api_gateway_sends(raw, expected):
    assert parse_list_claim(raw) == expected


def test_time_claims_are_read_as_api_gateway_formats_them():
    expected = datetime(2016, 7, 29, 18, 52, 53, tzinfo=UTC)
    assert parse_time_claim("Fri Jul 29 18:52:53 UTC 2016") == expected
    assert parse_time_claim(str(int(expected.timestamp()))) == expected
    assert parse_time_claim("not a date") is None


def test_role_is_the_most_powerful_group():
    claims = {"sub": "s", "cognito:username": "ann", "cognito:groups": "[reader editor]"}
    assert principal_from_claims(claims).role is Role.editor


def test_a_user_in_no_group_is_a_reader():
    principal = principal_from_claims({"sub": "s", "cognito:username": "bob"})
    assert principal.role is Role.reader


def test_unknown_groups_grant_nothing():
    principal = principal_from_claims(
        {"sub": "s", "cognito:username": "eve", "cognito:groups": "root"}
    )
    assert principal.role is Role.reader


def test_an_event_without_claims_is_anonymous_and_required_principal_is_401():
    event = {"requestContext": {"authorizer": None}}
    assert principal_from_event(event) is None
    with pytest.raises(Unauthorized):
        require_principal(event)
