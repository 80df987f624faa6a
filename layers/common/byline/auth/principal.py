"""Who is calling: the claims API Gateway's Cognito authorizer verified, as a typed principal.

API Gateway (REST) hands claims over as strings: arrays such as ``cognito:groups`` arrive as
``"[admin author]"``, sometimes as ``"admin,author"``, and timestamps as
``"Fri Jul 29 18:52:53 UTC 2016"``. This module accepts each of those forms.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from byline.errors import Unauthorized


class Role(IntEnum):
    """Roles in rising order of power; each includes every right of the ones below it."""

    anonymous = 0
    reader = 1
    author = 2
    editor = 3
    admin = 4


ROLE_GROUPS = ("reader", "author", "editor", "admin")


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    username: str
    sub: str
    email: str | None = None
    groups: tuple[str, ...] = ()
    """The caller's role groups. From the token's claims until :mod:`byline.services.authority`
    replaces them with the role stored on the account now, which is what handlers see."""
    expires_at: datetime | None = None
    issued_at: datetime | None = None

    @property
    def role(self) -> Role:
        """The most powerful role among the caller's groups; every signed-in user is a reader."""
        known = [Role[g] for g in self.groups if g in ROLE_GROUPS]
        return max(known, default=Role.reader)


def parse_list_claim(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    text = str(value).strip()
    if not text:
        return ()
    if text.startswith("[") and text.endswith("]"):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return tuple(str(v) for v in parsed)
        text = text[1:-1]
    separators = "," if "," in text else None
    return tuple(part.strip() for part in text.split(separators) if part.strip())


def parse_time_claim(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float) or str(value).isdigit():
        return datetime.fromtimestamp(int(value), tz=UTC)
    try:
        return datetime.strptime(str(value), "%a %b %d %H:%M:%S UTC %Y").replace(tzinfo=UTC)
    except ValueError:
        return None


def principal_from_claims(claims: Mapping[str, Any] | None) -> Principal | None:
    """The caller, or None for an anonymous request (no verified claims)."""
    if not claims:
        return None
    username = claims.get("cognito:username") or claims.get("username")
    sub = claims.get("sub")
    if not username or not sub:
        return None
    return Principal(
        username=str(username),
        sub=str(sub),
        email=str(claims["email"]) if claims.get("email") else None,
        groups=parse_list_claim(claims.get("cognito:groups")),
        expires_at=parse_time_claim(claims.get("exp")),
        issued_at=parse_time_claim(claims.get("iat")),
    )


def principal_from_event(event: Mapping[str, Any]) -> Principal | None:
    context = event.get("requestContext") or {}
    authorizer = context.get("authorizer") or {}
    claims = authorizer.get("claims")
    return principal_from_claims(claims if isinstance(claims, Mapping) else None)


def require_principal(event: Mapping[str, Any]) -> Principal:
    principal = principal_from_event(event)
    if principal is None:
        raise Unauthorized("A valid bearer token is required.")
    return principal
