"""Follow-up check-ins through the real pipeline on moto (contract sections 3, 5 and 6): the
scheduler pass, the sender's Lambda handler on SQS-shaped batches, Twilio's signed webhooks at
the inbound handler, and the admin API reading back surveys, alerts and outcomes."""

import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from mypy_boto3_dynamodb import DynamoDBClient

from infra.local_http import LambdaContext, sqs_event
from tests.integration.inbound_world import BOOKED_AT, PATIENT_PHONE, World, world_fixture
from tests.integration.moto_table import module_table_fixture
from touchpoint.adapters.dynamo.jobs import DynamoJobs
from touchpoint.adapters.dynamo.patients import DynamoPatients
from touchpoint.adapters.sqs_queue import job_message
from touchpoint.adapters.twilio_sms import OutboxSms
from touchpoint.domain.conversation import CRISIS_REPLY
from touchpoint.domain.delivery import JobRef
from touchpoint.domain.instruments import instruments
from touchpoint.domain.surveys import closed_note
from touchpoint.domain.texts import is_discreet
from touchpoint.handlers import sender as sender_handler
from touchpoint.usecases.scheduling import run_scheduler_pass
from touchpoint.usecases.sending import Delivery, Sender

moto_table = module_table_fixture()

NEW_YORK = ZoneInfo("America/New_York")

QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/touchpoint-send-it"

# Tuesday 5 March 2030, 15:00-16:00 in New York (EST): PT4H falls due at 20:00 EST = 01:00Z.
STARTS_AT = "2030-03-05T15:00:00-05:00"
ENDS_AT = datetime.fromisoformat("2030-03-05T16:00:00-05:00")
FOLLOW_UP_AT = ENDS_AT + timedelta(hours=4)
NUDGE_AT = FOLLOW_UP_AT + timedelta(hours=12)  # half way to the 24 h expiry: 08:00 EST, quiet hours over
EXPIRES_AT = FOLLOW_UP_AT + timedelta(hours=24)
GAD7 = instruments()["gad7"]
PHQ9 = instruments()["phq9"]


