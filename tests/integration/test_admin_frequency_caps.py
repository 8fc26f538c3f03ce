"""The `frequency_caps` clinic setting through the admin API, at the handler on moto: the defaults
shown when it is left out, set by POST, PUT and PATCH and read back, null for none, and bad
values refused with 422 naming the field and storing nothing."""

from typing import Any

import pytest

from tests.integration import admin_world
from tests.integration.admin_world import CLINIC, Api, Booked, assert_refused
from tests.integration.moto_table import module_table_fixture

moto_table = module_table_fixture()

api = admin_world.api
booked = admin_world.booked

DEFAULT = {"per_day": 1, "per_week": 3, "kinds": ["reminder"]}


def test_a_clinic_created_without_caps_has_the_default_ones(api: Api) -> None:
    reply = api.call("POST", "/admin/clinics", CLINIC)

    assert reply.status == 201
    assert reply.body["frequency_caps"] == DEFAULT
    assert api.call("GET", f"/admin/clinics/{reply.body['clinic_id']}").body["frequency_caps"] == DEFAULT


def test_caps_set_by_post_put_and_patch_are_read_back(api: Api) -> None:
    caps = {"per_day": 2, "per_week": 4, "kinds": ["follow_up", "reminder"]}
    created = api.call("POST", "/admin/clinics", CLINIC | {"frequency_caps": caps})
    clinic_id = created.body["clinic_id"]
    assert created.body["frequency_caps"] == caps

    put = api.call("PUT", f"/admin/clinics/{clinic_id}", CLINIC | {"frequency_caps": None})
    assert put.status == 200, put.body
    assert api.call("GET", f"/admin/clinics/{clinic_id}").body["frequency_caps"] is None

    patched = api.call("PATCH", f"/admin/clinics/{clinic_id}", {"frequency_caps": {"per_week": 2}})
    assert patched.status == 200, patched.body
    assert api.call("GET", f"/admin/clinics/{clinic_id}").body["frequency_caps"] == DEFAULT | {"per_week": 2}


BAD_CAPS: list[tuple[Any, str]] = [
    ({"per_day": -1}, "frequency_caps.per_day"),
    ({"per_day": 0}, "frequency_caps.per_day"),
    ({"per_day": 10_000}, "frequency_caps.per_day"),
    ({"per_week": 10_000}, "frequency_caps.per_week"),
    ({"per_day": 2, "per_week": 1}, "frequency_caps.per_week"),
    ({"kinds": ["newsletter"]}, "frequency_caps.kinds"),
    ({"kinds": []}, "frequency_caps.kinds"),
    ("daily", "frequency_caps"),
]


@pytest.mark.parametrize(("caps", "field"), BAD_CAPS)
def test_post_refuses_bad_caps_naming_the_field_and_stores_nothing(api: Api, caps: Any, field: str) -> None:
    reply = api.call("POST", "/admin/clinics", CLINIC | {"frequency_caps": caps})

    assert reply.status == 422
    assert reply.error["field"] == field
    assert_refused(api, reply, {422}, field, 0)


@pytest.mark.parametrize(("caps", "field"), BAD_CAPS)
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_put_and_patch_refuse_bad_caps_and_change_nothing(
    api: Api, booked: Booked, method: str, caps: Any, field: str
) -> None:
    before = api.items()
    body = {"frequency_caps": caps} | (CLINIC if method == "PUT" else {})

    reply = api.call(method, f"/admin/clinics/{booked.clinic_id}", body)

    assert reply.error["field"] == field
    assert_refused(api, reply, {422}, field, len(before))
    assert api.items() == before
