"""The Ghost Content API at scale: what each request costs in DynamoDB requests, bytes and time
with 10,000 published posts, 100 tags and 50 authors (issue 15, "Scale and cost").

``make bench-ghost`` (``.venv/bin/python -m bench.ghost_content --write``):

1. starts moto in server mode and bootstraps template.yaml on it (a throwaway Stage);
2. writes the authors' profiles (display names, bios) and then every post through the real
   data layer: ``Articles.create`` (the draft) then ``Articles.save`` (published), so the
   catalogue's entries and day counts, the tag listings and counters and the sitemap are
   written by the same transactions as in production. Bodies are a few KB of Markdown rendered
   by ``byline.content.markdown.render`` as the articles service renders them; posts are spread
   over three years with a few days holding dozens, two tags each (some tags far more used than
   others), a few hundred featured. Writes run on several threads (each post is two
   transactions on moto: the time is reported);
3. creates a Content API key through ``ContentKeys.add`` and calls the real Lambda handler of
   functions/ghost_content/app.py in this process with API Gateway proxy events, once to warm
   it and then a few times per case, recording every AWS call of the process (botocore's
   ``BaseClient._make_api_call``, as tests/support/aws_calls.py does).

Each case reports the DynamoDB requests of the whole request by operation (the Content API
key is read inside the route's first BatchGetItem, so it has no request of its own), whether a
Scan happened, the bytes of the response as Lambda returns it (the proxy result's JSON, the
html escaped twice), ``meta.pagination`` and the median wall time. The targets of the issue are
checked and a missed one makes the exit status 1: at most three DynamoDB requests and no Scan
for a posts browse with no filter or one tag or author filter or ``featured:true`` at any page,
at most two for a read by slug (a post's or a page's), ``limit=all`` and ``limit=100`` with
html under Lambda's 6 MB, and ``meta.pagination.total`` equal to what was written (the posts of
a page are also compared, id for id, with the written posts in Ghost's order).

A few pages (about, contact...) are written as the posts are (``ArticleRecord.page``), and
browsed and read by slug. Times are moto's on a noisy shared two-core machine: compare them
with each other, not with AWS.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import statistics
import sys
import threading
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from byline.data.articles import ArticleRecord
from local.bootstrap import Stack
from local.moto_server import MotoServer
from local.runtime import LOCAL_AWS_READ_TIMEOUT

LAMBDA_RESPONSE_LIMIT = 6_291_456
"""Lambda's synchronous response payload limit (6 MB)."""
BROWSE_TARGET = 3
SLUG_TARGET = 2
END = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
"""The newest post's day: a fixed date keeps the data the same from run to run."""
YEARS = 3
COMPOUND_SINCE = "2025-01-01"
SITE_HOST = "byline.example"
RUNS = 3


@dataclass(frozen=True)
class Scale:
    posts: int = 10_000
    tags: int = 100
    authors: int = 50
    featured: int = 300
    pages: int = 5
    busy_days: int = 8
    """Days that hold many posts (a launch, an import): about 4 % of the posts share them."""
    long_reads: int = 5
    """Posts about fifteen times as long as the others (a long-form essay, ~60 KB): the
    largest post decides how many whole posts fit a response (the size classes)."""
    threads: int = 8


FULL = Scale()
SMALL = Scale(
    posts=120, tags=5, authors=3, featured=12, pages=3, busy_days=2, long_reads=1, threads=4
)

_WORDS = (
    "lambda", "handler", "table", "query", "partition", "index", "queue", "batch", "digest",
    "reader", "author", "tag", "python", "cloud", "request", "latency", "cache", "event",
    "schedule", "worker", "message", "archive", "template", "layer", "page", "cursor", "cost",
    "budget", "scale", "front-end", "static", "site", "build", "deploy", "content", "api",
)  # fmt: skip
_TOPICS = (
    "python", "aws", "serverless", "dynamodb", "lambda", "testing", "security", "devops",
    "typescript", "rust", "go", "databases", "career", "design", "architecture", "performance",
    "observability", "kubernetes", "frontend", "css", "accessibility", "ml", "data", "sql",
    "linux", "networking", "open-source", "writing", "productivity", "startups", "api",
    "graphql", "cloud", "terraform", "ci", "git", "mobile", "android", "ios", "web",
)  # fmt: skip
_FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances")
_LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson")
_PAGES = ("About", "Contact", "Colophon", "Privacy", "Newsletter", "Archive", "Uses", "Now")


