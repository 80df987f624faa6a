"""The write cases of the fault-injection tests (tests/integration/test_faults.py): each write
route's request built against a world of users and articles, its proxy event, and how the
table's changes are tracked; tests/integration/test_least_privilege.py replays the same
requests."""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from tests.support.article_helpers import create, published_article
from tests.support.identity_helpers import PASSWORD, User, make_user
from tests.support.template_routes import api_routes

ROOT = Path(__file__).resolve().parents[2]
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")
THROTTLES = ("ThrottlingException", "ProvisionedThroughputExceededException")


# -- requests and the handlers that answer them -------------------------------------------------
@dataclass
class Request:
    method: str
    resource: str
    params: dict[str, str] = field(default_factory=dict)
    user: User | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    source_ip: str = field(
        # a client of its own: no per-IP counter (failed logins) carries over between runs
        default_factory=lambda: "127." + ".".join(str(b) for b in uuid.uuid4().bytes[:3])
    )


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any

    def is_problem(self, status: int | None = None) -> bool:
        ok = (
            self.headers.get("content-type") == "application/problem+json"
            and isinstance(self.body, dict)
            and {"type", "title", "status", "detail"} <= self.body.keys()
            and self.body["status"] == self.status
        )
        return ok and (status is None or self.status == status)

    def is_page(self, status: int) -> bool:
        """An HTML error page (the routes a browser opens from an email answer with one)."""
        return (
            self.status == status
            and str(self.headers.get("content-type", "")).startswith("text/html")
            and "<html" in str(self.body)
        )


def route_functions() -> dict[tuple[str, str], str]:
    return api_routes()


def proxy_event(request: Request) -> dict[str, Any]:
    import jwt

    from local.events import HttpRequest, RouteMatch, api_gateway_proxy_event, api_id_for
    from local.jwt_verify import apigw_claims

    path = request.resource
    for name, value in request.params.items():
        path = path.replace(f"{{{name}}}", value).replace(f"{{{name}+}}", value)
    headers = [("Host", "api.byline.test"), ("Accept", "application/json")]
    headers += list(request.headers.items())
    body = b""
    if isinstance(request.body, bytes):  # a form: its Content-Type is in the headers
        body = request.body
    elif request.body is not None:
        body = json.dumps(request.body).encode()
        headers.append(("Content-Type", "application/json"))
    claims = None
    if request.user is not None:
        token = jwt.decode(request.user.id_token, options={"verify_signature": False})
        claims = apigw_claims(token)
    return api_gateway_proxy_event(
        HttpRequest(
            request.method, path, urlencode(request.query), headers, body, request.source_ip
        ),
        RouteMatch(request.resource, request.params),
        stage="test",
        api_id=api_id_for("faults"),
        claims=claims,
    )


def answer(raw: dict[str, Any]) -> Answer:
    headers = {k.lower(): str(v) for k, v in (raw.get("headers") or {}).items()}
    for key, values in (raw.get("multiValueHeaders") or {}).items():
        headers[key.lower()] = str(values[-1])
    text = raw.get("body") or ""
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = text
    return Answer(int(raw["statusCode"]), headers, body)


# -- what a request changed ---------------------------------------------------------------------
def _keys_written(operation: str, params: dict[str, Any], table: str) -> list[tuple[str, str]]:
    def key(attributes: dict[str, Any]) -> tuple[str, str]:
        return (attributes["PK"]["S"], attributes["SK"]["S"])

    if operation == "PutItem":
        return [key(params["Item"])]
    if operation in {"UpdateItem", "DeleteItem"}:
        return [key(params["Key"])]
    if operation == "TransactWriteItems":
        found = []
        for item in params["TransactItems"]:
            for kind, body in item.items():
                if kind == "Put":
                    found.append(key(body["Item"]))
                elif kind in {"Update", "Delete"}:
                    found.append(key(body["Key"]))
        return found
    if operation == "BatchWriteItem":
        found = []
        for entry in params["RequestItems"].get(table, []):
            if "PutRequest" in entry:
                found.append(key(entry["PutRequest"]["Item"]))
            else:
                found.append(key(entry["DeleteRequest"]["Key"]))
        return found
    return []


def _prefix(value: str) -> str:
    """``TAG#python`` -> ``TAG#``, ``PROFILE`` -> ``PROFILE``, ``2026-11-25T...#id`` -> ``*``."""
    head = value.split("#", 1)[0]
    if not head.replace("_", "").isalpha() or not head.isupper():
        return "*"
    return head + "#" if "#" in value else head


