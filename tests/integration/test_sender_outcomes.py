"""What the sender hands Twilio and what each of Twilio's answers makes of the job, on moto
through the real Twilio SDK to a fake Twilio server: the request Twilio receives (number or
messaging service, E.164 phone, status callback) and the job ending sent with its SID in the
patient's log; a 429 retried without a double send; a 500, a dropped connection or a client
timeout leaving the outcome unknown and never resent; 21610 opting the patient out, 21211 not;
and a later status callback for a SID never seen settling an unknown send only when it can
tell which one.
"""

from datetime import datetime, timedelta

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from tests.fakes.twilio_server import FakeTwilio, Reply
from tests.integration import sender_world
from tests.integration.sender_world import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BOOKED_AT,
    CLINIC_NUMBER,
    DUE_AT,
    EXPECTED_BODY,
    MESSAGING_SERVICE,
    STARTS_AT,
    STATUS_CALLBACK,
    World,
    failed_ids,
)
from touchpoint.adapters import twilio_sms
from touchpoint.adapters.dynamo.status import DynamoStatuses
from touchpoint.adapters.sqs_queue import parse_job_message
from touchpoint.domain.appointment import JobState
from touchpoint.domain.inbound import StatusCallback
from touchpoint.usecases.inbound import apply_status

pytestmark = pytest.mark.enable_socket  # the fake Twilio listens on 127.0.0.1

# sender_world's fixtures, under the names the tests ask for.
twilio = sender_world.twilio
quiet_powertools = sender_world.quiet_powertools
gateway = sender_world.gateway
world = sender_world.world


# ---- what Twilio receives ----


def test_reminder_goes_to_twilio_from_the_clinic_number_to_the_e164_phone_with_status_callback(
    world: World, twilio: FakeTwilio
) -> None:
    booking = world.book(world.clinic(), phone="+1 (555) 123-0001")

    _, response = world.queue_and_deliver()

    assert response == {"batchItemFailures": []}
    [request] = twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert request.form == {
        "To": "+15551230001",
        "From": CLINIC_NUMBER,
        "Body": EXPECTED_BODY,
        "StatusCallback": STATUS_CALLBACK,
    }
    assert booking.phone == "+15551230001"


def test_clinic_with_messaging_service_sends_messaging_service_sid_and_no_from(
    world: World, twilio: FakeTwilio
) -> None:
    world.book(world.clinic(sender=MESSAGING_SERVICE))

    world.queue_and_deliver()

    [request] = twilio.requests
    assert request.form["MessagingServiceSid"] == MESSAGING_SERVICE
    assert "From" not in request.form
    assert request.form["To"] == "+15551230001"
    assert request.form["StatusCallback"] == STATUS_CALLBACK


def test_sent_reminder_ends_sent_with_the_twilio_sid_and_is_in_the_patients_log(
    world: World, twilio: FakeTwilio
) -> None:
    booking = world.book(world.clinic())

    world.queue_and_deliver()

    [taken] = twilio.messages
    job = world.job(booking)
    assert job.state is JobState.SENT
    assert job.twilio_sid == taken.sid
    assert taken.sid is not None
    assert taken.sid.startswith("SM")
    assert len(taken.sid) == 34
    [logged] = world.log.for_patient(booking.patient_id)
    assert (logged.direction, logged.body, logged.twilio_sid, logged.job_id) == (
        "outbound",
        EXPECTED_BODY,
        taken.sid,
        booking.job.job_id,
    )
    assert logged.status == "queued"
    assert logged.at == DUE_AT


# ---- Twilio refuses or fails ----


def test_twilio_429_reports_the_record_for_retry_and_puts_the_job_back_in_queued(
    world: World, twilio: FakeTwilio
) -> None:
    clinic_id = world.clinic()
    throttled = world.book(clinic_id, phone="+15551230001")
    other = world.book(clinic_id, phone="+15551230002", first_name="Ben")
    assert world.schedule().queued == 2
    messages = world.receive()
    # Twilio throttles whichever request comes first.
    first = next(m for m in messages if parse_job_message(m["Body"]).job_id == throttled.job.job_id)
    messages = [first, *(m for m in messages if m is not first)]
    twilio.script(Reply.TOO_MANY_REQUESTS)

    response = world.deliver(world.event(messages))

    assert failed_ids(response) == [first["MessageId"]]
    assert world.job(throttled).state is JobState.QUEUED
    assert world.job(other).state is JobState.SENT
    assert twilio.messages_to(throttled.phone) == []


