"""DynamoDB repositories: one table, one class per aggregate. Key design lives here only.

pk                   sk                     what
CLINIC#{clinic}      PROFILE                clinic settings
SENDER#{sender}      SENDER                 which clinic owns a sender (unique)
CLINIC#{clinic}      PATIENT#{patient}      patient
CLINIC#{clinic}      PHONE#{e164}           which patient has a phone in a clinic (unique)
APPT#{appointment}   APPT                   appointment (GSI by_clinic: clinic_pk / clinic_sk)
APPT#{appointment}   JOB#{job}              planned message (GSI due, while pending: due_bucket / due_sk)
PATIENT#{patient}    MSG#{at}#{message}     message log, oldest first
PATIENT#{patient}    CONSENT#{at}#{id}      consent ledger: opt-out / opt-in, time and source
PATIENT#{patient}    SURVEY#{survey}        a survey sent after a session: answers, score, band
SID#{twilio sid}     SID                    which message a Twilio SID belongs to
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from touchpoint.domain.appointment import Appointment, AppointmentStatus, Job, JobKind, JobState
from touchpoint.domain.clinic import Clinic, parse_clinic_settings
from touchpoint.domain.errors import Conflict, NotFound
from touchpoint.domain.ids import new_id
from touchpoint.domain.inbound import STATUS_RANK, ConsentChange
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.patient import Patient
from touchpoint.domain.planning import NUDGE_RULE, is_nudge
from touchpoint.domain.ports import JobRef, NotQueued, SendContext
from touchpoint.domain.surveys import Survey, SurveyStatus
from touchpoint.domain.timeutil import parse_utc, utc_iso

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

DUE_INDEX = "due"
CLINIC_INDEX = "by_clinic"

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

Item = dict[str, Any]


def to_attributes(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(value) for key, value in item.items() if value is not None}


def from_attributes(attributes: Mapping[str, Any]) -> Item:
    return {key: _plain(_deserializer.deserialize(value)) for key, value in attributes.items()}


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; the domain stores only whole numbers."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_plain(inner) for inner in value]
    return value


def due_bucket(instant: datetime) -> str:
    """Pending jobs are indexed by the hour they fall due in; a pass reads only past hours."""
    return "DUE#" + instant.astimezone(UTC).strftime("%Y-%m-%dT%H")


def _hour(instant: datetime) -> datetime:
    return instant.replace(minute=0, second=0, microsecond=0)


def _conditional_failure(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code")
    return code in ("ConditionalCheckFailedException", "TransactionCanceledException")


class Table:
    def __init__(self, client: "DynamoDBClient", name: str) -> None:
        self.client = client
        self.name = name

    def get(self, pk: str, sk: str) -> Item | None:
        response = self.client.get_item(TableName=self.name, Key=to_attributes({"pk": pk, "sk": sk}))
        return from_attributes(response["Item"]) if "Item" in response else None

    def query(self, **kwargs: Any) -> Iterator[Item]:
        paginator = self.client.get_paginator("query")
        for page in paginator.paginate(TableName=self.name, **kwargs):
            for attributes in page["Items"]:
                yield from_attributes(attributes)

    def put_new(self, item: Item) -> "TransactWriteItemTypeDef":
        return {
            "Put": {
                "TableName": self.name,
                "Item": to_attributes(item),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def update(
        self,
        key: Mapping[str, str],
        expression: str,
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> "TransactWriteItemTypeDef":
        """An update, as one item of a transaction."""
        update: dict[str, Any] = {
            "TableName": self.name,
            "Key": to_attributes(key),
            "UpdateExpression": expression,
        }
        if condition:
            update["ConditionExpression"] = condition
        if names:
            update["ExpressionAttributeNames"] = dict(names)
        if values:
            update["ExpressionAttributeValues"] = to_attributes(values)
        return {"Update": update}  # type: ignore[typeddict-item]

    def transact(self, items: list["TransactWriteItemTypeDef"], conflict: str) -> None:
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if _conditional_failure(error):
                raise Conflict(conflict) from None
            raise


# ---- clinics -----------------------------------------------------------------------------


def _clinic_item(clinic: Clinic) -> Item:
    return {
        "pk": f"CLINIC#{clinic.clinic_id}",
        "sk": "PROFILE",
        "type": "clinic",
        "clinic_id": clinic.clinic_id,
        "settings": clinic.settings.to_dict(),
        "created_at": utc_iso(clinic.created_at),
        "updated_at": utc_iso(clinic.updated_at),
    }


def clinic_from_item(item: Item) -> Clinic:
    return Clinic(
        item["clinic_id"],
        parse_clinic_settings(item["settings"], stored=True),
        created_at=parse_utc(item["created_at"]),
        updated_at=parse_utc(item["updated_at"]),
    )


def _sender_item(clinic: Clinic) -> Item:
    return {
        "pk": f"SENDER#{clinic.settings.sender}",
        "sk": "SENDER",
        "type": "sender",
        "clinic_id": clinic.clinic_id,
    }


class DynamoClinics:
    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, clinic: Clinic) -> None:
        self.table.transact(
            [self.table.put_new(_clinic_item(clinic)), self.table.put_new(_sender_item(clinic))],
            conflict="sender is already used by another clinic",
        )

    def get(self, clinic_id: str) -> Clinic:
        item = self.table.get(f"CLINIC#{clinic_id}", "PROFILE")
        if item is None:
            raise NotFound(f"no clinic {clinic_id!r}", "clinic_id")
        return clinic_from_item(item)

    def replace(self, old: Clinic, new: Clinic) -> None:
        put: TransactWriteItemTypeDef = {
            "Put": {
                "TableName": self.table.name,
                "Item": to_attributes(_clinic_item(new)),
                "ConditionExpression": "updated_at = :seen",
                "ExpressionAttributeValues": to_attributes({":seen": utc_iso(old.updated_at)}),
            }
        }
        items = [put]
        if old.settings.sender != new.settings.sender:
            items.append(
                {
                    "Delete": {
                        "TableName": self.table.name,
                        "Key": to_attributes({"pk": f"SENDER#{old.settings.sender}", "sk": "SENDER"}),
                    }
                }
            )
            items.append(self.table.put_new(_sender_item(new)))
        self.table.transact(
            items,
            conflict="the clinic changed meanwhile, or its new sender is used by another clinic",
        )


# ---- patients ----------------------------------------------------------------------------


def patient_from_item(item: Item) -> Patient:
    return Patient(
        item["patient_id"],
        item["clinic_id"],
        item["first_name"],
        item["phone"],
        ZoneInfo(item["timezone"]),
        bool(item.get("opted_out", False)),
        created_at=parse_utc(item["created_at"]),
        awaiting_appointment_id=item.get("awaiting_appointment_id"),
        active_survey_id=item.get("active_survey_id"),
        awaiting_since=parse_utc(item["awaiting_since"]) if item.get("awaiting_since") else None,
    )


def patient_key(clinic_id: str, patient_id: str) -> tuple[str, str]:
    return f"CLINIC#{clinic_id}", f"PATIENT#{patient_id}"


class DynamoPatients:
    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, patient: Patient) -> None:
        pk, sk = patient_key(patient.clinic_id, patient.patient_id)
        item = {
            "pk": pk,
            "sk": sk,
            "type": "patient",
            "patient_id": patient.patient_id,
            "clinic_id": patient.clinic_id,
            "first_name": patient.first_name,
            "phone": patient.phone,
            "timezone": patient.timezone.key,
            "opted_out": patient.opted_out,
            "created_at": utc_iso(patient.created_at),
        }
        phone = {
            "pk": pk,
            "sk": f"PHONE#{patient.phone}",
            "type": "phone",
            "patient_id": patient.patient_id,
        }
        self.table.transact(
            [self.table.put_new(item), self.table.put_new(phone)],
            conflict="phone already belongs to a patient of this clinic",
        )

    def get(self, clinic_id: str, patient_id: str) -> Patient:
        item = self.table.get(*patient_key(clinic_id, patient_id))
        if item is None:
            raise NotFound(f"no patient {patient_id!r} in this clinic", "patient_id")
        return patient_from_item(item)

    def record_consent(self, change: ConsentChange) -> None:
        self.table.transact(consent_items(self.table, change), conflict=f"no patient {change.patient_id!r}")


def patient_update(
    table: Table,
    clinic_id: str,
    patient_id: str,
    *,
    opted_out: bool | None = None,
    remove: Iterable[str] = (),
) -> "TransactWriteItemTypeDef":
    """One update of the patient item (a transaction may touch an item once): the opt-out flag,
    and prompts that no longer apply."""
    pk, sk = patient_key(clinic_id, patient_id)
    condition, expression, values = "attribute_exists(pk)", "", {}
    if opted_out is not None:
        # Only a change counts: two STOPs at once write one ledger line and confirm once.
        expression = "SET opted_out = :opted_out"
        condition += " AND " + (
            "(attribute_not_exists(opted_out) OR opted_out = :no)" if opted_out else "opted_out = :yes"
        )
        values = {":opted_out": opted_out} | ({":no": False} if opted_out else {":yes": True})
    if removed := sorted(set(remove)):
        expression += " REMOVE " + ", ".join(removed)
    return table.update({"pk": pk, "sk": sk}, expression.strip(), condition=condition, values=values)


def consent_items(
    table: Table, change: ConsentChange, remove: Iterable[str] = ()
) -> list["TransactWriteItemTypeDef"]:
    """The patient's opt-out flag and the ledger line, written together."""
    opting_out = change.action == "opt_out"
    removed = {*remove, "awaiting_appointment_id"} if opting_out else set(remove)
    return [
        patient_update(table, change.clinic_id, change.patient_id, opted_out=opting_out, remove=removed),
        table.put_new(
            {
                "pk": f"PATIENT#{change.patient_id}",
                "sk": f"CONSENT#{utc_iso(change.at)}#{new_id('cs')}",
                "type": "consent",
                "clinic_id": change.clinic_id,
                "patient_id": change.patient_id,
                "action": change.action,
                "source": change.source,
                "at": utc_iso(change.at),
                "message_sid": change.message_sid,
            }
        ),
    ]


