"""Identity use cases: sign-up, confirmation, login with brute-force protection, tokens,
profiles, account deletion and roles. Cognito keeps the passwords; the table keeps profiles."""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from byline.auth.policy import Action, authorize
from byline.auth.principal import Principal
from byline.clock import Clock, iso, utc_now
from byline.data.identity import (
    AlreadyConfirmed,
    CognitoIdentity,
    InvalidCredentials,
    IssuedTokens,
)
from byline.data.leases import Leases
from byline.data.login_attempts import LoginAttempts
from byline.data.media import MediaRecords
from byline.data.notices import Notices
from byline.data.table import CheckFailed
from byline.data.users import PENDING_TTL_SECONDS, ActorChanged, UserRecord, Users
from byline.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    UnprocessableContent,
)
from byline.models.fields import PASSWORD_RULES
from byline.models.identity import (
    CLEARABLE,
    ConfirmRequest,
    LoginRequest,
    MyProfile,
    ProfilePatch,
    PublicProfile,
    RefreshRequest,
    RoleChange,
    RoleChanged,
    SignupRequest,
    SignupResponse,
    Tokens,
)
from byline.observability import logger, metrics
from byline.services.authority import account_check
from byline.services.brute_force import retry_after_seconds, source_of, source_wait

ROLE_GROUPS = ("reader", "author", "editor", "admin")

NOTICE_EVERY_SECONDS = 3600
"""At most one "someone tried to sign up with your address" mail per address an hour."""

Eraser = Callable[[str, str], None]
"""Removes or anonymises one kind of a deleted user's data, given the username and the
pseudonym that replaces it where something must stay attributed (articles)."""


