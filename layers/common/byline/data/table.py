"""A thin typed repository over the DynamoDB client for the single table.

It speaks Python values, not DynamoDB's attribute-value JSON, and maps the database's refusals
(conditional check failures, throttling) to domain errors so services never see botocore.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

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


def deserialize(item: Mapping[str, Any]) -> Item:
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


@dataclass(frozen=True)
class Page:
    items: list[Item]
    last_key: Item | None


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

    def put(self, item: Mapping[str, Any], *, condition: str | None = None) -> None:
        kwargs: dict[str, Any] = {"Item": serialize(item)}
        if condition:
            kwargs["ConditionExpression"] = condition
        self._call("put_item", **kwargs)

    def transact(self, operations: Sequence[Mapping[str, Any]]) -> None:
        """Write several items atomically; each operation names its table implicitly."""
        from botocore.exceptions import BotoCoreError, ClientError

        items = [
            {op: {"TableName": self.name, **body} for op, body in o.items()} for o in operations
        ]
        try:
            self._client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _TRANSIENT:
                raise ServiceUnavailable("The database is busy; retry shortly.") from error
            raise
        except BotoCoreError as error:
            raise ServiceUnavailable("The database could not be reached.") from error


@cache
def table() -> Table:
    return Table(get_settings().table_name, aws.dynamodb())