# ---- appointments and jobs ---------------------------------------------------------------


def _appointment_item(appointment: Appointment) -> Item:
    starts_at = utc_iso(appointment.starts_at)
    return {
        "pk": f"APPT#{appointment.appointment_id}",
        "sk": "APPT",
        "type": "appointment",
        "appointment_id": appointment.appointment_id,
        "clinic_id": appointment.clinic_id,
        "patient_id": appointment.patient_id,
        "starts_at": starts_at,
        "duration_minutes": appointment.duration_minutes,
        "status": appointment.status.value,
        "created_at": utc_iso(appointment.created_at),
        "clinic_pk": f"CLINIC#{appointment.clinic_id}",
        "clinic_sk": f"APPT#{starts_at}#{appointment.appointment_id}",
    }


def appointment_from_item(item: Item) -> Appointment:
    return Appointment(
        item["appointment_id"],
        item["clinic_id"],
        item["patient_id"],
        parse_utc(item["starts_at"]),
        int(item["duration_minutes"]),
        AppointmentStatus(item["status"]),
        created_at=parse_utc(item["created_at"]),
    )


def _job_item(job: Job) -> Item:
    item: Item = {
        "pk": f"APPT#{job.appointment_id}",
        "sk": f"JOB#{job.job_id}",
        "type": "job",
        **job.to_dict(),
        "appointment_id": job.appointment_id,
        "clinic_id": job.clinic_id,
        "patient_id": job.patient_id,
    }
    if job.state is JobState.PENDING:
        item["due_bucket"] = due_bucket(job.due_at)
        item["due_sk"] = f"{utc_iso(job.due_at)}#{job.appointment_id}#{job.job_id}"
    return item


