"""Articles over HTTP through the local stack."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.article_helpers import create, get, publish, published_article
from tests.support.identity_helpers import make_user

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def author(local_api):
    return make_user(local_api, "author")


@pytest.fixture(scope="module")
def editor(local_api):
    return make_user(local_api, "editor")


def test_a_draft_gets_a_slug_html_excerpt_and_reading_time(local_api, author):
    title = f"Hello World {uuid.uuid4().hex[:6]}"
    body = "# Intro\n\n" + "word " * 500 + "\n\n![pic](https://img.example/p.png)"
    article = create(local_api, author, title=title, body=body, tags=["Python", "AWS", "python"])
    assert article["status"] == "draft"
    assert article["slug"] == title.lower().replace(" ", "-")
    assert article["tags"] == ["python", "aws"]
    assert article["reading_minutes"] == 3
    assert "<h1>Intro</h1>" in article["html"]
    assert article["excerpt"].startswith("Intro word word")


def test_a_second_article_with_the_same_title_gets_another_slug(local_api, author):
    title = f"Same Title {uuid.uuid4().hex[:6]}"
    first, second = create(local_api, author, title=title), create(local_api, author, title=title)
    assert first["slug"] != second["slug"]
    assert second["slug"].startswith(first["slug"])


def draft(base, article, user=None):
    auth = user.auth if user else {}
    return requests.get(f"{base}/articles/{article['id']}/draft", headers=auth, timeout=30)


def test_drafts_are_visible_only_to_their_author_and_editors(local_api, author, editor):
    article = create(local_api, author)
    assert get(local_api, article["slug"]).status_code == 404
    assert get(local_api, article["slug"], author).status_code == 404  # the public route
    assert draft(local_api, article).status_code == 401
    assert draft(local_api, article, make_user(local_api)).status_code == 404
    assert draft(local_api, article, make_user(local_api, "author")).status_code == 404
    assert draft(local_api, article, editor).status_code == 200
    mine = draft(local_api, article, author)
    assert mine.status_code == 200
    assert "private" in mine.headers["Cache-Control"]
    assert mine.headers["ETag"] == article["etag"]


def test_published_reads_send_etag_cache_control_and_honour_if_none_match(local_api, author):
    article = published_article(local_api, author)
    first = get(local_api, article["slug"])
    assert first.status_code == 200
    assert "public" in first.headers["Cache-Control"]
    again = get(local_api, article["slug"], **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.text == ""


def test_an_edit_needs_the_current_etag(local_api, author):
    article = create(local_api, author)
    url = f"{local_api}/articles/{article['id']}"
    missing = requests.patch(url, json={"subtitle": "x"}, headers=author.auth, timeout=30)
    assert missing.status_code == 428
    stale = requests.patch(
        url, json={"subtitle": "x"}, headers={**author.auth, "If-Match": '"stale"'}, timeout=30
    )
    assert stale.status_code == 412
    ok = requests.patch(
        url,
        json={"subtitle": "fresh"},
        headers={**author.auth, "If-Match": article["etag"]},
        timeout=30,
    )
    assert ok.status_code == 200
    assert ok.json()["subtitle"] == "fresh"
    reused = requests.patch(
        url,
        json={"subtitle": "again"},
        headers={**author.auth, "If-Match": article["etag"]},
        timeout=30,
    )
    assert reused.status_code == 412
    assert draft(local_api, article, author).json()["subtitle"] == "fresh"


def test_twenty_parallel_edits_with_one_etag_let_exactly_one_win(local_api, author):
    article = create(local_api, author)
    url = f"{local_api}/articles/{article['id']}"

    def edit(i):
        return requests.patch(
            url,
            json={"subtitle": f"edit {i}"},
            headers={**author.auth, "If-Match": article["etag"]},
            timeout=60,
        )

    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(edit, range(20)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * 19
    winner = next(r for r in responses if r.status_code == 200).json()
    stored = draft(local_api, article, author).json()
    assert stored["subtitle"] == winner["subtitle"]


def test_retitling_a_published_article_keeps_the_old_slug_working(local_api, author):
    article = published_article(local_api, author)
    response = requests.patch(
        f"{local_api}/articles/{article['id']}",
        json={"title": f"Renamed {uuid.uuid4().hex[:6]}"},
        headers={**author.auth, "If-Match": article["etag"]},
        timeout=30,
    )
    assert response.status_code == 200
    new_slug = response.json()["slug"]
    assert new_slug != article["slug"]
    moved = get(local_api, article["slug"])
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"/articles/{new_slug}"
    assert get(local_api, new_slug).status_code == 200


def test_published_articles_are_listed_newest_first_by_tag_and_by_author(local_api, author):
    tag = "t" + uuid.uuid4().hex[:8]
    first = published_article(local_api, author, tags=[tag])
    second = published_article(local_api, author, tags=[tag, "python"])
    create(local_api, author, tags=[tag])  # a draft is never listed

    by_tag = requests.get(f"{local_api}/articles", params={"tag": tag}, timeout=30).json()
    assert [a["id"] for a in by_tag["items"]] == [second["id"], first["id"]]
    by_author = requests.get(
        f"{local_api}/articles", params={"author": author.username, "limit": 100}, timeout=30
    ).json()
    assert {first["id"], second["id"]} <= {a["id"] for a in by_author["items"]}
    newest = requests.get(f"{local_api}/articles", params={"limit": 2}, timeout=30).json()
    assert newest["items"][0]["id"] == second["id"]
    tag_info = requests.get(f"{local_api}/tags/{tag}", timeout=30).json()
    assert tag_info == {"tag": tag, "articles": 2}
    assert {"tag": tag, "articles": 2} in requests.get(f"{local_api}/tags", timeout=30).json()[
        "items"
    ]


def test_pages_follow_cursors_and_a_forged_cursor_is_a_400(local_api, author):
    tag = "p" + uuid.uuid4().hex[:8]
    ids = [published_article(local_api, author, tags=[tag])["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        params = {"tag": tag, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = requests.get(f"{local_api}/articles", params=params, timeout=30).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))
    first = requests.get(
        f"{local_api}/articles", params={"tag": tag, "limit": 2}, timeout=30
    ).json()
    forged = first["next_cursor"][:-2] + "xx"
    bad = requests.get(f"{local_api}/articles", params={"tag": tag, "cursor": forged}, timeout=30)
    assert bad.status_code == 400
    other_listing = requests.get(
        f"{local_api}/articles", params={"cursor": first["next_cursor"]}, timeout=30
    )
    assert other_listing.status_code == 400


def test_deleted_articles_leave_every_listing(local_api, author):
    tag = "d" + uuid.uuid4().hex[:8]
    article = published_article(local_api, author, tags=[tag])
    response = requests.delete(
        f"{local_api}/articles/{article['id']}", headers=author.auth, timeout=30
    )
    assert response.status_code == 204
    assert get(local_api, article["slug"]).status_code == 404
    listed = requests.get(f"{local_api}/articles", params={"tag": tag}, timeout=30).json()
    assert listed["items"] == []
    assert requests.get(f"{local_api}/tags/{tag}", timeout=30).status_code == 404


def test_unpublishing_takes_an_article_off_the_site(local_api, author):
    tag = "u" + uuid.uuid4().hex[:8]
    article = published_article(local_api, author, tags=[tag])
    response = requests.post(
        f"{local_api}/articles/{article['id']}/unpublish", headers=author.auth, timeout=30
    )
    assert response.status_code == 200
    assert response.json()["status"] == "unpublished"
    assert get(local_api, article["slug"]).status_code == 404
    assert (
        requests.get(f"{local_api}/articles", params={"tag": tag}, timeout=30).json()["items"] == []
    )


def test_series_lists_published_parts_in_order(local_api, author):
    name = f"Series {uuid.uuid4().hex[:6]}"
    two = published_article(local_api, author, series=name, series_part=2)
    one = published_article(local_api, author, series=name, series_part=1)
    series_id = one["series"]["id"]
    view = requests.get(f"{local_api}/series/{series_id}", timeout=30).json()
    assert [p["id"] for p in view["parts"]] == [one["id"], two["id"]]
    assert view["title"] == name


def test_my_articles_lists_drafts_and_filters_by_status(local_api):
    writer = make_user(local_api, "author")
    draft = create(local_api, writer)
    live = published_article(local_api, writer)
    mine = requests.get(f"{local_api}/me/articles", headers=writer.auth, timeout=30).json()
    assert {draft["id"], live["id"]} == {a["id"] for a in mine["items"]}
    drafts = requests.get(
        f"{local_api}/me/articles", params={"status": "draft"}, headers=writer.auth, timeout=30
    ).json()
    assert [a["id"] for a in drafts["items"]] == [draft["id"]]


def test_scheduled_articles_are_published_by_the_scheduler_exactly_once(
    local_api, local_stack, author
):
    article = create(local_api, author)
    scheduled = publish(local_api, author, article, publish_at="2020-01-01T00:00:00Z")
    assert scheduled["status"] == "published"  # a past time publishes at once
    future = create(local_api, author)
    pending = publish(local_api, author, future, publish_at="2999-01-01T00:00:00Z")
    assert pending["status"] == "scheduled"
    assert get(local_api, future["slug"]).status_code == 404


@pytest.mark.parametrize(
    "path", ["/articles", "/tags", "/articles?tag=python", "/articles?author=author"]
)
def test_listings_answer_304_when_the_client_has_the_current_page(local_api, path):
    first = requests.get(f"{local_api}{path}", timeout=30)
    assert first.status_code == 200
    again = requests.get(
        f"{local_api}{path}", headers={"If-None-Match": first.headers["ETag"]}, timeout=30
    )
    assert again.status_code == 304
    assert again.text == ""
