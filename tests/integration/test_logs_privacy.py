"""Phone numbers and message bodies never appear in logs (contract section 5), at any level.

A whole conversation goes through the real handlers (admin, scheduler, sender, inbound and
status webhooks) with every logger at DEBUG and metrics on; everything logged or printed is
then searched for the numbers and the words of the conversation.
"""

import inspect
import io
import logging
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from mypy_boto3_dynamodb import DynamoDBClient

from infra.local_http import LambdaContext, sqs_event
from infra.template import load_template
from tests.integration.inbound_world import (
    AFTER_REMINDER,
    CLINIC_NUMBER,
    CLINIC_PHONE,
    DUE_AT,
    PATIENT_PHONE,
    STRANGER_PHONE,
    ListQueue,
    World,
    incoming_sms,
    webhook_event,
    world_fixture,
)
from tests.integration.moto_table import module_table_fixture
from touchpoint.adapters.sqs_queue import job_message
from touchpoint.handlers import admin as admin_handler
from touchpoint.handlers import inbound as inbound_handler
from touchpoint.handlers import scheduler as scheduler_handler
from touchpoint.handlers import sender as sender_handler

moto_table = module_table_fixture()

HANDLERS = (admin_handler, inbound_handler, scheduler_handler, sender_handler)
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/000000000000/touchpoint-send-it"

# What the patient writes: each reply carries a word no log line has any reason to hold.
REPLIES = {
    "confirm": "C",
    "question": "Is parking available near Quillfeather street?",
    "help": "HELP",
    "crisis": "I want to kill myself tonight, the zanzibar bridge",
    "stop": "STOP",
}
STRANGER_TEXT = "Hello, this is Marisol from the vermilion apartments"
STRANGER_CRISIS = "nobody knows me here, I want to die by the lighthouse"

PHONES = {
    "patient": PATIENT_PHONE,
    "clinic": CLINIC_PHONE,
    "clinic sender": CLINIC_NUMBER,
    "stranger": STRANGER_PHONE,
}


def written_forms(e164: str) -> list[str]:
    """A US number as it may be written: E.164, digits, national, with separators."""
    digits = e164.removeprefix("+1")
    area, exchange, line = digits[:3], digits[3:6], digits[6:]
    return [
        e164,
        e164.removeprefix("+"),
        digits,
        f"({area}) {exchange}-{line}",
        f"{area}-{exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"%2B1{digits}",  # URL-encoded, as in a logged form body
    ]


