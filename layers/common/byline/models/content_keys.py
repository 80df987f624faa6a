"""Request and response bodies of the Content API key routes (admins only)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from byline.models.fields import SingleLine

KeyName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    SingleLine,
    Field(description="what the key is for, e.g. the front-end that uses it (one line)"),
]


class ContentKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: KeyName


class ContentKey(BaseModel):
    id: str
    name: str
    key: str = Field(
        description="26 lowercase hex characters, sent as ?key= to the Ghost Content API "
        "(public by design, like Ghost's: front-ends ship it to browsers)"
    )
    created_at: str
    created_by: str = Field(description="the admin who created it")


class ContentKeyList(BaseModel):
    items: list[ContentKey] = Field(description="every key of the site, oldest first")
