"""What is stored is its own shape: mapped field by field from the domain (to_item / from_item in
each module of adapters/dynamo), never from the API's output, and keyed by keys.py alone."""

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import time, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from mypy_boto3_dynamodb import DynamoDBClient

from infra.template import load_template
from tests.integration.moto_table import empty, module_table_fixture
from tests.unit.builders import clinic_body
from touchpoint.adapters.dynamo import (
    alerts,
    appointments,
    audit,
    clinics,
    keys,
    messages,
    patients,
    surveys,
)
from touchpoint.adapters.dynamo.alerts import DynamoAlerts
from touchpoint.adapters.dynamo.appointments import DynamoAppointments
from touchpoint.adapters.dynamo.clinics import DynamoClinics
from touchpoint.adapters.dynamo.jobs import DynamoJobs
from touchpoint.adapters.dynamo.lists import DynamoLists
from touchpoint.adapters.dynamo.messages import DynamoMessageLog
from touchpoint.adapters.dynamo.patients import DynamoPatients
from touchpoint.adapters.dynamo.surveys import DynamoSurveys
from touchpoint.adapters.dynamo.table import Item, Table, from_attributes, to_attributes
from touchpoint.domain import clinic as clinic_module
from touchpoint.domain.access import Action
from touchpoint.domain.alerts import Alert, AlertFilter, AlertKind, AlertState
from touchpoint.domain.appointment import Appointment, AppointmentStatus, Job, JobKind, JobState
from touchpoint.domain.audit import PLATFORM, AuditEntry
from touchpoint.domain.clinic import (
    Clinic,
    QuietHours,
    ReminderRule,
    parse_clinic_settings,
)
from touchpoint.domain.consent import ConsentAction, ConsentChange, ConsentSource
from touchpoint.domain.delivery import JobRef
from touchpoint.domain.errors import InvalidInput
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.paging import PageQuery
from touchpoint.domain.patient import Patient
from touchpoint.domain.surveys import Survey, SurveyStatus
from touchpoint.domain.timeutil import parse_utc
from touchpoint.handlers import views
from touchpoint.settings import DEFAULT_DUE_SHARDS

ROOT = Path(__file__).resolve().parents[2]
NOW = parse_utc("2026-12-01T12:30:00Z")
CREATED = parse_utc("2026-11-01T09:00:00Z")
STARTS = parse_utc("2026-12-02T20:00:00Z")
CHICAGO = ZoneInfo("America/Chicago")

moto_table = module_table_fixture()


@pytest.fixture
def table(moto_table: tuple[DynamoDBClient, str]) -> Table:
    client, table_name = moto_table
    empty(client, table_name)
    return Table(client, table_name)


def scan(table: Table) -> list[Item]:
    pages = table.client.get_paginator("scan").paginate(TableName=table.name)
    items = [from_attributes(attributes) for page in pages for attributes in page["Items"]]
    return sorted(items, key=lambda item: (item["pk"], item["sk"]))


def through_dynamodb(item: Item) -> Item:
    """The item as DynamoDB hands it back: None fields dropped, numbers through Decimal."""
    return from_attributes(to_attributes(item))


# ---- one of each aggregate ---------------------------------------------------------------

