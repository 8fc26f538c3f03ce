"""The DynamoDB repositories on moto, with the table of template.yaml: round trips, uniqueness,
the due index and the conditional moves that keep every message sent at most once."""

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from mypy_boto3_dynamodb import DynamoDBClient

from tests.integration.moto_table import empty, item_count, module_table_fixture
from tests.unit.builders import clinic_body
from touchpoint.adapters.dynamo.appointments import DynamoAppointments
from touchpoint.adapters.dynamo.clinics import DynamoClinics
from touchpoint.adapters.dynamo.jobs import DynamoJobs
from touchpoint.adapters.dynamo.messages import DynamoMessageLog
from touchpoint.adapters.dynamo.patients import DynamoPatients
from touchpoint.adapters.dynamo.table import Table
from touchpoint.domain.appointment import Appointment, AppointmentStatus, Job, JobKind, JobState
from touchpoint.domain.clinic import Clinic, parse_clinic_settings
from touchpoint.domain.consent import ConsentAction, ConsentChange, ConsentSource
from touchpoint.domain.delivery import QUEUE_LEASE, JobRef, NotQueued
from touchpoint.domain.errors import Conflict, NotFound
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.patient import Patient
from touchpoint.domain.timeutil import parse_utc
from touchpoint.handlers.views import clinic_view
from touchpoint.usecases.scheduling import run_scheduler_pass

NOW = parse_utc("2026-12-01T12:30:00Z")
CREATED = parse_utc("2026-11-01T09:00:00Z")
STARTS = parse_utc("2026-12-02T20:00:00Z")

moto_table = module_table_fixture()


class Repos:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self.client = client
        table = Table(client, table_name)
        self.table = table
        self.clinics = DynamoClinics(table)
        self.patients = DynamoPatients(table)
        self.appointments = DynamoAppointments(table)
        self.jobs = DynamoJobs(table)
        self.messages = DynamoMessageLog(table)

    def count(self) -> int:
        return item_count(self.client, self.table.name)


@pytest.fixture
def repos(moto_table: tuple[DynamoDBClient, str]) -> Repos:
    client, table_name = moto_table
    empty(client, table_name)
    return Repos(client, table_name)


def clinic(clinic_id: str = "cl_1", **overrides: Any) -> Clinic:
    return Clinic(clinic_id, parse_clinic_settings(clinic_body(**overrides)), CREATED, CREATED)


def patient(patient_id: str = "pt_1", clinic_id: str = "cl_1", phone: str = "+15551230001") -> Patient:
    zone = parse_clinic_settings(clinic_body(timezone="America/Chicago")).timezone
    return Patient(patient_id, clinic_id, "Ana", phone, zone, opted_out=False, created_at=CREATED)


def appointment(
    appointment_id: str = "ap_1",
    *,
    clinic_id: str = "cl_1",
    starts_at: datetime = STARTS,
    status: AppointmentStatus = AppointmentStatus.SCHEDULED,
) -> Appointment:
    return Appointment(appointment_id, clinic_id, "pt_1", starts_at, 60, status, created_at=CREATED)


def job(
    job_id: str,
    due_at: datetime,
    state: JobState = JobState.PENDING,
    *,
    appointment_id: str = "ap_1",
    **extra: Any,
) -> Job:
    return Job(job_id, appointment_id, "cl_1", "pt_1", JobKind.REMINDER, "before:P1D", due_at, state, **extra)


def seeded(repos: Repos, jobs: list[Job], *, with_context: bool = True) -> None:
    if with_context:
        repos.clinics.add(clinic())
        repos.patients.add(patient())
    by_appointment: dict[str, list[Job]] = {}
    for planned in jobs:
        by_appointment.setdefault(planned.appointment_id, []).append(planned)
    # An hour apart: one patient is never booked twice at one instant.
    for hours, (appointment_id, its_jobs) in enumerate(by_appointment.items()):
        repos.appointments.add(
            appointment(appointment_id, starts_at=STARTS + timedelta(hours=hours)), its_jobs
        )


