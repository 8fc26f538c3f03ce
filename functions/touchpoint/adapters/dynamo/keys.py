"""Every key of the one table, and of its indexes: no other module writes a key string.

pk                     sk                     what
CLINIC#{clinic}        PROFILE                clinic settings
SENDER#{sender}        SENDER                 which clinic owns a sender (unique)
CLINIC#{clinic}        PATIENT#{patient}      patient
CLINIC#{clinic}        PHONE#{e164}           which patient has a phone in a clinic (unique)
CLINIC#{clinic}        EXT#PATIENT#{ext}      which patient has an external id in a clinic (unique)
CLINIC#{clinic}        EXT#APPT#{ext}         which appointment has an external id in a clinic (unique)
CLINIC#{clinic}        BOOKING#{patient}#{at} a patient's booking at an instant (unique; gone once cancelled)
CLINIC#{clinic}        ALERT#{at}#{alert}     an alert (index escalation, while an open crisis alert waits)
ALERT#{alert}          ALERT                  which clinic an alert id belongs to, and the alert's sk
APPT#{appointment}     APPT                   appointment (index by_clinic)
APPT#{appointment}     JOB#{job}              planned message (index due, while pending)
PATIENT#{patient}      MSG#{at}#{message}     message log, oldest first
PATIENT#{patient}      CONSENT#{at}#{id}      consent ledger: opt-out / opt-in, time and source
PATIENT#{patient}      SURVEY#{survey}        a survey sent after a session: answers, score, band
PATIENT#{patient}      RECENT_SENDS           the scheduled messages of the last 7 days (frequency caps)
PATIENT#{patient}      COURSE#{course}        a treatment course the patient is (or was) enrolled in
PATIENT#{patient}      ACTIVE_COURSE          which course is not final yet (at most one: the enrolment's lock)
CLINIC#{clinic}        COURSE_TEMPLATE#{id}   a course template of the clinic
SID#{twilio sid}       SID                    which message a Twilio SID belongs to
AUDIT#{clinic}         {at}#{request}         an audit entry (TTL); AUDIT#platform: those about no one clinic
INBOUND#{message sid}  INBOUND                a processed inbound MessageSid and its reply (TTL)
UNMATCHED#{clinic}     MSG#{at}#{message}     messages from numbers no patient of the clinic has

index       hash                        range                              holds
due         due_bucket DUE#{hour}#{shard}  due_sk {at}#{appt}#{job}        jobs not final: pending at due_at, leased at lease_until;
            due_bucket RECONCILE#{hour}#{shard}                            unknown sends, at their next reconciliation

A due bucket is an hour and a shard: crc32 of the job id modulo the shard count (`DUE_SHARDS`,
which the Table carries), so that the writes of one busy hour spread over that many partition
keys of the index. Items written before the
shards carry DUE#{hour} (RECONCILE#{hour}): the readers read that unsharded bucket as one more.
by_clinic   clinic_pk CLINIC#{clinic}   clinic_sk APPT#{starts_at}#{appt}  appointments
            clinic_pk CLINICS           clinic_sk CLINIC#{clinic}          every clinic's profile
            clinic_pk CLINIC#{clinic}   clinic_sk MSG#{at}#{message}       the clinic's messages, every patient's
            clinic_pk CLINIC#{clinic}   clinic_sk SURVEY#{completed}#{id}  the clinic's completed surveys (exports)
            clinic_pk CLINIC#{clinic}   clinic_sk COURSE#{enrolled}#{id}   the clinic's treatment courses (outcomes)
escalation  escalation_pk ESCALATION    escalation_sk {due}#{alert}        open crisis alerts only

The due and escalation indexes are sparse: an item is on them while it carries their keys, so
a scheduler pass reads what is due and nothing else.
"""

import zlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from touchpoint.domain.delivery import JobRef
from touchpoint.domain.timeutil import utc_iso

Key = dict[str, str]

TABLE_KEY = ("pk", "sk")
DUE_INDEX = "due"
CLINIC_INDEX = "by_clinic"
CLINIC_LIST = "CLINICS"  # the by_clinic partition of every clinic's profile
AUDIT_PREFIX = "AUDIT#"
ESCALATION_INDEX = "escalation"
# Each index's (hash, range) attributes.
INDEXES = {
    DUE_INDEX: ("due_bucket", "due_sk"),
    CLINIC_INDEX: ("clinic_pk", "clinic_sk"),
    ESCALATION_INDEX: ("escalation_pk", "escalation_sk"),
}

