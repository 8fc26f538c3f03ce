"""Whatever a phone sends, the inbound webhook answers a signed request with TwiML and keeps the
message exactly once, refuses an unsigned or forged one, and never fails."""

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mypy_boto3_dynamodb import DynamoDBClient

from tests.integration.inbound_world import (
    AFTER_REMINDER,
    CLINIC_NUMBER,
    INBOUND_URL,
    PATIENT_PHONE,
    STRANGER_PHONE,
    World,
    incoming_sms,
    new_message_sid,
    sign,
    webhook_event,
    world_fixture,
)
from tests.integration.moto_table import module_table_fixture

moto_table = module_table_fixture()

SENDERS = [PATIENT_PHONE, STRANGER_PHONE, "abc", "", "+1", "+15551230001 ext 9"]
RECIPIENTS = [CLINIC_NUMBER, "+15005550099", ""]

bodies = st.one_of(
    st.text(max_size=40),
    st.text(min_size=1500, max_size=1700),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(["", "C", "STOP", "HELP", "R", "START", "I want to die", "\U0001f44d", "\x00\x1b\x7f"]),
    st.builds(
        lambda word, noise: f"{noise}{word}{noise}",
        st.sampled_from(["C", "stop", "kill myself", "help", "yes"]),
        st.text(max_size=5),
    ),
)

PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def world(moto_table: tuple[DynamoDBClient, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from world_fixture(moto_table, monkeypatch)


Key = tuple[str, str]


def scan(world: World) -> dict[Key, dict[str, Any]]:
    """Every item of the table (a small one: each example starts from the same few items)."""
    page = world.client.scan(TableName=world.table.name)
    assert "LastEvaluatedKey" not in page
    return {(item["pk"]["S"], item["sk"]["S"]): item for item in page["Items"]}


@dataclass
class Start:
    """The table as each example starts: a clinic, its patient, a reminder awaiting an answer."""

    clinic_id: str
    patient: Key
    items: dict[Key, dict[str, Any]]

    def restore(self, world: World, now: dict[Key, dict[str, Any]], *, opted_out: bool = False) -> None:
        """Back to the start, so that the table stays small and every example costs the same."""
        deletes = [
            {"DeleteRequest": {"Key": {"pk": item["pk"], "sk": item["sk"]}}}
            for key, item in now.items()
            if key not in self.items
        ]
        puts = [
            {
                "PutRequest": {
                    "Item": item | {"opted_out": {"BOOL": opted_out}} if key == self.patient else item
                }
            }
            for key, item in self.items.items()
            if now.get(key) != item or key == self.patient
        ]
        requests = deletes + puts
        for begin in range(0, len(requests), 25):
            world.client.batch_write_item(RequestItems={world.table.name: requests[begin : begin + 25]})  # type: ignore[dict-item]


@pytest.fixture
def start(world: World) -> Start:
    clinic_id = world.clinic()
    patient_id = world.patient(clinic_id)
    world.appointment(clinic_id, patient_id)
    [delivery] = world.send_due()
    assert delivery.outcome == "sent"
    return Start(clinic_id, (f"CLINIC#{clinic_id}", f"PATIENT#{patient_id}"), scan(world))


def inbound_copies(items: dict[Key, dict[str, Any]], sid: str) -> list[dict[str, Any]]:
    return [
        item
        for item in items.values()
        if item.get("type") == {"S": "message"}
        and item.get("direction") == {"S": "inbound"}
        and item.get("twilio_sid") == {"S": sid}
    ]


def assert_twiml(body: str) -> None:
    root = ET.fromstring(body)  # noqa: S314 (our own handler's answer)
    assert root.tag == "Response"
    assert all(child.tag == "Message" for child in root)


@PROPERTY_SETTINGS
@given(
    body=bodies,
    sender=st.sampled_from(SENDERS),
    to=st.sampled_from(RECIPIENTS),
    base64_body=st.booleans(),
    replayed=st.booleans(),
    opted_out=st.booleans(),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 3),
)
def test_any_signed_inbound_sms_gets_twiml_and_is_stored_exactly_once(
    world: World,
    start: Start,
    body: str,
    sender: str,
    to: str,
    base64_body: bool,
    replayed: bool,
    opted_out: bool,
    minutes: int,
) -> None:
    start.restore(world, scan(world), opted_out=opted_out)
    sid = new_message_sid()
    form = incoming_sms(body, sender, to, sid)
    signature = sign(INBOUND_URL, form)
    now = AFTER_REMINDER + timedelta(minutes=minutes)

    answers = [
        world.call(
            webhook_event("/twilio/inbound", form, signature=signature, base64_body=base64_body, now=now)
        )
        for _ in range(2 if replayed else 1)
    ]

    for answer in answers:
        assert answer.status == 200, answer.body
        assert answer.content_type.startswith("text/xml")
        assert_twiml(answer.body)
    assert answers[-1].body == answers[0].body
    items = scan(world)
    assert (f"INBOUND#{sid}", "INBOUND") in items
    [stored] = inbound_copies(items, sid)
    assert stored["body"]["S"] == body[:1600]


@PROPERTY_SETTINGS
@given(
    body=bodies,
    sender=st.sampled_from(SENDERS),
    forgery=st.sampled_from(["unsigned", "wrong token", "other url", "tampered body", "garbage"]),
    base64_body=st.booleans(),
)
def test_any_unsigned_or_forged_inbound_sms_is_refused_and_never_stored(
    world: World, start: Start, body: str, sender: str, forgery: str, base64_body: bool
) -> None:
    sid = new_message_sid()
    form = incoming_sms(body, sender, CLINIC_NUMBER, sid)
    signature: str | None = {
        "unsigned": None,
        "wrong token": sign(INBOUND_URL, form, "not-the-token"),
        "other url": sign("https://attacker.example.test/twilio/inbound", form),
        "tampered body": sign(INBOUND_URL, form | {"Body": body + "x"}),
        "garbage": body[:40] or "x",
    }[forgery]

    answer = world.call(webhook_event("/twilio/inbound", form, signature=signature, base64_body=base64_body))

    assert answer.status == 403
    assert scan(world) == start.items