def _job(item: Item) -> Job:
    return Job(
        item["job_id"],
        item["appointment_id"],
        item["clinic_id"],
        item["patient_id"],
        JobKind(item["kind"]),
        item["rule"],
        parse_utc(item["due_at"]),
        JobState(item["state"]),
        reason=item.get("reason"),
        twilio_sid=item.get("twilio_sid"),
        error_code=item.get("error_code"),
        survey=item.get("survey"),
    )


def _job_key(ref: JobRef | Job) -> dict[str, Any]:
    return to_attributes({"pk": f"APPT#{ref.appointment_id}", "sk": f"JOB#{ref.job_id}"})


class DynamoAppointments:
    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, appointment: Appointment, jobs: list[Job]) -> None:
        items = [self.table.put_new(_appointment_item(appointment))]
        items += [self.table.put_new(_job_item(job)) for job in jobs]
        self.table.transact(items, conflict="appointment already exists")

    def get(self, appointment_id: str) -> tuple[Appointment, list[Job]]:
        items = list(
            self.table.query(
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues=to_attributes({":pk": f"APPT#{appointment_id}"}),
            )
        )
        appointments = [appointment_from_item(item) for item in items if item["sk"] == "APPT"]
        if not appointments:
            raise NotFound(f"no appointment {appointment_id!r}", "appointment_id")
        return appointments[0], [_job(item) for item in items if item["sk"].startswith("JOB#")]

    def save_plan(
        self, appointment: Appointment, *, seen: AppointmentStatus, remove: list[Job], put: list[Job]
    ) -> None:
        items: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self.table.name,
                    "Item": to_attributes(_appointment_item(appointment)),
                    "ConditionExpression": "#status = :seen",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": to_attributes({":seen": seen.value}),
                }
            }
        ]
        for job in remove:
            items.append(
                {
                    "Delete": {
                        "TableName": self.table.name,
                        "Key": _job_key(job),
                        "ConditionExpression": "#state = :state",
                        "ExpressionAttributeNames": {"#state": "state"},
                        "ExpressionAttributeValues": to_attributes({":state": job.state.value}),
                    }
                }
            )
        # A job is put new, or over one still pending (cancelling it): never over one sent meanwhile.
        items += [
            {
                "Put": {
                    "TableName": self.table.name,
                    "Item": to_attributes(_job_item(job)),
                    "ConditionExpression": "attribute_not_exists(pk) OR #state = :pending",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ExpressionAttributeValues": to_attributes({":pending": JobState.PENDING.value}),
                }
            }
            for job in put
        ]
        self.table.transact(items, conflict="a message of this appointment changed meanwhile; try again")

    def open_for_clinic(self, clinic_id: str, starting_after: datetime) -> list[Appointment]:
        items = self.table.query(
            IndexName=CLINIC_INDEX,
            KeyConditionExpression="clinic_pk = :pk AND clinic_sk > :from",
            ExpressionAttributeValues=to_attributes(
                {":pk": f"CLINIC#{clinic_id}", ":from": f"APPT#{utc_iso(starting_after)}"}
            ),
        )
        appointments = map(appointment_from_item, items)
        return [
            appointment
            for appointment in appointments
            if appointment.status is not AppointmentStatus.CANCELLED
        ]