@dataclass
class Captured:
    stream: io.StringIO
    records: list[logging.LogRecord]

    def text(self, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> str:
        out, err = capsys.readouterr()
        records = [*self.records, *caplog.records]
        parts = [self.stream.getvalue(), out, err, caplog.text]
        for record in records:
            parts.append(record.getMessage())
            parts.append(repr(record.args))
            parts.append(
                repr({key: value for key, value in vars(record).items() if key not in ("msg", "args")})
            )
        return "\n".join(parts)


class _Keep(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.DEBUG)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> Iterator[Captured]:
    """Every logger the functions use, at DEBUG, written to one buffer (and kept as records)."""
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.delenv("POWERTOOLS_DEV", raising=False)
    stream = io.StringIO()
    records: list[logging.LogRecord] = []
    keep = _Keep(records)
    restore: list[Any] = []
    for module in HANDLERS:
        powertools = module.logger
        handler = powertools.registered_handler
        if isinstance(handler, logging.StreamHandler):
            previous = handler.setStream(stream)
            restore.append(lambda handler=handler, previous=previous: handler.setStream(previous))
        level = powertools.log_level
        powertools.setLevel("DEBUG")
        restore.append(lambda powertools=powertools, level=level: powertools.setLevel(level))
    # The libraries the functions run on log through the standard loggers.
    for name in ("aws_lambda_powertools", "twilio", "touchpoint", inbound_handler.logger.name):
        library = logging.getLogger(name)
        caplog.set_level(logging.DEBUG, logger=name)
        library.addHandler(keep)
        restore.append(lambda library=library: library.removeHandler(keep))
    try:
        yield Captured(stream, records)
    finally:
        for undo in reversed(restore):
            undo()


@pytest.fixture
def world(moto_table: tuple[DynamoDBClient, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from world_fixture(moto_table, monkeypatch)


def run_scheduler(world: World, queue: ListQueue) -> dict[str, int]:
    event = {
        "version": "0",
        "id": secrets.token_hex(8),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "time": DUE_AT.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resources": [],
        "detail": {},
    }
    result: dict[str, int] = scheduler_handler.handler(
        event, LambdaContext("touchpoint-scheduler"), jobs=world.jobs, queue=queue
    )
    return result


def run_sender(world: World, queue: ListQueue) -> dict[str, Any]:
    messages = [
        {"MessageId": secrets.token_hex(8), "ReceiptHandle": secrets.token_hex(8), "Body": job_message(ref)}
        for ref in queue.take()
    ]
    response: dict[str, Any] = sender_handler.handler(  # type: ignore[assignment]
        sqs_event(messages, QUEUE_URL),
        LambdaContext("touchpoint-sender"),
        sender=world.sender,
        clock=lambda: DUE_AT,
    )
    return response


def test_a_whole_conversation_logs_no_phone_number_and_no_message_body(
    world: World,
    captured: Captured,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clinic_id = world.clinic()
    patient_id = world.patient(clinic_id, PATIENT_PHONE, "Ana")
    appointment_id = world.appointment(clinic_id, patient_id)
    queue = ListQueue()

    assert run_scheduler(world, queue)["queued"] == 1
    assert run_sender(world, queue)["batchItemFailures"] == []
    [reminder] = world.outbox.sent
    replies: list[str] = []
    for minute, text in enumerate(REPLIES.values()):
        answer = world.text(text, now=AFTER_REMINDER + timedelta(minutes=minute))
        assert answer.status == 200
        replies.append(answer.body)
    assert world.text(STRANGER_TEXT, sender=STRANGER_PHONE).status == 200
    assert world.text(STRANGER_CRISIS, sender=STRANGER_PHONE).status == 200
    forged = webhook_event("/twilio/inbound", incoming_sms(REPLIES["question"]), signature="forged")
    assert world.call(forged).status == 403
    for status, code in (("sent", None), ("delivered", None), ("failed", "30003"), ("undelivered", "21610")):
        assert world.status(reminder.sid, status, code).status == 200
    for path in (
        f"/admin/clinics/{clinic_id}/patients/{patient_id}",
        f"/admin/clinics/{clinic_id}/patients/{patient_id}/messages",
        f"/admin/clinics/{clinic_id}/appointments/{appointment_id}",
        f"/admin/clinics/{clinic_id}/alerts",
    ):
        world.get(path)
    assert world.appointment_view(clinic_id, appointment_id)["status"] == "confirmed"
    assert world.patient_view(clinic_id, patient_id)["opted_out"] is True
    assert [alert["kind"] for alert in world.alerts_of(clinic_id)] == ["crisis", "crisis"]

    logs = captured.text(caplog, capsys)

    # The capture works: the functions' own lines are there, DEBUG included.
    for line in ("inbound message", "status callback", "delivery", "scheduler pass", "webhook refused"):
        assert line in logs, line
    assert any(record.levelno == logging.DEBUG for record in captured.records)
    assert '"_aws"' in logs  # the metrics' embedded format: on stdout, i.e. in the log stream
    leaked_phones = [
        f"{who}: {form}" for who, number in PHONES.items() for form in written_forms(number) if form in logs
    ]
    assert leaked_phones == []
    bodies = [reminder.body, *REPLIES.values(), STRANGER_TEXT, STRANGER_CRISIS]
    distinctive = [
        "Quillfeather",
        "zanzibar",
        "kill myself",
        "Marisol",
        "vermilion",
        "lighthouse",
        "Reply C to confirm",
    ]
    leaked_words = [text for text in [*bodies, *distinctive] if len(text) > 4 and text in logs]
    assert leaked_words == []
    answered = [message.text or "" for reply in replies for message in ET.fromstring(reply).iter("Message")]  # noqa: S314
    assert len(answered) == len(REPLIES)
    assert [text for text in answered if text in logs] == []


def test_no_function_environment_turns_on_event_logging() -> None:
    """POWERTOOLS_LOGGER_LOG_EVENT would write every webhook (numbers, bodies) to the logs."""
    template = load_template()
    environments = [template.get("Globals", {}).get("Function", {}).get("Environment", {})]
    environments += [
        resource.get("Properties", {}).get("Environment", {})
        for resource in template["Resources"].values()
        if resource.get("Type") in ("AWS::Serverless::Function", "AWS::Lambda::Function")
    ]
    assert len(environments) > 1
    for environment in environments:
        variables = environment.get("Variables", {})
        value = str(variables.get("POWERTOOLS_LOGGER_LOG_EVENT", "false")).lower()
        assert value in ("false", "0", ""), variables


@pytest.mark.parametrize("module", HANDLERS, ids=lambda module: module.__name__.rsplit(".", 1)[-1])
def test_no_handler_logs_its_event(module: Any) -> None:
    """inject_lambda_context(log_event=True) would log the raw event, whatever the environment says."""
    nonlocals = inspect.getclosurevars(module.handler).nonlocals
    assert nonlocals.get("log_event") is False