def message(message_id: str, at: datetime, patient_id: str = "pt_1", **extra: Any) -> MessageRecord:
    return MessageRecord(
        message_id, "cl_1", patient_id, "outbound", f"text {message_id}", "sent", at, **extra
    )


# ---- clinics -------------------------------------------------------------------------------


def test_a_clinic_round_trips(repos: Repos) -> None:
    stored = clinic(discreet=False, quiet_hours=None, follow_ups=[{"after": "P7D", "survey": "gad7"}])

    repos.clinics.add(stored)

    read = repos.clinics.get("cl_1")
    assert read == stored
    assert clinic_view(read) == clinic_view(stored)


def test_an_unknown_clinic_is_not_found(repos: Repos) -> None:
    with pytest.raises(NotFound) as caught:
        repos.clinics.get("cl_nope")
    assert caught.value.field == "clinic_id"


def test_a_sender_belongs_to_one_clinic(repos: Repos) -> None:
    repos.clinics.add(clinic("cl_1", sender="+15005550006"))
    count = repos.count()

    with pytest.raises(Conflict) as caught:
        repos.clinics.add(clinic("cl_2", sender="+15005550006"))

    assert "sender" in caught.value.message
    assert repos.count() == count
    with pytest.raises(NotFound):
        repos.clinics.get("cl_2")


def test_a_messaging_service_sid_is_unique_too(repos: Repos) -> None:
    sid = "MG" + "ab" * 16
    repos.clinics.add(clinic("cl_1", sender=sid))

    with pytest.raises(Conflict):
        repos.clinics.add(clinic("cl_2", sender="MG" + "AB" * 16))


def test_replacing_a_clinic_stores_the_new_settings(repos: Repos) -> None:
    old = clinic()
    repos.clinics.add(old)
    new = replace(old, settings=parse_clinic_settings(clinic_body(name="Renamed")), updated_at=NOW)

    repos.clinics.replace(old, new)

    read = repos.clinics.get("cl_1")
    assert read.settings.name == "Renamed"
    assert read.updated_at == NOW


def test_replacing_a_clinic_read_before_a_change_is_a_conflict(repos: Repos) -> None:
    old = clinic()
    repos.clinics.add(old)
    first = replace(old, settings=parse_clinic_settings(clinic_body(name="First")), updated_at=NOW)
    repos.clinics.replace(old, first)
    late = replace(old, settings=parse_clinic_settings(clinic_body(name="Late")), updated_at=NOW)

    with pytest.raises(Conflict):
        repos.clinics.replace(old, late)
    assert repos.clinics.get("cl_1").settings.name == "First"


def test_a_new_sender_is_reserved_and_the_old_one_freed(repos: Repos) -> None:
    old = clinic("cl_1", sender="+15005550006")
    repos.clinics.add(old)
    repos.clinics.add(clinic("cl_2", sender="+15005550007"))
    moved = replace(old, settings=parse_clinic_settings(clinic_body(sender="+15005550008")), updated_at=NOW)

    repos.clinics.replace(old, moved)

    repos.clinics.add(clinic("cl_3", sender="+15005550006"))
    with pytest.raises(Conflict):
        repos.clinics.add(clinic("cl_4", sender="+15005550008"))


def test_a_clinic_cannot_move_to_a_sender_of_another_clinic(repos: Repos) -> None:
    old = clinic("cl_1", sender="+15005550006")
    repos.clinics.add(old)
    repos.clinics.add(clinic("cl_2", sender="+15005550007"))
    taken = replace(old, settings=parse_clinic_settings(clinic_body(sender="+15005550007")), updated_at=NOW)

    with pytest.raises(Conflict):
        repos.clinics.replace(old, taken)
    assert repos.clinics.get("cl_1").settings.sender == "+15005550006"
    with pytest.raises(Conflict):
        repos.clinics.add(clinic("cl_3", sender="+15005550006"))


