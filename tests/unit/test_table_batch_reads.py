"""`Table.get_many`: 100 keys a BatchGetItem, each key once, and the keys DynamoDB leaves
unprocessed asked for again after a pause, a bounded number of times."""

from typing import Any

import pytest

from touchpoint.adapters.dynamo import table as table_module
from touchpoint.adapters.dynamo.table import Table, to_attributes


class Throttling:
    """A DynamoDB client that leaves every key unprocessed `refusals` times, then answers."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.calls: list[int] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        request = RequestItems["t"]
        self.calls.append(len(request["Keys"]))
        if self.refusals:
            self.refusals -= 1
            return {"Responses": {"t": []}, "UnprocessedKeys": RequestItems}
        return {"Responses": {"t": [key | to_attributes({"found": True}) for key in request["Keys"]]}}


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    paused: list[float] = []
    monkeypatch.setattr(table_module.time, "sleep", paused.append)
    return paused


def keys(count: int) -> list[dict[str, str]]:
    return [{"pk": f"P#{index}", "sk": "S"} for index in range(count)]


def test_keys_go_100_a_request_each_once() -> None:
    client = Throttling(0)

    found = Table(client, "t").get_many(keys(250) + keys(10))  # type: ignore[arg-type]

    assert client.calls == [100, 100, 50]
    assert len(found) == 250


def test_unprocessed_keys_are_asked_for_again_after_a_growing_pause(no_pauses: list[float]) -> None:
    client = Throttling(3)

    found = Table(client, "t").get_many(keys(5))  # type: ignore[arg-type]

    assert len(found) == 5
    assert client.calls == [5, 5, 5, 5]
    assert no_pauses == sorted(no_pauses)
    assert no_pauses[0] < no_pauses[-1]


def test_keys_still_unprocessed_after_the_retries_raise() -> None:
    client = Throttling(100)

    with pytest.raises(RuntimeError, match="unprocessed"):
        Table(client, "t").get_many(keys(5))  # type: ignore[arg-type]
    assert len(client.calls) == table_module.BATCH_RETRIES
