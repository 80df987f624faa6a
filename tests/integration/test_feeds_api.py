"""Feeds and the sitemap over HTTP through the local stack, parsed by a real feed parser."""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
import requests

from byline.content.feeds import ATOM_NS, CONTENT_NS, DC_NS, SITEMAP_NS
from byline.settings import get_settings
from tests.support.article_helpers import create, published_article
from tests.support.aws_calls import recording
from tests.support.html_safety import executable_constructs
from tests.support.identity_helpers import make_user

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2] / "events"
W3C_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ITEM_ELEMENTS = {
    "title", "link", "guid", "pubDate", f"{{{DC_NS}}}creator", "category", "description",
    f"{{{CONTENT_NS}}}encoded",
}  # fmt: skip


@pytest.fixture(scope="module")
def author(local_api):
    return make_user(local_api, "author")


@pytest.fixture(scope="module")
def site(stack_resources) -> str:
    return stack_resources["SITE_URL"].rstrip("/")


def fresh_tag() -> str:
    return "feed" + uuid.uuid4().hex[:10]


def fetch(base: str, path: str, **headers: str) -> requests.Response:
    return requests.get(f"{base}{path}", headers=headers, timeout=30)


def feed(base: str, path: str) -> feedparser.FeedParserDict:
    response = fetch(base, path)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    return parsed


def xml_of(base: str, path: str) -> ET.Element:
    response = fetch(base, path)
    assert response.status_code == 200, response.text
    return ET.fromstring(response.content)  # noqa: S314 (our own server's output)


def links(parsed: feedparser.FeedParserDict) -> list[str]:
    return [entry.link for entry in parsed.entries]


def sitemap_files(base: str) -> list[str]:
    """The paths of the sitemaps the index at /sitemap.xml lists."""
    root = xml_of(base, "/sitemap.xml")
    assert root.tag == f"{{{SITEMAP_NS}}}sitemapindex"
    site = get_settings().site_url.rstrip("/")
    locs = [s.findtext(f"{{{SITEMAP_NS}}}loc") or "" for s in root]
    assert all(loc.startswith(f"{site}/sitemaps/") for loc in locs), locs
    return [loc.removeprefix(site) for loc in locs]


def sitemap_locs(base: str) -> dict[str, str | None]:
    """Every URL of every sitemap the index lists, with its lastmod."""
    found: dict[str, str | None] = {}
    for path in sitemap_files(base):
        root = xml_of(base, path)
        assert root.tag == f"{{{SITEMAP_NS}}}urlset"
        for url in root.findall(f"{{{SITEMAP_NS}}}url"):
            loc = url.findtext(f"{{{SITEMAP_NS}}}loc") or ""
            assert loc not in found, f"{loc} is in two sitemaps"
            found[loc] = url.findtext(f"{{{SITEMAP_NS}}}lastmod")
    return found


# -- the site feed ----------------------------------------------------------------------------
def test_site_feed_lists_the_newest_published_articles_with_their_html(local_api, author, site):
    tag = fresh_tag()
    older = published_article(local_api, author, tags=[tag, "python"], body="# Old\n\nfirst")
    newer = published_article(local_api, author, tags=[tag], body="Some *emphasis*")
    parsed = feed(local_api, "/feed.xml")
    assert parsed.feed.title == "Byline"
    assert parsed.feed.link == f"{site}/"
    assert len(parsed.entries) <= 20
    assert links(parsed)[:2] == [
        f"{site}/articles/{newer['slug']}",
        f"{site}/articles/{older['slug']}",
    ]
    first, second = parsed.entries[:2]
    assert first.id == newer["id"]
    assert first.author == author.username
    assert first.title == newer["title"]
    assert first.content[0].value == newer["html"].strip()
    assert [t.term for t in second.tags] == [tag, "python"]
    published = datetime(*first.published_parsed[:6], tzinfo=UTC)
    assert published == datetime.fromisoformat(newer["published_at"]).replace(microsecond=0)


def test_site_feed_is_valid_rss_2_with_a_self_link(local_api, author, site):
    published_article(local_api, author)
    root = xml_of(local_api, "/feed.xml")
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    for required in ("title", "link", "description", "language", "lastBuildDate"):
        assert channel.findtext(required), required
    parsedate_to_datetime(channel.findtext("lastBuildDate") or "")
    self_link = channel.find(f"{{{ATOM_NS}}}link")
    assert self_link is not None
    assert self_link.get("href") == f"{site}/feed.xml"
    assert self_link.get("rel") == "self"
    items = channel.findall("item")
    assert 1 <= len(items) <= 20
    dates = []
    for item in items:
        assert {child.tag for child in item} <= ITEM_ELEMENTS
        assert item.findtext("title")
        assert (item.findtext("link") or "").startswith(f"{site}/articles/")
        guid = item.find("guid")
        assert guid is not None
        assert guid.get("isPermaLink") == "false"
        dates.append(parsedate_to_datetime(item.findtext("pubDate") or ""))
    assert dates == sorted(dates, reverse=True)