class DynamoJobs:
    """The scheduler's and the sender's view: every state change is a conditional update."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def due(self, now: datetime, lookback: timedelta) -> Iterator[JobRef]:
        hour = _hour(now - lookback)
        while hour <= now:
            yield from self._bucket(hour, f"{utc_iso(now)}#~")
            hour += timedelta(hours=1)

    def missed(self, now: datetime, lookback: timedelta) -> Iterator[JobRef]:
        """The hour just older than the look-back: what an outage made too late to send."""
        yield from self._bucket(_hour(now - lookback) - timedelta(hours=1), "~")

    def _bucket(self, hour: datetime, upper: str) -> Iterator[JobRef]:
        for item in self.table.query(
            IndexName=DUE_INDEX,
            KeyConditionExpression="due_bucket = :bucket AND due_sk <= :upper",
            ExpressionAttributeValues=to_attributes({":bucket": due_bucket(hour), ":upper": upper}),
        ):
            yield JobRef(item["pk"].removeprefix("APPT#"), item["sk"].removeprefix("JOB#"))

    def claim_for_queue(self, ref: JobRef, now: datetime) -> bool:
        return self._move(ref, JobState.PENDING, JobState.QUEUED, now, remove_due=True)

    def skip_missed(self, ref: JobRef, now: datetime) -> bool:
        return self._move(ref, JobState.PENDING, JobState.SKIPPED, now, remove_due=True, reason="missed")

    def release_to_pending(self, ref: JobRef) -> None:
        item = self.table.get(f"APPT#{ref.appointment_id}", f"JOB#{ref.job_id}")
        if item is not None and item["state"] == JobState.QUEUED:
            self._back_to_pending(_job(item), JobState.QUEUED)

    def start_sending(self, ref: JobRef, now: datetime) -> Job | NotQueued:
        try:
            response = self.table.client.update_item(
                TableName=self.table.name,
                Key=_job_key(ref),
                UpdateExpression="SET #state = :to, updated_at = :now",
                ConditionExpression="#state = :from",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=to_attributes(
                    {
                        ":to": JobState.SENDING.value,
                        ":from": JobState.QUEUED.value,
                        ":now": utc_iso(now),
                    }
                ),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not _conditional_failure(error):
                raise
            old: dict[str, Any] | None = error.response.get("Item")  # type: ignore[assignment]
            return NotQueued(_job(from_attributes(old)) if old else None)
        return _job(from_attributes(response["Attributes"]))

    def context(self, job: Job) -> SendContext:
        keys = [
            {"pk": f"CLINIC#{job.clinic_id}", "sk": "PROFILE"},
            dict(zip(("pk", "sk"), patient_key(job.clinic_id, job.patient_id), strict=True)),
            {"pk": f"APPT#{job.appointment_id}", "sk": "APPT"},
        ]
        if is_nudge(job):
            keys.append(
                {"pk": f"PATIENT#{job.patient_id}", "sk": f"SURVEY#{job.rule.removeprefix(NUDGE_RULE)}"}
            )
        request = {self.table.name: {"Keys": [to_attributes(key) for key in keys], "ConsistentRead": True}}
        found: dict[str, Item] = {}
        while request:
            response = self.table.client.batch_get_item(RequestItems=request)  # type: ignore[arg-type]
            for attributes in response["Responses"].get(self.table.name, []):
                item = from_attributes(attributes)
                found[item["type"]] = item
            request = response.get("UnprocessedKeys") or {}  # type: ignore[assignment]
        missing = {"clinic", "patient", "appointment"} - set(found)
        if missing:
            raise NotFound(f"the job's {sorted(missing)[0]} no longer exists")
        patient = patient_from_item(found["patient"])
        if job.kind is JobKind.FOLLOW_UP and not is_nudge(job) and patient.active_survey_id:
            # A new survey waits while the patient is still answering another one.
            active = self.table.get(f"PATIENT#{job.patient_id}", f"SURVEY#{patient.active_survey_id}")
            found |= {"survey": active} if active else {}
        return SendContext(
            clinic_from_item(found["clinic"]),
            patient,
            appointment_from_item(found["appointment"]),
            survey_from_item(found["survey"]) if "survey" in found else None,
        )

    def record_sent(
        self,
        job: Job,
        message: MessageRecord,
        *,
        survey: Survey | None = None,
        nudge: Job | None = None,
        outcome: JobState = JobState.SENT,
    ) -> None:
        reason = "twilio_outcome_unknown" if outcome is JobState.UNKNOWN else None
        items = [
            self._finish(job, outcome, twilio_sid=message.twilio_sid, at=message.at, reason=reason),
            *self._log(message),
        ]
        # What a reply means from now on: "C"/"R" is about this appointment, a number answers
        # this survey.
        prompt: dict[str, str] = {}
        if job.kind is JobKind.REMINDER:
            prompt = {"awaiting_appointment_id": job.appointment_id, "awaiting_since": utc_iso(message.at)}
        elif survey is not None and not survey.nudged:
            prompt = {"active_survey_id": survey.survey_id}
            items.append(self.table.put_new(survey_item(survey)))
        elif survey is not None:
            survey_key = {"pk": f"PATIENT#{survey.patient_id}", "sk": f"SURVEY#{survey.survey_id}"}
            items.append(self.table.update(survey_key, "SET nudged = :yes", values={":yes": True}))
        if prompt:
            pk, sk = patient_key(job.clinic_id, job.patient_id)
            items.append(
                self.table.update(
                    {"pk": pk, "sk": sk},
                    "SET " + ", ".join(f"{name} = :{name}" for name in prompt),
                    condition="attribute_exists(pk)",
                    values={f":{name}": value for name, value in prompt.items()},
                )
            )
        if nudge is not None:
            items.append(self.table.put_new(_job_item(nudge)))
        self.table.transact(items, conflict="the job was no longer sending")

    def record_outcome(
        self,
        job: Job,
        state: JobState,
        *,
        reason: str | None = None,
        message: MessageRecord | None = None,
    ) -> None:
        items = [
            self._finish(
                job,
                state,
                reason=reason,
                at=message.at if message else None,
                error_code=message.error_code if message else None,
            )
        ]
        if message is not None:
            items += self._log(message)
        self.table.transact(items, conflict="the job was no longer sending")

    def back_to_queue(self, job: Job) -> None:
        self._move(job, JobState.SENDING, JobState.QUEUED, None, remove_due=False)

    def _move(
        self,
        ref: JobRef | Job,
        source: JobState,
        target: JobState,
        now: datetime | None,
        *,
        remove_due: bool,
        reason: str | None = None,
    ) -> bool:
        values: dict[str, Any] = {":to": target.value, ":from": source.value}
        update = "SET #state = :to"
        if reason is not None:
            update += ", reason = :reason"
            values[":reason"] = reason
        if now is not None:
            update += ", updated_at = :now"
            values[":now"] = utc_iso(now)
        if remove_due:
            update += " REMOVE due_bucket, due_sk"
        try:
            self.table.client.update_item(
                TableName=self.table.name,
                Key=_job_key(ref),
                UpdateExpression=update,
                ConditionExpression="#state = :from",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=to_attributes(values),
            )
        except ClientError as error:
            if _conditional_failure(error):
                return False
            raise
        return True

    def hold(self, job: Job, until: datetime, reason: str) -> None:
        self._back_to_pending(replace(job, due_at=until, reason=reason), JobState.SENDING)

    def _back_to_pending(self, job: Job, source: JobState) -> None:
        """`source` -> `pending`, back on the due index at the job's `due_at`."""
        pending = _job_item(replace(job, state=JobState.PENDING))
        fields = {name: pending.get(name) for name in ("due_at", "due_bucket", "due_sk", "reason")}
        present = {name: value for name, value in fields.items() if value is not None}
        self.table.client.update_item(
            TableName=self.table.name,
            Key=_job_key(job),
            UpdateExpression="SET #state = :pending, " + ", ".join(f"{name} = :{name}" for name in present),
            ConditionExpression="#state = :source",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues=to_attributes(
                {":pending": JobState.PENDING.value, ":source": source.value}
                | {f":{name}": value for name, value in present.items()}
            ),
        )

    def _finish(
        self,
        job: Job,
        state: JobState,
        *,
        reason: str | None = None,
        twilio_sid: str | None = None,
        at: datetime | None = None,
        error_code: str | None = None,
    ) -> "TransactWriteItemTypeDef":
        fields = {
            "state": state.value,
            "reason": reason,
            "twilio_sid": twilio_sid,
            "sent_at": utc_iso(at) if at and state is JobState.SENT else None,
            "error_code": error_code,
        }
        present = {name: value for name, value in fields.items() if value is not None}
        # A reason left from a hold no longer applies once the job is done.
        clear = " REMOVE #reason" if reason is None else ""
        return self.table.update(
            {"pk": f"APPT#{job.appointment_id}", "sk": f"JOB#{job.job_id}"},
            "SET " + ", ".join(f"#{name} = :{name}" for name in present) + clear,
            condition="#state = :sending",
            names={f"#{name}": name for name in [*present, "reason"]},
            values={f":{name}": value for name, value in present.items()}
            | {":sending": JobState.SENDING.value},
        )

    def _log(self, message: MessageRecord) -> list["TransactWriteItemTypeDef"]:
        item = message_item(message)
        items = [self.table.put_new(item)]
        if message.twilio_sid:
            items.append(self.table.put_new(sid_item(message.twilio_sid, item)))
        return items


