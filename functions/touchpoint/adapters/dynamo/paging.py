"""One page of a query: DynamoDB's `LastEvaluatedKey` as the API's opaque cursor, and back.

A cursor names where a query of one partition stopped. It is checked against the partition the
next request queries, so a cursor made for one clinic reads nothing of another's."""

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from touchpoint.adapters.dynamo.table import Item, Table, from_attributes, to_attributes
from touchpoint.domain.errors import InvalidQuery
from touchpoint.domain.paging import PageQuery


def _encode(key: Mapping[str, Any]) -> str:
    plain = {name: str(value) for name, value in from_attributes(key).items()}
    return base64.urlsafe_b64encode(json.dumps(plain, sort_keys=True).encode()).decode().rstrip("=")


def _decode(cursor: str, fixed: Mapping[str, str]) -> dict[str, Any]:
    refused = InvalidQuery("cursor is not one this API gave out for this list", "cursor")
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise refused from None
    if not isinstance(plain, dict) or not all(isinstance(value, str) for value in plain.values()):
        raise refused
    if any(plain.get(name) != value for name, value in fixed.items()):
        raise refused  # another partition's: another clinic's list
    return to_attributes(plain)


def query_page(
    table: Table, page: PageQuery, *, fixed: Mapping[str, str], **request: Any
) -> tuple[list[Item], str | None]:
    """Up to `page.limit` items of the query `request`, from `page.cursor` on, and the cursor of
    the rest (None when there is none). `fixed`: the partition key's name and value, which the
    cursor must carry. With a filter, DynamoDB may return fewer than asked: it is asked again."""
    found: list[Item] = []
    start = _decode(page.cursor, fixed) if page.cursor else None
    while True:
        call = {"TableName": table.name, "Limit": page.limit - len(found), **request}
        if start is not None:
            call["ExclusiveStartKey"] = start
        answer = table.client.query(**call)
        found += [from_attributes(item) for item in answer["Items"]]
        start = answer.get("LastEvaluatedKey")
        if start is None or len(found) >= page.limit:
            return found, _encode(start) if start is not None else None