# ---------------------------------------------------------------- the posts


@dataclass(frozen=True)
class Post:
    id: str
    slug: str
    title: str
    author: str
    tags: tuple[str, ...]
    featured: bool
    published_at: str
    page: bool = False

    @property
    def order_key(self) -> tuple[str, str]:
        return (self.published_at, self.id)


def tag_names(count: int) -> list[str]:
    return [
        _TOPICS[n % len(_TOPICS)] + ("" if n < len(_TOPICS) else f"-{n // len(_TOPICS) + 1}")
        for n in range(count)
    ]


def author_names(count: int) -> list[str]:
    return [f"writer{n:02d}" for n in range(count)]


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def markdown_body(rng: random.Random, sections: int | None = None) -> str:
    """A few KB of Markdown: headings, paragraphs, a list, a quote, a link and a code block
    (``sections``: three or four unless given)."""
    parts = []
    for section in range(sections or rng.randint(3, 4)):
        parts.append(f"## {_sentence(rng, 4)[:-1]}")
        for _ in range(rng.randint(2, 3)):
            parts.append(" ".join(_sentence(rng, rng.randint(8, 16)) for _ in range(5)))
        if section == 0:
            parts.append("\n".join(f"- {_sentence(rng, 6)}" for _ in range(4)))
        if section == 1:
            parts.append(f"> {_sentence(rng, 20)}")
            parts.append(
                f"See [the {rng.choice(_WORDS)} guide](https://docs.example.org/"
                f"{rng.choice(_WORDS)}) and *{rng.choice(_WORDS)}* for **more**."
            )
        if section == 2:
            parts.append("```python\ndef handler(event, context):\n    return {'ok': True}\n```")
    return "\n\n".join(parts)


def plan_posts(scale: Scale, rng: random.Random) -> list[tuple[Post, str]]:
    """Each post and its Markdown body: published over ``YEARS`` years up to ``END``, a few
    busy days holding about 4 % of them, two tags each drawn with Zipf-like weights, authors
    likewise, ``scale.featured`` featured."""
    from byline.content.slugs import slugify, with_suffix
    from byline.ids import new_id

    tags = tag_names(scale.tags)
    authors = author_names(scale.authors)
    tag_weights = [1 / (n + 1) ** 0.8 for n in range(len(tags))]
    author_weights = [1 / (n + 1) ** 0.6 for n in range(len(authors))]
    days = YEARS * 365
    busy = rng.sample(range(days), scale.busy_days)
    featured = set(rng.sample(range(scale.posts), scale.featured))
    long_reads = set(rng.sample(range(scale.posts), scale.long_reads))
    planned = []
    used: set[str] = set()
    for n in range(scale.posts):
        day = rng.choice(busy) if rng.random() < 0.04 else rng.randrange(days)
        published = END - timedelta(days=day, seconds=rng.randrange(86_400))
        article_id = new_id(published)
        chosen: list[str] = []
        while len(chosen) < min(2, len(tags)):
            tag = rng.choices(tags, tag_weights)[0]
            if tag not in chosen:
                chosen.append(tag)
        title = _sentence(rng, rng.randint(4, 8))[:-1]
        slug = slugify(title)
        if slug in used:
            slug = with_suffix(slug, article_id[-6:].lower())
        used.add(slug)
        post = Post(
            id=article_id,
            slug=slug,
            title=title,
            author=rng.choices(authors, author_weights)[0],
            tags=tuple(chosen),
            featured=n in featured,
            published_at=published.isoformat().replace("+00:00", "Z"),
        )
        planned.append((post, markdown_body(rng, 55 if n in long_reads else None)))
    return planned