CLINIC = Clinic("cl_1", parse_clinic_settings(clinic_body(escalation_minutes=30)), CREATED, CREATED)
PATIENT = Patient("pt_1", "cl_1", "Ana", "+15551230001", CHICAGO, opted_out=False, created_at=CREATED)
APPOINTMENT = Appointment("ap_1", "cl_1", "pt_1", STARTS, 60, AppointmentStatus.SCHEDULED, created_at=CREATED)
REMINDER = Job(
    "jb_1",
    "ap_1",
    "cl_1",
    "pt_1",
    JobKind.REMINDER,
    "before:P1D",
    STARTS - timedelta(days=1),
    JobState.PENDING,
)
FOLLOW_UP = Job(
    "jb_2", "ap_1", "cl_1", "pt_1", JobKind.FOLLOW_UP, "after:PT4H", NOW, JobState.PENDING, survey="gad7"
)
NUDGE = Job(
    "jb_3",
    "ap_1",
    "cl_1",
    "pt_1",
    JobKind.FOLLOW_UP,
    "nudge:sv_1",
    NOW + timedelta(hours=12),
    JobState.PENDING,
)
MESSAGE = MessageRecord(
    "msg_1",
    "cl_1",
    "pt_1",
    "outbound",
    "Hi Ana",
    "queued",
    NOW,
    twilio_sid="SM1",
    job_id="jb_2",
    appointment_id="ap_1",
)
SURVEY = Survey(
    "sv_1",
    "cl_1",
    "pt_1",
    "ap_1",
    "gad7",
    SurveyStatus.INVITED,
    (),
    invited_at=NOW,
    expires_at=NOW + timedelta(hours=24),
    session_at=STARTS,
)
CONSENT = ConsentChange("pt_1", "cl_1", ConsentAction.OPT_OUT, ConsentSource.KEYWORD, NOW, message_sid="SM9")
ALERT = Alert(
    "al_1",
    "cl_1",
    "pt_1",
    AlertKind.CRISIS,
    NOW.replace(microsecond=123456),
    "I can't go on",
    first_name="Ana",
    rule="hopeless",
    next_escalation_at=NOW + timedelta(minutes=15),
)


def store_one_of_each(table: Table) -> None:
    """Every aggregate written through its repository, as the use cases write them."""
    DynamoClinics(table).add(CLINIC)
    DynamoPatients(table).add(PATIENT)
    DynamoAppointments(table).add(APPOINTMENT, [REMINDER, FOLLOW_UP])
    jobs = DynamoJobs(table)
    ref = JobRef("ap_1", "jb_2")
    assert jobs.claim_for_queue(ref, NOW)
    sending = jobs.start_sending(ref, NOW)
    assert isinstance(sending, Job)
    jobs.record_sent(sending, MESSAGE, survey=SURVEY, nudge=NUDGE)
    DynamoPatients(table).record_consent(CONSENT)
    table.transact([table.put_new(item) for item in alerts.new_items(ALERT)], conflict="alert exists")


def fix_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """The consent ledger's ids, the same in every run from here."""
    counter = iter(range(1, 1000))
    monkeypatch.setattr(patients, "new_id", lambda prefix: f"{prefix}_{next(counter)}")


# Every view of the admin API's output (handlers/views.py).
API_VIEWS = sorted(name for name in vars(views) if name.endswith("_view"))


