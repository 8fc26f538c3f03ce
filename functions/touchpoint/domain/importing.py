"""Reading an EHR import (a CSV or a FHIR R4 Bundle) into rows: pure, nothing stored here.

A row names one patient by its external id and, optionally, one of its appointments by its
external id. A field absent from a row (no such column, an empty cell, a FHIR element left
out) is not given: an existing patient keeps what it has (PATCH semantics).
"""

import base64
import binascii
import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from touchpoint.domain.errors import BadRequest, InvalidInput, InvalidQuery
from touchpoint.domain.json_input import decode_json

PATIENT_COLUMNS = ("patient_external_id", "first_name", "phone", "timezone", "language")
APPOINTMENT_COLUMNS = ("appointment_external_id", "starts_at", "duration_minutes", "status")
COLUMNS = PATIENT_COLUMNS + APPOINTMENT_COLUMNS
STATUSES = ("scheduled", "cancelled")
MAX_CELL_CHARS = 256
MAX_ROWS = 20_000

# FHIR R4 Appointment.status -> ours; proposed and waitlist are not bookings yet (a row error).
FHIR_STATUSES = {
    "booked": "scheduled",
    "pending": "scheduled",
    "arrived": "scheduled",
    "checked-in": "scheduled",
    "fulfilled": "scheduled",
    "cancelled": "cancelled",
    "noshow": "cancelled",
    "entered-in-error": "cancelled",
}
_DIGITS = re.compile(r"\d{1,4}")


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str


@dataclass(frozen=True)
class ImportRow:
    """One row as given: `patient` and `appointment` hold only the fields the row names, as
    the admin API's JSON bodies would (`duration_minutes` a number once it reads as one)."""

    row: int
    patient_external_id: str
    patient: dict[str, Any] = field(default_factory=dict)
    appointment_external_id: str | None = None
    appointment: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Parsed:
    rows: list[ImportRow]
    errors: list[RowError]


@dataclass(frozen=True)
class ImportStep:
    """Which rows one request imports: from `from_row` (a row number, as errors give them), at
    most `max_rows` of them (None: as many as its time allows)."""

    from_row: int = 0
    max_rows: int | None = None


def parse_import_step(from_row: str | None, max_rows: str | None) -> ImportStep:
    def whole(raw: str, name: str, low: int, high: int) -> int:
        if (
            not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(high)))
            or not low <= int(raw) <= high
        ):
            raise InvalidQuery(f"{name} must be a whole number from {low} to {high}", name)
        return int(raw)

    return ImportStep(
        0 if from_row is None else whole(from_row, "from_row", 1, 2 * MAX_ROWS + 1),
        None if max_rows is None else whole(max_rows, "max_rows", 1, MAX_ROWS),
    )


def import_body(body: str, base64_encoded: bool) -> bytes:
    """The bytes of the request's body, as API Gateway passed them on."""
    if not base64_encoded:
        return body.encode()
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("the body is not valid base64", "body") from None


def parse_import(raw: bytes, content_type: str | None, renames: str | None) -> Parsed:
    """A CSV (`text/csv`) or a FHIR R4 Bundle (`application/fhir+json`), in UTF-8."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in ("text/csv", "application/fhir+json", "application/json"):
        raise BadRequest("Content-Type must be text/csv or application/fhir+json", "content-type")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8 text", "body") from None
    if media == "text/csv":
        return parse_csv(text, parse_map(renames))
    if renames:
        raise InvalidQuery("map renames CSV columns; a FHIR Bundle has none", "map")
    return parse_fhir_bundle(decode_json(text))


def parse_map(value: str | None) -> dict[str, str]:
    """`?map=MRN:patient_external_id,Mobile:phone`: the file's column name -> ours."""
    if not value:
        return {}
    renames: dict[str, str] = {}
    for pair in value.split(","):
        theirs, colon, ours = pair.partition(":")
        theirs, ours = theirs.strip(), ours.strip()
        if not colon or not theirs or ours not in COLUMNS:
            raise InvalidQuery(
                f"map takes pairs COLUMN:ours separated by commas, ours one of {', '.join(COLUMNS)}",
                "map",
            )
        renames[theirs.lower()] = ours
    return renames


