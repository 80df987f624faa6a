from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Health(BaseModel):
    """What GET /health reports."""

    status: Literal["ok", "degraded"]
    version: str
    stage: str
    table: Literal["reachable", "unreachable"]
