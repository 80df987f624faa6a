"""The authorization matrix: for every route of the template, the request each role makes and the
status each role must get (tests/integration/test_authorization_matrix.py asserts it over HTTP;
test_least_privilege.py replays its requests)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import requests

from tests.support.article_helpers import comment, create, published_article
from tests.support.content_keys import make_room
from tests.support.identity_helpers import PASSWORD, User, make_user, sign_up

ROLES = ("anonymous", "reader", "author", "editor", "admin", "stranger")


@dataclass
class Call:
    method: str
    path: str
    json: object | None = None
    headers: dict[str, str] | None = None
    data: str | None = None
    """A form body (application/x-www-form-urlencoded), sent instead of ``json``."""


# A case builds the request for a caller (None when anonymous); `owner` is the user who owns
# the resource involved (for `stranger` it is someone else).
Case = Callable[[str, "User | None", "User"], Call]


def _fresh_signup(base: str, _caller: User | None, _owner: User) -> Call:
    name = "m" + uuid.uuid4().hex[:12]
    body = {
        "username": name,
        "email": f"{name}@example.com",
        "password": PASSWORD,
        "display_name": "M",
    }
    return Call("POST", "/auth/signup", body)


def _confirm_pending(base: str, _caller: User | None, _owner: User) -> Call:
    name, _ = sign_up(base)
    return Call("POST", "/auth/confirm", {"username": name, "code": "123456"})


def _login(base: str, _caller: User | None, owner: User) -> Call:
    return Call("POST", "/auth/login", {"login": owner.username, "password": PASSWORD})


def _refresh(base: str, _caller: User | None, owner: User) -> Call:
    return Call(
        "POST", "/auth/refresh", {"username": owner.username, "refresh_token": owner.refresh_token}
    )


def _simple(method: str, path: str, body: object | None = None) -> Case:
    return lambda base, caller, owner: Call(method, path, body)


def _this_month_sitemap(base: str, _caller: User | None, _owner: User) -> Call:
    return Call("GET", f"/sitemaps/{datetime.now(UTC):%Y-%m}.xml")


def _author_profile(base: str, _caller: User | None, owner: User) -> Call:
    return Call("GET", f"/authors/{owner.username}")


def _set_role(base: str, _caller: User | None, owner: User) -> Call:
    return Call("PUT", f"/users/{owner.username}/role", {"role": "author"})


def _replace_site(base: str, _caller: User | None, _owner: User) -> Call:
    etag = requests.get(f"{base}/site", timeout=30).headers["ETag"]
    return Call("PUT", "/site", {"title": "Matrix"}, headers={"If-Match": etag})


@cache
def _keys_admin(base: str) -> User:
    return make_user(base, "admin")


def _new_key(base: str, _caller: User | None, _owner: User) -> Call:
    make_room()
    return Call("POST", "/content-keys", {"name": "Matrix"})


def _revoke_key(base: str, _caller: User | None, _owner: User) -> Call:
    make_room()
    admin = _keys_admin(base)
    created = requests.post(
        f"{base}/content-keys", json={"name": "Matrix"}, headers=admin.auth, timeout=30
    )
    assert created.status_code == 201, created.text
    return Call("DELETE", f"/content-keys/{created.json()['id']}")


def _new_article(base: str, _caller: User | None, _owner: User) -> Call:
    return Call("POST", "/articles", {"title": "Matrix", "body": "text", "tags": ["matrix"]})


def _on_draft(
    method: str, suffix: str = "", body: object | None = None, etag: bool = False
) -> Case:
    def case(base: str, caller: User | None, owner: User) -> Call:
        article = create(base, owner)
        call = Call(method, f"/articles/{article['id']}{suffix}", body)
        call.headers = {"If-Match": article["etag"]} if etag else {}
        return call

    return case


def _on_published(
    method: str, suffix: str = "", body: object | None = None, etag: bool = False
) -> Case:
    def case(base: str, caller: User | None, owner: User) -> Call:
        article = published_article(base, owner, tags=["matrix"], series="Matrix series")
        call = Call(method, f"/articles/{article['id']}{suffix}", body)
        call.headers = {"If-Match": article["etag"]} if etag else {}
        return call

    return case


def _published_by_slug(base: str, _caller: User | None, owner: User) -> Call:
    return Call("GET", f"/articles/{published_article(base, owner)['slug']}")


def _series(base: str, _caller: User | None, owner: User) -> Call:
    article = published_article(base, owner, series=f"Series {uuid.uuid4().hex[:6]}")
    return Call("GET", f"/series/{article['series']['id']}")


def _tag(base: str, _caller: User | None, owner: User) -> Call:
    published_article(base, owner, tags=["matrixtag"])
    return Call("GET", "/tags/matrixtag")


def _on_comment(method: str, suffix: str = "") -> Case:
    def case(base: str, _caller: User | None, owner: User) -> Call:
        made = comment(base, owner, published_article(base, owner), "matrix")
        return Call(method, f"/comments/{made['id']}{suffix}")

    return case


def _unsubscribe(method: str) -> Case:
    def case(base: str, _caller: User | None, owner: User) -> Call:
        from byline.secrets import signing_key
        from byline.services import unsubscribe_tokens

        token = unsubscribe_tokens.issue(signing_key("unsubscribe"), owner.username)
        return Call(method, f"/unsubscribe?token={token}")

    return case


def _preferences(method: str) -> Case:
    def case(base: str, _caller: User | None, owner: User) -> Call:
        from urllib.parse import urlencode

        from byline.secrets import signing_key
        from byline.services import unsubscribe_tokens
        from byline.services.preferences import FORM_PURPOSE, form_check

        token = unsubscribe_tokens.issue(
            signing_key("unsubscribe"), owner.username, unsubscribe_tokens.PREFERENCES
        )
        if method == "GET":
            return Call(method, f"/preferences?token={token}")
        check = form_check(signing_key(FORM_PURPOSE), owner.username, "schedule")
        form = {"action": "schedule", "check": check, "cadence": "daily", "hour": "8"}
        return Call(
            method,
            f"/preferences?token={token}",
            data=urlencode({**form, "timezone": "UTC"}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    return case


def _view_digest(base: str, _caller: User | None, owner: User) -> Call:
    from byline.secrets import signing_key
    from byline.services import unsubscribe_tokens

    token = unsubscribe_tokens.issue(
        signing_key("unsubscribe"), owner.username, unsubscribe_tokens.VIEW
    )
    return Call("GET", f"/digests/2030-01-01?token={token}")  # the token decides, not the caller


def _own_digest(base: str, caller: User | None, _owner: User) -> Call:
    return Call("GET", "/me/digests/2030-01-01")


def _follow_author(method: str) -> Case:
    return lambda base, caller, owner: Call(method, f"/me/follows/authors/{owner.username}")


OK_ALL = dict.fromkeys(ROLES, 200)
LINK_PAGES = {
    ("get", "/digests/{period}"),
    ("get", "/unsubscribe"),
    ("post", "/unsubscribe"),
    ("get", "/preferences"),
    ("post", "/preferences"),
}
"""Routes a person opens from an email: they refuse with a readable page (byline.http.pages)."""


def signed_in(status: int) -> dict[str, int]:
    return {"anonymous": 401, **dict.fromkeys(ROLES[1:], status)}


MATRIX: dict[tuple[str, str], tuple[Case, dict[str, int]]] = {
    ("get", "/health"): (_simple("GET", "/health"), OK_ALL),
    ("get", "/openapi.json"): (_simple("GET", "/openapi.json"), OK_ALL),
    ("get", "/session"): (_simple("GET", "/session"), signed_in(200)),
    ("post", "/auth/signup"): (_fresh_signup, dict.fromkeys(ROLES, 201)),
    ("post", "/auth/confirm"): (_confirm_pending, dict.fromkeys(ROLES, 204)),
    ("post", "/auth/login"): (_login, OK_ALL),
    ("post", "/auth/refresh"): (_refresh, OK_ALL),
    ("post", "/auth/logout"): (_simple("POST", "/auth/logout"), signed_in(204)),
    ("get", "/me"): (_simple("GET", "/me"), signed_in(200)),
    ("patch", "/me"): (_simple("PATCH", "/me", {"bio": "matrix"}), signed_in(200)),
    ("delete", "/me"): (_simple("DELETE", "/me"), signed_in(204)),
    ("get", "/authors/{username}"): (_author_profile, OK_ALL),
    ("post", "/articles"): (_new_article, {**signed_in(201), "reader": 403}),
    ("get", "/articles"): (_simple("GET", "/articles"), OK_ALL),
    ("get", "/articles/{article}"): (_published_by_slug, OK_ALL),
    ("get", "/articles/{article}/draft"): (
        _on_draft("GET", "/draft"),
        {**signed_in(200), "reader": 404, "stranger": 404},
    ),
    ("patch", "/articles/{article}"): (
        _on_published("PATCH", "", {"subtitle": "matrix"}, etag=True),
        {**signed_in(200), "reader": 403, "stranger": 403},
    ),
    ("delete", "/articles/{article}"): (
        _on_published("DELETE"),
        {**signed_in(204), "reader": 403, "stranger": 403},
    ),
    ("post", "/articles/{article}/publish"): (
        _on_draft("POST", "/publish", {}),
        {**signed_in(200), "reader": 404, "stranger": 404},
    ),
    ("post", "/articles/{article}/unpublish"): (
        _on_published("POST", "/unpublish"),
        {**signed_in(200), "reader": 403, "stranger": 403},
    ),
    ("get", "/articles/{article}/comments"): (_on_published("GET", "/comments"), OK_ALL),
    ("post", "/articles/{article}/comments"): (
        _on_published("POST", "/comments", {"body": "matrix"}),
        signed_in(201),
    ),
    ("delete", "/comments/{comment}"): (
        _on_comment("DELETE"),
        {**signed_in(204), "reader": 403, "stranger": 403},
    ),
    ("post", "/comments/{comment}/hide"): (
        _on_comment("POST", "/hide"),
        {
            "anonymous": 401,
            "reader": 403,
            "author": 403,
            "editor": 200,
            "admin": 200,
            "stranger": 403,
        },
    ),
    ("put", "/articles/{article}/like"): (_on_published("PUT", "/like"), signed_in(200)),
    ("delete", "/articles/{article}/like"): (_on_published("DELETE", "/like"), signed_in(200)),
    ("get", "/me/subscription"): (_simple("GET", "/me/subscription"), signed_in(200)),
    ("put", "/me/subscription"): (
        _simple("PUT", "/me/subscription", {"cadence": "daily", "hour": 8, "timezone": "UTC"}),
        signed_in(200),
    ),
    ("put", "/me/follows/tags/{tag}"): (_simple("PUT", "/me/follows/tags/matrix"), signed_in(200)),
    ("delete", "/me/follows/tags/{tag}"): (
        _simple("DELETE", "/me/follows/tags/matrix"),
        signed_in(200),
    ),
    ("put", "/me/follows/authors/{username}"): (
        _follow_author("PUT"),
        {**signed_in(200), "author": 400},  # an author's "owner" is themself: no self-follow
    ),
    ("delete", "/me/follows/authors/{username}"): (_follow_author("DELETE"), signed_in(200)),
    ("get", "/me/follows"): (_simple("GET", "/me/follows"), signed_in(200)),
    ("get", "/me/digest/preview"): (_simple("GET", "/me/digest/preview"), signed_in(200)),
    ("get", "/me/digests"): (_simple("GET", "/me/digests"), signed_in(200)),
    ("get", "/me/digests/{period}"): (_own_digest, signed_in(404)),
    ("get", "/digests/{period}"): (_view_digest, dict.fromkeys(ROLES, 404)),
    ("get", "/unsubscribe"): (_unsubscribe("GET"), OK_ALL),
    ("post", "/unsubscribe"): (_unsubscribe("POST"), OK_ALL),
    ("get", "/preferences"): (_preferences("GET"), OK_ALL),
    # the 303 is followed to the page
    ("post", "/preferences"): (_preferences("POST"), OK_ALL),
    ("get", "/me/articles"): (_simple("GET", "/me/articles"), signed_in(200)),
    ("get", "/series/{series}"): (_series, OK_ALL),
    ("get", "/tags"): (_simple("GET", "/tags"), OK_ALL),
    ("get", "/tags/{tag}"): (_tag, OK_ALL),
    ("get", "/feed.xml"): (_simple("GET", "/feed.xml"), OK_ALL),
    ("get", "/tags/{tag}/feed.xml"): (_simple("GET", "/tags/matrixtag/feed.xml"), OK_ALL),
    ("get", "/sitemap.xml"): (_simple("GET", "/sitemap.xml"), OK_ALL),
    ("get", "/sitemaps/{month}"): (_this_month_sitemap, OK_ALL),
    ("post", "/media"): (
        _simple("POST", "/media", {"content_type": "image/png", "size": 1024}),
        {**signed_in(201), "reader": 403},
    ),
    ("get", "/site"): (_simple("GET", "/site"), OK_ALL),
    # the Content API answers to a key in ?key=, never to a token: 403 without one (Ghost's)
    ("get", "/ghost/api/{path+}"): (
        _simple("GET", "/ghost/api/content/posts/"),
        dict.fromkeys(ROLES, 403),
    ),
    ("put", "/site"): (
        _replace_site,
        {
            "anonymous": 401,
            "reader": 403,
            "author": 403,
            "editor": 403,
            "admin": 200,
            "stranger": 403,
        },
    ),
    ("put", "/users/{username}/role"): (
        _set_role,
        {
            "anonymous": 401,
            "reader": 403,
            "author": 403,
            "editor": 403,
            "admin": 200,
            "stranger": 403,
        },
    ),
    ("post", "/content-keys"): (
        _new_key,
        {**signed_in(403), "admin": 201},
    ),
    ("get", "/content-keys"): (_simple("GET", "/content-keys"), {**signed_in(403), "admin": 200}),
    ("delete", "/content-keys/{key_id}"): (_revoke_key, {**signed_in(403), "admin": 204}),
}
