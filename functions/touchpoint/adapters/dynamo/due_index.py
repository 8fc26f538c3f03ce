"""Reading the due index's hourly buckets: every shard of every hour of a look-back (and the
unsharded bucket of the items written before the shards), up to `now`."""

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from touchpoint.adapters.dynamo import keys
from touchpoint.adapters.dynamo.table import Item, Table, to_attributes


def due_items(
    table: Table, bucket: Callable[[datetime, int | None], str], now: datetime, lookback: timedelta
) -> Iterator[Item]:
    """The keys of the items due by `now` in the buckets `bucket(hour, shard)` names, oldest hour first."""
    hour = (now - lookback).replace(minute=0, second=0, microsecond=0)
    while hour <= now:
        for shard in keys.bucket_shards(table.due_shards):
            yield from table.query(
                IndexName=keys.DUE_INDEX,
                KeyConditionExpression="due_bucket = :bucket AND due_sk <= :upper",
                ExpressionAttributeValues=to_attributes(
                    {":bucket": bucket(hour, shard), ":upper": keys.due_until(now)}
                ),
            )
        hour += timedelta(hours=1)