# ---- patients ------------------------------------------------------------------------------


def test_a_patient_round_trips_and_can_opt_out(repos: Repos) -> None:
    stored = patient()
    repos.patients.add(stored)

    assert repos.patients.get("cl_1", "pt_1") == stored
    repos.patients.record_consent(
        ConsentChange("pt_1", "cl_1", ConsentAction.OPT_OUT, ConsentSource.ADMIN, CREATED)
    )
    assert repos.patients.get("cl_1", "pt_1") == replace(stored, opted_out=True)


def test_a_patient_is_found_only_in_their_clinic(repos: Repos) -> None:
    repos.patients.add(patient())

    with pytest.raises(NotFound) as caught:
        repos.patients.get("cl_2", "pt_1")
    assert caught.value.field == "patient_id"


def test_a_phone_belongs_to_one_patient_per_clinic(repos: Repos) -> None:
    repos.patients.add(patient("pt_1", "cl_1", "+15551230001"))
    count = repos.count()

    with pytest.raises(Conflict) as caught:
        repos.patients.add(patient("pt_2", "cl_1", "+15551230001"))

    assert "phone" in caught.value.message
    assert repos.count() == count
    repos.patients.add(patient("pt_3", "cl_2", "+15551230001"))
    repos.patients.add(patient("pt_4", "cl_1", "+15551230002"))


# ---- appointments and plans ----------------------------------------------------------------


def test_an_appointment_round_trips_with_its_jobs(repos: Repos) -> None:
    jobs = [
        job("jb_1", parse_utc("2026-12-01T20:00:00Z")),
        job("jb_2", parse_utc("2026-11-30T20:00:00Z"), JobState.SKIPPED, reason="overdue"),
        replace(
            job("jb_3", parse_utc("2026-12-03T01:00:00Z")),
            kind=JobKind.FOLLOW_UP,
            rule="after:PT4H",
            survey="anxiety-now",
        ),
    ]

    repos.appointments.add(appointment(), jobs)

    read, read_jobs = repos.appointments.get("ap_1")
    assert read == appointment()
    assert sorted(read_jobs, key=lambda j: j.job_id) == jobs


def test_an_unknown_appointment_is_not_found(repos: Repos) -> None:
    with pytest.raises(NotFound) as caught:
        repos.appointments.get("ap_nope")
    assert caught.value.field == "appointment_id"


def test_an_appointment_is_added_once(repos: Repos) -> None:
    repos.appointments.add(appointment(), [job("jb_1", NOW)])

    with pytest.raises(Conflict):
        repos.appointments.add(appointment(), [job("jb_2", NOW)])
    assert [j.job_id for j in repos.appointments.get("ap_1")[1]] == ["jb_1"]


def test_open_for_clinic_lists_the_appointments_not_cancelled_starting_after_an_instant(repos: Repos) -> None:
    for appointment_id, starts, status, clinic_id in [
        ("ap_past", "2026-11-20T15:00:00Z", AppointmentStatus.SCHEDULED, "cl_1"),
        ("ap_late", "2026-12-09T15:00:00Z", AppointmentStatus.CONFIRMED, "cl_1"),
        ("ap_soon", "2026-12-02T15:00:00Z", AppointmentStatus.SCHEDULED, "cl_1"),
        ("ap_call", "2026-12-03T15:00:00Z", AppointmentStatus.RESCHEDULE_REQUESTED, "cl_1"),
        ("ap_cancelled", "2026-12-04T15:00:00Z", AppointmentStatus.CANCELLED, "cl_1"),
        ("ap_held", "2026-12-01T13:00:00Z", AppointmentStatus.COMPLETED, "cl_1"),
        ("ap_other", "2026-12-05T15:00:00Z", AppointmentStatus.SCHEDULED, "cl_2"),
    ]:
        repos.appointments.add(
            appointment(appointment_id, clinic_id=clinic_id, starts_at=parse_utc(starts), status=status), []
        )

    found = repos.appointments.open_for_clinic("cl_1", NOW)

    # A held appointment is listed too: its follow-ups are re-planned with the clinic's settings.
    assert [a.appointment_id for a in found] == ["ap_held", "ap_soon", "ap_call", "ap_late"]


