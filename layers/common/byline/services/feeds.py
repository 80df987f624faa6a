"""Feeds and the sitemap: the newest published articles as RSS 2.0, site-wide and per tag, and
every published article's address for crawlers. Each is one DynamoDB Query.

- The site feed reads GSI2 (``FEED#PUBLISHED``, whole articles) and carries each article's HTML
  in ``content:encoded``.
- A tag feed reads the tag's listing partition, whose entries are summaries without HTML (see
  docs/decisions/0007-feeds.md), so its items carry the excerpt only. A tag nobody used yet gets
  an empty, valid feed rather than a 404: a reader may subscribe before the first article.
- The sitemap is an index (``/sitemap.xml``) of one sitemap per month of first publication
  (``/sitemaps/YYYY-MM.xml``), from the month of the earliest published article to this one,
  so that every published article is listed however many there are. Both read the ``SITEMAP``
  partition of slim copies (slug and dates): the index asks for its first entry, a month for
  its entries (one Query per megabyte, about ten thousand articles). Published pages (about,
  contact) have their own sitemap, ``/sitemaps/pages.xml``, always last in the index, read from
  their own ``SITEMAP#PAGES`` partition; no feed lists a page.

Every absolute URL, the feeds' own included, is built on ``SITE_URL`` and never on the request's
Host header, which a client controls and a CDN may cache.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import quote, urlsplit

from byline.clock import Clock, utc_now
from byline.content.feeds import Channel, Entry, SitemapRef, SitemapUrl, rss, sitemap, sitemap_index
from byline.data.articles import ArticleRecord, Articles, ListedArticle, SitemapEntry
from byline.errors import NotFound

FEED_SIZE = 20
SITEMAP_URLS = 50_000
"""The sitemaps protocol's limit of URLs in one sitemap."""
PAGES_FILE = "pages.xml"
MONTH_FILE = re.compile(r"(?P<year>20\d\d)-(?P<month>0[1-9]|1[0-2])\.xml")
SITE_TITLE = "Byline"


def _when(value: object) -> datetime:
    return datetime.fromisoformat(str(value))


@dataclass
class FeedService:
    articles: Articles
    site_url: str
    title: str = SITE_TITLE
    clock: Clock = utc_now

    def __post_init__(self) -> None:
        self.site_url = self.site_url.rstrip("/")
        self._host = urlsplit(self.site_url).hostname

    def _url(self, path: str) -> str:
        return f"{self.site_url}{path}"

    def article_url(self, slug: str) -> str:
        return self._url(f"/articles/{quote(slug, safe='')}")

    def site_feed(self) -> str:
        items = self.articles.newest(FEED_SIZE, None).items
        channel = Channel(
            title=self.title,
            link=self._url("/"),
            self_url=self._url("/feed.xml"),
            description=f"The latest articles on {self.title}",
        )
        return rss(channel, [self._entry(i, full=True) for i in items if i.is_published])

    def tag_feed(self, tag: str) -> str:
        tag = tag.lower()
        items = self.articles.by_tag(tag, FEED_SIZE, None).items
        channel = Channel(
            title=f"{self.title}: {tag}",
            link=self._url(f"/tags/{quote(tag, safe='')}"),
            self_url=self._url(f"/tags/{quote(tag, safe='')}/feed.xml"),
            description=f"The latest articles tagged {tag} on {self.title}",
        )
        return rss(channel, [self._entry(i, full=False) for i in items if i.is_published])

    def sitemap(self) -> str:
        """The sitemap index: one sitemap per month, newest first, back to the month of the
        earliest article still published (this month alone on a site with none)."""
        first = self.articles.first_sitemap_entry()
        today = self.clock().astimezone(UTC)
        year, month = (today.year, today.month)
        if first is not None:
            year, month = int(first.published_at[:4]), int(first.published_at[5:7])
        months: list[str] = []
        while (year, month) <= (today.year, today.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        refs = [SitemapRef(self._url(f"/sitemaps/{m}.xml")) for m in reversed(months)]
        return sitemap_index([*refs, SitemapRef(self._url(f"/sitemaps/{PAGES_FILE}"))])

    def sitemap_month(self, name: str) -> str:
        """``YYYY-MM.xml``: the articles first published that month, oldest first, with their
        last change; this month's also lists the home page. A month still to come, or a name
        of any other shape, is not found."""
        if name == PAGES_FILE:
            return self.pages_sitemap()
        match = MONTH_FILE.fullmatch(name)
        today = self.clock().astimezone(UTC)
        if match is None:
            raise NotFound("No such sitemap: they are named YYYY-MM.xml.")
        year, month = int(match["year"]), int(match["month"])
        if (year, month) > (today.year, today.month):
            raise NotFound("No such sitemap yet.")
        entries: list[SitemapEntry] = []
        start: dict[str, object] | None = None
        while len(entries) < SITEMAP_URLS:
            page = self.articles.sitemap_month(f"{year:04d}-{month:02d}", start)
            entries.extend(e for e in page.items if e.slug)
            if page.last_key is None:
                break
            start = page.last_key
        entries = entries[:SITEMAP_URLS]
        updated = [_when(e.updated_at) for e in entries]
        urls = [
            SitemapUrl(self.article_url(str(e.slug)), when)
            for e, when in zip(entries, updated, strict=True)
        ]
        if (year, month) == (today.year, today.month):
            urls.insert(0, SitemapUrl(self._url("/"), max(updated) if updated else None))
        return sitemap(urls)

    def pages_sitemap(self) -> str:
        """``pages.xml``: the published pages, oldest first, with their last change (one Query
        for up to a thousand)."""
        entries: list[SitemapEntry] = []
        start: Mapping[str, Any] | None = None
        while len(entries) < SITEMAP_URLS:
            page = self.articles.page_sitemap_entries(start=start)
            entries.extend(e for e in page.items if e.slug)
            if page.last_key is None:
                break
            start = page.last_key
        return sitemap(
            [
                SitemapUrl(self.article_url(str(e.slug)), _when(e.updated_at))
                for e in entries[:SITEMAP_URLS]
            ]
        )

    def _entry(self, item: ArticleRecord | ListedArticle, *, full: bool) -> Entry:
        content = None
        if full and isinstance(item, ArticleRecord):
            # Sanitised when written; cleaned again on the way out, because a feed reader shows
            # it outside this API's Content-Security-Policy.
            from byline.content.markdown import sanitize

            content = sanitize(item.html, site_host=self._host)
        return Entry(
            id=item.id,
            title=item.title,
            link=self.article_url(item.slug),
            author=item.author,
            published=_when(item.published_at),
            updated=_when(item.updated_at or item.published_at),
            tags=item.tags,
            # description is HTML to a feed reader: the plain-text excerpt is escaped for it.
            summary=html.escape(item.excerpt),
            html=content,
        )


@cache
def feed_service() -> FeedService:
    from byline.data.table import table
    from byline.settings import get_settings

    return FeedService(articles=Articles(table()), site_url=get_settings().site_url)
