"""Twilio retrying a webhook: the same signed inbound SMS five times is stored once and answered
the same each time; a forged signature is refused."""

from datetime import timedelta

import pytest

from tests.e2e.webhooks import Webhooks, new_message_sid, twiml_reply
from tests.faults.conftest import Rig, book_reminders

pytestmark = [pytest.mark.enable_socket]


def test_the_same_signed_inbound_sms_five_times_is_stored_once_and_answered_alike(rig: Rig) -> None:
    assert rig.api is not None
    assert rig.stack is not None
    booked = book_reminders(rig.api, 1)
    assert rig.tick(booked.due)["sent"] == 1
    [patient] = booked.patients
    webhooks = Webhooks(rig.stack)
    sid = new_message_sid()

    answers = [webhooks.sms(patient["phone"], booked.clinic.sender, "C", sid=sid) for _ in range(5)]

    assert [answer.status_code for answer in answers] == [200] * 5, [a.text for a in answers]
    texts = [twiml_reply(answer.text) for answer in answers]
    assert texts[0], texts[0]
    assert "confirmed" in texts[0].lower(), texts[0]
    assert texts == [texts[0]] * 5
    messages = booked.clinic.messages_of(patient)
    inbound = [message for message in messages if message["direction"] == "inbound"]
    assert len(inbound) == 1, messages
    assert inbound[0]["twilio_sid"] == sid
    replies = [
        message
        for message in messages
        if message["direction"] == "outbound" and message["status"] == "replied"
    ]
    assert len(replies) == 1, messages
    [appointment] = booked.appointments
    assert booked.clinic.get_appointment(appointment)["status"] == "confirmed"
    rig.tick(booked.due + timedelta(minutes=1))
    assert len(rig.twilio.messages_to(patient["phone"])) == 1  # the reminder only


def test_a_forged_signature_is_refused_and_changes_nothing(rig: Rig) -> None:
    assert rig.api is not None
    assert rig.stack is not None
    booked = book_reminders(rig.api, 1)
    [patient] = booked.patients
    forged = Webhooks(rig.stack, auth_token="not-the-account-token")

    answer = forged.sms(patient["phone"], booked.clinic.sender, "STOP")
    unsigned = Webhooks(rig.stack).sms(patient["phone"], booked.clinic.sender, "STOP", signature=None)
    tampered = Webhooks(rig.stack).sms(patient["phone"], booked.clinic.sender, "STOP", signature="AAAA")

    assert (answer.status_code, unsigned.status_code, tampered.status_code) == (403, 403, 403), answer.text
    assert [m for m in booked.clinic.messages_of(patient) if m["direction"] == "inbound"] == []
    assert rig.tick(booked.due)["sent"] == 1  # not opted out: the reminder still goes
