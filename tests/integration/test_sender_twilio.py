"""The scheduler and the sender on moto, sending through the real Twilio SDK to a fake Twilio server.

The table and queue come from template.yaml (the shared `aws_resources` fixture); the
repositories, the admin use case, the scheduler pass and the sender's Lambda handler are the
real ones. Only Twilio is a double, over HTTP.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from infra.local_http import LambdaContext, sqs_event
from infra.template import AwsClients, CreatedResources
from tests.fakes.twilio_server import FakeTwilio, Reply
from touchpoint import bootstrap
from touchpoint.adapters import twilio_sms
from touchpoint.adapters.dynamo.alerts import DynamoAlerts
from touchpoint.adapters.dynamo.appointments import DynamoAppointments
from touchpoint.adapters.dynamo.clinics import DynamoClinics
from touchpoint.adapters.dynamo.jobs import DynamoJobs
from touchpoint.adapters.dynamo.messages import DynamoMessageLog
from touchpoint.adapters.dynamo.patients import DynamoPatients
from touchpoint.adapters.dynamo.status import DynamoStatuses
from touchpoint.adapters.dynamo.surveys import DynamoSurveys
from touchpoint.adapters.dynamo.table import Table
from touchpoint.adapters.sqs_queue import SqsJobQueue, parse_job_message
from touchpoint.domain.appointment import Job, JobState
from touchpoint.domain.consent import ConsentAction, ConsentChange, ConsentSource
from touchpoint.domain.delivery import JobRef, SmsReceipt
from touchpoint.domain.inbound import StatusCallback
from touchpoint.domain.ports.sms import SmsGateway
from touchpoint.handlers import sender as sender_handler
from touchpoint.usecases.admin import Admin
from touchpoint.usecases.inbound import apply_status
from touchpoint.usecases.scheduling import PassResult, run_scheduler_pass
from touchpoint.usecases.sending import Sender

pytestmark = pytest.mark.enable_socket  # the fake Twilio listens on 127.0.0.1

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "integration-auth-token"
PUBLIC_URL = "https://touchpoint.example.test"
STATUS_CALLBACK = PUBLIC_URL + "/twilio/status"

CLINIC_NUMBER = "+15005550006"
MESSAGING_SERVICE = "MG" + "0123456789abcdef" * 2

# Tuesday 5 March 2030, 15:00 in New York (EST, UTC-5); the PT2H reminder falls due at 13:00.
BOOKED_AT = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
STARTS_AT = "2030-03-05T15:00:00-05:00"
DUE_AT = datetime(2030, 3, 5, 18, 0, tzinfo=UTC)
EXPECTED_BODY = (
    "Hi Ana, reminder: your appointment at Calm Waters is Tue Mar 5 at 3:00 PM. "
    "Reply C to confirm or R to reschedule. Reply STOP to opt out."
)


def clinic_settings(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Calm Waters",
        "timezone": "America/New_York",
        "sender": CLINIC_NUMBER,
        "phone": "+12125550100",
        "quiet_hours": {"start": "21:00", "end": "08:00"},
        "reminders": [{"before": "PT2H"}],
        "discreet": True,
    } | overrides


class ProcessDied(BaseException):
    """Stands in for the runtime killing the sender (timeout, out of memory): nothing catches it."""


@dataclass
class Booking:
    clinic_id: str
    patient_id: str
    phone: str
    appointment_id: str
    job: Job


class World:
    """One clinic's data on moto, the send queue, and the sender wired to the fake Twilio."""

    def __init__(
        self, aws: AwsClients, created: CreatedResources, gateway: SmsGateway, twilio: FakeTwilio
    ) -> None:
        self.queue_url = created["queue_url"]
        self.sqs = aws.sqs
        self.table = Table(aws.dynamodb, created["table_name"])
        self.patients = DynamoPatients(self.table)
        self.appointments = DynamoAppointments(self.table)
        self.jobs = DynamoJobs(self.table)
        self.log = DynamoMessageLog(self.table)
        self.queue = SqsJobQueue(self.sqs, self.queue_url)
        self.admin = Admin(
            DynamoClinics(self.table),
            self.patients,
            self.appointments,
            self.log,
            DynamoAlerts(self.table),
            DynamoSurveys(self.table),
        )
        self.gateway = gateway
        self.twilio = twilio

    # ---- booking ----

    def clinic(self, **overrides: Any) -> str:
        return self.admin.create_clinic(clinic_settings(**overrides), BOOKED_AT).clinic_id

    def book(
        self,
        clinic_id: str,
        *,
        phone: str = "+1 555-123-0001",
        first_name: str = "Ana",
        starts_at: str = STARTS_AT,
    ) -> Booking:
        patient = self.admin.create_patient(clinic_id, {"first_name": first_name, "phone": phone}, BOOKED_AT)
        view = self.admin.create_appointment(
            clinic_id, {"patient_id": patient.patient_id, "starts_at": starts_at}, BOOKED_AT
        )
        [job] = view.messages
        assert job.state is JobState.PENDING
        return Booking(clinic_id, patient.patient_id, patient.phone, view.appointment.appointment_id, job)

    def job(self, booking: Booking) -> Job:
        _, jobs = self.appointments.get(booking.appointment_id)
        [job] = [job for job in jobs if job.job_id == booking.job.job_id]
        return job

    # ---- the scheduler and the queue ----

    def schedule(self, now: datetime = DUE_AT) -> PassResult:
        return run_scheduler_pass(self.jobs, self.queue, now)

    def receive(self) -> list[dict[str, Any]]:
        """Everything on the send queue (each SQS message once: received messages turn invisible)."""
        messages: list[dict[str, Any]] = []
        while batch := self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
        ).get("Messages", []):
            messages += batch
        return messages

    def event(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return sqs_event(messages, self.queue_url)

    # ---- the sender's Lambda ----

    def deliver(
        self,
        event: dict[str, Any],
        now: datetime = DUE_AT,
        gateway: SmsGateway | None = None,
    ) -> dict[str, Any]:
        service = Sender(self.jobs, self.patients, gateway or self.gateway)
        response: dict[str, Any] = sender_handler.handler(  # type: ignore[assignment]
            event,
            LambdaContext("touchpoint-sender"),  # type: ignore[arg-type]
            sender=service,
            clock=lambda: now,
        )
        return response

    def queue_and_deliver(self, now: datetime = DUE_AT) -> tuple[dict[str, Any], dict[str, Any]]:
        """One scheduler pass, then the sender on what it queued; returns (event, response)."""
        assert self.schedule(now).queued >= 1
        event = self.event(self.receive())
        return event, self.deliver(event, now)


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as server:
        yield server


@pytest.fixture
def quiet_powertools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "touchpoint")


