"""Patients' replies end to end: the local stack sends a reminder to the fake Twilio, then
Twilio's webhooks, signed with the SDK's RequestValidator, come back over HTTP."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.e2e.support import Api, Clinic, RunningStack, local, parse_instant, unique_phone
from tests.e2e.webhooks import Webhooks, new_message_sid, twiml_reply
from tests.fakes.twilio_server import FakeTwilio

pytestmark = [pytest.mark.e2e, pytest.mark.enable_socket]

CLINIC_PHONE = "+12125550100"


@pytest.fixture
def webhooks(local_stack: RunningStack) -> Webhooks:
    return Webhooks(local_stack)


def reminded(
    api: Api, twilio: FakeTwilio, first_name: str, **clinic: Any
) -> tuple[Clinic, dict[str, Any], dict[str, Any]]:
    """A clinic, a patient, an appointment and its first reminder, sent by a tick."""
    booked = api.clinic(**clinic)
    patient = booked.patient(first_name)
    appointment = booked.appointment(patient, local(booked.first_day_after(3), 15))
    first_due = min(parse_instant(message["due_at"]) for message in appointment["messages"])
    api.tick(first_due)
    assert len(twilio.messages_to(patient["phone"])) == 1
    return booked, patient, appointment


def dues(appointment: dict[str, Any]) -> list[datetime]:
    return sorted(parse_instant(message["due_at"]) for message in appointment["messages"])


def get(api: Api, path: str) -> Any:
    response = api.get(path)
    assert response.status_code == 200, response.text
    return response.json()


def test_replying_c_to_a_reminder_confirms_the_appointment(
    api: Api, twilio: FakeTwilio, webhooks: Webhooks
) -> None:
    clinic, patient, appointment = reminded(api, twilio, "Kim")

    response = webhooks.sms(patient["phone"], clinic.sender, "C")

    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/xml")
    reply = twiml_reply(response.text)
    assert reply is not None
    assert "confirmed" in reply
    assert clinic.get_appointment(appointment)["status"] == "confirmed"
    inbound = [m for m in clinic.messages_of(patient) if m["direction"] == "inbound"]
    assert [m["body"] for m in inbound] == ["C"]


@pytest.mark.parametrize("signature", [None, "forged-signature"], ids=["unsigned", "forged"])
def test_an_unsigned_or_forged_reply_is_refused_and_changes_nothing(
    api: Api, twilio: FakeTwilio, webhooks: Webhooks, signature: str | None
) -> None:
    clinic, patient, appointment = reminded(api, twilio, "Lou")
    before = clinic.messages_of(patient)

    response = webhooks.sms(patient["phone"], clinic.sender, "C", signature=signature)

    assert response.status_code == 403
    assert clinic.get_appointment(appointment)["status"] == "scheduled"
    assert clinic.messages_of(patient) == before


def test_a_reply_signed_with_another_token_is_refused(
    api: Api, twilio: FakeTwilio, local_stack: RunningStack
) -> None:
    clinic, patient, _ = reminded(api, twilio, "Max")
    impostor = Webhooks(local_stack, auth_token="not-the-account-token")

    response = impostor.sms(patient["phone"], clinic.sender, "STOP")

    assert response.status_code == 403
    assert (
        get(api, f"/admin/clinics/{clinic.clinic_id}/patients/{patient['patient_id']}")["opted_out"] is False
    )


def test_a_replayed_message_sid_gets_the_same_twiml_and_is_stored_once(
    api: Api, twilio: FakeTwilio, webhooks: Webhooks
) -> None:
    clinic, patient, _ = reminded(api, twilio, "Ned")
    sid = new_message_sid()

    first = webhooks.sms(patient["phone"], clinic.sender, "C", sid=sid)
    again = webhooks.sms(patient["phone"], clinic.sender, "C", sid=sid)

    assert (first.status_code, again.status_code) == (200, 200)
    assert twiml_reply(again.text) == twiml_reply(first.text)
    inbound = [m for m in clinic.messages_of(patient) if m["direction"] == "inbound"]
    assert len(inbound) == 1
    assert inbound[0].get("twilio_sid", sid) == sid


def test_a_number_the_clinic_does_not_know_gets_a_generic_reply(api: Api, webhooks: Webhooks) -> None:
    clinic = api.clinic()

    response = webhooks.sms(unique_phone(), clinic.sender, "Hi, who is this?")

    assert response.status_code == 200
    reply = twiml_reply(response.text)
    assert reply is not None
    assert CLINIC_PHONE in reply


def test_after_stop_the_next_reminder_is_not_sent_and_the_patient_reads_opted_out(
    api: Api, twilio: FakeTwilio, webhooks: Webhooks
) -> None:
    clinic, patient, appointment = reminded(
        api, twilio, "Oz", reminders=[{"before": "P1D"}, {"before": "PT2H"}]
    )

    response = webhooks.sms(patient["phone"], clinic.sender, "STOP")
    for instant in dues(appointment)[1:]:
        api.tick(instant)
        api.tick(instant + timedelta(minutes=5))

    assert "unsubscribed" in (twiml_reply(response.text) or "")
    assert len(twilio.messages_to(patient["phone"])) == 1
    assert len(twilio.requests_to(patient["phone"])) == 1
    assert (
        get(api, f"/admin/clinics/{clinic.clinic_id}/patients/{patient['patient_id']}")["opted_out"] is True
    )
    states = [message["state"] for message in clinic.get_appointment(appointment)["messages"]]
    assert states.count("sent") == 1
    assert "pending" not in states


def test_a_crisis_message_gets_988_in_the_twiml_and_the_clinic_an_alert(
    api: Api, twilio: FakeTwilio, webhooks: Webhooks
) -> None:
    clinic, patient, _ = reminded(api, twilio, "Pia")

    response = webhooks.sms(patient["phone"], clinic.sender, "honestly I want to kill myself")

    reply = twiml_reply(response.text)
    assert reply is not None
    assert "988" in reply
    assert "911" in reply
    alerts = get(api, f"/admin/clinics/{clinic.clinic_id}/alerts")["items"]
    assert [(alert["kind"], alert["patient_id"]) for alert in alerts] == [("crisis", patient["patient_id"])]
    assert alerts[0]["text"] == "honestly I want to kill myself"


def test_status_callbacks_out_of_order_leave_the_reminder_delivered(
    api: Api, twilio: FakeTwilio, webhooks: Webhooks
) -> None:
    clinic, patient, _ = reminded(api, twilio, "Quin")
    [sms] = twilio.messages_to(patient["phone"])
    assert sms.sid is not None

    answers = [webhooks.status(sms.sid, status) for status in ("delivered", "sent", "queued")]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    [reminder] = [m for m in clinic.messages_of(patient) if m["direction"] == "outbound"]
    assert reminder["status"] == "delivered"


def test_an_unsigned_status_callback_is_refused(api: Api, twilio: FakeTwilio, webhooks: Webhooks) -> None:
    clinic, patient, _ = reminded(api, twilio, "Rue")
    [sms] = twilio.messages_to(patient["phone"])
    assert sms.sid is not None
    form = {"MessageSid": sms.sid, "MessageStatus": "failed", "ErrorCode": "21610"}

    response = webhooks.post("/twilio/status", form, signature=None)

    assert response.status_code == 403
    assert (
        get(api, f"/admin/clinics/{clinic.clinic_id}/patients/{patient['patient_id']}")["opted_out"] is False
    )
    [reminder] = [m for m in clinic.messages_of(patient) if m["direction"] == "outbound"]
    assert reminder["status"] != "failed"
