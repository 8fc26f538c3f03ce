"""Follow-up check-ins end to end: the local stack sends each survey invitation to the fake
Twilio at the tick after the session, the patient's replies come back as signed webhooks, and
the clinic reads surveys, outcomes and alerts from the admin API."""

from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.support import Api, Clinic, RunningStack, local, parse_instant
from tests.e2e.webhooks import Webhooks, twiml_reply
from tests.fakes.twilio_server import FakeTwilio

pytestmark = [pytest.mark.e2e, pytest.mark.enable_socket]

FOLLOW_UPS = [{"after": "PT4H", "survey": "anxiety-now"}, {"after": "P7D", "survey": "gad7"}]
TREATMENT_WORDS = ("ketamine", "infusion", "anxiety", "anxious", "depression", "depressed", "psychiatric")


@pytest.fixture
def webhooks(local_stack: RunningStack) -> Webhooks:
    return Webhooks(local_stack)


def read(api: Api, path: str) -> Any:
    response = api.get(path)
    assert response.status_code == 200, response.text
    return response.json()


def reply(webhooks: Webhooks, clinic: Clinic, patient: dict[str, Any], body: str) -> str:
    response = webhooks.sms(patient["phone"], clinic.sender, body)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/xml")
    text = twiml_reply(response.text)
    assert text is not None
    return text


def sent_to(twilio: FakeTwilio, patient: dict[str, Any]) -> list[str]:
    return [request.form["Body"] for request in twilio.messages_to(patient["phone"]) if request.taken]


def test_check_ins_after_a_session_over_http(api: Api, twilio: FakeTwilio, webhooks: Webhooks) -> None:
    clinic = api.clinic(follow_ups=FOLLOW_UPS, reminders=[])
    patient = clinic.patient("Rosa")
    starts_at = local(clinic.first_day_after(2), 10)  # 10:00-11:00 New York time
    appointment = clinic.appointment(patient, starts_at, duration_minutes=60)
    dues = {message["survey"]: parse_instant(message["due_at"]) for message in appointment["messages"]}
    end = starts_at + timedelta(hours=1)
    assert dues == {"anxiety-now": end + timedelta(hours=4), "gad7": end + timedelta(days=7)}
    base = f"/admin/clinics/{clinic.clinic_id}/patients/{patient['patient_id']}"

    # Four hours after the end: the invitation, discreet, in one message.
    api.tick(dues["anxiety-now"] - timedelta(minutes=1))
    assert sent_to(twilio, patient) == []
    api.tick(dues["anxiety-now"])
    [invitation] = sent_to(twilio, patient)
    assert "Reply Y to begin" in invitation
    assert not any(word in invitation.lower() for word in TREATMENT_WORDS)
    [request] = twilio.messages_to(patient["phone"])
    assert request.form["From"] == clinic.sender
    [survey] = read(api, base + "/surveys")["items"]
    assert (survey["survey"], survey["status"]) == ("anxiety-now", "invited")

    # Y: the question; the answer: done.
    question = reply(webhooks, clinic, patient, "Y")
    assert question.startswith("Q1/1")
    assert "How anxious do you feel right now?" in question
    done = reply(webhooks, clinic, patient, "3")
    assert "Thank you" in done

    [survey] = read(api, base + "/surveys")["items"]
    assert (survey["status"], survey["answers"], survey["score"]) == ("completed", [3], 3)
    [outcome] = read(api, base + "/outcomes")["items"]
    assert outcome["survey"] == "anxiety-now"
    assert outcome["baseline"]["score"] == 3
    assert outcome["latest"]["score"] == 3
    assert outcome["remission"] is None
    assert [point["score"] for point in outcome["series"]] == [3]

    # A week after the end: the GAD-7, answered in one reply.
    api.tick(dues["gad7"])
    texts = sent_to(twilio, patient)
    assert len(texts) == 2
    assert "Reply Y to begin" in texts[1]
    assert "7 short questions" in texts[1]
    question = reply(webhooks, clinic, patient, "y")
    assert question.startswith("Q1/7")
    assert "Feeling nervous, anxious, or on edge" in question
    done = reply(webhooks, clinic, patient, "3333333")
    assert "Thank you" in done

    surveys = {item["survey"]: item for item in read(api, base + "/surveys")["items"]}
    gad7 = surveys["gad7"]
    assert (gad7["status"], gad7["answers"]) == ("completed", [3] * 7)
    assert (gad7["score"], gad7["severity"]) == (21, "severe")
    outcomes = {item["survey"]: item for item in read(api, base + "/outcomes")["items"]}
    assert set(outcomes) == {"anxiety-now", "gad7"}
    assert outcomes["gad7"]["latest"] == outcomes["gad7"]["baseline"]
    assert outcomes["gad7"]["latest"]["score"] == 21
    assert outcomes["gad7"]["remission"] is False

    alerts = read(api, f"/admin/clinics/{clinic.clinic_id}/alerts")["items"]
    assert [(alert["kind"], alert["patient_id"]) for alert in alerts] == [
        ("severe_score", patient["patient_id"])
    ]
    assert "at" in alerts[0]

    # The messages the clinic reads: the two invitations, the questions and the replies, in order.
    log = read(api, base + "/messages")["items"]
    inbound = [message["body"] for message in log if message["direction"] == "inbound"]
    assert inbound == ["Y", "3", "y", "3333333"]
    at = [parse_instant(message["at"]) for message in log]
    assert at == sorted(at)


def test_a_reply_out_of_range_gets_the_choices_and_the_question_again_over_http(
    api: Api, twilio: FakeTwilio, webhooks: Webhooks
) -> None:
    clinic = api.clinic(follow_ups=FOLLOW_UPS[:1], reminders=[], discreet=False)
    patient = clinic.patient("Ivo")
    starts_at = local(clinic.first_day_after(2), 9)
    appointment = clinic.appointment(patient, starts_at)
    [follow_up] = appointment["messages"]
    api.tick(parse_instant(follow_up["due_at"]))
    [question] = sent_to(twilio, patient)
    assert question.startswith("Q1/1")  # not discreet: the question at once

    again = reply(webhooks, clinic, patient, "11")

    assert again.endswith(question)
    [survey] = read(api, f"/admin/clinics/{clinic.clinic_id}/patients/{patient['patient_id']}/surveys")[
        "items"
    ]
    assert (survey["status"], survey["answers"]) == ("in_progress", [])
    assert reply(webhooks, clinic, patient, "10").startswith("Thank you")
