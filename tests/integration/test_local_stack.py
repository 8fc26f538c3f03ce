"""The local stack in this process (embedded moto), sending through the Twilio SDK to a fake
Twilio server: its simulated ticks, its clock, and what its admin API refuses."""

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.local_stack import LocalConfig, LocalStack
from tests.fakes.twilio_server import FakeTwilio, Reply
from touchpoint import bootstrap

ACCOUNT_SID = "AC" + "10" * 16
AUTH_TOKEN = "local-stack-test-auth-token"
ADMIN_TOKEN = "local-stack-test-admin-token"
PHONE = "+15551230077"


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as server:
        yield server


@pytest.fixture
def stack(twilio: FakeTwilio) -> Iterator[LocalStack]:
    """The stack sets the functions' environment as the template does: put it back afterwards."""
    saved = dict(os.environ)
    config = LocalConfig(
        port=0,
        public_url="https://touchpoint-local.example.test",
        admin_token=ADMIN_TOKEN,
        auto_tick=False,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_api_base_url=twilio.base_url,
    )
    try:
        with LocalStack(config) as running:
            yield running
    finally:
        os.environ.clear()
        os.environ.update(saved)
        bootstrap.reset()


def request(stack: LocalStack, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
    status, _, raw = stack.http(method, path, headers, json.dumps(body).encode() if body is not None else b"")
    return status, json.loads(raw or b"{}")


def create(stack: LocalStack, path: str, body: dict[str, Any]) -> dict[str, Any]:
    status, created = request(stack, "POST", path, body)
    assert status == 201, created
    return created


def clinic_and_patient(stack: LocalStack) -> tuple[str, str]:
    clinic = create(
        stack,
        "/admin/clinics",
        {
            "name": "Calm Waters",
            "timezone": "America/New_York",
            "sender": "+15005550006",
            "phone": "+12125550100",
            "reminders": [{"before": "PT2H"}],
            "follow_ups": [],
        },
    )
    patient = create(
        stack, f"/admin/clinics/{clinic['clinic_id']}/patients", {"first_name": "Ana", "phone": PHONE}
    )
    return clinic["clinic_id"], patient["patient_id"]


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# ---- a message Twilio throttled ----


def test_a_reminder_twilio_throttled_is_sent_by_the_next_tick(stack: LocalStack, twilio: FakeTwilio) -> None:
    clinic_id, patient_id = clinic_and_patient(stack)
    starts_at = (stack.clock.now() + timedelta(days=3)).replace(hour=18, minute=0, second=0, microsecond=0)
    appointment = create(
        stack,
        f"/admin/clinics/{clinic_id}/appointments",
        {"patient_id": patient_id, "starts_at": starts_at.isoformat()},
    )
    [message] = appointment["messages"]
    due = parse_instant(message["due_at"])
    twilio.script(Reply.TOO_MANY_REQUESTS)  # one 429, then Twilio accepts again

    first = stack.tick(due)

    assert (first.queued, first.retried, first.sent) == (1, 1, 0)
    assert twilio.messages_to(PHONE) == []

    second = stack.tick(due + timedelta(minutes=1))

    assert second.sent == 1
    assert second.retried == 0
    assert len(twilio.messages_to(PHONE)) == 1
    assert len(twilio.messages) == 1
    status, found = request(
        stack, "GET", f"/admin/clinics/{clinic_id}/appointments/{appointment['appointment_id']}"
    )
    assert status == 200
    assert [job["state"] for job in found["messages"]] == ["sent"]


def test_a_lasting_429_ends_the_tick_and_leaves_the_message_for_the_next_one(
    stack: LocalStack, twilio: FakeTwilio
) -> None:
    clinic_id, patient_id = clinic_and_patient(stack)
    starts_at = (stack.clock.now() + timedelta(days=3)).replace(hour=18, minute=0, second=0, microsecond=0)
    appointment = create(
        stack,
        f"/admin/clinics/{clinic_id}/appointments",
        {"patient_id": patient_id, "starts_at": starts_at.isoformat()},
    )
    due = parse_instant(appointment["messages"][0]["due_at"])
    twilio.script(Reply.TOO_MANY_REQUESTS, times=3)

    results = [stack.tick(due + timedelta(minutes=minute)) for minute in range(4)]

    assert [(result.retried, result.sent) for result in results] == [(1, 0), (1, 0), (1, 0), (0, 1)]
    assert len(twilio.requests_to(PHONE)) == 4
    assert len(twilio.messages_to(PHONE)) == 1


# ---- the clock follows the latest simulated tick ----


def test_after_a_tick_back_to_an_earlier_instant_admin_requests_take_that_time(stack: LocalStack) -> None:
    now = stack.clock.now().replace(microsecond=0)
    stack.tick(now + timedelta(days=30))
    later = stack.tick(now + timedelta(days=2))
    assert later.queued == 0

    clinic_id, _ = clinic_and_patient(stack)
    status, clinic = request(stack, "GET", f"/admin/clinics/{clinic_id}")

    assert status == 200
    created_at = parse_instant(clinic["created_at"])
    assert now + timedelta(days=2) <= created_at < now + timedelta(days=2, minutes=5)


# ---- GET /_local/tick: the latest tick, for make smoke ----


def test_get_tick_answers_when_the_latest_tick_ran_and_the_instant_it_ran_as(stack: LocalStack) -> None:
    assert request(stack, "GET", "/_local/tick") == (200, {"last_tick": None, "now": None})
    before = datetime.now(UTC).replace(microsecond=0)

    status, _ = request(stack, "POST", "/_local/tick", {"now": "2030-06-01T12:00:00Z"})
    assert status == 200
    status, last = request(stack, "GET", "/_local/tick")

    assert status == 200
    assert last["now"] == "2030-06-01T12:00:00Z"
    assert before <= parse_instant(last["last_tick"]) <= datetime.now(UTC)  # the wall clock, not the tick's


# ---- a starts_at long past ----


@pytest.mark.parametrize("starts_at", ["0999-01-01T00:00:00Z", "0999-06-01T10:00:00", "1999-01-01T00:00:00Z"])
def test_an_appointment_starting_long_ago_is_refused_with_422_naming_starts_at(
    stack: LocalStack, starts_at: str
) -> None:
    clinic_id, patient_id = clinic_and_patient(stack)
    path = f"/admin/clinics/{clinic_id}/appointments"

    status, body = request(stack, "POST", path, {"patient_id": patient_id, "starts_at": starts_at})

    assert status == 422, body
    assert "starts_at" in body["error"]["message"]
