"""The local stack's demo data: users with profiles, published articles, a comment and likes."""

import pytest
import requests

from local.seed import DEMO_ARTICLES, seed

pytestmark = pytest.mark.integration


def test_demo_users_have_profiles_in_their_role(local_api, id_token):
    for name in ("admin", "editor", "author", "reader"):
        me = requests.get(
            f"{local_api}/me", headers={"Authorization": f"Bearer {id_token(name)}"}, timeout=30
        )
        assert me.status_code == 200, me.text
        assert me.json()["role"] == name
        assert requests.get(f"{local_api}/authors/{name}", timeout=30).json()["role"] == name


def test_demo_articles_are_published_with_a_comment_and_a_like(local_api):
    listed = requests.get(f"{local_api}/articles", params={"author": "author"}, timeout=30).json()
    titles = {a["title"] for a in listed["items"]}
    assert {title for title, _, _ in DEMO_ARTICLES} <= titles
    for article in listed["items"]:
        if article["title"] in titles:
            assert article["like_count"] >= 1
            assert article["comment_count"] >= 1


def test_seeding_again_changes_nothing(local_api, stack_resources):
    before = requests.get(f"{local_api}/articles", params={"author": "author"}, timeout=30).json()
    seed(stack_resources.stack)
    after = requests.get(f"{local_api}/articles", params={"author": "author"}, timeout=30).json()
    assert [a["id"] for a in after["items"]] == [a["id"] for a in before["items"]]
