"""The accounts service against moto over HTTP, with an injected clock for lockouts."""

import contextlib
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from byline.auth.principal import Principal
from byline.data import keys
from byline.data.identity import identity
from byline.data.leases import DEFAULT_SECONDS, Leases, LeaseTaken
from byline.data.login_attempts import LoginAttempts
from byline.data.table import table
from byline.data.users import Users
from byline.errors import BadRequest, Conflict, NotFound, TooManyRequests, Unauthorized
from byline.models.identity import ConfirmRequest, LoginRequest, RoleChange, SignupRequest
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


def _outcome(service, login, password, source):
    try:
        service.log_in(LoginRequest(login=login, password=password), source)
    except Unauthorized:
        return 401
    except TooManyRequests as refused:
        return 429, int(refused.headers["Retry-After"])
    return 200


def test_a_guesser_is_slowed_down_but_the_owner_logs_in_from_elsewhere_at_once(service, clock):
    name = new_user(service)
    outcomes = [_outcome(service, name, "Wrong-pass-1", "10.0.0.1") for _ in range(20)]
    assert outcomes[:6] == [401] * 6
    assert {o[0] for o in outcomes[6:]} == {429}
    assert all(0 < o[1] <= 60 for o in outcomes[6:])
    assert _outcome(service, name, PASSWORD, "10.0.0.2") == 200
    assert _outcome(service, name, PASSWORD, "10.0.0.1")[0] == 429
    clock.now += timedelta(seconds=61)
    assert _outcome(service, name, PASSWORD, "10.0.0.1") == 200
    assert service.attempts.of_pair(name, "10.0.0.1").failures == 0


def test_each_failure_of_a_pair_past_the_free_ones_doubles_the_wait_up_to_an_hour(service, clock):
    name = new_user(service)
    waits = []
    for _ in range(14):
        with contextlib.suppress(Unauthorized):
            service.log_in(LoginRequest(login=name, password="Wrong-pass-1"), "10.0.1.1")
        locked = service.attempts.of_pair(name, "10.0.1.1").locked_until
        waits.append(int((locked - clock.now).total_seconds()) if locked else 0)
        clock.now = max(clock.now, locked or clock.now)
    assert waits[:9] == [0, 0, 0, 0, 0, 60, 120, 240, 480]
    assert max(waits) == 3600


def test_unknown_user_and_wrong_password_are_refused_alike(service):
    name = new_user(service)
    with pytest.raises(Unauthorized) as wrong:
        service.log_in(LoginRequest(login=name, password="Wrong-pass-1"), "10.0.2.1")
    with pytest.raises(Unauthorized) as unknown:
        service.log_in(LoginRequest(login="nobody_" + name, password="Wrong-pass-1"), "10.0.2.1")
    with pytest.raises(Unauthorized) as unknown_email:
        service.log_in(LoginRequest(login="nobody@example.com", password="Wrong-1a"), "10.0.2.1")
    assert str(wrong.value) == str(unknown.value) == str(unknown_email.value)
    assert service.attempts.of_pair("nobody_" + name, "10.0.2.1").failures == 1


def test_login_by_email_counts_failures_against_the_address_as_typed(service):
    """Not against the account it names: that told anyone which username an address has."""
    name = new_user(service)
    with pytest.raises(Unauthorized):
        service.log_in(LoginRequest(login=f"{name}@EXAMPLE.com", password="x"), "10.0.3.1")
    assert service.attempts.of_pair(f"{name}@example.com", "10.0.3.1").failures == 1
    assert service.attempts.of_pair(name, "10.0.3.1").failures == 0
    assert service.log_in(LoginRequest(login=f"{name}@example.com", password=PASSWORD), "10.0.3.1")


def test_a_source_past_its_hourly_allowance_waits_for_the_next_hour(service, clock):
    clock.now = clock.now.replace(minute=30, second=0, microsecond=0)
    allowance = service.attempts.per_source.failures
    for i in range(allowance):
        assert _outcome(service, f"ghost{i}", "x", "10.9.9.9") == 401
    name = new_user(service)
    refused = _outcome(service, name, PASSWORD, "10.9.9.9")
    assert refused == (429, 30 * 60)
    assert _outcome(service, name, PASSWORD, "10.9.9.10") == 200
    clock.now += timedelta(minutes=30)
    assert _outcome(service, name, PASSWORD, "10.9.9.9") == 200


