"""The scheduler's and the sender's view of jobs: every state change is a conditional update,
which is what keeps a message sent at most once under concurrent passes and redelivery."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Unpack

from touchpoint.adapters.dynamo import (
    alerts,
    appointments,
    checklists,
    clinics,
    keys,
    messages,
    patients,
    recent_sends,
    surveys,
)
from touchpoint.adapters.dynamo.courses import DynamoCourses
from touchpoint.adapters.dynamo.surveys import DynamoSurveys
from touchpoint.adapters.dynamo.table import Item, Repository, Table, from_attributes, to_attributes
from touchpoint.domain.alerts import Alert
from touchpoint.domain.appointment import SURVEY_KINDS, Job, JobKind, JobState
from touchpoint.domain.delivery import (
    MAX_CLAIMS,
    QUEUE_LEASE,
    SEND_LEASE,
    Interrupted,
    JobRef,
    NotQueued,
    SendContext,
    lease_expired,
)
from touchpoint.domain.errors import NotFound
from touchpoint.domain.ids import new_id
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.planning import NUDGE_RULE, is_nudge
from touchpoint.domain.ports.jobs import OutcomeOptions, SentOptions
from touchpoint.domain.reconciling import RECONCILE_AFTER
from touchpoint.domain.timeutil import utc_iso

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

_STATE = {"#state": "state"}


def _hour(instant: datetime) -> datetime:
    return instant.replace(minute=0, second=0, microsecond=0)


def _hours(now: datetime, lookback: timedelta) -> Iterator[datetime]:
    """The hours of the look-back, oldest first, up to `now`'s."""
    hour = _hour(now - lookback)
    while hour <= now:
        yield hour
        hour += timedelta(hours=1)


def _key(ref: JobRef | Job) -> keys.Key:
    return keys.job(ref.appointment_id, ref.job_id)


def _due_values(at: datetime, ref: JobRef | Job, shards: int) -> dict[str, str]:
    """The due index's keys at `at`, as the values `:bucket` and `:sk` of an update."""
    due = keys.due(at, ref.appointment_id, ref.job_id, shards=shards)
    return {":bucket": due["due_bucket"], ":sk": due["due_sk"]}


# A sender's writes hold only while the job is still `sending` under the lease it took: one that
# outlived its lease (the pass settled the job, and perhaps another sender took it) changes nothing.
def _sending_under(job: Job) -> tuple[str, dict[str, str]]:
    """The condition, and its values, that the job is still `sending` under `job`'s lease."""
    if job.lease_id is None:  # taken before leases: under none
        return "#state = :sending AND attribute_not_exists(lease_id)", {":sending": JobState.SENDING.value}
    return "#state = :sending AND lease_id = :lease", {
        ":sending": JobState.SENDING.value,
        ":lease": job.lease_id,
    }


