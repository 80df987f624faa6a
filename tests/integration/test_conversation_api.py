"""Comments, moderation, likes and Idempotency-Key over HTTP through the local stack."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.article_helpers import create, get, published_article
from tests.support.html_safety import executable_constructs
from tests.support.identity_helpers import make_user

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def author(local_api):
    return make_user(local_api, "author")


@pytest.fixture(scope="module")
def reader(local_api):
    return make_user(local_api)


def comment(base, user, article_id, body="Nice!", parent=None, **headers):
    payload = {"body": body, **({"parent_id": parent} if parent else {})}
    return requests.post(
        f"{base}/articles/{article_id}/comments",
        json=payload,
        headers={**user.auth, **headers},
        timeout=30,
    )


def threads(base, article_id, **params):
    return requests.get(f"{base}/articles/{article_id}/comments", params=params, timeout=30).json()


def test_comments_thread_one_level_oldest_first_and_are_counted(local_api, author, reader):
    article = published_article(local_api, author)
    first = comment(local_api, reader, article["id"], "First").json()
    second = comment(local_api, author, article["id"], "Second").json()
    reply = comment(local_api, author, article["id"], "Reply", parent=first["id"])
    assert reply.status_code == 201
    nested = comment(local_api, reader, article["id"], "Deeper", parent=reply.json()["id"])
    assert nested.status_code == 400

    page = threads(local_api, article["id"])
    assert [t["id"] for t in page["items"]] == [first["id"], second["id"]]
    assert [r["id"] for r in page["items"][0]["replies"]] == [reply.json()["id"]]
    assert page["items"][0]["html"] == "<p>First</p>\n"
    assert get(local_api, article["slug"]).json()["comment_count"] == 3


def test_comment_markdown_is_sanitised(local_api, author, reader):
    article = published_article(local_api, author)
    created = comment(local_api, reader, article["id"], "<script>x</script> [a](javascript:y)")
    assert created.status_code == 201
    assert executable_constructs(created.json()["html"]) == []
    assert "&lt;script&gt;" in created.json()["html"]


def test_only_published_articles_take_comments(local_api, author, reader):
    draft = create(local_api, author)
    assert comment(local_api, reader, draft["id"]).status_code == 404
    assert comment(local_api, reader, "no-such-article").status_code == 404


def test_authors_delete_their_comments_editors_anyones_others_nobody_elses(
    local_api, author, reader
):
    article = published_article(local_api, author)
    mine = comment(local_api, reader, article["id"], "mine").json()
    stranger = make_user(local_api)
    url = f"{local_api}/comments/{mine['id']}"
    assert requests.delete(url, headers=stranger.auth, timeout=30).status_code == 403
    assert requests.delete(url, headers=reader.auth, timeout=30).status_code == 204
    shown = threads(local_api, article["id"])["items"][0]
    assert (shown["status"], shown["author"], shown["html"]) == ("deleted", None, "")
    assert get(local_api, article["slug"]).json()["comment_count"] == 0

    other = comment(local_api, stranger, article["id"], "other").json()
    editor = make_user(local_api, "editor")
    deleted = requests.delete(
        f"{local_api}/comments/{other['id']}", headers=editor.auth, timeout=30
    )
    assert deleted.status_code == 204


def test_editors_hide_comments_and_readers_cannot(local_api, author, reader):
    article = published_article(local_api, author)
    rude = comment(local_api, reader, article["id"], "rude").json()
    url = f"{local_api}/comments/{rude['id']}/hide"
    assert requests.post(url, headers=reader.auth, timeout=30).status_code == 403
    editor = make_user(local_api, "editor")
    hidden = requests.post(url, headers=editor.auth, timeout=30)
    assert hidden.status_code == 200
    assert hidden.json()["status"] == "hidden"
    assert threads(local_api, article["id"])["items"][0]["html"] == ""
    assert requests.post(url, headers=editor.auth, timeout=30).status_code == 200  # idempotent
    assert get(local_api, article["slug"]).json()["comment_count"] == 0


def like(base, user, article_id, method="PUT"):
    return requests.request(
        method, f"{base}/articles/{article_id}/like", headers=user.auth, timeout=60
    )


def test_one_user_liking_ten_times_in_parallel_counts_once(local_api, author, reader):
    article = published_article(local_api, author, tags=["likes"])
    with ThreadPoolExecutor(10) as pool:
        statuses = {
            r.status_code
            for r in pool.map(lambda _: like(local_api, reader, article["id"]), range(10))
        }
    assert statuses == {200}
    assert get(local_api, article["slug"]).json()["like_count"] == 1
    listed = requests.get(
        f"{local_api}/articles", params={"tag": "likes", "limit": 100}, timeout=30
    )
    assert next(a for a in listed.json()["items"] if a["id"] == article["id"])["like_count"] == 1


@pytest.mark.slow
def test_fifty_users_liking_at_once_count_fifty(local_api, author):
    article = published_article(local_api, author)
    with ThreadPoolExecutor(10) as pool:
        users = list(pool.map(lambda _: make_user(local_api), range(50)))
    with ThreadPoolExecutor(25) as pool:
        responses = list(pool.map(lambda u: like(local_api, u, article["id"]), users))
    assert {r.status_code for r in responses} == {200}
    assert get(local_api, article["slug"]).json()["like_count"] == 50


def test_unliking_is_idempotent_too(local_api, author, reader):
    article = published_article(local_api, author)
    assert like(local_api, reader, article["id"]).json() == {"liked": True, "like_count": 1}
    assert like(local_api, reader, article["id"], "DELETE").json() == {
        "liked": False,
        "like_count": 0,
    }
    assert like(local_api, reader, article["id"], "DELETE").json() == {
        "liked": False,
        "like_count": 0,
    }
    assert get(local_api, article["slug"]).json()["like_count"] == 0


def test_a_retried_create_with_the_same_idempotency_key_creates_one_article(local_api, author):
    key = str(uuid.uuid4())
    body = {"title": f"Once {uuid.uuid4().hex[:6]}", "body": "x"}
    headers = {**author.auth, "Idempotency-Key": key}
    first = requests.post(f"{local_api}/articles", json=body, headers=headers, timeout=30)
    again = requests.post(f"{local_api}/articles", json=body, headers=headers, timeout=30)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    mine = requests.get(
        f"{local_api}/me/articles", params={"limit": 100}, headers=author.auth, timeout=30
    ).json()
    assert [a["title"] for a in mine["items"]].count(body["title"]) == 1
    changed = requests.post(
        f"{local_api}/articles", json={**body, "body": "different"}, headers=headers, timeout=30
    )
    assert changed.status_code == 422


def test_a_retried_comment_with_the_same_key_is_posted_once(local_api, author, reader):
    article = published_article(local_api, author)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = comment(local_api, reader, article["id"], "once", **key)
    again = comment(local_api, reader, article["id"], "once", **key)
    assert first.json()["id"] == again.json()["id"]
    assert len(threads(local_api, article["id"])["items"]) == 1
    assert get(local_api, article["slug"]).json()["comment_count"] == 1


def test_deleting_an_account_anonymises_comments_withdraws_likes_and_unpublishes(local_api, reader):
    writer = make_user(local_api, "author")
    own = published_article(local_api, writer)
    other = published_article(local_api, make_user(local_api, "author"))
    said = comment(local_api, writer, other["id"], "I was here").json()
    like(local_api, writer, other["id"])

    assert requests.delete(f"{local_api}/me", headers=writer.auth, timeout=30).status_code == 204
    shown = threads(local_api, other["id"])["items"][0]
    assert shown["id"] == said["id"]
    assert shown["author"] == "[deleted]"
    assert get(local_api, other["slug"]).json()["like_count"] == 0
    assert get(local_api, own["slug"]).status_code == 404


def test_comment_pages_follow_the_cursor_and_unknown_articles_are_404(local_api, author, reader):
    article = published_article(local_api, author)
    ids = [comment(local_api, reader, article["id"], f"c{i}").json()["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        page = threads(local_api, article["id"], limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids
    missing = requests.get(f"{local_api}/articles/nope/comments", timeout=30)
    assert missing.status_code == 404
    draft = create(local_api, author)
    assert (
        requests.get(f"{local_api}/articles/{draft['id']}/comments", timeout=30).status_code == 404
    )


@pytest.mark.parametrize(
    ("withdraw", "expected"),
    [(lambda base, user, a: requests.delete(f"{base}/articles/{a}", headers=user.auth, timeout=30),
      204),
     (lambda base, user, a: requests.post(
         f"{base}/articles/{a}/unpublish", headers=user.auth, timeout=30), 200)],
    ids=["deleted", "unpublished"],
)  # fmt: skip
def test_a_withdrawn_articles_comments_are_not_listed_with_or_without_an_earlier_cursor(
    local_api, author, reader, withdraw, expected
):
    article = published_article(local_api, author)
    for i in range(3):
        assert comment(local_api, reader, article["id"], f"Withdrawn {i}").status_code == 201
    first = threads(local_api, article["id"], limit=1)
    assert first["next_cursor"]
    assert withdraw(local_api, author, article["id"]).status_code == expected
    for params in ({"limit": 1, "cursor": first["next_cursor"]}, {"limit": 1}):
        response = requests.get(
            f"{local_api}/articles/{article['id']}/comments", params=params, timeout=30
        )
        assert response.status_code == 404, (params, response.text)
        assert "Withdrawn" not in response.text
