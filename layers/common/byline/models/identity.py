"""Request and response bodies of the identity routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from byline.models.fields import SECRET, FacebookHandle, MultiLine, SingleLine, TwitterHandle
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
    """What anyone may read about an account: the fields of Ghost's author object, under
    Byline's names where Byline had them already (Ghost's ``name`` is ``display_name``, ``slug``
    is ``username``, ``profile_image`` is ``avatar``, ``cover_image`` is ``cover``). Never the
    email, role, ``sub`` or the account's state."""

    username: str
    display_name: str
    bio: str = ""
    avatar: str | None = None
    cover: str | None = None
    website: str | None = None
    location: str | None = None
    facebook: str | None = None
    twitter: str | None = None
    meta_title: str | None = None
    meta_description: str | None = None
    links: list[str] = []
    joined_at: datetime


class MyProfile(PublicProfile):
    role: RoleName
    email: str
    confirmed: bool


Bio = Annotated[str, StringConstraints(max_length=500), MultiLine]
ProfileLine = Annotated[str, StringConstraints(strip_whitespace=True, max_length=150), SingleLine]

CLEARABLE = frozenset(
    {
        "avatar",
        "cover",
        "website",
        "location",
        "facebook",
        "twitter",
        "meta_title",
        "meta_description",
    }
)
"""Profile fields that ``null`` (or ``""``) removes."""


class ProfilePatch(_Strict):
    display_name: DisplayName | None = None
    bio: Bio | None = None
    avatar: MediaKey | None = None
    cover: Annotated[MediaKey, Field(description="an accepted upload of yours")] | None = None
    links: Annotated[list[Link], Field(max_length=5)] | None = None
    website: Link | None = None
    location: ProfileLine | None = None
    facebook: FacebookHandle | None = None
    twitter: TwitterHandle | None = None
    meta_title: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), SingleLine] | None
    ) = None
    meta_description: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), SingleLine] | None
    ) = None

    @model_validator(mode="before")
    @classmethod
    def _empty_clears(cls, data: Any) -> Any:
        """``""`` clears a clearable field, as ``null`` does."""
        if isinstance(data, dict):
            return {
                k: None if k in CLEARABLE and isinstance(v, str) and not v.strip() else v
                for k, v in data.items()
            }
        return data


class RoleChange(_Strict):
    role: RoleName


class RoleChanged(BaseModel):
    username: str
    role: RoleName
