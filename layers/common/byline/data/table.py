"""A thin typed repository over the DynamoDB client for the single table.

It speaks Python values, not DynamoDB's attribute-value JSON, and maps the database's refusals
(conditional check failures, throttling) to domain errors so services never see botocore.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from byline import aws
from byline.errors import ServiceUnavailable
from byline.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Item = dict[str, Any]

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

_TRANSIENT = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
}


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in item.items() if v is not None}


def _plain(value: Any) -> Any:
    """Strings, the commonest attribute, without boto3's per-value dispatch (a read deserialises
    every attribute of every item); anything else exactly as boto3 does."""
    if len(value) == 1 and "S" in value:
        return value["S"]
    return _deserializer.deserialize(value)


def deserialize(item: Mapping[str, Any]) -> Item:
    return {k: _plain(v) for k, v in item.items()}


class ConditionFailed(Exception):
    """A write's condition did not hold; ``failed`` lists the indexes of the refused operations."""

    def __init__(self, failed: Sequence[int] = (0,)) -> None:
        super().__init__(f"condition failed for operation(s) {list(failed)}")
        self.failed = tuple(failed)


class GuardFailed(Exception):
    """The guard of :func:`guarded_by` no longer held: the transaction wrote nothing."""


@dataclass
class Guard:
    """A ConditionCheck that every transaction of a block must pass (the caller's account as
    the request assumed it, byline/services/authority.py). ``held`` turns true once a
    transaction carrying it has committed."""

    check: Check
    held: bool = False

    def applies_to(self, operations: Sequence[Mapping[str, Any]]) -> bool:
        """False for a transaction that writes the guarded item itself (DynamoDB allows one
        operation per item in a transaction); such a transaction commits unguarded."""
        guarded = self.check.operation["ConditionCheck"]["Key"]
        for operation in operations:
            for body in operation.values():
                key = body.get("Key") or {k: body["Item"][k] for k in ("PK", "SK")}
                if key == guarded:
                    return False
        return True


_guard: ContextVar[Guard | None] = ContextVar("byline_transaction_guard", default=None)


@contextmanager
def guarded_by(guard: Guard) -> Iterator[Guard]:
    """Add ``guard.check`` to every transaction written in the block."""
    token = _guard.set(guard)
    try:
        yield guard
    finally:
        _guard.reset(token)


class CheckFailed(Exception):
    """A ConditionCheck appended to a transaction (a reference to another item) refused;
    ``index`` is its position among the appended checks."""

    def __init__(self, index: int) -> None:
        super().__init__(f"check {index} failed")
        self.index = index


def raise_for_checks(refused: ConditionFailed, first_check: int) -> None:
    """Raise :class:`CheckFailed` if a refused operation is one of the checks that start at
    ``first_check`` in the transaction; return otherwise."""
    failed = sorted(i - first_check for i in refused.failed if i >= first_check)
    if failed:
        raise CheckFailed(failed[0]) from refused


def put_op(item: Mapping[str, Any], condition: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"Item": serialize(item)}
    if condition:
        body["ConditionExpression"] = condition
    return {"Put": _with_expression_args(body, **extra)}


def update_op(
    key: Mapping[str, Any], update: str, condition: str | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"Key": serialize(key), "UpdateExpression": update}
    if condition:
        body["ConditionExpression"] = condition
    return {"Update": _with_expression_args(body, **extra)}


def delete_op(key: Mapping[str, Any], condition: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"Key": serialize(key)}
    if condition:
        body["ConditionExpression"] = condition
    return {"Delete": _with_expression_args(body, **extra)}


def check_op(key: Mapping[str, Any], condition: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"Key": serialize(key), "ConditionExpression": condition}
    return {"ConditionCheck": _with_expression_args(body, **extra)}