def test_save_plan_stores_the_appointment_removes_and_puts_jobs(repos: Repos) -> None:
    old = [job("jb_1", NOW + timedelta(hours=1)), job("jb_2", NOW - timedelta(hours=1), JobState.SKIPPED)]
    repos.appointments.add(appointment(), old)
    moved = replace(appointment(), starts_at=parse_utc("2026-12-04T20:00:00Z"))
    new = [job("jb_3", parse_utc("2026-12-03T20:00:00Z"))]

    repos.appointments.save_plan(moved, seen=AppointmentStatus.SCHEDULED, remove=old, put=new)

    read, jobs = repos.appointments.get("ap_1")
    assert read == moved
    assert jobs == new
    assert list(repos.jobs.due(parse_utc("2026-12-03T20:00:00Z"), timedelta(hours=48))) == [
        JobRef("ap_1", "jb_3")
    ]


def test_save_plan_refuses_to_remove_a_job_claimed_meanwhile(repos: Repos) -> None:
    pending = job("jb_1", NOW - timedelta(minutes=1))
    repos.appointments.add(appointment(), [pending])
    assert repos.jobs.claim_for_queue(JobRef("ap_1", "jb_1"), NOW)
    moved = replace(appointment(), starts_at=parse_utc("2026-12-04T20:00:00Z"))

    with pytest.raises(Conflict):
        repos.appointments.save_plan(
            moved,
            seen=AppointmentStatus.SCHEDULED,
            remove=[pending],
            put=[job("jb_2", NOW + timedelta(days=2))],
        )

    read, jobs = repos.appointments.get("ap_1")
    assert read == appointment()
    assert [(j.job_id, j.state) for j in jobs] == [("jb_1", JobState.QUEUED)]


def test_save_plan_refuses_to_overwrite_a_job_claimed_meanwhile(repos: Repos) -> None:
    pending = job("jb_1", NOW - timedelta(minutes=1))
    repos.appointments.add(appointment(), [pending])
    assert repos.jobs.claim_for_queue(JobRef("ap_1", "jb_1"), NOW)
    cancelled = replace(appointment(), status=AppointmentStatus.CANCELLED)

    with pytest.raises(Conflict):
        repos.appointments.save_plan(
            cancelled,
            seen=AppointmentStatus.SCHEDULED,
            remove=[],
            put=[replace(pending, state=JobState.CANCELLED, reason="appointment_cancelled")],
        )

    read, jobs = repos.appointments.get("ap_1")
    assert read.status is AppointmentStatus.SCHEDULED
    assert [(j.job_id, j.state) for j in jobs] == [("jb_1", JobState.QUEUED)]


def test_save_plan_cancels_a_job_still_pending_and_takes_it_off_the_due_index(repos: Repos) -> None:
    pending = job("jb_1", NOW - timedelta(minutes=1))
    repos.appointments.add(appointment(), [pending])
    cancelled = replace(appointment(), status=AppointmentStatus.CANCELLED)

    repos.appointments.save_plan(
        cancelled,
        seen=AppointmentStatus.SCHEDULED,
        remove=[],
        put=[replace(pending, state=JobState.CANCELLED)],
    )

    assert [j.state for j in repos.appointments.get("ap_1")[1]] == [JobState.CANCELLED]
    assert list(repos.jobs.due(NOW, timedelta(hours=24))) == []


