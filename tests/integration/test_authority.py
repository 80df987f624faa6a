"""Authority follows the account as it is stored now, not the token that names it.

Each test keeps a token from before a change to the account (a demotion, a deletion, a
sign-out, a re-created Cognito user) and shows the very next request made with it refused,
over HTTP through the local stack's Cognito authorizer, as an attacker holding that token would
try it.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, datetime

import pytest
import requests

from byline import aws
from byline.auth.principal import Principal
from byline.data import keys
from byline.data.table import put_op, table
from byline.errors import Forbidden
from byline.settings import get_settings
from tests.support.article_helpers import comment, create, published_article
from tests.support.identity_helpers import (
    PASSWORD,
    User,
    confirm,
    log_in,
    make_user,
    set_role,
    sign_up,
)

pytestmark = pytest.mark.integration


def _put_role(base: str, actor: User, username: str, role: str) -> requests.Response:
    return requests.put(
        f"{base}/users/{username}/role", json={"role": role}, headers=actor.auth, timeout=30
    )


def test_a_demoted_admin_cannot_promote_themselves_back_with_their_old_token(local_api):
    other_admin = make_user(local_api, "admin")
    demoted = make_user(local_api, "admin")
    assert _put_role(local_api, other_admin, demoted.username, "reader").status_code == 200

    again = _put_role(local_api, demoted, demoted.username, "admin")

    assert again.status_code == 403
    assert again.headers["Content-Type"] == "application/problem+json"
    profile = table().get(keys.user_profile(demoted.username), consistent=True)
    assert profile is not None
    assert profile["role"] == "reader"
    session = requests.get(f"{local_api}/session", headers=demoted.auth, timeout=30).json()
    assert session["role"] == "reader"


def test_a_demoted_editor_cannot_touch_other_authors_articles_with_their_old_token(local_api):
    author = make_user(local_api, "author")
    editor = make_user(local_api, "editor")
    article = published_article(local_api, author)
    draft = requests.get(
        f"{local_api}/articles/{article['id']}/draft", headers=editor.auth, timeout=30
    )
    assert draft.status_code == 200  # an editor may, while they are one

    set_role(editor.username, "reader")

    edit = requests.patch(
        f"{local_api}/articles/{article['id']}",
        json={"title": "Defaced"},
        headers={**editor.auth, "If-Match": draft.headers["ETag"]},
        timeout=30,
    )
    unpublish = requests.post(
        f"{local_api}/articles/{article['id']}/unpublish", json={}, headers=editor.auth, timeout=30
    )
    assert edit.status_code == 403
    assert unpublish.status_code == 403
    public = requests.get(f"{local_api}/articles/{article['slug']}", timeout=30)
    assert public.status_code == 200
    assert public.json()["title"] == article["title"]


def test_a_promotion_holds_on_the_next_request_without_a_new_token(local_api):
    user = make_user(local_api)
    assert create_status(local_api, user) == 403
    set_role(user.username, "author")
    assert create_status(local_api, user) == 201


def create_status(base: str, user: User) -> int:
    return requests.post(
        f"{base}/articles",
        json={"title": f"Promoted {uuid.uuid4().hex[:6]}", "body": "x"},
        headers=user.auth,
        timeout=30,
    ).status_code


def test_a_deleted_accounts_old_token_can_do_nothing(local_api):
    author = make_user(local_api, "author")
    other = make_user(local_api, "author")
    target = published_article(local_api, other)
    assert requests.delete(f"{local_api}/me", headers=author.auth, timeout=30).status_code == 204

    attempts = {
        "create": requests.post(
            f"{local_api}/articles",
            json={"title": "Ghost", "body": "x"},
            headers=author.auth,
            timeout=30,
        ),
        "comment": requests.post(
            f"{local_api}/articles/{target['id']}/comments",
            json={"body": "from beyond"},
            headers=author.auth,
            timeout=30,
        ),
        "like": requests.put(
            f"{local_api}/articles/{target['id']}/like", headers=author.auth, timeout=30
        ),
        "subscribe": requests.put(
            f"{local_api}/me/subscription",
            json={"cadence": "daily", "hour": 8, "timezone": "UTC"},
            headers=author.auth,
            timeout=30,
        ),
        "follow": requests.put(
            f"{local_api}/me/follows/tags/python", headers=author.auth, timeout=30
        ),
        "me": requests.get(f"{local_api}/me", headers=author.auth, timeout=30),
        "session": requests.get(f"{local_api}/session", headers=author.auth, timeout=30),
    }

    assert {name: r.status_code for name, r in attempts.items()} == dict.fromkeys(attempts, 401)
    assert attempts["me"].headers["Content-Type"] == "application/problem+json"
    after = requests.get(f"{local_api}/articles/{target['slug']}", timeout=30).json()
    assert after["like_count"] == 0
    assert after["comment_count"] == 0
    left = table().query("PK", keys.user_partition(author.username)).items
    assert [item["kind"] for item in left] == ["tombstone"]


def test_a_deleted_username_is_never_issued_again(local_api):
    user = make_user(local_api, "author")
    published_article(local_api, user)
    assert requests.delete(f"{local_api}/me", headers=user.auth, timeout=30).status_code == 204

    again = requests.post(
        f"{local_api}/auth/signup",
        json={
            "username": user.username,
            "email": f"new-{user.email}",
            "password": PASSWORD,
            "display_name": "Newcomer",
        },
        timeout=30,
    )

    assert again.status_code == 409
    assert requests.get(f"{local_api}/authors/{user.username}", timeout=30).status_code == 404
    listed = requests.get(f"{local_api}/articles", params={"author": user.username}, timeout=30)
    assert listed.json()["items"] == []


def test_a_token_of_a_recreated_cognito_user_of_the_same_name_is_refused(local_api):
    """An operator (or anything that reaches Cognito) deleting and re-creating a user by name
    makes a new Cognito user with a new ``sub``; the profile stays bound to the first."""
    user = make_user(local_api, "author")
    pool, cognito = get_settings().user_pool_id, aws.cognito()
    cognito.admin_delete_user(UserPoolId=pool, Username=user.username)
    cognito.admin_create_user(
        UserPoolId=pool,
        Username=user.username,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": user.email}],
    )
    cognito.admin_set_user_password(
        UserPoolId=pool, Username=user.username, Password=PASSWORD, Permanent=True
    )
    token = log_in(local_api, user.username).json()["id_token"]

    response = requests.get(
        f"{local_api}/me", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )

    assert response.status_code == 401
    assert requests.get(f"{local_api}/me", headers=user.auth, timeout=30).status_code == 200


def test_an_id_token_stops_working_at_log_out_and_a_new_login_works(local_api):
    user = make_user(local_api)
    assert requests.get(f"{local_api}/me", headers=user.auth, timeout=30).status_code == 200

    out = requests.post(f"{local_api}/auth/logout", headers=user.auth, timeout=30)

    assert out.status_code == 204
    assert requests.get(f"{local_api}/me", headers=user.auth, timeout=30).status_code == 401
    refreshed = requests.post(
        f"{local_api}/auth/refresh",
        json={"username": user.username, "refresh_token": user.refresh_token},
        timeout=30,
    )
    assert refreshed.status_code == 401
    fresh = log_in(local_api, user.username).json()["id_token"]
    me = requests.get(f"{local_api}/me", headers={"Authorization": f"Bearer {fresh}"}, timeout=30)
    assert me.status_code == 200


def test_the_pseudonym_of_a_deleted_author_is_not_derived_from_the_username(local_api):
    user = make_user(local_api, "author")
    article = create(local_api, user)
    assert requests.delete(f"{local_api}/me", headers=user.auth, timeout=30).status_code == 204

    stored = table().get(keys.article(article["id"]), consistent=True)

    assert stored is not None
    pseudonym = stored["author"]
    assert re.fullmatch(r"former-[0-9a-f]{12}", pseudonym)
    for digest in (hashlib.sha256, hashlib.md5, hashlib.sha1):
        assert pseudonym.removeprefix("former-") not in digest(user.username.encode()).hexdigest()
    assert user.username not in pseudonym


def test_an_unconfirmed_account_has_no_authority(local_api):
    username, _ = sign_up(local_api)
    confirm(local_api, username)
    token = log_in(local_api, username).json()["id_token"]
    table().update(keys.user_profile(username), "SET confirmed = :no", values={":no": False})

    response = requests.get(
        f"{local_api}/me", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )

    assert response.status_code == 401


def test_account_deletion_touches_only_the_accounts_own_email_claim(local_api):
    """A token's email claim names no record to delete: only the stored profile's does."""
    from byline.services.accounts import accounts

    victim = make_user(local_api)
    user = make_user(local_api)
    forged = Principal(username=user.username, sub="x", email=victim.email, groups=("reader",))

    accounts().delete_account(forged)

    assert table().get(keys.email_claim(victim.email), consistent=True) is not None
    assert table().get(keys.email_claim(user.email), consistent=True) is None
    assert log_in(local_api, victim.username).status_code == 200


def test_a_deletion_that_stopped_halfway_is_finished_with_the_same_token(local_api):
    user = make_user(local_api, "author")
    published_article(local_api, user)
    from byline.data.users import Users

    Users(table()).begin_deletion(user.username, "former-000000000000")  # stopped after this
    assert requests.get(f"{local_api}/me", headers=user.auth, timeout=30).status_code == 401

    finished = requests.delete(f"{local_api}/me", headers=user.auth, timeout=30)

    assert finished.status_code == 204
    listed = requests.get(f"{local_api}/articles", params={"author": user.username}, timeout=30)
    assert listed.json()["items"] == []
    assert table().get(keys.user_profile(user.username), consistent=True)["kind"] == "tombstone"


def test_comments_by_a_deleted_account_stay_anonymous(local_api):
    author = make_user(local_api, "author")
    commenter = make_user(local_api)
    article = published_article(local_api, author)
    comment(local_api, commenter, article, body="soon gone")
    assert requests.delete(f"{local_api}/me", headers=commenter.auth, timeout=30).status_code == 204

    listed = requests.get(f"{local_api}/articles/{article['id']}/comments", timeout=30).json()

    assert listed["items"]
    assert all(c["author"] != commenter.username for c in listed["items"])


def _claims_of(user: User, role: str) -> Principal:
    """The principal the token of ``user`` names, claiming ``role``, issued now."""
    profile = table().get(keys.user_profile(user.username), consistent=True)
    assert profile is not None
    return Principal(
        username=user.username, sub=profile["sub"], groups=(role,), issued_at=datetime.now(UTC)
    )


def test_a_demotion_between_the_decision_and_the_write_is_caught_by_the_transaction(local_api):
    """The account check rides in the write's own transaction: a demotion that lands after
    the service decided, but before it wrote, cancels the write, and the request is decided
    again with the role stored now."""
    from byline.services.authority import authority

    editor = make_user(local_api, "editor")
    marker = {"PK": f"TEST#{uuid.uuid4().hex}", "SK": "MARK"}
    roles_seen: list[str] = []

    def use(who: Principal) -> str:
        roles_seen.append(who.role.name)
        if who.role.name == "editor":
            set_role(editor.username, "reader")  # after the decision, before the write
        table().transact([put_op({**marker, "by": who.role.name})])
        return who.role.name

    assert authority().act(_claims_of(editor, "editor"), use) == "reader"
    assert roles_seen == ["editor", "reader"]
    stored = table().get(marker, consistent=True)
    assert stored is not None
    assert stored["by"] == "reader"  # the write made as an editor never landed


def test_a_write_whose_transaction_carries_the_check_reads_no_profile(local_api, monkeypatch):
    from byline.services.authority import authority

    author = make_user(local_api, "author")
    claims = _claims_of(author, "author")
    marker = {"PK": f"TEST#{uuid.uuid4().hex}", "SK": "MARK"}
    service = authority()
    monkeypatch.setattr(service.users, "get", lambda *a, **k: pytest.fail("read the profile"))

    assert service.act(claims, lambda who: table().transact([put_op(marker)]) or who.role.name) == (
        "author"
    )
    assert table().get(marker, consistent=True) is not None


def test_an_admin_demoted_while_their_request_runs_cannot_promote_themselves_back(local_api):
    """The race an attacker wins without the check: their request passes the authority read as
    an admin, the demotion lands, then their own role change would write 'admin' back."""
    from byline.models.identity import RoleChange
    from byline.services.accounts import accounts
    from byline.services.authority import authority

    admin = make_user(local_api, "admin")
    seen_as_admin = authority().current(_claims_of(admin, "admin"))
    assert seen_as_admin.role.name == "admin"
    set_role(admin.username, "reader")  # another admin demotes them, at that moment

    with pytest.raises(Forbidden):
        accounts().set_role(seen_as_admin, admin.username, RoleChange(role="admin"))

    profile = table().get(keys.user_profile(admin.username), consistent=True)
    assert profile is not None
    assert profile["role"] == "reader"


def test_an_admin_demoted_while_their_request_runs_cannot_promote_someone_else(local_api):
    from byline.models.identity import RoleChange
    from byline.services.accounts import accounts
    from byline.services.authority import authority

    admin, accomplice = make_user(local_api, "admin"), make_user(local_api)
    seen_as_admin = authority().current(_claims_of(admin, "admin"))
    set_role(admin.username, "reader")

    with pytest.raises(Forbidden):
        accounts().set_role(seen_as_admin, accomplice.username, RoleChange(role="admin"))

    assert table().get(keys.user_profile(accomplice.username), consistent=True)["role"] == "reader"


def test_a_pending_sign_up_cannot_be_given_a_role(local_api):
    admin = make_user(local_api, "admin")
    username, _ = sign_up(local_api)

    response = _put_role(local_api, admin, username, "admin")

    assert response.status_code == 404
    assert table().get(keys.user_profile(username), consistent=True)["role"] == "reader"


def test_a_token_signed_with_motos_packaged_key_is_refused(local_api):
    """moto signs with a private key that ships in its package; the local stack's emulated
    Cognito signs with a key of its own, so nobody can mint tokens for the local stack."""
    import gzip
    import importlib.resources
    import json

    import jwt

    user = make_user(local_api)
    claims = jwt.decode(user.id_token, options={"verify_signature": False})
    resources = importlib.resources.files("moto.cognitoidp") / "resources"
    packaged = next(p for p in resources.iterdir() if p.name.startswith("jwks-private.json"))
    raw = packaged.read_bytes()
    jwk = json.loads(gzip.decompress(raw) if packaged.name.endswith(".gz") else raw)
    key = jwt.PyJWK(jwk.get("keys", [jwk])[0], algorithm="RS256")
    forged = jwt.encode(claims, key.key, algorithm="RS256", headers={"kid": "dummy"})

    response = requests.get(
        f"{local_api}/me", headers={"Authorization": f"Bearer {forged}"}, timeout=30
    )

    assert response.status_code == 401


@pytest.mark.slow
def test_writes_racing_the_deletion_of_their_account_leave_nothing_under_its_name(local_api):
    """Comments, likes and articles sent with the token while DELETE /me runs: each either
    lands before the deletion (and is anonymised, withdrawn or unpublished by it) or is refused;
    none is left naming the deleted account."""
    from concurrent.futures import ThreadPoolExecutor

    user = make_user(local_api, "author")
    other = make_user(local_api, "author")
    target = published_article(local_api, other)

    def write(i: int) -> int:
        if i % 3 == 0:
            return requests.post(
                f"{local_api}/articles/{target['id']}/comments",
                json={"body": f"racing {i}"},
                headers=user.auth,
                timeout=60,
            ).status_code
        if i % 3 == 1:
            return requests.put(
                f"{local_api}/articles/{target['id']}/like", headers=user.auth, timeout=60
            ).status_code
        return requests.post(
            f"{local_api}/articles",
            json={"title": f"Racing {i} {uuid.uuid4().hex[:6]}", "body": "x"},
            headers=user.auth,
            timeout=60,
        ).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        writes = [pool.submit(write, i) for i in range(12)]
        deleted = pool.submit(
            requests.delete, f"{local_api}/me", headers=user.auth, timeout=60
        ).result()
        statuses = [w.result() for w in writes]

    assert deleted.status_code == 204
    assert set(statuses) <= {200, 201, 401}
    left = table().query("GSI2PK", f"COMMENTER#{user.username}", index="GSI2").items
    assert left == []
    assert table().query("GSI2PK", f"LIKER#{user.username}", index="GSI2").items == []
    listed = requests.get(f"{local_api}/articles", params={"author": user.username}, timeout=30)
    assert listed.json()["items"] == []
    mine = table().query("GSI3PK", keys.author_articles(user.username), index="GSI3").items
    assert mine == []
    after = requests.get(f"{local_api}/articles/{target['slug']}", timeout=30).json()
    assert after["like_count"] == 0