def _with_expression_args(
    body: dict[str, Any],
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    if names:
        body["ExpressionAttributeNames"] = dict(names)
    if values:
        body["ExpressionAttributeValues"] = serialize(values)
    return body


@dataclass(frozen=True)
class Page:
    items: list[Item]
    last_key: Item | None


@dataclass(frozen=True, slots=True)
class Records[T]:
    """A page of typed records and the key to resume after it (None: the last page); a
    cursor (byline/data/cursors.py) carries ``last_key`` to the client and back."""

    items: list[T]
    last_key: Item | None


@dataclass(frozen=True, slots=True)
class Check:
    """A condition on another item that a write relies on (a cover must be an accepted
    upload): a ConditionCheck a repository adds to the transaction of that write."""

    operation: dict[str, Any]


class Transaction:
    """The unit of work: the operations of one TransactWriteItems, added by repositories and
    written at once by :meth:`commit` (all or nothing; inside :func:`guarded_by` the guard
    rides along). Positions returned by the adders name an operation in
    :class:`ConditionFailed` ``.failed``."""

    def __init__(self, table: Table) -> None:
        self._table = table
        self.operations: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self.operations)

    def _add(self, operation: dict[str, Any]) -> int:
        self.operations.append(operation)
        return len(self.operations) - 1

    def put(self, item: Mapping[str, Any], condition: str | None = None, **extra: Any) -> int:
        return self._add(put_op(item, condition, **extra))

    def update(
        self, key: Mapping[str, Any], update: str, condition: str | None = None, **extra: Any
    ) -> int:
        return self._add(update_op(key, update, condition, **extra))

    def delete(self, key: Mapping[str, Any], condition: str | None = None, **extra: Any) -> int:
        return self._add(delete_op(key, condition, **extra))

    def check(self, key: Mapping[str, Any], condition: str, **extra: Any) -> int:
        return self._add(check_op(key, condition, **extra))

    def require(self, checks: Sequence[Check]) -> int:
        """Add ``checks``; returns the position of the first (see :func:`raise_for_checks`)."""
        first = len(self.operations)
        self.operations.extend(c.operation for c in checks)
        return first

    def commit(self) -> None:
        self._table.transact(self.operations)


