"""The XSS corpus (tests/support/xss_payloads.py) sent through the public API of the local
stack as titles, subtitles, bodies and comments, and read back everywhere it comes out: the
article JSON, the listing, the comments, the site feed and the tag feed.

Batched to stay fast: every payload is in an article body (a dozen to a body, 19 articles)
and in a comment (ten to a comment); the subtitles carry as many payloads as fit in 300
characters each; a sample of the payloads that fit a title (150 characters, after trimming)
are titles, one per article, spread over every technique. Payloads too long for a title are
listed in ``TOO_LONG_FOR_A_TITLE`` and are tested in bodies and comments only, as are those
with control characters or line breaks, which single-line fields refuse. The unit test
tests/unit/test_xss_corpus.py renders each payload on its own, in article and comment mode.

The site feed is shared with every other test of the session (some publish articles dated in
the future), so besides the live feed, the site feed's rendering of exactly these articles is
checked through the service the route calls.

What "safe" means for each field:
- ``html`` (article and comment): no executable construct, as tests/support/html_safety.py
  reads it with a browser's parser.
- ``title``, ``subtitle``, ``excerpt``, ``body`` (an article's Markdown source): plain text,
  returned as data exactly as stored; the response is ``application/json`` with
  ``X-Content-Type-Options: nosniff`` (and a ``default-src 'none'`` CSP), so no browser
  renders it as HTML.
- feeds: each item's ``description`` and ``content:encoded`` (HTML to a feed reader) hold no
  executable construct; titles come back as the same text, and no item grows an element.
"""

from __future__ import annotations

import math
import unicodedata
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser
import pytest
import requests

from byline.content.feeds import CONTENT_NS, DC_NS
from byline.content.xmlwriter import legal
from byline.models.fields import LINE_BREAKING
from tests.support.article_helpers import comment, create, publish
from tests.support.html_safety import executable_constructs
from tests.support.identity_helpers import make_user
from tests.support.xss_payloads import GROUPS, PAYLOADS

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FEED_SIZE = 20
TITLE_LIMIT = 150
SUBTITLE_LIMIT = 300
COMMENT_BATCH = 10
ARTICLES = FEED_SIZE - 1  # every article of the run is in the site feed
BODY_BATCH = math.ceil(len(PAYLOADS) / ARTICLES)
ITEM_ELEMENTS = {
    "title", "link", "guid", "pubDate", f"{{{DC_NS}}}creator", "category", "description",
    f"{{{CONTENT_NS}}}encoded",
}  # fmt: skip


def _one_line(payload: str) -> bool:
    """Whether a single-line field (title, subtitle) takes it: payloads with control characters
    or line breaks are refused there (tests/unit/test_single_line_fields.py) and go to bodies
    and comments only."""
    return all(unicodedata.category(c) not in LINE_BREAKING for c in payload.strip())


ONE_LINE = [p for p in PAYLOADS if _one_line(p)]
TOO_LONG_FOR_A_TITLE = [p for p in ONE_LINE if len(p.strip()) > TITLE_LIMIT]
FIT_A_TITLE = [p for p in ONE_LINE if 0 < len(p.strip()) <= TITLE_LIMIT]


def _title_sample() -> list[str]:
    """One title per article, taken round-robin from the groups so every technique is a title."""
    queues = [[p for p in group if p in FIT_A_TITLE] for group in GROUPS.values()]
    sample: list[str] = []
    while len(sample) < ARTICLES and any(queues):
        for queue in queues:
            if queue and len(sample) < ARTICLES:
                payload = queue.pop(0)
                if payload not in sample:
                    sample.append(payload)
    return sample


TITLES = _title_sample()


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _subtitles(count: int) -> list[str]:
    """As many payloads as fit in ``count`` subtitles of 300 characters, in corpus order."""
    subtitles = [""] * count
    pending = list(ONE_LINE)
    for i in range(count):
        while pending and len(f"{subtitles[i]} {pending[0]}".strip()) <= SUBTITLE_LIMIT:
            subtitles[i] = f"{subtitles[i]} {pending.pop(0)}".strip()
        if pending and len(pending[0].strip()) > SUBTITLE_LIMIT:
            pending.pop(0)  # too long for any subtitle: it is in a body and a comment
    return subtitles


def _as_data(response: requests.Response) -> Any:
    """The JSON body, after checking it is served so that no browser renders it as HTML."""
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    return response.json()


@pytest.fixture(scope="module")
def hostile_site(local_api) -> dict[str, Any]:
    """Articles and comments made of the corpus, published under a tag of their own."""
    author = make_user(local_api, "author")
    reader = make_user(local_api, "reader")
    tag = "xss" + uuid.uuid4().hex[:10]
    bodies = _chunks(PAYLOADS, BODY_BATCH)
    subtitles = _subtitles(len(bodies))
    assert len(bodies) <= ARTICLES
    assert len(TITLES) == len(bodies)
    articles = []
    for i, body in enumerate(bodies):
        draft = create(
            local_api,
            author,
            title=TITLES[i],
            subtitle=subtitles[i],
            body="\n\n".join(body),
            tags=[tag],
        )
        articles.append(publish(local_api, author, draft))
    comments = []
    for i, batch in enumerate(_chunks(PAYLOADS, COMMENT_BATCH)):
        article = articles[i % 3]
        body: dict[str, Any] = {"body": "\n\n".join(batch)}
        if i >= 3:  # the first three are threads; the rest reply to them
            body["parent_id"] = comments[i % 3]["id"]
        comments.append(comment(local_api, reader, article, **body))
    return {"tag": tag, "articles": articles, "comments": comments, "bodies": bodies}


