"""Unknown sends settled from Twilio's Message list: the real reconciler on moto, reading the
fake Twilio's list through the real Twilio SDK (contract section 5)."""

from datetime import datetime, timedelta

import pytest

from tests.fakes.twilio_server import FakeTwilio, Reply
from tests.integration import sender_world
from tests.integration.sender_world import DUE_AT, EXPECTED_BODY, World
from touchpoint.adapters.dynamo.messages import DynamoMessageLog
from touchpoint.adapters.dynamo.reconciliation import DynamoReconciliation
from touchpoint.adapters.dynamo.status import DynamoStatuses
from touchpoint.domain.appointment import JobState
from touchpoint.domain.inbound import StatusCallback
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.ports.sms import SmsRecords
from touchpoint.domain.reconciling import LIST_COMPLETE_AFTER, RECONCILE_AFTER
from touchpoint.usecases.reconciling import Reconciler, ReconcileResult

pytestmark = pytest.mark.enable_socket  # the fake Twilio listens on 127.0.0.1

twilio = sender_world.twilio
quiet_powertools = sender_world.quiet_powertools
gateway = sender_world.gateway
world = sender_world.world


@pytest.fixture(autouse=True)
def twilio_in_simulated_time(twilio: FakeTwilio) -> None:
    """The fake stamps what it takes at the reminder's due time, as the sender saw it."""
    twilio.clock = lambda: DUE_AT


def reconcile(world: World, now: datetime) -> ReconcileResult:
    records: SmsRecords = world.gateway  # type: ignore[assignment]
    table = world.table
    return Reconciler(DynamoReconciliation(table), records, DynamoStatuses(table), world.patients).run(now)


def unknown_after(world: World, twilio: FakeTwilio, reply: Reply) -> sender_world.Booking:
    booking = world.book(world.clinic())
    twilio.script(reply)
    world.queue_and_deliver()
    assert world.job(booking).state is JobState.UNKNOWN
    return booking


def test_a_send_twilio_took_but_never_answered_is_adopted_with_its_sid(
    world: World, twilio: FakeTwilio
) -> None:
    booking = unknown_after(world, twilio, Reply.DROP)
    assert len(twilio.messages) == 1

    # Not before its time: a status callback may settle it first.
    assert reconcile(world, DUE_AT + RECONCILE_AFTER - timedelta(seconds=1)) == ReconcileResult()
    result = reconcile(world, DUE_AT + RECONCILE_AFTER)

    assert result.adopted == 1
    job = world.job(booking)
    assert (job.state, job.reason) == (JobState.SENT, "reconciled_from_twilio")
    [logged] = DynamoMessageLog(world.table).for_patient(booking.patient_id)
    assert (logged.status, logged.twilio_sid, logged.body) == ("sent", job.twilio_sid, EXPECTED_BODY)
    stored = twilio.stored(job.twilio_sid or "")
    assert stored is not None
    assert (stored["to"], stored["body"]) == (booking.phone, EXPECTED_BODY)
    assert len(twilio.messages) == 1
    # Its later status callbacks now find it.
    assert DynamoStatuses(world.table).apply(status_callback(job.twilio_sid or "", "delivered")) is not None
    assert reconcile(world, DUE_AT + timedelta(hours=1)) == ReconcileResult()  # nothing left


def test_a_send_twilio_never_took_waits_for_the_list_then_is_sent_once_more(
    world: World, twilio: FakeTwilio
) -> None:
    booking = unknown_after(world, twilio, Reply.SERVER_ERROR)
    assert twilio.messages == []

    assert reconcile(world, DUE_AT + RECONCILE_AFTER).waiting == 1  # the list may be incomplete yet
    assert world.job(booking).state is JobState.UNKNOWN
    later = DUE_AT + LIST_COMPLETE_AFTER
    assert reconcile(world, later).sent_again == 1

    job = world.job(booking)
    assert (job.state, job.resent) == (JobState.PENDING, True)
    [logged] = DynamoMessageLog(world.table).for_patient(booking.patient_id)
    assert logged.status == "not_sent"
    # The next scheduler pass sends it, once.
    world.queue_and_deliver(later + timedelta(minutes=1))
    assert world.job(booking).state is JobState.SENT
    assert [message.form["Body"] for message in twilio.messages] == [EXPECTED_BODY]


def test_a_send_twilio_never_took_fails_not_sent_once_it_is_of_no_use(
    world: World, twilio: FakeTwilio
) -> None:
    booking = unknown_after(world, twilio, Reply.SERVER_ERROR)
    session_started = DUE_AT + timedelta(hours=2)  # the PT2H reminder's appointment

    assert reconcile(world, session_started).not_sent == 1

    job = world.job(booking)
    assert (job.state, job.reason) == (JobState.FAILED, "not_sent")
    assert twilio.messages == []


