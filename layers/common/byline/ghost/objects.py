"""Ghost's objects, field for field (GHOST-CONTENT-API.md §9-§12), from Byline's content.

Pure: the Content API service hands in plain sources (:class:`PostSource`, :class:`AuthorSource`,
:class:`TagSource`) and the site's context, and gets back the JSON objects Ghost would send.
Keys Ghost fills from features Byline has not (code injection, members, newsletters, custom
templates) are present with Ghost's value for a site without them (null, or ``"public"`` and
``true`` for a public post), so themes that read them find what they expect.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from byline.ghost.ids import content_id, content_uuid

EXCERPT_LENGTH: Final = 500
"""Characters of plain text an excerpt takes when there is no custom excerpt (Ghost's)."""


@dataclass(frozen=True)
class Site:
    """What every object's URLs and dates depend on."""

    url: str
    """The site's address, no trailing slash."""
    timezone: str = "Etc/UTC"

    def link(self, path: str) -> str:
        return f"{self.url}/{path}"

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")


@dataclass(frozen=True)
class AuthorSource:
    username: str
    name: str
    bio: str | None = None
    profile_image: str | None = None
    cover_image: str | None = None
    website: str | None = None
    location: str | None = None
    facebook: str | None = None
    twitter: str | None = None
    meta_title: str | None = None
    meta_description: str | None = None


@dataclass(frozen=True)
class TagSource:
    slug: str


@dataclass(frozen=True)
class PostSource:
    id: str
    slug: str
    title: str
    html: str
    author: str
    tags: Sequence[str]
    created_at: str
    updated_at: str
    published_at: str
    reading_minutes: int
    page: bool = False
    featured: bool = False
    custom_excerpt: str | None = None
    feature_image: str | None = None
    canonical_url: str | None = None
    meta_title: str | None = None
    meta_description: str | None = None


# -- dates and text -----------------------------------------------------------------------------
def ghost_date(timestamp: str | None, site: Site) -> str | None:
    """``2024-05-07T14:03:11.000+00:00``: the site's time zone, milliseconds, a numeric offset
    (never ``Z``), as Ghost's ``moment(d).tz(timezone).toISOString(true)`` writes it."""
    if not timestamp:
        return None
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(site.zone)
    text = local.isoformat(timespec="milliseconds")
    return text if not text.endswith("Z") else text[:-1] + "+00:00"


class _Text(HTMLParser):
    """Plain text of rendered HTML as Ghost's html-to-text keeps it: blocks on their own
    lines, list items as `` * item``, images, figure captions and rules left out."""

    _BLOCKS: Final = frozenset(
        {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol",
         "table", "tr", "section", "article", "header", "footer", "figure"}
    )  # fmt: skip
    _SKIPPED: Final = frozenset({"figcaption", "script", "style", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")
        elif tag == "li":
            self.parts.append("\n * ")
        elif tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def plaintext(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]+\n", "\n", text)  # trailing spaces
    text = re.sub(r"\n[ \t]+(?!\* )", "\n", text)  # leading ones, but a list item's
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n\t ").lstrip()


# -- objects ------------------------------------------------------------------------------------
_TAG_NULLS: Final = (
    "description", "feature_image", "og_image", "og_title", "og_description", "twitter_image",
    "twitter_title", "twitter_description", "meta_title", "meta_description",
    "codeinjection_head", "codeinjection_foot", "canonical_url", "accent_color",
)  # fmt: skip


def tag_object(tag: TagSource, site: Site, *, count: int | None = None) -> dict[str, Any]:
    """A tag: Byline's tags are their slugs, so the name is the slug and the rest is unset."""
    body: dict[str, Any] = {"id": content_id("tag", tag.slug), "name": tag.slug, "slug": tag.slug}
    body.update(dict.fromkeys(_TAG_NULLS))
    body["visibility"] = "public"
    body["url"] = site.link(f"tag/{tag.slug}/")
    if count is not None:
        body["count"] = {"posts": count}
    return body


_AUTHOR_SOCIAL_UNSET: Final = (
    "threads", "bluesky", "mastodon", "tiktok", "youtube", "instagram", "linkedin",
)  # fmt: skip


def author_object(author: AuthorSource, site: Site, *, count: int | None = None) -> dict[str, Any]:
    """An author: public profile fields only (never an email or a role)."""

    def text(value: str | None) -> str | None:
        return value or None

    body: dict[str, Any] = {
        "id": content_id("author", author.username),
        "name": author.name or author.username,
        "slug": author.username,
        "profile_image": author.profile_image,
        "cover_image": author.cover_image,
        "bio": text(author.bio),
        "website": text(author.website),
        "location": text(author.location),
        "facebook": text(author.facebook),
        "twitter": text(author.twitter),
    }
    body.update(dict.fromkeys(_AUTHOR_SOCIAL_UNSET))
    body["meta_title"] = text(author.meta_title)
    body["meta_description"] = text(author.meta_description)
    body["url"] = site.link(f"author/{author.username}/")
    if count is not None:
        body["count"] = {"posts": count}
    return body


def free_tier(site: Site) -> dict[str, Any]:
    """The one tier of a site without paid membership (Ghost's default free tier)."""
    return {
        "id": content_id("tag", "#tier-free"),
        "name": "Free",
        "description": None,
        "slug": "free",
        "active": True,
        "type": "free",
        "welcome_page_url": None,
        "created_at": "1970-01-01T00:00:00.000Z",
        "updated_at": None,
        "visibility": "public",
        "benefits": [],
        "trial_days": 0,
    }


def post_tier() -> dict[str, Any]:
    """The free tier as Ghost lists it inside a post (``include=tiers``): its own shape."""
    tier = free_tier(Site(""))
    return {
        "id": tier["id"],
        "name": tier["name"],
        "slug": tier["slug"],
        "active": True,
        "welcome_page_url": None,
        "visibility": "public",
        "trial_days": 0,
        "description": None,
        "type": "free",
        "currency": None,
        "monthly_price": None,
        "yearly_price": None,
        "created_at": tier["created_at"],
        "updated_at": None,
        "monthly_price_id": None,
        "yearly_price_id": None,
    }


def post_object(
    post: PostSource,
    site: Site,
    *,
    include: Iterable[str] = (),
    formats: Iterable[str] | None = None,
    fields: Sequence[str] = (),
    authors: Mapping[str, AuthorSource] | None = None,
) -> dict[str, Any]:
    """A post or page as Ghost's Content API sends it (§9); ``authors`` holds the profile of
    the post's author when ``include`` has ``authors``. ``formats`` None: not asked for (html,
    unless ``fields`` name what to send); asked formats are added to ``fields``."""
    include = set(include)
    asked = set(formats) if formats is not None else None
    formats = asked if asked is not None else {"html"}
    text = plaintext(post.html)
    if post.custom_excerpt is not None:
        excerpt: str | None = post.custom_excerpt  # an empty one is sent as it is
    else:
        excerpt = text[:EXCERPT_LENGTH] or None
    body: dict[str, Any] = {
        "id": content_id("post", post.id),
        "uuid": content_uuid(post.id),
        "title": post.title,
        "slug": post.slug,
        "html": post.html,
        "comment_id": post.id,
        "feature_image": post.feature_image,
        "feature_image_alt": None,
        "feature_image_caption": None,
        "featured": post.featured,
        "visibility": "public",
        "created_at": ghost_date(post.created_at, site),
        "updated_at": ghost_date(post.updated_at, site),
        "published_at": ghost_date(post.published_at, site),
        "custom_excerpt": post.custom_excerpt,
        "codeinjection_head": None,
        "codeinjection_foot": None,
        "custom_template": None,
        "canonical_url": post.canonical_url,
        "url": site.link(f"{post.slug}/"),
        "excerpt": excerpt,
        "reading_time": post.reading_minutes,
        "access": True,
        "comments": False,
        "og_image": None,
        "og_title": None,
        "og_description": None,
        "twitter_image": None,
        "twitter_title": None,
        "twitter_description": None,
        "meta_title": post.meta_title or None,
        "meta_description": post.meta_description or None,
    }
    if post.page:
        body["show_title_and_feature_image"] = True
    else:
        body["email_subject"] = None
    body["frontmatter"] = None
    if not post.html:
        del body["reading_time"]  # Ghost computes it from the html
    if ("plaintext" in formats or "plaintext" in fields) and text:
        body["plaintext"] = text
    if "html" not in formats and "html" not in fields:
        del body["html"]
    if fields:
        wanted = set(fields) | (asked or set())
        body = {k: v for k, v in body.items() if k in wanted}
    if "tags" in include:
        tags = [tag_object(TagSource(slug), site) for slug in post.tags]
        body["tags"] = tags
        body["primary_tag"] = tags[0] if tags else None
    if "authors" in include:
        profile = (authors or {}).get(post.author) or AuthorSource(post.author, post.author)
        author = author_object(profile, site)
        body["authors"] = [author]
        body["primary_author"] = author
    if "tiers" in include:
        body["tiers"] = [post_tier()]
    return body


def settings_object(settings: Mapping[str, Any], site: Site, version: str) -> dict[str, Any]:
    """``settings`` (§12): Byline's site settings under Ghost's keys, and Ghost's value for a
    site without members, paid tiers, portal, comments or code injection."""

    def get(name: str) -> Any:
        value = settings.get(name)
        return None if value == "" else value

    return {
        "title": get("title"),
        "description": get("description"),
        "logo": get("logo"),
        "icon": get("icon"),
        "accent_color": get("accent_color"),
        "cover_image": get("cover_image"),
        "facebook": get("facebook"),
        "twitter": get("twitter"),
        "threads": None,
        "bluesky": None,
        "mastodon": None,
        "tiktok": None,
        "youtube": None,
        "instagram": None,
        "linkedin": None,
        "lang": get("lang"),
        "locale": get("lang"),
        "timezone": get("timezone"),
        "codeinjection_head": None,
        "codeinjection_foot": None,
        "navigation": list(get("navigation") or []),
        "secondary_navigation": list(get("secondary_navigation") or []),
        "meta_title": get("meta_title"),
        "meta_description": get("meta_description"),
        "og_image": get("og_image"),
        "og_title": get("og_title"),
        "og_description": get("og_description"),
        "twitter_image": get("twitter_image"),
        "twitter_title": get("twitter_title"),
        "twitter_description": get("twitter_description"),
        "members_support_address": None,
        "members_enabled": False,
        "allow_self_signup": False,
        "members_invite_only": False,
        "members_signup_access": "none",
        "paid_members_enabled": False,
        "firstpromoter_account": None,
        "portal_button_style": "icon-and-text",
        "portal_button_signup_text": "Subscribe",
        "portal_button_icon": None,
        "portal_signup_terms_html": None,
        "portal_signup_checkbox_required": False,
        "portal_plans": ["free"],
        "portal_default_plan": "yearly",
        "portal_name": True,
        "portal_button": False,
        "comments_enabled": "off",
        "recommendations_enabled": False,
        "outbound_link_tagging": False,
        "default_email_address": None,
        "support_email_address": None,
        "editor_default_email_recipients": "disabled",
        "donations_enabled": False,
        "portal_signup_gift_promotion": False,
        "portal_account_gift_promotion": False,
        "transistor_portal_enabled": False,
        "transistor_portal_heading": None,
        "transistor_portal_description": None,
        "transistor_portal_button_text": None,
        "transistor_portal_url_template": None,
        "site_uuid": None,
        "url": site.url + "/",
        "version": version,
        "labs": {},
    }