def test_addresses_of_one_ipv6_network_are_one_source(service):
    name = new_user(service)
    for host in range(1, 7):
        _outcome(service, name, "Wrong-pass-1", f"2001:db8:1:2::{host:x}")
    assert _outcome(service, name, PASSWORD, "2001:db8:1:2::ffff")[0] == 429
    assert _outcome(service, name, PASSWORD, "2001:db8:1:3::1") == 200


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
    with pytest.raises(BadRequest) as refused:  # Cognito's own refusal, past the API's check
        service.sign_up(
            SignupRequest.model_construct(
                username=name, email=f"{name}@example.com", password="short", display_name="W"
            )
        )
    assert "10 characters" in str(refused.value)
    assert service.users.get(name) is None


def _sign_up(service, username, email):
    return service.sign_up(
        SignupRequest(username=username, email=email, password=PASSWORD, display_name="X")
    )


def test_usernames_are_unique_whatever_their_case(service):
    name = new_user(service)
    with pytest.raises(Conflict, match="username"):
        _sign_up(service, name.upper(), "other@example.com")


def test_a_sign_up_with_a_registered_address_answers_as_any_other_and_mails_the_owner(service):
    told = []
    service.notify_owner = told.append
    owner = new_user(service)
    fresh = "f" + uuid.uuid4().hex[:10]
    stranger = "s" + uuid.uuid4().hex[:10]
    to_fresh = _sign_up(service, fresh, f"{fresh}@example.com")
    to_taken = _sign_up(service, stranger, f"{owner.upper()}@Example.COM")
    assert to_taken.model_dump().keys() == to_fresh.model_dump().keys()
    assert (to_taken.confirmed, to_taken.delivery) == (False, f"{owner[0]}***@e***")
    assert told == [f"{owner}@example.com"]
    assert identity().delete_user(stranger) is False  # no Cognito user, so no code was sent
    assert service.users.username_for_email(f"{owner}@example.com") == owner
    with pytest.raises(Conflict, match="username"):  # the name is held as for any sign-up
        _sign_up(service, stranger, "else@example.com")


def test_a_strangers_pending_sign_up_never_keeps_the_owner_from_registering_their_address(
    service,
):
    address = f"victim{uuid.uuid4().hex[:8]}@example.com"
    stranger = "s" + uuid.uuid4().hex[:10]
    owner = "o" + uuid.uuid4().hex[:10]
    _sign_up(service, stranger, address)
    _sign_up(service, owner, address)
    service.confirm(ConfirmRequest(username=owner, code="123456"))
    assert service.users.username_for_email(address) == owner
    assert service.log_in(LoginRequest(login=address, password=PASSWORD), "10.0.4.1")
    with pytest.raises(Conflict, match="email"):  # had the stranger the code, still too late
        service.confirm(ConfirmRequest(username=stranger, code="123456"))
    assert service.users.username_for_email(address) == owner
    assert not service.users.get(stranger).confirmed


def test_an_unconfirmed_username_is_free_again_after_a_day(service, clock):
    name = "p" + uuid.uuid4().hex[:10]
    _sign_up(service, name, f"first-{name}@example.com")
    with pytest.raises(Conflict, match="username"):
        _sign_up(service, name, f"second-{name}@example.com")
    clock.now += timedelta(hours=24, seconds=1)
    with pytest.raises(NotFound):  # the first sign-up lapsed with its code
        service.confirm(ConfirmRequest(username=name, code="123456"))
    _sign_up(service, name, f"second-{name}@example.com")  # its stale Cognito user goes too
    service.confirm(ConfirmRequest(username=name, code="123456"))
    assert service.users.username_for_email(f"second-{name}@example.com") == name
    assert service.users.username_for_email(f"first-{name}@example.com") is None


# -- the last admin ------------------------------------------------------------------------------
@contextlib.contextmanager
def only_these_admins(service, *names):
    """Make ``names`` the only admins for the duration, then put the others back."""
    others = [u for u in service.identity.members_of("admin") if u not in names]
    for other in others:
        service.identity.remove_from_group(other, "admin")
    for name in names:
        service.identity.add_to_group(name, "admin")
        service.identity.remove_from_group(name, "reader")
    try:
        yield
    finally:
        for other in others:
            service.identity.add_to_group(other, "admin")


def admin_principal(name):
    return Principal(username=name, sub=name, email=f"{name}@example.com", groups=("admin",))


