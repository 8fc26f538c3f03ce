"""Twilio's webhooks (contract section 4) at the inbound handler: signed HTTP API v2 events in,
the real inbound service, status store and admin API on moto underneath, the real scheduler pass and
sender for the reminders the patient answers."""

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from mypy_boto3_dynamodb import DynamoDBClient

from tests.integration.inbound_world import (
    AFTER_REMINDER,
    AUTH_TOKEN,
    CLINIC_PHONE,
    DUE_AT,
    INBOUND_URL,
    PATIENT_PHONE,
    PUBLIC_URL,
    STATUS_URL,
    STRANGER_PHONE,
    World,
    incoming_sms,
    new_message_sid,
    sign,
    status_callback,
    webhook_event,
    world_fixture,
)
from tests.integration.moto_table import module_table_fixture
from touchpoint import bootstrap
from touchpoint.domain.appointment import JobState

moto_table = module_table_fixture()

MESSAGING_SERVICE = "MG" + "0123456789abcdef" * 2


@pytest.fixture
def world(moto_table: tuple[DynamoDBClient, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from world_fixture(moto_table, monkeypatch)


@dataclass
class Booked:
    clinic_id: str
    patient_id: str
    appointment_id: str


@pytest.fixture
def booked(world: World) -> Booked:
    """A clinic, its patient and an appointment whose PT2H reminder falls due at DUE_AT."""
    clinic_id = world.clinic()
    patient_id = world.patient(clinic_id)
    return Booked(clinic_id, patient_id, world.appointment(clinic_id, patient_id))


@pytest.fixture
def reminded(world: World, booked: Booked) -> Booked:
    """The reminder went out through the scheduler pass and the sender: the patient may answer it."""
    [delivery] = world.send_due()
    assert delivery.outcome == "sent"
    return booked


def twiml_message(body: str) -> str | None:
    """The reply the TwiML holds, or None when it holds none."""
    root = ET.fromstring(body)  # noqa: S314 (our own handler's answer)
    assert root.tag == "Response"
    messages = root.findall("Message")
    assert len(messages) <= 1
    return messages[0].text if messages else None


def reminder_sid(world: World, booked: Booked) -> str:
    [reminder] = [
        m for m in world.messages(booked.clinic_id, booked.patient_id) if m["direction"] == "outbound"
    ]
    sid: str = reminder["twilio_sid"]
    return sid


# ---- signatures ----


@pytest.mark.parametrize("base64_body", [True, False], ids=["base64 body", "plain body"])
def test_a_validly_signed_inbound_sms_gets_200_with_twiml(
    world: World, reminded: Booked, base64_body: bool
) -> None:
    response = world.text("HELP", base64_body=base64_body)

    assert response.status == 200
    assert response.content_type.startswith("text/xml")
    reply = twiml_message(response.body)
    assert reply is not None
    assert "Calm Waters" in reply
    assert CLINIC_PHONE in reply


def test_an_inbound_sms_without_a_signature_is_refused_and_changes_nothing(
    world: World, reminded: Booked
) -> None:
    before = world.count()
    response = world.text("STOP", signed=False)
    assert response.status == 403
    assert world.count() == before
    assert world.patient_view(reminded.clinic_id, reminded.patient_id)["opted_out"] is False


@pytest.mark.parametrize(
    ("case", "url", "token"),
    [
        ("wrong token", INBOUND_URL, "someone-elses-token"),
        ("another host", "https://attacker.example.test/twilio/inbound", AUTH_TOKEN),
        ("another path", STATUS_URL, AUTH_TOKEN),
        ("http instead of https", INBOUND_URL.replace("https://", "http://"), AUTH_TOKEN),
        ("an unexpected query", INBOUND_URL + "?x=1", AUTH_TOKEN),
    ],
)
def test_an_inbound_sms_signed_wrongly_is_refused_and_changes_nothing(
    world: World, reminded: Booked, case: str, url: str, token: str
) -> None:
    before = world.count()
    response = world.text("STOP", url=url, token=token)
    assert response.status == 403, case
    assert world.count() == before
    assert world.patient_view(reminded.clinic_id, reminded.patient_id)["opted_out"] is False


def test_without_a_public_url_the_signature_is_checked_against_the_apis_own_domain(
    world: World, reminded: Booked, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deployed default: PUBLIC_URL empty, the URL rebuilt from the request's domain name."""
    monkeypatch.setenv("PUBLIC_URL", "")
    bootstrap.reset()
    domain = "abc123.execute-api.us-east-1.amazonaws.com"
    form = incoming_sms("HELP")

    def event(url: str) -> dict[str, object]:
        built = webhook_event("/twilio/inbound", form, signature=sign(url, form))
        built["requestContext"]["domainName"] = domain
        return built

    before = world.count()
    assert world.call(event(INBOUND_URL)).status == 403
    assert world.call(event(f"http://{domain}/twilio/inbound")).status == 403
    assert world.count() == before
    assert world.call(event(f"https://{domain}/twilio/inbound")).status == 200


def test_a_garbage_signature_is_refused(world: World, reminded: Booked) -> None:
    before = world.count()
    form = incoming_sms("C")
    response = world.call(webhook_event("/twilio/inbound", form, signature="not-a-signature"))
    assert response.status == 403
    assert world.count() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("Body", "R"), ("From", "+15559999999"), ("MessageSid", "SM" + "f" * 32), ("To", "+15005550007")],
)
def test_a_tampered_inbound_sms_is_refused_and_changes_nothing(
    world: World, reminded: Booked, field: str, value: str
) -> None:
    form = incoming_sms("C")
    signature = sign(INBOUND_URL, form)
    before = world.count()

    response = world.call(webhook_event("/twilio/inbound", form | {field: value}, signature=signature))

    assert response.status == 403
    assert world.count() == before
    status = world.appointment_view(reminded.clinic_id, reminded.appointment_id)["status"]
    assert status == "scheduled"


def test_a_parameter_added_to_a_signed_request_is_refused(world: World, reminded: Booked) -> None:
    form = incoming_sms("C")
    signature = sign(INBOUND_URL, form)
    before = world.count()
    response = world.call(webhook_event("/twilio/inbound", form | {"Extra": "1"}, signature=signature))
    assert response.status == 403
    assert world.count() == before


def test_the_query_string_is_part_of_what_is_signed(world: World, reminded: Booked) -> None:
    form = incoming_sms("HELP")
    signed_with_query = sign(INBOUND_URL + "?clinic=a", form)
    before = world.count()

    other_query = world.call(
        webhook_event("/twilio/inbound", form, signature=signed_with_query, query="clinic=b")
    )
    no_query = world.call(webhook_event("/twilio/inbound", form, signature=signed_with_query))
    assert (other_query.status, no_query.status) == (403, 403)
    assert world.count() == before

    same_query = world.call(
        webhook_event("/twilio/inbound", form, signature=signed_with_query, query="clinic=a")
    )
    assert same_query.status == 200


@pytest.mark.parametrize(
    ("case", "url", "token"),
    [
        ("unsigned", None, AUTH_TOKEN),
        ("wrong token", STATUS_URL, "someone-elses-token"),
        ("signed for the inbound URL", INBOUND_URL, AUTH_TOKEN),
    ],
)
def test_a_status_callback_signed_wrongly_is_refused_and_changes_nothing(
    world: World, reminded: Booked, case: str, url: str | None, token: str
) -> None:
    sid = reminder_sid(world, reminded)
    form = status_callback(sid, "failed", "30003")
    signature = None if url is None else sign(url, form, token)
    before = world.count()

    response = world.call(webhook_event("/twilio/status", form, signature=signature))

    assert response.status == 403, case
    assert world.count() == before
    [reminder] = [
        m for m in world.messages(reminded.clinic_id, reminded.patient_id) if m["twilio_sid"] == sid
    ]
    assert reminder["status"] == "sent"
    assert "error_code" not in reminder


def test_a_tampered_status_callback_is_refused(world: World, reminded: Booked) -> None:
    sid = reminder_sid(world, reminded)
    form = status_callback(sid, "delivered")
    signature = sign(STATUS_URL, form)
    response = world.call(
        webhook_event(
            "/twilio/status", form | {"MessageStatus": "failed", "ErrorCode": "21610"}, signature=signature
        )
    )
    assert response.status == 403
    assert world.patient_view(reminded.clinic_id, reminded.patient_id)["opted_out"] is False


def test_other_paths_are_not_found_and_other_methods_not_allowed(world: World) -> None:
    form = incoming_sms("C")
    event = webhook_event("/twilio/other", form, signature=sign(PUBLIC_URL + "/twilio/other", form))
    assert world.call(event).status == 404
    get = webhook_event("/twilio/inbound", form, signature=sign(INBOUND_URL, form))
    get["requestContext"]["http"]["method"] = "GET"
    assert world.call(get).status == 405


# ---- replays ----


def test_the_same_message_sid_twice_gets_the_same_reply_and_is_stored_once(
    world: World, reminded: Booked
) -> None:
    sid = new_message_sid()
    first = world.text("C", sid=sid)
    second = world.text("C", sid=sid)

    assert (first.status, second.status) == (200, 200)
    assert twiml_message(second.body) == twiml_message(first.body)
    assert "confirmed" in (twiml_message(first.body) or "")
    inbound = [
        m for m in world.messages(reminded.clinic_id, reminded.patient_id) if m["direction"] == "inbound"
    ]
    assert len(inbound) == 1
    assert len(world.inbound_records(sid)) == 1
    assert len(world.partition(f"INBOUND#{sid}")) == 1


def test_a_replayed_stop_keeps_its_confirmation_reply_and_one_ledger_line(
    world: World, reminded: Booked
) -> None:
    sid = new_message_sid()
    first = world.text("STOP", sid=sid)
    second = world.text("STOP", sid=sid)

    reply = twiml_message(first.body)
    assert reply is not None
    assert "unsubscribed" in reply
    assert twiml_message(second.body) == reply
    assert len(world.consent_ledger(reminded.patient_id)) == 1
    messages = world.messages(reminded.clinic_id, reminded.patient_id)
    assert [m["direction"] for m in messages] == ["outbound", "inbound", "outbound"]


def test_a_replayed_crisis_message_raises_one_alert(world: World, reminded: Booked) -> None:
    sid = new_message_sid()
    first = world.text("I want to kill myself", sid=sid)
    second = world.text("I want to kill myself", sid=sid)

    assert twiml_message(first.body) == twiml_message(second.body)
    assert len(world.alerts_of(reminded.clinic_id)) == 1
    assert len(world.alerts.published) == 1


# ---- who is writing ----


def test_an_unknown_number_is_stored_with_its_number_and_gets_a_generic_reply(
    world: World, booked: Booked
) -> None:
    sid = new_message_sid()
    response = world.text("Hi, is this the clinic?", sender=STRANGER_PHONE, sid=sid)

    assert response.status == 200
    reply = twiml_message(response.body)
    assert reply is not None
    assert CLINIC_PHONE in reply
    [stored] = [m for m in world.partition(f"UNMATCHED#{booked.clinic_id}") if m["direction"] == "inbound"]
    assert stored["from"] == STRANGER_PHONE
    assert stored["body"] == "Hi, is this the clinic?"
    assert stored["twilio_sid"] == sid
    assert world.messages(booked.clinic_id, booked.patient_id) == []


def test_a_message_to_a_number_no_clinic_owns_is_stored_without_a_crash(world: World, booked: Booked) -> None:
    sid = new_message_sid()
    response = world.text("hello", to="+15005550099", sid=sid)

    assert response.status == 200
    twiml_message(response.body)
    [stored] = world.inbound_records(sid)
    assert stored["pk"]["S"].startswith("UNMATCHED#")
    assert stored["from"]["S"] == PATIENT_PHONE


def test_a_message_through_the_clinics_messaging_service_finds_the_patient(world: World) -> None:
    clinic_id = world.clinic(sender=MESSAGING_SERVICE)
    patient_id = world.patient(clinic_id)

    response = world.post(
        "/twilio/inbound",
        incoming_sms("HELP", to="+15005550123", MessagingServiceSid=MESSAGING_SERVICE),
    )

    assert "Calm Waters" in (twiml_message(response.body) or "")
    [inbound, reply] = world.messages(clinic_id, patient_id)
    assert (inbound["direction"], inbound["body"]) == ("inbound", "HELP")
    assert reply["direction"] == "outbound"


def test_a_national_from_number_is_not_matched_to_a_patient(world: World, booked: Booked) -> None:
    response = world.text("hello", sender="5551230001")
    assert response.status == 200
    assert world.messages(booked.clinic_id, booked.patient_id) == []


# ---- what a reply does ----


def test_crisis_from_an_opted_out_patient_gets_988_and_raises_a_stored_and_published_alert(
    world: World, booked: Booked
) -> None:
    status, _ = world.admin("POST", f"/admin/clinics/{booked.clinic_id}/patients/{booked.patient_id}/opt-out")
    assert status == 200

    response = world.text("i dont want to live anymore")

    reply = twiml_message(response.body)
    assert reply is not None
    assert "988" in reply
    assert "911" in reply
    [alert] = world.alerts_of(booked.clinic_id)
    assert (alert["kind"], alert["patient_id"]) == ("crisis", booked.patient_id)
    assert alert["text"] == "i dont want to live anymore"
    [published] = world.alerts.published
    assert published.kind == "crisis"
    assert published.alert_id == alert["alert_id"]


def test_crisis_from_an_unknown_number_raises_an_alert_for_the_clinic(world: World, booked: Booked) -> None:
    response = world.text("I want to end it all", sender=STRANGER_PHONE)
    assert "988" in (twiml_message(response.body) or "")
    [alert] = world.alerts_of(booked.clinic_id)
    assert alert["kind"] == "crisis"
    assert alert["patient_id"] is None


def test_crisis_to_a_number_no_clinic_owns_never_claims_the_clinic_was_alerted(
    world: World, booked: Booked
) -> None:
    response = world.text("I want to kill myself", to="+15005550099")

    reply = twiml_message(response.body) or ""
    assert "988" in reply
    assert "911" in reply
    assert world.alerts.published or "alerted" not in reply


def test_c_after_a_reminder_confirms_the_appointment(world: World, reminded: Booked) -> None:
    response = world.text("C")

    reply = twiml_message(response.body)
    assert reply is not None
    assert "confirmed" in reply
    assert "Tue Mar 5" in reply
    view = world.appointment_view(reminded.clinic_id, reminded.appointment_id)
    assert view["status"] == "confirmed"
    inbound = [
        m for m in world.messages(reminded.clinic_id, reminded.patient_id) if m["direction"] == "inbound"
    ]
    assert [m["body"] for m in inbound] == ["C"]


@pytest.mark.parametrize(
    ("reply", "clinic_sets"), [("C", "cancelled"), ("R", "cancelled"), ("C", "completed")]
)
def test_a_reply_never_overwrites_a_status_the_clinic_set_while_it_was_processed(
    world: World, reminded: Booked, reply: str, clinic_sets: str
) -> None:
    """The clinic changes the appointment between the inbound service reading it and writing the reply's effect."""
    inbound = world.inbound
    read = inbound.store.appointment

    changed: list[str] = []

    def read_then_clinic_changes_it(appointment_id: str) -> Any:
        found = read(appointment_id)
        if not changed:  # once: the inbound service reads again after the conflict and sees the change
            path = f"/admin/clinics/{reminded.clinic_id}/appointments/{appointment_id}"
            status, body = world.admin("PATCH", path, {"status": clinic_sets}, now=AFTER_REMINDER)
            assert status == 200, body
            changed.append(appointment_id)
        return found

    inbound.store.appointment = read_then_clinic_changes_it  # type: ignore[method-assign]
    form = incoming_sms(reply)
    world.call(webhook_event("/twilio/inbound", form, signature=sign(INBOUND_URL, form)), inbound=inbound)

    assert world.appointment_view(reminded.clinic_id, reminded.appointment_id)["status"] == clinic_sets


def test_c_before_any_reminder_changes_nothing(world: World, booked: Booked) -> None:
    response = world.text("C")
    assert "HELP" in (twiml_message(response.body) or "")
    assert world.appointment_view(booked.clinic_id, booked.appointment_id)["status"] == "scheduled"


def test_r_after_a_reminder_requests_a_reschedule_and_alerts_the_clinic(
    world: World, reminded: Booked
) -> None:
    response = world.text("R")

    reply = twiml_message(response.body)
    assert reply is not None
    assert "call" in reply
    view = world.appointment_view(reminded.clinic_id, reminded.appointment_id)
    assert view["status"] == "reschedule_requested"
    [alert] = world.alerts_of(reminded.clinic_id)
    assert (alert["kind"], alert["patient_id"], alert["text"]) == (
        "reschedule_request",
        reminded.patient_id,
        "R",
    )


def test_a_second_c_after_confirming_does_not_confirm_again(world: World, reminded: Booked) -> None:
    world.text("C")
    world.text("R")
    view = world.appointment_view(reminded.clinic_id, reminded.appointment_id)
    assert view["status"] == "confirmed"
    assert world.alerts_of(reminded.clinic_id) == []


def test_stop_opts_out_with_a_keyword_ledger_line_and_a_queued_reminder_is_then_skipped(
    world: World, booked: Booked
) -> None:
    queued = world.schedule()
    assert len(queued) == 1

    sid = new_message_sid()
    response = world.text("Stop please", sid=sid, now=DUE_AT)
    [delivery] = world.deliver(queued)

    assert "unsubscribed" in (twiml_message(response.body) or "")
    assert world.patient_view(booked.clinic_id, booked.patient_id)["opted_out"] is True
    [line] = world.consent_ledger(booked.patient_id)
    assert (line["action"], line["source"], line["message_sid"]) == ("opt_out", "keyword", sid)
    assert (delivery.outcome, delivery.reason) == ("skipped", "opted_out")
    assert world.outbox.sent == []
    [message] = world.appointment_view(booked.clinic_id, booked.appointment_id)["messages"]
    assert (message["state"], message.get("reason")) == (JobState.SKIPPED.value, "opted_out")


def test_two_stops_processed_at_once_confirm_once_and_write_one_ledger_line(
    world: World, reminded: Booked
) -> None:
    """The second STOP read the patient before the first one's write landed."""
    inbound = world.inbound
    subscribed = inbound.store.patient_by_phone(reminded.clinic_id, PATIENT_PHONE)
    assert subscribed is not None
    assert subscribed.opted_out is False
    first = world.text("STOP")
    read = inbound.store.patient_by_phone
    stale = [subscribed]  # the first read is stale; the read after the conflict is fresh
    inbound.store.patient_by_phone = (  # type: ignore[method-assign]
        lambda clinic_id, phone: stale.pop() if stale else read(clinic_id, phone)
    )
    form = incoming_sms("STOP")
    second = world.call(
        webhook_event("/twilio/inbound", form, signature=sign(INBOUND_URL, form)), inbound=inbound
    )

    replies = [twiml_message(response.body) for response in (first, second)]
    assert sum(reply is not None for reply in replies) == 1
    assert len(world.consent_ledger(reminded.patient_id)) == 1


def test_after_stop_only_start_gets_an_answer_and_start_opts_back_in(world: World, reminded: Booked) -> None:
    world.text("STOP", now=AFTER_REMINDER)
    silent = [
        world.text(text, now=AFTER_REMINDER + timedelta(minutes=minute))
        for minute, text in enumerate(("C", "HELP", "STOP", "hello"), start=1)
    ]
    assert [twiml_message(response.body) for response in silent] == [None] * 4

    back = world.text("START", now=AFTER_REMINDER + timedelta(minutes=10))

    assert "resubscribed" in (twiml_message(back.body) or "")
    assert world.patient_view(reminded.clinic_id, reminded.patient_id)["opted_out"] is False
    ledger = world.consent_ledger(reminded.patient_id)
    assert [(line["action"], line["source"]) for line in ledger] == [
        ("opt_out", "keyword"),
        ("opt_in", "keyword"),
    ]


# ---- status callbacks ----


def test_a_late_sent_callback_never_overwrites_delivered(world: World, reminded: Booked) -> None:
    sid = reminder_sid(world, reminded)
    for status in ("delivered", "sent", "queued"):
        response = world.status(sid, status)
        assert (response.status, response.body) == (200, "")
    [reminder] = [
        m for m in world.messages(reminded.clinic_id, reminded.patient_id) if m["twilio_sid"] == sid
    ]
    assert reminder["status"] == "delivered"


def test_a_failed_callback_with_an_error_code_is_visible_in_the_patients_messages(
    world: World, reminded: Booked
) -> None:
    sid = reminder_sid(world, reminded)
    world.status(sid, "sent")
    world.status(sid, "failed", "30003")

    [reminder] = [
        m for m in world.messages(reminded.clinic_id, reminded.patient_id) if m["twilio_sid"] == sid
    ]
    assert (reminder["status"], reminder["error_code"]) == ("failed", "30003")
    assert world.patient_view(reminded.clinic_id, reminded.patient_id)["opted_out"] is False


def test_error_21610_in_a_status_callback_opts_the_patient_out(world: World, reminded: Booked) -> None:
    sid = reminder_sid(world, reminded)
    world.status(sid, "undelivered", "21610")

    assert world.patient_view(reminded.clinic_id, reminded.patient_id)["opted_out"] is True
    [line] = world.consent_ledger(reminded.patient_id)
    assert (line["action"], line["source"], line["message_sid"]) == ("opt_out", "twilio_21610", sid)


def test_a_status_callback_for_an_unknown_sid_answers_200_and_stores_nothing(
    world: World, reminded: Booked
) -> None:
    before = world.count()
    response = world.status("SM" + "0" * 32, "delivered")
    assert response.status == 200
    assert world.count() == before


def test_a_status_callback_without_a_message_sid_is_a_bad_request(world: World) -> None:
    form = {"MessageStatus": "delivered", "AccountSid": "AC" + "7" * 32}
    response = world.call(webhook_event("/twilio/status", form, signature=sign(STATUS_URL, form)))
    assert response.status == 400


# ---- what the clinic does and reads ----


def test_admin_opt_out_records_an_admin_ledger_line_and_alerts_are_listed_newest_first(
    world: World, reminded: Booked
) -> None:
    world.text("R")
    world.text("I want to hurt myself", now=AFTER_REMINDER.replace(minute=30))

    status, patient = world.admin(
        "POST", f"/admin/clinics/{reminded.clinic_id}/patients/{reminded.patient_id}/opt-out"
    )

    assert status == 200
    assert patient["opted_out"] is True
    assert world.patient_view(reminded.clinic_id, reminded.patient_id)["opted_out"] is True
    [line] = world.consent_ledger(reminded.patient_id)
    assert (line["action"], line["source"]) == ("opt_out", "admin")
    alerts = world.alerts_of(reminded.clinic_id)
    assert [alert["kind"] for alert in alerts] == ["crisis", "reschedule_request"]
    assert all(alert["patient_id"] == reminded.patient_id for alert in alerts)
    assert {"alert_id", "kind", "at", "text", "patient_id"} <= set(alerts[0])


def test_admin_opt_out_twice_keeps_one_ledger_line(world: World, booked: Booked) -> None:
    path = f"/admin/clinics/{booked.clinic_id}/patients/{booked.patient_id}/opt-out"
    assert world.admin("POST", path)[0] == 200
    assert world.admin("POST", path)[0] == 200
    assert len(world.consent_ledger(booked.patient_id)) == 1


def test_alerts_of_an_unknown_clinic_are_not_found(world: World) -> None:
    status, body = world.admin("GET", "/admin/clinics/cl_missing/alerts")
    assert status == 404
    assert body["error"]["code"]


def test_the_conversation_reads_back_in_order(world: World, reminded: Booked) -> None:
    world.text("HELP")
    world.text("C", now=AFTER_REMINDER.replace(minute=20))
    messages = world.messages(reminded.clinic_id, reminded.patient_id)
    assert [(m["direction"], m["body"][:4]) for m in messages] == [
        ("outbound", "Hi A"),
        ("inbound", "HELP"),
        ("outbound", "Calm"),
        ("inbound", "C"),
        ("outbound", "Than"),
    ]
    assert [m["at"] for m in messages] == sorted(m["at"] for m in messages)


def test_spanish_crisis_text_gets_the_988_help_in_spanish_and_an_alert_naming_a_spanish_rule(
    world: World, reminded: Booked
) -> None:
    response = world.text("C. pero la verdad ya no quiero vivir")

    reply = twiml_message(response.body) or ""
    assert "Llama o envía un mensaje de texto al 988" in reply
    assert "911" in reply
    [alert] = world.alerts_of(reminded.clinic_id)
    assert (alert["kind"], alert["rule"]) == ("crisis", "es.no_quiero_vivir")


def test_spanish_crisis_to_a_number_no_clinic_owns_gets_the_help_in_spanish_without_saying_anyone_was_told(
    world: World, booked: Booked
) -> None:
    response = world.text("me quiero matar", to="+15005550099")

    reply = twiml_message(response.body) or ""
    assert reply.startswith("Llama o envía un mensaje de texto al 988")
    assert "clínica" not in reply
