"""A Content API request's parameters, read as Ghost 6 reads them (GHOST-CONTENT-API.md §7).

Every rule here is Ghost's, quirks included, so a front-end written against Ghost gets the
same answer: unknown parameters and unknown ``include`` values are ignored, ``limit=all`` and
any limit above 100 become 100, a limit that does not start with a number becomes 100, ``0``
means the default 15, a bad ``page``, ``limit`` or ``order`` is a 422, and an ``order`` clause
without a direction or on an unknown field is dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from byline.ghost.errors import ValidationError

Resource = Literal["posts", "pages", "tags", "authors", "settings", "tiers"]

MAX_LIMIT: Final = 100
"""Ghost 6's cap (``optimization.maxLimit``): ``limit=all`` is 100."""
DEFAULT_LIMIT: Final = 15

INCLUDES: Final[Mapping[str, frozenset[str]]] = {
    "posts": frozenset({"tags", "authors", "tiers"}),
    "pages": frozenset({"tags", "authors", "tiers"}),
    "tags": frozenset({"count.posts"}),
    "authors": frozenset({"count.posts"}),
    "settings": frozenset(),
    "tiers": frozenset(),
}
FORMATS: Final = frozenset({"html", "plaintext", "mobiledoc", "lexical"})
SOURCE_FORMATS: Final = frozenset({"mobiledoc", "lexical"})
"""Formats Ghost accepts and never returns (its editors' source documents)."""

ORDER_FIELDS: Final[Mapping[str, frozenset[str]]] = {
    "posts": frozenset(
        {"id", "title", "slug", "featured", "published_at", "updated_at", "created_at"}
    ),
    "pages": frozenset(
        {"id", "title", "slug", "featured", "published_at", "updated_at", "created_at"}
    ),
    "tags": frozenset({"id", "name", "slug", "count.posts"}),
    "authors": frozenset({"id", "name", "slug", "count.posts"}),
    "settings": frozenset(),
    "tiers": frozenset({"name"}),
}
DEFAULT_ORDER: Final[Mapping[str, tuple[tuple[str, bool], ...]]] = {
    "posts": (("published_at", True), ("id", True)),
    "pages": (("title", False),),
    "tags": (("name", False),),
    "authors": (("name", False),),
    "settings": (),
    "tiers": (),
}
"""Each resource's order without an ``order`` parameter: (field, descending)."""

_ORDER_TEXT: Final = re.compile(r"[a-z0-9_,. ]+", re.IGNORECASE)
_DIGITS: Final = re.compile(r"[0-9]+")
_PARSE_INT: Final = re.compile(r"\s*[+-]?[0-9]")
MAX_PAGE_DIGITS: Final = 12
"""Byline's limit on ``page``: no site has a trillion pages, and Python will not read a number
of thousands of digits (Ghost would answer an absurd page with an empty one)."""


def action(resource: Resource, *, browse: bool) -> str:
    """How Ghost names the action in its messages: ``list posts`` or ``read post``."""
    return f"list {resource}" if browse else f"read {resource.removesuffix('s')}"


def _invalid(resource: Resource, browse: bool, context: str) -> ValidationError:
    return ValidationError(
        f"Validation error, cannot {action(resource, browse=browse)}.", context=context
    )


def _split(values: Sequence[str]) -> list[str]:
    return [part.strip().lower() for value in values for part in value.split(",") if part.strip()]


@dataclass(frozen=True)
class Query:
    """What a request asks for, validated."""

    resource: Resource
    browse: bool
    include: frozenset[str] = frozenset()
    fields: tuple[str, ...] = ()
    formats: frozenset[str] | None = None
    """None: not asked for (html, unless ``fields`` are); else what was asked, less the
    source formats (so ``formats=mobiledoc`` leaves none)."""
    filter: str | None = None
    limit: int = DEFAULT_LIMIT
    page: int = 1
    order: tuple[tuple[str, bool], ...] | None = None
    """None: the resource's default; ``()``: every clause was dropped (Ghost then orders by
    nothing; Byline falls back to the default, being deterministic)."""
    extra: Mapping[str, str] = field(default_factory=dict)