class MeetingIdentity:
    """The real identity service, except that every caller of ``members_of`` waits (briefly)
    for a second one: the two demotions below count the admins at the same moment, which is
    the interleaving that used to leave a site with no admin."""

    def __init__(self, real, parties=2):
        self._real = real
        self._barrier = threading.Barrier(parties, timeout=3)

    def members_of(self, group):
        found = self._real.members_of(group)
        with contextlib.suppress(threading.BrokenBarrierError):
            self._barrier.wait()
        return found

    def __getattr__(self, name):
        return getattr(self._real, name)


def demote_each_other_at_once(service, first, second):
    outcomes = {}

    def demote(actor, target):
        try:
            service.set_role(admin_principal(actor), target, RoleChange(role="reader"))
            outcomes[target] = "demoted"
        except Conflict as error:
            outcomes[target] = str(error)

    threads = [
        threading.Thread(target=demote, args=(first, second)),
        threading.Thread(target=demote, args=(second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


@pytest.mark.parametrize("guarded", [True, False], ids=["with the lease", "without it"])
def test_two_admins_demoting_each_other_at_once_leave_one_admin(service, guarded):
    first, second = new_user(service), new_user(service)
    racing = Accounts(
        users=service.users,
        identity=MeetingIdentity(service.identity),
        attempts=service.attempts,
        clock=service.clock,
        leases=Leases(table()) if guarded else None,
    )
    with only_these_admins(service, first, second):
        outcomes = demote_each_other_at_once(racing, first, second)
        remaining = [u for u in service.identity.members_of("admin") if u in (first, second)]
    if guarded:
        assert list(outcomes.values()).count("demoted") == 1, outcomes
        assert len(remaining) == 1, outcomes
    else:  # the control: without the lease both checks pass and the site has no admin left
        assert list(outcomes.values()) == ["demoted", "demoted"]
        assert remaining == []


def test_a_demotion_waits_for_a_lease_held_elsewhere_and_goes_ahead_once_it_runs_out(
    service, clock
):
    first, second = new_user(service), new_user(service)
    guarded = Accounts(
        users=service.users,
        identity=service.identity,
        attempts=service.attempts,
        clock=clock,
        leases=Leases(table()),
    )
    now = int(clock.now.timestamp())
    assert guarded.leases.acquire("admins", "someone-else", now)
    with only_these_admins(service, first, second):
        with pytest.raises(LeaseTaken):
            guarded.set_role(admin_principal(first), second, RoleChange(role="reader"))
        assert "admin" in service.identity.groups_of(second)  # nothing changed
        clock.now += timedelta(seconds=DEFAULT_SECONDS + 1)  # the holder crashed; it ran out
        guarded.set_role(admin_principal(first), second, RoleChange(role="reader"))
        assert service.identity.groups_of(second) == ["reader"]
    assert table().get(keys.lease("admins")) is None  # released after use


def test_a_lease_is_released_only_by_its_holder(service, clock):
    leases = Leases(table())
    now = int(clock.now.timestamp())
    name = "t" + uuid.uuid4().hex[:8]
    assert leases.acquire(name, "a", now)
    assert not leases.acquire(name, "b", now + DEFAULT_SECONDS - 1)
    leases.release(name, "b")  # not b's to give back
    assert not leases.acquire(name, "b", now)
    leases.release(name, "a")
    assert leases.acquire(name, "b", now)


def test_the_last_admin_cannot_delete_their_account(service):
    name = new_user(service)
    guarded = Accounts(
        users=service.users,
        identity=service.identity,
        attempts=service.attempts,
        clock=service.clock,
        leases=Leases(table()),
    )
    with only_these_admins(service, name):
        with pytest.raises(Conflict, match="last admin"):
            guarded.delete_account(admin_principal(name))
        assert service.users.get(name) is not None
        assert service.identity.groups_of(name) == ["admin"]
    guarded.delete_account(admin_principal(name))  # with another admin back, it may go
    assert service.users.get(name) is None
    guarded.delete_account(admin_principal(name))  # and again: deletion is idempotent


def test_sign_up_attempts_with_a_registered_address_mail_its_owner_once_an_hour(service, clock):
    from byline.data.notices import Notices

    told = []
    service.notify_owner = told.append
    service.notices = Notices(table())
    owner = new_user(service)
    for _ in range(5):
        _sign_up(service, "s" + uuid.uuid4().hex[:10], f"{owner}@example.com")
    assert told == [f"{owner}@example.com"]

    clock.now += timedelta(hours=1, seconds=1)
    _sign_up(service, "s" + uuid.uuid4().hex[:10], f"{owner}@example.com")
    assert told == [f"{owner}@example.com"] * 2
