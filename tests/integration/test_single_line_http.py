"""A single-line field with a line break is a 422 problem document that names the field."""

from __future__ import annotations

import pytest
import requests

from tests.support.article_helpers import create
from tests.support.identity_helpers import make_user

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def author(local_api):
    return make_user(local_api, "author")


def _assert_names(response: requests.Response, pointer: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert [e["pointer"] for e in response.json()["errors"]] == [pointer]


@pytest.mark.parametrize("breaker", ["\n", "\u2028", "\x85", "\x0b"], ids=repr)
def test_a_title_with_a_line_break_is_refused_and_nothing_is_created(local_api, author, breaker):
    title = f"Breaking{breaker}news {breaker}"
    response = requests.post(
        f"{local_api}/articles", json={"title": title}, headers=author.auth, timeout=30
    )
    _assert_names(response, "/title")
    mine = requests.get(f"{local_api}/me/articles", headers=author.auth, timeout=30).json()
    assert all("Breaking" not in a["title"] for a in mine["items"])


def test_a_subtitle_edit_with_a_paragraph_separator_is_refused(local_api, author):
    article = create(local_api, author)
    response = requests.patch(
        f"{local_api}/articles/{article['id']}",
        json={"subtitle": "one\u2029two"},
        headers={**author.auth, "If-Match": article["etag"]},
        timeout=30,
    )
    _assert_names(response, "/subtitle")


def test_a_display_name_with_a_carriage_return_is_refused(local_api, author):
    response = requests.patch(
        f"{local_api}/me", json={"display_name": "Eve\rBcc: x"}, headers=author.auth, timeout=30
    )
    _assert_names(response, "/display_name")
