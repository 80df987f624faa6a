"""Ghost's filter language (NQL) for the Content API: parse, evaluate, hint an index.

Mirrors the spec GHOST-CONTENT-API.md §13 (nql-lang 0.7.0, mongo-knex 0.11.2 as Ghost 6.65
uses them), §7.7 and §13.5 (statements Ghost drops) and §5 (error shapes):

- The lexer keeps nql-lang's token rules in their order, quirks included (a one-letter value
  cannot precede `,`, `]` or `)`; double quotes never parse), so a filter that Ghost refuses is
  refused here and one it accepts means the same thing.
- `+` (AND) binds tighter than `,` (OR); parentheses group; `[a,b]` is IN, `-[a,b]` NOT IN,
  `[a+b]` an AND of equalities; `now-30d` is resolved against an injectable clock.
- Statements Ghost drops silently (restricted keys, the overridden `status`) are dropped the
  same way: removed from the tree, so a filter of only such statements is no filter (`None`).
- Anything else Byline does not evaluate (an unknown key, `~` matching, a range on a slug) is a
  400 with Ghost's `Could not understand request.` context, never a silent ignore; text that
  does not parse is a 400 with `Error parsing filter`; a date Ghost's MySQL would reject is a 422.
- Byline's own limits: filters longer than `MAX_FILTER_LENGTH` characters or nested deeper than
  `MAX_DEPTH` parentheses are refused as unparseable (Ghost has no such limit).

Semantics follow the SQL mongo-knex writes: `tag:x` is "has tag x", `tag:-x` and `tag:-[a,b]`
"has none of them" (posts without tags included); `primary_tag:x` is "the first tag is x and
public", `primary_tag:-x` "the first tag is public and not x" (untagged posts excluded);
string comparisons ignore case as MySQL's default collation does; `published_at` compares
at whole seconds, as the stored DATETIME does, and a date alone means its midnight UTC.

Deliberate differences, where Ghost's answer is an accident: a group in two pairs of
parentheses, `((a,b))`, is kept (nql-lang leaves it wrapped and mongo-knex skips it, so Ghost
ignores it), and `key:-null+key:-x` excludes only null and x (mongo-knex merges the two into
`NOT IN (NULL, x)`, which matches nothing).
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Final, Literal

from byline.errors import DomainError

__all__ = [
    "MAX_DEPTH",
    "MAX_FILTER_LENGTH",
    "And",
    "FilterError",
    "FilterSyntaxError",
    "FilterUnsupportedError",
    "FilterValueError",
    "IndexHint",
    "Node",
    "Op",
    "Or",
    "Resource",
    "Term",
    "index_hint",
    "matches",
    "parse",
]

MAX_FILTER_LENGTH: Final = 2000
"""Longest filter text accepted, in characters (front-ends send a few dozen)."""
MAX_DEPTH: Final = 16
"""Deepest parenthesis nesting accepted."""

Resource = Literal["posts", "pages", "tags", "authors"]
Scalar = str | int | bool | datetime | None


# --- errors (§5) -------------------------------------------------------------------------


class FilterError(DomainError):
    """A filter Byline will not run. Carries what Ghost's error body needs (§5): `ghost_type`,
    `message` (the controller template for `list <resource>`) and `context`; `detail` says
    precisely what was wrong, for logs."""

    ghost_type = "BadRequestError"
    context = ""
    template = "Request not understood error, cannot list {resource}."

    def __init__(self, detail: str, *, resource: Resource) -> None:
        super().__init__(detail)
        self.resource: Resource = resource

    @property
    def message(self) -> str:
        return self.template.format(resource=self.resource)


class FilterSyntaxError(FilterError):
    """The text is not NQL (Ghost: nql-lang throws, bookshelf-filter answers 400)."""

    title, status, type_slug = "Bad request", 400, "bad-request"
    context = "Error parsing filter"


class FilterUnsupportedError(FilterError):
    """Valid NQL that Byline does not evaluate; Ghost answers an unknown column this way."""

    title, status, type_slug = "Bad request", 400, "bad-request"
    context = "Could not understand request."


class FilterValueError(FilterError):
    """A value the column cannot hold, e.g. a non-date on `published_at` (Ghost on MySQL:
    422, `Incorrect DATETIME value`)."""

    title, status, type_slug = "Unprocessable content", 422, "unprocessable"
    ghost_type = "ValidationError"
    template = "Validation error, cannot list {resource}."

    def __init__(self, detail: str, *, resource: Resource) -> None:
        super().__init__(detail, resource=resource)
        self.context = f"Invalid value - {detail}"


# --- AST ---------------------------------------------------------------------------------


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    IN = "in"
    NIN = "nin"


@dataclass(frozen=True, slots=True)
class Term:
    """One statement on a canonical key. `values` has one element except for IN and NIN."""

    key: str
    op: Op
    values: tuple[Scalar, ...]

    @property
    def value(self) -> Scalar:
        return self.values[0]


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


Node = Term | And | Or


@dataclass(frozen=True, slots=True)
class IndexHint:
    """An index whose entries are a superset of the filter's matches: read it, then keep the
    records for which `matches` holds."""

    index: Literal["tag", "author", "featured"]
    value: str | bool


# --- lexer (nql.l, rules in their order) ---------------------------------------------------

_OMITOPS = r"""[^\s'"+,()><=\[\]~\-]"""
_OMITOPS_BAR_NOT = r"""[^\s'"+,()><=\[\]~]"""
_ESCAPABLE = r"""['"+,()><=\[\]~^$]"""
_NOT_LITERAL_TAIL = rf"(?!\\{_ESCAPABLE}|{_OMITOPS_BAR_NOT})"

_RULES: Final[tuple[tuple[str | None, re.Pattern[str]], ...]] = tuple(
    (kind, re.compile(pattern, flags))
    for kind, pattern, flags in (
        (None, r"\s+", 0),
        ("NULL", rf"(?:null|NULL|Null){_NOT_LITERAL_TAIL}", 0),
        ("TRUE", rf"(?:true|TRUE|True){_NOT_LITERAL_TAIL}", 0),
        ("FALSE", rf"(?:false|FALSE|False){_NOT_LITERAL_TAIL}", 0),
        ("PROP", r"[a-zA-Z_][a-zA-Z0-9_.]*:", 0),
        ("NUMBER", r"[0-9]+(?:\.[0-9]+)?\b(?!-)", re.ASCII),
        ("LBRACKET", r"\[", 0),
        ("RBRACKET", r"\]", 0),
        ("NOW", r"now[-+][0-9]+[dwMyhms](?=[+,()\[\]]|\Z)", 0),
        ("LITERAL", rf"{_OMITOPS}(?:\\{_ESCAPABLE}|{_OMITOPS_BAR_NOT})+", 0),
        ("STRING", r"""'(?:\\['"]|[^'"])+?'""", 0),
        ("LPAREN", r"\(", 0),
        ("RPAREN", r"\)", 0),
        ("OR", r",", 0),
        ("AND", r"\+", 0),
        ("NOT", r"-", 0),
        ("GTE", r">=", 0),
        ("LTE", r"<=", 0),
        ("GT", r">", 0),
        ("LT", r"<", 0),
        ("REGEX", r"~\^|~\$|~", 0),
        ("LITERAL", r"""[a-zA-Z](?![a-zA-Z'",()><=\[\]~])""", 0),
    )
)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    pos: int


class _Lexer:
    """Tokens on demand, as jison's lexer gives them, so that a parse error ahead of an
    unlexable character is the one reported; messages are nql-lang's, positions included."""

    def __init__(self, text: str, resource: Resource) -> None:
        self.text = text
        self.pos = 0
        self.resource: Resource = resource

    def next(self) -> _Token:
        text = self.text
        while self.pos < len(text):
            for kind, pattern in _RULES:
                found = pattern.match(text, self.pos)
                if found and found.end() > self.pos:
                    start, self.pos = self.pos, found.end()
                    if kind is not None:
                        return _Token(kind, found.group(), start)
                    break
            else:
                # jison shows at most 20 characters before the caret, after "..."
                past = text[max(0, self.pos - 20) : self.pos].replace("\n", "")
                caret = len(past) + (3 if self.pos > 20 else 0)
                raise FilterSyntaxError(
                    f'Query Error: unrecognized text "{text[self.pos]}" in filter at char '
                    f"{caret + 1}",
                    resource=self.resource,
                )
        return _Token("EOF", "", len(text))


def _unescape(value: str) -> str:
    return re.sub(r"""\\(['"])""", r"\1", value)


# --- parser (nql.y) --------------------------------------------------------------------------

_COMPARISONS: Final = {"NOT": Op.NE, "GT": Op.GT, "LT": Op.LT, "GTE": Op.GTE, "LTE": Op.LTE}
_VALUE_KINDS: Final = frozenset({"NULL", "TRUE", "FALSE", "NUMBER", "NOW", "LITERAL", "STRING"})


@dataclass(frozen=True, slots=True)
class _Statement:
    """A statement as nql-lang returns it: the key as written, before Ghost's rewriting."""

    key: str
    op: Op | Literal["all", "regex"]
    values: tuple[Scalar, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class _Group:
    conj: Literal["and", "or"]
    items: tuple[_Raw, ...]


_Raw = _Statement | _Group


class _Parser:
    """Recursive descent over nql.y's grammar (it is LL(1) once `NOT` is taken first)."""

    def __init__(self, text: str, resource: Resource, now: datetime) -> None:
        self.lexer = _Lexer(text, resource)
        self.current = self.lexer.next()
        self.last = 0  # where the last consumed token starts (jison reports that place)
        self.resource: Resource = resource
        self.now = now

    def fail(self) -> FilterSyntaxError:
        column = self.last - (self.lexer.text.rfind("\n", 0, self.last) + 1)
        return FilterSyntaxError(
            f"Query Error: unexpected character in filter at char {column + 1}",
            resource=self.resource,
        )

    def peek(self) -> str:
        return self.current.kind

    def take(self, *kinds: str) -> _Token:
        token = self.current
        if token.kind not in kinds:
            raise self.fail()
        # jison lexes `now-30d` as four tokens; the last is the unit letter
        self.last = token.pos + len(token.text) - 1 if token.kind == "NOW" else token.pos
        if token.kind != "EOF":
            self.current = self.lexer.next()
        return token

    def parse(self) -> _Raw:
        tree = self.expression(0)
        self.take("EOF")
        return tree

    def expression(self, depth: int) -> _Raw:
        items = [self.and_condition(depth)]
        while self.peek() == "OR":
            self.take("OR")
            items.append(self.and_condition(depth))
        return items[0] if len(items) == 1 else _Group("or", tuple(items))

    def and_condition(self, depth: int) -> _Raw:
        items = [self.filter_expr(depth)]
        while self.peek() == "AND":
            self.take("AND")
            items.append(self.filter_expr(depth))
        return items[0] if len(items) == 1 else _Group("and", tuple(items))

    def filter_expr(self, depth: int) -> _Raw:
        if self.peek() == "LPAREN":
            if depth >= MAX_DEPTH:
                raise FilterSyntaxError(
                    f"filter nested deeper than {MAX_DEPTH} parentheses", resource=self.resource
                )
            self.take("LPAREN")
            inner = self.expression(depth + 1)
            self.take("RPAREN")
            return inner
        prop = self.take("PROP")
        return self.value_expr(prop.text[:-1], prop.pos)

    def value_expr(self, key: str, pos: int) -> _Statement:
        kind = self.peek()
        if kind == "NOT":
            self.take("NOT")
            if self.peek() == "REGEX":
                self.regex()
                return _Statement(key, "regex", (), pos)
            if self.peek() == "LBRACKET":  # `-[a+b]` is not in the grammar: a list of ORs only
                return _Statement(key, Op.NIN, self.list_expr(("OR",))[0], pos)
            return _Statement(key, Op.NE, (self.value(),), pos)
        if kind == "REGEX":
            self.regex()
            return _Statement(key, "regex", (), pos)
        if kind == "LBRACKET":
            values, joiner = self.list_expr(("OR", "AND"))
            return _Statement(key, "all" if joiner == "AND" else Op.IN, values, pos)
        if kind in _COMPARISONS:
            self.take(kind)
            return _Statement(key, _COMPARISONS[kind], (self.value(),), pos)
        return _Statement(key, Op.EQ, (self.value(),), pos)

    def regex(self) -> None:
        self.take("REGEX")
        self.take("STRING")

    def list_expr(self, joiners: tuple[str, ...]) -> tuple[tuple[Scalar, ...], str | None]:
        """`[a,b]` or `[a+b]`; the first separator fixes which (`[a+b,c]` does not parse)."""
        self.take("LBRACKET")
        values = [self.value()]
        joiner: str | None = None
        while self.peek() in joiners:
            joiner = self.peek()
            joiners = (joiner,)
            self.take(joiner)
            values.append(self.value())
        self.take("RBRACKET")
        return tuple(values), joiner

    def value(self) -> Scalar:
        token = self.take(*_VALUE_KINDS)
        match token.kind:
            case "NULL":
                return None
            case "TRUE":
                return True
            case "FALSE":
                return False
            case "NUMBER":
                return int(token.text.split(".")[0])
            case "NOW":
                try:
                    return _relative_date(self.now, token.text)
                except OverflowError as error:
                    raise FilterSyntaxError(
                        f"relative date out of range: {token.text}", resource=self.resource
                    ) from error
            case "STRING":
                return _unescape(token.text[1:-1])
            case _:
                return _unescape(token.text)


def _relative_date(now: datetime, text: str) -> datetime:
    """`now-30d` as nql-lang resolves it (luxon, in UTC, to whole seconds)."""
    sign = -1 if text[3] == "-" else 1
    amount, unit = sign * int(text[4:-1]), text[-1]
    base = now.astimezone(UTC).replace(microsecond=0)
    if unit in "My":
        months = base.month - 1 + amount * (12 if unit == "y" else 1)
        year, month = base.year + months // 12, months % 12 + 1
        if not 1 <= year <= 9999:
            raise OverflowError(text)
        return base.replace(year=year, month=month, day=min(base.day, monthrange(year, month)[1]))
    seconds = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}[unit]
    return base + timedelta(seconds=amount * seconds)


# --- Ghost's rewriting: dropped keys (§7.7, §13.5), aliases (§13.2) ---------------------------

_RESTRICTED_EVERYWHERE: Final = frozenset(
    {
        "password",
        "email",
        "email_only",
        "html",
        "lexical",
        "locale",
        "mobiledoc",
        "newsletter_id",
        "plaintext",
        "email_recipient_filter",
        "published_by",
        "mobiledoc_revisions",
        "post_revisions",
    }
)
_USER_RESTRICTED: Final = frozenset(
    {
        "status",
        "last_seen",
        "created_at",
        "updated_at",
        "roles",
        "roles_users",
        "visibility",
        "locale",
        "accessibility",
        "paid_subscription_started_notification",
        "paid_subscription_canceled_notification",
        "tour",
        "comment_notifications",
        "recommendation_notifications",
        "gift_subscription_notifications",
        "mention_notifications",
        "donation_notifications",
        "milestone_notifications",
        "free_member_signup_notification",
    }
)
_TAG_RESTRICTED: Final = frozenset({"created_at", "updated_at", "parent_id", "parent"})
_AUTHOR_RELATIONS: Final = frozenset({"author", "authors", "primary_author"})
_TAG_RELATIONS: Final = frozenset({"tag", "tags", "primary_tag"})
_OWN_RESTRICTED: Final[Mapping[Resource, frozenset[str]]] = {
    "posts": frozenset({"show_title_and_feature_image"}),
    "pages": frozenset({"email_subject"}),
    "tags": _TAG_RESTRICTED,
    "authors": _USER_RESTRICTED,
}
_OVERRIDDEN: Final[Mapping[Resource, frozenset[str]]] = {
    "posts": frozenset({"status"}),
    "pages": frozenset({"status"}),
    "tags": frozenset(),
    "authors": frozenset(),
}


def _dropped(key: str, resource: Resource) -> bool:
    """api-filter-utils.js: a segment restricted everywhere or on this resource, a user field
    after an author relation, a tag field after a tag relation; and mergeFilters' overrides."""
    segments = key.lower().split(".")
    if key in _OVERRIDDEN[resource]:
        return True
    if any(s in _RESTRICTED_EVERYWHERE or s in _OWN_RESTRICTED[resource] for s in segments):
        return True
    return any(
        (prev in _AUTHOR_RELATIONS and s in _USER_RESTRICTED)
        or (prev in _TAG_RELATIONS and s in _TAG_RESTRICTED)
        for prev, s in pairwise(segments)
    )


_POST_KEYS: Final = {
    "id": "id",
    "slug": "slug",
    "featured": "featured",
    "published_at": "published_at",
    "visibility": "visibility",
    "tag": "tags",
    "tags": "tags",
    "tags.slug": "tags",
    "primary_tag": "primary_tag",
    "author": "authors",
    "authors": "authors",
    "authors.slug": "authors",
    "primary_author": "primary_author",
}
_POST_COLUMNS: Final = ("id", "slug", "featured", "published_at", "visibility")
_TAG_COLUMNS: Final = ("id", "slug", "name", "visibility")
_AUTHOR_COLUMNS: Final = ("id", "slug", "name")
# a key may name its own table, as a column reference in Ghost's SQL may
_KEYS: Final[Mapping[Resource, Mapping[str, str]]] = {
    "posts": _POST_KEYS | {f"posts.{k}": k for k in _POST_COLUMNS},
    "pages": _POST_KEYS | {f"posts.{k}": k for k in _POST_COLUMNS},
    "tags": {k: k for k in _TAG_COLUMNS} | {f"tags.{k}": k for k in _TAG_COLUMNS},
    "authors": {k: k for k in _AUTHOR_COLUMNS} | {f"users.{k}": k for k in _AUTHOR_COLUMNS},
}

_RELATION_KEYS: Final = frozenset({"tags", "authors", "primary_tag", "primary_author"})
_DATE_KEYS: Final = frozenset({"published_at"})
_BOOL_KEYS: Final = frozenset({"featured"})
_NULLABLE_KEYS: Final = frozenset({"published_at"})

_DATE_TEXT: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:Z|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)