def test_the_run_covers_every_payload(hostile_site):
    in_bodies = [p for body in hostile_site["bodies"] for p in body]
    assert in_bodies == PAYLOADS
    assert len(hostile_site["comments"]) == len(_chunks(PAYLOADS, COMMENT_BATCH))
    assert [a["title"] for a in hostile_site["articles"]] == [t.strip() for t in TITLES]
    assert set(TITLES) <= set(FIT_A_TITLE)
    assert set(TOO_LONG_FOR_A_TITLE).isdisjoint(TITLES)
    assert {name for name, group in GROUPS.items() if set(group) & set(TITLES)} == set(GROUPS)


def test_articles_come_back_with_safe_html_and_their_text_as_data(local_api, hostile_site):
    for created in hostile_site["articles"]:
        article = _as_data(requests.get(f"{local_api}/articles/{created['slug']}", timeout=30))
        assert executable_constructs(article["html"]) == [], (article["title"], article["html"])
        assert article["title"] == created["title"]
        assert article["subtitle"] == created["subtitle"]
        assert article["body"] == created["body"]
        assert article["excerpt"] == created["excerpt"]


def test_the_listing_serves_titles_and_excerpts_as_data(local_api, hostile_site):
    page = _as_data(
        requests.get(
            f"{local_api}/articles", params={"tag": hostile_site["tag"], "limit": 50}, timeout=30
        )
    )
    by_id = {a["id"]: a for a in hostile_site["articles"]}
    assert {item["id"] for item in page["items"]} == set(by_id)
    for item in page["items"]:
        assert item["title"] == by_id[item["id"]]["title"]
        assert item["excerpt"] == by_id[item["id"]]["excerpt"]


def test_comments_come_back_with_safe_html(local_api, hostile_site):
    seen = []
    for article in hostile_site["articles"][:3]:
        page = _as_data(
            requests.get(
                f"{local_api}/articles/{article['id']}/comments",
                params={"limit": 100},
                timeout=30,
            )
        )
        for thread in page["items"]:
            for shown in [thread, *thread["replies"]]:
                assert shown["status"] == "visible"
                assert executable_constructs(shown["html"]) == [], shown["html"]
                seen.append(shown["id"])
    assert sorted(seen) == sorted(c["id"] for c in hostile_site["comments"])


def _items(local_api: str, path: str) -> list[ET.Element]:
    response = requests.get(f"{local_api}{path}", timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    root = ET.fromstring(response.content)  # noqa: S314 (our own server's output)
    return root.findall("./channel/item")


def _check_items(items: list[ET.Element], ours: dict[str, dict[str, Any]], full: bool) -> set[str]:
    """Assert every item is inert; return the ids of ``ours`` found among them."""
    found = set()
    for item in items:
        assert {child.tag for child in item} <= ITEM_ELEMENTS
        for field in ("description", f"{{{CONTENT_NS}}}encoded"):
            html = item.findtext(field)
            if html is not None:
                assert executable_constructs(html) == [], (field, html)
        article = ours.get(item.findtext("guid") or "")
        if article is not None:
            assert item.findtext("title") == legal(article["title"])
            assert (item.findtext(f"{{{CONTENT_NS}}}encoded") is not None) is full
            found.add(article["id"])
    return found


def test_the_tag_feed_carries_every_hostile_article_inert(local_api, hostile_site):
    ours = {a["id"]: a for a in hostile_site["articles"]}
    items = _items(local_api, f"/tags/{hostile_site['tag']}/feed.xml")
    assert _check_items(items, ours, full=False) == set(ours)


def test_the_site_feed_is_inert_and_shows_every_hostile_article_unless_newer_ones_fill_it(
    local_api, hostile_site
):
    """The site feed holds the 20 newest published articles of the whole table, which other
    tests share: an article of ours may only be missing when 20 newer ones fill the feed."""
    ours = {a["id"]: a for a in hostile_site["articles"]}
    items = _items(local_api, "/feed.xml")
    missing = set(ours) - _check_items(items, ours, full=True)
    if missing:
        dates = [parsedate_to_datetime(item.findtext("pubDate") or "") for item in items]
        assert len(items) == FEED_SIZE
        for article_id in missing:
            published = datetime.fromisoformat(ours[article_id]["published_at"])
            assert all(date >= published.replace(microsecond=0) for date in dates)


def test_the_site_feed_renders_every_hostile_article_inert(stack_resources, hostile_site):
    """The site feed's rendering of exactly our stored articles (whatever else the shared
    table holds), through the service the feed route calls, so every body's HTML is checked
    in ``content:encoded``."""
    from byline.data.articles import Articles
    from byline.data.table import Page, table
    from byline.services.feeds import FeedService

    class OnlyOurs(Articles):
        def newest(self, limit: int, start: Any) -> Page:
            stored = [self.get(a["id"]) for a in hostile_site["articles"]]
            return Page(items=[item for item in stored if item is not None], last_key=None)

    service = FeedService(OnlyOurs(table()), stack_resources["SITE_URL"])
    xml = service.site_feed()
    assert feedparser.parse(xml).bozo == 0
    items = ET.fromstring(xml).findall("./channel/item")  # noqa: S314 (our own output)
    ours = {a["id"]: a for a in hostile_site["articles"]}
    assert _check_items(items, ours, full=True) == set(ours)