def test_a_send_lost_again_after_being_sent_once_more_fails_not_sent(
    world: World, twilio: FakeTwilio
) -> None:
    booking = unknown_after(world, twilio, Reply.SERVER_ERROR)
    later = DUE_AT + LIST_COMPLETE_AFTER
    assert reconcile(world, later).sent_again == 1
    twilio.script(Reply.SERVER_ERROR)
    world.queue_and_deliver(later + timedelta(minutes=1))
    assert world.job(booking).state is JobState.UNKNOWN

    assert reconcile(world, later + timedelta(minutes=1) + LIST_COMPLETE_AFTER).not_sent == 1
    assert (world.job(booking).state, world.job(booking).reason) == (JobState.FAILED, "not_sent")
    assert twilio.messages == []


def test_twilios_list_out_of_reach_leaves_the_send_for_the_next_pass(
    world: World, twilio: FakeTwilio
) -> None:
    booking = unknown_after(world, twilio, Reply.DROP)

    class Unreachable:
        def sent_to(self, to: str, since: datetime, until: datetime) -> list[object]:
            raise ConnectionError("Twilio is unreachable")

        def status_of(self, sid: str) -> None:
            return None

    broken = Reconciler(DynamoReconciliation(world.table), Unreachable())  # type: ignore[arg-type]
    assert broken.run(DUE_AT + RECONCILE_AFTER).errors == 1
    assert world.job(booking).state is JobState.UNKNOWN
    assert reconcile(world, DUE_AT + RECONCILE_AFTER + timedelta(minutes=5)).adopted == 1


def status_callback(sid: str, status: str) -> StatusCallback:
    return StatusCallback(sid, status, None, DUE_AT + timedelta(minutes=30))


# ---- messages left without a final status: asked about once a day ----


def sent_and_silent(world: World, twilio: FakeTwilio) -> tuple[sender_world.Booking, str]:
    booking = world.book(world.clinic())
    world.queue_and_deliver()
    job = world.job(booking)
    assert job.state is JobState.SENT
    return booking, job.twilio_sid or ""


def logged(world: World, booking: sender_world.Booking) -> MessageRecord:
    [message] = DynamoMessageLog(world.table).for_patient(booking.patient_id)
    return message


def test_a_message_without_a_final_callback_gets_twilios_status_a_day_later(
    world: World, twilio: FakeTwilio
) -> None:
    booking, sid = sent_and_silent(world, twilio)
    twilio.set_status(sid, "delivered")

    assert reconcile(world, DUE_AT + timedelta(hours=23)).statuses_fetched == 0  # not a day yet
    assert reconcile(world, DUE_AT + timedelta(hours=24)).statuses_fetched == 1

    assert logged(world, booking).status == "delivered"
    assert reconcile(world, DUE_AT + timedelta(hours=48)).statuses_fetched == 0  # final: asked no more


def test_a_message_twilio_still_holds_as_sent_is_asked_about_daily_for_three_days(
    world: World, twilio: FakeTwilio
) -> None:
    booking, sid = sent_and_silent(world, twilio)
    twilio.set_status(sid, "sent")

    fetched = [
        reconcile(world, DUE_AT + timedelta(hours=hours)).statuses_fetched for hours in (24, 48, 72, 96)
    ]

    assert fetched == [1, 1, 1, 0]
    assert logged(world, booking).status == "sent"


def test_a_send_adopted_without_a_final_status_is_asked_about_a_day_after_it_went(
    world: World, twilio: FakeTwilio
) -> None:
    booking = unknown_after(world, twilio, Reply.DROP)
    assert reconcile(world, DUE_AT + RECONCILE_AFTER).adopted == 1
    sid = world.job(booking).twilio_sid or ""
    assert logged(world, booking).status == "sent"  # as Twilio's list had it: not final
    twilio.set_status(sid, "delivered")

    assert reconcile(world, DUE_AT + timedelta(hours=23)).statuses_fetched == 0
    assert reconcile(world, DUE_AT + timedelta(hours=24)).statuses_fetched == 1

    assert logged(world, booking).status == "delivered"


def test_a_fetched_21610_opts_the_patient_out_as_a_callback_would(world: World, twilio: FakeTwilio) -> None:
    booking, sid = sent_and_silent(world, twilio)
    twilio.set_status(sid, "undelivered", error_code="21610")

    reconcile(world, DUE_AT + timedelta(hours=24))

    message = logged(world, booking)
    assert (message.status, message.error_code) == ("undelivered", "21610")
    assert world.patients.get(booking.clinic_id, booking.patient_id).opted_out


def test_a_final_status_callback_takes_the_message_off_the_daily_checks(
    world: World, twilio: FakeTwilio
) -> None:
    _, sid = sent_and_silent(world, twilio)
    DynamoStatuses(world.table).apply(status_callback(sid, "delivered"))

    assert reconcile(world, DUE_AT + timedelta(hours=24)).statuses_fetched == 0