def test_save_plan_refuses_to_overwrite_a_status_a_patients_reply_set_meanwhile(repos: Repos) -> None:
    repos.appointments.add(appointment(), [])
    read = appointment()
    requested = replace(read, status=AppointmentStatus.RESCHEDULE_REQUESTED)
    repos.appointments.save_plan(requested, seen=AppointmentStatus.SCHEDULED, remove=[], put=[])
    longer = replace(read, duration_minutes=90)  # an admin change made from the status it read

    with pytest.raises(Conflict):
        repos.appointments.save_plan(longer, seen=AppointmentStatus.SCHEDULED, remove=[], put=[])

    assert repos.appointments.get("ap_1")[0].status is AppointmentStatus.RESCHEDULE_REQUESTED


def test_save_plan_of_a_deleted_appointment_is_a_conflict(repos: Repos) -> None:
    with pytest.raises(Conflict):
        repos.appointments.save_plan(
            appointment("ap_gone"), seen=AppointmentStatus.SCHEDULED, remove=[], put=[]
        )
    assert repos.count() == 0


# ---- the due index -------------------------------------------------------------------------


def test_a_pass_marks_jobs_just_older_than_the_lookback_missed_and_queues_the_rest(repos: Repos) -> None:
    lookback = timedelta(hours=24)
    jobs = [
        job("jb_missed", NOW - lookback - timedelta(minutes=50)),
        job("jb_in_window", NOW - lookback + timedelta(minutes=40)),
    ]
    seeded(repos, jobs, with_context=False)

    result = run_scheduler_pass(repos.jobs, AcceptingQueue(), NOW, lookback)

    assert (result.queued, result.missed) == (1, 1)
    _, stored = repos.appointments.get("ap_1")
    states = {j.job_id: (j.state, j.reason) for j in stored}
    assert states == {"jb_missed": (JobState.SKIPPED, "missed"), "jb_in_window": (JobState.QUEUED, None)}
    again = run_scheduler_pass(repos.jobs, AcceptingQueue(), NOW + timedelta(minutes=1), lookback)
    assert (again.queued, again.missed) == (0, 0)


class AcceptingQueue:
    def enqueue(self, refs: list[JobRef]) -> list[JobRef]:
        return []


def test_due_returns_only_pending_jobs_due_by_now_across_hour_buckets_within_the_lookback(
    repos: Repos,
) -> None:
    offsets = {
        "jb_too_old": -timedelta(hours=30),
        "jb_23h": -timedelta(hours=23),
        "jb_5h": -timedelta(hours=5, minutes=10),
        "jb_2h": -timedelta(hours=2),
        "jb_this_hour": -timedelta(minutes=29),
        "jb_1min": -timedelta(minutes=1),
        "jb_now": timedelta(0),
        "jb_in_1s": timedelta(seconds=1),
        "jb_in_1min": timedelta(minutes=1),
        "jb_next_hour": timedelta(minutes=45),
        "jb_tomorrow": timedelta(days=1),
    }
    jobs = [job(job_id, NOW + offset) for job_id, offset in offsets.items()]
    jobs += [
        job("jb_skipped", NOW - timedelta(hours=1), JobState.SKIPPED, reason="overdue"),
        job("jb_cancelled", NOW - timedelta(hours=1), JobState.CANCELLED),
        job("jb_sent", NOW - timedelta(hours=3), JobState.SENT, twilio_sid="SM1"),
        job("jb_other_appt", NOW - timedelta(hours=4), appointment_id="ap_2"),
    ]
    seeded(repos, jobs, with_context=False)

    due = list(repos.jobs.due(NOW, timedelta(hours=24)))

    assert sorted(ref.job_id for ref in due) == sorted(
        ["jb_23h", "jb_5h", "jb_2h", "jb_this_hour", "jb_1min", "jb_now", "jb_other_appt"]
    )
    assert len(due) == len(set(due))
    assert JobRef("ap_2", "jb_other_appt") in due
    assert list(repos.jobs.due(NOW - timedelta(days=2), timedelta(hours=1))) == []


