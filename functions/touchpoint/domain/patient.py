"""Patients: who gets the texts."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from touchpoint.domain.clinic import Clinic
from touchpoint.domain.errors import InvalidInput
from touchpoint.domain.json_input import json_object
from touchpoint.domain.phones import to_e164
from touchpoint.domain.timeutil import parse_zone

_PATIENT_FIELDS = {"first_name", "phone", "timezone"}


@dataclass(frozen=True)
class Patient:
    patient_id: str
    clinic_id: str
    first_name: str
    phone: str
    timezone: ZoneInfo
    opted_out: bool
    created_at: datetime
    # The appointment whose reminder went out last: what a reply "C" or "R" is about.
    awaiting_appointment_id: str | None = None
    awaiting_since: datetime | None = None  # when that reminder went out
    # The survey a reply answers, while one is open.
    active_survey_id: str | None = None


@dataclass(frozen=True)
class NewPatient:
    first_name: str
    phone: str
    timezone: ZoneInfo


def parse_new_patient(body: object, clinic: Clinic) -> NewPatient:
    body = json_object(body, allowed=_PATIENT_FIELDS)
    first_name = body.get("first_name")
    if not isinstance(first_name, str) or not first_name.strip():
        raise InvalidInput("first_name is required and must be a non-empty string", "first_name")
    if len(first_name) > 50:
        raise InvalidInput("first_name must be at most 50 characters", "first_name")
    zone = body.get("timezone")
    return NewPatient(
        first_name=" ".join(first_name.split()),
        phone=to_e164(body.get("phone"), "phone"),
        timezone=clinic.settings.timezone if zone is None else parse_zone(zone, "timezone"),
    )
