"""Identity over HTTP through the local stack: the curl session of the README, and more."""

import uuid

import pytest
import requests

from byline import aws
from byline.settings import get_settings
from local.moto_server import SENT_EMAILS_PATH
from tests.support.identity_helpers import (
    PASSWORD,
    client_from,
    confirm,
    log_in,
    make_user,
    sign_up,
)

pytestmark = pytest.mark.integration


def test_sign_up_confirm_log_in_me_refresh_log_out_then_refresh_is_refused(local_api):
    username, email = sign_up(local_api)
    assert log_in(local_api, username).status_code == 403  # not confirmed yet
    confirm(local_api, username)

    tokens = log_in(local_api, username).json()
    assert {"id_token", "refresh_token", "expires_in"} <= tokens.keys()
    # Cognito's access token would let its holder call Cognito's user APIs directly
    # (UpdateUserAttributes, DeleteUser), around the API; the API never needs it
    assert "access_token" not in tokens
    assert tokens["username"] == username
    bearer = {"Authorization": f"Bearer {tokens['id_token']}"}

    me = requests.get(f"{local_api}/me", headers=bearer, timeout=30)
    assert me.status_code == 200
    assert me.json()["username"] == username
    assert me.json()["email"] == email
    assert me.json()["role"] == "reader"

    refreshed = requests.post(
        f"{local_api}/auth/refresh",
        json={"username": username, "refresh_token": tokens["refresh_token"]},
        timeout=30,
    )
    assert refreshed.status_code == 200
    assert refreshed.json()["id_token"]

    assert requests.post(f"{local_api}/auth/logout", headers=bearer, timeout=30).status_code == 204
    revoked = requests.post(
        f"{local_api}/auth/refresh",
        json={"username": username, "refresh_token": tokens["refresh_token"]},
        timeout=30,
    )
    assert revoked.status_code == 401
    assert revoked.headers["Content-Type"] == "application/problem+json"


def test_login_by_email_works(local_api):
    user = make_user(local_api)
    assert log_in(local_api, user.email.upper()).status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_answer(local_api):
    user = make_user(local_api)
    wrong = log_in(local_api, user.username, "Wrong-pass-99")
    unknown = log_in(local_api, "nobody_" + user.username, "Wrong-pass-99")
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda body: {k: v for k, v in body.items() if k != "instance"}  # noqa: E731
    assert strip(wrong.json()) == strip(unknown.json())


def test_fifty_wrong_passwords_from_one_address_slow_it_down_but_never_keep_the_owner_out(
    local_api, demo_users
):
    right = {u.username: u.password for u in demo_users}["author"]
    attacker = client_from()
    statuses = [log_in(local_api, "author", "Wrong-pass-99", attacker) for _ in range(50)]
    assert [r.status_code for r in statuses[:6]] == [401] * 6
    assert {r.status_code for r in statuses[6:]} == {429}
    throttled = statuses[-1]
    assert int(throttled.headers["Retry-After"]) > 0
    assert throttled.headers["Content-Type"] == "application/problem+json"
    assert log_in(local_api, "author", right, attacker).status_code == 429  # even when right
    assert log_in(local_api, "author", right, client_from()).status_code == 200


def test_many_people_behind_one_address_each_with_a_few_typos_are_not_held_up(local_api):
    office = client_from()
    people = [make_user(local_api) for _ in range(2)]
    typists = [p.username for p in people] + [
        f"colleague{n}_{uuid.uuid4().hex[:6]}" for n in range(28)
    ]
    for name in typists:  # 30 people, 3 typos each: 90 failures from one address
        for _ in range(3):
            assert log_in(local_api, name, "Typo-pass-11", office).status_code == 401
    for person in people:
        assert log_in(local_api, person.username, PASSWORD, office).status_code == 200


def test_duplicate_username_in_another_case_is_a_409(local_api):
    username, _ = sign_up(local_api)
    response = requests.post(
        f"{local_api}/auth/signup",
        json={
            "username": username.upper(),
            "email": "someone-else@example.com",
            "password": PASSWORD,
            "display_name": "X",
        },
        timeout=30,
    )
    assert response.status_code == 409
    assert response.json()["type"] == "urn:problem:byline:conflict"