# -- the tag feed -----------------------------------------------------------------------------
def test_tag_feed_holds_only_articles_with_that_tag(local_api, author, site):
    tag, other = fresh_tag(), fresh_tag()
    tagged = published_article(local_api, author, tags=[tag])
    also = published_article(local_api, author, tags=["python", tag.upper()])
    published_article(local_api, author, tags=[other])
    parsed = feed(local_api, f"/tags/{tag}/feed.xml")
    assert links(parsed) == [
        f"{site}/articles/{also['slug']}",
        f"{site}/articles/{tagged['slug']}",
    ]
    for entry in parsed.entries:
        assert tag in [t.term for t in entry.tags]
        assert "content" not in entry  # tag entries carry the excerpt only
        assert entry.summary
    assert links(feed(local_api, f"/tags/{tag.upper()}/feed.xml")) == links(parsed)
    assert parsed.feed.title == f"Byline: {tag}"


def test_a_tag_without_articles_gets_an_empty_valid_feed(local_api):
    parsed = feed(local_api, f"/tags/{fresh_tag()}/feed.xml")
    assert parsed.entries == []


def test_a_malformed_tag_is_a_problem_not_a_feed(local_api):
    response = fetch(local_api, "/tags/%3Cscript%3E/feed.xml")
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"


# -- what never appears -----------------------------------------------------------------------
def test_drafts_unpublished_and_deleted_articles_appear_nowhere(local_api, author, site):
    tag = fresh_tag()
    draft = create(local_api, author, tags=[tag])
    withdrawn = published_article(local_api, author, tags=[tag])
    response = requests.post(
        f"{local_api}/articles/{withdrawn['id']}/unpublish", headers=author.auth, timeout=30
    )
    assert response.status_code == 200, response.text
    deleted = published_article(local_api, author, tags=[tag])
    response = requests.delete(
        f"{local_api}/articles/{deleted['id']}", headers=author.auth, timeout=30
    )
    assert response.status_code == 204, response.text
    kept = published_article(local_api, author, tags=[tag])

    hidden = {f"{site}/articles/{a['slug']}" for a in (draft, withdrawn, deleted)}
    site_links = links(feed(local_api, "/feed.xml"))
    tag_links = links(feed(local_api, f"/tags/{tag}/feed.xml"))
    in_sitemap = set(sitemap_locs(local_api))
    assert f"{site}/articles/{kept['slug']}" in site_links
    assert tag_links == [f"{site}/articles/{kept['slug']}"]
    assert f"{site}/articles/{kept['slug']}" in in_sitemap
    assert not hidden & set(site_links)
    assert not hidden & in_sitemap


# -- the sitemap ------------------------------------------------------------------------------
def test_the_sitemap_index_lists_every_month_from_the_first_article_newest_first(local_api, author):
    published_article(local_api, author)
    response = fetch(local_api, "/sitemap.xml")
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    files = sitemap_files(local_api)
    this_month = f"/sitemaps/{datetime.now(UTC):%Y-%m}.xml"
    assert files[0] == this_month
    assert files[-1] == "/sitemaps/pages.xml"  # the pages' sitemap, after the months
    months = files[:-1]
    assert months == sorted(months, reverse=True)
    assert len(files) == len(set(files))


def test_a_month_sitemap_lists_that_month_s_articles_and_this_month_s_the_home_page(
    local_api, author, site
):
    article = published_article(local_api, author)
    this_month = xml_of(local_api, f"/sitemaps/{datetime.now(UTC):%Y-%m}.xml")
    locs = [u.findtext(f"{{{SITEMAP_NS}}}loc") for u in this_month]
    assert locs[0] == f"{site}/"
    assert f"{site}/articles/{article['slug']}" in locs
    earlier = xml_of(local_api, "/sitemaps/2001-01.xml")  # long before any article: empty
    assert earlier.tag == f"{{{SITEMAP_NS}}}urlset"
    assert list(earlier) == []


@pytest.mark.parametrize(
    "name", ["2999-01.xml", "2026-13.xml", "2026-11", "latest.xml", "1999-12.xml"]
)
def test_a_month_to_come_or_a_name_of_another_shape_is_a_404_problem(local_api, name):
    response = fetch(local_api, f"/sitemaps/{name}")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"


def test_sitemap_lists_home_and_published_articles_with_w3c_lastmod(local_api, author, site):
    article = published_article(local_api, author)
    locs = sitemap_locs(local_api)
    assert f"{site}/" in locs
    for loc, lastmod in locs.items():
        assert loc.startswith(f"{site}/")
        assert lastmod is not None
        assert W3C_DATETIME.match(lastmod), lastmod
    updated = datetime.fromisoformat(article["updated_at"]).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert locs[f"{site}/articles/{article['slug']}"] == updated