def plan_pages(scale: Scale, rng: random.Random) -> list[tuple[Post, str]]:
    """``scale.pages`` pages (About, Contact...): published in the first year, no tags, by the
    first author; their slugs are no post's (a post's slug is several words)."""
    from byline.ids import new_id

    authors = author_names(scale.authors)
    planned = []
    for n in range(scale.pages):
        title = _PAGES[n % len(_PAGES)] + ("" if n < len(_PAGES) else f" {n // len(_PAGES) + 1}")
        published = END - timedelta(days=YEARS * 365 - n, seconds=rng.randrange(86_400))
        page = Post(
            id=new_id(published),
            slug=title.lower().replace(" ", "-"),
            title=title,
            author=authors[0],
            tags=(),
            featured=False,
            published_at=published.isoformat().replace("+00:00", "Z"),
            page=True,
        )
        planned.append((page, markdown_body(rng, 2)))
    return planned


def _draft(post: Post, body: str) -> ArticleRecord:
    from byline.content.markdown import excerpt, render
    from byline.content.reading_time import reading_minutes

    rendered = render(body, site_host=SITE_HOST)
    published = datetime.fromisoformat(post.published_at.replace("Z", "+00:00"))
    created = (published - timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    return ArticleRecord(
        id=post.id,
        slug=post.slug,
        title=post.title,
        author=post.author,
        status="draft",
        version=1,
        created_at=created,
        updated_at=created,
        body=body,
        html=rendered.html,
        excerpt=excerpt(rendered.text),
        reading_minutes=reading_minutes(rendered.text, rendered.images),
        tags=post.tags,
        featured=post.featured,
        page=post.page,
    )


def publish(articles: Any, post: Post, body: str) -> int:
    """``Articles.create`` then ``Articles.save`` to published, as the articles service does
    (``ArticleService._published``), with the post's own publication time; returns the bytes
    the catalogue reckons the post adds to a response (``catalogue.response_bytes``)."""
    from byline.data.catalogue import response_bytes

    draft = _draft(post, body)
    articles.create(draft)
    articles.save(
        draft,
        replace(
            draft,
            status="published",
            published_at=post.published_at,
            released_at=post.published_at,
            updated_at=post.published_at,
        ),
        keep_alias=False,
    )
    return response_bytes(draft.to_item())


@dataclass
class Population:
    scale: Scale
    posts: list[Post]
    pages: list[Post]
    bodies_bytes: int
    html_bytes: int
    seconds: float
    key: str
    responses: list[int]
    """``catalogue.response_bytes`` of each post."""

    @property
    def largest_response(self) -> int:
        return max(self.responses)

    @property
    def expected_limit(self) -> int:
        """The ``limit`` a ``limit=all`` browse with html should get: at most 100, and no more
        than the largest posts (by their size classes) that fit the service's budget."""
        from byline.services.ghost_content import RESPONSE_BUDGET

        largest = sorted(self.classes(), reverse=True)[:100]
        total, fitted = 0, 0
        for size in largest:
            if total + size > RESPONSE_BUDGET:
                break
            total, fitted = total + size, fitted + 1
        return 100 if fitted == len(largest) else max(1, fitted)

    def classes(self) -> list[int]:
        """Each post's size class, in bytes (what the catalogue counts)."""
        from byline.data.catalogue import SIZE_CLASS_BYTES

        return [-(-r // SIZE_CLASS_BYTES) * SIZE_CLASS_BYTES for r in self.responses]

    @property
    def requests_to_read_all(self) -> int:
        """The requests a client following ``meta.pagination.next`` from ``limit=all`` with
        html makes to read every post."""
        return math.ceil(len(self.posts) / self.expected_limit)

    @property
    def by_tag(self) -> Counter[str]:
        return Counter(t for p in self.posts for t in p.tags)

    @property
    def by_author(self) -> Counter[str]:
        return Counter(p.author for p in self.posts)


def populate(stack: Stack, scale: Scale, seed: int = 15) -> Population:
    from byline import aws
    from byline.clock import iso
    from byline.data import keys
    from byline.data.articles import Articles
    from byline.data.content_keys import ContentKeyRecord, ContentKeys
    from byline.data.table import Table
    from byline.data.users import UserRecord
    from byline.ids import new_id
    from byline.services.content_keys import MAX_KEYS, new_key

    rng = random.Random(seed)
    table = Table(str(stack.ref("Table")), aws.dynamodb())
    for n, username in enumerate(author_names(scale.authors)):
        name = f"{_FIRST[n % len(_FIRST)]} {_LAST[(n * 5) % len(_LAST)]}"
        profile = UserRecord(
            username=username,
            email=f"{username}@example.com",
            display_name=name,
            role="author",
            confirmed=True,
            bio=f"{name} writes about {' and '.join(rng.sample(_TOPICS, 2))}. "
            + _sentence(rng, 14),
            website=f"https://{username}.example.org",
            location=rng.choice(("Lisbon", "Nairobi", "Osaka", "Quito", "Tallinn")),
            joined_at=iso(END - timedelta(days=YEARS * 365 + 30)),
        )
        table.put({**keys.user_profile(username), **profile.to_item()})
    planned = plan_posts(scale, rng)
    pages = plan_pages(scale, rng)
    articles = Articles(table)
    started = time.perf_counter()
    with ThreadPoolExecutor(scale.threads) as pool:
        responses = list(pool.map(lambda planned_post: publish(articles, *planned_post), planned))
    seconds = time.perf_counter() - started
    for page, page_body in pages:
        publish(articles, page, page_body)
    key = new_key()
    ContentKeys(table).add(
        ContentKeyRecord(
            id=new_id(END), name="bench", key=key, created_at=iso(END), created_by="admin"
        ),
        limit=MAX_KEYS,
    )
    html = sum(len(_draft(p, b).html.encode()) for p, b in planned[:200]) / min(200, len(planned))
    body = sum(len(b.encode()) for _, b in planned) / len(planned)
    return Population(
        scale=scale,
        posts=[p for p, _ in planned],
        pages=[p for p, _ in pages],
        bodies_bytes=round(body),
        html_bytes=round(html),
        seconds=seconds,
        key=key,
        responses=responses,
    )


# ---------------------------------------------------------------- the requests


@dataclass
class Calls:
    """Every AWS call made in the process while recording: (service, operation)."""

    made: list[tuple[str, str]] = field(default_factory=list)

    def dynamodb(self) -> Counter[str]:
        return Counter(op for service, op in self.made if service == "dynamodb")

    @property
    def requests(self) -> int:
        return sum(self.dynamodb().values())

    def text(self) -> str:
        return ", ".join(f"{op} {n}" for op, n in sorted(self.dynamodb().items())) or "none"


@contextlib.contextmanager
def recording() -> Iterator[Calls]:
    from botocore.client import BaseClient

    calls = Calls()
    original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - untyped private
    lock = threading.Lock()

    def recorded(client: Any, operation: str, params: Any) -> Any:
        service = client.meta.service_model.service_name
        with lock:
            calls.made.append((service, operation))
        return original(client, operation, params)

    setattr(BaseClient, "_make_api_call", recorded)  # noqa: B010
    try:
        yield calls
    finally:
        setattr(BaseClient, "_make_api_call", original)  # noqa: B010


class Api:
    """The Content API function's handler, loaded and called as the local runtime does."""

    def __init__(self, stack: Stack, key: str) -> None:
        from local.runtime import function_specs, load_handler

        self.spec = function_specs(stack)["GhostContentFunction"]
        self.key = key
        with self._environment():
            _forget_layer_caches()  # settings and clients as the function's environment says
            self.handler = load_handler(self.spec)

    @contextlib.contextmanager
    def _environment(self) -> Iterator[None]:
        saved = {name: os.environ.get(name) for name in self.spec.environment}
        os.environ.update(self.spec.environment)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def event(self, path: str, parameters: Sequence[tuple[str, str]]) -> dict[str, Any]:
        multi: dict[str, list[str]] = {}
        for name, value in [*parameters, ("key", self.key)]:
            multi.setdefault(name, []).append(value)
        return {
            "resource": "/ghost/api/{path+}",
            "path": path,
            "httpMethod": "GET",
            "headers": {"Host": "api.byline.example", "Accept": "application/json"},
            "multiValueHeaders": {"Host": ["api.byline.example"], "Accept": ["application/json"]},
            "queryStringParameters": {k: v[-1] for k, v in multi.items()},
            "multiValueQueryStringParameters": multi,
            "pathParameters": {"path": path.removeprefix("/ghost/api/")},
            "requestContext": {"requestId": str(uuid.uuid4()), "stage": "bench"},
            "body": None,
            "isBase64Encoded": False,
        }

    def call(self, path: str, parameters: Sequence[tuple[str, str]]) -> dict[str, Any]:
        from local.runtime import LambdaContext

        context = LambdaContext(self.spec, str(uuid.uuid4()), int(time.time() * 1000) + 30_000)
        with self._environment():
            return dict(self.handler(self.event(path, parameters), context))


@dataclass
class Case:
    name: str
    path: str
    parameters: tuple[tuple[str, str], ...]
    kind: str
    """``browse`` (a target of three requests), ``slug`` (two), ``size`` (6 MB), ``other``.
    Every case's response must also stay under Lambda's 6 MB."""
    total: int | None = None
    """The ``meta.pagination.total`` the written data calls for (None: not checked)."""
    expected_ids: Callable[[int, int], list[str]] | None = None
    """The Ghost ids of page ``page`` at limit ``limit``, in Ghost's order."""
    limit: int | None = None
    """The ``meta.pagination.limit`` due (None: not checked)."""

    @property
    def request(self) -> str:
        shown = [(k, v) for k, v in self.parameters]
        return self.path.removeprefix("/ghost/api/content") + (
            "?" + urlencode(shown, safe=":,+'>") if shown else ""
        )


@dataclass
class Measurement:
    case: Case
    status: int
    calls: Calls
    scans: int
    bytes: int
    """The response as Lambda returns it: the JSON of the proxy result (what its 6 MB bounds)."""
    seconds: float
    pagination: dict[str, Any] | None
    items: int
    problems: list[str]


def measure(api: Api, case: Case, runs: int = RUNS) -> Measurement:
    times, recorded = [], []
    response: dict[str, Any] = {}
    for _ in range(runs):
        with recording() as calls:
            started = time.perf_counter()
            response = api.call(case.path, case.parameters)
            times.append(time.perf_counter() - started)
        recorded.append(calls)
    calls = recorded[-1]
    body = str(response.get("body") or "")
    document = json.loads(body) if body else {}
    pagination = (document.get("meta") or {}).get("pagination")
    resource = next((k for k in document if k != "meta"), "")
    listed = document.get(resource) or []
    status = int(response.get("statusCode", 0))
    scans = sum(1 for s, op in calls.made if s == "dynamodb" and op == "Scan")
    problems = []
    if status != 200:
        problems.append(f"status {status}: {body[:300]}")
    if any(c.made != calls.made for c in recorded):
        problems.append("the calls differ from run to run")
    m = Measurement(
        case=case,
        status=status,
        calls=calls,
        scans=scans,
        bytes=len(json.dumps(response).encode()),
        seconds=statistics.median(times),
        pagination=pagination,
        items=len(listed),
        problems=problems,
    )
    m.problems += check(m, listed)
    return m


def check(m: Measurement, listed: list[dict[str, Any]]) -> list[str]:
    """The issue's targets and the data's truth, as problems (none: all met)."""
    case, problems = m.case, []
    if case.kind == "browse":
        if m.calls.requests > BROWSE_TARGET:
            problems.append(
                f"{m.calls.requests} DynamoDB requests ({m.calls.text()}), "
                f"the target is at most {BROWSE_TARGET}"
            )
        if m.scans:
            problems.append(f"{m.scans} Scan")
    if case.kind == "slug" and m.calls.requests > SLUG_TARGET:
        problems.append(
            f"{m.calls.requests} DynamoDB requests ({m.calls.text()}), "
            f"the target is at most {SLUG_TARGET}"
        )
    if m.bytes >= LAMBDA_RESPONSE_LIMIT:
        problems.append(f"{m.bytes:,} bytes, over Lambda's {LAMBDA_RESPONSE_LIMIT:,}")
    if case.limit is not None and m.pagination and m.pagination.get("limit") != case.limit:
        problems.append(f"meta.pagination.limit is {m.pagination.get('limit')}, {case.limit} due")
    if case.total is not None:
        total = (m.pagination or {}).get("total")
        if total != case.total:
            problems.append(f"meta.pagination.total is {total}, {case.total} were written")
    if case.expected_ids is not None and m.pagination:
        expected = case.expected_ids(int(m.pagination["page"]), int(m.pagination["limit"]))
        got = [str(p.get("id")) for p in listed]
        if got != expected:
            problems.append(
                f"the page holds {len(got)} items, {len(expected)} expected"
                if len(got) != len(expected)
                else "the page's items differ from the written ones in Ghost's order"
            )
    return problems


def cases(population: Population) -> list[Case]:
    from byline.ghost.ids import content_id

    posts = population.posts
    newest = sorted(posts, key=lambda p: p.order_key, reverse=True)
    include = ("include", "tags,authors")

    def page_of(members: list[Post]) -> Callable[[int, int], list[str]]:
        def ids(page: int, limit: int) -> list[str]:
            window = members[(page - 1) * limit : page * limit]
            return [content_id("post", p.id) for p in window]

        return ids

    def pages(total: int, limit: int = 15) -> list[tuple[str, int]]:
        last = max(1, math.ceil(total / limit))
        return [("page 1", 1), ("middle page", max(1, (last + 1) // 2)), ("last page", last)]

    tag, _ = population.by_tag.most_common(1)[0]
    author, _ = population.by_author.most_common(1)[0]
    scopes: list[tuple[str, str | None, list[Post]]] = [
        ("posts", None, newest),
        (f"posts, tag {tag}", f"tag:{tag}", [p for p in newest if tag in p.tags]),
        (f"posts, author {author}", f"author:{author}", [p for p in newest if p.author == author]),
        ("posts, featured", "featured:true", [p for p in newest if p.featured]),
    ]
    found: list[Case] = []
    base = "/ghost/api/content/posts/"
    for label, nql, members in scopes:
        for where, page in pages(len(members)):
            parameters: list[tuple[str, str]] = [("limit", "15"), include, ("page", str(page))]
            if nql:
                parameters.insert(0, ("filter", nql))
            found.append(
                Case(
                    f"{label}, {where}",
                    base,
                    tuple(parameters),
                    "browse",
                    total=len(members),
                    expected_ids=page_of(members),
                )
            )
    since = COMPOUND_SINCE + "T00:00:00Z"
    compound = [p for p in newest if tag in p.tags and p.published_at > since]
    found.append(
        Case(
            f"posts, tag {tag} published since {COMPOUND_SINCE} (compound)",
            base,
            (("filter", f"tag:{tag}+published_at:>'{COMPOUND_SINCE}'"), ("limit", "15"), include),
            "other",
            total=len(compound),
            expected_ids=page_of(compound),
        )
    )
    by_title = sorted(posts, key=lambda p: p.id)
    by_title.sort(key=lambda p: p.title.casefold())
    found.append(
        Case(
            "posts, order=title asc",
            base,
            (("order", "title asc"), ("limit", "15"), include),
            "other",
            total=len(posts),
            expected_ids=page_of(by_title),
        )
    )
    for limit in ("all", "100"):
        found.append(
            Case(
                f"posts, limit={limit} with html",
                base,
                (("limit", limit), ("formats", "html"), include),
                "size",
                total=len(posts),
                expected_ids=page_of(newest),
                limit=population.expected_limit,
            )
        )
    middle = newest[len(newest) // 2]
    found.append(
        Case(
            "post by slug",
            f"{base}slug/{middle.slug}/",
            (include,),
            "slug",
        )
    )
    found.append(Case("post by id", f"{base}{content_id('post', middle.id)}/", (include,), "other"))
    site_pages = sorted(population.pages, key=lambda p: p.title.casefold())
    found.append(
        Case(
            "pages",
            "/ghost/api/content/pages/",
            (("limit", "15"), include),
            "other",
            total=len(site_pages),
            expected_ids=page_of(site_pages),
        )
    )
    if site_pages:
        found.append(
            Case(
                "page by slug",
                f"/ghost/api/content/pages/slug/{site_pages[0].slug}/",
                (include,),
                "slug",
            )
        )
    found.append(
        Case(
            "tags, include=count.posts",
            "/ghost/api/content/tags/",
            (("include", "count.posts"), ("limit", "all")),
            "other",
            total=len(population.by_tag),
        )
    )
    found.append(
        Case(
            "authors, include=count.posts",
            "/ghost/api/content/authors/",
            (("include", "count.posts"), ("limit", "all")),
            "other",
            total=len(population.by_author),
        )
    )
    found.append(Case("settings", "/ghost/api/content/settings/", (), "other"))
    return found


# ---------------------------------------------------------------- running and reporting


@dataclass
class Result:
    population: Population
    measurements: list[Measurement]

    @property
    def problems(self) -> list[str]:
        return [f"{m.case.name}: {p}" for m in self.measurements for p in m.problems]


def run(
    scale: Scale,
    *,
    endpoint: str | None = None,
    stage: str = "benchghost",
    runs: int = RUNS,
    progress: Callable[[str], None] = lambda _: None,
) -> Result:
    from bench.digests import throwaway_stack, use_stack_environment

    saved = dict(os.environ)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(_restore_environment, saved)
        if endpoint is None:
            endpoint = cleanup.enter_context(MotoServer(0, scale_patches=True)).endpoint
        with throwaway_stack(stage, endpoint) as stack:
            use_stack_environment(stack)
            # moto answers a Query of a 10,000-entry partition in seconds on a busy machine:
            # the local runtime's read timeout, not Lambda's five seconds
            os.environ["AWS_READ_TIMEOUT"] = LOCAL_AWS_READ_TIMEOUT
            _forget_layer_caches()
            progress(f"writing {scale.posts:,} posts on {scale.threads} threads...")
            population = populate(stack, scale)
            progress(
                f"  {population.seconds:.0f} s ({population.seconds / scale.posts * 1000:.0f} ms "
                "a post: two transactions)"
            )
            api = Api(stack, population.key)
            api.call("/ghost/api/content/settings/", ())  # the cold start, not measured
            measurements = []
            for case in cases(population):
                measurements.append(measure(api, case, runs))
                progress(f"  {case.name}: {measurements[-1].calls.text()}")
    return Result(population, measurements)


def _restore_environment(saved: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(saved)
    _forget_layer_caches()


def _forget_layer_caches() -> None:
    """Every ``functools.cache`` of the layer (its services hold the clients they were built
    with), as tests/support/layer_caches.py does."""
    for name, module in list(sys.modules.items()):
        if name == "byline" or name.startswith("byline."):
            for value in list(vars(module).values()):
                clear = getattr(value, "cache_clear", None)
                if callable(clear):
                    clear()


def _limit_of(m: Measurement) -> str:
    return "" if not m.pagination else str(m.pagination.get("limit"))


def markdown(result: Result, info: dict[str, str], command: str) -> str:
    from bench import report

    p = result.population
    s = p.scale
    tags, authors = p.by_tag, p.by_author
    featured = sum(1 for post in p.posts if post.featured)
    rows = []
    for m in result.measurements:
        total = "" if not m.pagination else f"{m.pagination.get('total'):,}"
        rows.append(
            [
                m.case.name,
                f"`{m.case.request}`",
                f"{m.calls.requests} ({m.calls.text()})",
                "yes" if m.scans else "no",
                f"{m.bytes:,}",
                _limit_of(m),
                total,
                report.ms(m.seconds),
                "; ".join(m.problems) or "ok",
            ]
        )
    header = [
        "case",
        "request",
        "DynamoDB requests (the whole request)",
        "Scan",
        "Lambda response bytes",
        "limit",
        "total",
        "median ms",
        "targets",
    ]
    verdict = (
        "Every target is met."
        if not result.problems
        else f"**{len(result.problems)} target(s) missed** (the last column)."
    )
    lines = [
        f"{s.posts:,} published posts, {len(tags)} tags, {len(authors)} authors, {featured} "
        f"featured, {len(p.pages)} pages, written by `{command}` on {info['date']} at "
        f"{info['commit']} ({info['cpu']}, {info['cores']} cores, "
        f"load {info['load average (1, 5, 15 min) at the end']}).",
        "",
        f"Every post went through `Articles.create` then `Articles.save` (published), on "
        f"{s.threads} threads: {p.seconds:,.0f} s in all, "
        f"{p.seconds / s.posts * 1000:,.0f} ms a post on moto. Bodies average "
        f"{p.bodies_bytes:,} bytes of Markdown ({p.html_bytes:,} of html); posts span "
        f"{YEARS} years up to {END:%Y-%m-%d}, {s.busy_days} busy days hold about 4 % of them; "
        f"two tags each (the most used, `{tags.most_common(1)[0][0]}`, has "
        f"{tags.most_common(1)[0][1]:,} posts, the least used "
        f"{min(tags.values()):,}), authors from {min(authors.values()):,} to "
        f"{max(authors.values()):,} posts.",
        "",
        "Each request is the real handler of functions/ghost_content/app.py called in process "
        "with an API Gateway proxy event and a valid key; the requests are every AWS call of "
        "the process during the request (the key is read inside the route's first "
        "BatchGetItem: it has no request of its own). Response bytes are the proxy result's "
        "JSON, as Lambda returns it. "
        f"Times are the median of {RUNS} warm calls on moto on a noisy shared machine: "
        "compare them with each other, not with AWS. Targets (issue 15): a posts browse "
        "with no filter, one tag or author filter or `featured:true`, any page: at most "
        f"{BROWSE_TARGET} DynamoDB requests and no Scan; a read by slug at most {SLUG_TARGET}; "
        f"every response, `limit=all` and `limit=100` with html among them, under "
        f"{LAMBDA_RESPONSE_LIMIT:,} bytes; `meta.pagination.total` exactly what was written; "
        "pages hold exactly the written items in Ghost's order. " + verdict,
        "",
        size_line(result),
        "",
        report.table(header, rows),
    ]
    return "\n".join(lines)


def size_line(result: Result) -> str:
    """``limit=all``/``limit=100`` with html: the limit the size classes allow, the bytes, and
    what a client following ``next`` pays to read every post."""
    p = result.population
    sized = [m for m in result.measurements if m.case.kind == "size"]
    shown = "; ".join(f"`{m.case.request}`: limit {_limit_of(m)}, {m.bytes:,} bytes" for m in sized)
    return (
        f"With html a page may hold at most the posts whose size classes fit the budget (the "
        f"largest, one of {p.scale.long_reads} long reads, is {p.largest_response:,} bytes as "
        f"it reaches Lambda's response): {shown}. A client following `meta.pagination.next` from "
        f"`limit=all` reads all {len(p.posts):,} posts in "
        f"**{p.requests_to_read_all:,} requests** ({p.expected_limit} a page)."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ghost_content", description=__doc__)
    parser.add_argument("--posts", type=int, default=FULL.posts)
    parser.add_argument("--threads", type=int, default=FULL.threads)
    parser.add_argument(
        "--write", action="store_true", help="update the Ghost section of bench/RESULTS.md"
    )
    args = parser.parse_args(argv)
    scale = replace(FULL, posts=args.posts, threads=args.threads)
    result = run(scale, progress=lambda line: print(line, file=sys.stderr, flush=True))
    from bench import report

    section = markdown(result, report.machine(), "make bench-ghost")
    print(section)
    if args.write:
        report.write_section("ghost-content", "## Ghost Content API at 10,000 posts", section)
        print(f"wrote the Ghost section of {report.RESULTS_DOC}", file=sys.stderr)
    for problem in result.problems:
        print(f"MISSED: {problem}", file=sys.stderr)
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
