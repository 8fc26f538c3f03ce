"""Reminders end to end: the admin API of the local stack, its scheduler tick, the real sender
and the Twilio SDK, down to the SMS the fake Twilio server receives."""

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests

from tests.e2e.support import Api, Clinic, RunningStack, local, parse_instant, utc_iso
from tests.fakes.twilio_server import FakeTwilio, RecordedRequest, Reply

pytestmark = [pytest.mark.e2e, pytest.mark.enable_socket]

ACTIONS = "Reply C to confirm or R to reschedule. Reply STOP to opt out."
TREATMENT_WORDS = (
    "ketamine",
    "infusion",
    "anxiety",
    "anxious",
    "depression",
    "depressed",
    "psychiatric",
    "mental health",
)
# Printable ASCII minus the characters GSM-7 lacks or counts twice.
ONE_SEGMENT_SAFE = {chr(code) for code in range(32, 127)} - set("`[]{}^~\\|")


def reminder_at(
    clinic: Clinic, patient: dict[str, Any], starts_at: datetime
) -> tuple[dict[str, Any], datetime]:
    """Book an appointment with the clinic's one reminder rule; returns it and the reminder's due instant."""
    appointment = clinic.appointment(patient, starts_at)
    [message] = appointment["messages"]
    assert message["state"] == "pending"
    return appointment, parse_instant(message["due_at"])


def sms_to(twilio: FakeTwilio, patient: dict[str, Any]) -> list[RecordedRequest]:
    return twilio.messages_to(patient["phone"])


def day_text(instant: datetime) -> str:
    return f"{instant:%a %b} {instant.day}"


def test_tick_at_the_due_instant_sends_exactly_the_expected_reminder(
    api: Api, twilio: FakeTwilio, local_stack: RunningStack
) -> None:
    clinic = api.clinic(name="Calm Waters Ketamine & Infusion Center")
    patient = clinic.patient("Ana")
    starts_at = local(clinic.first_day_after(3), 15)
    _, due = reminder_at(clinic, patient, starts_at)
    assert due == starts_at - timedelta(hours=2)

    api.tick(due - timedelta(minutes=1))
    assert sms_to(twilio, patient) == []
    api.tick(due)

    [sms] = sms_to(twilio, patient)
    body = sms.form["Body"]
    assert sms.form["From"] == clinic.sender
    assert sms.form["To"] == patient["phone"]
    assert sms.form["StatusCallback"] == f"{local_stack.public_url}/twilio/status"
    assert body.startswith("Hi Ana")
    assert day_text(starts_at) in body
    assert "3:00 PM" in body
    assert body.endswith(ACTIONS)
    assert len(body) <= 160
    assert set(body) <= ONE_SEGMENT_SAFE
    assert not [word for word in TREATMENT_WORDS if word in body.lower()]
    assert "cancel" not in body.lower()


def test_ticking_again_after_a_reminder_went_out_sends_nothing_more(api: Api, twilio: FakeTwilio) -> None:
    clinic = api.clinic()
    patient = clinic.patient("Ben")
    appointment, due = reminder_at(clinic, patient, local(clinic.first_day_after(3), 11))
    api.tick(due)
    assert len(sms_to(twilio, patient)) == 1

    for later in (due, due + timedelta(minutes=1), due + timedelta(hours=1)):
        api.tick(later)

    assert len(sms_to(twilio, patient)) == 1
    [message] = clinic.get_appointment(appointment)["messages"]
    assert message["state"] == "sent"


def test_a_cancelled_appointment_never_gets_its_reminder(api: Api, twilio: FakeTwilio) -> None:
    clinic = api.clinic()
    patient = clinic.patient("Cy")
    starts_at = local(clinic.first_day_after(3), 14)
    appointment, due = reminder_at(clinic, patient, starts_at)

    response = api.patch(
        f"/admin/clinics/{clinic.clinic_id}/appointments/{appointment['appointment_id']}",
        {"status": "cancelled"},
    )
    assert response.status_code == 200, response.text
    for instant in (due, due + timedelta(minutes=30), starts_at - timedelta(minutes=1)):
        api.tick(instant)

    assert sms_to(twilio, patient) == []
    found = clinic.get_appointment(appointment)
    assert found["status"] == "cancelled"
    assert [message["state"] for message in found["messages"]] == ["cancelled"]


