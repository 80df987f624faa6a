"""The local stack's demo data: users with profiles, published articles, a comment and likes."""

from datetime import UTC, datetime, timedelta

import pytest
import requests

from byline.data.subscriptions import Subscriptions
from byline.data.table import Table
from local.bootstrap import bootstrap, client
from local.seed import DEMO_ARTICLES, DEMO_FOLLOWS, seed
from local.template import Template

pytestmark = pytest.mark.integration


def test_demo_users_have_profiles_in_their_role(local_api, id_token):
    for name in ("admin", "editor", "author", "reader"):
        me = requests.get(
            f"{local_api}/me", headers={"Authorization": f"Bearer {id_token(name)}"}, timeout=30
        )
        assert me.status_code == 200, me.text
        assert me.json()["role"] == name
        assert "role" not in requests.get(f"{local_api}/authors/{name}", timeout=30).json()


def test_demo_articles_are_published_with_a_comment_and_a_like(local_api):
    listed = requests.get(f"{local_api}/articles", params={"author": "author"}, timeout=30).json()
    titles = {a["title"] for a in listed["items"]}
    assert {title for title, _, _ in DEMO_ARTICLES} <= titles
    for article in listed["items"]:
        if article["title"] in titles:
            assert article["like_count"] >= 1
            assert article["comment_count"] >= 1


def _reader(local_api, id_token, path):
    headers = {"Authorization": f"Bearer {id_token('reader')}"}
    response = requests.get(f"{local_api}{path}", headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_demo_reader_is_due_for_a_daily_digest_of_the_demo_tags_the_next_hour(
    stack_resources,
):
    """On a stack of its own: the session's reader is changed by other tests."""
    stack = bootstrap(
        Template.load(overrides={"Stage": "seedcheck"}), stack_resources.stack.endpoint
    )
    hours = {(datetime.now(UTC) + timedelta(hours=1)).hour}
    seed(stack)
    hours.add((datetime.now(UTC) + timedelta(hours=1)).hour)
    table = Table(str(stack.ref("Table")), client("dynamodb", stack.endpoint, stack.region))
    subscriptions = Subscriptions(table)
    subscription = subscriptions.subscription("reader")
    assert subscription is not None
    assert (subscription.cadence, subscription.timezone) == ("daily", "UTC")
    assert subscription.hour in hours
    assert subscription.bucket == f"H{subscription.hour:02d}"
    assert sorted(f.target for f in subscriptions.follows("reader")) == sorted(DEMO_FOLLOWS)
    for _, _, tags in DEMO_ARTICLES:
        assert set(tags) & set(DEMO_FOLLOWS)

    subscriptions.turn_off("reader", "2026-01-01T00:00:00.000Z")  # the reader's own choice
    seed(stack)
    assert subscriptions.subscription("reader").cadence == "off"  # kept


def test_seeding_again_changes_nothing(local_api, stack_resources, id_token):
    before = requests.get(f"{local_api}/articles", params={"author": "author"}, timeout=30).json()
    subscription = _reader(local_api, id_token, "/me/subscription")
    seed(stack_resources.stack)
    after = requests.get(f"{local_api}/articles", params={"author": "author"}, timeout=30).json()
    assert [a["id"] for a in after["items"]] == [a["id"] for a in before["items"]]
    assert _reader(local_api, id_token, "/me/subscription") == subscription
