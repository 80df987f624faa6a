from datetime import UTC, datetime, timedelta

import pytest

from byline.data import cursors
from byline.errors import BadRequest, PreconditionFailed, PreconditionRequired
from byline.http.etags import matches, require_match
from byline.ids import new_id
from byline.models.etags import etag_of
from byline.models.health import Health

KEY = b"k" * 32
LAST = {"PK": "TAG#python", "SK": "2026-11-25T10:00:00.000Z#01abc"}


def test_a_cursor_round_trips_within_its_listing():
    cursor = cursors.encode(LAST, "tag:python", KEY)
    assert cursors.decode(cursor, "tag:python", KEY) == LAST


def test_no_more_pages_means_no_cursor():
    assert cursors.encode(None, "newest", KEY) is None
    assert cursors.decode(None, "newest", KEY) is None
    assert cursors.decode("", "newest", KEY) is None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"),  # signature changed
        lambda c: "e30" + c[3:],  # payload changed
        lambda c: c.replace(".", ""),
        lambda c: c + ".x",
        lambda c: "x" * 5000,
        lambda c: "not a cursor",
    ],
)
def test_a_forged_or_damaged_cursor_is_a_400(mangle):
    cursor = cursors.encode(LAST, "newest", KEY)
    with pytest.raises(BadRequest):
        cursors.decode(mangle(cursor), "newest", KEY)


def test_a_cursor_cannot_be_replayed_against_another_listing_or_key():
    cursor = cursors.encode(LAST, "tag:python", KEY)
    with pytest.raises(BadRequest):
        cursors.decode(cursor, "tag:rust", KEY)
    with pytest.raises(BadRequest):
        cursors.decode(cursor, "tag:python", b"other" * 8)


def test_etags_change_with_the_representation():
    a = Health(status="ok", version="1", stage="s", table="reachable")
    b = Health(status="ok", version="2", stage="s", table="reachable")
    assert etag_of(a) == etag_of(a.model_copy())
    assert etag_of(a) != etag_of(b)
    assert etag_of(a).startswith('"')
    assert etag_of(a).endswith('"')


def test_if_match_is_required_and_must_be_current():
    with pytest.raises(PreconditionRequired):
        require_match(None, '"abc"')
    with pytest.raises(PreconditionFailed):
        require_match('"old"', '"abc"')
    require_match('"old", "abc"', '"abc"')
    assert matches('W/"abc"', '"abc"')
    assert matches("*", '"abc"')


def test_if_match_compares_strongly_so_a_weak_tag_never_passes():
    """RFC 9110 13.1.1: If-Match uses the strong comparison; If-None-Match the weak one."""
    with pytest.raises(PreconditionFailed):
        require_match('W/"abc"', '"abc"')
    with pytest.raises(PreconditionFailed):
        require_match('"old", W/"abc"', '"abc"')
    require_match('W/"old", "abc"', '"abc"')
    assert not matches('W/"abc"', '"abc"', strong=True)
    assert matches('W/"abc"', '"abc"')


def test_ids_sort_by_creation_time_and_are_unique():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = [new_id(start + timedelta(milliseconds=i)) for i in range(50)]
    assert ids == sorted(ids)
    assert len({new_id(start) for _ in range(1000)}) == 1000
    assert all(len(i) == 22 and i.isalnum() and i == i.lower() for i in ids)