@pytest.fixture
def world(moto_table: tuple[DynamoDBClient, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from world_fixture(moto_table, monkeypatch)


class RecordingSender(Sender):
    """The sender as bootstrap builds it, keeping each delivery's outcome for the test to read."""

    def __init__(self, jobs: DynamoJobs, patients: DynamoPatients, sms: OutboxSms) -> None:
        super().__init__(jobs, patients, sms)
        self.deliveries: list[Delivery] = []

    def deliver(self, ref: JobRef, now: datetime) -> Delivery:
        delivery = super().deliver(ref, now)
        self.deliveries.append(delivery)
        return delivery


@dataclass
class Patient:
    clinic_id: str
    patient_id: str
    phone: str


@dataclass
class Pipeline:
    world: World

    def clinic(self, **settings: Any) -> str:
        body = {"reminders": [], "follow_ups": [{"after": "PT4H", "survey": "gad7"}]} | settings
        return self.world.clinic(**body)

    def patient(self, clinic_id: str, phone: str = PATIENT_PHONE) -> Patient:
        return Patient(clinic_id, self.world.patient(clinic_id, phone), phone)

    def book(self, patient: Patient, starts_at: str = STARTS_AT) -> str:
        return self.world.appointment(patient.clinic_id, patient.patient_id, starts_at)

    # ---- the scheduler, the queue, the sender's Lambda ----

    def deliver(self, refs: list[JobRef], now: datetime) -> list[Delivery]:
        sender = RecordingSender(
            DynamoJobs(self.world.table), DynamoPatients(self.world.table), self.world.outbox
        )
        messages = [
            {
                "MessageId": secrets.token_hex(8),
                "ReceiptHandle": secrets.token_hex(8),
                "Body": job_message(ref),
            }
            for ref in refs
        ]
        response: dict[str, Any] = sender_handler.handler(
            sqs_event(messages, QUEUE_URL),
            LambdaContext("touchpoint-sender"),
            sender=sender,
            clock=lambda: now,
        )
        assert response["batchItemFailures"] == []
        return sender.deliveries

    def tick(self, now: datetime) -> list[Delivery]:
        """One scheduler pass at `now`, then the sender on every job it queued."""
        run_scheduler_pass(self.world.jobs, self.world.queue, now)
        refs = self.world.queue.take()
        return self.deliver(refs, now) if refs else []

    def sms_to(self, patient: Patient) -> list[str]:
        return [entry.body for entry in self.world.outbox.sent if entry.to == patient.phone]

    # ---- the patient ----

    def reply(self, patient: Patient, body: str, now: datetime) -> str | None:
        response = self.world.text(body, sender=patient.phone, now=now)
        assert response.status == 200, response.body
        root = ET.fromstring(response.body)  # noqa: S314 (our own handler's answer)
        messages = [message.text or "" for message in root.iter("Message")]
        assert len(messages) <= 1
        return messages[0] if messages else None

    # ---- the clinic reads back ----

    def read(self, path: str, now: datetime) -> Any:
        status, body = self.world.admin("GET", path, now=now)
        assert status == 200, body
        return body

    def surveys(self, patient: Patient, now: datetime) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.read(
            f"/admin/clinics/{patient.clinic_id}/patients/{patient.patient_id}/surveys", now
        )["items"]
        return items

    def survey(self, patient: Patient, now: datetime) -> dict[str, Any]:
        [survey] = self.surveys(patient, now)
        return survey

    def outcomes(self, patient: Patient, now: datetime) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.read(
            f"/admin/clinics/{patient.clinic_id}/patients/{patient.patient_id}/outcomes", now
        )["items"]
        return items

    def alerts(self, clinic_id: str, now: datetime) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.read(f"/admin/clinics/{clinic_id}/alerts", now)["items"]
        return items

    def messages(self, patient: Patient, appointment_id: str, now: datetime) -> list[dict[str, Any]]:
        view = self.read(f"/admin/clinics/{patient.clinic_id}/appointments/{appointment_id}", now)
        messages: list[dict[str, Any]] = view["messages"]
        return messages


@pytest.fixture
def pipeline(world: World) -> Pipeline:
    return Pipeline(world)


def invited(pipeline: Pipeline, **settings: Any) -> tuple[Patient, str]:
    """A clinic with a PT4H GAD-7, its patient, a session, and the invitation sent at FOLLOW_UP_AT."""
    patient = pipeline.patient(pipeline.clinic(**settings))
    appointment_id = pipeline.book(patient)
    [delivery] = pipeline.tick(FOLLOW_UP_AT)
    assert delivery.outcome == "sent"
    return patient, appointment_id


def at(minutes: int) -> datetime:
    return FOLLOW_UP_AT + timedelta(minutes=minutes)


# ---- the follow-up opens a survey ------------------------------------------------------------


def test_a_follow_up_is_sent_once_and_opens_an_invited_survey(pipeline: Pipeline) -> None:
    patient = pipeline.patient(pipeline.clinic())
    appointment_id = pipeline.book(patient)
    [follow_up] = [
        m for m in pipeline.messages(patient, appointment_id, BOOKED_AT) if m["kind"] == "follow_up"
    ]
    assert follow_up["state"] == "pending"
    assert follow_up["due_at"] == "2030-03-06T01:00:00Z"

    assert pipeline.tick(FOLLOW_UP_AT - timedelta(minutes=1)) == []
    [delivery] = pipeline.tick(FOLLOW_UP_AT)
    assert delivery.outcome == "sent"
    assert pipeline.tick(FOLLOW_UP_AT) == []  # a second pass at the same moment finds nothing
    assert pipeline.tick(at(60)) == []

    [invitation] = pipeline.sms_to(patient)
    assert "Reply Y to begin" in invitation
    assert is_discreet(invitation)
    survey = pipeline.survey(patient, at(1))
    assert survey["survey"] == "gad7"
    assert survey["status"] == "invited"
    assert survey["answers"] == []
    assert survey["score"] is None
    assert survey["severity"] is None
    assert survey["appointment_id"] == appointment_id
    states = {m["rule"]: m["state"] for m in pipeline.messages(patient, appointment_id, at(1))}
    assert states["after:PT4H:gad7"] == "sent"


def test_the_same_follow_up_delivered_twice_by_the_queue_is_sent_once(pipeline: Pipeline) -> None:
    patient = pipeline.patient(pipeline.clinic())
    pipeline.book(patient)
    run_scheduler_pass(pipeline.world.jobs, pipeline.world.queue, FOLLOW_UP_AT)
    [ref] = pipeline.world.queue.take()

    first = pipeline.deliver([ref], FOLLOW_UP_AT)
    again = pipeline.deliver([ref], FOLLOW_UP_AT + timedelta(seconds=30))

    assert [d.outcome for d in first] == ["sent"]
    assert [d.outcome for d in again] == ["ignored"]
    assert len(pipeline.sms_to(patient)) == 1
    assert len(pipeline.surveys(patient, at(1))) == 1


def test_a_clinic_not_in_discreet_mode_sends_question_1_straight_away(pipeline: Pipeline) -> None:
    patient, _ = invited(pipeline, discreet=False)

    assert pipeline.sms_to(patient) == [GAD7.question(0)]
    assert pipeline.survey(patient, at(1))["status"] == "in_progress"
    assert pipeline.reply(patient, "2", at(2)) == GAD7.question(1)


# ---- answering -------------------------------------------------------------------------------


def test_y_starts_and_answers_one_by_one_complete_the_survey(pipeline: Pipeline) -> None:
    patient, _ = invited(pipeline)

    assert pipeline.reply(patient, "Y", at(1)) == GAD7.question(0)
    assert pipeline.survey(patient, at(1))["status"] == "in_progress"

    answers = ["1", "several days", "NEARLY EVERY DAY", "0", "2", "More than half the days"]
    for position, text in enumerate(answers):
        assert pipeline.reply(patient, text, at(2 + position)) == GAD7.question(position + 1)
        saved = pipeline.survey(patient, at(2 + position))
        assert len(saved["answers"]) == position + 1  # saved as it arrives
        assert saved["status"] == "in_progress"

    last = pipeline.reply(patient, "1", at(10))

    assert last is not None
    assert "Thank you" in last
    survey = pipeline.survey(patient, at(11))
    assert survey["status"] == "completed"
    assert survey["answers"] == [1, 1, 3, 0, 2, 2, 1]
    assert survey["score"] == 10
    assert survey["severity"] == "moderate"
    assert survey["completed_at"] == "2030-03-06T01:10:00Z"
    assert pipeline.alerts(patient.clinic_id, at(11)) == []


@pytest.mark.parametrize("compact", ["1 2 0 3 1 1 0", "1203110"])
def test_compact_answers_complete_the_survey_in_one_reply(pipeline: Pipeline, compact: str) -> None:
    patient, _ = invited(pipeline)
    pipeline.reply(patient, "yes", at(1))

    pipeline.reply(patient, compact, at(2))

    survey = pipeline.survey(patient, at(3))
    assert (survey["status"], survey["answers"], survey["score"], survey["severity"]) == (
        "completed",
        [1, 2, 0, 3, 1, 1, 0],
        8,
        "mild",
    )


def test_an_answer_out_of_range_gets_the_choices_and_the_question_again(pipeline: Pipeline) -> None:
    patient, _ = invited(pipeline)
    pipeline.reply(patient, "Y", at(1))
    pipeline.reply(patient, "2", at(2))

    again = pipeline.reply(patient, "7", at(3))

    assert again is not None
    assert again.endswith(GAD7.question(1))
    assert pipeline.survey(patient, at(4))["answers"] == [2]


def test_a_reply_other_than_y_to_the_invitation_explains_it_again(pipeline: Pipeline) -> None:
    patient, _ = invited(pipeline)

    explained = pipeline.reply(patient, "what is this", at(1))

    assert explained is not None
    assert "Reply Y" in explained
    assert pipeline.survey(patient, at(2))["status"] == "invited"


def test_gad7_of_15_or_more_raises_a_severe_score_alert(pipeline: Pipeline) -> None:
    patient, _ = invited(pipeline)
    pipeline.reply(patient, "Y", at(1))

    pipeline.reply(patient, "3 3 3 3 3 0 0", at(2))

    survey = pipeline.survey(patient, at(3))
    assert (survey["score"], survey["severity"]) == (15, "severe")
    [alert] = pipeline.alerts(patient.clinic_id, at(3))
    assert alert["kind"] == "severe_score"
    assert alert["patient_id"] == patient.patient_id
    assert alert["at"] == "2030-03-06T01:02:00Z"
    assert [published.kind for published in pipeline.world.alerts.published] == ["severe_score"]


def test_gad7_of_14_raises_no_alert(pipeline: Pipeline) -> None:
    patient, _ = invited(pipeline)
    pipeline.reply(patient, "Y", at(1))

    pipeline.reply(patient, "2222222", at(2))

    assert pipeline.survey(patient, at(3))["severity"] == "moderate"
    assert pipeline.alerts(patient.clinic_id, at(3)) == []


def test_phq9_item_9_above_0_gets_the_988_reply_at_once_and_a_crisis_alert(pipeline: Pipeline) -> None:
    patient, _ = invited(pipeline, follow_ups=[{"after": "PT4H", "survey": "phq9"}])
    assert pipeline.reply(patient, "Y", at(1)) == PHQ9.question(0)
    assert pipeline.reply(patient, "00000000", at(2)) == PHQ9.question(8)

    reply = pipeline.reply(patient, "1", at(3))

    assert reply == CRISIS_REPLY
    assert "988" in reply
    [alert] = pipeline.alerts(patient.clinic_id, at(4))
    assert (alert["kind"], alert["patient_id"], alert["text"]) == ("crisis", patient.patient_id, "1")
    assert (alert["rule"], alert["state"], alert["first_name"]) == ("phq9_item9", "open", "Ana")
    assert [published.kind for published in pipeline.world.alerts.published] == ["crisis"]
    survey = pipeline.survey(patient, at(4))
    assert (survey["status"], survey["answers"][8], survey["score"]) == ("completed", 1, 1)


def test_crisis_words_mid_survey_get_the_988_reply_and_leave_the_answers_alone(pipeline: Pipeline) -> None:
    patient, _ = invited(pipeline)
    pipeline.reply(patient, "Y", at(1))
    pipeline.reply(patient, "1", at(2))

    reply = pipeline.reply(patient, "honestly I want to die", at(3))

    assert reply == CRISIS_REPLY
    assert [a["kind"] for a in pipeline.alerts(patient.clinic_id, at(4))] == ["crisis"]
    survey = pipeline.survey(patient, at(4))
    assert (survey["status"], survey["answers"]) == ("in_progress", [1])
    assert pipeline.reply(patient, "2", at(5)) == GAD7.question(2)  # the survey goes on


def test_stop_mid_survey_opts_out_and_the_nudge_is_not_sent(pipeline: Pipeline) -> None:
    patient, _ = invited(pipeline)
    pipeline.reply(patient, "Y", at(1))

    reply = pipeline.reply(patient, "STOP", at(2))

    assert reply is not None
    assert "unsubscribed" in reply
    status, body = pipeline.world.admin(
        "GET", f"/admin/clinics/{patient.clinic_id}/patients/{patient.patient_id}"
    )
    assert (status, body["opted_out"]) == (200, True)
    [nudge] = pipeline.tick(NUDGE_AT)
    assert (nudge.outcome, nudge.reason) == ("skipped", "opted_out")
    assert len(pipeline.sms_to(patient)) == 1


# ---- the nudge and expiry --------------------------------------------------------------------


def test_an_unanswered_survey_is_nudged_once_half_way(pipeline: Pipeline) -> None:
    patient, appointment_id = invited(pipeline)
    [nudge_job] = [
        m for m in pipeline.messages(patient, appointment_id, at(1)) if m["rule"].startswith("nudge:")
    ]
    assert nudge_job["due_at"] == "2030-03-06T13:00:00Z"
    assert nudge_job["state"] == "pending"

    assert pipeline.tick(NUDGE_AT - timedelta(minutes=1)) == []
    [nudge] = pipeline.tick(NUDGE_AT)
    assert nudge.outcome == "sent"
    for hours in (1, 6, 11, 30):
        assert pipeline.tick(NUDGE_AT + timedelta(hours=hours)) == []

    _, reminder = pipeline.sms_to(patient)
    assert "Reply Y to begin" in reminder
    assert is_discreet(reminder)
    assert pipeline.survey(patient, NUDGE_AT + timedelta(minutes=1))["nudged"] is True


def test_the_nudge_of_a_survey_begun_repeats_the_question_it_stopped_at(pipeline: Pipeline) -> None:
    patient, _ = invited(pipeline)
    pipeline.reply(patient, "Y", at(1))
    pipeline.reply(patient, "1 1", at(2))

    [nudge] = pipeline.tick(NUDGE_AT)

    assert nudge.outcome == "sent"
    assert pipeline.sms_to(patient)[-1] == GAD7.question(2)


def test_the_nudge_is_skipped_when_the_survey_was_completed(pipeline: Pipeline) -> None:
    patient, appointment_id = invited(pipeline)
    pipeline.reply(patient, "Y", at(1))
    pipeline.reply(patient, "0000000", at(2))

    [nudge] = pipeline.tick(NUDGE_AT)

    assert (nudge.outcome, nudge.reason) == ("skipped", "survey_closed")
    assert len(pipeline.sms_to(patient)) == 1
    [job] = [
        m for m in pipeline.messages(patient, appointment_id, NUDGE_AT) if m["rule"].startswith("nudge:")
    ]
    assert (job["state"], job["reason"]) == ("skipped", "survey_closed")


def test_an_unanswered_survey_expires_keeping_its_partial_answers(pipeline: Pipeline) -> None:
    patient, _ = invited(pipeline, survey_expiry_hours=6)
    expires_at = FOLLOW_UP_AT + timedelta(hours=6)
    pipeline.reply(patient, "Y", at(1))
    pipeline.reply(patient, "1", at(2))
    pipeline.reply(patient, "2", at(3))

    before = pipeline.survey(patient, expires_at - timedelta(minutes=1))
    after = pipeline.survey(patient, expires_at)

    assert before["status"] == "in_progress"
    assert after["status"] == "expired"
    assert after["answers"] == [1, 2]
    assert after["score"] is None
    assert after["expires_at"] == "2030-03-06T07:00:00Z"


def test_a_reply_after_expiry_gets_the_kind_note_not_a_question(pipeline: Pipeline) -> None:
    patient, _ = invited(pipeline)
    pipeline.reply(patient, "Y", at(1))
    pipeline.reply(patient, "3", at(2))

    late = pipeline.reply(patient, "2", EXPIRES_AT + timedelta(minutes=5))

    assert late == closed_note("Ana")
    assert "Q" not in late.split()[0]
    survey = pipeline.survey(patient, EXPIRES_AT + timedelta(minutes=6))
    assert (survey["status"], survey["answers"]) == ("expired", [3])


def test_a_nudge_that_quiet_hours_would_push_past_expiry_is_not_planned(pipeline: Pipeline) -> None:
    # Invited at 20:00 for two hours: half way is 21:00, quiet until 08:00, long after expiry.
    patient, appointment_id = invited(pipeline, survey_expiry_hours=2)

    assert [
        m for m in pipeline.messages(patient, appointment_id, at(1)) if m["rule"].startswith("nudge:")
    ] == []
    for hours in (1, 2, 12, 24):
        assert pipeline.tick(FOLLOW_UP_AT + timedelta(hours=hours)) == []
    assert len(pipeline.sms_to(patient)) == 1
    assert pipeline.survey(patient, FOLLOW_UP_AT + timedelta(hours=2))["status"] == "expired"


def test_a_short_survey_is_nudged_half_way_when_that_is_not_quiet(pipeline: Pipeline) -> None:
    patient, _ = invited(pipeline, survey_expiry_hours=1)

    [nudge] = pipeline.tick(FOLLOW_UP_AT + timedelta(minutes=30))  # 20:30, before quiet hours

    assert nudge.outcome == "sent"
    assert len(pipeline.sms_to(patient)) == 2
    assert pipeline.tick(FOLLOW_UP_AT + timedelta(minutes=59)) == []


# ---- who gets no survey ----------------------------------------------------------------------


def test_no_survey_goes_to_an_opted_out_patient(pipeline: Pipeline) -> None:
    patient = pipeline.patient(pipeline.clinic())
    appointment_id = pipeline.book(patient)
    status, _ = pipeline.world.admin(
        "POST", f"/admin/clinics/{patient.clinic_id}/patients/{patient.patient_id}/opt-out"
    )
    assert status == 200

    [delivery] = pipeline.tick(FOLLOW_UP_AT)

    assert (delivery.outcome, delivery.reason) == ("skipped", "opted_out")
    assert pipeline.sms_to(patient) == []
    assert pipeline.surveys(patient, at(1)) == []
    [job] = pipeline.messages(patient, appointment_id, at(1))
    assert (job["state"], job["reason"]) == ("skipped", "opted_out")


def test_a_survey_for_a_cancelled_appointment_is_never_sent(pipeline: Pipeline) -> None:
    patient = pipeline.patient(pipeline.clinic())
    appointment_id = pipeline.book(patient)
    status, _ = pipeline.world.admin(
        "PATCH", f"/admin/clinics/{patient.clinic_id}/appointments/{appointment_id}", {"status": "cancelled"}
    )
    assert status == 200

    assert pipeline.tick(FOLLOW_UP_AT) == []
    assert pipeline.tick(FOLLOW_UP_AT + timedelta(days=1)) == []

    assert pipeline.sms_to(patient) == []
    assert pipeline.surveys(patient, at(1)) == []
    [job] = pipeline.messages(patient, appointment_id, at(1))
    assert job["state"] == "cancelled"


def test_a_follow_up_queued_before_the_cancellation_is_skipped_at_send_time(pipeline: Pipeline) -> None:
    patient = pipeline.patient(pipeline.clinic())
    appointment_id = pipeline.book(patient)
    run_scheduler_pass(pipeline.world.jobs, pipeline.world.queue, FOLLOW_UP_AT)
    refs = pipeline.world.queue.take()
    status, _ = pipeline.world.admin(
        "PATCH",
        f"/admin/clinics/{patient.clinic_id}/appointments/{appointment_id}",
        {"status": "cancelled"},
        now=FOLLOW_UP_AT,
    )
    assert status == 200

    [delivery] = pipeline.deliver(refs, FOLLOW_UP_AT)

    assert (delivery.outcome, delivery.reason) == ("skipped", "appointment_cancelled")
    assert pipeline.sms_to(patient) == []
    assert pipeline.surveys(patient, at(1)) == []


# ---- outcomes across weekly sessions ---------------------------------------------------------


def weekly_gad7(pipeline: Pipeline, patient: Patient, week: int, compact: str) -> datetime:
    """Session `week` (0-based) on a Tuesday, 10:00-11:00 New York time, and its GAD-7 answered."""
    day = date(2030, 3, 5) + timedelta(weeks=week)  # clocks go forward on 10 March: both offsets occur
    pipeline.book(patient, f"{day.isoformat()}T10:00:00")  # the clinic's wall clock
    due = datetime.combine(day, time(15, 0), NEW_YORK)
    sent = [d for d in pipeline.tick(due) if d.outcome == "sent"]
    assert len(sent) == 1
    assert pipeline.reply(patient, "Y", due + timedelta(minutes=1)) == GAD7.question(0)
    pipeline.reply(patient, compact, due + timedelta(minutes=2))
    return due + timedelta(minutes=3)


def test_outcomes_over_weekly_sessions_show_response_then_remission(pipeline: Pipeline) -> None:
    patient = pipeline.patient(pipeline.clinic())
    now = BOOKED_AT
    for week, compact in enumerate(["3333330", "2222111", "1111110"]):  # 18, 11, 6
        now = weekly_gad7(pipeline, patient, week, compact)

    [gad7] = pipeline.outcomes(patient, now)

    assert gad7["survey"] == "gad7"
    assert (gad7["baseline"]["score"], gad7["baseline"]["severity"]) == (18, "severe")
    assert (gad7["latest"]["score"], gad7["latest"]["severity"]) == (6, "mild")
    assert gad7["change_percent"] == -66.7
    assert gad7["response"] is True
    assert gad7["remission"] is False
    assert [point["score"] for point in gad7["series"]] == [18, 11, 6]
    sessions = [point["session_at"] for point in gad7["series"]]
    assert sessions == sorted(sessions)
    assert [a["kind"] for a in pipeline.alerts(patient.clinic_id, now)] == ["severe_score"]

    now = weekly_gad7(pipeline, patient, 3, "1111000")  # 4

    [gad7] = pipeline.outcomes(patient, now)
    assert [point["score"] for point in gad7["series"]] == [18, 11, 6, 4]
    assert gad7["latest"]["score"] == 4
    assert gad7["change_percent"] == -77.8
    assert gad7["remission"] is True
    assert [s["status"] for s in pipeline.surveys(patient, now)] == ["completed"] * 4


# ---- a reminder after an old survey expired ---------------------------------------------------


def test_a_reply_to_a_reminder_after_an_unanswered_survey_expired_confirms_the_appointment(
    pipeline: Pipeline,
) -> None:
    clinic_id = pipeline.clinic(reminders=[{"before": "PT2H"}])
    patient = pipeline.patient(clinic_id)
    pipeline.book(patient)
    reminder_1 = datetime.fromisoformat(STARTS_AT) - timedelta(hours=2)  # 13:00 EST
    assert [d.outcome for d in pipeline.tick(reminder_1)] == ["sent"]
    assert [d.outcome for d in pipeline.tick(FOLLOW_UP_AT)] == ["sent"]  # the check-in, never answered
    appointment_id = pipeline.book(patient, "2030-03-12T15:00:00")
    reminder_2 = datetime(2030, 3, 12, 13, 0, tzinfo=NEW_YORK)  # 13:00 EDT: clocks went forward on 10 March
    sent = [d.outcome for d in pipeline.tick(reminder_2)]
    assert "sent" in sent
    assert "Reply C to confirm" in pipeline.sms_to(patient)[-1]

    reply = pipeline.reply(patient, "C", reminder_2 + timedelta(minutes=5))

    assert reply is not None
    assert "confirmed" in reply
    view = pipeline.read(f"/admin/clinics/{clinic_id}/appointments/{appointment_id}", reminder_2)
    assert view["status"] == "confirmed"
    survey = pipeline.survey(patient, reminder_2)
    assert (survey["status"], survey["answers"]) == ("expired", [])