@dataclass
class Changes:
    """Every table item a write of this block aimed at, with its value before."""

    table: str
    reader: Any
    before: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)
    writes: Counter[str] = field(default_factory=Counter)

    def remember(self, keys: list[tuple[str, str]]) -> None:
        for key in keys:
            if key not in self.before:
                self.before[key] = self._read(key)

    def _read(self, key: tuple[str, str]) -> dict[str, Any] | None:
        item = self.reader.get_item(
            TableName=self.table,
            Key={"PK": {"S": key[0]}, "SK": {"S": key[1]}},
            ConsistentRead=True,
        ).get("Item")
        return dict(item) if item else None

    def diff(self) -> Counter[str]:
        """What changed, by shape: ``"ARTICLE#|ARTICLE changed"`` and the like."""
        shapes: Counter[str] = Counter()
        for key, old in self.before.items():
            new = self._read(key)
            if old == new:
                continue
            kind = "added" if old is None else "removed" if new is None else "changed"
            shapes[f"{_prefix(key[0])}|{_prefix(key[1])} {kind}"] += 1
        return shapes


@contextmanager
def tracking(table: str) -> Iterator[Changes]:
    from botocore.client import BaseClient

    changes = Changes(table, reader=_plain_dynamodb())
    original = BaseClient._make_api_call
    lock = threading.Lock()

    def tracked(self: Any, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb" and operation in WRITES:
            with lock:
                changes.writes[operation] += 1
                changes.remember(_keys_written(operation, params, table))
        return original(self, operation, params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", tracked)
        yield changes


@cache
def _plain_dynamodb() -> Any:
    import boto3

    from byline.settings import get_settings

    return boto3.session.Session().client(
        "dynamodb", region_name="us-east-1", endpoint_url=get_settings().aws_endpoint_url
    )


# -- the write routes ---------------------------------------------------------------------------
class World:
    """Fresh data for each run, made through the API like a client would."""

    def __init__(self, base: str) -> None:
        self.base = base
        self._users: dict[str, User] = {}

    def user(self, role: str = "author") -> User:
        return make_user(self.base, role)

    def shared(self, role: str) -> User:
        if role not in self._users:
            self._users[role] = make_user(self.base, role)
        return self._users[role]

    def comment(self, user: User, article: dict[str, Any]) -> dict[str, Any]:
        from tests.support.article_helpers import comment

        return comment(self.base, user, article)

    def put(self, user: User, path: str, body: Any = None) -> None:
        response = requests.put(f"{self.base}{path}", json=body, headers=user.auth, timeout=30)
        assert response.status_code == 200, response.text


def _signup(w: World) -> Request:
    name = "f" + uuid.uuid4().hex[:12]
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    return Request("POST", "/auth/signup", body={**body, "display_name": name})


def _confirm(w: World) -> Request:
    from tests.support.identity_helpers import sign_up

    name, _ = sign_up(w.base)
    return Request("POST", "/auth/confirm", body={"username": name, "code": "123456"})


def _wrong_password(w: World) -> Request:
    user = w.user("reader")
    return Request("POST", "/auth/login", body={"login": user.username, "password": "Wrong-42xx"})


def _unique(prefix: str) -> str:
    """Names of their own for each run, so no run finds a slug, tag or series another made."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def _article_create(w: World) -> Request:
    body = {"title": _unique("Faults "), "body": "x", "tags": [_unique("f")]}
    return Request("POST", "/articles", user=w.user(), body=body)


def _article_create_idempotent(w: World) -> Request:
    request = _article_create(w)
    request.headers["Idempotency-Key"] = uuid.uuid4().hex
    return request


def _on_article(
    method: str, suffix: str = "", body: Any = None, *, published: bool = True, etag: bool = False
) -> Callable[[World], Request]:
    def build(w: World) -> Request:
        author = w.user()
        make = published_article if published else create
        article = make(w.base, author, tags=[_unique("f")], series=_unique("Faults "))
        headers = {"If-Match": article["etag"]} if etag else {}
        return Request(
            method,
            f"/articles/{{article}}{suffix}",
            {"article": article["id"]},
            author,
            body,
            headers,
        )

    return build


def _as_reader(method: str, suffix: str, body: Any = None, liked: bool = False) -> Any:
    def build(w: World) -> Request:
        article = published_article(w.base, w.shared("author"), tags=[_unique("f")])
        reader = w.user("reader")
        if liked:
            w.put(reader, f"/articles/{article['id']}/like")
        return Request(
            method, f"/articles/{{article}}{suffix}", {"article": article["id"]}, reader, body
        )

    return build


def _on_comment(method: str, suffix: str = "", role: str = "author") -> Any:
    def build(w: World) -> Request:
        author = w.user()
        comment = w.comment(author, published_article(w.base, author))
        caller = author if role == "author" else w.shared(role)
        return Request(method, f"/comments/{{comment}}{suffix}", {"comment": comment["id"]}, caller)

    return build


def _me(method: str, path: str, body: Any = None, role: str = "reader") -> Any:
    def build(w: World) -> Request:
        return Request(method, path, user=w.user(role), body=body)

    return build


def _unfollow_tag(w: World) -> Request:
    reader = w.user("reader")
    w.put(reader, "/me/follows/tags/faults", {"muted": False})
    return Request("DELETE", "/me/follows/tags/{tag}", {"tag": "faults"}, reader)


def _follow_author(method: str) -> Any:
    def build(w: World) -> Request:
        reader, author = w.user("reader"), w.shared("author")
        if method == "DELETE":
            w.put(reader, f"/me/follows/authors/{author.username}")
        return Request(
            method, "/me/follows/authors/{username}", {"username": author.username}, reader
        )

    return build


def _delete_account(w: World) -> Request:
    reader = w.user("reader")
    article = published_article(w.base, w.shared("author"))
    w.comment(reader, article)
    w.put(reader, f"/articles/{article['id']}/like")
    w.put(reader, "/me/follows/tags/faults", {"muted": False})
    return Request("DELETE", "/me", user=reader)


def _set_role(w: World) -> Request:
    target = w.user("reader")
    return Request(
        "PUT",
        "/users/{username}/role",
        {"username": target.username},
        w.shared("admin"),
        {"role": "author"},
    )


def _replace_site(w: World) -> Request:
    """If-Match ``*`` (any current version): the in-process handler's ETag covers its own
    SITE_URL; If-Match itself is test_site_api.py's business. Saved once before, so that every
    run changes the one item rather than the first one adding it."""
    admin, body, headers = w.shared("admin"), {"title": "Faults"}, {"If-Match": "*"}
    saved = requests.put(f"{w.base}/site", json=body, headers={**admin.auth, **headers}, timeout=30)
    assert saved.status_code == 200, saved.text
    return Request("PUT", "/site", user=admin, body=body, headers=headers)


def _content_key_create(w: World) -> Request:
    from tests.support.content_keys import make_room

    make_room()
    return Request("POST", "/content-keys", user=w.shared("admin"), body={"name": "Faults"})


def _content_key_revoke(w: World) -> Request:
    from tests.support.content_keys import make_room

    make_room()
    admin = w.shared("admin")
    created = requests.post(
        f"{w.base}/content-keys", json={"name": "Faults"}, headers=admin.auth, timeout=30
    )
    assert created.status_code == 201, created.text
    return Request("DELETE", "/content-keys/{key_id}", {"key_id": created.json()["id"]}, admin)


def _unsubscribe(w: World) -> Request:
    from byline.secrets import signing_key
    from byline.services import unsubscribe_tokens

    reader = w.user("reader")
    w.put(reader, "/me/subscription", {"cadence": "daily", "hour": 8, "timezone": "UTC"})
    token = unsubscribe_tokens.issue(signing_key("unsubscribe"), reader.username)
    return Request("POST", "/unsubscribe", query={"token": token})


def _preferences(action: str, **fields: str) -> Any:
    def build(w: World) -> Request:
        from urllib.parse import urlencode

        from byline.secrets import signing_key
        from byline.services import unsubscribe_tokens
        from byline.services.preferences import FORM_PURPOSE, form_check

        reader = w.user("reader")
        w.put(reader, "/me/subscription", {"cadence": "daily", "hour": 8, "timezone": "UTC"})
        w.put(reader, "/me/follows/tags/faults", {"muted": False})
        token = unsubscribe_tokens.issue(
            signing_key("unsubscribe"), reader.username, unsubscribe_tokens.PREFERENCES
        )
        check = form_check(signing_key(FORM_PURPOSE), reader.username, action)
        form = urlencode({"action": action, "check": check, **fields}).encode()
        return Request(
            "POST",
            "/preferences",
            query={"token": token},
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    return build


@dataclass(frozen=True)
class WriteCase:
    label: str
    build: Callable[[World], Request]
    status: int
    resumable: bool = False
    """A sequence of idempotent steps rather than one transaction: after a failure half-way a
    retry must finish the job, and the end state must be that of a run without faults."""
    residue: frozenset[str] = frozenset()
    """Changes a failure half-way may leave, each justified in RESIDUE."""
    refusal_means_done: bool = False
    """A refusal of the transaction's first condition means the change was made before (a
    like that exists, a comment already hidden): 2xx with nothing changed is the right answer."""
    page: bool = False
    """The route answers a browser (a link in an email): its errors are HTML pages."""


RESIDUE = {
    "LOGINFAIL#|LOGINFAIL added": "failed-login counters (per user, per IP) are two throttles "
    "updated one after the other; a 503 between them counts the attempt against one only",
    "IDEMPOTENCY#|* added": "the Idempotency-Key's in-progress record, whose removal failed "
    "too: it holds the key until the invocation's deadline, then a retry runs again",
}
SUBSCRIPTION = {"cadence": "weekly", "weekday": 2, "hour": 7, "timezone": "Europe/Paris"}
CASES = [
    WriteCase("POST /auth/signup", _signup, 201),
    WriteCase("POST /auth/confirm", _confirm, 204),
    WriteCase(
        "POST /auth/login (wrong password)",
        _wrong_password,
        401,
        # a failed login counts against its source's window, then against the login from
        # that source: either count may stand alone (the failure did happen)
        residue=frozenset({"LOGINFAIL#|WINDOW# added", "LOGINFAIL#|SOURCE# added"}),
    ),
    WriteCase("PATCH /me", _me("PATCH", "/me", {"bio": "faults"}), 200),
    WriteCase("DELETE /me", _delete_account, 204, resumable=True, refusal_means_done=True),
    WriteCase("PUT /users/{username}/role", _set_role, 200),
    WriteCase("PUT /site", _replace_site, 200),
    WriteCase("POST /content-keys", _content_key_create, 201),
    WriteCase("DELETE /content-keys/{key_id}", _content_key_revoke, 204),
    WriteCase("POST /articles", _article_create, 201),
    WriteCase(
        "POST /articles (Idempotency-Key)",
        _article_create_idempotent,
        201,
        residue=frozenset({"IDEMPOTENCY#|* added"}),
    ),
    WriteCase(
        "PATCH /articles/{article}",
        _on_article("PATCH", body={"subtitle": "Changed by faults"}, etag=True),
        200,
    ),
    WriteCase(
        "POST /articles/{article}/publish",
        _on_article("POST", "/publish", {}, published=False),
        200,
    ),
    WriteCase("POST /articles/{article}/unpublish", _on_article("POST", "/unpublish"), 200),
    WriteCase("DELETE /articles/{article}", _on_article("DELETE"), 204),
    WriteCase(
        "POST /articles/{article}/comments", _as_reader("POST", "/comments", {"body": "hi"}), 201
    ),
    WriteCase(
        "PUT /articles/{article}/like", _as_reader("PUT", "/like"), 200, refusal_means_done=True
    ),
    WriteCase(
        "DELETE /articles/{article}/like",
        _as_reader("DELETE", "/like", liked=True),
        200,
        refusal_means_done=True,
    ),
    WriteCase("DELETE /comments/{comment}", _on_comment("DELETE"), 204, refusal_means_done=True),
    WriteCase(
        "POST /comments/{comment}/hide",
        _on_comment("POST", "/hide", "editor"),
        200,
        refusal_means_done=True,
    ),
    WriteCase("PUT /me/subscription", _me("PUT", "/me/subscription", SUBSCRIPTION), 200),
    WriteCase(
        "PUT /me/follows/tags/{tag}",
        lambda w: Request(
            "PUT", "/me/follows/tags/{tag}", {"tag": "faults"}, w.user("reader"), {"muted": False}
        ),
        200,
    ),
    WriteCase("DELETE /me/follows/tags/{tag}", _unfollow_tag, 200),
    WriteCase("PUT /me/follows/authors/{username}", _follow_author("PUT"), 200),
    WriteCase("DELETE /me/follows/authors/{username}", _follow_author("DELETE"), 200),
    WriteCase(
        "POST /media",
        _me("POST", "/media", {"content_type": "image/png", "size": 2048}, "author"),
        201,
    ),
    WriteCase("POST /unsubscribe", _unsubscribe, 200, page=True),
    WriteCase(
        "POST /preferences (schedule)",
        _preferences("schedule", cadence="weekly", weekday="2", hour="7", timezone="Europe/Paris"),
        303,
        page=True,
    ),
    WriteCase(
        "POST /preferences (unfollow-tag)",
        _preferences("unfollow-tag", target="faults"),
        303,
        page=True,
    ),
]