def _normalise(key: str, op: Op, value: Scalar, resource: Resource, written: str) -> Scalar:
    def unsupported(why: str) -> FilterUnsupportedError:
        return FilterUnsupportedError(f"{written}: {why}", resource=resource)

    if value is None:
        if key not in _NULLABLE_KEYS or op not in (Op.EQ, Op.NE):
            raise unsupported("null is not a value of this key")
        return None
    if key in _DATE_KEYS:
        if isinstance(value, datetime):
            return value
        if isinstance(value, str) and _DATE_TEXT.fullmatch(value):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                parsed = None
            if parsed is not None:
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        raise FilterValueError(f"Incorrect DATETIME value: '{value}'", resource=resource)
    if op not in (Op.EQ, Op.NE, Op.IN, Op.NIN):
        raise unsupported("only dates can be compared with > and <")
    if key in _BOOL_KEYS:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise unsupported("takes true or false")
    if isinstance(value, bool | datetime):
        raise unsupported("takes text")
    return str(value)


def _rewrite(raw: _Raw, resource: Resource) -> Node | None:
    if isinstance(raw, _Group):
        kept = [
            node for node in (_rewrite(item, resource) for item in raw.items) if node is not None
        ]
        return _group(And if raw.conj == "and" else Or, kept)
    if _dropped(raw.key, resource):
        return None
    key = _KEYS[resource].get(raw.key)
    if key is None:
        raise FilterUnsupportedError(
            f"{raw.key} (char {raw.pos + 1}): not a key Byline filters {resource} on",
            resource=resource,
        )
    if raw.op == "regex":
        raise FilterUnsupportedError(
            f"{raw.key} (char {raw.pos + 1}): ~ matching is not supported", resource=resource
        )
    if raw.op == "all":
        return _group(
            And,
            [Term(key, Op.EQ, (_normalise(key, Op.EQ, v, resource, raw.key),)) for v in raw.values],
        )
    values = tuple(_normalise(key, raw.op, v, resource, raw.key) for v in raw.values)
    return Term(key, raw.op, values)