def test_claimed_jobs_leave_the_due_index_until_their_lease_ends_and_released_ones_come_back(
    repos: Repos,
) -> None:
    seeded(
        repos,
        [job("jb_1", NOW - timedelta(minutes=5)), job("jb_2", NOW - timedelta(minutes=3))],
        with_context=False,
    )
    claim = repos.jobs.claim_for_queue(JobRef("ap_1", "jb_1"), NOW)

    assert isinstance(claim, JobRef)
    assert claim.lease
    assert [ref.job_id for ref in repos.jobs.due(NOW, timedelta(hours=1))] == ["jb_2"]
    later = NOW + QUEUE_LEASE
    assert sorted(ref.job_id for ref in repos.jobs.due(later, timedelta(hours=1))) == ["jb_1", "jb_2"]

    repos.jobs.release_to_pending(claim)
    assert sorted(ref.job_id for ref in repos.jobs.due(NOW, timedelta(hours=1))) == ["jb_1", "jb_2"]


def test_a_job_is_claimed_once(repos: Repos) -> None:
    seeded(repos, [job("jb_1", NOW)], with_context=False)
    ref = JobRef("ap_1", "jb_1")

    assert repos.jobs.claim_for_queue(ref, NOW) is not None
    assert repos.jobs.claim_for_queue(ref, NOW) is None
    assert repos.jobs.claim_for_queue(JobRef("ap_1", "jb_missing"), NOW) is None


# ---- sending -------------------------------------------------------------------------------


def test_start_sending_moves_a_queued_job_to_sending_once(repos: Repos) -> None:
    seeded(repos, [job("jb_1", NOW)], with_context=False)
    ref = JobRef("ap_1", "jb_1")
    repos.jobs.claim_for_queue(ref, NOW)

    started = repos.jobs.start_sending(ref, NOW)
    again = repos.jobs.start_sending(ref, NOW)

    assert isinstance(started, Job)
    assert (started.job_id, started.state) == ("jb_1", JobState.SENDING)
    assert isinstance(again, NotQueued)
    assert again.job is not None
    assert again.job.state is JobState.SENDING


@pytest.mark.parametrize("state", [JobState.PENDING, JobState.SENT, JobState.CANCELLED, JobState.SKIPPED])
def test_start_sending_a_job_that_is_not_queued_returns_the_stored_job(repos: Repos, state: JobState) -> None:
    stored = job("jb_1", NOW, state)
    seeded(repos, [stored], with_context=False)

    refused = repos.jobs.start_sending(JobRef("ap_1", "jb_1"), NOW)

    assert refused == NotQueued(stored)


def test_start_sending_a_job_that_is_gone_returns_none(repos: Repos) -> None:
    assert repos.jobs.start_sending(JobRef("ap_1", "jb_gone"), NOW) == NotQueued(None)


def sending(repos: Repos, job_id: str = "jb_1") -> Job:
    ref = JobRef("ap_1", job_id)
    assert repos.jobs.claim_for_queue(ref, NOW)
    started = repos.jobs.start_sending(ref, NOW)
    assert isinstance(started, Job)
    return started


def test_context_reads_clinic_patient_and_appointment(repos: Repos) -> None:
    seeded(repos, [job("jb_1", NOW)])

    context = repos.jobs.context(sending(repos))

    assert (context.clinic, context.patient, context.appointment) == (clinic(), patient(), appointment())


def test_context_of_a_job_whose_clinic_is_gone_is_not_found(repos: Repos) -> None:
    seeded(repos, [job("jb_1", NOW)], with_context=False)

    with pytest.raises(NotFound):
        repos.jobs.context(sending(repos))


