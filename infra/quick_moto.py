"""moto with two of its costs that grow with the table taken out, every answer unchanged: for the
demo, and for the processes the slow tests start (the fault suite's moto server, local stacks).

- TransactWriteItems: moto backs up the table before a transaction, to put it back if the
  transaction is cancelled, with a deep copy of the whole table for each item of the
  transaction. Nothing changes the table between those copies, so one copy per table is the
  same backup; here each table is copied once per transaction.
- Query of an index: moto walks (and sorts) every item of the table, in Python; `indexed_queries`
  hands it only the items whose index partition key matches, the set its own walk would keep.

`python -m infra.quick_moto server ARGS` is `moto_server ARGS`, and
`python -m infra.quick_moto stack` is `python -m infra.local_stack`, each with both.
"""

import contextlib
import copy
import inspect
import runpy
import sys
import threading
from collections.abc import Iterator
from typing import Any

_local = threading.local()


class _CopyOncePerTransaction:
    """Stands for the `copy` module in moto's DynamoDB backend: inside a transaction a table is
    deep-copied once, and the same backup returned for each further item naming it."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        backups: dict[int, Any] | None = getattr(_local, "backups", None)
        if backups is None or memo is not None:
            return copy.deepcopy(value, memo)
        if id(value) not in backups:
            backups[id(value)] = (value, copy.deepcopy(value))
        return backups[id(value)][1]


@contextlib.contextmanager
def one_backup_per_transaction() -> Iterator[None]:
    from moto.dynamodb import models
    from moto.dynamodb.models import DynamoDBBackend

    # moto's backend module imports `copy` for its backups; this stands in for it there.
    backend: Any = models
    original_copy, original_transact = backend.copy, DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        _local.backups = {}
        try:
            original_transact(self, transact_items)
        finally:
            _local.backups = None

    backend.copy = _CopyOncePerTransaction()
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    try:
        yield
    finally:
        backend.copy = original_copy
        DynamoDBBackend.transact_write_items = original_transact  # type: ignore[method-assign]


@contextlib.contextmanager
def indexed_queries() -> Iterator[None]:
    from moto.dynamodb.models.table import Table

    original_query, original_all_items = Table.query, Table.all_items
    parameters = inspect.signature(original_query)

    def all_items(self: Any) -> Any:
        wanted = getattr(_local, "items", None)
        return wanted if wanted is not None else original_all_items(self)

    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        bound = parameters.bind(self, *args, **kwargs)
        conditions = bound.arguments.get("hash_key_conditions")
        if not bound.arguments.get("index_name") or not conditions:
            return original_query(self, *args, **kwargs)
        attribute, value = conditions[0]
        _local.items = [
            item
            for hash_set in self.items.values()
            for item in (hash_set.values() if self.range_key_attr else [hash_set])
            if (found := item.attrs.get(attribute)) is not None and found == value
        ]
        try:
            return original_query(self, *args, **kwargs)
        finally:
            _local.items = None

    Table.query, Table.all_items = query, all_items  # type: ignore[method-assign]
    try:
        yield
    finally:
        Table.query, Table.all_items = original_query, original_all_items  # type: ignore[method-assign]


@contextlib.contextmanager
def quick_moto() -> Iterator[None]:
    with one_backup_per_transaction(), indexed_queries():
        yield


def main() -> None:
    what, sys.argv[1:] = sys.argv[1], sys.argv[2:]
    with quick_moto():
        if what == "server":
            from moto.server import main as moto_server

            moto_server()
        elif what == "stack":
            runpy.run_module("infra.local_stack", run_name="__main__", alter_sys=True)
        else:
            raise SystemExit(f"usage: python -m infra.quick_moto server|stack [ARGS]: not {what!r}")


if __name__ == "__main__":
    main()