@pytest.fixture
def gateway(
    monkeypatch: pytest.MonkeyPatch, twilio: FakeTwilio, aws_resources: CreatedResources
) -> SmsGateway:
    """The SMS gateway exactly as bootstrap builds it for the sender from the function's environment."""
    monkeypatch.setenv("PUBLIC_URL", PUBLIC_URL)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("TWILIO_API_BASE_URL", twilio.base_url)
    monkeypatch.delenv("TWILIO_SECRET_NAME", raising=False)
    bootstrap.reset()
    try:
        built = bootstrap.sms_gateway()
    finally:
        bootstrap.reset()
    assert isinstance(built, twilio_sms.TwilioSms)
    return built


@pytest.fixture
def world(
    aws: AwsClients,
    aws_resources: CreatedResources,
    gateway: SmsGateway,
    twilio: FakeTwilio,
    quiet_powertools: None,
) -> World:
    return World(aws, aws_resources, gateway, twilio)


def failed_ids(response: dict[str, Any]) -> list[str]:
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def job_ids(messages: Iterable[dict[str, Any]]) -> list[str]:
    return [parse_job_message(message["Body"]).job_id for message in messages]


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


# ---- crashes and redelivery ----


class SendsThenCrashes:
    """Hands the message to Twilio, then the process dies on the `crash_on`-th send."""

    def __init__(self, inner: SmsGateway, crash_on: int, crash: BaseException) -> None:
        self.inner = inner
        self.crash_on = crash_on
        self.crash = crash
        self.calls = 0

    def send(self, *, to: str, sender: str, body: str) -> SmsReceipt:
        self.calls += 1
        receipt = self.inner.send(to=to, sender=sender, body=body)
        if self.calls == self.crash_on:
            raise self.crash
        return receipt


