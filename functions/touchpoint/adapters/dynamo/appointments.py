"""Appointments and their jobs (the planned messages), stored in the appointment's partition.

An appointment is on the by_clinic index (the clinic's appointments by start); a job is on the
due index while it is pending. What the scheduler and the sender do to jobs is in jobs.py.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from touchpoint.adapters.dynamo import keys
from touchpoint.adapters.dynamo.courses import DynamoCourses, plan_fields, plan_from
from touchpoint.adapters.dynamo.fields import copied, read
from touchpoint.adapters.dynamo.table import Item, Repository, to_attributes
from touchpoint.domain.appointment import Appointment, AppointmentStatus, Job, JobKind, JobState
from touchpoint.domain.checklist import ChecklistState
from touchpoint.domain.courses import Course
from touchpoint.domain.errors import Conflict, NotFound
from touchpoint.domain.timeutil import parse_utc, utc_iso

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


_COPIED = ("appointment_id", "clinic_id", "patient_id")
_JOB_COPIED = ("job_id", "rule", "appointment_id", "clinic_id", "patient_id")
_JOB_OPTIONAL = ("reason", "twilio_sid", "error_code", "survey", "lease_id")


def to_item(appointment: Appointment) -> Item:
    return {
        **keys.appointment(appointment.appointment_id),
        "type": "appointment",
        **copied(appointment, _COPIED),
        "starts_at": utc_iso(appointment.starts_at),
        "duration_minutes": appointment.duration_minutes,
        "status": appointment.status.value,
        "created_at": utc_iso(appointment.created_at),
        "external_id": appointment.external_id,
        "course_id": appointment.course_id,
        "session": appointment.session,
        "course_plan": plan_fields(appointment.course_plan) if appointment.course_plan else None,
        "checklist": appointment.checklist.value if appointment.checklist else None,
        "checklist_due_at": utc_iso(appointment.checklist_due_at) if appointment.checklist_due_at else None,
        **keys.by_clinic(appointment.clinic_id, appointment.starts_at, appointment.appointment_id),
    }


def from_item(item: Mapping[str, Any]) -> Appointment:
    return Appointment(
        **read(item, _COPIED),
        starts_at=parse_utc(item["starts_at"]),
        duration_minutes=int(item["duration_minutes"]),
        status=AppointmentStatus(item["status"]),
        created_at=parse_utc(item["created_at"]),
        external_id=item.get("external_id"),
        course_id=item.get("course_id"),
        session=int(item["session"]) if item.get("session") is not None else None,
        course_plan=plan_from(item["course_plan"]) if item.get("course_plan") else None,
        checklist=ChecklistState(item["checklist"]) if item.get("checklist") else None,
        checklist_due_at=parse_utc(item["checklist_due_at"]) if item.get("checklist_due_at") else None,
    )


def booking_item(appointment: Appointment) -> Item:
    """The patient's booking at the appointment's start, while the appointment is not cancelled."""
    return {
        **keys.booking(appointment.clinic_id, appointment.patient_id, appointment.starts_at),
        "type": "booking",
        "appointment_id": appointment.appointment_id,
    }


def external_id_item(appointment: Appointment, external_id: str) -> Item:
    return {
        **keys.appointment_external_id(appointment.clinic_id, external_id),
        "type": "appointment_external_id",
        "appointment_id": appointment.appointment_id,
    }


def job_to_item(job: Job, *, shards: int) -> Item:
    item: Item = {
        **keys.job(job.appointment_id, job.job_id),
        "type": "job",
        **copied(job, _JOB_COPIED + _JOB_OPTIONAL),
        "kind": job.kind.value,
        "due_at": utc_iso(job.due_at),
        "state": job.state.value,
        "lease_until": utc_iso(job.lease_until) if job.lease_until else None,
        "claims": job.claims or None,
        "resent": job.resent or None,
    }
    if on_due_index := due_index_at(job):
        item |= keys.due(on_due_index, job.appointment_id, job.job_id, shards=shards)
    return item


def due_index_at(job: Job) -> datetime | None:
    """Where a job stands on the due index: a pending one when it falls due, a leased one
    (`queued`, `sending`) when its lease ends; a final one not at all."""
    if job.state is JobState.PENDING:
        return job.due_at
    return job.lease_until if job.state in (JobState.QUEUED, JobState.SENDING) else None


def job_from_item(item: Mapping[str, Any]) -> Job:
    return Job(
        **read(item, _JOB_COPIED, optional=_JOB_OPTIONAL),
        kind=JobKind(item["kind"]),
        due_at=parse_utc(item["due_at"]),
        state=JobState(item["state"]),
        lease_until=parse_utc(item["lease_until"]) if item.get("lease_until") else None,
        claims=int(item.get("claims", 0)),
        resent=bool(item.get("resent", False)),
    )


class DynamoAppointments(Repository):
    def add(
        self, appointment: Appointment, jobs: list[Job], course: tuple[Course, Course] | None = None
    ) -> None:
        """The appointment, its jobs, the patient's booking at its start and its external id (each
        unique in the clinic), together; Conflict naming the appointment that holds either.
        `course`: the course it joins, as read and as it becomes (its session count), written
        in the same transaction only while it is still as read."""
        items = [self.table.put_new(to_item(appointment)), self.table.put_new(booking_item(appointment))]
        if course is not None:
            items.append(DynamoCourses(self.table).session_write(*course))
        if appointment.external_id:
            items.append(self.table.put_new(external_id_item(appointment, appointment.external_id)))
        items += [self.table.put_new(job_to_item(job, shards=self.table.due_shards)) for job in jobs]
        try:
            self.table.transact(items, conflict="appointment already exists")
        except Conflict as conflict:
            raise self._clash(appointment) or conflict from None

    def _clash(self, appointment: Appointment) -> Conflict | None:
        if appointment.external_id:
            owner = self.table.get(
                keys.appointment_external_id(appointment.clinic_id, appointment.external_id)
            )
            if owner and owner["appointment_id"] != appointment.appointment_id:
                return Conflict(
                    f"external_id already belongs to appointment {owner['appointment_id']} of this clinic",
                    "external_id",
                    existing_id=owner["appointment_id"],
                )
        owner = self.table.get(
            keys.booking(appointment.clinic_id, appointment.patient_id, appointment.starts_at)
        )
        if owner and owner["appointment_id"] != appointment.appointment_id:
            return Conflict(
                f"the patient has appointment {owner['appointment_id']} at this starts_at already",
                "starts_at",
                existing_id=owner["appointment_id"],
            )
        return None

    def get(self, appointment_id: str) -> tuple[Appointment, list[Job]]:
        items = list(
            self.table.query(
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues=to_attributes({":pk": keys.appointment_partition(appointment_id)}),
            )
        )
        appointments = [from_item(item) for item in items if item["sk"] == keys.APPOINTMENT_SK]
        if not appointments:
            raise NotFound(f"no appointment {appointment_id!r}", "appointment_id")
        jobs = [job_from_item(item) for item in items if item["sk"].startswith(keys.JOB_PREFIX)]
        return appointments[0], jobs

    def save_plan(
        self,
        appointment: Appointment,
        *,
        seen: AppointmentStatus,
        remove: list[Job],
        put: list[Job],
        was: Appointment | None = None,
    ) -> None:
        checklist = (was or appointment).checklist
        items: list[TransactWriteItemTypeDef] = [
            self.table.put(
                to_item(appointment),
                # Nor over a checklist answered or sent meanwhile: the put writes the one read.
                "#status = :seen AND " + _checklist_as(checklist),
                names={"#status": "status", "#checklist": "checklist"},
                values={":seen": seen.value} | ({":checklist": checklist.value} if checklist else {}),
            )
        ]
        items += [
            self.table.delete(
                keys.job(job.appointment_id, job.job_id),
                condition="#state = :state",
                names={"#state": "state"},
                values={":state": job.state.value},
            )
            for job in remove
        ]
        # A job is put new, or over one still pending (cancelling it): never over one sent meanwhile.
        items += [
            self.table.put(
                job_to_item(job, shards=self.table.due_shards),
                "attribute_not_exists(pk) OR #state = :pending",
                names={"#state": "state"},
                values={":pending": JobState.PENDING.value},
            )
            for job in put
        ]
        if was is not None:
            items += self._move_booking(was, appointment)
        try:
            self.table.transact(items, conflict="a message of this appointment changed meanwhile; try again")
        except Conflict as conflict:
            raise (self._clash(appointment) if was is not None else None) or conflict from None

    def _move_booking(self, was: Appointment, now: Appointment) -> list["TransactWriteItemTypeDef"]:
        """A cancelled appointment holds no booking (the patient may be booked at that time again);
        a moved one holds its new start's. Appointments stored before bookings have none to release."""
        held = was.status is not AppointmentStatus.CANCELLED
        holds = now.status is not AppointmentStatus.CANCELLED
        if held == holds and was.starts_at == now.starts_at:
            return []
        items: list[TransactWriteItemTypeDef] = []
        if held:
            items.append(
                self.table.delete(
                    keys.booking(was.clinic_id, was.patient_id, was.starts_at),
                    "attribute_not_exists(pk) OR appointment_id = :me",
                    values={":me": was.appointment_id},
                )
            )
        if holds:
            items.append(self.table.put_new(booking_item(now)))
        return items

    def open_for_clinic(self, clinic_id: str, starting_after: datetime) -> list[Appointment]:
        items = self.table.query(
            IndexName=keys.CLINIC_INDEX,
            # Bounded above too: the clinic's messages and surveys share the partition (MSG#, SURVEY#).
            KeyConditionExpression="clinic_pk = :pk AND clinic_sk BETWEEN :from AND :last",
            ExpressionAttributeValues=to_attributes(
                {
                    ":pk": keys.clinic_partition(clinic_id),
                    ":from": keys.by_clinic_after(starting_after),
                    ":last": keys.appointments_between(None, None)[1],
                }
            ),
        )
        appointments = map(from_item, items)
        return [
            appointment
            for appointment in appointments
            if appointment.status is not AppointmentStatus.CANCELLED
        ]


def _checklist_as(seen: ChecklistState | None) -> str:
    """The condition that the stored checklist is still `seen` (`:checklist`)."""
    return "#checklist = :checklist" if seen else "attribute_not_exists(#checklist)"