def _group(kind: type[And] | type[Or], items: Iterable[Node]) -> Node | None:
    """Flatten same-kind groups and collapse a group of one (neither changes the meaning)."""
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, kind) else (item,))
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def parse(text: str, resource: Resource = "posts", *, now: datetime | None = None) -> Node | None:
    """The filter for `resource` as Byline evaluates it; `None` when nothing is left to filter
    on (every statement was one Ghost drops). `now` resolves relative dates (default: the
    current time)."""
    if len(text) > MAX_FILTER_LENGTH:
        raise FilterSyntaxError(
            f"filter longer than {MAX_FILTER_LENGTH} characters", resource=resource
        )
    if text == "":  # Ghost applies no filter for an empty one (`if (options.filter)`)
        return None
    clock = now if now is not None else datetime.now(UTC)
    return _rewrite(_Parser(text, resource, clock).parse(), resource)


# --- evaluation (§13.3) ------------------------------------------------------------------------

_INTERNAL_TAG_PREFIX: Final = "hash-"


def _fold(value: Scalar) -> Scalar:
    return value.casefold() if isinstance(value, str) else value


def _seconds(value: object) -> datetime | None:
    """A stored `published_at` as Ghost's DATETIME column holds it: UTC, whole seconds."""
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise TypeError(f"published_at must be an aware datetime, not {value!r}")
    return value.astimezone(UTC).replace(microsecond=0)