class DynamoJobs(Repository):
    def __init__(self, table: Table) -> None:
        super().__init__(table)
        self.shards = keys.bucket_shards(table.due_shards)

    def due(self, now: datetime, lookback: timedelta) -> Iterator[JobRef]:
        """Every due job of the look-back, oldest hour first, each hour shard by shard."""
        for hour in _hours(now, lookback):
            for shard in self.shards:
                yield from self._bucket(hour, shard, keys.due_until(now))

    def due_by_shard(self, now: datetime, lookback: timedelta) -> list[Iterator[JobRef]]:
        """The same jobs as `due`, one stream per shard (the unsharded buckets of the items
        written before the shards last), each oldest hour first: a pass claims them in parallel."""
        return [self._shard(now, lookback, shard) for shard in self.shards]

    def _shard(self, now: datetime, lookback: timedelta, shard: int | None) -> Iterator[JobRef]:
        for hour in _hours(now, lookback):
            yield from self._bucket(hour, shard, keys.due_until(now))

    def missed(self, now: datetime, lookback: timedelta) -> Iterator[JobRef]:
        """The hour just older than the look-back: what an outage made too late to send."""
        for shard in self.shards:
            yield from self._bucket(_hour(now - lookback) - timedelta(hours=1), shard, keys.WHOLE_BUCKET)

    def _bucket(self, hour: datetime, shard: int | None, upper: str) -> Iterator[JobRef]:
        for item in self.table.query(
            IndexName=keys.DUE_INDEX,
            KeyConditionExpression="due_bucket = :bucket AND due_sk <= :upper",
            ExpressionAttributeValues=to_attributes(
                {":bucket": keys.due_bucket(hour, shard), ":upper": upper}
            ),
        ):
            yield keys.job_ref(item)

    def claim_for_queue(self, ref: JobRef, now: datetime) -> JobRef | Interrupted | None:
        """A pending job, or a queued one whose lease is over, leased to a new claim;
        a sending one past its lease is Interrupted; None when another pass has it, or it moved."""
        lease = new_id("ls")
        until = now + QUEUE_LEASE
        claimed, old = self.table.update_returning(
            _key(ref),
            "SET #state = :queued, lease_id = :lease, lease_until = :until, claims = if_not_exists(claims, :zero)"
            " + :one, due_bucket = :bucket, due_sk = :sk, updated_at = :now",
            condition="#state = :pending OR (#state = :queued AND "
            "(attribute_not_exists(lease_until) OR lease_until <= :now) AND "
            "(attribute_not_exists(claims) OR claims < :max))",
            names=_STATE,
            values={
                ":queued": JobState.QUEUED.value,
                ":pending": JobState.PENDING.value,
                ":lease": lease,
                ":until": utc_iso(until),
                ":now": utc_iso(now),
                ":zero": 0,
                ":one": 1,
                ":max": MAX_CLAIMS,
            }
            | _due_values(until, ref, self.table.due_shards),
        )
        if claimed is not None:
            return replace(ref, lease=lease)
        stranded = appointments.job_from_item(old) if old else None
        if stranded is None or not lease_expired(stranded, now):
            return None
        if stranded.state is JobState.SENDING:
            return Interrupted(stranded)
        if stranded.state is JobState.QUEUED:  # claimed MAX_CLAIMS times, never taken
            self._final(stranded, JobState.FAILED, "never_taken", now)
        return None

    def skip_missed(self, ref: JobRef, now: datetime) -> bool | Interrupted:
        """A job the look-back left behind (an outage longer than it): never sent, so skipped;
        a sending one is Interrupted."""
        skipped, old = self.table.update_returning(
            _key(ref),
            "SET #state = :skipped, reason = :missed, updated_at = :now"
            " REMOVE due_bucket, due_sk, lease_id, lease_until",
            condition="#state IN (:pending, :queued)",
            names=_STATE,
            values={
                ":skipped": JobState.SKIPPED.value,
                ":missed": "missed",
                ":now": utc_iso(now),
                ":pending": JobState.PENDING.value,
                ":queued": JobState.QUEUED.value,
            },
        )
        if skipped is not None:
            return True
        stranded = appointments.job_from_item(old) if old else None
        return Interrupted(stranded) if stranded and stranded.state is JobState.SENDING else False

    def release_to_pending(self, ref: JobRef) -> None:
        item = self.table.get(_key(ref))
        job = appointments.job_from_item(item) if item else None
        if job is not None and job.state is JobState.QUEUED and job.lease_id == ref.lease:
            self._back_to_pending(job, JobState.QUEUED)

    def start_sending(self, ref: JobRef, now: datetime) -> Job | NotQueued:
        """`queued` -> `sending`, under the claim `ref` carries, leased for one send."""
        values = {":to": JobState.SENDING.value, ":from": JobState.QUEUED.value, ":now": utc_iso(now)}
        condition = "#state = :from"
        if ref.lease is not None:  # a message queued before leases carries none
            condition += " AND lease_id = :lease"
            values[":lease"] = ref.lease
        until = now + SEND_LEASE
        sending, old = self.table.update_returning(
            _key(ref),
            "SET #state = :to, updated_at = :now, lease_until = :until, due_bucket = :bucket, due_sk = :sk",
            condition=condition,
            names=_STATE,
            values=values | {":until": utc_iso(until)} | _due_values(until, ref, self.table.due_shards),
        )
        if sending is None:
            return NotQueued(appointments.job_from_item(old) if old else None)
        return appointments.job_from_item(sending)

    def context(self, job: Job) -> SendContext:
        wanted = [
            keys.clinic(job.clinic_id),
            keys.patient(job.clinic_id, job.patient_id),
            keys.appointment(job.appointment_id),
            keys.recent_sends(job.patient_id),  # for the frequency caps: no request of its own
        ]
        if is_nudge(job):
            wanted.append(keys.survey(job.patient_id, job.rule.removeprefix(NUDGE_RULE)))
        request = {self.table.name: {"Keys": [to_attributes(key) for key in wanted], "ConsistentRead": True}}
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
        patient = patients.from_item(found["patient"])
        if job.kind in SURVEY_KINDS and not is_nudge(job) and patient.active_survey_id:
            # A new survey waits while the patient is still answering another one.
            active = self.table.get(keys.survey(job.patient_id, patient.active_survey_id))
            found |= {"survey": active} if active else {}
        appointment = appointments.from_item(found["appointment"])
        course = None
        if job.kind is JobKind.COURSE_CHECK and appointment.course_id:
            course = DynamoCourses(self.table).find(job.patient_id, appointment.course_id)
        scores = DynamoSurveys(self.table).for_patient(job.patient_id) if job.kind is JobKind.BASELINE else []
        return SendContext(
            clinics.from_item(found["clinic"]),
            patient,
            appointment,
            surveys.from_item(found["survey"]) if "survey" in found else None,
            recent_sends.from_item(found.get(recent_sends.TYPE)),
            course=course,
            scores=tuple(scores),
        )

    def record_sent(self, job: Job, message: MessageRecord, **sent: Unpack[SentOptions]) -> None:
        outcome = sent.get("outcome", JobState.SENT)
        survey, nudge = sent.get("survey"), sent.get("nudge")
        reason = "twilio_outcome_unknown" if outcome is JobState.UNKNOWN else None
        items = [self._finish(job, outcome, reason, message), *self._log(message)]
        # What a reply means from now on: "C"/"R" is about this appointment, a number answers
        # this survey.
        prompt: dict[str, str] = {}
        if job.kind is JobKind.REMINDER:
            prompt = {"awaiting_appointment_id": job.appointment_id, "awaiting_since": utc_iso(message.at)}
        elif job.kind is JobKind.CHECKLIST:
            prompt = {"checklist_appointment_id": job.appointment_id, "checklist_since": utc_iso(message.at)}
        elif survey is not None and not survey.nudged:
            prompt = {"active_survey_id": survey.survey_id}
            items.append(self.table.put_new(surveys.to_item(survey)))
        elif survey is not None:
            survey_key = keys.survey(survey.patient_id, survey.survey_id)
            items.append(self.table.update(survey_key, "SET nudged = :yes", values={":yes": True}))
        if prompt:
            items.append(patients.prompt_update(self.table, job.clinic_id, job.patient_id, prompt))
        if nudge is not None:
            items.append(self.table.put_new(appointments.job_to_item(nudge, shards=self.table.due_shards)))
        if (deadline := sent.get("deadline")) is not None:
            items += checklists.sent_items(self.table, deadline)
        if (counted := sent.get("counted")) is not None:
            items.append(recent_sends.update(self.table, job.patient_id, counted, sent.get("forget", ())))
        self.table.transact(items, conflict="the job was no longer sending")

    def close_unsent(self, job: Job, reason: str, *, alert: Alert | None, no_answer: bool = False) -> None:
        items = [self._finish(job, JobState.SKIPPED, reason, None)]
        if no_answer:
            items.append(checklists.no_answer_item(self.table, job))
        if alert is not None:
            items += [self.table.put_new(item) for item in alerts.new_items(alert)]
        self.table.transact(items, conflict="the checklist, the course or the job changed meanwhile")

    def record_outcome(self, job: Job, state: JobState, **outcome: Unpack[OutcomeOptions]) -> None:
        reason, message = outcome.get("reason"), outcome.get("message")
        items = [self._finish(job, state, reason, message)]
        if message is not None:
            items += self._log(message)
        self.table.transact(items, conflict="the job was no longer sending")

    def back_to_queue(self, job: Job, now: datetime) -> None:
        """`sending` -> `queued` under the same claim (its queue message comes back), leased anew."""
        until = now + QUEUE_LEASE
        sending, under = _sending_under(job)
        self.table.update_item(
            _key(job),
            "SET #state = :queued, lease_until = :until, due_bucket = :bucket, due_sk = :sk",
            condition=sending,
            names=_STATE,
            values={":queued": JobState.QUEUED.value, ":until": utc_iso(until)}
            | under
            | _due_values(until, job, self.table.due_shards),
        )

    def hold(self, job: Job, until: datetime, reason: str) -> None:
        self._back_to_pending(replace(job, due_at=until, reason=reason), JobState.SENDING)

    def _back_to_pending(self, job: Job, source: JobState) -> None:
        """`source` -> `pending`, back on the due index at the job's `due_at`, its lease ended."""
        pending = appointments.job_to_item(replace(job, state=JobState.PENDING), shards=self.table.due_shards)
        fields = {name: pending.get(name) for name in ("due_at", "due_bucket", "due_sk", "reason")}
        present = {name: value for name, value in fields.items() if value is not None}
        condition, held = (
            _sending_under(job)
            if source is JobState.SENDING
            else ("#state = :source", {":source": source.value})
        )
        self.table.update_item(
            _key(job),
            "SET #state = :pending, "
            + ", ".join(f"{name} = :{name}" for name in present)
            + " REMOVE lease_id, lease_until",
            condition=condition,
            names=_STATE,
            values={":pending": JobState.PENDING.value}
            | held
            | {f":{name}": value for name, value in present.items()},
        )

    def _final(self, job: Job, state: JobState, reason: str, now: datetime) -> None:
        """A leased job to a final state, with nothing sent or logged, if still as read."""
        self.table.update_if(
            _key(job),
            "SET #state = :to, reason = :reason, updated_at = :now REMOVE due_bucket, due_sk, lease_id, lease_until",
            condition="#state = :from AND lease_id = :lease",
            names=_STATE,
            values={
                ":to": state.value,
                ":reason": reason,
                ":now": utc_iso(now),
                ":from": job.state.value,
                ":lease": job.lease_id,
            },
        )

    def _finish(
        self, job: Job, state: JobState, reason: str | None, message: MessageRecord | None
    ) -> "TransactWriteItemTypeDef":
        """`sending` -> `state`, with what the message logged says (its SID, error, time sent);
        its lease ended. Off the due index, but an `unknown` one: it goes on the reconciler's
        buckets, pointing to the message it logged."""
        fields = {
            "state": state.value,
            "reason": reason,
            "twilio_sid": message.twilio_sid if message else None,
            "sent_at": utc_iso(message.at) if message and state is JobState.SENT else None,
            "error_code": message.error_code if message else None,
        }
        removed = ["lease_id", "lease_until"]
        if state is JobState.UNKNOWN and message is not None:
            fields |= keys.reconcile(
                message.at + RECONCILE_AFTER, job.appointment_id, job.job_id, shards=self.table.due_shards
            )
            fields |= keys.message_pointer(messages.to_item(message, shards=self.table.due_shards))
        else:
            removed += ["due_bucket", "due_sk"]
        present = {name: value for name, value in fields.items() if value is not None}
        # A reason left from a hold no longer applies once the job is done.
        clear = " REMOVE " + ", ".join(removed + (["#reason"] if reason is None else []))
        sending, under = _sending_under(job)
        return self.table.update(
            _key(job),
            "SET " + ", ".join(f"#{name} = :{name}" for name in present) + clear,
            condition=sending,
            names={f"#{name}": name for name in [*present, "reason"]},
            values={f":{name}": value for name, value in present.items()} | under,
        )

    def _log(self, message: MessageRecord) -> list["TransactWriteItemTypeDef"]:
        item = messages.to_item(message, shards=self.table.due_shards)
        items = [self.table.put_new(item)]
        if message.twilio_sid:
            items.append(self.table.put_new(messages.sid_item(message.twilio_sid, item)))
        return items