def test_a_sender_that_outlived_its_lease_changes_nothing_once_another_took_the_job(repos: Repos) -> None:
    seeded(repos, [job("jb_1", NOW)])
    stalled = sending(repos)
    # Its lease ended: the job was settled and taken again, by another sender under a new lease.
    repos.client.update_item(
        TableName=repos.table.name,
        Key={"pk": {"S": "APPT#ap_1"}, "sk": {"S": "JOB#jb_1"}},
        UpdateExpression="SET lease_id = :other",
        ExpressionAttributeValues={":other": {"S": "lease-of-another-sender"}},
    )
    record = message("msg_1", NOW, twilio_sid="SM123", job_id="jb_1", appointment_id="ap_1")

    for late in (
        lambda: repos.jobs.record_sent(stalled, record),
        lambda: repos.jobs.record_outcome(stalled, JobState.FAILED, reason="twilio_rejected"),
        lambda: repos.jobs.back_to_queue(stalled, NOW),
        lambda: repos.jobs.hold(stalled, NOW + timedelta(hours=1), "quiet_hours"),
    ):
        with pytest.raises((Conflict, ClientError)):  # a transaction's Conflict, an update's check
            late()

    (stored,) = repos.appointments.get("ap_1")[1]
    assert (stored.state, stored.lease_id) == (JobState.SENDING, "lease-of-another-sender")
    assert repos.messages.for_patient("pt_1") == []


def test_record_sent_finishes_the_job_and_logs_the_message_once(repos: Repos) -> None:
    seeded(repos, [job("jb_1", NOW)])
    started = sending(repos)
    record = message("msg_1", NOW, twilio_sid="SM123", job_id="jb_1", appointment_id="ap_1")

    repos.jobs.record_sent(started, record)

    (stored,) = repos.appointments.get("ap_1")[1]
    assert (stored.state, stored.twilio_sid) == (JobState.SENT, "SM123")
    assert repos.messages.for_patient("pt_1") == [record]
    with pytest.raises(Conflict):
        repos.jobs.record_sent(started, replace(record, message_id="msg_2", twilio_sid="SM124"))
    assert repos.messages.for_patient("pt_1") == [record]


def test_record_outcome_finishes_a_sending_job_with_its_reason(repos: Repos) -> None:
    seeded(repos, [job("jb_1", NOW)])
    started = sending(repos)
    record = replace(message("msg_1", NOW, job_id="jb_1"), status="failed", error_code="21211")

    repos.jobs.record_outcome(started, JobState.FAILED, reason="twilio_error_21211", message=record)

    (stored,) = repos.appointments.get("ap_1")[1]
    assert (stored.state, stored.reason, stored.error_code) == (
        JobState.FAILED,
        "twilio_error_21211",
        "21211",
    )
    assert repos.messages.for_patient("pt_1") == [record]


def test_back_to_queue_lets_the_sender_try_again(repos: Repos) -> None:
    seeded(repos, [job("jb_1", NOW)])
    started = sending(repos)

    repos.jobs.back_to_queue(started, NOW)

    again = repos.jobs.start_sending(JobRef("ap_1", "jb_1"), NOW)
    assert isinstance(again, Job)
    assert again.state is JobState.SENDING


# ---- message log ---------------------------------------------------------------------------


def test_the_message_log_is_per_patient_and_oldest_first(repos: Repos) -> None:
    seeded(repos, [job(f"jb_{n}", NOW + timedelta(minutes=n)) for n in range(3)])
    at = {"jb_0": NOW + timedelta(hours=2), "jb_1": NOW, "jb_2": NOW + timedelta(hours=1)}
    for job_id, sent_at in at.items():
        repos.jobs.record_sent(
            sending(repos, job_id), message(f"msg_{job_id}", sent_at, twilio_sid=f"SM{job_id}")
        )

    log = repos.messages.for_patient("pt_1")

    assert [(m.message_id, m.at) for m in log] == [
        ("msg_jb_1", NOW),
        ("msg_jb_2", NOW + timedelta(hours=1)),
        ("msg_jb_0", NOW + timedelta(hours=2)),
    ]
    assert repos.messages.for_patient("pt_2") == []
