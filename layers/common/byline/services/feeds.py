"""Feeds and the sitemap: the newest published articles as RSS 2.0, site-wide and per tag, and
every published article's address for crawlers. Each is one DynamoDB Query.

- The site feed reads GSI2 (``FEED#PUBLISHED``, whole articles) and carries each article's HTML
  in ``content:encoded``.
- A tag feed reads the tag's listing partition, whose entries are summaries without HTML (see
  docs/decisions/0007-feeds.md), so its items carry the excerpt only. A tag nobody used yet gets
  an empty, valid feed rather than a 404: a reader may subscribe before the first article.
- The sitemap reads the ``SITEMAP`` partition of slim copies, a thousand to a Query page.

Every absolute URL, the feeds' own included, is built on ``SITE_URL`` and never on the request's
Host header, which a client controls and a CDN may cache.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from urllib.parse import quote, urlsplit

from byline.content.feeds import Channel, Entry, SitemapUrl, rss, sitemap
from byline.data.articles import Articles
from byline.data.table import Item

FEED_SIZE = 20
SITEMAP_SIZE = 1000
SITE_TITLE = "Byline"


def _when(value: object) -> datetime:
    return datetime.fromisoformat(str(value))


@dataclass
class FeedService:
    articles: Articles
    site_url: str
    title: str = SITE_TITLE

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
        return rss(channel, [self._entry(i, full=True) for i in items if _is_published(i)])

    def tag_feed(self, tag: str) -> str:
        tag = tag.lower()
        items = self.articles.by_tag(tag, FEED_SIZE, None).items
        channel = Channel(
            title=f"{self.title}: {tag}",
            link=self._url(f"/tags/{quote(tag, safe='')}"),
            self_url=self._url(f"/tags/{quote(tag, safe='')}/feed.xml"),
            description=f"The latest articles tagged {tag} on {self.title}",
        )
        return rss(channel, [self._entry(i, full=False) for i in items if _is_published(i)])

    def sitemap(self) -> str:
        items = [i for i in self.articles.sitemap(SITEMAP_SIZE).items if i.get("slug")]
        updated = [_when(i["updated_at"]) for i in items]
        home = SitemapUrl(self._url("/"), max(updated) if updated else None)
        return sitemap(
            [home]
            + [
                SitemapUrl(self.article_url(str(i["slug"])), when)
                for i, when in zip(items, updated, strict=True)
            ]
        )

    def _entry(self, item: Item, *, full: bool) -> Entry:
        content = None
        if full:
            # Sanitised when written; cleaned again on the way out, because a feed reader shows
            # it outside this API's Content-Security-Policy.
            from byline.content.markdown import sanitize

            content = sanitize(str(item.get("html") or ""), site_host=self._host)
        return Entry(
            id=str(item["id"]),
            title=str(item["title"]),
            link=self.article_url(str(item["slug"])),
            author=str(item["author"]),
            published=_when(item["published_at"]),
            updated=_when(item.get("updated_at") or item["published_at"]),
            tags=tuple(str(t) for t in item.get("tags") or ()),
            # description is HTML to a feed reader: the plain-text excerpt is escaped for it.
            summary=html.escape(str(item.get("excerpt") or "")),
            html=content,
        )


def _is_published(item: Item) -> bool:
    return item.get("status") == "published" and bool(item.get("published_at"))


@cache
def feed_service() -> FeedService:
    from byline.data.table import table
    from byline.settings import get_settings

    return FeedService(articles=Articles(table()), site_url=get_settings().site_url)
