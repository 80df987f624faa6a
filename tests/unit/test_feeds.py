"""RSS and sitemap rendering: escaping, CDATA, illegal characters, dates, structure."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import feedparser
import pytest

from byline.content import xmlwriter
from byline.content.feeds import (
    ATOM_NS,
    CONTENT_NS,
    DC_NS,
    SITEMAP_NS,
    Channel,
    Entry,
    SitemapUrl,
    rfc822,
    rss,
    sitemap,
    w3c_datetime,
)
from byline.content.markdown import render, sanitize
from byline.data.articles import SITEMAP_FIELDS, ArticleRecord, ListedArticle, SitemapEntry
from byline.data.table import Records
from byline.errors import NotFound
from byline.services.feeds import FeedService
from tests.support.html_safety import executable_constructs

CHANNEL = Channel(
    title="Byline",
    link="https://byline.example/",
    self_url="https://byline.example/feed.xml",
    description="The latest articles",
)
WHEN = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def entry(**fields: object) -> Entry:
    values: dict[str, object] = {
        "id": "01JA",
        "title": "Hello",
        "link": "https://byline.example/articles/hello",
        "author": "ann",
        "published": WHEN,
        "updated": WHEN,
        "tags": ("python",),
        "summary": "An excerpt",
        "html": "<p>Hello</p>",
        **fields,
    }
    return Entry(**values)  # type: ignore[arg-type]


def parse(xml: str) -> ET.Element:
    return ET.fromstring(xml.encode())  # noqa: S314 (our own output)


def only_item(xml: str) -> ET.Element:
    items = parse(xml).findall("./channel/item")
    assert len(items) == 1
    return items[0]


# -- the writer -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "]]><script>x</script>",
        "Tom & Jerry &amp; &#60; &lt;",
        "</title><title>injected",
    ],
)
def test_user_text_comes_back_exactly_and_adds_no_element(text):
    item = only_item(rss(CHANNEL, [entry(title=text, summary=text, tags=(text,))]))
    assert item.findtext("title") == text
    assert item.findtext("description") == text
    assert item.findtext("category") == text
    assert [child.tag for child in item].count("title") == 1


def test_html_goes_into_cdata_and_a_cdata_terminator_inside_cannot_end_it():
    html = "<p>a ]]> b</p><p>]]><script>alert(1)</script></p>]]>"
    xml = rss(CHANNEL, [entry(html=html)])
    assert "<![CDATA[" in xml
    assert xml.count("<script>") == 1  # only inside a CDATA section, as character data
    item = only_item(xml)
    assert item.findtext(f"{{{CONTENT_NS}}}encoded") == html
    assert len(item.findall(f"{{{CONTENT_NS}}}encoded")) == 1


@pytest.mark.parametrize("text", ["]]>", "]]]]>", "]]>]]>", "x]]", "]", ">"])
def test_cdata_keeps_any_text_intact(text):
    root = parse(f"<r>{xmlwriter.cdata(text)}</r>")
    assert root.text == text


def test_characters_illegal_in_xml_are_removed_everywhere():
    dirty = "a\x00b\x01c\x08d\x0be\x0cf\x1fg\ufffeh\uffffi\ud800j"
    xml = rss(
        CHANNEL,
        [entry(title=dirty, summary=dirty, html=f"<p>{dirty}</p>", author=dirty, tags=(dirty,))],
    )
    item = only_item(xml)
    assert item.findtext("title") == "abcdefghij"
    assert item.findtext(f"{{{DC_NS}}}creator") == "abcdefghij"
    assert item.findtext(f"{{{CONTENT_NS}}}encoded") == "<p>abcdefghij</p>"


def test_tabs_newlines_and_astral_characters_are_kept():
    text = "line\tone\nline two 🐍 é"
    assert xmlwriter.legal(text) == text
    assert only_item(rss(CHANNEL, [entry(summary=text)])).findtext("description") == text


def test_attribute_values_are_escaped_and_keep_their_whitespace():
    root = xmlwriter.Element("r", {"a": '"quoted" <b> & \n\tnew'})
    assert parse(xmlwriter.document(root)).get("a") == '"quoted" <b> & \n\tnew'


@pytest.mark.parametrize("name", ["a b", "x>", "<y", "1a", "a='1'", ""])
def test_names_that_are_not_xml_names_are_refused(name):
    with pytest.raises(ValueError, match="not an XML name"):
        xmlwriter.Element(name)
    with pytest.raises(ValueError, match="not an XML name"):
        xmlwriter.Element("ok", {name: "v"})


# -- dates --------------------------------------------------------------------------------------
def test_rss_dates_are_rfc_822_in_gmt():
    assert rfc822(WHEN) == "Wed, 25 Nov 2026 09:30:00 GMT"
    paris = datetime(2026, 11, 25, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    assert rfc822(paris) == "Wed, 25 Nov 2026 09:30:00 GMT"
    assert parsedate_to_datetime(rfc822(WHEN)) == WHEN


def test_sitemap_dates_are_w3c_datetimes_in_utc():
    paris = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone(timedelta(hours=1)))
    assert w3c_datetime(paris) == "2026-01-02T02:04:05Z"


# -- structure --------------------------------------------------------------------------------
def test_channel_has_the_required_elements_a_self_link_and_the_newest_build_date():
    later = WHEN + timedelta(days=1)
    xml = rss(CHANNEL, [entry(id="a", updated=later), entry(id="b")])
    root = parse(xml)
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    for required in ("title", "link", "description"):
        assert channel.findtext(required)
    assert channel.findtext("language") == "en"
    assert parsedate_to_datetime(channel.findtext("lastBuildDate") or "") == later
    self_link = channel.find(f"{{{ATOM_NS}}}link")
    assert self_link is not None
    assert self_link.attrib == {
        "href": "https://byline.example/feed.xml",
        "rel": "self",
        "type": "application/rss+xml",
    }
    guid = channel.find("./item/guid")
    assert guid is not None
    assert guid.get("isPermaLink") == "false"
    assert guid.text == "a"


def test_a_summary_entry_has_no_content_encoded():
    item = only_item(rss(CHANNEL, [entry(html=None)]))
    assert item.find(f"{{{CONTENT_NS}}}encoded") is None


def test_a_real_feed_parser_reads_the_feed_without_complaint():
    parsed = feedparser.parse(rss(CHANNEL, [entry(tags=("python", "aws"))]))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.title == "Byline"
    (item,) = parsed.entries
    assert item.link == "https://byline.example/articles/hello"
    assert item.id == "01JA"
    assert item.author == "ann"
    assert [t.term for t in item.tags] == ["python", "aws"]
    assert datetime(*item.published_parsed[:6], tzinfo=UTC) == WHEN
    assert item.content[0].value == "<p>Hello</p>"


def test_an_empty_feed_is_still_valid():
    xml = rss(CHANNEL, [])
    parsed = feedparser.parse(xml)
    assert parsed.bozo == 0
    assert parsed.entries == []
    assert parse(xml).find("./channel/lastBuildDate") is None


def test_sitemap_is_a_sitemaps_org_urlset():
    xml = sitemap(
        [SitemapUrl("https://byline.example/"), SitemapUrl("https://b.example/a?x=1&y=2", WHEN)]
    )
    root = parse(xml)
    assert root.tag == f"{{{SITEMAP_NS}}}urlset"
    urls = root.findall(f"{{{SITEMAP_NS}}}url")
    assert [u.findtext(f"{{{SITEMAP_NS}}}loc") for u in urls] == [
        "https://byline.example/",
        "https://b.example/a?x=1&y=2",
    ]
    assert urls[0].find(f"{{{SITEMAP_NS}}}lastmod") is None
    assert urls[1].findtext(f"{{{SITEMAP_NS}}}lastmod") == "2026-11-25T09:30:00Z"
    assert "&amp;y=2" in xml


# -- the service over a fake repository ---------------------------------------------------------
class FakeArticles:
    def __init__(self, items: list[dict[str, object]]) -> None:
        self.items = items
        self.calls: list[tuple[str, object]] = []
        self.pages: list[dict[str, object]] = []

    def newest(self, limit, start):
        self.calls.append(("newest", limit))
        return Records([ArticleRecord.from_item(i) for i in self.items], None)

    def by_tag(self, tag, limit, start):
        self.calls.append(("by_tag", tag))
        return Records([ListedArticle.from_item(i) for i in self.items], None)

    def first_sitemap_entry(self):
        self.calls.append(("first_sitemap_entry", None))
        first = min(self.entries(), key=lambda e: e["SK"], default=None)
        return SitemapEntry.from_item(first) if first else None

    def sitemap_month(self, month, start):
        self.calls.append(("sitemap_month", month))
        entries = [e for e in self.entries() if e["SK"].startswith(f"{month}-")]
        return Records([SitemapEntry.from_item(e) for e in entries], None)

    def page_sitemap_entries(self, limit=1000, start=None):
        self.calls.append(("page_sitemap_entries", None))
        return Records([SitemapEntry.from_item(e) for e in self.pages], None)

    def entries(self):
        return [
            {"SK": f"{i['published_at']}#{i['id']}", **{k: i.get(k) for k in SITEMAP_FIELDS}}
            for i in self.items
        ]


def stored(**fields: object) -> dict[str, object]:
    """An article item as the table holds it (every attribute an article is written with)."""
    return {
        "id": "01JA",
        "slug": "hello",
        "title": "Hello",
        "subtitle": "",
        "author": "ann",
        "status": "published",
        "version": 2,
        "tags": ["python"],
        "body": "Hi",
        "excerpt": "<b>bold</b> & more",
        "html": '<p>Hi <a href="javascript:alert(1)">x</a><img src=x onerror="alert(1)"></p>',
        "reading_minutes": 1,
        "like_count": 0,
        "comment_count": 0,
        "created_at": "2026-11-25T09:00:00.000Z",
        "published_at": "2026-11-25T09:30:00.000Z",
        "updated_at": "2026-11-26T10:00:00.000Z",
        **fields,
    }


def service(*items: dict[str, object]) -> tuple[FeedService, FakeArticles]:
    fake = FakeArticles(list(items))
    return FeedService(fake, "https://byline.example/"), fake  # type: ignore[arg-type]


def test_site_feed_is_one_newest_query_with_links_on_the_site_url():
    feeds, fake = service(stored(), stored(id="x", status="unpublished"))
    root = parse(feeds.site_feed())
    assert fake.calls == [("newest", 20)]
    items = root.findall("./channel/item")
    assert [i.findtext("link") for i in items] == ["https://byline.example/articles/hello"]
    assert root.findtext("./channel/link") == "https://byline.example/"


def test_site_feed_html_is_sanitised_again_on_the_way_out():
    feeds, _ = service(stored())
    item = only_item(feeds.site_feed())
    content = item.findtext(f"{{{CONTENT_NS}}}encoded") or ""
    assert "<p>Hi" in content
    assert executable_constructs(content) == []


def test_the_plain_text_excerpt_is_escaped_for_the_html_of_description():
    feeds, _ = service(stored())
    description = only_item(feeds.site_feed()).findtext("description") or ""
    assert description == "&lt;b&gt;bold&lt;/b&gt; &amp; more"
    assert executable_constructs(description) == []


def test_tag_feed_is_one_tag_query_of_excerpts_with_its_own_self_link():
    feeds, fake = service(stored())
    root = parse(feeds.tag_feed("Python"))
    assert fake.calls == [("by_tag", "python")]
    assert root.find(f"./channel/item/{{{CONTENT_NS}}}encoded") is None
    self_link = root.find(f"./channel/{{{ATOM_NS}}}link")
    assert self_link is not None
    assert self_link.get("href") == "https://byline.example/tags/python/feed.xml"


NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_the_sitemap_index_lists_each_month_from_the_first_article_to_now_newest_first():
    feeds, fake = service(stored(published_at="2025-11-02T00:00:00Z"), stored(id="b"))
    feeds.clock = lambda: NOW
    root = parse(feeds.sitemap())
    assert fake.calls == [("first_sitemap_entry", None)]
    assert root.tag == f"{{{SITEMAP_NS}}}sitemapindex"
    locs = [s.findtext(f"{{{SITEMAP_NS}}}loc") for s in root]
    assert locs[0] == "https://byline.example/sitemaps/2026-11.xml"
    assert locs[-2] == "https://byline.example/sitemaps/2025-11.xml"
    assert locs[-1] == "https://byline.example/sitemaps/pages.xml"  # pages: always, last
    assert len(locs) == 14  # the year turns: 2025-11 and 2025-12, then 2026-01 to 2026-11


def test_a_site_without_articles_has_an_index_of_this_month_alone():
    feeds, _ = service()
    feeds.clock = lambda: NOW
    locs = [s.findtext(f"{{{SITEMAP_NS}}}loc") for s in parse(feeds.sitemap())]
    assert locs == [
        "https://byline.example/sitemaps/2026-11.xml",
        "https://byline.example/sitemaps/pages.xml",
    ]


def test_an_earlier_month_lists_its_articles_without_the_home_page():
    feeds, fake = service(stored(published_at="2026-10-31T23:59:59Z"), stored(id="b", slug="b"))
    feeds.clock = lambda: NOW
    root = parse(feeds.sitemap_month("2026-10.xml"))
    assert fake.calls == [("sitemap_month", "2026-10")]
    assert [u.findtext(f"{{{SITEMAP_NS}}}loc") for u in root] == [
        "https://byline.example/articles/hello"
    ]


def test_the_pages_sitemap_lists_the_published_pages_from_their_own_partition():
    feeds, fake = service(stored())
    fake.pages = [
        {"SK": "2026-10-01T00:00:00Z#p1", "id": "p1", "slug": "about",
         "published_at": "2026-10-01T00:00:00Z", "updated_at": "2026-10-02T00:00:00Z"},
    ]  # fmt: skip
    root = parse(feeds.sitemap_month("pages.xml"))
    assert fake.calls == [("page_sitemap_entries", None)]
    assert [u.findtext(f"{{{SITEMAP_NS}}}loc") for u in root] == [
        "https://byline.example/articles/about"
    ]


@pytest.mark.parametrize("name", ["2026-12.xml", "2026-00.xml", "2026-1.xml", "x.xml", ""])
def test_a_month_to_come_or_any_other_name_is_not_found(name):
    feeds, fake = service(stored())
    feeds.clock = lambda: NOW
    with pytest.raises(NotFound):
        feeds.sitemap_month(name)
    assert fake.calls == []


def test_sitemap_lists_the_home_page_then_each_article_with_its_last_change():
    feeds, fake = service(stored(), stored(id="b", slug="b", updated_at="2026-11-27T00:00:00Z"))
    feeds.clock = lambda: NOW
    root = parse(feeds.sitemap_month("2026-11.xml"))
    assert fake.calls == [("sitemap_month", "2026-11")]
    pairs = [
        (u.findtext(f"{{{SITEMAP_NS}}}loc"), u.findtext(f"{{{SITEMAP_NS}}}lastmod")) for u in root
    ]
    assert pairs == [
        ("https://byline.example/", "2026-11-27T00:00:00Z"),
        ("https://byline.example/articles/hello", "2026-11-26T10:00:00Z"),
        ("https://byline.example/articles/b", "2026-11-27T00:00:00Z"),
    ]


def test_sanitising_twice_changes_nothing():
    html = render(
        '[out](https://ext.example/a) [in](/articles/x) [t](https://x.example "a rel=b")',
        site_host="byline.example",
    ).html
    assert sanitize(html, site_host="byline.example") == html
    assert html.count('rel="noopener nofollow ugc"') == 2
    assert re.search(r'href="/articles/x" rel=', html) is None