@dataclass
class Accounts:
    users: Users
    identity: CognitoIdentity
    attempts: LoginAttempts
    clock: Clock = utc_now
    erasers: Sequence[Eraser] = field(default_factory=tuple)
    forget_media: Callable[[str, str], None] | None = None
    """Deletes an upload given its owner and key: the avatar goes with the account (article
    images stay with the articles, which are kept unpublished)."""
    leases: Leases | None = None
    """Makes "is this the last admin?" and the change it guards take turns (None: no guard,
    for services built without a table)."""
    sleep: Callable[[float], None] = time.sleep
    notices: Notices | None = None
    """Keeps sign-up notices to one per address an hour (None: no limit)."""
    notify_owner: Callable[[str], None] | None = None
    """Mails an address's owner that someone tried to sign up with it (None: nobody is told)."""

    # -- sign-up -----------------------------------------------------------------------------
    def sign_up(self, request: SignupRequest) -> SignupResponse:
        """Hold the username and send a confirmation code, answering the same way whether or
        not the address already belongs to an account: then its owner is told by email instead
        and nothing is created in Cognito (docs/decisions/0004). A pending sign-up claims no
        address, so nobody can keep the owner from registering theirs."""
        now = self.clock()
        profile = UserRecord(
            username=request.username,
            email=request.email,
            display_name=request.display_name,
            joined_at=iso(now),
        )
        owner = self.users.username_for_email(request.email)
        stamp = int(now.timestamp())
        self._reserve(profile, stamp)
        answer = SignupResponse(
            username=request.username, confirmed=False, delivery=_masked(request.email)
        )
        if owner is not None:
            self._tell_owner(request.email)
            return answer
        try:
            self.identity.sign_up(request.username, request.email, request.password, PASSWORD_RULES)
            self.identity.add_to_group(request.username, "reader")
        except Exception:
            self._undo_sign_up(request.username)
            raise
        return answer

    def _reserve(self, profile: UserRecord, now: int) -> None:
        stale = self.users.reserve(profile, now + PENDING_TTL_SECONDS, now)
        if stale is not None:  # an unconfirmed sign-up that lapsed: its Cognito user goes too
            self.identity.delete_user(stale.username)

    def _tell_owner(self, email: str) -> None:
        """Mail the owner of a registered address that someone tried to sign up with it. A
        failure is logged and counted, never shown: the answer must not differ."""
        if self.notify_owner is None:
            return
        now = int(self.clock().timestamp())
        if self.notices is not None and not self.notices.claim(
            "sign-up-attempt", email, now, NOTICE_EVERY_SECONDS
        ):
            return  # told within the hour: more would only flood the owner's inbox
        try:
            self.notify_owner(email)
        except Exception:
            from aws_lambda_powertools.metrics import MetricUnit

            logger.exception("Could not tell an address's owner about a sign-up attempt")
            metrics.add_metric(name="SignupNoticeFailed", unit=MetricUnit.Count, value=1)

    def provision(
        self, username: str, email: str, password: str, display_name: str, role: str
    ) -> bool:
        """Create a confirmed account in a role without email (demo data, first admin).
        Idempotent: returns False when the account already existed."""
        existing = self.users.get(username)
        if existing is not None and existing.confirmed:
            return False
        now = int(self.clock().timestamp())
        if existing is None:
            profile = UserRecord(
                username=username,
                email=email,
                display_name=display_name,
                role=role,
                joined_at=iso(self.clock()),
            )
            self._reserve(profile, now)
        self.identity.create_confirmed(username, email, password)
        self.identity.add_to_group(username, role)
        self.users.mark_confirmed(username, now, self.identity.sub_of(username))
        return True

    def _undo_sign_up(self, username: str) -> None:
        try:
            self.identity.delete_user(username)
        except Exception:  # the pending TTL will still release the username
            logger.exception("Could not remove the Cognito user of a failed sign-up")
        self.users.release(username)

    def confirm(self, request: ConfirmRequest) -> None:
        """Confirm in Cognito, then record it and claim the address. Retrying is safe: an
        attempt that failed after Cognito confirmed the user finishes the job instead of being
        refused forever. If another account confirmed the same address first, this is a 409 and
        the sign-up is left to lapse (only the address's owner, who had both codes, gets here)."""
        profile = self.users.get(request.username)
        if profile is not None and profile.confirmed:
            return
        now = int(self.clock().timestamp())
        if profile is None or (profile.pending_until or 0) <= now:  # gone, or lapsed with its code
            raise NotFound("No such pending sign-up; sign up again.")
        with suppress(AlreadyConfirmed):
            self.identity.confirm(request.username, request.code)
        self.users.mark_confirmed(request.username, now, self.identity.sub_of(request.username))

    # -- tokens ------------------------------------------------------------------------------
    def log_in(self, request: LoginRequest, source_ip: str) -> Tokens:
        """Failures slow down their source (this account from this address, and this address
        overall), never the account for everyone: a guesser elsewhere cannot keep the owner out
        (docs/decisions/0004)."""
        now = self.clock()
        login = request.login.lower()
        username = login
        if "@" in login:
            username = self.users.username_for_email(login) or login
        source = source_of(source_ip)
        # Counted against what was typed, not the account it names: counting an address's
        # failures against its account would tell anyone which username an address has.
        wait = retry_after_seconds(self.attempts.of_pair(login, source).locked_until, now)
        wait = wait or source_wait(
            self.attempts.of_source(source, now), now, self.attempts.per_source
        )
        if wait:
            raise TooManyRequests(
                f"Too many failed logins from your address; try again in {_human(wait)}.",
                headers={"Retry-After": str(wait)},
            )
        try:
            issued = self.identity.authenticate(username, request.password)
        except InvalidCredentials as wrong:
            self.attempts.record_failure(login, source, now)
            raise Unauthorized("Wrong username, email or password.") from wrong
        self.attempts.reset(login, source)
        return _tokens(username, issued)

    def refresh(self, request: RefreshRequest) -> Tokens:
        try:
            issued = self.identity.refresh(request.username, request.refresh_token)
        except InvalidCredentials as revoked:
            raise Unauthorized("The refresh token is invalid, expired or revoked.") from revoked
        return _tokens(request.username, issued, keep_refresh=request.refresh_token)

    def log_out(self, principal: Principal) -> None:
        """Revoke the refresh tokens (Cognito) and every ID token issued so far (the profile's
        ``tokens_valid_from``, checked on every request). Tokens carry whole seconds, so the
        line is the next whole second, and the answer waits for it: a login made after this
        returns gets a token the line lets through."""
        self.identity.sign_out_everywhere(principal.username)
        now = self.clock().timestamp()
        valid_from = math.floor(now) + 1
        self.users.revoke_tokens(principal.username, valid_from)
        self.sleep(max(0.0, valid_from - self.clock().timestamp()))

    # -- profiles ----------------------------------------------------------------------------
    def my_profile(self, principal: Principal) -> MyProfile:
        authorize(principal, Action.read_own_profile)
        profile = self.users.get(principal.username)
        if profile is None:
            raise NotFound("This account has no profile (it may have been deleted).")
        return _my_profile(profile, principal)

    def update_my_profile(self, principal: Principal, patch: ProfilePatch) -> MyProfile:
        authorize(principal, Action.edit_own_profile)
        changes: dict[str, Any] = patch.model_dump(exclude_unset=True, mode="json")
        changes = {k: v for k, v in changes.items() if v is not None or k in CLEARABLE}
        images = [name for name in ("avatar", "cover") if changes.get(name)]
        # One check per distinct upload (the same picture as avatar and cover is one media item;
        # DynamoDB refuses two operations on one item in a transaction).
        uploads = list(dict.fromkeys(str(changes[name]) for name in images))
        checks = [MediaRecords.usable_check(key, {principal.username}) for key in uploads]
        try:
            updated = self.users.update(principal.username, changes, checks=checks)
        except CheckFailed as refused:
            fields = " and ".join(n for n in images if changes[n] == uploads[refused.index])
            raise UnprocessableContent(
                f"{fields}: not an accepted upload of yours; upload it with "
                "POST /media and wait for it to pass validation."
            ) from refused
        return _my_profile(updated, principal)

    def public_profile(self, username: str) -> PublicProfile:
        profile = self.users.get(username)
        if profile is None or not profile.confirmed:
            raise NotFound("No such author.")
        return PublicProfile.model_validate(_public_fields(profile))

    def delete_account(self, principal: Principal) -> None:
        """Remove the account and its personal data, leaving a tombstone that keeps the
        username from ever being issued again. The first step ends the account's authority;
        a deletion that stops halfway is finished by repeating it."""
        authorize(principal, Action.delete_own_account)
        username = principal.username
        with self._admins_guard(self.identity.groups_of(username)):
            profile = self.users.get(username, consistent=True)
            if profile is None:
                return  # deleted already: only the tombstone is left
            pseudonym = self.users.begin_deletion(username, _new_pseudonym())
            self.identity.sign_out_everywhere(username)
            for erase in self.erasers:
                erase(username, pseudonym)
            if profile.avatar and self.forget_media is not None:
                self.forget_media(username, profile.avatar)
            for login in (username, profile.email):
                if login:  # failed logins are counted per login as typed: name or address
                    self.attempts.forget(login)
            self.identity.delete_user(username)
            # Last, as the tombstone ends DELETE /me's own access. Only the account's own
            # stored email claim goes, never one a token names.
            self.users.erase(username, profile.email or None, iso(self.clock()))
        logger.info("Account deleted", extra={"username": username})

    @contextmanager
    def _admins_guard(self, groups: Sequence[str], keeps_admin: bool = False) -> Iterator[None]:
        """Run a change that takes a user out of the admin group only if another admin remains,
        with every such change taking turns (two admins demoting each other at once must not
        leave the site with none). Changes that keep the user an admin run unguarded."""
        if "admin" not in groups or keeps_admin:
            yield
            return
        busy = "Another change to the admins is under way; try again in a moment."
        now = int(self.clock().timestamp())
        with nullcontext() if self.leases is None else self.leases.held("admins", now, busy):
            if len(self.identity.members_of("admin")) <= 1:
                raise Conflict("This is the last admin; make someone else admin first.")
            yield

    # -- roles -------------------------------------------------------------------------------
    def set_role(self, principal: Principal, username: str, change: RoleChange) -> RoleChanged:
        authorize(principal, Action.set_user_role)
        target = username.lower()
        profile = self.users.get(target, consistent=True)
        if profile is None or not profile.confirmed:
            raise NotFound("No such user.")
        current = [g for g in self.identity.groups_of(target) if g in ROLE_GROUPS]
        with self._admins_guard(current, keeps_admin=change.role == "admin"):
            # The profile's role is the authority (services/authority.py): it changes first,
            # so a demotion holds from the next request; the groups follow for new tokens.
            # The write also checks that the caller is still an admin: one demoted meanwhile
            # (by another admin, at the same moment) changes nothing.
            try:
                self.users.set_role(
                    target, change.role, actor=account_check(self.users, principal, "admin")
                )
            except ActorChanged as gone:
                raise Forbidden("Your role does not allow this (any more).") from gone
            if change.role not in current:
                self.identity.add_to_group(target, change.role)
            for group in current:
                if group != change.role:
                    self.identity.remove_from_group(target, group)
        return RoleChanged(username=target, role=change.role)