ESCALATION_PARTITION = "ESCALATION"
APPOINTMENT_SK = "APPT"
JOB_PREFIX = "JOB#"
MESSAGE_PREFIX = "MSG#"
CONSENT_PREFIX = "CONSENT#"
SURVEY_PREFIX = "SURVEY#"
ALERT_PREFIX = "ALERT#"
# Sorts after every "{instant}#{id}" of the same instant: an upper bound "up to and including".
_LAST = "~"
WHOLE_BUCKET = _LAST  # the due_sk above every job of a bucket
RECONCILE_PREFIX = "RECONCILE#"
STATUS_CHECK_PREFIX = "STATUS#"
# The shard of the buckets written before sharding.
UNSHARDED = None


def instant(at: datetime) -> str:
    """An instant in a sort key, to the microsecond: the messages and alerts of one second keep
    their order, and the alerts one message raises (they share `at`) each have a key."""
    return f"{at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}"


def _key(pk: str, sk: str) -> Key:
    return {"pk": pk, "sk": sk}


def key_of(item: Mapping[str, Any]) -> Key:
    """The table key of an item read back."""
    return _key(item["pk"], item["sk"])


# ---- clinics, senders, patients and phones -----------------------------------------------


def clinic_partition(clinic_id: str) -> str:
    return f"CLINIC#{clinic_id}"


def clinic(clinic_id: str) -> Key:
    return _key(clinic_partition(clinic_id), "PROFILE")


def clinic_listing(clinic_id: str) -> Key:
    """The by_clinic index's keys of a clinic's profile: every clinic, for a platform admin's list."""
    return {"clinic_pk": CLINIC_LIST, "clinic_sk": clinic_partition(clinic_id)}


def sender(sender: str) -> Key:
    return _key(f"SENDER#{sender}", "SENDER")


def patient(clinic_id: str, patient_id: str) -> Key:
    return _key(clinic_partition(clinic_id), f"PATIENT#{patient_id}")


def phone(clinic_id: str, phone: str) -> Key:
    return _key(clinic_partition(clinic_id), f"PHONE#{phone}")


def patient_external_id(clinic_id: str, external_id: str) -> Key:
    return _key(clinic_partition(clinic_id), f"EXT#PATIENT#{external_id}")


def appointment_external_id(clinic_id: str, external_id: str) -> Key:
    return _key(clinic_partition(clinic_id), f"EXT#APPT#{external_id}")


def booking(clinic_id: str, patient_id: str, starts_at: datetime) -> Key:
    """One patient's booking at one instant: what refuses a double booking."""
    return _key(clinic_partition(clinic_id), f"BOOKING#{patient_id}#{utc_iso(starts_at)}")


# ---- appointments and jobs ---------------------------------------------------------------


def appointment_partition(appointment_id: str) -> str:
    return f"APPT#{appointment_id}"


def appointment(appointment_id: str) -> Key:
    return _key(appointment_partition(appointment_id), APPOINTMENT_SK)


def by_clinic(clinic_id: str, starts_at: datetime, appointment_id: str) -> Key:
    """The by_clinic index's keys of an appointment: the clinic's appointments by start."""
    return {
        "clinic_pk": clinic_partition(clinic_id),
        "clinic_sk": f"{CLINIC_APPOINTMENT_PREFIX}{utc_iso(starts_at)}#{appointment_id}",
    }


def by_clinic_after(starting_after: datetime) -> str:
    """The by_clinic sort keys above this one start after `starting_after`."""
    return f"{CLINIC_APPOINTMENT_PREFIX}{utc_iso(starting_after)}"


def job(appointment_id: str, job_id: str) -> Key:
    return _key(appointment_partition(appointment_id), f"{JOB_PREFIX}{job_id}")


def job_ref(key: Mapping[str, Any]) -> JobRef:
    """Which job a table key (as the due index returns it) names."""
    return JobRef(key["pk"].removeprefix("APPT#"), key["sk"].removeprefix(JOB_PREFIX))


def due_shard(job_id: str, shards: int) -> int:
    """A job's shard: stable across processes and releases (crc32, not Python's salted hash)."""
    return zlib.crc32(job_id.encode()) % shards


def bucket_shards(shards: int) -> tuple[int | None, ...]:
    """Every shard a reader reads in each hour: the sharded ones, then the unsharded bucket of
    the items written before the shards."""
    return (*range(shards), UNSHARDED)