def _slugs(record: Mapping[str, object], key: str) -> Sequence[str]:
    value = record.get(key) or ()
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TypeError(f"{key} must be a list of slugs, not {value!r}")
    return value


def _related(record: Mapping[str, object], key: str) -> list[Scalar]:
    """The related slugs a statement on `key` may meet (mongo-knex's subquery rows)."""
    if key in ("tags", "authors"):
        return [_fold(slug) for slug in _slugs(record, key)]
    slugs = _slugs(record, "tags" if key == "primary_tag" else "authors")
    # primary_* expands to sort_order 0 and a public relation; internal tags are `hash-…` (§11)
    if not slugs or (key == "primary_tag" and slugs[0].startswith(_INTERNAL_TAG_PREFIX)):
        return []
    return [_fold(slugs[0])]


def _compare(op: Op, stored: Scalar, wanted: tuple[Scalar, ...]) -> bool:
    """SQL's answer for one column value: comparisons with NULL are never true, except the
    IS NULL / IS NOT NULL that mongo-knex writes for `key:null` and `key:-null`."""
    target = wanted[0]
    if op is Op.EQ and target is None:
        return stored is None
    if op is Op.NE and target is None:
        return stored is not None
    if stored is None:
        return False
    match op:
        case Op.EQ:
            return stored == target
        case Op.NE:
            return stored != target
        case Op.IN:
            return stored in wanted
        case Op.NIN:
            return stored not in wanted
    if not isinstance(stored, datetime) or not isinstance(target, datetime):
        raise TypeError(f"cannot order {stored!r} and {target!r}")
    match op:
        case Op.GT:
            return stored > target
        case Op.GTE:
            return stored >= target
        case Op.LT:
            return stored < target
        case _:
            return stored <= target


