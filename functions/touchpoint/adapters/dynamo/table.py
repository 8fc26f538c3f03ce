"""The one table: its client, the conversion of items to DynamoDB attributes and back, the
builders of the writes a transaction is made of, and what a failed condition looks like.
It knows no key and no aggregate (keys.py and the aggregate modules do)."""

import time
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from touchpoint.domain.errors import Conflict
from touchpoint.settings import DEFAULT_DUE_SHARDS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

BATCH_KEYS = 100  # BatchGetItem's most per request
BATCH_RETRIES, BATCH_PAUSE_SECONDS = 8, 0.05
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

Item = dict[str, Any]


def to_attributes(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item as DynamoDB attributes; a field that is None is not stored."""
    return {key: _serializer.serialize(value) for key, value in item.items() if value is not None}


def from_attributes(attributes: Mapping[str, Any]) -> Item:
    return {key: _plain(_deserializer.deserialize(value)) for key, value in attributes.items()}


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; the domain stores only whole numbers."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_plain(inner) for inner in value]
    return value


def conditional_check_failed(error: ClientError) -> bool:
    """A write's condition did not hold (for a transaction: one of its writes', or it was cancelled)."""
    code = error.response.get("Error", {}).get("Code")
    return code in ("ConditionalCheckFailedException", "TransactionCanceledException")


def failed_conditions(error: ClientError) -> list[int]:
    """Which writes of a cancelled transaction (by position) found their condition false."""
    reasons = error.response.get("CancellationReasons", [])
    return [index for index, reason in enumerate(reasons) if reason.get("Code") == "ConditionalCheckFailed"]


def old_item(error: ClientError) -> Item | None:
    """The item as it was when a condition failed (asked for with ReturnValuesOnConditionCheckFailure)."""
    old: dict[str, Any] | None = error.response.get("Item")  # type: ignore[assignment]
    return from_attributes(old) if old else None


class Placeholders(TypedDict, total=False):
    """The names (`#name`) and values (`:value`) an expression refers to."""

    names: Mapping[str, str] | None
    values: Mapping[str, Any] | None


def _expressions(condition: str | None, placeholders: Placeholders) -> dict[str, Any]:
    parts: dict[str, Any] = {}
    if condition:
        parts["ConditionExpression"] = condition
    if names := placeholders.get("names"):
        parts["ExpressionAttributeNames"] = dict(names)
    if values := placeholders.get("values"):
        parts["ExpressionAttributeValues"] = to_attributes(values)
    return parts


class Table:
    def __init__(self, client: "DynamoDBClient", name: str, due_shards: int = DEFAULT_DUE_SHARDS) -> None:
        self.client = client
        self.name = name
        # The due index's shards per hour (`DUE_SHARDS`, read at cold start), which every key of that
        # index is built with: the same for every function, since writers and readers must agree.
        self.due_shards = due_shards

    def get(self, key: Mapping[str, str]) -> Item | None:
        response = self.client.get_item(TableName=self.name, Key=to_attributes(key))
        return from_attributes(response["Item"]) if "Item" in response else None

    def get_many(self, wanted: Iterable[Mapping[str, str]], **projection: Any) -> list[Item]:
        """The items of `wanted` that exist (each key once), 100 keys a BatchGetItem; keys
        DynamoDB leaves unprocessed (throttling) are asked for again after a growing pause, and
        an error is raised when they still are after BATCH_RETRIES tries. `projection`:
        ProjectionExpression and ExpressionAttributeNames, to read only some attributes."""
        unique = list({(key["pk"], key["sk"]): key for key in wanted}.values())
        found: list[Item] = []
        for start in range(0, len(unique), BATCH_KEYS):
            request: Any = {
                self.name: {
                    "Keys": [to_attributes(key) for key in unique[start : start + BATCH_KEYS]],
                    **projection,
                }
            }
            for attempt in range(BATCH_RETRIES):
                answer = self.client.batch_get_item(RequestItems=request)
                found += [from_attributes(item) for item in answer.get("Responses", {}).get(self.name, [])]
                request = answer.get("UnprocessedKeys") or {}
                if not request.get(self.name):
                    break
                time.sleep(min(BATCH_PAUSE_SECONDS * 2**attempt, 1.0))  # backing off, not timing
            else:
                raise RuntimeError("DynamoDB left keys of a batched read unprocessed after retries")
        return found

    def query(self, **kwargs: Any) -> Iterator[Item]:
        paginator = self.client.get_paginator("query")
        for page in paginator.paginate(TableName=self.name, **kwargs):
            for attributes in page["Items"]:
                yield from_attributes(attributes)

    # ---- the writes of a transaction ----

    def put_new(self, item: Item) -> "TransactWriteItemTypeDef":
        return self.put(item, "attribute_not_exists(pk)")

    def put(
        self, item: Item, condition: str, **placeholders: Unpack[Placeholders]
    ) -> "TransactWriteItemTypeDef":
        put = {"TableName": self.name, "Item": to_attributes(item)} | _expressions(condition, placeholders)
        return {"Put": put}  # type: ignore[typeddict-item]

    def delete(
        self, key: Mapping[str, str], condition: str | None = None, **placeholders: Unpack[Placeholders]
    ) -> "TransactWriteItemTypeDef":
        delete = {"TableName": self.name, "Key": to_attributes(key)} | _expressions(condition, placeholders)
        return {"Delete": delete}  # type: ignore[typeddict-item]

    def update(
        self,
        key: Mapping[str, str],
        expression: str,
        condition: str | None = None,
        **placeholders: Unpack[Placeholders],
    ) -> "TransactWriteItemTypeDef":
        return {"Update": self._update(key, expression, condition, placeholders)}  # type: ignore[typeddict-item]

    def _update(
        self, key: Mapping[str, str], expression: str, condition: str | None, placeholders: Placeholders
    ) -> dict[str, Any]:
        return {
            "TableName": self.name,
            "Key": to_attributes(key),
            "UpdateExpression": expression,
        } | _expressions(condition, placeholders)

    def transact(self, items: list["TransactWriteItemTypeDef"], conflict: str) -> None:
        """All the writes or none; Conflict(`conflict`) if a condition did not hold."""
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if conditional_check_failed(error):
                raise Conflict(conflict) from None
            raise

    # ---- a write on its own ----

    def update_item(
        self, key: Mapping[str, str], expression: str, condition: str, **placeholders: Unpack[Placeholders]
    ) -> None:
        """One conditional update, not in a transaction; a failed condition raises ClientError."""
        self.client.update_item(**self._update(key, expression, condition, placeholders))

    def update_if(
        self, key: Mapping[str, str], expression: str, condition: str, **placeholders: Unpack[Placeholders]
    ) -> bool:
        """One conditional update; False if its condition did not hold."""
        written, _ = self.update_returning(key, expression, condition, **placeholders)
        return written is not None

    def update_returning(
        self, key: Mapping[str, str], expression: str, condition: str, **placeholders: Unpack[Placeholders]
    ) -> tuple[Item | None, Item | None]:
        """One conditional update: (the item as written, None); or, when its condition did not
        hold, (None, the item as it was: None if there is none)."""
        try:
            response = self.client.update_item(
                **self._update(key, expression, condition, placeholders),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if conditional_check_failed(error):
                return None, old_item(error)
            raise
        return from_attributes(response["Attributes"]), None


class Repository:
    """One aggregate's storage in the table."""

    def __init__(self, table: Table) -> None:
        self.table = table
