from __future__ import annotations

from byline.auth.principal import Principal
from byline.models.session import Session


def describe(principal: Principal) -> Session:
    return Session(
        username=principal.username,
        sub=principal.sub,
        email=principal.email,
        role=principal.role.name,  # type: ignore[arg-type]
        groups=list(principal.groups),
        expires_at=principal.expires_at,
    )