def _term_matches(term: Term, record: Mapping[str, object]) -> bool:
    wanted = tuple(_fold(value) for value in term.values)
    if term.key in _RELATION_KEYS:
        rows = _related(record, term.key)
        if not rows and term.key.startswith("primary_"):
            # the expansion's `visibility:public` is a second, positive subquery: a negated
            # primary_tag still needs a public first tag
            return False
        if term.op is Op.NE:  # NOT IN (subquery on the positive form)
            return not any(_compare(Op.EQ, row, wanted) for row in rows)
        if term.op is Op.NIN:
            return not any(_compare(Op.IN, row, wanted) for row in rows)
        return any(_compare(term.op, row, wanted) for row in rows)
    raw = record.get(term.key)
    if term.key in _DATE_KEYS:
        return _compare(term.op, _seconds(raw), wanted)
    if term.key in _BOOL_KEYS:
        return _compare(term.op, bool(raw), wanted)
    if raw is not None and not isinstance(raw, str):
        raise TypeError(f"{term.key} must be text, not {raw!r}")
    return _compare(term.op, _fold(raw), wanted)


def matches(node: Node | None, record: Mapping[str, object]) -> bool:
    """Whether `record` passes the filter, as Ghost's SQL would answer. A post or page record
    has `id`, `slug`, `featured`, `published_at` (aware datetime), `visibility`, `tags` and
    `authors` (slugs, primary first); a tag or author record the keys it is filtered on."""
    if node is None:
        return True
    if isinstance(node, Term):
        return _term_matches(node, record)
    if isinstance(node, And):
        return all(matches(item, record) for item in node.items)
    return any(matches(item, record) for item in node.items)


