"""An in-memory stand-in for :class:`byline.data.table.Table`, for simulations that make tens of
thousands of requests (moto answers a GSI Query in ~100 ms once it holds a few thousand items).

It evaluates the subset of DynamoDB's expression language the repositories use: conditions with
AND/OR/NOT, parentheses, comparisons, IN, BETWEEN, ``attribute_exists``/``attribute_not_exists``/
``begins_with``; updates with SET (``+``, ``-``, ``if_not_exists``), REMOVE and ADD. Anything else
raises, so a repository that starts using more fails loudly here instead of passing silently.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

from byline.data.table import ConditionFailed, Item, Page, Transaction, deserialize

_TOKEN = re.compile(r"\s*(<>|<=|>=|[=<>(),+\-]|[#:]?[A-Za-z_][A-Za-z0-9_.]*)")
_MISSING = object()
_PARTITIONS = ("PK", "GSI1PK", "GSI2PK", "GSI3PK", "GSI4PK")


@cache
def _tokens(text: str) -> tuple[str, ...]:
    """An expression's tokens; the repositories use a few dozen texts, so each is read once."""
    found, at = [], 0
    text = text.strip()
    while at < len(text):
        match = _TOKEN.match(text, at)
        if not match:
            raise ValueError(f"cannot parse {text[at:]!r}")
        found.append(match.group(1))
        at = match.end()
        while at < len(text) and text[at].isspace():
            at += 1
    return tuple(found)


