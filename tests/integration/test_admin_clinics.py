"""Clinics through the admin API, at the handler on moto: creating one (with defaults, a
messaging service as sender), reading it back, replacing its settings (which replans unsent
messages), one clinic per sender, and every kind of bad settings, malformed or oversized body
or unknown clinic refused naming the field and storing nothing.
"""

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.integration import admin_world
from tests.integration.admin_world import (
    CLINIC,
    NOW,
    Api,
    Booked,
    assert_refused,
    reminders,
)
from tests.integration.moto_table import module_table_fixture

moto_table = module_table_fixture()

# admin_world's fixtures, under the names the tests ask for.
api = admin_world.api
booked = admin_world.booked


# ---- clinics -------------------------------------------------------------------------------


def test_post_clinic_answers_201_with_the_stored_clinic_and_its_id(api: Api) -> None:
    reply = api.call("POST", "/admin/clinics", CLINIC | {"sender": "+1 (500) 555-0006"})

    assert reply.status == 201
    assert reply.body["clinic_id"].startswith("cl_")
    assert {k: reply.body[k] for k in CLINIC} == CLINIC
    assert reply.body["created_at"] == "2026-11-20T12:00:00Z"
    assert api.call("GET", f"/admin/clinics/{reply.body['clinic_id']}").body == reply.body


def test_a_clinic_takes_defaults_for_what_it_leaves_out(api: Api) -> None:
    minimal = {key: CLINIC[key] for key in ("name", "timezone", "sender", "phone")}

    reply = api.call("POST", "/admin/clinics", minimal)

    assert reply.status == 201
    assert reply.body["quiet_hours"] == {"start": "21:00", "end": "08:00"}
    assert reply.body["reminders"] == [{"before": "P1D"}]
    assert reply.body["follow_ups"] == []
    assert reply.body["discreet"] is True


def test_a_messaging_service_sid_is_a_sender(api: Api) -> None:
    sid = "MG" + "0123456789abcdef" * 2

    reply = api.call("POST", "/admin/clinics", CLINIC | {"sender": sid})

    assert (reply.status, reply.body["sender"]) == (201, sid)


def test_get_unknown_clinic_is_404_naming_it(api: Api) -> None:
    reply = api.call("GET", "/admin/clinics/cl_nope")

    assert reply.status == 404
    assert reply.error["code"] == "not_found"
    assert "cl_nope" in reply.error["message"]


def test_put_clinic_replaces_the_settings_and_replans_unsent_messages(api: Api, booked: Booked) -> None:
    new_settings = CLINIC | {
        "name": "Calm Waters Midtown",
        "reminders": [{"before": "PT3H"}],
        "quiet_hours": None,
    }

    reply = api.call("PUT", f"/admin/clinics/{booked.clinic_id}", new_settings, now=NOW + timedelta(hours=1))

    assert reply.status == 200
    assert reply.body["clinic_id"] == booked.clinic_id
    assert {k: reply.body[k] for k in CLINIC} == new_settings
    assert reply.body["updated_at"] == "2026-11-20T13:00:00Z"
    assert api.call("GET", f"/admin/clinics/{booked.clinic_id}").body == reply.body
    appointment = api.call("GET", booked.path).body
    assert reminders(appointment["messages"]) == [("2026-12-01T17:00:00Z", "pending")]


def test_put_clinic_can_take_back_what_get_returned(api: Api, booked: Booked) -> None:
    current = api.call("GET", f"/admin/clinics/{booked.clinic_id}").body

    reply = api.call("PUT", f"/admin/clinics/{booked.clinic_id}", current | {"discreet": False})

    assert reply.status == 200
    assert reply.body["discreet"] is False


def test_a_sender_belongs_to_one_clinic(api: Api) -> None:
    api.clinic(sender="+15005550006")
    other = api.clinic(sender="+15005550007")
    count = api.item_count()

    created = api.call("POST", "/admin/clinics", CLINIC | {"sender": "+15005550006"})
    replaced = api.call("PUT", f"/admin/clinics/{other}", CLINIC | {"sender": "+15005550006"})

    assert_refused(api, created, {409}, "sender", count)
    assert_refused(api, replaced, {409}, "sender", count)
    assert api.call("GET", f"/admin/clinics/{other}").body["sender"] == "+15005550007"