# --- planning --------------------------------------------------------------------------------

_HINTS: Final[Mapping[str, Callable[[Scalar], IndexHint | None]]] = {
    "tags": lambda v: IndexHint("tag", v) if isinstance(v, str) else None,
    "primary_tag": lambda v: IndexHint("tag", v) if isinstance(v, str) else None,
    "authors": lambda v: IndexHint("author", v) if isinstance(v, str) else None,
    "primary_author": lambda v: IndexHint("author", v) if isinstance(v, str) else None,
    "featured": lambda v: IndexHint("featured", True) if v is True else None,
}
_HINT_PREFERENCE: Final = ("tag", "author", "featured")


def _hint(node: Node) -> IndexHint | None:
    if not isinstance(node, Term) or node.key not in _HINTS:
        return None
    if node.op is Op.EQ or (node.op is Op.IN and len(node.values) == 1):
        return _HINTS[node.key](node.values[0])
    return None


def index_hint(node: Node | None) -> IndexHint | None:
    """An index that holds every match, when the filter is one positive `tag:`, `author:`
    (or their `primary_` forms) or `featured:true` statement, or an AND containing one; the
    caller still applies `matches` to what it reads. A tag is preferred to an author, and
    either to `featured` (the most selective index first). None for anything else, ORs
    included, since no single index covers them."""
    if node is None:
        return None
    candidates = [
        hint
        for item in (node.items if isinstance(node, And) else (node,))
        if (hint := _hint(item)) is not None
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda hint: _HINT_PREFERENCE.index(hint.index))