def test_a_retitled_article_moves_to_its_new_address_in_the_sitemap(local_api, author, site):
    article = published_article(local_api, author)
    response = requests.patch(
        f"{local_api}/articles/{article['id']}",
        json={"title": f"Renamed {uuid.uuid4().hex[:8]}"},
        headers={**author.auth, "If-Match": article["etag"]},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    renamed = response.json()
    locs = sitemap_locs(local_api)
    assert f"{site}/articles/{renamed['slug']}" in locs
    assert f"{site}/articles/{article['slug']}" not in locs
    assert locs[f"{site}/articles/{renamed['slug']}"] == datetime.fromisoformat(
        renamed["updated_at"]
    ).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- caching ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path", ["/feed.xml", "/tags/python/feed.xml", "/sitemap.xml", "/sitemaps/2026-01.xml"]
)
def test_feeds_are_publicly_cacheable_and_answer_304_to_their_etag(local_api, author, path):
    published_article(local_api, author, tags=["python"])
    first = fetch(local_api, path)
    assert first.status_code == 200
    assert first.headers["Cache-Control"].startswith("public, max-age=300")
    again = fetch(local_api, path, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.text == ""
    assert again.headers["ETag"] == first.headers["ETag"]
    stale = fetch(local_api, path, **{"If-None-Match": '"stale"'})
    assert stale.status_code == 200


def test_a_new_article_changes_the_feed_etag(local_api, author):
    before = fetch(local_api, "/feed.xml").headers["ETag"]
    published_article(local_api, author)
    assert fetch(local_api, "/feed.xml").headers["ETag"] != before


# -- hostile content --------------------------------------------------------------------------
HOSTILE_TITLES = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "]]><script>x</script>",
    "<svg onload=alert(1)> & </title></item>",
    # control characters in a title are refused at the API now (single-line fields)
]
HOSTILE_BODIES = [
    "<script>alert(1)</script>",
    "]]><script>alert(1)</script>",
    "```\n]]><script>alert(1)</script>\n```",
    "[x](javascript:alert(1)) [y](JaVaScRiPt:alert(1))",
    "[z](data:text/html,<script>alert(1)</script>) [w](vbscript:msgbox(1))",
    "![x](javascript:alert(1)) <img src=x onerror=alert(1)>",
    '[t](https://ok.example "]]><script>alert(1)</script>")',
    "<svg/onload=alert(1)> <iframe src=javascript:alert(1)>",
    "`]]>` and ]]]]>< and a\u0000nul",
]


@pytest.fixture(scope="module")
def hostile(local_api, author) -> tuple[str, list[dict[str, Any]]]:
    tag = fresh_tag()
    articles = [
        published_article(local_api, author, title=title, body=body, tags=[tag])
        for title, body in zip(HOSTILE_TITLES * 2, HOSTILE_BODIES, strict=False)
    ]
    return tag, articles


def _assert_inert(xml: bytes, expected_titles: set[str]) -> None:
    root = ET.fromstring(xml)  # noqa: S314 (our own server's output)
    items = root.findall("./channel/item")
    titles = set()
    for item in items:
        assert {child.tag for child in item} <= ITEM_ELEMENTS
        titles.add(item.findtext("title"))
        for html_field in ("description", f"{{{CONTENT_NS}}}encoded"):
            html = item.findtext(html_field)
            if html is not None:
                assert executable_constructs(html) == [], (html_field, html)
    assert expected_titles <= titles


def test_hostile_titles_and_bodies_come_out_inert_in_every_feed(local_api, hostile):
    tag, articles = hostile
    clean = {re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", a["title"]) for a in articles}
    for path in ("/feed.xml", f"/tags/{tag}/feed.xml"):
        response = fetch(local_api, path)
        assert response.status_code == 200
        parsed = feedparser.parse(response.content)
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
        _assert_inert(response.content, clean)
        for entry in parsed.entries:
            for content in entry.get("content", []):
                assert executable_constructs(content.value) == []
            assert executable_constructs(entry.summary) == []
    assert sitemap_locs(local_api)  # still parses


# -- one request per read ---------------------------------------------------------------------
def _event(folder: str, **path_parameters: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{folder}.json").read_text())
    if path_parameters:
        event["pathParameters"] = path_parameters
        event["path"] = event["resource"].replace("{tag}", path_parameters["tag"])
    return event


@pytest.mark.parametrize(
    ("function", "folder", "parameters"),
    [
        ("FeedSiteFunction", "feed_site", {}),
        ("FeedTagFunction", "feed_tag", {"tag": "python"}),
        ("FeedTagFunction", "feed_tag", {"tag": "nosuchtagatall"}),
        ("SitemapFunction", "sitemap", {}),
    ],
)
def test_each_feed_is_one_dynamodb_query_and_never_a_scan(
    local_api, author, invoke_handler, function, folder, parameters
):
    published_article(local_api, author, tags=["python"])
    # Every client in the process is watched: the feed service caches the table (and its
    # client) it was built with, which need not be the one byline.aws hands out now.
    with recording() as record:
        response = invoke_handler(function, _event(folder, **parameters))
    assert response["statusCode"] == 200, response["body"]
    assert record.operations("dynamodb") == ["Query"]