def _hour_bucket(prefix: str, at: datetime, shard: int | None) -> str:
    hour = prefix + at.astimezone(UTC).strftime("%Y-%m-%dT%H")
    return hour if shard is None else f"{hour}#{shard}"


def due_bucket(at: datetime, shard: int | None = UNSHARDED) -> str:
    """Pending jobs are indexed by the hour they fall due in and their shard; a pass reads
    only past hours. Without a shard: the bucket of the items written before the shards."""
    return _hour_bucket("DUE#", at, shard)


def due(due_at: datetime, appointment_id: str, job_id: str, *, shards: int) -> Key:
    """The due index's keys of a pending job."""
    return {
        "due_bucket": due_bucket(due_at, due_shard(job_id, shards)),
        "due_sk": f"{utc_iso(due_at)}#{appointment_id}#{job_id}",
    }


def reconcile(at: datetime, appointment_id: str, job_id: str, *, shards: int) -> Key:
    """The due index's keys of an `unknown` send, for the reconciler at `at`: buckets of their
    own (`RECONCILE#{hour}#{shard}`), which a scheduler pass never reads."""
    return {
        "due_bucket": reconcile_bucket(at, due_shard(job_id, shards)),
        "due_sk": f"{utc_iso(at)}#{appointment_id}#{job_id}",
    }


def reconcile_bucket(at: datetime, shard: int | None = UNSHARDED) -> str:
    return _hour_bucket(RECONCILE_PREFIX, at, shard)


def due_until(now: datetime) -> str:
    """The due_sk of the last job due at `now` or earlier."""
    return f"{utc_iso(now)}#{_LAST}"


# ---- a patient's partition: messages, consent, surveys -----------------------------------


def patient_partition(patient_id: str) -> str:
    return f"PATIENT#{patient_id}"


def unmatched_partition(clinic_id: str | None) -> str:
    """Where the messages of a number no patient has go: its clinic's, or nobody's."""
    return f"UNMATCHED#{clinic_id or 'unrouted'}"


def message(partition: str, at: datetime, message_id: str) -> Key:
    return _key(partition, f"{MESSAGE_PREFIX}{instant(at)}#{message_id}")


def messages_between(since: datetime, until: datetime) -> tuple[str, str]:
    """The sort keys of a partition's messages from `since` to `until`, to the second."""
    return f"{MESSAGE_PREFIX}{since:%Y-%m-%dT%H:%M:%S}", f"{MESSAGE_PREFIX}{until:%Y-%m-%dT%H:%M:%S}{_LAST}"


def consent(patient_id: str, at: datetime, consent_id: str) -> Key:
    return _key(patient_partition(patient_id), f"{CONSENT_PREFIX}{utc_iso(at)}#{consent_id}")


def survey(patient_id: str, survey_id: str) -> Key:
    return _key(patient_partition(patient_id), f"{SURVEY_PREFIX}{survey_id}")


def recent_sends(patient_id: str) -> Key:
    return _key(patient_partition(patient_id), "RECENT_SENDS")


# ---- Twilio SIDs and inbound deliveries ----------------------------------------------------


def sid(twilio_sid: str) -> Key:
    return _key(f"SID#{twilio_sid}", "SID")


def message_pointer(message: Mapping[str, Any]) -> dict[str, str]:
    """What a SID's item keeps of its message's key."""
    return {"message_pk": message["pk"], "message_sk": message["sk"]}


def pointed_message(pointer: Mapping[str, Any]) -> Key:
    """The key of the message a SID's item points to."""
    return _key(pointer["message_pk"], pointer["message_sk"])


def inbound(message_sid: str) -> Key:
    return _key(f"INBOUND#{message_sid}", "INBOUND")


# ---- alerts and the escalation index --------------------------------------------------------


def alert(clinic_id: str, at: datetime, alert_id: str) -> Key:
    return _key(clinic_partition(clinic_id), f"{ALERT_PREFIX}{instant(at)}#{alert_id}")


def alert_in_clinic(clinic_id: str, alert_sk: str) -> Key:
    """An alert's key from its clinic and the sort key its pointer keeps."""
    return _key(clinic_partition(clinic_id), alert_sk)


def alert_pointer(alert_id: str) -> Key:
    return _key(f"ALERT#{alert_id}", "ALERT")


def escalation_sk(due: datetime, alert_id: str) -> str:
    return f"{instant(due)}#{alert_id}"