def test_a_password_that_fails_the_policy_is_a_400_with_the_reason(local_api):
    response = requests.post(
        f"{local_api}/auth/signup",
        json={
            "username": "weakling",
            "email": "w@example.com",
            "password": "abc",
            "display_name": "W",
        },
        timeout=30,
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["pointer"] == "/password"
    assert "10 characters" in error["detail"]


def test_a_weak_password_gets_the_same_answer_whether_or_not_the_address_is_registered(
    local_api,
):
    """Only Cognito knew the policy, and only unregistered addresses reached Cognito: a weak
    password told registered addresses (201) from new ones (400)."""
    answers = []
    for email in ("reader@example.com", f"nobody{uuid.uuid4().hex[:8]}@example.com"):
        response = requests.post(
            f"{local_api}/auth/signup",
            json={
                "username": "probe" + uuid.uuid4().hex[:8],
                "email": email,
                "password": "a",
                "display_name": "P",
            },
            timeout=30,
        )
        body = response.json()
        answers.append((response.status_code, body["type"], body["errors"]))
    assert answers[0] == answers[1]
    assert answers[0][0] == 422


@pytest.mark.parametrize(
    ("patch", "pointer"),
    [
        ({"links": ["http://insecure.example"]}, "/links/0"),
        ({"bio": "x" * 501}, "/bio"),
        ({"display_name": ""}, "/display_name"),
        ({"role": "admin"}, "/role"),
        ({"links": ["https://a.example"] * 6}, "/links"),
    ],
)
def test_profile_changes_are_validated(local_api, patch, pointer):
    user = make_user(local_api)
    response = requests.patch(f"{local_api}/me", json=patch, headers=user.auth, timeout=30)
    assert response.status_code == 422
    assert pointer in [e["pointer"] for e in response.json()["errors"]]


def test_profile_changes_are_kept_and_shown_publicly(local_api):
    user = make_user(local_api)
    patch = {"display_name": "Ann Writer", "bio": "Python", "links": ["https://ann.example/"]}
    response = requests.patch(f"{local_api}/me", json=patch, headers=user.auth, timeout=30)
    assert response.status_code == 200
    public = requests.get(f"{local_api}/authors/{user.username}", timeout=30)
    assert public.status_code == 200
    assert public.json()["display_name"] == "Ann Writer"
    assert public.json()["links"] == ["https://ann.example/"]
    assert "email" not in public.json()
    assert "public" in public.headers["Cache-Control"]


def test_unknown_author_is_a_404(local_api):
    assert requests.get(f"{local_api}/authors/nobody_here", timeout=30).status_code == 404


def _items_mentioning(text):
    """Every item of the table that contains ``text`` anywhere (test-only Scan)."""
    client = aws.dynamodb()
    found, start = [], None
    while True:
        kwargs = {"TableName": get_settings().table_name}
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = client.scan(**kwargs)
        found += [item for item in page["Items"] if text in str(item)]
        start = page.get("LastEvaluatedKey")
        if not start:
            return found


def test_deleting_an_account_removes_every_item_of_personal_data(local_api):
    user = make_user(local_api)
    requests.patch(f"{local_api}/me", json={"bio": "bye"}, headers=user.auth, timeout=30)
    log_in(local_api, user.email, "Wrong-pass-99")  # leaves a failed-login record
    assert _items_mentioning(user.username)

    response = requests.delete(f"{local_api}/me", headers=user.auth, timeout=30)
    assert response.status_code == 204
    # what stays is the tombstone that keeps the name from being issued again, nothing more
    (tombstone,) = _items_mentioning(user.username)
    assert set(tombstone) == {"PK", "SK", "kind", "deleted_at"}
    assert tombstone["kind"] == {"S": "tombstone"}
    assert _items_mentioning(user.email) == []
    assert log_in(local_api, user.username).status_code == 401
    with pytest.raises(aws.cognito().exceptions.UserNotFoundException):
        aws.cognito().admin_get_user(UserPoolId=get_settings().user_pool_id, Username=user.username)

    again = requests.delete(f"{local_api}/me", headers=user.auth, timeout=30)
    assert again.status_code == 401


def test_an_admin_sets_a_role_and_the_next_token_carries_it(local_api):
    admin = make_user(local_api, "admin")
    user = make_user(local_api)
    response = requests.put(
        f"{local_api}/users/{user.username}/role",
        json={"role": "author"},
        headers=admin.auth,
        timeout=30,
    )
    assert response.status_code == 200
    token = log_in(local_api, user.username).json()["id_token"]
    session = requests.get(
        f"{local_api}/session", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert session.json()["role"] == "author"
    assert session.json()["groups"] == ["author"]


def _admins(pool: str) -> list[dict]:
    """Every member of the admin group, page by page (Cognito answers 60 at most a page)."""
    members: list[dict] = []
    kwargs: dict = {"UserPoolId": pool, "GroupName": "admin", "Limit": 60}
    while True:
        page = aws.cognito().list_users_in_group(**kwargs)
        members.extend(page["Users"])
        if not page.get("NextToken"):
            return members
        kwargs["NextToken"] = page["NextToken"]


def test_the_last_admin_cannot_be_demoted(local_api):
    pool = get_settings().user_pool_id
    admins = _admins(pool)
    only = make_user(local_api, "admin")
    for other in admins:  # leave exactly one admin
        aws.cognito().admin_remove_user_from_group(
            UserPoolId=pool, Username=other["Username"], GroupName="admin"
        )
    try:
        response = requests.put(
            f"{local_api}/users/{only.username}/role",
            json={"role": "reader"},
            headers=only.auth,
            timeout=30,
        )
        assert response.status_code == 409
    finally:
        for other in admins:
            aws.cognito().admin_add_user_to_group(
                UserPoolId=pool, Username=other["Username"], GroupName="admin"
            )


def test_a_retried_sign_up_with_the_same_idempotency_key_gets_the_first_answer(local_api):
    name = "idem" + uuid.uuid4().hex[:8]
    body = {
        "username": name,
        "email": f"{name}@example.com",
        "password": PASSWORD,
        "display_name": "I",
    }
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    first = requests.post(f"{local_api}/auth/signup", json=body, headers=headers, timeout=30)
    again = requests.post(f"{local_api}/auth/signup", json=body, headers=headers, timeout=30)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    without_key = requests.post(f"{local_api}/auth/signup", json=body, timeout=30)
    assert without_key.status_code == 409


def test_the_last_admin_cannot_delete_their_account(local_api):
    pool = get_settings().user_pool_id
    admins = _admins(pool)
    only = make_user(local_api, "admin")
    for other in admins:
        aws.cognito().admin_remove_user_from_group(
            UserPoolId=pool, Username=other["Username"], GroupName="admin"
        )
    try:
        response = requests.delete(f"{local_api}/me", headers=only.auth, timeout=30)
        assert response.status_code == 409
        assert response.headers["Content-Type"] == "application/problem+json"
        assert "last admin" in response.json()["detail"]
        assert requests.get(f"{local_api}/me", headers=only.auth, timeout=30).status_code == 200
    finally:
        for other in admins:
            aws.cognito().admin_add_user_to_group(
                UserPoolId=pool, Username=other["Username"], GroupName="admin"
            )
    assert requests.delete(f"{local_api}/me", headers=only.auth, timeout=30).status_code == 204


def _direct_cognito():
    settings = get_settings()
    return aws.cognito(), settings.user_pool_client_id


def test_signing_up_directly_with_cognito_and_only_the_client_id_is_refused(local_api):
    cognito, client_id = _direct_cognito()
    squatter = "\u0430dmin" + uuid.uuid4().hex[:6]  # a Cyrillic "a": the API would refuse it
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        cognito.sign_up(
            ClientId=client_id,
            Username=squatter,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": "squat@example.com"}],
        )
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=get_settings().user_pool_id, Username=squatter)


def test_guessing_passwords_directly_with_cognito_and_only_the_client_id_is_refused(
    local_api, demo_users
):
    cognito, client_id = _direct_cognito()
    right = {u.username: u.password for u in demo_users}["author"]
    for password in ("Wrong-pass-99", right):  # not even the right password gets through
        with pytest.raises(cognito.exceptions.NotAuthorizedException) as refused:
            cognito.initiate_auth(
                ClientId=client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": "author", "PASSWORD": password},
            )
        assert "SECRET_HASH" in str(refused.value)
    assert log_in(local_api, "author", right, client_from()).status_code == 200


def test_a_refresh_token_sent_with_another_users_name_is_refused(local_api):
    owner = make_user(local_api)
    other = make_user(local_api)
    response = requests.post(
        f"{local_api}/auth/refresh",
        json={"username": other.username, "refresh_token": owner.refresh_token},
        timeout=30,
    )
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"


def _sign_up_raw(base_url, username, email):
    return requests.post(
        f"{base_url}/auth/signup",
        json={"username": username, "email": email, "password": PASSWORD, "display_name": "X"},
        timeout=30,
    )


def _mail_to(moto_endpoint, address):
    sent = requests.get(f"{moto_endpoint}{SENT_EMAILS_PATH}", timeout=30).json()
    return [m["raw_data"] for m in sent if address in m["destinations"]]


def test_sign_up_answers_alike_whether_or_not_the_address_is_registered_and_mails_the_owner(
    local_api, moto_endpoint
):
    owner = make_user(local_api)
    fresh = "f" + uuid.uuid4().hex[:10]
    to_fresh = _sign_up_raw(local_api, fresh, f"{fresh}@example.com")
    to_taken = _sign_up_raw(local_api, "s" + uuid.uuid4().hex[:10], owner.email)
    assert to_fresh.status_code == to_taken.status_code == 201
    assert to_fresh.headers["Content-Type"] == to_taken.headers["Content-Type"]
    assert to_fresh.json().keys() == to_taken.json().keys()
    assert to_fresh.json()["delivery"] == "f***@e***"
    assert to_taken.json()["delivery"] == f"{owner.email[0]}***@e***"
    notices = _mail_to(moto_endpoint, owner.email)
    assert len(notices) == 1
    assert "Someone tried to sign up with your email address" in notices[0]
    assert "List-Unsubscribe" not in notices[0]
    assert log_in(local_api, owner.email).status_code == 200


def test_a_taken_username_is_reported_alike_whatever_address_held_it(local_api):
    owner = make_user(local_api)
    with_registered, with_fresh = ("r" + uuid.uuid4().hex[:10], "n" + uuid.uuid4().hex[:10])
    assert _sign_up_raw(local_api, with_registered, owner.email).status_code == 201
    assert _sign_up_raw(local_api, with_fresh, f"{with_fresh}@example.com").status_code == 201
    again = [
        _sign_up_raw(local_api, name, f"x{uuid.uuid4().hex[:8]}@example.com")
        for name in (with_registered, with_fresh)
    ]
    assert [r.status_code for r in again] == [409, 409]
    strip = lambda body: {k: v for k, v in body.items() if k != "instance"}  # noqa: E731
    assert strip(again[0].json()) == strip(again[1].json())


def test_the_owner_registers_their_address_after_a_stranger_signed_up_with_it(local_api):
    address = f"victim{uuid.uuid4().hex[:8]}@example.com"
    stranger, owner = ("s" + uuid.uuid4().hex[:10], "o" + uuid.uuid4().hex[:10])
    assert _sign_up_raw(local_api, stranger, address).status_code == 201
    assert _sign_up_raw(local_api, owner, address).status_code == 201
    confirm(local_api, owner)
    logged_in = log_in(local_api, address)
    assert logged_in.status_code == 200
    assert logged_in.json()["username"] == owner


def test_failed_logins_by_address_do_not_tell_which_username_the_address_has(local_api):
    """Failures by email were counted against the account the email names, so locking out
    'editor@...' and then trying 'editor' from the same address showed they are one account."""
    user = make_user(local_api)
    attacker = client_from()
    for _ in range(7):
        assert log_in(local_api, user.email, "Wrong-pass-99", client=attacker).status_code in (
            401,
            429,
        )
    assert log_in(local_api, user.email, "Wrong-pass-99", client=attacker).status_code == 429

    by_name = log_in(local_api, user.username, "Wrong-pass-99", client=attacker)

    assert by_name.status_code == 401
