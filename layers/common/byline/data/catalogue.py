"""The Content API's catalogue: listed posts by scope, counted per day, so any page of a browse
is found without counting or reading what comes before it (docs/decisions/0018).

A *listed post* is a published article that is not a page. Each scope the Content API pages
through has slim entries sorted by ``<published_at>#<id>`` and a counter item whose attributes
count its entries per UTC day (``d20261130: 3``):

| scope | entries | day counts |
|---|---|---|
| every listed post | the sitemap's entries (``SITEMAP``) | ``CATALOGUE`` / ``ALL`` |
| one tag | its listing entries (``TAG#<t>``) | its counter (``TAGS`` / ``TAG#<t>``) |
| one author | ``AUTHORPOSTS#<u>`` | ``CATALOGUE`` / ``AUTHOR#<u>`` |
| featured posts | ``FEATURED`` | ``CATALOGUE`` / ``FEATURED`` |

Every change is made in the transaction that changes the article (``Articles.save`` adds
:func:`catalogue_ops`), so counts and entries never disagree. Page *n* of a browse: read the
scope's counter (one GetItem), add the days newest first until the offset falls in one, then
one Query of the entries from the end of that day with ``Limit`` = what precedes the offset in
that day + the page's limit. Its cost is bounded by one day's posts, not by the page number.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

from byline.data import keys
from byline.data.table import Item, Table, delete_op, put_op, update_op
from byline.ghost.ids import content_id

ENTRY_FIELDS = ("id", "slug", "title", "author", "tags", "featured", "published_at", "updated_at")
"""What a slim entry copies: enough to filter (NQL) and order without reading the article."""


def is_listed(article: Mapping[str, Any] | None) -> bool:
    """A published post (pages are kept out of every listing)."""
    return article is not None and article.get("status") == "published" and not article.get("page")


def entry(article: Mapping[str, Any]) -> Item:
    return {f: article.get(f) for f in ENTRY_FIELDS if article.get(f) is not None}


def entry_item(key: keys.Key, article: Mapping[str, Any]) -> Item:
    """The catalogue entry of ``article`` under ``key`` (an author's or a featured entry)."""
    return {**key, "kind": "catalogue-entry", **entry(article)}


def author_entry_key(article: Mapping[str, Any]) -> keys.Key:
    return keys.author_post(str(article["author"]), article["published_at"], article["id"])


def featured_entry_key(article: Mapping[str, Any]) -> keys.Key:
    return keys.featured_post(article["published_at"], article["id"])


def ghost_id_item(article: Mapping[str, Any]) -> Item:
    """The lookup from a published post's or page's Content API id to its own id."""
    return {
        **keys.ghost_id(content_id("post", str(article["id"]))),
        "kind": "ghost-id",
        "article_id": article["id"],
    }


SIZE_CLASS_BYTES = 16_384
"""Listed posts are also counted by size class (``z3``: up to 3 x 16 KiB of response): a
browse keeps its limit where no page of whole posts can pass Lambda's 6 MB (``page_limit``)."""


OTHER_FIELDS_BYTES = 18_432
"""What a post's object holds besides the text counted from the article (18 KiB): Ghost's keys
and nulls, up to five tag objects with a primary tag, the author twice (authors[0] and
primary_author; realistic profiles, whose worst case a browse's final check catches), and an
automatic excerpt of 500 characters."""


def _escaped(text: str) -> int:
    """Bytes of ``text`` in the handler's JSON body inside the runtime's JSON of the response
    (which writes non-ASCII text as ``\\uXXXX``)."""
    return len(json.dumps(json.dumps(text, ensure_ascii=False))) - 6 if text else 0


def response_bytes(article: Mapping[str, Any]) -> int:
    """An upper bound of the bytes a post adds to a Content API response as it reaches
    Lambda's limit: its html and plaintext (at most the html's text), its own text fields
    (the custom excerpt twice: it is also the excerpt), its tags three times (a tag's name,
    slug and url) and twice more as the primary tag, and :data:`OTHER_FIELDS_BYTES`."""
    html = str(article.get("html") or "")
    own = [
        str(article.get(name) or "")
        for name in ("title", "slug", "custom_excerpt", "custom_excerpt", "meta_title",
                     "meta_description", "canonical_url", "cover")
    ]  # fmt: skip
    tags = [str(t) for t in article.get("tags") or ()]
    texts = [html, html, *own, *tags * 3, *tags[:1] * 3]
    return sum(_escaped(t) for t in texts) + OTHER_FIELDS_BYTES


def size_attribute(article: Mapping[str, Any]) -> str:
    return f"z{-(-response_bytes(article) // SIZE_CLASS_BYTES)}"


def size_class_of(name: str) -> int | None:
    """The size class of a counter attribute ``z3``; None for one that is no size count."""
    return int(name[1:]) if name.startswith("z") and name[1:].isdigit() else None


def is_count_attribute(name: str) -> bool:
    """A counter attribute that counts posts (a day's ``d20261130``, a size class's ``z3``)."""
    return keys.day_of_attribute(name) is not None or size_class_of(name) is not None


def size_moves(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, int]:
    moves: dict[str, int] = {}
    if before is not None:
        moves[size_attribute(before)] = moves.get(size_attribute(before), 0) - 1
    if after is not None:
        moves[size_attribute(after)] = moves.get(size_attribute(after), 0) + 1
    return {name: delta for name, delta in moves.items() if delta}


def day_moves(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, int]:
    """How a scope's day counts change when a member ``before`` becomes ``after`` (None: not a
    member): ``{"d20261130": -1, "d20261201": +1}``; empty when nothing moves."""
    moves: dict[str, int] = {}
    if before is not None:
        day = keys.day_attribute(str(before["published_at"]))
        moves[day] = moves.get(day, 0) - 1
    if after is not None:
        day = keys.day_attribute(str(after["published_at"]))
        moves[day] = moves.get(day, 0) + 1
    return {day: delta for day, delta in moves.items() if delta}


def count_expression(
    moves: Mapping[str, int], *, prefix: str = "c"
) -> tuple[str, dict[str, str], dict[str, int]]:
    """An ``ADD`` clause (without the keyword) for ``moves``, with its names and values."""
    parts, names, values = [], {}, {}
    for i, (day, delta) in enumerate(sorted(moves.items())):
        names[f"#{prefix}{i}"] = day
        values[f":{prefix}{i}"] = delta
        parts.append(f"#{prefix}{i} :{prefix}{i}")
    return ", ".join(parts), names, values


def _counter_op(key: keys.Key, moves: Mapping[str, int], **attributes: str) -> dict[str, Any]:
    clause, names, values = count_expression(moves)
    sets = []
    for i, (name, value) in enumerate(sorted(attributes.items())):
        names[f"#s{i}"] = name
        values[f":s{i}"] = value  # type: ignore[assignment]
        sets.append(f"#s{i} = :s{i}")
    expression = f"ADD {clause}" + (f" SET {', '.join(sets)}" if sets else "")
    return update_op(key, expression, names=names, values=values)


def _scope_ops(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    entry_key: Callable[[Mapping[str, Any]], keys.Key],
    counter: keys.Key,
    **counter_attributes: str,
) -> list[dict[str, Any]]:
    """Keep one scope's entry and day counts in step with an article that was ``before`` and
    is ``after`` a member (None: not a member)."""
    ops: list[dict[str, Any]] = []
    if before is not None and (after is None or before["published_at"] != after["published_at"]):
        ops.append(delete_op(entry_key(before)))
    if after is not None:
        ops.append(put_op(entry_item(entry_key(after), after)))
    moves = day_moves(before, after)
    if moves:
        ops.append(_counter_op(counter, moves, **counter_attributes))
    return ops


def catalogue_ops(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The writes that keep the catalogue in step when an article is saved from ``before`` to
    ``after`` (its sitemap and tag entries are written by ``Articles`` itself; the tag
    counters' day counts by its tag operations)."""
    was = before if is_listed(before) else None
    now = after if is_listed(after) else None
    ops: list[dict[str, Any]] = []
    # every listed post: entries are the sitemap's; only the day counts are kept here
    moves = day_moves(was, now) | size_moves(was, now)
    if moves:
        ops.append(_counter_op(keys.catalogue_all(), moves))
    # the author's posts; an account's deletion hands its articles to a pseudonym in the
    # save that unpublishes them: the entry and count leave the old author's scope
    old_author, new_author = str(before.get("author") or after["author"]), str(after["author"])
    scopes = (
        [(was, now, new_author)]
        if old_author == new_author
        else [(was, None, old_author), (None, now, new_author)]
    )
    for member_before, member_after, author in scopes:
        ops.extend(
            _scope_ops(
                member_before,
                member_after,
                author_entry_key,
                keys.catalogue_author(author),
                author=author,
                kind="catalogue-author",
            )
        )
    # featured posts
    ops.extend(
        _scope_ops(
            was if was is not None and was.get("featured") else None,
            now if now is not None and now.get("featured") else None,
            featured_entry_key,
            keys.catalogue_featured(),
        )
    )
    # the Content API id of a post or page, found by /posts/{id}/ and /pages/{id}/
    if after.get("status") == "published" and before.get("status") != "published":
        ops.append(put_op(ghost_id_item(after)))
    return ops


# -- reads ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DayCounts:
    """A scope's listed posts per UTC day (``2026-11-30``), days without any left out."""

    days: Mapping[str, int]

    @classmethod
    def from_item(cls, item: Mapping[str, Any] | None) -> Self:
        days: dict[str, int] = {}
        for name, value in (item or {}).items():
            day = keys.day_of_attribute(name)
            if day is not None and int(value) > 0:
                days[day] = int(value)
        return cls(days=days)

    @property
    def total(self) -> int:
        return sum(self.days.values())

    @staticmethod
    def post_sizes(item: Mapping[str, Any] | None) -> dict[int, int]:
        """How many listed posts there are of each size class, by the class's response bytes
        (an upper bound of each of its posts)."""
        return {
            size * SIZE_CLASS_BYTES: int(value)
            for name, value in (item or {}).items()
            if (size := size_class_of(name)) is not None and int(value) > 0
        }

    def locate(self, offset: int, *, newest_first: bool = True) -> tuple[str, int] | None:
        """The day holding the ``offset``-th post (0-based) in the given order, and how many
        posts of that day come before it; None past the end."""
        seen = 0
        for day in sorted(self.days, reverse=newest_first):
            count = self.days[day]
            if offset < seen + count:
                return day, offset - seen
            seen += count
        return None


def page_limit(requested: int, sizes: Mapping[int, int], budget: int) -> int:
    """The largest limit, at most ``requested``, at which no page can pass ``budget`` bytes:
    however the posts fall into pages, a page of *n* holds at most the *n* largest. ``sizes``
    counts posts by their bytes. At least 1 (a single post always fits Lambda's limit)."""
    taken, spent = 0, 0
    for size in sorted(sizes, reverse=True):
        fitting = min(sizes[size], requested - taken, (budget - spent) // size)
        taken, spent = taken + fitting, spent + fitting * size
        if taken == requested or fitting < sizes[size]:
            return max(1, taken)
    return requested  # every post fits in one page


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """A slim copy of a listed post (a sitemap, tag, author or featured entry)."""

    id: str
    slug: str
    title: str
    author: str
    tags: tuple[str, ...]
    featured: bool
    published_at: str
    updated_at: str | None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        published_at, article_id = keys.parse_timeline_sort(str(item["SK"]))
        return cls(
            id=str(item.get("id") or article_id),
            slug=str(item.get("slug") or ""),
            title=str(item.get("title") or ""),
            author=str(item.get("author") or ""),
            tags=tuple(str(t) for t in item.get("tags") or ()),
            featured=bool(item.get("featured")),
            published_at=str(item.get("published_at") or published_at),
            updated_at=None if item.get("updated_at") is None else str(item["updated_at"]),
        )


Scope = tuple[str, str]
"""``("all", "")``, ``("tag", <tag>)``, ``("author", <username>)`` or ``("featured", "")``."""


def _scope_keys(scope: Scope) -> tuple[keys.Key, str]:
    kind, value = scope
    if kind == "all":
        return keys.catalogue_all(), keys.sitemap_partition()
    if kind == "tag":
        return keys.tag_counter(value), keys.tag_partition(value)
    if kind == "author":
        return keys.catalogue_author(value), keys.author_posts_partition(value)
    if kind == "featured":
        return keys.catalogue_featured(), keys.featured_partition()
    raise ValueError(f"no catalogue scope {scope!r}")


@dataclass(frozen=True, slots=True)
class AuthorCount:
    username: str
    posts: int


class Catalogue:
    """Reads of the catalogue: counts, a page of entries, whole scopes."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def counts(self, scope: Scope) -> DayCounts:
        counter, _ = _scope_keys(scope)
        return DayCounts.from_item(self._table.get(counter))

    def browse_start(
        self, scope: Scope, also: Sequence[keys.Key] = ()
    ) -> tuple[DayCounts, dict[int, int], dict[tuple[str, str], Item]]:
        """What a browse of ``scope`` reads first, in one BatchGetItem: the scope's day counts,
        the listed posts by size class, and the items ``also`` names (the settings,
        the request's key), by (PK, SK)."""
        counter, _ = _scope_keys(scope)
        wanted = [counter, keys.catalogue_all(), *also]
        unique = list({(k["PK"], k["SK"]): k for k in wanted}.values())
        found = {(str(i["PK"]), str(i["SK"])): i for i in self._table.get_many(unique)}
        all_counter = found.get((keys.catalogue_all()["PK"], keys.catalogue_all()["SK"]))
        scope_counter = found.get((counter["PK"], counter["SK"]))
        return DayCounts.from_item(scope_counter), DayCounts.post_sizes(all_counter), found

    def entries_from(
        self, scope: Scope, day: str, take: int, *, newest_first: bool = True
    ) -> list[CatalogueEntry]:
        """Up to ``take`` entries of ``scope`` from the end (newest first) or the start of
        ``day`` on, in that order: one Query unless a day's entries pass 1 MB."""
        _, partition = _scope_keys(scope)
        condition, values = (
            ("SK < :bound", {":bound": f"{day}~"})
            if newest_first
            else ("SK >= :bound", {":bound": day})
        )
        found: list[CatalogueEntry] = []
        start: Mapping[str, Any] | None = None
        while len(found) < take:
            page = self._table.query(
                "PK",
                partition,
                sort_condition=condition,
                values=values,
                forward=not newest_first,
                limit=take - len(found),
                start_key=start,
            )
            found.extend(CatalogueEntry.from_item(i) for i in page.items)
            start = page.last_key
            if start is None:
                break
        return found

    def all_entries(self, scope: Scope) -> list[CatalogueEntry]:
        """Every entry of ``scope``, oldest first (a filter no counter answers)."""
        _, partition = _scope_keys(scope)
        found: list[CatalogueEntry] = []
        start: Mapping[str, Any] | None = None
        while True:
            page = self._table.query("PK", partition, start_key=start)
            found.extend(
                CatalogueEntry.from_item(i) for i in page.items if "#" in str(i.get("SK", ""))
            )
            start = page.last_key
            if start is None:
                return found

    def authors(self) -> list[AuthorCount]:
        """Every author with a listed post, and how many (one Query, counters only)."""
        found: list[AuthorCount] = []
        start: Mapping[str, Any] | None = None
        while True:
            page = self._table.query(
                "PK",
                keys.catalogue_partition(),
                sort_condition="begins_with(SK, :author)",
                values={":author": "AUTHOR#"},
                start_key=start,
            )
            for item in page.items:
                posts = DayCounts.from_item(item).total
                if posts > 0:
                    found.append(AuthorCount(username=str(item["author"]), posts=posts))
            start = page.last_key
            if start is None:
                return found

    def article_id_for(self, content_api_id: str) -> str | None:
        item = self._table.get(keys.ghost_id(content_api_id))
        return None if item is None else str(item["article_id"])

    def items(self, item_keys: Sequence[keys.Key]) -> list[Item]:
        """Items by key, 100 per BatchGetItem request."""
        found: list[Item] = []
        for start in range(0, len(item_keys), 100):
            found.extend(self._table.get_many(item_keys[start : start + 100]))
        return found
