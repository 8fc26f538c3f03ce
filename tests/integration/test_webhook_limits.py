"""Twilio's webhooks at the handler, on moto: a signed request whose SID or numbers are too long
for a DynamoDB key answers 400 in the error shape and stores nothing; other methods and paths
answer 405 or 404 in JSON."""

import json
from collections.abc import Iterator

import pytest
from mypy_boto3_dynamodb import DynamoDBClient

from tests.integration.inbound_world import (
    CLINIC_NUMBER,
    INBOUND_URL,
    PATIENT_PHONE,
    PUBLIC_URL,
    World,
    incoming_sms,
    new_message_sid,
    sign,
    status_callback,
    webhook_event,
    world_fixture,
)
from tests.integration.moto_table import module_table_fixture

moto_table = module_table_fixture()


@pytest.fixture
def world(moto_table: tuple[DynamoDBClient, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from world_fixture(moto_table, monkeypatch)


@pytest.fixture
def booked(world: World) -> str:
    clinic_id = world.clinic()
    world.patient(clinic_id)
    return clinic_id


def error_of(body: str) -> dict[str, str]:
    error: dict[str, str] = json.loads(body)["error"]
    return error


def test_a_signed_inbound_sms_whose_message_sid_is_2100_characters_is_a_400_storing_nothing(
    world: World, booked: str
) -> None:
    before = world.count()
    sid = "SM" + "a" * 2098

    response = world.text("C", sid=sid)

    assert response.status == 400
    assert response.content_type == "application/json"
    assert error_of(response.body)["field"] == "MessageSid"
    assert "64" in error_of(response.body)["message"]
    assert world.count() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("MessageSid", "SM" + "0" * 63),
        ("MessageSid", "SM../../x"),
        ("SmsSid", "SM" + "1" * 2100),
        ("MessagingServiceSid", "MG" + "2" * 2100),
        ("From", "+1" + "5" * 2100),
        ("To", "+1" + "5" * 2100),
    ],
)
def test_a_signed_inbound_sms_with_a_field_too_long_for_a_key_is_refused(
    world: World, booked: str, field: str, value: str
) -> None:
    before = world.count()
    form = incoming_sms("C") | {field: value}

    response = world.post("/twilio/inbound", form)

    assert response.status == 400, response.body
    assert error_of(response.body)["field"] == field
    assert world.count() == before


def test_a_signed_status_callback_whose_message_sid_is_too_long_is_a_400(world: World, booked: str) -> None:
    before = world.count()

    response = world.post("/twilio/status", status_callback("SM" + "f" * 2100, "delivered"))

    assert response.status == 400
    assert error_of(response.body)["field"] == "MessageSid"
    assert world.count() == before


def test_a_message_sid_of_twilios_own_length_is_taken(world: World, booked: str) -> None:
    sid = new_message_sid()
    assert len(sid) == 34
    response = world.text("C", sid=sid)
    assert response.status == 200
    assert len(world.inbound_records(sid)) == 1


def test_a_missing_message_sid_is_a_400_in_the_error_shape(world: World) -> None:
    form = {"From": PATIENT_PHONE, "To": CLINIC_NUMBER, "Body": "C"}
    response = world.post("/twilio/inbound", form)
    assert response.status == 400
    assert error_of(response.body) == {
        "code": "bad_request",
        "message": "MessageSid is required",
        "field": "MessageSid",
    }


@pytest.mark.parametrize("method", ["GET", "PUT", "TRACE", "OPTIONS", "HEAD"])
def test_a_webhook_path_with_another_method_answers_405_with_allow_post(world: World, method: str) -> None:
    form = incoming_sms("C")
    event = webhook_event("/twilio/inbound", form, signature=sign(INBOUND_URL, form))
    event["requestContext"]["http"]["method"] = method

    response = world.call(event)

    assert response.status == 405
    assert response.headers["Allow"] == "POST"
    assert error_of(response.body)["code"] == "method_not_allowed"


def test_another_twilio_path_answers_404_in_the_error_shape(world: World) -> None:
    form = incoming_sms("C")
    event = webhook_event("/twilio/other", form, signature=sign(PUBLIC_URL + "/twilio/other", form))
    response = world.call(event)
    assert response.status == 404
    assert error_of(response.body)["code"] == "not_found"