def test_two_concurrent_ticks_at_the_same_instant_send_each_reminder_once(
    api: Api, twilio: FakeTwilio, local_stack: RunningStack
) -> None:
    clinic = api.clinic()
    starts_at = local(clinic.first_day_after(3), 16)
    patients = [clinic.patient(name) for name in ("Dee", "Eli", "Flo")]
    dues = {reminder_at(clinic, patient, starts_at)[1] for patient in patients}
    [due] = dues
    start = threading.Barrier(2)
    answers: list[requests.Response] = []

    def tick() -> None:
        caller = Api(local_stack.base_url, local_stack.admin_token)
        start.wait(timeout=10)
        answers.append(caller.post("/_local/tick", {"now": utc_iso(due)}))

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [answer.status_code for answer in answers] == [200, 200]
    assert [len(sms_to(twilio, patient)) for patient in patients] == [1, 1, 1]


def test_a_reminder_due_inside_quiet_hours_arrives_before_they_start(api: Api, twilio: FakeTwilio) -> None:
    # A 09:00 appointment with a PT12H reminder: nominally 21:00 the evening before, inside 21:00-08:00.
    clinic = api.clinic(reminders=[{"before": "PT12H"}])
    patient = clinic.patient("Gus")
    day = clinic.first_day_after(3)
    clinic.appointment(patient, local(day, 9))
    evening = day - timedelta(days=1)
    ticks = [local(evening, 20) + timedelta(minutes=5 * n) for n in range(19)]  # 20:00 .. 21:30
    ticks += [local(evening, 23), local(day, 2), local(day, 7, 55)]

    arrived_at: list[datetime] = []
    for instant in ticks:
        api.tick(instant)
        if len(sms_to(twilio, patient)) > len(arrived_at):
            arrived_at.append(instant)

    assert len(sms_to(twilio, patient)) == 1
    [arrival] = arrived_at
    assert local(evening, 20) <= arrival < local(evening, 21)


def next_dst_change(after: date, *, spring: bool) -> date:
    """The next day on which New York's clocks spring forward (or fall back)."""
    day = after
    for _ in range(400):
        midnight, noon = local(day, 0).utcoffset(), local(day, 12).utcoffset()
        assert midnight is not None
        assert noon is not None
        if (noon > midnight) if spring else (noon < midnight):
            return day
        day += timedelta(days=1)
    raise AssertionError("no DST change within 400 days")


@pytest.mark.parametrize("spring", [True, False], ids=["spring-forward", "fall-back"])
def test_days_before_reminder_keeps_its_wall_clock_time_across_a_dst_change(
    api: Api, twilio: FakeTwilio, spring: bool
) -> None:
    clinic = api.clinic(reminders=[{"days_before": 2, "at": "18:00"}])
    patient = clinic.patient("Hal")
    change = next_dst_change(clinic.first_day_after(3), spring=spring)
    starts_at = local(change + timedelta(days=1), 10)  # after the change
    expected = local(change - timedelta(days=1), 18)  # before it: 18:00 on the wall clock
    assert starts_at.utcoffset() != expected.utcoffset()

    _, due = reminder_at(clinic, patient, starts_at)
    assert due == expected.astimezone(UTC)
    api.tick(expected - timedelta(minutes=1))
    assert sms_to(twilio, patient) == []
    api.tick(expected)

    [sms] = sms_to(twilio, patient)
    assert day_text(starts_at) in sms.form["Body"]
    assert "10:00 AM" in sms.form["Body"]


def test_patient_messages_lists_the_outbound_reminder(api: Api, twilio: FakeTwilio) -> None:
    clinic = api.clinic()
    patient = clinic.patient("Ivy")
    _, due = reminder_at(clinic, patient, local(clinic.first_day_after(3), 13))
    assert clinic.messages_of(patient) == []

    api.tick(due)

    [sms] = sms_to(twilio, patient)
    [item] = clinic.messages_of(patient)
    assert item["direction"] == "outbound"
    assert item["body"] == sms.form["Body"]
    assert item["at"] == utc_iso(due)
    assert item["status"] in {"queued", "accepted", "sending", "sent", "delivered"}
    assert item.get("twilio_sid", sms.sid) == sms.sid


def test_a_reminder_twilio_throttles_stays_queued_and_the_next_tick_sends_it_once(
    api: Api, twilio: FakeTwilio
) -> None:
    clinic = api.clinic()
    patient = clinic.patient("Jo")
    appointment, due = reminder_at(clinic, patient, local(clinic.first_day_after(3), 12))
    twilio.script(Reply.TOO_MANY_REQUESTS, times=20)
    try:
        response = api.post("/_local/tick", {"now": utc_iso(due)})
    finally:
        twilio.clear_script()

    assert response.status_code == 200, response.text
    assert response.json()["retried"] >= 1
    assert sms_to(twilio, patient) == []
    [message] = clinic.get_appointment(appointment)["messages"]
    assert message["state"] == "queued"

    api.tick(due + timedelta(minutes=1))  # Twilio accepts again

    assert len(sms_to(twilio, patient)) == 1
    [message] = clinic.get_appointment(appointment)["messages"]
    assert message["state"] == "sent"