class Table:
    def __init__(self, name: str, client: DynamoDBClient) -> None:
        self.name = name
        self._client = client

    def _call(self, operation: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self._client, operation)(TableName=self.name, **kwargs)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                raise ConditionFailed() from error
            if code in _TRANSIENT:
                raise ServiceUnavailable("The database is busy; retry shortly.") from error
            raise
        except BotoCoreError as error:
            raise ServiceUnavailable("The database could not be reached.") from error

    def get(self, key: Mapping[str, Any], *, consistent: bool = False) -> Item | None:
        response = self._call("get_item", Key=serialize(key), ConsistentRead=consistent)
        raw = response.get("Item")
        return deserialize(raw) if raw else None

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
        expression = "#pk = :pk" + (f" AND {sort_condition}" if sort_condition else "")
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": expression,
            "ExpressionAttributeNames": {"#pk": partition_attr, **(names or {})},
            "ExpressionAttributeValues": serialize({":pk": partition_value, **(values or {})}),
            "ScanIndexForward": forward,
        }
        if index:
            kwargs["IndexName"] = index
        if limit:
            kwargs["Limit"] = limit
        if start_key:
            kwargs["ExclusiveStartKey"] = serialize(start_key)
        response = self._call("query", **kwargs)
        last = response.get("LastEvaluatedKey")
        return Page(
            items=[deserialize(i) for i in response.get("Items", [])],
            last_key=deserialize(last) if last else None,
        )

    def put(
        self,
        item: Mapping[str, Any],
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        body = put_op(item, condition, names=names, values=values)["Put"]
        self._call("put_item", **body)

    def update(
        self,
        key: Mapping[str, Any],
        update: str,
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
        returns: Literal["ALL_NEW", "ALL_OLD"] = "ALL_NEW",
    ) -> Item:
        """Apply an update expression and return the item as it is afterwards (``ALL_OLD``:
        as it was before, empty when there was none)."""
        body = update_op(key, update, condition, names=names, values=values)["Update"]
        response = self._call("update_item", ReturnValues=returns, **body)
        return deserialize(response.get("Attributes", {}))

    def delete(
        self,
        key: Mapping[str, Any],
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        body = delete_op(key, condition, names=names, values=values)["Delete"]
        self._call("delete_item", **body)

    def delete_many(self, keys: Sequence[Mapping[str, Any]]) -> None:
        """Delete items in batches of 25, retrying what DynamoDB leaves unprocessed."""
        for start in range(0, len(keys), 25):
            requests = [{"DeleteRequest": {"Key": serialize(k)}} for k in keys[start : start + 25]]
            pending: dict[str, Any] = {self.name: requests}
            for _attempt in range(8):
                response = self._call_batch(pending)
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break
            else:
                raise ServiceUnavailable("The database is busy; retry shortly.")

    def get_many(
        self, keys: Sequence[Mapping[str, Any]], *, consistent: bool = False
    ) -> list[Item]:
        """Up to 100 items by key in one BatchGetItem request, in no particular order (missing
        ones are left out). Keys DynamoDB leaves unprocessed under load are asked for again."""
        request: dict[str, Any] = {"Keys": [serialize(k) for k in keys]}
        if consistent:
            request["ConsistentRead"] = True
        pending: dict[str, Any] = {self.name: request}
        found: list[Item] = []
        for _attempt in range(8):
            response = self._call_batch(pending, "batch_get_item")
            found.extend(deserialize(i) for i in response.get("Responses", {}).get(self.name, []))
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                return found
        raise ServiceUnavailable("The database is busy; retry shortly.")

    def _call_batch(
        self, request_items: dict[str, Any], operation: str = "batch_write_item"
    ) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self._client, operation)(RequestItems=request_items)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _TRANSIENT:
                raise ServiceUnavailable("The database is busy; retry shortly.") from error
            raise
        except BotoCoreError as error:
            raise ServiceUnavailable("The database could not be reached.") from error

    def transaction(self) -> Transaction:
        """A new unit of work on this table (nothing is written until its ``commit``)."""
        return Transaction(self)

    def transact(self, operations: Sequence[Mapping[str, Any]]) -> None:
        """Write several items atomically; each operation names its table implicitly. Inside
        :func:`guarded_by`, the guard's ConditionCheck rides along as one more operation."""
        from botocore.exceptions import BotoCoreError, ClientError

        guard = _guard.get()
        riding = guard is not None and guard.applies_to(operations)
        ops = (
            [*operations, guard.check.operation]
            if guard is not None and riding
            else list(operations)
        )
        items = [{op: {"TableName": self.name, **body} for op, body in o.items()} for o in ops]
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            try:
                self._client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
                if guard is not None and riding:
                    guard.held = True
                return
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code")
                if code != "TransactionCanceledException":
                    if code in _TRANSIENT:
                        raise ServiceUnavailable("The database is busy; retry shortly.") from error
                    raise
                reasons = error.response.get("CancellationReasons") or []
                failed = [
                    i for i, r in enumerate(reasons) if r.get("Code") == "ConditionalCheckFailed"
                ]
                if riding and len(operations) in failed:
                    raise GuardFailed() from error
                if failed:
                    raise ConditionFailed(failed) from error
                conflict = any(r.get("Code") == "TransactionConflict" for r in reasons)
                if conflict and attempt < CONFLICT_ATTEMPTS:
                    # another transaction held one of the items (a shared counter): a canceled
                    # transaction wrote nothing, so it is tried again after a short pause
                    _pause(attempt)
                    continue
                raise ServiceUnavailable("The database refused a transaction; retry.") from error
            except BotoCoreError as error:
                raise ServiceUnavailable("The database could not be reached.") from error


CONFLICT_ATTEMPTS = 4
"""Tries of a transaction that DynamoDB cancels for a conflict with another one on the same
item: every publication moves shared counters (a tag's, the catalogue's), so two at once can
meet there (docs/decisions/0018)."""


def _pause(attempt: int) -> None:
    """A jittered pause before try ``attempt + 1``: up to 25, 50, 100 ms."""
    import secrets
    import time

    time.sleep(secrets.randbelow(25 * 2 ** (attempt - 1) + 1) / 1000)


@cache
def table() -> Table:
    return Table(get_settings().table_name, aws.dynamodb())