# ---- surveys -----------------------------------------------------------------------------


def survey_item(survey: Survey) -> Item:
    return {
        "pk": f"PATIENT#{survey.patient_id}",
        "sk": f"SURVEY#{survey.survey_id}",
        "type": "survey",
        "clinic_id": survey.clinic_id,
        "patient_id": survey.patient_id,
        "instrument_id": survey.instrument_id,
        "stored_status": survey.status.value,
        "answered": len(survey.answers),
        **{
            key: value
            for key, value in survey.to_dict(survey.invited_at).items()
            if key not in ("status", "survey")
        },
    }


def survey_from_item(item: Item) -> Survey:
    return Survey(
        survey_id=item["survey_id"],
        clinic_id=item["clinic_id"],
        patient_id=item["patient_id"],
        appointment_id=item["appointment_id"],
        instrument_id=item["instrument_id"],
        status=SurveyStatus(item["stored_status"]),
        answers=tuple(item.get("answers") or ()),
        invited_at=parse_utc(item["invited_at"]),
        expires_at=parse_utc(item["expires_at"]),
        session_at=parse_utc(item["session_at"]),
        score=item.get("score"),
        severity=item.get("severity"),
        completed_at=parse_utc(item["completed_at"]) if item.get("completed_at") else None,
        nudged=bool(item.get("nudged", False)),
    )