BAD_CLINICS: list[tuple[dict[str, Any], str]] = [
    ({"default_language": "fr"}, "default_language"),
    ({"default_language": "ES"}, "default_language"),
    ({"default_language": None}, "default_language"),
    ({"name": 5}, "name"),
    ({"name": ""}, "name"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"timezone": 5}, "timezone"),
    ({"sender": "MG123"}, "sender"),
    ({"sender": "not a number"}, "sender"),
    ({"phone": "12"}, "phone"),
    ({"phone": "+1 212"}, "phone"),
    ({"phone": 12125550100}, "phone"),
    ({"quiet_hours": {"start": "21:00", "end": "21:00"}}, "quiet_hours"),
    ({"quiet_hours": {"start": "9pm", "end": "08:00"}}, "quiet_hours.start"),
    ({"quiet_hours": "21:00-08:00"}, "quiet_hours"),
    ({"reminders": [{"before": "PT0S"}]}, "reminders[0].before"),
    ({"reminders": [{"before": "P0D"}]}, "reminders[0].before"),
    ({"reminders": [{"before": "-P1D"}]}, "reminders[0].before"),
    ({"reminders": [{"before": "P400D"}]}, "reminders[0].before"),
    ({"reminders": [{"before": "P1M"}]}, "reminders[0].before"),
    ({"reminders": [{"before": "tomorrow"}]}, "reminders[0].before"),
    ({"reminders": [{"before": 86400}]}, "reminders[0].before"),
    ({"reminders": [{"before": "P1D"}, {"days_before": 45, "at": "18:00"}]}, "reminders[1].days_before"),
    ({"reminders": [{"days_before": True, "at": "18:00"}]}, "reminders[0].days_before"),
    ({"reminders": [{"days_before": 1, "at": "6pm"}]}, "reminders[0].at"),
    ({"reminders": [{"before": "P1D", "days_before": 1, "at": "18:00"}]}, "reminders[0]"),
    ({"reminders": [{"before": f"PT{n}H"} for n in range(1, 12)]}, "reminders"),
    ({"reminders": "P1D"}, "reminders"),
    ({"follow_ups": [{"after": "PT0S", "survey": "gad7"}]}, "follow_ups[0].after"),
    ({"follow_ups": [{"after": "-PT4H", "survey": "gad7"}]}, "follow_ups[0].after"),
    ({"follow_ups": [{"after": "P1000D", "survey": "gad7"}]}, "follow_ups[0].after"),
    ({"follow_ups": [{"after": "P1D", "survey": "bdi"}]}, "follow_ups[0].survey"),
    ({"discreet": "yes"}, "discreet"),
    ({"colour": "blue"}, "colour"),
]


@pytest.mark.parametrize(("change", "field"), BAD_CLINICS)
def test_post_clinic_refuses_bad_settings_naming_the_field_and_stores_nothing(
    api: Api, change: dict[str, Any], field: str
) -> None:
    reply = api.call("POST", "/admin/clinics", CLINIC | change)

    assert_refused(api, reply, {400, 422}, field, 0)


# PUT runs the same validation as POST: a sample of each kind of mistake is enough there.
BAD_CLINIC_UPDATES: list[tuple[dict[str, Any], str]] = [
    ({"name": 5}, "name"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"sender": "MG123"}, "sender"),
    ({"phone": "+1 212"}, "phone"),
    ({"quiet_hours": {"start": "21:00", "end": "21:00"}}, "quiet_hours"),
    ({"reminders": [{"before": "PT0S"}]}, "reminders[0].before"),
    ({"reminders": [{"before": "-P1D"}]}, "reminders[0].before"),
    ({"reminders": [{"before": "P400D"}]}, "reminders[0].before"),
    ({"reminders": [{"days_before": 45, "at": "18:00"}]}, "reminders[0].days_before"),
    ({"follow_ups": [{"after": "P1D", "survey": "bdi"}]}, "follow_ups[0].survey"),
    ({"discreet": "yes"}, "discreet"),
    ({"colour": "blue"}, "colour"),
]


@pytest.mark.parametrize(("change", "field"), BAD_CLINIC_UPDATES)
def test_put_clinic_refuses_bad_settings_naming_the_field_and_changes_nothing(
    api: Api, booked: Booked, change: dict[str, Any], field: str
) -> None:
    before = api.items()

    reply = api.call("PUT", f"/admin/clinics/{booked.clinic_id}", CLINIC | change)

    assert_refused(api, reply, {400, 422}, field, len(before))
    assert api.items() == before


@pytest.mark.parametrize(
    "raw", [b"{", b"", b"not json", b'{"name": "Calm",}', b"\xff\xfe", b"{" * 5 + b"}" * 4]
)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_malformed_json_on_clinics_is_400(api: Api, booked: Booked, method: str, raw: bytes) -> None:
    path = "/admin/clinics" if method == "POST" else f"/admin/clinics/{booked.clinic_id}"
    before = api.items()

    reply = api.call(method, path, raw=raw)

    assert_refused(api, reply, {400}, "body", len(before))
    assert api.items() == before


@pytest.mark.parametrize("body", [[], "Calm Waters", 42, None])
def test_a_clinic_body_that_is_not_an_object_is_refused(api: Api, body: Any) -> None:
    reply = api.call("POST", "/admin/clinics", raw=json.dumps(body).encode())

    assert_refused(api, reply, {400, 422}, "body", 0)


def test_an_oversized_body_is_refused(api: Api) -> None:
    reply = api.call("POST", "/admin/clinics", CLINIC | {"name": "x" * 70_000})

    assert_refused(api, reply, {400, 413, 422}, "body", 0)


def test_put_unknown_clinic_is_404_and_stores_nothing(api: Api) -> None:
    reply = api.call("PUT", "/admin/clinics/cl_nope", CLINIC)

    assert_refused(api, reply, {404}, "cl_nope", 0)