def book_four(world: World) -> list[Booking]:
    clinic_id = world.clinic()
    return [
        world.book(clinic_id, phone=f"+1555123000{n}", first_name=name)
        for n, name in enumerate(("Ana", "Ben", "Cy", "Dee"), start=1)
    ]


def test_process_dying_after_twilio_took_the_second_of_four_then_full_redelivery_sends_none_twice(
    world: World, twilio: FakeTwilio
) -> None:
    bookings = book_four(world)
    assert world.schedule().queued == 4
    messages = world.receive()
    event = world.event(messages)
    order = job_ids(messages)

    with pytest.raises(ProcessDied):
        world.deliver(event, gateway=SendsThenCrashes(world.gateway, 2, ProcessDied()))
    redelivered = world.deliver(event, DUE_AT + timedelta(minutes=3))

    assert failed_ids(redelivered) == []
    assert Counter(request.form["To"] for request in twilio.messages) == Counter(
        booking.phone for booking in bookings
    )
    assert len(twilio.requests) == 4
    states = {booking.job.job_id: world.job(booking) for booking in bookings}
    interrupted = states[order[1]]
    assert (interrupted.state, interrupted.reason) == (JobState.UNKNOWN, "interrupted_while_sending")
    assert [states[job_id].state for job_id in (order[0], order[2], order[3])] == [JobState.SENT] * 3


def test_an_error_after_twilio_took_the_message_retries_the_record_without_resending(
    world: World, twilio: FakeTwilio
) -> None:
    bookings = book_four(world)
    world.schedule()
    messages = world.receive()
    event = world.event(messages)
    order = job_ids(messages)

    first = world.deliver(event, gateway=SendsThenCrashes(world.gateway, 2, RuntimeError("lost reply")))
    retried = [m for m in messages if m["MessageId"] in failed_ids(first)]
    second = world.deliver(world.event(retried), DUE_AT + timedelta(minutes=3))

    assert failed_ids(first) == [messages[1]["MessageId"]]
    assert failed_ids(second) == []
    assert len(twilio.requests) == 4
    assert sorted(Counter(r.form["To"] for r in twilio.messages).values()) == [1, 1, 1, 1]
    states = {booking.job.job_id: world.job(booking).state for booking in bookings}
    assert states[order[1]] is JobState.UNKNOWN


def test_a_send_interrupted_after_twilio_took_it_is_listed_in_the_patients_log_as_unknown(
    world: World, twilio: FakeTwilio
) -> None:
    """Twilio delivers it, so the clinic must see it, like any other message of unknown outcome."""
    booking = world.book(world.clinic())
    world.schedule()
    event = world.event(world.receive())
    with pytest.raises(ProcessDied):
        world.deliver(event, gateway=SendsThenCrashes(world.gateway, 1, ProcessDied()))

    world.deliver(event, DUE_AT + timedelta(minutes=3))

    assert len(twilio.messages_to(booking.phone)) == 1
    assert world.job(booking).state is JobState.UNKNOWN
    logged = [
        (message.direction, message.status, message.job_id)
        for message in world.log.for_patient(booking.patient_id)
    ]
    assert logged == [("outbound", "unknown", booking.job.job_id)]