def _copy(value: Any) -> Any:
    """A deep copy of an item's value: what ``copy.deepcopy`` gives for the types a table holds
    (dict, list, set of str, Decimal, bytes, bool, None), without its memo, about ten times as
    fast. Scalars are immutable and shared."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, set):
        return set(value)
    return value


def _number(value: Any) -> Any:
    return Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value


class _Expr:
    def __init__(self, text: str, names: Mapping[str, str], values: Mapping[str, Any]) -> None:
        self.tokens = _tokens(text)
        self.at = 0
        self.names = names
        self.values = {k: _number(v) for k, v in values.items()}

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.tokens[self.at]
        if expected is not None and token.upper() != expected:
            raise ValueError(f"expected {expected}, got {token}")
        self.at += 1
        return token

    def name(self, token: str) -> str:
        return self.names[token] if token.startswith("#") else token

    def operand(self, item: Item) -> Any:
        token = self.take()
        if token.startswith(":"):
            return self.values[token]
        if token == "if_not_exists":
            self.take("(")
            current = item.get(self.name(self.take()), _MISSING)
            self.take(",")
            fallback = self.operand(item)
            self.take(")")
            return fallback if current is _MISSING else current
        return item.get(self.name(token), _MISSING)

    # conditions
    def condition(self, item: Item) -> bool:
        result = self.conjunction(item)
        while self.peek() and self.peek().upper() == "OR":  # type: ignore[union-attr]
            self.take()
            right = self.conjunction(item)
            result = result or right
        return result

    def conjunction(self, item: Item) -> bool:
        result = self.unary(item)
        while self.peek() and self.peek().upper() == "AND":  # type: ignore[union-attr]
            self.take()
            right = self.unary(item)
            result = result and right
        return result

    def unary(self, item: Item) -> bool:
        token = self.peek()
        if token and token.upper() == "NOT":
            self.take()
            return not self.unary(item)
        if token == "(":
            self.take()
            result = self.condition(item)
            self.take(")")
            return result
        if token in ("attribute_exists", "attribute_not_exists", "begins_with"):
            self.take()
            self.take("(")
            value = item.get(self.name(self.take()), _MISSING)
            if token == "begins_with":
                self.take(",")
                prefix = self.operand(item)
                self.take(")")
                return isinstance(value, str) and value.startswith(prefix)
            self.take(")")
            return (value is not _MISSING) == (token == "attribute_exists")
        left = self.operand(item)
        op = self.take()
        if op.upper() == "BETWEEN":
            low = self.operand(item)
            self.take("AND")
            high = self.operand(item)
            return left is not _MISSING and low <= left <= high
        if op.upper() == "IN":
            self.take("(")
            options = [self.operand(item)]
            while self.peek() == ",":
                self.take()
                options.append(self.operand(item))
            self.take(")")
            return left in options
        right = self.operand(item)
        if left is _MISSING or right is _MISSING:
            return op == "<>"
        comparisons = {
            "=": left == right,
            "<>": left != right,
        }
        if op in comparisons:
            return comparisons[op]
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]

    # updates
    def apply(self, item: Item) -> None:
        while self.peek():
            clause = self.take().upper()
            while True:
                path = self.name(self.take())
                if clause == "SET":
                    self.take("=")
                    value = self.operand(item)
                    if self.peek() in ("+", "-"):
                        sign = self.take()
                        other = self.operand(item)
                        value = value + other if sign == "+" else value - other
                    item[path] = value
                elif clause == "REMOVE":
                    item.pop(path, None)
                elif clause == "ADD":
                    item[path] = item.get(path, Decimal(0)) + self.operand(item)
                else:
                    raise ValueError(f"unsupported clause {clause}")
                if self.peek() != ",":
                    break
                self.take()


def _key_schema(index: str | None) -> tuple[str, str]:
    return ("PK", "SK") if index is None else (f"{index}PK", f"{index}SK")


class MemoryTable:
    """Holds items by (PK, SK); every method the repositories call, with DynamoDB's answers."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Item] = {}
        self.requests = 0
        self._partitions: dict[tuple[str, Any], set[tuple[str, str]]] = defaultdict(set)

    def _store(self, key: tuple[str, str], item: Item | None) -> None:
        """Write or delete one item, keeping the partition index of the table and its GSIs."""
        for attr in _PARTITIONS:
            old = self.items.get(key, {}).get(attr)
            if old is not None:
                self._partitions[(attr, old)].discard(key)
            if item is not None and item.get(attr) is not None:
                self._partitions[(attr, item[attr])].add(key)
        if item is None:
            self.items.pop(key, None)
        else:
            self.items[key] = item

    def _check(self, key: tuple[str, str], body: Mapping[str, Any]) -> None:
        condition = body.get("ConditionExpression")
        if condition:
            expr = _Expr(condition, body.get("ExpressionAttributeNames") or {}, body["values"])
            if not expr.condition(self.items.get(key, {})):
                raise ConditionFailed()

    @staticmethod
    def _key(key: Mapping[str, Any]) -> tuple[str, str]:
        return (str(key["PK"]), str(key["SK"]))

    def get(self, key: Mapping[str, Any], *, consistent: bool = False) -> Item | None:
        self.requests += 1
        found = self.items.get(self._key(key))
        return _copy(found) if found else None

    def get_many(self, keys: Sequence[Mapping[str, Any]]) -> list[Item]:
        self.requests += 1
        return [_copy(self.items[k]) for k in map(self._key, keys) if k in self.items]

    def query(
        self,
        partition_attr: str,
        partition_value: str,
        *,
        index: str | None = None,
        sort_condition: str | None = None,
        values: Mapping[str, Any] | None = None,
        names: Mapping[str, str] | None = None,
        forward: bool = True,
        limit: int | None = None,
        start_key: Mapping[str, Any] | None = None,
    ) -> Page:
        self.requests += 1
        _, sort_attr = _key_schema(index)
        rows = [self.items[k] for k in self._partitions[(partition_attr, partition_value)]]
        if sort_condition:
            rows = [
                i for i in rows if _Expr(sort_condition, names or {}, values or {}).condition(i)
            ]
        order = lambda i: (str(i.get(sort_attr, "")), i["PK"], i["SK"])  # noqa: E731
        rows.sort(key=order, reverse=not forward)
        if start_key:
            mark = order(start_key)
            rows = [i for i in rows if (order(i) > mark if forward else order(i) < mark)]
        page = rows[:limit] if limit else rows
        last = None
        if limit and len(rows) > limit:
            last = {k: page[-1][k] for k in ("PK", "SK", sort_attr) if k in page[-1]}
        return Page(items=[_copy(i) for i in page], last_key=last)

    def put(self, item: Mapping[str, Any], *, condition: str | None = None, **args: Any) -> None:
        self.transact([{"Put": self._body(condition=condition, **args) | {"item": dict(item)}}])

    def update(
        self,
        key: Mapping[str, Any],
        update: str,
        *,
        condition: str | None = None,
        returns: str = "ALL_NEW",
        **args: Any,
    ) -> Item:
        before = _copy(self.items.get(self._key(key)) or {})
        self.transact(
            [{"Update": self._body(condition=condition, **args) | {"key": key, "update": update}}]
        )
        return before if returns == "ALL_OLD" else _copy(self.items[self._key(key)])

    def delete(self, key: Mapping[str, Any], *, condition: str | None = None, **args: Any) -> None:
        self.transact([{"Delete": self._body(condition=condition, **args) | {"key": key}}])

    def delete_many(self, keys: Sequence[Mapping[str, Any]]) -> None:
        self.requests += 1
        for key in keys:
            self._store(self._key(key), None)

    @staticmethod
    def _body(
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"values": dict(values or {})}
        if condition:
            body["ConditionExpression"] = condition
        if names:
            body["ExpressionAttributeNames"] = dict(names)
        return body

    def transaction(self) -> Transaction:
        return Transaction(self)  # type: ignore[arg-type]  # the same methods as Table's

    def transact(self, operations: Sequence[Mapping[str, Any]]) -> None:
        """All or nothing, like TransactWriteItems; accepts put_op/update_op/delete_op shapes."""
        self.requests += 1
        planned = [self._plain(op) for op in operations]
        failed = []
        for index, (_kind, key, body) in enumerate(planned):
            try:
                self._check(key, body)
            except ConditionFailed:
                failed.append(index)
        if failed:
            raise ConditionFailed(failed)
        for kind, key, body in planned:
            if kind == "Put":
                self._store(key, {k: _number(v) for k, v in body["item"].items() if v is not None})
            elif kind == "Delete":
                self._store(key, None)
            elif kind == "Update":
                item = _copy(self.items.get(key) or {"PK": key[0], "SK": key[1]})
                names = body.get("ExpressionAttributeNames") or {}
                _Expr(body["update"], names, body["values"]).apply(item)
                self._store(key, item)

    def _plain(self, op: Mapping[str, Any]) -> tuple[str, tuple[str, str], dict[str, Any]]:
        ((kind, raw),) = op.items()
        body = dict(raw)
        if "Item" in body:  # the serialised shapes of put_op/update_op/delete_op
            body["item"] = deserialize(body.pop("Item"))
        if "Key" in body:
            body["key"] = deserialize(body.pop("Key"))
        if "UpdateExpression" in body:
            body["update"] = body.pop("UpdateExpression")
        if "ExpressionAttributeValues" in body:
            body["values"] = deserialize(body.pop("ExpressionAttributeValues"))
        body.setdefault("values", {})
        key = self._key(body["item"] if kind == "Put" else body["key"])
        return kind, key, body
