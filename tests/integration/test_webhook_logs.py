"""The inbound function's log lines (issue 10, item 6): each carries the id of the HTTP API request
it belongs to as `correlation_id`, and nothing a request before it appended, be it the function's
own last request or an admin request served by the same process (the local stack)."""

import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from mypy_boto3_dynamodb import DynamoDBClient

from tests.integration.inbound_world import (
    INBOUND_URL,
    World,
    incoming_sms,
    sign,
    webhook_event,
    world_fixture,
)
from tests.integration.moto_table import module_table_fixture
from touchpoint.domain.inbound import InboundSms
from touchpoint.handlers import admin as admin_handler
from touchpoint.handlers import inbound as inbound_handler
from touchpoint.usecases.inbound import Inbound, Received

moto_table = module_table_fixture()


@pytest.fixture
def world(moto_table: tuple[DynamoDBClient, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from world_fixture(moto_table, monkeypatch)


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What the functions' loggers write, at INFO and above."""
    stream = io.StringIO()
    restore = []
    for module in (inbound_handler, admin_handler):
        logger = module.logger
        previous = logger.registered_handler.setStream(stream)
        level = logger.log_level
        logger.setLevel("INFO")
        restore.append((logger, previous, level))
    try:
        yield stream
    finally:
        for logger, previous, level in restore:
            logger.registered_handler.setStream(previous)
            logger.setLevel(level)


def logged(stream: io.StringIO) -> list[dict[str, Any]]:
    """The JSON lines written since the last call."""
    text = stream.getvalue()
    stream.seek(0)
    stream.truncate()
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


class Appending:
    """The inbound service, with a key appended to the logger while it works (as code in a request may)."""

    def __init__(self, inbound: Inbound) -> None:
        self.inbound = inbound

    def receive(self, sms: InboundSms, at: datetime) -> Received:
        inbound_handler.logger.append_keys(patient_hint="from-the-first-request")
        return self.inbound.receive(sms, at)


def call(world: World, event: dict[str, Any], inbound: Any = None) -> int:
    return world.call(event, inbound=inbound).status


def signed(body: str) -> dict[str, Any]:
    form = incoming_sms(body)
    return webhook_event("/twilio/inbound", form, signature=sign(INBOUND_URL, form))


def test_each_webhook_log_line_carries_its_own_request_id_and_no_key_from_the_request_before(
    world: World, lines: io.StringIO
) -> None:
    first, second, forged = signed("HELP"), signed("C"), signed("STOP")
    forged["headers"]["x-twilio-signature"] = "forged"

    assert call(world, first, inbound=Appending(world.inbound)) == 200
    assert call(world, second) == 200
    assert call(world, forged) == 403
    records = logged(lines)

    ids = [event["requestContext"]["requestId"] for event in (first, second, forged)]
    assert len(set(ids)) == 3
    assert [record["correlation_id"] for record in records] == ids
    assert records[0]["patient_hint"] == "from-the-first-request"  # appended in the first request
    assert [("patient_hint" in record) for record in records] == [True, False, False]
    assert records[2]["message"].startswith("webhook refused")


def test_a_webhook_after_an_admin_request_logs_its_own_request_id(world: World, lines: io.StringIO) -> None:
    world.clinic()  # an admin request: its logger sets its own correlation id
    event = signed("HELP")

    assert call(world, event) == 200
    records = logged(lines)

    assert records
    assert {record["correlation_id"] for record in records} == {event["requestContext"]["requestId"]}