def _limit(raw: str, resource: Resource, browse: bool) -> int:
    """Ghost's max-limit cap, then its validation, then bookshelf's default."""
    if raw == "all" or not _PARSE_INT.match(raw):
        return MAX_LIMIT
    digits = re.match(r"\s*([+-]?)([0-9]+)", raw)
    if digits is None:  # not reached: _PARSE_INT matched
        return MAX_LIMIT
    sign, number_text = digits.groups()
    significant = number_text.lstrip("0") or "0"  # int() refuses thousands of digits
    if sign != "-" and (len(significant) > 3 or int(significant) > MAX_LIMIT):
        return MAX_LIMIT
    if not _DIGITS.fullmatch(raw):
        raise _invalid(resource, browse, "Validation (matches) failed for limit undefined.limit")
    return int(significant) or DEFAULT_LIMIT


def _order(
    values: Sequence[str], resource: Resource, browse: bool, include: frozenset[str]
) -> tuple[tuple[str, bool], ...]:
    text = ",".join(values)
    if not _ORDER_TEXT.fullmatch(text):
        raise _invalid(resource, browse, "Validation (matches) failed for order undefined.order")
    clauses: list[tuple[str, bool]] = []
    allowed = ORDER_FIELDS[resource]
    for clause in text.split(","):
        words = clause.strip().lower().split()
        if len(words) != 2 or words[1] not in ("asc", "desc"):
            continue
        name = words[0]
        for prefix in ("posts.", "tags.", "users.", "posts_meta."):
            name = name.removeprefix(prefix)
        if name not in allowed or (name == "count.posts" and "count.posts" not in include):
            continue
        if name not in {c[0] for c in clauses}:
            clauses.append((name, words[1] == "desc"))
    return tuple(clauses)


def read_query(
    resource: Resource, parameters: Mapping[str, Sequence[str]], *, browse: bool
) -> Query:
    """The :class:`Query` of a request's parameters (each name with every value it was given).
    Empty values count as absent; a repeated ``include``, ``fields`` or ``formats`` is joined,
    as Express's comma lists are."""

    def values(name: str) -> list[str]:
        return [v for v in parameters.get(name, ()) if v != ""]

    include = frozenset(_split(values("include"))) & INCLUDES[resource]
    fields = tuple(dict.fromkeys(_split(values("fields"))))
    formats: frozenset[str] | None = None
    if resource in ("posts", "pages") and values("formats"):
        asked = _split(values("formats"))
        if any(f not in FORMATS for f in asked):
            raise _invalid(resource, browse, "Validation (AllowedValues) failed for formats")
        formats = frozenset(asked) - SOURCE_FORMATS
    filters = values("filter")
    query = Query(
        resource=resource,
        browse=browse,
        include=include,
        fields=fields,
        formats=formats,
        filter=",".join(filters) if len(filters) > 1 else (filters[0] if filters else None),
    )
    if not browse:
        return query
    limit, page, order = DEFAULT_LIMIT, 1, None
    if values("limit"):
        limit = _limit(values("limit")[-1], resource, browse)
    if values("page"):
        raw = values("page")[-1]
        if not _DIGITS.fullmatch(raw) or len(raw.lstrip("0")) > MAX_PAGE_DIGITS:
            raise _invalid(resource, browse, "Validation (matches) failed for page undefined.page")
        page = int(raw.lstrip("0") or "0") or 1
    if values("order"):
        order = _order(values("order"), resource, browse, include)
    return Query(
        resource=resource,
        browse=True,
        include=include,
        fields=fields,
        formats=formats,
        filter=query.filter,
        limit=limit,
        page=page,
        order=order,
    )


def pagination(page: int, limit: int, total: int) -> dict[str, int | None]:
    """``meta.pagination`` as bookshelf-pagination computes it (§8), quirks included: a page
    past the end still points to the next and previous numbers."""
    pages = max(1, -(-total // limit))
    if pages <= 1:
        next_page = prev_page = None
    elif page == 1:
        next_page, prev_page = 2, None
    elif page == pages:
        next_page, prev_page = None, page - 1
    else:
        next_page, prev_page = page + 1, page - 1
    return {
        "page": page,
        "limit": limit,
        "pages": pages,
        "total": total,
        "next": next_page,
        "prev": prev_page,
    }