def escalation(due: datetime, alert_id: str) -> Key:
    """The escalation index's keys of an open crisis alert next escalated at `due`."""
    return {"escalation_pk": ESCALATION_PARTITION, "escalation_sk": escalation_sk(due, alert_id)}


def escalation_until(now: datetime) -> str:
    """The escalation_sk of the last alert due for escalation at `now` or earlier."""
    return f"{instant(now)}#{_LAST}"


def status_check(at: datetime, message_id: str, *, shards: int) -> Key:
    """The due index's keys of a message sent without a final status yet, to be asked about
    at `at`: buckets of their own (`STATUS#{hour}#{shard}`), which a scheduler pass never
    reads; sharded like the due buckets, since every message sent writes one."""
    return {
        "due_bucket": status_check_bucket(at, due_shard(message_id, shards)),
        "due_sk": f"{utc_iso(at)}#{message_id}",
    }


def status_check_bucket(at: datetime, shard: int | None) -> str:
    return _hour_bucket(STATUS_CHECK_PREFIX, at, shard)


# ---- the audit log ------------------------------------------------------------------------


def audit_partition(clinic_id: str) -> str:
    return AUDIT_PREFIX + clinic_id


def audit(clinic_id: str, at: datetime, request_id: str) -> Key:
    return _key(audit_partition(clinic_id), f"{utc_iso(at)}#{request_id}")


def audit_bounds(since: datetime | None, until: datetime | None) -> tuple[str, str]:
    """The sort keys of a clinic's entries from `since` up to and including `until`."""
    return (utc_iso(since) if since else "0", f"{utc_iso(until)}#{_LAST}" if until else _LAST)


# ---- the clinic's lists (contract section 9) -----------------------------------------------

PATIENT_PREFIX = "PATIENT#"
CLINIC_MESSAGE_PREFIX = "MSG#"
CLINIC_APPOINTMENT_PREFIX = "APPT#"
CLINIC_SURVEY_PREFIX = "SURVEY#"
CLINIC_COURSE_PREFIX = "COURSE#"


def clinic_survey(clinic_id: str, completed_at: datetime, survey_id: str) -> Key:
    """The by_clinic index's keys of a completed survey: the clinic's scores by completion."""
    return {
        "clinic_pk": clinic_partition(clinic_id),
        "clinic_sk": f"{CLINIC_SURVEY_PREFIX}{instant(completed_at)}#{survey_id}",
    }


def clinic_course(clinic_id: str, enrolled_at: datetime, course_id: str) -> Key:
    """The by_clinic index's keys of a treatment course: the clinic's courses by enrolment."""
    return {
        "clinic_pk": clinic_partition(clinic_id),
        "clinic_sk": f"{CLINIC_COURSE_PREFIX}{instant(enrolled_at)}#{course_id}",
    }


def clinic_message(clinic_id: str, at: datetime, message_id: str) -> Key:
    """The by_clinic index's keys of a message: the clinic's messages in time order, next to its
    appointments (`APPT#...`) in the same partition of the index."""
    return {
        "clinic_pk": clinic_partition(clinic_id),
        "clinic_sk": f"{CLINIC_MESSAGE_PREFIX}{instant(at)}#{message_id}",
    }


def clinic_sk_range(
    prefix: str, since: datetime | None, until: datetime | None, stamp: Callable[[datetime], str] = instant
) -> tuple[str, str]:
    """The by_clinic sort keys under `prefix` from `since` up to and including `until`, their
    instants written by `stamp` as the items' keys are (`utc_iso` for appointments)."""
    return (
        prefix + (stamp(since) if since else ""),
        prefix + (f"{stamp(until)}#{_LAST}" if until else _LAST),
    )


def appointments_between(since: datetime | None, until: datetime | None) -> tuple[str, str]:
    """The by_clinic sort keys of the clinic's appointments starting from `since` to `until`."""
    return clinic_sk_range(CLINIC_APPOINTMENT_PREFIX, since, until, utc_iso)


COURSE_TEMPLATE_PREFIX = "COURSE_TEMPLATE#"
COURSE_PREFIX = "COURSE#"


def course_template(clinic_id: str, template_id: str) -> Key:
    return _key(clinic_partition(clinic_id), f"{COURSE_TEMPLATE_PREFIX}{template_id}")


def course(patient_id: str, course_id: str) -> Key:
    return _key(patient_partition(patient_id), f"{COURSE_PREFIX}{course_id}")


def active_course(patient_id: str) -> Key:
    return _key(patient_partition(patient_id), "ACTIVE_COURSE")