# ---- the scheduler's claims ----


class PassRunsBetween:
    """A job repository whose `due` query has been read in full, and before it yields the
    `before`-th job (i.e. before this pass claims it) a whole other pass runs."""

    def __init__(self, inner: DynamoJobs, before: int, other_pass: Callable[[], PassResult]) -> None:
        self.inner = inner
        self.before = before
        self.other_pass = other_pass
        self.other: PassResult | None = None

    def due(self, now: datetime, lookback: timedelta) -> Iterator[JobRef]:
        refs = list(self.inner.due(now, lookback))
        for index, ref in enumerate(refs):
            if index == self.before:
                self.other = self.other_pass()
            yield ref

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.mark.parametrize("before", [0, 1, 2], ids=["before-any-claim", "after-one-claim", "after-two-claims"])
def test_a_scheduler_pass_running_between_another_passs_query_and_claims_queues_each_job_once(
    world: World, before: int
) -> None:
    bookings = book_four(world)
    interleaved = PassRunsBetween(world.jobs, before, lambda: world.schedule())

    first = run_scheduler_pass(interleaved, world.queue, DUE_AT)  # type: ignore[arg-type]

    assert interleaved.other is not None
    assert first.due == 4
    assert first.queued + interleaved.other.queued == 4
    queued = job_ids(world.receive())
    assert sorted(queued) == sorted(booking.job.job_id for booking in bookings)
    assert {world.job(booking).state for booking in bookings} == {JobState.QUEUED}


def test_a_second_scheduler_pass_at_the_same_instant_queues_nothing(world: World) -> None:
    book_four(world)

    first, second = world.schedule(), world.schedule()

    assert (first.queued, second.queued, second.due) == (4, 0, 0)
    assert len(world.receive()) == 4


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


class RefusingQueue:
    """SQS takes none of the entries (each comes back in `Failed`)."""

    def enqueue(self, refs: list[JobRef]) -> list[JobRef]:
        return list(refs)


class UnavailableQueue:
    """SQS cannot be reached: the send call itself fails."""

    def enqueue(self, refs: list[JobRef]) -> list[JobRef]:
        raise ConnectionError("SQS endpoint unreachable")


def test_jobs_the_queue_refuses_go_back_to_pending_and_the_next_pass_queues_them(world: World) -> None:
    bookings = book_four(world)

    refused = run_scheduler_pass(world.jobs, RefusingQueue(), DUE_AT)
    states = {world.job(booking).state for booking in bookings}
    retried = world.schedule(DUE_AT + timedelta(minutes=1))

    assert (refused.queued, refused.released) == (0, 4)
    assert states == {JobState.PENDING}
    assert retried.queued == 4
    assert len(world.receive()) == 4


def test_jobs_claimed_by_a_pass_whose_queue_is_unreachable_are_queued_by_a_later_pass(world: World) -> None:
    """A failed pass is retried by the next one: it must not strand the jobs it had claimed."""
    bookings = book_four(world)
    with pytest.raises(ConnectionError):
        run_scheduler_pass(world.jobs, UnavailableQueue(), DUE_AT)

    retried = world.schedule(DUE_AT + timedelta(minutes=1))

    assert retried.queued == 4, {booking.job.job_id: world.job(booking).state for booking in bookings}
    assert sorted(job_ids(world.receive())) == sorted(booking.job.job_id for booking in bookings)


# ---- each function's IAM policy allows the DynamoDB calls its code makes ----


def record_dynamodb_calls(world: World) -> list[tuple[str, str | None]]:
    """(IAM action, index name or None) of every DynamoDB call through the world's client."""
    calls: list[tuple[str, str | None]] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name == "TransactWriteItems":
            for item in params["TransactItems"]:
                [kind] = item
                action = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}.get(
                    kind, "ConditionCheckItem"
                )
                calls.append((f"dynamodb:{action}", None))
            return
        calls.append((f"dynamodb:{model.name}", params.get("IndexName")))

    world.table.client.meta.events.register("before-parameter-build.dynamodb.*", record)
    return calls