def test_a_throttled_reminder_redelivered_later_is_sent_exactly_once(
    world: World, twilio: FakeTwilio
) -> None:
    clinic_id = world.clinic()
    throttled = world.book(clinic_id, phone="+15551230001")
    world.book(clinic_id, phone="+15551230002", first_name="Ben")
    world.schedule()
    messages = sorted(
        world.receive(), key=lambda m: parse_job_message(m["Body"]).job_id != throttled.job.job_id
    )
    twilio.script(Reply.TOO_MANY_REQUESTS)
    response = world.deliver(world.event(messages))
    retry = [m for m in messages if m["MessageId"] in failed_ids(response)]

    later = world.deliver(world.event(retry), DUE_AT + timedelta(minutes=1))
    again = world.deliver(world.event(retry), DUE_AT + timedelta(minutes=2))

    assert failed_ids(later) == failed_ids(again) == []
    assert len(twilio.messages_to(throttled.phone)) == 1
    assert len(twilio.requests_to(throttled.phone)) == 2  # the throttled attempt, then the one taken
    assert world.job(throttled).state is JobState.SENT


def test_twilio_429_on_a_batch_of_one_is_reported_in_batch_item_failures(
    world: World, twilio: FakeTwilio
) -> None:
    """A throttle is an ordinary partial failure: the handler reports it, it does not crash."""
    booking = world.book(world.clinic())
    world.schedule()
    [message] = world.receive()
    twilio.script(Reply.TOO_MANY_REQUESTS)

    try:
        response = world.deliver(world.event([message]))
    except BatchProcessingError:
        pytest.fail("the sender raised BatchProcessingError instead of reporting the throttled record")

    assert failed_ids(response) == [message["MessageId"]]
    assert world.job(booking).state is JobState.QUEUED


def test_twilio_500_leaves_the_job_unknown_and_not_retried(world: World, twilio: FakeTwilio) -> None:
    booking = world.book(world.clinic())
    twilio.script(Reply.SERVER_ERROR)

    _event, response = world.queue_and_deliver()

    assert failed_ids(response) == []
    job = world.job(booking)
    assert job.state is JobState.UNKNOWN
    assert job.reason == "twilio_outcome_unknown"
    [logged] = world.log.for_patient(booking.patient_id)
    assert logged.status == "unknown"


def test_redelivering_the_record_of_an_unknown_outcome_never_calls_twilio_again(
    world: World, twilio: FakeTwilio
) -> None:
    booking = world.book(world.clinic())
    twilio.script(Reply.SERVER_ERROR)
    event, _ = world.queue_and_deliver()

    redelivered = world.deliver(event, DUE_AT + timedelta(minutes=3))

    assert failed_ids(redelivered) == []
    assert len(twilio.requests) == 1
    assert world.job(booking).state is JobState.UNKNOWN


def test_twilio_21610_fails_the_job_and_opts_the_patient_out(world: World, twilio: FakeTwilio) -> None:
    booking = world.book(world.clinic())
    twilio.script(Reply.UNSUBSCRIBED)

    _, response = world.queue_and_deliver()

    assert failed_ids(response) == []
    job = world.job(booking)
    assert job.state is JobState.FAILED
    assert job.error_code == "21610"
    assert world.patients.get(booking.clinic_id, booking.patient_id).opted_out is True
    [logged] = world.log.for_patient(booking.patient_id)
    assert (logged.status, logged.error_code) == ("failed", "21610")


def test_twilio_21211_fails_the_job_without_opting_the_patient_out(world: World, twilio: FakeTwilio) -> None:
    booking = world.book(world.clinic())
    twilio.script(Reply.INVALID_TO)

    world.queue_and_deliver()

    job = world.job(booking)
    assert (job.state, job.error_code) == (JobState.FAILED, "21211")
    assert world.patients.get(booking.clinic_id, booking.patient_id).opted_out is False


