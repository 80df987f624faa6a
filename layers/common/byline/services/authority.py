"""Authority comes from the account as it is stored now, not from the token that names it.

An ID token is a signed snapshot: its ``cognito:groups`` are the groups of the moment it was
issued, and it stays valid for its hour whatever happens to the account. So every
authenticated request reads the account's profile (one strongly consistent GetItem) and lets
it decide: the role stored there is the caller's role; a deleted account (a tombstone, or one
being deleted) has no authority; a token whose ``sub`` is not the account's was issued to some
other Cognito user of that name; a token issued before the account's last sign-out is refused.
docs/decisions/0010 says why and what it costs.

Writes that end in a transaction need not read first: :meth:`Authority.act` runs them as the
token says and adds a ConditionCheck on the profile (the same facts, as the token claims them)
to the transaction, so the check costs no request and nothing can change between it and the
write. Only when the check fails, or nothing was committed, is the profile read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from byline.auth.principal import ROLE_GROUPS, Principal
from byline.data.table import Check, Guard, GuardFailed, guarded_by
from byline.data.users import Users
from byline.errors import DomainError, Unauthorized


@dataclass(frozen=True)
class Authority:
    users: Users

    def current(self, principal: Principal, *, deleting_ok: bool = False) -> Principal:
        """The caller with the role the account holds now; 401 when the account no longer
        backs the token. ``deleting_ok`` lets a deletion that stopped halfway be finished."""
        profile = self.users.get(principal.username, consistent=True)
        if profile is None or not profile.confirmed:
            raise Unauthorized("This account does not exist (any more).")
        if profile.deleting and not deleting_ok:
            raise Unauthorized("This account is being deleted.")
        bound = profile.sub
        if bound != principal.sub and (
            bound is not None or not self.users.bind_sub(principal.username, principal.sub)
        ):
            raise Unauthorized("This token was issued to an account that no longer exists.")
        valid_from = profile.tokens_valid_from
        if valid_from is not None and (
            principal.issued_at is None or principal.issued_at.timestamp() < valid_from
        ):
            raise Unauthorized("This token was signed out; log in again.")
        role = profile.role
        return principal.model_copy(update={"groups": (role if role in ROLE_GROUPS else "reader",)})

    def act[T](self, claimed: Principal, use: Callable[[Principal], T]) -> T:
        """``use(caller)`` with the caller's current authority, checked inside the transaction
        ``use`` writes. ``use`` must write only through transactions (the check rides on
        them); if it commits none, or is refused before committing, the profile is read and
        ``use`` runs again only when the stored role differs from the token's."""
        check = account_check(self.users, claimed, claimed.role.name)
        if check is None:
            return use(self.current(claimed))
        guard = Guard(check)
        try:
            with guarded_by(guard):
                result = use(claimed)
        except GuardFailed:
            return use(self.current(claimed))  # nothing was written
        except DomainError:
            if guard.held:
                raise
            current = self.current(claimed)
            if current.role == claimed.role:
                raise  # the account's own authority refuses the same way
            return use(current)
        if guard.held:
            return result
        current = self.current(claimed)
        return result if current.role == claimed.role else use(current)


def account_check(users: Users, principal: Principal, role: str) -> Check | None:
    """A ConditionCheck that the principal's account still backs its token with ``role``, for a
    write's transaction; None for a principal without a token (an operator's script)."""
    if principal.issued_at is None:
        return None
    return users.account_check(
        principal.username,
        sub=principal.sub,
        role=role,
        issued_at=int(principal.issued_at.timestamp()),
    )


@cache
def authority() -> Authority:
    from byline.data.table import table

    return Authority(Users(table()))