def renamed(view_of: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def view(*args: Any) -> dict[str, Any]:
        return {f"api_{name}": value for name, value in view_of(*args).items()}

    return view


def test_renaming_every_field_of_the_api_output_changes_nothing_stored(
    table: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    fix_ids(monkeypatch)
    store_one_of_each(table)
    stored = scan(table)
    empty(table.client, table.name)

    assert len(API_VIEWS) >= 11
    for name in API_VIEWS:
        monkeypatch.setattr(views, name, renamed(getattr(views, name)))
    assert "api_due_at" in views.job_view(REMINDER)  # what the API would send now
    assert "api_body" in views.message_view(MESSAGE)
    fix_ids(monkeypatch)
    store_one_of_each(table)

    assert scan(table) == stored
    assert not [name for item in stored for name in item if name.startswith("api_")]


def test_a_job_and_a_message_are_stored_under_the_names_existing_tables_hold(
    table: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    fix_ids(monkeypatch)
    monkeypatch.setattr(views, "job_view", renamed(views.job_view))
    monkeypatch.setattr(views, "message_view", renamed(views.message_view))

    store_one_of_each(table)

    items = {(item["pk"], item["sk"]): item for item in scan(table)}
    assert items[("APPT#ap_1", "JOB#jb_1")] == {
        "pk": "APPT#ap_1",
        "sk": "JOB#jb_1",
        "type": "job",
        "job_id": "jb_1",
        "appointment_id": "ap_1",
        "clinic_id": "cl_1",
        "patient_id": "pt_1",
        "kind": "reminder",
        "rule": "before:P1D",
        "due_at": "2026-12-01T20:00:00Z",
        "state": "pending",
        "due_bucket": "DUE#2026-12-01T20#4",  # its shard: crc32("jb_1") % 8
        "due_sk": "2026-12-01T20:00:00Z#ap_1#jb_1",
    }
    assert items[("PATIENT#pt_1", "MSG#2026-12-01T12:30:00.000000Z#msg_1")] == {
        "pk": "PATIENT#pt_1",
        "sk": "MSG#2026-12-01T12:30:00.000000Z#msg_1",
        "type": "message",
        "message_id": "msg_1",
        "clinic_id": "cl_1",
        "patient_id": "pt_1",
        "direction": "outbound",
        "body": "Hi Ana",
        "status": "queued",
        "status_rank": 1,
        "at": "2026-12-01T12:30:00Z",
        "twilio_sid": "SM1",
        "job_id": "jb_2",
        "appointment_id": "ap_1",
        # Sent without a final status yet: asked about a day later (its shard: crc32("msg_1") % 8).
        "due_bucket": "STATUS#2026-12-02T12#7",
        "due_sk": "2026-12-02T12:30:00Z#msg_1",
        # In the clinic's list of messages, every patient's.
        "clinic_pk": "CLINIC#cl_1",
        "clinic_sk": "MSG#2026-12-01T12:30:00.000000Z#msg_1",
    }
    assert items[("SID#SM1", "SID")]["message_sk"] == "MSG#2026-12-01T12:30:00.000000Z#msg_1"


def test_stored_clinic_settings_keep_the_names_and_forms_existing_tables_hold() -> None:
    settings = clinics.settings_to_item(CLINIC.settings)

    assert settings == {
        "name": "Calm Waters",
        "timezone": "America/New_York",
        "sender": "+15005550006",
        "phone": "+12125550100",
        "quiet_hours": {"start": "21:00", "end": "08:00"},
        "reminders": [{"before": "P1D"}, {"before": "PT2H"}, {"days_before": 2, "at": "18:00"}],
        "follow_ups": [{"after": "PT4H", "survey": "anxiety-now"}, {"after": "P7D", "survey": "gad7"}],
        "discreet": True,
        "survey_expiry_hours": 24,
        "escalation_minutes": 30,
        "frequency_caps": {"per_day": 1, "per_week": 3, "kinds": ["reminder"]},
        "checklist": None,
        "default_language": "en",
    }
    # No quiet hours is stored as null: an older item without the field has the default ones.
    none = clinics.settings_to_item(parse_clinic_settings(clinic_body(quiet_hours=None)))
    assert to_attributes({"settings": none})["settings"]["M"]["quiet_hours"] == {"NULL": True}


def test_a_stored_checklist_keeps_its_names_and_forms_and_reads_back_as_it_was() -> None:
    checklist = parse_clinic_settings(clinic_body(checklist={"items": ["a ride home"], "before": "PT12H"}))

    stored = clinics.settings_to_item(checklist)

    assert stored["checklist"] == {
        "items": ["a ride home"],
        "before": "PT12H",
        "answer_by": "PT2H",
        "alert_no_answer": False,
    }
    assert clinics.settings_from_item(stored) == checklist
    del stored["checklist"]  # a clinic stored before the setting existed has none
    assert clinics.settings_from_item(stored).checklist is None


# ---- stored clinics are read without the admin API's validator -----------------------------


def test_a_stored_clinic_is_read_without_the_api_input_validator(
    table: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    DynamoClinics(table).add(CLINIC)

    def refuse(*_: object, **__: object) -> Any:
        raise AssertionError("stored settings went through the admin API's validator")

    # What the validator calls first, and the instrument files it looks survey names up in.
    monkeypatch.setattr(clinic_module, "json_object", refuse)
    monkeypatch.setattr(clinic_module, "instruments", refuse)
    with pytest.raises(AssertionError):
        parse_clinic_settings(clinic_body())

    assert DynamoClinics(table).get("cl_1") == CLINIC


def test_stored_settings_are_read_back_without_looking_up_survey_names() -> None:
    stored = {
        "name": "Calm Waters",
        "timezone": "America/New_York",
        "sender": "+15005550006",
        "phone": "+12125550100",
        "follow_ups": [{"after": "P7D", "survey": "an-instrument-since-removed"}],
    }

    settings = clinics.settings_from_item(stored)

    assert [rule.survey for rule in settings.follow_ups] == ["an-instrument-since-removed"]
    with pytest.raises(InvalidInput):
        parse_clinic_settings(stored)  # what the admin API sends is still checked


def test_stored_settings_without_escalation_minutes_read_as_15() -> None:
    stored = clinics.settings_to_item(parse_clinic_settings(clinic_body()))
    del stored["escalation_minutes"]

    assert clinics.settings_from_item(stored).escalation_interval == timedelta(minutes=15)


def test_stored_settings_older_items_lack_take_the_defaults() -> None:
    settings = clinics.settings_from_item(
        {
            "name": "Calm Waters",
            "timezone": "America/New_York",
            "sender": "+15005550006",
            "phone": "+12125550100",
        }
    )

    assert settings.quiet_hours == QuietHours(time(21, 0), time(8, 0))
    assert settings.reminders == (ReminderRule(before=timedelta(days=1)),)
    assert settings.follow_ups == ()
    assert settings.discreet is True
    assert settings.survey_expiry == timedelta(hours=24)
    assert settings.escalation_interval == timedelta(minutes=15)


def test_stored_settings_are_not_judged_by_todays_limits() -> None:
    stored = clinics.settings_to_item(CLINIC.settings) | {
        "name": "x" * 500,
        "reminders": [{"before": "P400D"}],
        "escalation_minutes": 5000,
    }

    settings = clinics.settings_from_item(stored)

    assert settings.name == "x" * 500
    assert settings.reminders == (ReminderRule(before=timedelta(days=400)),)
    assert settings.escalation_interval == timedelta(minutes=5000)


# ---- to_item / from_item round trips, through DynamoDB's types ---------------------------

CLINICS = [
    CLINIC,
    Clinic(
        "cl_2",
        parse_clinic_settings(
            clinic_body(
                quiet_hours=None,
                reminders=[{"days_before": 0, "at": "07:30"}],
                follow_ups=[],
                discreet=False,
                survey_expiry_hours=72,
                escalation_minutes=1440,
            )
        ),
        CREATED,
        NOW,
    ),
]
PATIENTS = [
    PATIENT,
    Patient(
        "pt_2",
        "cl_1",
        "Dev",
        "+15551230002",
        ZoneInfo("Europe/Madrid"),
        opted_out=True,
        created_at=CREATED,
        awaiting_appointment_id="ap_1",
        awaiting_since=NOW,
        active_survey_id="sv_1",
    ),
]
APPOINTMENTS = [
    APPOINTMENT,
    Appointment("ap_2", "cl_1", "pt_2", NOW, 90, AppointmentStatus.CANCELLED, CREATED),
]
JOBS = [
    REMINDER,
    FOLLOW_UP,
    Job(
        "jb_4",
        "ap_1",
        "cl_1",
        "pt_1",
        JobKind.REMINDER,
        "before:PT2H",
        NOW,
        JobState.FAILED,
        reason="twilio_refused",
        twilio_sid="SM4",
        error_code="30007",
    ),
]
SURVEYS = [
    SURVEY,
    Survey(
        "sv_2",
        "cl_1",
        "pt_1",
        "ap_1",
        "phq9",
        SurveyStatus.COMPLETED,
        (1, 2, 3, 0, 1, 2, 3, 0, 1),
        invited_at=NOW,
        expires_at=NOW + timedelta(hours=24),
        session_at=STARTS,
        score=13,
        severity="moderate",
        completed_at=NOW + timedelta(hours=1),
        nudged=True,
    ),
]
MESSAGES = [
    MESSAGE,
    MessageRecord("msg_2", "cl_1", "pt_1", "inbound", "C", "received", NOW.replace(microsecond=0)),
    MessageRecord(
        "msg_3", "cl_1", "pt_1", "outbound", "Hi", "failed", NOW, twilio_sid="SM3", error_code="30003"
    ),
]
ALERTS = [
    ALERT,
    Alert(
        "al_2",
        "cl_1",
        None,
        AlertKind.RESCHEDULE_REQUEST,
        NOW,
        "R",
        phone="+15559990000",
        state=AlertState.ACKNOWLEDGED,
        acknowledged_by="dr-lee",
        acknowledged_at=NOW + timedelta(minutes=3, microseconds=7),
        note="Called back",
        escalations=2,
        escalated_at=NOW + timedelta(minutes=1),
    ),
]


AUDIT_ENTRIES = [
    AuditEntry(
        NOW, "dr-lee", "sub-1", "clinician", Action.READ_PATIENT, "cl_1", "GET /admin/x", 200, "req1", "pt_1"
    ),
    AuditEntry(
        NOW, "ops", "sub-2", "platform_admin", Action.LIST_CLINICS, PLATFORM, "GET /admin/clinics", 403, "r2"
    ),
]


def round_trips() -> Iterator[Any]:
    for clinic in CLINICS:
        yield pytest.param(clinic, clinics.to_item, clinics.from_item, id=f"clinic-{clinic.clinic_id}")
    for patient in PATIENTS:
        yield pytest.param(patient, patients.to_item, patients.from_item, id=f"patient-{patient.patient_id}")
    for appointment in APPOINTMENTS:
        yield pytest.param(
            appointment,
            appointments.to_item,
            appointments.from_item,
            id=f"appointment-{appointment.appointment_id}",
        )
    for job in JOBS:
        yield pytest.param(
            job,
            partial(appointments.job_to_item, shards=DEFAULT_DUE_SHARDS),
            appointments.job_from_item,
            id=f"job-{job.job_id}",
        )
    for survey in SURVEYS:
        yield pytest.param(survey, surveys.to_item, surveys.from_item, id=f"survey-{survey.survey_id}")
    for message in MESSAGES:
        yield pytest.param(
            message,
            partial(messages.to_item, shards=DEFAULT_DUE_SHARDS),
            messages.from_item,
            id=f"message-{message.message_id}",
        )
    for alert in ALERTS:
        yield pytest.param(alert, alerts.to_item, alerts.from_item, id=f"alert-{alert.alert_id}")
    for entry in AUDIT_ENTRIES:
        yield pytest.param(entry, audit.to_item, audit.from_item, id=f"audit-{entry.action}")


@pytest.mark.parametrize(("stored", "to_item", "from_item"), list(round_trips()))
def test_every_aggregate_round_trips_through_its_stored_item(
    stored: Any, to_item: Callable[[Any], Item], from_item: Callable[[Item], Any]
) -> None:
    item = through_dynamodb(to_item(stored))

    assert from_item(item) == stored
    assert set(keys.TABLE_KEY) <= set(item)


def test_every_aggregate_round_trips_through_the_table(table: Table) -> None:
    DynamoClinics(table).add(CLINICS[1])
    DynamoPatients(table).add(PATIENTS[0])
    DynamoAppointments(table).add(APPOINTMENTS[0], JOBS)
    table.transact([table.put_new(surveys.to_item(survey)) for survey in SURVEYS], conflict="stored already")
    table.transact(
        [table.put_new(messages.to_item(message, shards=DEFAULT_DUE_SHARDS)) for message in MESSAGES],
        conflict="stored already",
    )
    table.transact(
        [table.put_new(item) for alert in ALERTS for item in alerts.new_items(alert)],
        conflict="stored already",
    )

    assert DynamoClinics(table).get("cl_2") == CLINICS[1]
    assert DynamoPatients(table).get("cl_1", "pt_1") == PATIENTS[0]
    assert DynamoAppointments(table).get("ap_1") == (APPOINTMENTS[0], JOBS)
    assert DynamoSurveys(table).for_patient("pt_1") == SURVEYS
    assert DynamoMessageLog(table).for_patient("pt_1") == sorted(
        MESSAGES, key=lambda message: (message.at, message.message_id)
    )
    assert DynamoAlerts(table).get("cl_1", "al_2") == ALERTS[1]
    assert DynamoLists(table).alerts("cl_1", PageQuery(), AlertFilter()).items == sorted(
        ALERTS, key=lambda alert: alert.at, reverse=True
    )


# ---- keys.py builds every key of template.yaml's table and indexes -------------------------

TEMPLATE_TABLE = load_template()["Resources"]["Table"]["Properties"]


def _names(schema: list[dict[str, str]]) -> tuple[str, ...]:
    order = {"HASH": 0, "RANGE": 1}
    return tuple(element["AttributeName"] for element in sorted(schema, key=lambda e: order[e["KeyType"]]))


def test_keys_name_the_table_key_and_every_index_of_the_template() -> None:
    assert _names(TEMPLATE_TABLE["KeySchema"]) == keys.TABLE_KEY
    declared = {
        index["IndexName"]: _names(index["KeySchema"]) for index in TEMPLATE_TABLE["GlobalSecondaryIndexes"]
    }
    assert declared == keys.INDEXES
    assert {keys.DUE_INDEX, keys.CLINIC_INDEX, keys.ESCALATION_INDEX} == set(declared)
    every_key = {name for names in [keys.TABLE_KEY, *keys.INDEXES.values()] for name in names}
    assert every_key == {definition["AttributeName"] for definition in TEMPLATE_TABLE["AttributeDefinitions"]}


def test_keys_build_each_index_key_the_template_declares() -> None:
    built = {
        keys.DUE_INDEX: keys.due(NOW, "ap_1", "jb_1", shards=DEFAULT_DUE_SHARDS),
        keys.CLINIC_INDEX: keys.by_clinic("cl_1", STARTS, "ap_1"),
        keys.ESCALATION_INDEX: keys.escalation(NOW, "al_1"),
    }

    for index, names in keys.INDEXES.items():
        assert tuple(built[index]) == names
        assert all(isinstance(value, str) and value for value in built[index].values())


def test_the_items_on_an_index_carry_its_keys_and_no_other_item_does() -> None:
    sent = messages.to_item(MESSAGE, shards=DEFAULT_DUE_SHARDS)
    delivered = messages.to_item(replace(MESSAGE, status="delivered"), shards=DEFAULT_DUE_SHARDS)
    completed = surveys.to_item(SURVEYS[1])
    on_index = {
        # A pending job, and a message sent without a final status yet (its daily status check).
        keys.DUE_INDEX: [appointments.job_to_item(REMINDER, shards=DEFAULT_DUE_SHARDS), sent],
        # An appointment (its clinic's, by start), a clinic's profile (the list of clinics), every
        # message (the clinic's list of them) and a completed survey (the scores export).
        keys.CLINIC_INDEX: [
            appointments.to_item(APPOINTMENT),
            clinics.to_item(CLINIC),
            sent,
            delivered,
            completed,
        ],
        keys.ESCALATION_INDEX: [alerts.to_item(ALERT)],
    }
    off_every_index = [
        clinics.sender_item(CLINIC),
        patients.to_item(PATIENT),
        patients.phone_item(PATIENT),
        patients.consent_item(CONSENT),
        appointments.job_to_item(JOBS[2], shards=DEFAULT_DUE_SHARDS),  # not pending: off the due index
        surveys.to_item(SURVEY),  # not completed: not in the export
        messages.sid_item("SM1", sent),
        alerts.to_item(ALERTS[1]),  # acknowledged: off the escalation index
        alerts.pointer_item(ALERT),
    ]
    for index, names in keys.INDEXES.items():
        for item in on_index[index]:
            assert set(names) <= set(through_dynamodb(item)), (index, item["pk"], item["sk"])
        others = [item for other, items in on_index.items() if other != index for item in items]
        for item in [*off_every_index, *(other for other in others if other not in on_index[index])]:
            assert not set(names) & set(through_dynamodb(item)), (index, item["pk"], item["sk"])


def test_the_due_index_keys_put_a_job_in_its_hour_and_in_time_order() -> None:
    first = keys.due(parse_utc("2026-12-01T14:00:00Z"), "ap_9", "jb_9", shards=DEFAULT_DUE_SHARDS)
    last = keys.due(
        parse_utc("2026-12-01T14:59:59Z"), "ap_1", "jb_2", shards=DEFAULT_DUE_SHARDS
    )  # the same shard, 6

    assert first["due_bucket"] == last["due_bucket"] == "DUE#2026-12-01T14#6"
    assert first["due_sk"] < last["due_sk"] <= keys.due_until(parse_utc("2026-12-01T14:59:59Z"))
    assert last["due_sk"] < keys.WHOLE_BUCKET


KEY_STRING = re.compile(r"""["'][A-Z]{2,}#""")


def test_no_module_but_keys_py_writes_a_key_string() -> None:
    product = ROOT / "functions" / "touchpoint"
    writers = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(product.rglob("*.py"))
        if path != product / "adapters" / "dynamo" / "keys.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if KEY_STRING.search(line)
    ]
    assert writers == []