def test_a_connection_dropped_before_twilio_answers_leaves_the_job_unknown(
    world: World, twilio: FakeTwilio
) -> None:
    booking = world.book(world.clinic())
    twilio.script(Reply.DROP)

    event, response = world.queue_and_deliver()
    world.deliver(event, DUE_AT + timedelta(minutes=3))

    assert failed_ids(response) == []
    assert world.job(booking).state is JobState.UNKNOWN
    assert len(twilio.requests) == 1


def test_twilio_answering_after_the_client_timeout_leaves_the_job_unknown(
    world: World, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(twilio_sms, "TWILIO_TIMEOUT_SECONDS", 0.5)
    impatient = twilio_sms.TwilioSms(ACCOUNT_SID, AUTH_TOKEN, STATUS_CALLBACK, twilio.base_url)
    booking = world.book(world.clinic())
    world.schedule()
    event = world.event(world.receive())
    twilio.script(Reply.STALL)

    response = world.deliver(event, gateway=impatient)

    assert failed_ids(response) == []
    assert world.job(booking).state is JobState.UNKNOWN
    assert len(twilio.messages) == 1  # Twilio took it: this is why it must not be sent again


# ---- reconciling a send that timed out ----


def status_callback(
    sid: str, status: str, at: datetime, *, to: str, sender: str = CLINIC_NUMBER
) -> StatusCallback:
    return StatusCallback(sid, status, None, at, to=to, sender=sender)


def test_a_callback_for_a_sid_never_seen_settles_the_one_unknown_send_to_that_number(
    world: World, twilio: FakeTwilio
) -> None:
    booking = world.book(world.clinic())
    twilio.script(Reply.SERVER_ERROR)
    world.queue_and_deliver()
    assert world.job(booking).state is JobState.UNKNOWN
    statuses = DynamoStatuses(world.table)
    sid = "SM" + "7" * 32

    known = apply_status(
        statuses,
        world.patients,
        status_callback(sid, "sent", DUE_AT + timedelta(minutes=1), to=booking.phone),
    )
    later = apply_status(
        statuses,
        world.patients,
        status_callback(sid, "delivered", DUE_AT + timedelta(minutes=2), to=booking.phone),
    )

    assert known
    assert later
    job = world.job(booking)
    assert (job.state, job.twilio_sid, job.reason) == (JobState.SENT, sid, "reconciled_from_status_callback")
    [logged] = world.log.for_patient(booking.patient_id)
    assert (logged.twilio_sid, logged.status) == (sid, "delivered")


def test_a_callback_for_a_sid_never_seen_adopts_nothing_when_two_sends_to_that_number_are_unknown(
    world: World, twilio: FakeTwilio
) -> None:
    # Two reminders in one day: without caps, or the second would be held.
    booking = world.book(world.clinic(frequency_caps=None))
    later_start = (datetime.fromisoformat(STARTS_AT) + timedelta(hours=1)).isoformat()
    world.admin.create_appointment(
        booking.clinic_id, {"patient_id": booking.patient_id, "starts_at": later_start}, BOOKED_AT
    )
    twilio.script(Reply.SERVER_ERROR, Reply.SERVER_ERROR)
    world.queue_and_deliver(DUE_AT + timedelta(hours=1))
    statuses = DynamoStatuses(world.table)

    ambiguous = apply_status(
        statuses,
        world.patients,
        status_callback("SM" + "8" * 32, "sent", DUE_AT + timedelta(hours=1), to=booking.phone),
    )

    assert not ambiguous  # which of the two? left for the clinic to judge
    assert world.job(booking).state is JobState.UNKNOWN


def test_a_callback_for_a_sid_never_seen_adopts_nothing_for_another_number_or_a_mere_queued(
    world: World, twilio: FakeTwilio
) -> None:
    booking = world.book(world.clinic())
    twilio.script(Reply.SERVER_ERROR)
    world.queue_and_deliver()
    statuses = DynamoStatuses(world.table)

    for_someone_else = apply_status(
        statuses, world.patients, status_callback("SM" + "8" * 32, "sent", DUE_AT, to="+15559990000")
    )
    queued_only = apply_status(
        statuses, world.patients, status_callback("SM" + "9" * 32, "queued", DUE_AT, to=booking.phone)
    )

    assert not for_someone_else
    assert not queued_only  # "queued" says nothing of the send: Twilio may still refuse it
    assert world.job(booking).state is JobState.UNKNOWN
