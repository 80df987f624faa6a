"""Comments and likes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from byline.models.fields import SingleLine

CommentBody = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)
]


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: CommentBody = Field(description="plain text or Markdown (rendered and sanitised)")
    parent_id: Annotated[str, StringConstraints(min_length=1, max_length=40), SingleLine] | None = (
        Field(default=None, description="reply to this top-level comment (one level of nesting)")
    )


class Comment(BaseModel):
    id: str
    article_id: str
    parent_id: str | None
    author: str | None = Field(description="null once the comment is deleted or anonymised")
    status: Literal["visible", "hidden", "deleted"]
    html: str = Field(description="empty when hidden or deleted")
    created_at: datetime


class Thread(Comment):
    replies: list[Comment]


class CommentPage(BaseModel):
    items: list[Thread] = Field(
        description="oldest first; a thread cut by the page end continues on the next page, "
        "where its further replies come with the parent's id"
    )
    next_cursor: str | None


class LikeState(BaseModel):
    liked: bool
    like_count: int
