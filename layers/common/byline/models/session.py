from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class Session(BaseModel):
    """The caller as the API sees them: who they are and which role decides their rights."""

    username: str
    sub: str
    email: str | None
    role: Literal["reader", "author", "editor", "admin"]
    groups: list[str]
    expires_at: datetime | None
