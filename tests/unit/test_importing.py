"""The import parser (domain/importing.py), pure: CSV as spreadsheets write it (a BOM, CRLF,
quoted commas, empty lines, renamed columns) and FHIR R4 Bundles, into rows or row errors;
a malformed file is a 4xx, never a half-read row."""

import json

import pytest

from touchpoint.domain.errors import BadRequest, DomainError, InvalidQuery
from touchpoint.domain.importing import FHIR_STATUSES, ImportRow, parse_csv, parse_fhir_bundle, parse_import

HEADER = "patient_external_id,first_name,phone,appointment_external_id,starts_at,duration_minutes,status"


def csv_of(*lines: str, header: str = HEADER, newline: str = "\n") -> str:
    return newline.join([header, *lines]) + newline


def test_a_row_names_its_patient_and_appointment_with_the_fields_given() -> None:
    parsed = parse_csv(csv_of("MRN-1,Ana,+15551230001,V-1,2026-12-02T10:00:00-05:00,45,scheduled"))

    assert parsed.errors == []
    [row] = parsed.rows
    assert row == ImportRow(
        2,
        "MRN-1",
        {"first_name": "Ana", "phone": "+15551230001"},
        "V-1",
        {"starts_at": "2026-12-02T10:00:00-05:00", "duration_minutes": 45, "status": "scheduled"},
    )


def test_a_bom_crlf_quoted_commas_and_empty_lines_read_as_a_spreadsheet_wrote_them() -> None:
    text = "\ufeff" + csv_of(
        'MRN-1,"Ana, Maria",+15551230001,,,,', "", "MRN-2,Bo,+15551230002,,,,", newline="\r\n"
    )

    parsed = parse_csv(text)

    assert [(row.row, row.patient["first_name"]) for row in parsed.rows] == [(2, "Ana, Maria"), (4, "Bo")]
    assert parsed.errors == []


def test_other_column_names_are_mapped_and_unknown_ones_refused() -> None:
    renamed = parse_import(
        b"MRN,Name,Mobile\nMRN-1,Ana,+15551230001\n",
        "text/csv",
        "MRN:patient_external_id,Name:first_name,Mobile:phone",
    )
    assert renamed.rows[0].patient == {"first_name": "Ana", "phone": "+15551230001"}

    with pytest.raises(DomainError) as refused:
        parse_import(b"patient_external_id,fax\nMRN-1,555\n", "text/csv", None)
    assert "fax" in refused.value.message
    with pytest.raises(InvalidQuery):
        parse_import(b"MRN\nx\n", "text/csv", "MRN:not_a_column")


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (",Ana,+15551230001,,,,", "patient_external_id"),
        ("MRN-1,Ana,+15551230001,V-1,2026-12-02T10:00:00-05:00,45,done", "status"),
        ("MRN-1,Ana,+15551230001,,2026-12-02T10:00:00-05:00,45,scheduled", "appointment_external_id"),
        ("MRN-1," + "A" * 300 + ",+15551230001,,,,", "first_name"),
    ],
)
def test_a_bad_row_is_a_row_error_and_the_others_still_read(line: str, field: str) -> None:
    parsed = parse_csv(csv_of(line, "MRN-9,Zed,+15551230009,,,,"))

    assert [(error.row, error.field) for error in parsed.errors] == [(2, field)]
    assert [row.patient_external_id for row in parsed.rows] == ["MRN-9"]


@pytest.mark.parametrize(
    ("raw", "content_type", "problem"),
    [
        (b"\xff\xfe not utf-8", "text/csv", BadRequest),
        (b"patient_external_id\nMRN-1\n", "application/xml", BadRequest),
        (b"[" * 20000, "application/fhir+json", BadRequest),
    ],
)
def test_a_body_that_cannot_be_read_is_a_4xx(
    raw: bytes, content_type: str, problem: type[DomainError]
) -> None:
    with pytest.raises(problem):
        parse_import(raw, content_type, None)


def bundle(*resources: dict[str, object]) -> dict[str, object]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": resource} for resource in resources],
    }


PATIENT = {
    "resourceType": "Patient",
    "id": "p-1",
    "name": [{"given": ["Ana"], "family": "Lopez"}],
    "telecom": [
        {"system": "email", "value": "ana@example.org"},
        {"system": "phone", "use": "mobile", "value": "+15551230001"},
    ],
    "communication": [{"language": {"coding": [{"code": "es-MX"}]}}],
}


def appointment(status: str) -> dict[str, object]:
    return {
        "resourceType": "Appointment",
        "id": "a-1",
        "status": status,
        "start": "2026-12-02T15:00:00Z",
        "minutesDuration": 60,
        "participant": [{"actor": {"reference": "Patient/p-1"}}],
    }


def test_a_fhir_bundle_reads_its_patient_and_appointment() -> None:
    parsed = parse_fhir_bundle(bundle(PATIENT, appointment("booked")))

    assert parsed.errors == []
    [row] = parsed.rows
    assert (row.patient_external_id, row.appointment_external_id) == ("p-1", "a-1")
    assert row.patient["first_name"] == "Ana"
    assert row.patient["phone"] == "+15551230001"  # the mobile phone, not the e-mail
    assert row.patient["language"] == "es"
    assert row.appointment["status"] == "scheduled"
    assert row.appointment["duration_minutes"] == 60


@pytest.mark.parametrize(("status", "ours"), sorted(FHIR_STATUSES.items()))
def test_each_fhir_appointment_status_maps_as_the_docs_say(status: str, ours: str) -> None:
    [row] = parse_fhir_bundle(bundle(PATIENT, appointment(status))).rows

    assert row.appointment["status"] == ours


@pytest.mark.parametrize("status", ["proposed", "waitlist", "nonsense"])
def test_a_fhir_appointment_that_is_not_a_booking_is_a_row_error(status: str) -> None:
    parsed = parse_fhir_bundle(bundle(PATIENT, appointment(status)))

    assert parsed.errors
    assert all(error.field for error in parsed.errors)


def test_a_fhir_body_that_is_not_a_bundle_is_refused() -> None:
    with pytest.raises(DomainError):
        parse_import(json.dumps({"resourceType": "Patient"}).encode(), "application/fhir+json", None)
