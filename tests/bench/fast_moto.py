"""moto, made fast enough for a table of 100,000 items, without changing a single answer.

moto answers a Query of an index by walking every item of the table, sorting them first, in
Python: about a second a query at 100,000 items, against milliseconds on DynamoDB, whose
indexes are keyed. For the benchmark's large table, `indexed_queries` (infra/quick_moto.py)
hands moto's query only the items whose index partition key matches (the same set its own walk
would keep), and `put_items` writes straight to moto's table model. Requests are still counted at the client;
what DynamoDB would answer, and how many requests a pass makes, does not change.
"""

from collections.abc import Sequence
from typing import Any

from infra.quick_moto import indexed_queries

__all__ = ["indexed_queries", "put_items"]


def put_items(table_name: str, items: Sequence[dict[str, Any]], region: str = "us-east-1") -> None:
    """Items (in DynamoDB's attribute form) written to moto's model of the table directly."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][region]
    for item in items:
        backend.put_item(table_name, item)
