"""What the sender checks again when a queued message reaches it, on moto with a fake Twilio:
a reminder of an appointment cancelled or already started, or to a patient who opted out since,
is skipped; inside the clinic's quiet hours it waits for their end (or is skipped when they end
at the appointment); a follow-up whose send timed out still opens its survey, and a second
follow-up waits while the patient has a survey open.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.fakes.twilio_server import FakeTwilio, Reply
from tests.integration import sender_world
from tests.integration.sender_world import (
    BOOKED_AT,
    DUE_AT,
    STARTS_AT,
    Booking,
    World,
    failed_ids,
)
from touchpoint.adapters.dynamo.surveys import DynamoSurveys
from touchpoint.domain.appointment import Job, JobState
from touchpoint.domain.consent import ConsentAction, ConsentChange, ConsentSource

pytestmark = pytest.mark.enable_socket  # the fake Twilio listens on 127.0.0.1

# sender_world's fixtures, under the names the tests ask for.
twilio = sender_world.twilio
quiet_powertools = sender_world.quiet_powertools
gateway = sender_world.gateway
world = sender_world.world


# ---- checked again at send time ----


def test_reminder_of_an_appointment_cancelled_after_it_was_queued_is_skipped(
    world: World, twilio: FakeTwilio
) -> None:
    booking = world.book(world.clinic())
    world.schedule()
    world.admin.update_appointment(
        booking.clinic_id, booking.appointment_id, {"status": "cancelled"}, DUE_AT - timedelta(seconds=30)
    )

    response = world.deliver(world.event(world.receive()))

    assert failed_ids(response) == []
    job = world.job(booking)
    assert (job.state, job.reason) == (JobState.SKIPPED, "appointment_cancelled")
    assert twilio.requests == []
    assert world.log.for_patient(booking.patient_id) == []


def test_reminder_delivered_after_its_appointment_started_is_skipped(
    world: World, twilio: FakeTwilio
) -> None:
    booking = world.book(world.clinic())
    world.schedule()
    started = datetime.fromisoformat(STARTS_AT) + timedelta(minutes=1)

    world.deliver(world.event(world.receive()), started)

    job = world.job(booking)
    assert (job.state, job.reason) == (JobState.SKIPPED, "appointment_started")
    assert twilio.requests == []


def test_reminder_to_a_patient_who_opted_out_after_it_was_queued_is_skipped(
    world: World, twilio: FakeTwilio
) -> None:
    booking = world.book(world.clinic())
    world.schedule()
    world.patients.record_consent(
        ConsentChange(
            booking.patient_id, booking.clinic_id, ConsentAction.OPT_OUT, ConsentSource.ADMIN, BOOKED_AT
        )
    )

    world.deliver(world.event(world.receive()))

    job = world.job(booking)
    assert (job.state, job.reason) == (JobState.SKIPPED, "opted_out")
    assert twilio.requests == []


def test_reminder_reaching_the_sender_inside_quiet_hours_waits_for_their_end(
    world: World, twilio: FakeTwilio
) -> None:
    # 09:00 appointment, PT12H reminder: due 21:00 the evening before, moved to just before 21:00.
    booking = world.book(world.clinic(reminders=[{"before": "PT12H"}]), starts_at="2030-03-06T09:00:00-05:00")
    due = booking.job.due_at
    local = due.astimezone(ZoneInfo("America/New_York"))
    assert (local.hour, local.minute) < (21, 0)
    assert local.hour >= 20
    world.schedule(due)
    quiet = datetime(2030, 3, 6, 2, 5, tzinfo=UTC)  # 21:05 in New York: the delivery came late

    world.deliver(world.event(world.receive()), quiet)

    job = world.job(booking)
    assert (job.state, job.reason) == (JobState.PENDING, "quiet_hours")
    assert job.due_at == datetime(2030, 3, 6, 13, 0, tzinfo=UTC)  # 08:00, still before 09:00
    assert twilio.requests == []
    world.schedule(job.due_at)
    world.deliver(world.event(world.receive()), job.due_at + timedelta(seconds=5))
    sent = world.job(booking)
    assert (sent.state, sent.reason) == (JobState.SENT, None)  # the hold's reason is over
    assert len(twilio.requests) == 1


def test_reminder_reaching_the_sender_inside_quiet_hours_that_end_at_the_start_is_skipped(
    world: World, twilio: FakeTwilio
) -> None:
    booking = world.book(world.clinic(reminders=[{"before": "PT11H"}]), starts_at="2030-03-06T08:00:00-05:00")
    world.schedule(booking.job.due_at)
    quiet = datetime(2030, 3, 6, 2, 5, tzinfo=UTC)  # 21:05; quiet hours end at 08:00, the start

    world.deliver(world.event(world.receive()), quiet)

    job = world.job(booking)
    assert (job.state, job.reason) == (JobState.SKIPPED, "quiet_hours")
    assert twilio.requests == []


# ---- follow-ups at send time ----

SESSION_END = datetime.fromisoformat(STARTS_AT) + timedelta(hours=1)


def book_follow_ups(world: World, follow_ups: list[dict[str, str]]) -> tuple[str, str, list[Job]]:
    clinic_id = world.clinic(reminders=[], follow_ups=follow_ups)
    patient = world.admin.create_patient(clinic_id, {"first_name": "Ana", "phone": "+15551230001"}, BOOKED_AT)
    view = world.admin.create_appointment(
        clinic_id, {"patient_id": patient.patient_id, "starts_at": STARTS_AT}, BOOKED_AT
    )
    return clinic_id, patient.patient_id, view.messages


def test_a_follow_up_whose_send_timed_out_still_opens_its_survey(world: World, twilio: FakeTwilio) -> None:
    clinic_id, patient_id, [follow_up] = book_follow_ups(world, [{"after": "PT1H", "survey": "anxiety-now"}])
    twilio.script(Reply.SERVER_ERROR)

    world.queue_and_deliver(follow_up.due_at)

    assert (
        world.job(Booking(clinic_id, patient_id, "", follow_up.appointment_id, follow_up)).state
        is JobState.UNKNOWN
    )
    [survey] = DynamoSurveys(world.table).for_patient(patient_id)
    assert survey.status.value == "invited"
    assert world.patients.get(clinic_id, patient_id).active_survey_id == survey.survey_id


def test_a_second_follow_up_waits_while_the_patient_has_a_survey_open(
    world: World, twilio: FakeTwilio
) -> None:
    _, _, jobs = book_follow_ups(
        world, [{"after": "PT1H", "survey": "anxiety-now"}, {"after": "PT2H", "survey": "gad7"}]
    )
    first, second = sorted(jobs, key=lambda job: job.due_at)
    world.queue_and_deliver(first.due_at)

    world.queue_and_deliver(second.due_at)

    _, stored = world.appointments.get(first.appointment_id)
    [held] = [job for job in stored if job.job_id == second.job_id]
    assert (held.state, held.reason) == (JobState.PENDING, "waiting_for_open_survey")
    assert second.due_at < held.due_at <= second.due_at + timedelta(minutes=30)
    assert len(twilio.requests) == 1  # the first survey's invitation only