class DynamoSurveys:
    def __init__(self, table: Table) -> None:
        self.table = table

    def for_patient(self, patient_id: str) -> list[Survey]:
        items = self.table.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :survey)",
            ExpressionAttributeValues=to_attributes({":pk": f"PATIENT#{patient_id}", ":survey": "SURVEY#"}),
        )
        return sorted(map(survey_from_item, items), key=lambda survey: survey.invited_at)


# ---- message log -------------------------------------------------------------------------


def message_item(message: MessageRecord, partition: str | None = None) -> Item:
    """A message in its patient's log (or in `partition`, for numbers no patient has)."""
    return {
        "pk": partition or f"PATIENT#{message.patient_id}",
        # Microseconds keep a reply after the message it answers, in the same second.
        "sk": f"MSG#{message.at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}#{message.message_id}",
        "type": "message",
        "clinic_id": message.clinic_id,
        "patient_id": message.patient_id,
        "status_rank": STATUS_RANK.get(message.status, 0),
        **message.to_dict(),
    }


def sid_item(sid: str, message: Item) -> Item:
    """Which message a Twilio SID belongs to, for its status callbacks."""
    return {
        "pk": f"SID#{sid}",
        "sk": "SID",
        "type": "sid",
        "message_pk": message["pk"],
        "message_sk": message["sk"],
    }


def message_record(item: Item) -> MessageRecord:
    return MessageRecord(
        item["message_id"],
        item["clinic_id"],
        item["patient_id"],
        item["direction"],
        item["body"],
        item["status"],
        parse_utc(item["at"]),
        twilio_sid=item.get("twilio_sid"),
        job_id=item.get("job_id"),
        appointment_id=item.get("appointment_id"),
        error_code=item.get("error_code"),
    )


class DynamoMessageLog:
    def __init__(self, table: Table) -> None:
        self.table = table

    def for_patient(self, patient_id: str) -> list[MessageRecord]:
        return [
            message_record(item)
            for item in self.table.query(
                KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
                ExpressionAttributeValues=to_attributes({":pk": f"PATIENT#{patient_id}", ":msg": "MSG#"}),
            )
        ]
