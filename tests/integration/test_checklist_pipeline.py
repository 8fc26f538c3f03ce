"""The pre-session checklist through the real pipeline on moto: the admin API plans it, the
scheduler pass and the sender send it (and later its deadline), Twilio's signed webhooks at the
inbound handler answer it, and the admin API reads back the appointment's `checklist` and the
alerts."""

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from mypy_boto3_dynamodb import DynamoDBClient

from tests.integration.inbound_world import World, world_fixture
from tests.integration.moto_table import module_table_fixture
from touchpoint.domain.conversation import CRISIS_REPLY

moto_table = module_table_fixture()

# Tuesday 5 March 2030, 15:00 in New York (EST): the checklist goes at 15:00 the day before
# (20:00Z), its answer is due at 13:00 (18:00Z).
STARTS_AT = "2030-03-05T15:00:00-05:00"
CHECKLIST_AT = datetime.fromisoformat("2030-03-04T15:00:00-05:00")
ANSWER_BY = datetime.fromisoformat("2030-03-05T13:00:00-05:00")
CHECKLIST_TEXT = (
    "Before tomorrow 3:00 PM: 1 a ride home, 2 nothing to eat for 6 hours before, "
    "3 no alcohol since yesterday? Reply YES if all set, or the number of what is not."
)


@pytest.fixture
def world(moto_table: tuple[DynamoDBClient, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from world_fixture(moto_table, monkeypatch)


@dataclass
class Asked:
    clinic_id: str
    patient_id: str
    appointment_id: str


def ask(world: World, **checklist: Any) -> Asked:
    """A clinic with the default checklist and no reminders; its checklist sent by a pass."""
    clinic_id = world.clinic(reminders=[], checklist=checklist)
    patient_id = world.patient(clinic_id)
    appointment_id = world.appointment(clinic_id, patient_id, STARTS_AT)
    [delivery] = world.send_due(CHECKLIST_AT)
    assert delivery.outcome == "sent"
    return Asked(clinic_id, patient_id, appointment_id)


def reply(world: World, body: str, now: datetime) -> str | None:
    response = world.text(body, now=now)
    assert response.status == 200, response.body
    root = ET.fromstring(response.body)  # noqa: S314 (our own handler's answer)
    messages = root.findall("Message")
    return messages[0].text if messages else None


def checklist_of(world: World, asked: Asked) -> str | None:
    view = world.appointment_view(asked.clinic_id, asked.appointment_id)
    return view.get("checklist")


def test_the_checklist_is_planned_sent_as_one_segment_and_pending(world: World) -> None:
    asked = ask(world)

    [sent] = world.outbox.sent
    view = world.appointment_view(asked.clinic_id, asked.appointment_id)
    assert sent.body == CHECKLIST_TEXT
    assert view["checklist"] == "pending"
    kinds = sorted((message["kind"], message["state"]) for message in view["messages"])
    assert kinds == [("checklist", "sent"), ("checklist_deadline", "pending")]


def test_yes_makes_the_checklist_ready_and_the_deadline_then_changes_nothing(world: World) -> None:
    asked = ask(world, alert_no_answer=True)

    answer = reply(world, "YES", CHECKLIST_AT + timedelta(hours=1))
    [deadline] = world.send_due(ANSWER_BY)

    assert answer == "Thanks Ana, you are all set. See you soon."
    assert checklist_of(world, asked) == "ready"
    assert (deadline.outcome, deadline.reason) == ("skipped", "checklist_not_pending")
    assert world.alerts_of(asked.clinic_id) == []


def test_a_number_is_not_ready_and_raises_a_checklist_alert_naming_the_item(world: World) -> None:
    asked = ask(world)

    answer = reply(world, "2", CHECKLIST_AT + timedelta(hours=1))

    assert answer is not None
    assert answer.startswith("Thanks Ana, we have told the clinic.")
    assert checklist_of(world, asked) == "not_ready"
    [alert] = world.alerts_of(asked.clinic_id)
    assert alert["kind"] == "checklist"
    assert alert["text"] == "Checklist not ready: 2 nothing to eat for 6 hours before. The patient replied: 2"


def test_no_answer_by_the_deadline_is_no_answer_with_the_alert_the_clinic_asked_for(world: World) -> None:
    asked = ask(world, alert_no_answer=True)

    [deadline] = world.send_due(ANSWER_BY)

    assert (deadline.outcome, deadline.reason) == ("skipped", "no_answer")
    assert checklist_of(world, asked) == "no_answer"
    [alert] = world.alerts_of(asked.clinic_id)
    assert (alert["kind"], alert["text"]) == ("checklist", "Checklist not answered by Tue Mar 5 1:00 PM.")
    assert len(world.outbox.sent) == 1  # the deadline sends nothing


def test_no_answer_without_the_alert_raises_none_and_a_late_yes_still_counts(world: World) -> None:
    asked = ask(world)

    world.send_due(ANSWER_BY)
    answer = reply(world, "y", ANSWER_BY + timedelta(minutes=30))

    assert world.alerts_of(asked.clinic_id) == []
    assert answer == "Thanks Ana, you are all set. See you soon."
    assert checklist_of(world, asked) == "ready"


def test_crisis_language_is_never_taken_as_a_checklist_answer(world: World) -> None:
    asked = ask(world)

    answer = reply(world, "I want to die", CHECKLIST_AT + timedelta(hours=1))

    assert answer == CRISIS_REPLY
    assert checklist_of(world, asked) == "pending"
    assert [alert["kind"] for alert in world.alerts_of(asked.clinic_id)] == ["crisis"]


def test_moving_the_appointment_asks_again_and_the_old_deadline_closes_nothing(world: World) -> None:
    asked = ask(world, alert_no_answer=True)
    later = "2030-03-06T15:00:00-05:00"

    status, moved = world.admin(
        "PATCH", f"/admin/clinics/{asked.clinic_id}/appointments/{asked.appointment_id}", {"starts_at": later}
    )
    [old_deadline] = world.send_due(ANSWER_BY)

    assert status == 200, moved
    assert "checklist" not in moved
    assert (old_deadline.outcome, old_deadline.reason) == ("skipped", "checklist_not_pending")
    assert world.alerts_of(asked.clinic_id) == []


def test_a_clinic_without_a_checklist_plans_none_and_its_appointments_show_none(world: World) -> None:
    clinic_id = world.clinic()
    patient_id = world.patient(clinic_id)
    appointment_id = world.appointment(clinic_id, patient_id, STARTS_AT)

    view = world.appointment_view(clinic_id, appointment_id)

    assert "checklist" not in view
    assert [message["kind"] for message in view["messages"]] == ["reminder"]
    assert world.get(f"/admin/clinics/{clinic_id}")["checklist"] is None
