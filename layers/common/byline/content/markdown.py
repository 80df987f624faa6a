"""Markdown to HTML that is safe to embed anywhere: rendered by markdown-it-py with raw HTML
off, then cleaned by nh3 against an allow-list, so no script, event handler, ``javascript:`` or
``data:`` URL survives, whatever the input. Links that leave the site get
``rel="noopener nofollow ugc"``."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import nh3

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

EXTERNAL_REL = "noopener nofollow ugc"

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
COMMENT_TAGS = {"a", "b", "blockquote", "br", "code", "del", "em", "i", "li", "ol", "p", "pre",
                "s", "strong", "ul"}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
_LANGUAGE_CLASS = re.compile(r"^language-[A-Za-z0-9_+-]{1,30}$")


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str
    images: int


@cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def _is_external(href: str, site_host: str | None) -> bool:
    parts = urlsplit(href)
    if not parts.scheme and not parts.netloc:
        return False
    return not (site_host and parts.hostname and parts.hostname.lower() == site_host.lower())


def _filter(site_host: str | None):  # type: ignore[no-untyped-def]
    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "code" and attribute == "class":
            return value if _LANGUAGE_CLASS.match(value) else None
        if tag == "a" and attribute == "rel":
            return value if value == EXTERNAL_REL else None
        return value

    return keep


def _mark_external_links(html: str, site_host: str | None) -> str:
    def add_rel(match: re.Match[str]) -> str:
        href = match.group(2)
        if ' rel="' in match.group(0):
            return match.group(0)  # already marked (nh3 keeps only our rel): stay idempotent
        if _is_external(html_lib.unescape(href), site_host):
            return f'{match.group(0)[:-1]} rel="{EXTERNAL_REL}">'
        return match.group(0)

    return re.sub(r'<a (href="([^"]*)")[^>]*>', add_rel, html)


def sanitize(html: str, *, tags: set[str] | None = None, site_host: str | None = None) -> str:
    """Clean HTML against the allow-list; the last line of defence for anything we render."""
    cleaned = nh3.clean(
        html,
        tags=tags or ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
        attribute_filter=_filter(site_host),
    )
    return _mark_external_links(cleaned, site_host)


def plain_text(html: str) -> str:
    """The text a reader sees on the page: tags dropped, every character reference decoded
    exactly once (``&amp;lt;`` on the page is ``&lt;`` here, never ``<``; ``&nbsp;`` is a space)."""
    text = html_lib.unescape(nh3.clean(html, tags=set()))
    return re.sub(r"\s+", " ", text).strip()


MAX_HTML_BYTES = 262_144
"""Largest rendered article (256 KiB of HTML): an article item stays far below DynamoDB's 400 KB
with its Markdown beside it, and a page of Content API posts stays whole."""

_DEFINITION = re.compile(r"^ {0,3}\[([^\]\n]+)\]:[ \t]*(.+)$", re.MULTILINE)


def expansion_bound(markdown: str) -> int:
    """An upper bound of the characters reference links can add when rendered: each use of a
    defined label (``[label]``, ``[text][label]``, ``[label][]``) repeats its destination and
    title, escaped (at most twice as long), inside an anchor. Cheap, and taken before
    rendering, so that a short body that would expand to megabytes (a long link defined once,
    used thousands of times) is refused without being built."""
    lowered = markdown.casefold()
    bound = 0
    for match in _DEFINITION.finditer(markdown):
        uses = lowered.count(f"[{match.group(1).casefold()}]") - 1  # less the definition
        bound += max(0, uses) * (2 * len(match.group(2)) + 64)
    return bound


def render(markdown: str, *, site_host: str | None = None, comment: bool = False) -> Rendered:
    """Markdown in, sanitised HTML out, with its plain text and image count."""
    raw = _parser().render(markdown)
    html = sanitize(raw, tags=COMMENT_TAGS if comment else ALLOWED_TAGS, site_host=site_host)
    return Rendered(html=html, text=plain_text(html), images=html.count("<img "))


def excerpt(text: str, limit: int = 200) -> str:
    """The first ``limit`` characters of the text, cut at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,.;:-")
    return cut + "…"


def article_excerpt(custom_excerpt: str | None, subtitle: str, text: str) -> str:
    """The excerpt listings, feeds and digests show: the custom excerpt as written when the
    article has one (at most 300 characters, one line), else the subtitle or the rendered text
    cut by :func:`excerpt`."""
    if custom_excerpt:
        return custom_excerpt
    return excerpt(subtitle or text)
