"""Frequency caps at send time, on moto with a fake Twilio: with the default caps (one reminder a
day), a patient's second reminder of the day is held to the next allowed time (the end of the
night's quiet hours) and then sent, or skipped as `frequency_cap` when that is after its session;
the caps remember the sends in one small item read with the send's context."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.fakes.twilio_server import FakeTwilio
from tests.integration import sender_world
from tests.integration.sender_world import BOOKED_AT, Booking, World
from touchpoint.adapters.dynamo import keys
from touchpoint.domain.appointment import Job, JobState

pytestmark = pytest.mark.enable_socket  # the fake Twilio listens on 127.0.0.1

twilio = sender_world.twilio
quiet_powertools = sender_world.quiet_powertools
gateway = sender_world.gateway
world = sender_world.world

# Tuesday 5 March 2030 in New York (EST, UTC-5).
FIRST_DUE = datetime(2030, 3, 5, 18, 0, tzinfo=UTC)  # 13:00
SECOND_DUE = datetime(2030, 3, 5, 20, 0, tzinfo=UTC)  # 15:00
NEXT_MORNING = datetime(2030, 3, 6, 13, 0, tzinfo=UTC)  # 08:00, when quiet hours end


def second_appointment(world: World, booking: Booking, starts_at: str) -> Job:
    view = world.admin.create_appointment(
        booking.clinic_id, {"patient_id": booking.patient_id, "starts_at": starts_at}, BOOKED_AT
    )
    [job] = view.messages
    return job


def state_of(world: World, job: Job) -> Job:
    _, jobs = world.appointments.get(job.appointment_id)
    [found] = [stored for stored in jobs if stored.job_id == job.job_id]
    return found


def test_a_second_reminder_of_the_day_is_held_to_the_next_morning_and_then_sent(
    world: World, twilio: FakeTwilio
) -> None:
    clinic_id = world.clinic(reminders=[{"before": "P1D"}])
    booking = world.book(clinic_id, starts_at="2030-03-06T13:00:00-05:00")
    second = second_appointment(world, booking, "2030-03-06T15:00:00-05:00")

    world.queue_and_deliver(FIRST_DUE)
    world.queue_and_deliver(SECOND_DUE)

    assert world.job(booking).state is JobState.SENT
    held = state_of(world, second)
    assert (held.state, held.reason, held.due_at) == (JobState.PENDING, "frequency_cap", NEXT_MORNING)
    assert len(twilio.requests) == 1

    world.queue_and_deliver(NEXT_MORNING)

    sent = state_of(world, second)
    assert (sent.state, sent.reason) == (JobState.SENT, None)
    assert len(twilio.requests) == 2
    remembered = world.table.get(keys.recent_sends(booking.patient_id))
    assert remembered is not None
    assert {name for name in remembered if name.startswith("j_")} == {
        f"j_{booking.job.job_id}",
        f"j_{second.job_id}",
    }


def test_a_reminder_whose_next_allowed_time_is_after_its_session_is_skipped_as_frequency_cap(
    world: World, twilio: FakeTwilio
) -> None:
    booking = world.book(world.clinic(), starts_at="2030-03-05T15:00:00-05:00")  # PT2H: due 13:00
    second = second_appointment(world, booking, "2030-03-05T17:00:00-05:00")  # due 15:00

    world.queue_and_deliver(FIRST_DUE)
    world.queue_and_deliver(SECOND_DUE)

    dropped = state_of(world, second)
    assert (dropped.state, dropped.reason) == (JobState.SKIPPED, "frequency_cap")
    assert len(twilio.requests) == 1
    assert [m.job_id for m in world.log.for_patient(booking.patient_id)] == [booking.job.job_id]


def test_without_caps_both_reminders_of_the_day_go(world: World, twilio: FakeTwilio) -> None:
    booking = world.book(world.clinic(frequency_caps=None), starts_at="2030-03-05T15:00:00-05:00")
    second = second_appointment(world, booking, "2030-03-05T17:00:00-05:00")

    world.queue_and_deliver(FIRST_DUE)
    world.queue_and_deliver(SECOND_DUE)

    assert state_of(world, second).state is JobState.SENT
    assert len(twilio.requests) == 2


def test_sends_past_the_week_are_forgotten_when_the_next_is_remembered(
    world: World, twilio: FakeTwilio
) -> None:
    booking = world.book(world.clinic(), starts_at="2030-03-05T15:00:00-05:00")
    world.queue_and_deliver(FIRST_DUE)
    week_later = second_appointment(world, booking, "2030-03-13T15:00:00-04:00")  # EDT by then

    world.queue_and_deliver(FIRST_DUE + timedelta(days=8) - timedelta(hours=1))

    assert state_of(world, week_later).state is JobState.SENT
    remembered = world.table.get(keys.recent_sends(booking.patient_id))
    assert remembered is not None
    assert {name for name in remembered if name.startswith("j_")} == {f"j_{week_later.job_id}"}
