"""RSS 2.0 feeds and sitemaps.org sitemaps, rendered from plain values (no I/O).

The RSS follows the RSS Advisory Board's profile: an ``atom:link rel="self"``, RFC 822 dates in
GMT, ``dc:creator`` for authors (RSS's ``author`` must be an email address, which Byline never
publishes), ``guid isPermaLink="false"`` holding the article id (a slug changes with the title;
the id does not, so readers never see a retitled article twice) and the article's sanitised HTML
in ``content:encoded``. Every string goes through :mod:`byline.content.xmlwriter`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from byline.content.xmlwriter import Element, document

RSS_TYPE = "application/rss+xml"
SITEMAP_TYPE = "application/xml"
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@dataclass(frozen=True)
class Channel:
    title: str
    link: str
    self_url: str
    description: str
    language: str = "en"


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str
    author: str
    published: datetime
    updated: datetime
    tags: tuple[str, ...]
    summary: str
    html: str | None = None
    """The full sanitised HTML, or None for a summary-only entry."""


@dataclass(frozen=True)
class SitemapUrl:
    loc: str
    lastmod: datetime | None = None


SitemapRef = SitemapUrl
"""An entry of a sitemap index: where one sitemap is, and when it last changed if known."""


def rfc822(moment: datetime) -> str:
    """RSS 2.0's date format (RFC 822 with a four-digit year), always in GMT."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def w3c_datetime(moment: datetime) -> str:
    """The sitemaps protocol's W3C Datetime, to the second, in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rss(channel: Channel, entries: Sequence[Entry]) -> str:
    root = Element(
        "rss",
        {"version": "2.0", "xmlns:atom": ATOM_NS, "xmlns:content": CONTENT_NS, "xmlns:dc": DC_NS},
    )
    head = root.add("channel")
    head.add("title", channel.title)
    head.add("link", channel.link)
    head.add("description", channel.description)
    head.add("language", channel.language)
    if entries:
        head.add("lastBuildDate", rfc822(max(e.updated for e in entries)))
    head.add("generator", "Byline")
    head.add("docs", "https://www.rssboard.org/rss-specification")
    head.add("atom:link", href=channel.self_url, rel="self", type=RSS_TYPE)
    for entry in entries:
        item = head.add("item")
        item.add("title", entry.title)
        item.add("link", entry.link)
        item.add("guid", entry.id, isPermaLink="false")
        item.add("pubDate", rfc822(entry.published))
        item.add("dc:creator", entry.author)
        for tag in entry.tags:
            item.add("category", tag)
        item.add("description", entry.summary)
        if entry.html is not None:
            item.add("content:encoded", entry.html, as_cdata=True)
    return document(root)


def sitemap(urls: Sequence[SitemapUrl]) -> str:
    """A sitemaps.org urlset: the pages, each with its last change when known."""
    return _locations("urlset", "url", urls)


def sitemap_index(sitemaps: Sequence[SitemapRef]) -> str:
    """A sitemaps.org index: where each of the site's sitemaps is."""
    return _locations("sitemapindex", "sitemap", sitemaps)


def _locations(root_tag: str, entry_tag: str, entries: Sequence[SitemapUrl]) -> str:
    root = Element(root_tag, {"xmlns": SITEMAP_NS})
    for entry in entries:
        node = root.add(entry_tag)
        node.add("loc", entry.loc)
        if entry.lastmod is not None:
            node.add("lastmod", w3c_datetime(entry.lastmod))
    return document(root)