def _resource_pattern(resource: Any) -> str:
    """A policy resource, the table's ARN written TABLE: `!GetAtt Table.Arn`, `!Sub ${Table.Arn}/...`."""
    if resource == {"Fn::GetAtt": ["Table", "Arn"]}:
        return "TABLE"
    if isinstance(resource, dict) and isinstance(resource.get("Fn::Sub"), str):
        return resource["Fn::Sub"].replace("${Table.Arn}", "TABLE")
    return str(resource)


def denied(function: str, calls: Iterable[tuple[str, str | None]]) -> set[tuple[str, str]]:
    """The calls no Allow statement of the function's inline policies grants."""
    from fnmatch import fnmatchcase

    from infra.template import load_template

    policies = load_template()["Resources"][function]["Properties"]["Policies"]
    grants: list[tuple[str, str]] = []
    for policy in policies:
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            if statement.get("Effect") != "Allow":
                continue
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            grants += [(action, _resource_pattern(resource)) for action in actions for resource in resources]
    missing: set[tuple[str, str]] = set()
    for action, index in calls:
        resource = f"TABLE/index/{index}" if index else "TABLE"
        if not any(fnmatchcase(action, a) and fnmatchcase(resource, r) for a, r in grants):
            missing.add((action, resource))
    return missing


def test_the_scheduler_policy_allows_every_dynamodb_call_of_a_pass_including_releasing_refused_jobs(
    world: World,
) -> None:
    book_four(world)
    calls = record_dynamodb_calls(world)

    run_scheduler_pass(world.jobs, RefusingQueue(), DUE_AT)
    world.schedule(DUE_AT + timedelta(minutes=1))

    assert calls
    assert denied("SchedulerFunction", calls) == set()


def test_the_sender_policy_allows_every_dynamodb_call_of_its_deliveries(
    world: World, twilio: FakeTwilio
) -> None:
    bookings = book_four(world)
    world.schedule()
    messages = world.receive()
    world.patients.record_consent(
        ConsentChange(
            bookings[3].patient_id,
            bookings[3].clinic_id,
            ConsentAction.OPT_OUT,
            ConsentSource.ADMIN,
            BOOKED_AT,
        )
    )
    calls = record_dynamodb_calls(world)
    twilio.script(Reply.UNSUBSCRIBED, Reply.SERVER_ERROR, Reply.TOO_MANY_REQUESTS)

    world.deliver(world.event(messages))
    world.deliver(world.event(messages), DUE_AT + timedelta(minutes=3))

    assert {call[0] for call in calls} >= {"dynamodb:UpdateItem", "dynamodb:BatchGetItem", "dynamodb:PutItem"}
    assert denied("SenderFunction", calls) == set()


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
    booking = world.book(world.clinic())
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


def test_a_failure_before_twilio_puts_the_job_back_on_the_queue(world: World, twilio: FakeTwilio) -> None:
    booking = world.book(world.clinic())
    flaky = FailingOnce(world.jobs)
    world.jobs = flaky  # type: ignore[assignment]
    event, response = world.queue_and_deliver()

    assert failed_ids(response) == [record["messageId"] for record in event["Records"]]
    assert world.job(booking).state is JobState.QUEUED
    assert twilio.requests == []

    world.deliver(event, DUE_AT + timedelta(minutes=3))
    assert world.job(booking).state is JobState.SENT
    assert len(twilio.requests) == 1


class FailingOnce:
    """The job store, whose first read of a send's context fails (throttled, say)."""

    def __init__(self, inner: DynamoJobs) -> None:
        self.inner = inner
        self.failed = False

    def context(self, job: Job) -> Any:
        if not self.failed:
            self.failed = True
            raise RuntimeError("ProvisionedThroughputExceeded")
        return self.inner.context(job)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
