"""The accounts service against moto over HTTP, with an injected clock for lockouts."""

import contextlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from byline.data.identity import identity
from byline.data.login_attempts import LoginAttempts
from byline.data.table import table
from byline.data.users import Users
from byline.errors import BadRequest, Conflict, TooManyRequests, Unauthorized
from byline.models.identity import ConfirmRequest, LoginRequest, SignupRequest
from byline.services.accounts import Accounts

pytestmark = pytest.mark.integration

PASSWORD = "Correct-horse-42"


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def service(stack_resources, clock):
    return Accounts(
        users=Users(table()),
        identity=identity(),
        attempts=LoginAttempts(table()),
        clock=clock,
    )


def new_user(service, password=PASSWORD):
    name = "u" + uuid.uuid4().hex[:10]
    service.sign_up(
        SignupRequest(
            username=name, email=f"{name}@example.com", password=password, display_name=name
        )
    )
    service.confirm(ConfirmRequest(username=name, code="123456"))
    return name


def test_twenty_wrong_passwords_lock_the_account_until_the_wait_passes(service, clock):
    name = new_user(service)
    outcomes = []
    for _ in range(20):
        try:
            service.log_in(LoginRequest(login=name, password="Wrong-pass-1"), "10.0.0.1")
            outcomes.append("ok")
        except Unauthorized:
            outcomes.append(401)
        except TooManyRequests as refused:
            outcomes.append(429)
            retry_after = int(refused.headers["Retry-After"])
    assert outcomes[:6] == [401] * 6
    assert set(outcomes[6:]) == {429}
    assert 0 < retry_after <= 60
    with pytest.raises(TooManyRequests):
        service.log_in(LoginRequest(login=name, password=PASSWORD), "10.0.0.2")
    clock.now += timedelta(seconds=61)
    tokens = service.log_in(LoginRequest(login=name, password=PASSWORD), "10.0.0.2")
    assert tokens.id_token
    assert service.attempts.get("USER", name).failures == 0


def test_each_failure_past_the_free_ones_doubles_the_wait(service, clock):
    name = new_user(service)
    waits = []
    for _ in range(8):
        with contextlib.suppress(Unauthorized):
            service.log_in(LoginRequest(login=name, password="Wrong-pass-1"), "10.0.1.1")
        locked = service.attempts.get("USER", name).locked_until
        waits.append(int((locked - clock.now).total_seconds()) if locked else 0)
        clock.now = max(clock.now, locked or clock.now)
    assert waits == [0, 0, 0, 0, 0, 60, 120, 240]


def test_unknown_user_and_wrong_password_are_refused_alike(service):
    name = new_user(service)
    with pytest.raises(Unauthorized) as wrong:
        service.log_in(LoginRequest(login=name, password="Wrong-pass-1"), "10.0.2.1")
    with pytest.raises(Unauthorized) as unknown:
        service.log_in(LoginRequest(login="nobody_" + name, password="Wrong-pass-1"), "10.0.2.1")
    with pytest.raises(Unauthorized) as unknown_email:
        service.log_in(LoginRequest(login="nobody@example.com", password="Wrong-1a"), "10.0.2.1")
    assert str(wrong.value) == str(unknown.value) == str(unknown_email.value)
    assert service.attempts.get("USER", "nobody_" + name).failures == 1


def test_login_by_email_counts_failures_against_the_username(service):
    name = new_user(service)
    with pytest.raises(Unauthorized):
        service.log_in(LoginRequest(login=f"{name}@EXAMPLE.com", password="x"), "10.0.3.1")
    assert service.attempts.get("USER", name).failures == 1
    assert service.log_in(LoginRequest(login=f"{name}@example.com", password=PASSWORD), "10.0.3.1")


def test_a_source_ip_is_locked_after_many_failures_across_users(service):
    for i in range(26):
        with pytest.raises(Unauthorized):
            service.log_in(LoginRequest(login=f"ghost{i}", password="x"), "10.9.9.9")
    name = new_user(service)
    with pytest.raises(TooManyRequests):
        service.log_in(LoginRequest(login=name, password=PASSWORD), "10.9.9.9")


def test_a_sign_up_that_fails_half_way_leaves_nothing_behind(service):
    class BrokenGroups:
        def __init__(self, real):
            self.real = real

        def __getattr__(self, name):
            return getattr(self.real, name)

        def add_to_group(self, username, group):
            raise RuntimeError("Cognito fell over")

    service.identity = BrokenGroups(identity())
    name = "half" + uuid.uuid4().hex[:8]
    with pytest.raises(RuntimeError):
        service.sign_up(
            SignupRequest(
                username=name, email=f"{name}@example.com", password=PASSWORD, display_name="H"
            )
        )
    assert service.users.get(name) is None
    assert service.users.username_for_email(f"{name}@example.com") is None
    assert identity().delete_user(name) is False  # no Cognito user was left either


def test_a_weak_password_is_a_400_with_the_rule_and_nothing_is_kept(service):
    name = "weak" + uuid.uuid4().hex[:8]
    with pytest.raises(BadRequest) as refused:
        service.sign_up(
            SignupRequest(
                username=name, email=f"{name}@example.com", password="short", display_name="W"
            )
        )
    assert "10 characters" in str(refused.value)
    assert service.users.get(name) is None


def test_usernames_and_emails_are_unique_whatever_their_case(service):
    name = new_user(service)
    with pytest.raises(Conflict, match="username"):
        service.sign_up(
            SignupRequest(
                username=name.upper(),
                email="other@example.com",
                password=PASSWORD,
                display_name="X",
            )
        )
    with pytest.raises(Conflict, match="email"):
        service.sign_up(
            SignupRequest(
                username="x" + name,
                email=f"{name.upper()}@Example.COM",
                password=PASSWORD,
                display_name="X",
            )
        )
