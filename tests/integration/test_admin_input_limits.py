"""The admin API at the handler, on moto: bodies nested too deep, absurd numbers, ids too long
for a key and unknown fields are refused with a 4xx in the error shape, and store nothing."""

import time
from typing import Any

import pytest

from tests.integration import admin_world
from tests.integration.admin_world import CLINIC, Api, Booked, assert_refused
from tests.integration.moto_table import module_table_fixture

moto_table = module_table_fixture()

api = admin_world.api
booked = admin_world.booked

DEEP_BODIES = {
    "arrays": b"[" * 20_000 + b"]" * 20_000,
    "objects": b'{"a":' * 20_000 + b"1" + b"}" * 20_000,
    "unclosed": b"[" * 20_000,
    "objects within the size limit": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
}


@pytest.mark.parametrize("deep", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
def test_a_body_nested_20000_deep_is_a_fast_400_that_stores_nothing(
    api: Api, booked: Booked, deep: bytes
) -> None:
    before = api.item_count()
    for method, path in [
        ("POST", "/admin/clinics"),
        ("PUT", f"/admin/clinics/{booked.clinic_id}"),
        ("POST", f"/admin/clinics/{booked.clinic_id}/patients"),
        ("PATCH", booked.path),
    ]:
        started = time.perf_counter()
        reply = api.call(method, path, raw=deep)
        assert time.perf_counter() - started < 1.0
        assert reply.status == 400, reply.body
        assert reply.error["code"] == "bad_request"
        # The objects body is over the 64 KiB limit too: either limit refuses it before decoding.
        assert "32 levels" in reply.error["message"] or "larger than" in reply.error["message"]
    assert api.item_count() == before


def test_a_reminder_of_5000_nines_of_days_is_refused_naming_the_rule(api: Api) -> None:
    before = api.item_count()
    for field, rules in [
        ("reminders", [{"before": "P" + "9" * 5000 + "D"}]),
        ("follow_ups", [{"after": "P" + "9" * 5000 + "D", "survey": "gad7"}]),
    ]:
        reply = api.call("POST", "/admin/clinics", CLINIC | {field: rules})
        assert_refused(api, reply, {422}, f"{field}[0]", before)
        assert len(reply.error["message"]) < 200


@pytest.mark.parametrize(
    "literal",
    ["9" * 5000, "-" + "9" * 5000, "1e999", "-1e999", "NaN", "Infinity", "1" + "0" * 30],
)
@pytest.mark.parametrize("field", ["survey_expiry_hours", "escalation_minutes"])
def test_a_clinic_number_out_of_bounds_is_a_400_not_a_500(api: Api, literal: str, field: str) -> None:
    before = api.item_count()
    text = '{"name": "Calm", "timezone": "America/New_York", "sender": "+15005550006", '
    text += f'"phone": "+12125550100", "{field}": {literal}}}'

    reply = api.call("POST", "/admin/clinics", raw=text.encode())

    assert_refused(api, reply, {400}, "number", before)
    assert reply.error["field"] == "body"


@pytest.mark.parametrize("literal", ["9" * 5000, "1e999", "-1e999", "0." + "1" * 5000])
def test_an_appointment_duration_out_of_bounds_is_a_400(api: Api, booked: Booked, literal: str) -> None:
    before = api.item_count()
    create = f'{{"patient_id": "{booked.patient_id}", "starts_at": "2026-12-02T15:00:00-05:00", '
    create += f'"duration_minutes": {literal}}}'

    created = api.call("POST", f"/admin/clinics/{booked.clinic_id}/appointments", raw=create.encode())
    patched = api.call("PATCH", booked.path, raw=f'{{"duration_minutes": {literal}}}'.encode())

    assert_refused(api, created, {400}, "number", before)
    assert_refused(api, patched, {400}, "number", before)


def test_a_duration_in_minutes_of_a_huge_float_is_still_refused_by_the_domain(
    api: Api, booked: Booked
) -> None:
    before = api.item_count()
    reply = api.call("PATCH", booked.path, {"duration_minutes": 1e300})
    assert_refused(api, reply, {422}, "duration_minutes", before)


def test_quiet_hours_with_an_unknown_field_are_refused_with_422(api: Api, booked: Booked) -> None:
    before = api.item_count()
    quiet = {"start": "21:00", "end": "08:00", "x": 1}

    created = api.call("POST", "/admin/clinics", CLINIC | {"quiet_hours": quiet})
    replaced = api.call("PUT", f"/admin/clinics/{booked.clinic_id}", CLINIC | {"quiet_hours": quiet})

    assert_refused(api, created, {422}, "unknown field 'x'", before)
    assert_refused(api, replaced, {422}, "unknown field 'x'", before)
    assert api.call("GET", f"/admin/clinics/{booked.clinic_id}").body["quiet_hours"] == CLINIC["quiet_hours"]


def bad_ids() -> list[str]:
    return ["x" * 65, "x" * 2100, "cl%20x", "cl.x", "%F0%9F%98%80"]


@pytest.mark.parametrize("bad", bad_ids())
def test_a_path_id_too_long_or_malformed_answers_404_and_stores_nothing(
    api: Api, booked: Booked, bad: str
) -> None:
    before = api.item_count()
    clinic, patient = booked.clinic_id, booked.patient_id
    paths: list[tuple[str, str, Any]] = [
        ("GET", f"/admin/clinics/{bad}", None),
        ("PUT", f"/admin/clinics/{bad}", CLINIC),
        ("POST", f"/admin/clinics/{bad}/patients", {"first_name": "Ana", "phone": "+15551230009"}),
        ("GET", f"/admin/clinics/{clinic}/patients/{bad}", None),
        ("POST", f"/admin/clinics/{clinic}/patients/{bad}/opt-out", None),
        ("GET", f"/admin/clinics/{clinic}/patients/{bad}/messages", None),
        ("GET", f"/admin/clinics/{clinic}/appointments/{bad}", None),
        ("PATCH", f"/admin/clinics/{clinic}/appointments/{bad}", {"status": "cancelled"}),
        ("POST", f"/admin/clinics/{clinic}/alerts/{bad}/acknowledge", {"note": "called"}),
        ("GET", f"/admin/clinics/{clinic}/patients/{patient}/{bad}", None),
    ]
    for method, path, body in paths:
        reply = api.call(method, path, body)
        assert reply.status == 404, (method, path, reply.body)
        assert reply.error["code"] == "not_found"
        assert "64" in reply.error["message"]
    assert api.item_count() == before


def test_a_patient_id_too_long_for_a_key_in_a_booking_is_refused_with_422(api: Api, booked: Booked) -> None:
    before = api.item_count()
    body = {"patient_id": "pt_" + "x" * 2100, "starts_at": "2026-12-02T15:00:00-05:00"}

    reply = api.call("POST", f"/admin/clinics/{booked.clinic_id}/appointments", body)

    assert_refused(api, reply, {422}, "patient_id", before)


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "HEAD", "DELETE", "BREW"])
def test_a_known_path_with_another_method_answers_405_with_allow(
    api: Api, booked: Booked, method: str
) -> None:
    before = api.item_count()
    reply = api.call(method, f"/admin/clinics/{booked.clinic_id}")

    assert reply.status == 405
    assert reply.error["code"] == "method_not_allowed"
    assert {part.strip() for part in reply.headers["Allow"].split(",")} == {"GET", "PATCH", "PUT"}
    assert api.item_count() == before


def test_an_unknown_path_answers_404_in_the_error_shape(api: Api) -> None:
    reply = api.call("TRACE", "/admin/nothing/here")
    assert (reply.status, reply.error["code"]) == (404, "not_found")
