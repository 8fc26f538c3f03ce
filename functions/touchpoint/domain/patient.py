"""Patients: who gets the texts."""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from touchpoint.domain.clinic import Clinic, ClinicSettings, parse_language
from touchpoint.domain.errors import InvalidInput
from touchpoint.domain.external_ids import parse_external_id
from touchpoint.domain.json_input import json_object
from touchpoint.domain.phones import country_of, to_e164
from touchpoint.domain.timeutil import parse_zone

_CHANGEABLE = ("first_name", "phone", "timezone", "language", "external_id")
_PATIENT_FIELDS = set(_CHANGEABLE)


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
    # The appointment whose pre-session checklist went out last and is not answered yet.
    checklist_appointment_id: str | None = None
    checklist_since: datetime | None = None  # when that checklist went out
    external_id: str | None = None  # the clinic's own id for the patient (its EHR's), unique in the clinic
    language: str | None = None  # "en" | "es"; None: the clinic's

    def language_in(self, settings: ClinicSettings) -> str:
        """The language the patient reads: their own, else their clinic's default."""
        return self.language or settings.default_language


@dataclass(frozen=True)
class NewPatient:
    first_name: str
    phone: str
    timezone: ZoneInfo
    external_id: str | None = None
    language: str | None = None

    def registered(self, patient_id: str, clinic_id: str, now: datetime) -> "Patient":
        """The patient this registration makes: texts allowed until the patient says STOP."""
        return Patient(
            patient_id,
            clinic_id,
            self.first_name,
            self.phone,
            self.timezone,
            opted_out=False,
            created_at=now,
            external_id=self.external_id,
            language=self.language,
        )


def parse_new_patient(body: object, clinic: Clinic) -> NewPatient:
    body = json_object(body, allowed=_PATIENT_FIELDS)
    zone = body.get("timezone")
    return NewPatient(
        first_name=parse_first_name(body.get("first_name")),
        phone=to_e164(body.get("phone"), "phone", country_of(clinic.settings.phone)),
        timezone=clinic.settings.timezone if zone is None else parse_zone(zone, "timezone"),
        external_id=parse_external_id(body.get("external_id")),
        language=_language(body.get("language")),
    )


def parse_patient_change(body: object, clinic: Clinic, patient: Patient) -> Patient:
    """The patient with the fields `body` names changed (`first_name`, `phone`, `timezone`,
    `language`, `external_id`); null clears the optional ones."""
    body = json_object(body, allowed=_PATIENT_FIELDS)
    if not body:
        raise InvalidInput(f"body must name at least one of {', '.join(_CHANGEABLE)}", "body")
    parsers: dict[str, Any] = {
        "first_name": parse_first_name,
        "phone": lambda value: to_e164(value, "phone", country_of(clinic.settings.phone)),
        "timezone": lambda value: parse_zone(value, "timezone"),
        "language": _language,
        "external_id": parse_external_id,
    }
    return replace(patient, **{name: parsers[name](value) for name, value in body.items()})


def parse_first_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("first_name is required and must be a non-empty string", "first_name")
    if len(value) > 50:
        raise InvalidInput("first_name must be at most 50 characters", "first_name")
    return " ".join(value.split())


def _language(value: object) -> str | None:
    return None if value is None else parse_language(value, "language")
