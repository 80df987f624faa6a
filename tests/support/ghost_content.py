"""Shared pieces of the Content API unit tests: API Gateway events, fake route handlers that
record their calls, and DynamoDB transaction operations read back as plain items."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from byline.data.table import deserialize
from byline.ghost.errors import MissingKey, RepeatedKey, UnknownKey
from byline.ghost.params import Query
from byline.http.ghost import Handlers, Route

GOOD_KEY = "0123456789abcdef0123456789"
SITE_URL = "https://blog.example"
GHOST_VERSION = "6.65"


def event(
    path: str,
    query: Mapping[str, str | Sequence[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway (REST, proxy integration) event as it reaches the function: the path,
    every query value under ``multiValueQueryStringParameters`` (the last one under
    ``queryStringParameters``), and the headers."""
    multi = {k: [v] if isinstance(v, str) else list(v) for k, v in (query or {}).items()}
    return {
        "httpMethod": "GET",
        "resource": "/ghost/api/{path+}",
        "path": path,
        "pathParameters": {"path": path.removeprefix("/ghost/api/")},
        "queryStringParameters": {k: v[-1] for k, v in multi.items()} or None,
        "multiValueQueryStringParameters": multi or None,
        "headers": dict(headers or {}),
        "multiValueHeaders": {k: [v] for k, v in (headers or {}).items()},
        "requestContext": {"requestId": "req-1"},
        "body": None,
    }


def keyed(path: str, **query: str | Sequence[str]) -> dict[str, Any]:
    """An event for ``path`` carrying the good key and ``query``."""
    return event(path, {"key": GOOD_KEY, **query})


def check_key(values: Sequence[str] | None) -> str:
    """Ghost's key decision (§3) over a fixed set of one good key."""
    present = [v for v in values or () if v != ""]
    if not present:
        raise MissingKey()
    if len(values or ()) > 1:
        raise RepeatedKey()
    if present[0] != GOOD_KEY:
        raise UnknownKey()
    return present[0]


@dataclass
class FakeService:
    """Route handlers that record what they are called with and answer fixed bodies."""

    calls: list[tuple[str, Any]] = field(default_factory=list)
    browse_body: dict[str, Any] = field(
        default_factory=lambda: {"posts": [], "meta": {"pagination": {"page": 1}}}
    )
    read_body: dict[str, Any] = field(default_factory=lambda: {"posts": [{"id": "x"}]})
    settings_body: dict[str, Any] = field(
        default_factory=lambda: {"settings": {"title": "T"}, "meta": {}}
    )
    failure: Exception | None = None

    def key_of(self, values: Sequence[str] | None) -> str:
        self.calls.append(("key_of", values))
        return check_key(values)

    def verify_key(self, values: Sequence[str] | None) -> object:
        self.calls.append(("verify_key", values))
        return check_key(values)

    def browse(self, query: Query, key: str) -> dict[str, Any]:
        self.calls.append(("browse", (query, key)))
        if self.failure is not None:
            raise self.failure
        return self.browse_body

    def read(self, query: Query, route: Route, key: str) -> dict[str, Any]:
        self.calls.append(("read", (query, route, key)))
        if self.failure is not None:
            raise self.failure
        return self.read_body

    def settings(self, key: str) -> dict[str, Any]:
        self.calls.append(("settings", key))
        if self.failure is not None:
            raise self.failure
        return self.settings_body

    def handlers(self) -> Handlers:
        return Handlers(
            key_of=self.key_of,
            verify_key=self.verify_key,
            browse=self.browse,
            read=self.read,
            settings=self.settings,
            site_url=SITE_URL,
            ghost_version=GHOST_VERSION,
        )

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def served(self) -> list[str]:
        """The resource handlers called (key checks left out)."""
        return [name for name in self.names() if name in ("browse", "read", "settings")]


@dataclass(frozen=True)
class Op:
    """One transaction operation read back: its kind, key and item as plain values."""

    kind: str
    key: dict[str, Any]
    item: dict[str, Any]
    update: str | None
    names: dict[str, str]
    values: dict[str, Any]

    def counts(self) -> dict[str, int]:
        """An Update's ADD deltas by attribute name."""
        assert self.update is not None
        add = self.update.split(" SET ")[0].removeprefix("ADD ")
        found: dict[str, int] = {}
        for part in add.split(", "):
            name, value = part.split(" ")
            found[self.names[name]] = int(self.values[value])
        return found

    def sets(self) -> dict[str, Any]:
        """An Update's SET assignments by attribute name."""
        assert self.update is not None
        if " SET " not in self.update:
            return {}
        found: dict[str, Any] = {}
        for part in self.update.split(" SET ")[1].split(", "):
            name, value = part.split(" = ")
            found[self.names[name]] = self.values[value]
        return found


def read_ops(ops: Sequence[Mapping[str, Any]]) -> list[Op]:
    found = []
    for op in ops:
        ((kind, body),) = op.items()
        item = deserialize(body.get("Item", {}))
        key = (
            deserialize(body["Key"])
            if "Key" in body
            else {k: item[k] for k in ("PK", "SK") if k in item}
        )
        values = deserialize(body.get("ExpressionAttributeValues", {}))
        found.append(
            Op(
                kind=kind,
                key=key,
                item=item,
                update=body.get("UpdateExpression"),
                names=dict(body.get("ExpressionAttributeNames", {})),
                values=values,
            )
        )
    return found


def by_key(ops: Sequence[Op]) -> dict[tuple[str, str, str], Op]:
    """Operations by (kind, PK, SK); fails if one key is written twice."""
    found = {(op.kind, str(op.key["PK"]), str(op.key["SK"])): op for op in ops}
    assert len(found) == len(ops), ops
    return found