def _public_fields(profile: UserRecord) -> dict[str, Any]:
    return {
        "username": profile.username,
        "display_name": profile.display_name,
        "bio": profile.bio,
        "avatar": profile.avatar,
        "cover": profile.cover,
        "website": profile.website,
        "location": profile.location,
        "facebook": profile.facebook,
        "twitter": profile.twitter,
        "meta_title": profile.meta_title,
        "meta_description": profile.meta_description,
        "links": list(profile.links),
        "joined_at": profile.joined_at,
    }


def _my_profile(profile: UserRecord, principal: Principal) -> MyProfile:
    """The caller's role is the one their account holds now (the principal carries it)."""
    return MyProfile.model_validate(
        {
            **_public_fields(profile),
            "role": principal.role.name,
            "email": profile.email,
            "confirmed": profile.confirmed,
        }
    )


def _new_pseudonym() -> str:
    """What a deleted author's articles are attributed to: random, so nothing about the
    username can be learnt from it."""
    return "former-" + secrets.token_hex(6)


def _tokens(username: str, issued: IssuedTokens, keep_refresh: str | None = None) -> Tokens:
    return Tokens(
        username=username,
        id_token=issued.id_token,
        refresh_token=issued.refresh_token or keep_refresh,
        expires_in=issued.expires_in,
    )


def _masked(email: str) -> str:
    """Where the code went, as Cognito shows it (``a***@e***``): computed here so that the
    answer is the same whether or not a code was sent."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


def _human(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return f"{minutes} minutes"
    return f"{math.ceil(minutes / 60)} hours"


@cache
def accounts() -> Accounts:
    """The service wired to this environment's table and user pool."""
    from byline.data.identity import identity
    from byline.data.table import table

    def forget_media(owner: str, media_key: str) -> None:
        from byline.services.media import media_service

        media_service().forget(owner, media_key)

    def erase_contributions(username: str, pseudonym: str) -> None:
        from byline.services.articles import article_service
        from byline.services.conversation import conversation_service
        from byline.services.digests import forget_archive

        conversation_service().forget_user(username)
        article_service().withdraw_author(username, pseudonym)
        forget_archive(username)

    from byline.services.notices import tell_owner_of_sign_up_attempt

    return Accounts(
        users=Users(table()),
        identity=identity(),
        attempts=LoginAttempts(table()),
        erasers=(erase_contributions,),
        forget_media=forget_media,
        leases=Leases(table()),
        notices=Notices(table()),
        notify_owner=tell_owner_of_sign_up_attempt,
    )
