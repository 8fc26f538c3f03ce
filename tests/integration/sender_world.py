"""The sender's world on moto: one clinic's data, the send queue, the real scheduler pass and the
sender's Lambda handler, sending through the real Twilio SDK to a fake Twilio server.

The table and queue come from template.yaml (the shared `aws_resources` fixture); the
repositories, the admin use case, the scheduler pass and the sender's Lambda handler are the
real ones. Only Twilio is a double, over HTTP.

Used by the sender integration tests (test_sender_*.py, test_scheduler_queueing_and_iam.py):
each assigns the fixtures below to module names, e.g. `world = sender_world.world`, and marks
itself `enable_socket` for the fake Twilio.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.local_http import LambdaContext, sqs_event
from infra.template import AwsClients, CreatedResources
from tests.fakes.twilio_server import FakeTwilio
from touchpoint import bootstrap
from touchpoint.adapters import twilio_sms
from touchpoint.adapters.dynamo.alerts import DynamoAlerts
from touchpoint.adapters.dynamo.appointments import DynamoAppointments
from touchpoint.adapters.dynamo.audit import DynamoAudit
from touchpoint.adapters.dynamo.clinics import DynamoClinics
from touchpoint.adapters.dynamo.courses import DynamoCourses
from touchpoint.adapters.dynamo.jobs import DynamoJobs
from touchpoint.adapters.dynamo.lists import DynamoLists
from touchpoint.adapters.dynamo.messages import DynamoMessageLog
from touchpoint.adapters.dynamo.patients import DynamoPatients
from touchpoint.adapters.dynamo.surveys import DynamoSurveys
from touchpoint.adapters.dynamo.table import Table
from touchpoint.adapters.sqs_queue import SqsJobQueue, parse_job_message
from touchpoint.domain.appointment import Job, JobState
from touchpoint.domain.ports.sms import SmsGateway
from touchpoint.handlers import sender as sender_handler
from touchpoint.usecases.admin import Admin
from touchpoint.usecases.scheduling import PassResult, run_scheduler_pass
from touchpoint.usecases.sending import Sender

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
            DynamoAudit(self.table),
            DynamoLists(self.table),
            DynamoCourses(self.table),
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


def book_four(world: World) -> list[Booking]:
    clinic_id = world.clinic()
    return [
        world.book(clinic_id, phone=f"+1555123000{n}", first_name=name)
        for n, name in enumerate(("Ana", "Ben", "Cy", "Dee"), start=1)
    ]