def parse_csv(text: str, renames: Mapping[str, str] | None = None) -> Parsed:
    """The rows of a CSV with a header row: a BOM, CRLF, quoted cells and empty lines are read
    as spreadsheets write them; an unknown column or a header naming a column twice is a 400."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(_lines(reader), None)
        if header is None:
            raise BadRequest("the CSV is empty: it needs a header row", "body")
        columns = _columns(header[1], renames or {})
        rows, errors = [], []
        for number, cells in _lines(reader):
            if number - 1 > MAX_ROWS:
                raise BadRequest(f"the CSV has more than {MAX_ROWS} rows: split it", "body")
            if len(cells) > len(columns):
                errors.append(
                    RowError(number, "row", f"the row has {len(cells)} cells, the header {len(columns)}")
                )
                continue
            given = {name: cell.strip() for name, cell in zip(columns, cells, strict=False) if cell.strip()}
            found = _row(number, given)
            if isinstance(found, RowError):
                errors.append(found)
            else:
                rows.append(found)
    except csv.Error as problem:
        raise BadRequest(f"the CSV cannot be read at line {reader.line_num}: {problem}", "body") from None
    return Parsed(rows, errors)


def _lines(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """The non-empty lines, each with its row number: the header is row 1, as a spreadsheet shows it."""
    for cells in reader:
        if any(cell.strip() for cell in cells):
            yield reader.line_num, cells


def _columns(header: list[str], renames: Mapping[str, str]) -> list[str]:
    columns = [renames.get(name.strip().lower(), name.strip().lower()) for name in header]
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        raise BadRequest(
            f"unknown columns: {', '.join(name[:40] for name in unknown[:10])}; the columns are "
            f"{', '.join(COLUMNS)} (rename others with ?map=theirs:ours)",
            "body",
        )
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise BadRequest(f"the header names {', '.join(repeated)} more than once", "body")
    if "patient_external_id" not in columns:
        raise BadRequest("the header must name patient_external_id", "body")
    return columns


def _row(number: int, given: dict[str, str]) -> ImportRow | RowError:
    for name, value in given.items():
        if len(value) > MAX_CELL_CHARS:
            return RowError(number, name, f"{name} is longer than {MAX_CELL_CHARS} characters")
    patient = {name: given[name] for name in PATIENT_COLUMNS[1:] if name in given}
    appointment: dict[str, Any] = {name: given[name] for name in APPOINTMENT_COLUMNS[1:] if name in given}
    if "duration_minutes" in appointment:
        text = appointment["duration_minutes"]
        appointment["duration_minutes"] = int(text) if _DIGITS.fullmatch(text) else text
    return _checked(
        number, given.get("patient_external_id"), patient, given.get("appointment_external_id"), appointment
    )


def _checked(
    number: int,
    patient_external_id: object,
    patient: dict[str, Any],
    appointment_external_id: object,
    appointment: dict[str, Any],
) -> ImportRow | RowError:
    if not isinstance(patient_external_id, str) or not patient_external_id:
        return RowError(number, "patient_external_id", "patient_external_id is required in every row")
    if appointment and not appointment_external_id:
        return RowError(
            number,
            "appointment_external_id",
            "a row with an appointment needs its appointment_external_id (what makes a re-import idempotent)",
        )
    status = appointment.get("status")
    if status is not None and status not in STATUSES:
        return RowError(number, "status", f"status must be one of {', '.join(STATUSES)}")
    external_id = appointment_external_id if isinstance(appointment_external_id, str) else None
    return ImportRow(number, patient_external_id, patient, external_id, appointment)


# ---- FHIR R4 ------------------------------------------------------------------------------


def parse_fhir_bundle(bundle: object) -> Parsed:
    """One row per Appointment (with its Patient's fields, when the Bundle holds it) and one
    per Patient no Appointment names. A row's number is its resource's place in `entry`, from 1."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InvalidInput("the body must be a FHIR R4 Bundle (resourceType Bundle)", "body")
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise InvalidInput("Bundle.entry must be an array", "entry")
    if len(entries) > 2 * MAX_ROWS:
        raise BadRequest(f"the Bundle has more than {2 * MAX_ROWS} entries: split it", "entry")
    patients: dict[str, tuple[int, dict[str, Any]]] = {}
    appointments: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    for number, entry in enumerate(entries, start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if not isinstance(resource, dict) or kind not in ("Patient", "Appointment"):
            errors.append(RowError(number, "resourceType", "each entry must be a Patient or an Appointment"))
        elif not isinstance(resource.get("id"), str) or not resource["id"]:
            errors.append(RowError(number, "id", f"the {kind} has no id (its external_id)"))
        elif kind == "Patient":
            found = _fhir_patient(number, resource)
            if isinstance(found, RowError):
                errors.append(found)
            else:
                patients[resource["id"]] = (number, found)
        else:
            appointments.append((number, resource))
    rows: list[ImportRow] = []
    named: set[str] = set()
    for number, resource in appointments:
        found_row = _fhir_appointment(number, resource, patients)
        if isinstance(found_row, RowError):
            errors.append(found_row)
        else:
            named.add(found_row.patient_external_id)
            rows.append(found_row)
    rows += [
        ImportRow(number, external_id, fields)
        for external_id, (number, fields) in patients.items()
        if external_id not in named
    ]
    return Parsed(sorted(rows, key=lambda row: row.row), sorted(errors, key=lambda error: error.row))


def _fhir_patient(number: int, resource: dict[str, Any]) -> dict[str, Any] | RowError:
    fields: dict[str, Any] = {}
    given = _first(_first(resource.get("name"), dict).get("given"), str)
    if given:
        fields["first_name"] = given
    for telecom in _list(resource.get("telecom")):
        if (
            isinstance(telecom, dict)
            and telecom.get("system") in ("sms", "phone")
            and telecom.get("use") == "mobile"
            and isinstance(telecom.get("value"), str)
        ):
            fields["phone"] = telecom["value"]
            break
    for communication in _list(resource.get("communication")):
        coding = _first(_get(_get(communication, "language"), "coding"), dict)
        code = coding.get("code")
        language = code.split("-")[0].lower() if isinstance(code, str) else None
        if language in ("en", "es"):  # a language we do not text in leaves the clinic's
            fields["language"] = language
            break
    return fields


def _fhir_appointment(
    number: int, resource: dict[str, Any], patients: Mapping[str, tuple[int, dict[str, Any]]]
) -> ImportRow | RowError:
    patient_id = None
    for participant in _list(resource.get("participant")):
        reference = _get(_get(participant, "actor"), "reference")
        if isinstance(reference, str) and reference.startswith("Patient/"):
            patient_id = reference.removeprefix("Patient/")
            break
    if not patient_id:
        return RowError(number, "participant", "the Appointment has no participant actor Patient/<id>")
    status = resource.get("status")
    if status not in FHIR_STATUSES:
        return RowError(
            number,
            "status",
            f"Appointment.status {str(status)[:32]!r} is not one we book: {', '.join(FHIR_STATUSES)}",
        )
    appointment: dict[str, Any] = {"status": FHIR_STATUSES[status]}
    if "start" in resource:
        appointment["starts_at"] = resource["start"]
    if "minutesDuration" in resource:
        appointment["duration_minutes"] = resource["minutesDuration"]
    _, fields = patients.get(patient_id, (0, {}))
    return _checked(number, patient_id, dict(fields), resource["id"], appointment)


def _first(values: object, kind: type) -> Any:
    """The first element of a FHIR array if it is of `kind`; an empty one of `kind` otherwise."""
    if isinstance(values, kind):
        return values
    if isinstance(values, list) and values and isinstance(values[0], kind):
        return values[0]
    return kind()


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _get(value: object, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None
