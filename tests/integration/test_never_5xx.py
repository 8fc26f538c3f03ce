"""Whatever is sent, the admin API and Twilio's webhooks never answer a 5xx, and what they
refuse (a 4xx) stores nothing: random JSON (deep, huge numbers, long strings, emoji, lone
surrogates, raw bytes) to every admin route that takes a body, and random signed forms to both
webhooks. At the handlers, on moto."""

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mypy_boto3_dynamodb import DynamoDBClient

from tests.integration import admin_world
from tests.integration.admin_world import CLINIC, Api, Booked
from tests.integration.inbound_world import (
    CLINIC_NUMBER,
    PATIENT_PHONE,
    PUBLIC_URL,
    STRANGER_PHONE,
    World,
    incoming_sms,
    new_message_sid,
    sign,
    status_callback,
    webhook_event,
    world_fixture,
)
from tests.integration.moto_table import module_table_fixture
from touchpoint.handlers import admin as admin_handler

moto_table = module_table_fixture()

api = admin_world.api
booked = admin_world.booked

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

texts = st.one_of(
    st.text(max_size=20),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.text(min_size=2000, max_size=2200),
    st.sampled_from(
        ["", "\U0001f600", "P" + "9" * 5000 + "D", "21:00", "P1D", "gad7", "+15551230001", "x" * 2100]
    ),
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
)
json_values = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=15,
)
APPOINTMENT = {"patient_id": "pt_x", "starts_at": "2026-12-02T15:00:00-05:00", "duration_minutes": 60}
BASES: list[dict[str, Any]] = [
    CLINIC,
    {"first_name": "Ana", "phone": "+15551230002", "timezone": "America/Chicago"},
    APPOINTMENT,
    {"starts_at": "2026-12-02T16:00:00-05:00", "duration_minutes": 30, "status": "completed"},
    {"note": "called"},
    {"quiet_hours": {"start": "21:00", "end": "08:00"}, "reminders": [{"before": "PT2H"}]},
]
KEYS = sorted({key for base in BASES for key in base} | {"x", ""})
# A valid body with one field, or one nested rule, replaced: gets past the first checks.
near_valid = st.builds(
    lambda base, key, value: base | {key: value}, st.sampled_from(BASES), st.sampled_from(KEYS), json_values
)


def encoded(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")


raw_bodies = st.one_of(
    st.builds(encoded, json_values),
    st.builds(encoded, near_valid),
    st.binary(max_size=200),
    st.integers(min_value=1, max_value=30_000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.integers(min_value=1, max_value=10_000).map(lambda depth: b'{"a":' * depth + b"1" + b"}" * depth),
    st.integers(min_value=20, max_value=6000).map(
        lambda digits: b'{"duration_minutes": ' + b"9" * digits + b"}"
    ),
    st.sampled_from(
        [
            b'{"duration_minutes": 1e999}',
            b'{"name": "\\ud800"}',
            b'{"name": "\xed\xa0\x80"}',
            b'{"survey_expiry_hours": ' + b"9" * 5000 + b"}",
            b'{"quiet_hours": {"start": "21:00", "end": "08:00", "x": 1}}',
        ]
    ),
)
# Every write of the route table, and the alerts' filters: what takes a body or a query.
ROUTES = [
    (route.method, re.sub(r"<(\w+)_id>", r"{\1}", route.rule))
    for route in admin_handler.routes.routes
    if route.method != "GET" or route.rule.endswith("/alerts")
]


path_ids = st.one_of(st.none(), texts.map(lambda text: quote(text, safe="")))


def assert_held(status: int, before: list[dict[str, Any]], after: list[dict[str, Any]], what: str) -> None:
    assert status < 500, what
    if status >= 400:
        assert after == before, f"a refused request changed the table: {what}"


@PROPERTY_SETTINGS
@given(route=st.sampled_from(ROUTES), body=raw_bodies, other_id=path_ids)
def test_no_admin_body_gets_a_5xx_and_a_refusal_stores_nothing(
    api: Api, booked: Booked, route: tuple[str, str], body: bytes, other_id: str | None
) -> None:
    method, template = route
    ids = {
        "clinic": booked.clinic_id,
        "patient": booked.patient_id,
        "appointment": booked.appointment_id,
        "alert": "al_missing",
        "course": "co_missing",
    }
    if other_id is not None:
        ids["clinic" if len(other_id) % 2 else "appointment"] = other_id or "x"
    path = template.format(**ids)
    before = api.items()

    reply = api.call(method, path, raw=body)

    assert_held(reply.status, before, api.items(), f"{method} {path[:80]} {body[:80]!r}")
    if reply.status >= 400:
        assert {"code", "message"} <= set(reply.error)


@pytest.fixture
def world(moto_table: tuple[DynamoDBClient, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from world_fixture(moto_table, monkeypatch)


@pytest.fixture
def clinic(world: World) -> str:
    clinic_id = world.clinic()
    world.patient(clinic_id)
    return clinic_id


TWILIO_FIELDS = [
    "MessageSid",
    "SmsSid",
    "From",
    "To",
    "Body",
    "MessagingServiceSid",
    "MessageStatus",
    "ErrorCode",
]
form_values = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.text(min_size=1, max_size=3000),
    st.sampled_from(
        ["", PATIENT_PHONE, STRANGER_PHONE, CLINIC_NUMBER, "MG" + "1" * 32, "21610", "delivered"]
    ),
    st.builds(new_message_sid),
    st.integers(min_value=60, max_value=2200).map(lambda length: "SM" + "a" * length),
)
form_changes = st.dictionaries(st.sampled_from(TWILIO_FIELDS) | st.text(max_size=10), form_values, max_size=4)
raw_tails = st.sampled_from(
    ["", "&Body=%ED%A0%80", "&From=%FF%FE", "&%ZZ=1", "&MessageSid=", "&&&=", "&Body=" + "%F0%9F%98%80" * 50]
)


@PROPERTY_SETTINGS
@given(
    path=st.sampled_from(["/twilio/inbound", "/twilio/status"]),
    base=st.sampled_from(["sms", "status", "empty"]),
    changes=form_changes,
    tail=raw_tails,
)
def test_no_signed_webhook_gets_a_5xx_and_a_refusal_stores_nothing(
    world: World, clinic: str, path: str, base: str, changes: dict[str, str], tail: str
) -> None:
    forms = {"sms": incoming_sms("C"), "status": status_callback(new_message_sid(), "delivered"), "empty": {}}
    raw = (urlencode(forms[base] | changes) + tail) or "NumMedia=0"  # API Gateway base64s a form
    signed_form = parse_qsl(raw, keep_blank_values=True)  # every pair: Twilio signs them all
    event = webhook_event(path, {}, signature=sign(PUBLIC_URL + path, signed_form), body=raw)
    before = world.count()

    response = world.call(event)

    assert response.status < 500
    assert response.status != 403, "the request was signed"
    if response.status >= 400:
        assert world.count() == before, "a refused webhook stored something"
