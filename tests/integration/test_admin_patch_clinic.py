"""PATCH /admin/clinics/{clinic_id} at the handler on moto: only the named settings change, each
checked as a PUT checks it; the planned messages are re-planned only when reminders, follow-ups
or quiet hours changed; an empty body or an unknown field is refused naming it; PUT still
replaces the whole set.
"""

from typing import Any

import pytest

from tests.integration import admin_world
from tests.integration.admin_world import CLINIC, Api, Booked, assert_refused
from tests.integration.moto_table import module_table_fixture

moto_table = module_table_fixture()
api = admin_world.api
booked = admin_world.booked


def jobs_of(api: Api, booked: Booked) -> list[tuple[str, str, str]]:
    reply = api.call("GET", booked.path)
    assert reply.status == 200, reply.body
    return sorted((m["job_id"], m["due_at"], m["state"]) for m in reply.body["messages"])


def test_patch_changes_only_the_named_field(api: Api) -> None:
    clinic_id = api.clinic()
    before = api.call("GET", f"/admin/clinics/{clinic_id}").body

    reply = api.call("PATCH", f"/admin/clinics/{clinic_id}", {"name": "Calmer Waters"})

    assert reply.status == 200, reply.body
    assert reply.body["name"] == "Calmer Waters"
    unchanged = {k: v for k, v in before.items() if k not in ("name", "updated_at")}
    assert {k: reply.body[k] for k in unchanged} == unchanged
    assert api.call("GET", f"/admin/clinics/{clinic_id}").body["name"] == "Calmer Waters"


def test_patching_the_name_leaves_every_planned_message_as_it_was(api: Api, booked: Booked) -> None:
    before = jobs_of(api, booked)

    reply = api.call("PATCH", f"/admin/clinics/{booked.clinic_id}", {"name": "Other", "discreet": False})

    assert reply.status == 200, reply.body
    assert jobs_of(api, booked) == before


def test_patching_the_reminders_re_plans_the_unsent_messages(api: Api, booked: Booked) -> None:
    before = jobs_of(api, booked)

    reply = api.call("PATCH", f"/admin/clinics/{booked.clinic_id}", {"reminders": [{"before": "PT3H"}]})

    assert reply.status == 200, reply.body
    reminders = [m for m in api.call("GET", booked.path).body["messages"] if m["kind"] == "reminder"]
    pending = [m["due_at"] for m in reminders if m["state"] == "pending"]
    assert pending == ["2026-12-01T17:00:00Z"]
    assert jobs_of(api, booked) != before


def test_patching_the_quiet_hours_re_plans(api: Api, booked: Booked) -> None:
    # The 18:00 local reminder two days before falls inside 17:00-23:00 quiet hours: it moves.
    reply = api.call(
        "PATCH", f"/admin/clinics/{booked.clinic_id}", {"quiet_hours": {"start": "17:00", "end": "23:00"}}
    )

    assert reply.status == 200, reply.body
    due = {
        m["rule"]: m["due_at"]
        for m in api.call("GET", booked.path).body["messages"]
        if m["state"] == "pending"
    }
    assert due["days_before:2@18:00"] != "2026-11-29T23:00:00Z"


def test_a_patch_value_is_checked_as_a_put_checks_it(api: Api) -> None:
    clinic_id = api.clinic()
    count = api.item_count()

    reply = api.call("PATCH", f"/admin/clinics/{clinic_id}", {"survey_expiry_hours": 0})

    assert_refused(api, reply, {422}, "survey_expiry_hours", count)
    assert reply.error["field"] == "survey_expiry_hours"


def test_an_unknown_field_is_refused_naming_it(api: Api) -> None:
    clinic_id = api.clinic()
    count = api.item_count()

    reply = api.call("PATCH", f"/admin/clinics/{clinic_id}", {"name": "X", "colour": "blue"})

    assert_refused(api, reply, {422}, "colour", count)
    assert reply.error["field"] == "colour"
    assert api.call("GET", f"/admin/clinics/{clinic_id}").body["name"] == CLINIC["name"]


def test_an_empty_body_is_refused(api: Api) -> None:
    clinic_id = api.clinic()
    count = api.item_count()

    reply = api.call("PATCH", f"/admin/clinics/{clinic_id}", {})

    assert_refused(api, reply, {422}, "name", count)
    assert reply.error["field"] == "body"


def test_patching_a_clinic_that_does_not_exist_answers_404(api: Api) -> None:
    assert api.call("PATCH", "/admin/clinics/cl_nobody", {"name": "X"}).status == 404


def test_put_still_replaces_the_whole_set(api: Api) -> None:
    clinic_id = api.clinic()
    settings: dict[str, Any] = {k: CLINIC[k] for k in ("name", "timezone", "sender", "phone")}

    reply = api.call("PUT", f"/admin/clinics/{clinic_id}", settings)

    assert reply.status == 200, reply.body
    assert reply.body["follow_ups"] == []
    assert reply.body["reminders"] == [{"before": "P1D"}]


def test_a_change_no_plan_depends_on_writes_no_plan(
    api: Api, booked: Booked, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved: list[str] = []
    save_plan = api.service.appointments.save_plan

    def counted(appointment: Any, **kwargs: Any) -> None:
        saved.append(appointment.appointment_id)
        save_plan(appointment, **kwargs)

    monkeypatch.setattr(api.service.appointments, "save_plan", counted)
    path = f"/admin/clinics/{booked.clinic_id}"

    for change in ({"name": "Other"}, {"survey_expiry_hours": 48}, {"escalation_minutes": 30}):
        assert api.call("PATCH", path, change).status == 200
    assert saved == []
    assert api.call("PATCH", path, {"follow_ups": []}).status == 200
    assert saved == [booked.appointment_id]
