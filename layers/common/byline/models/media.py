"""Media uploads: the request for a presigned upload and what the client gets back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from byline.models.fields import SingleLine

MAX_MEDIA_BYTES = 10 * 1024 * 1024

ImageType = Literal["image/jpeg", "image/png", "image/gif", "image/webp"]
MediaStatus = Literal["pending", "accepted", "rejected"]


class MediaUploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_type: ImageType = Field(description="the type the file will be uploaded as")
    size: Annotated[int, Field(ge=1, le=MAX_MEDIA_BYTES, strict=True)] = Field(
        description="the file's size in bytes; the upload may not be larger (10 MiB at most)"
    )
    filename: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
            SingleLine,
        ]
        | None
    ) = Field(default=None, description="the original file name, kept for display only")


class PresignedPost(BaseModel):
    url: str = Field(description="POST a multipart/form-data body here")
    fields: dict[str, str] = Field(
        description="form fields to send, in this order, before the file field named `file`"
    )


class MediaUpload(BaseModel):
    media_key: str = Field(description="use as an article's cover or as your avatar once accepted")
    upload: PresignedPost
    expires_at: datetime = Field(description="the upload must start before this time")
