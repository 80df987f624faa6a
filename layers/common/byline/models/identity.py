"""Request and response bodies of the identity routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from byline.models.fields import SECRET, SingleLine
from byline.models.fields import DisplayName as DisplayName
from byline.models.fields import Email as Email
from byline.models.fields import Link as Link
from byline.models.fields import MediaKey as MediaKey
from byline.models.fields import NewPassword as NewPassword
from byline.models.fields import Password as Password
from byline.models.fields import RoleName as RoleName
from byline.models.fields import Username as Username


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=2000)


class SignupRequest(_Strict):
    username: Username
    email: Email
    password: NewPassword
    display_name: DisplayName


class SignupResponse(BaseModel):
    username: str
    confirmed: bool
    delivery: str | None = Field(default=None, description="where the confirmation code went")


class ConfirmRequest(_Strict):
    username: Username
    code: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
        SingleLine,
        SECRET,
    ]


class LoginRequest(_Strict):
    login: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=254),
        SingleLine,
        Field(description="username or email"),
    ]
    password: Password


class RefreshRequest(_Strict):
    username: Annotated[
        Username,
        Field(description="whose refresh token it is (the id token's cognito:username)"),
    ]
    refresh_token: Annotated[str, Field(min_length=1, max_length=4096), SECRET]


class Tokens(BaseModel):
    username: str = Field(description="whose tokens these are; POST /auth/refresh needs it")
    id_token: Annotated[str, SECRET] = Field(description="send as Authorization: Bearer <id_token>")
    refresh_token: Annotated[str | None, SECRET] = None
    expires_in: int = Field(description="seconds until id_token expires")
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a scheme name, not a secret


class PublicProfile(BaseModel):
    username: str
    display_name: str
    bio: str = ""
    avatar: str | None = None
    links: list[str] = []
    role: RoleName
    joined_at: datetime


class MyProfile(PublicProfile):
    email: str
    confirmed: bool


class ProfilePatch(_Strict):
    display_name: DisplayName | None = None
    bio: Annotated[str, StringConstraints(max_length=500)] | None = None
    avatar: MediaKey | None = None
    links: Annotated[list[Link], Field(max_length=5)] | None = None


class RoleChange(_Strict):
    role: RoleName


class RoleChanged(BaseModel):
    username: str
    role: RoleName
