"""The site's settings: what a front-end needs to render the site (title, images, navigation,
language, time zone, SEO and social defaults), the same keys Ghost's settings expose.

Left out of Ghost's public settings, on purpose: ``codeinjection_head``/``_foot`` (raw HTML
that every front-end would put in every page: a stored script in the hands of one account),
the members, portal and tier keys (Byline has no paid membership), the newer social networks
(``threads``, ``bluesky``, ...; added when someone needs them), and ``locale``, ``url`` and
``version``, which a Ghost adapter derives (``locale`` mirrors ``lang``; ``url`` is the
deployment's SITE_URL, shown read-only here).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from byline.models.fields import (
    FacebookHandle,
    ImageRef,
    NavUrl,
    SingleLine,
    TimeZone,
    TwitterHandle,
)

DEFAULT_TITLE = "Byline"
DEFAULT_ACCENT = "#ff1a75"
"""Ghost's default accent colour, so a Ghost theme looks as its author meant until it is set."""
DEFAULT_LANG = "en"
DEFAULT_TIMEZONE = "Etc/UTC"

MAX_NAVIGATION = 20

_BCP47 = re.compile(
    r"^[A-Za-z]{2,3}(-[A-Za-z]{3}){0,3}"  # language, extended language subtags
    r"(-[A-Za-z]{4})?"  # script
    r"(-([A-Za-z]{2}|[0-9]{3}))?"  # region
    r"(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*$"  # variants
)


def _language_tag(value: str) -> str:
    if not _BCP47.match(value):
        raise ValueError("must be a BCP 47 language tag such as en, pt-BR or zh-Hant-TW")
    return value


def _lower(value: str) -> str:
    return value.lower()


Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=150), SingleLine
]
Line150 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=150), SingleLine]
Line300 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), SingleLine]
Line500 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), SingleLine]
AccentColor = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^#[0-9A-Fa-f]{6}$"),
    AfterValidator(_lower),
    Field(description="#rrggbb (stored lower-case)"),
]
LanguageTag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=35),
    AfterValidator(_language_tag),
    Field(description="a BCP 47 language tag, e.g. en, pt-BR"),
]


class NavigationItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), SingleLine
    ]
    url: NavUrl


Navigation = Annotated[list[NavigationItem], Field(max_length=MAX_NAVIGATION)]


class _SiteFields(BaseModel):
    """The editable settings with their defaults (a key never set reads as its default)."""

    title: Title = DEFAULT_TITLE
    description: Line300 | None = None
    logo: ImageRef | None = None
    icon: ImageRef | None = None
    accent_color: AccentColor = DEFAULT_ACCENT
    cover_image: ImageRef | None = None
    navigation: Navigation = Field(default_factory=lambda: [NavigationItem(label="Home", url="/")])
    secondary_navigation: Navigation = Field(default_factory=list)
    lang: LanguageTag = DEFAULT_LANG
    timezone: TimeZone = DEFAULT_TIMEZONE
    facebook: FacebookHandle | None = None
    twitter: TwitterHandle | None = None
    meta_title: Line300 | None = None
    meta_description: Line500 | None = None
    og_image: ImageRef | None = None
    og_title: Line300 | None = None
    og_description: Line500 | None = None
    twitter_image: ImageRef | None = None
    twitter_title: Line300 | None = None
    twitter_description: Line500 | None = None

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, data: Any) -> Any:
        """``""`` (or blanks) clears an optional key, as Ghost reads an empty string as null."""
        if isinstance(data, dict):
            return {
                k: None if k in OPTIONAL_FIELDS and isinstance(v, str) and not v.strip() else v
                for k, v in data.items()
            }
        return data


OPTIONAL_FIELDS = frozenset(
    {
        "description",
        "logo",
        "icon",
        "cover_image",
        "facebook",
        "twitter",
        "meta_title",
        "meta_description",
        "og_image",
        "og_title",
        "og_description",
        "twitter_image",
        "twitter_title",
        "twitter_description",
    }
)
IMAGE_FIELDS = ("logo", "icon", "cover_image", "og_image", "twitter_image")


class SiteSettingsUpdate(_SiteFields):
    """``PUT /site``: the whole settings document; a key left out returns to its default, and
    ``""`` or ``null`` clears an optional one."""

    model_config = ConfigDict(extra="forbid", str_max_length=2000)


class SiteSettings(_SiteFields):
    """``GET /site``: every key, defaults filled in, and the site's URL (read-only)."""

    url: str = Field(description="the site's address (the deployment's SITE_URL), read-only")
