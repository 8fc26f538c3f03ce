"""The OpenAPI document held to the code: schemathesis generates requests from the document the
local stack serves at /openapi.json and checks every answer against it (no 5xx, a documented
status, content type and body).

Fuzzed: the admin routes and /health. Not fuzzed: /twilio/* (a request without a valid
X-Twilio-Signature is a 403 and nothing else, so generated forms would only test the refusal;
the signed webhooks are covered by the other e2e tests) and /_local/* (a tick moves the shared
stack's clock for every other test of the session, and users or outbox reads are the stack's own).

Path ids are those of one clinic, patient, appointment and crisis alert made for this module,
so that the answers are real resources (and their schemas checked), not only 404s; clinics
created or replaced by the fuzzer get senders of their own, so that none takes another test's.
"""

import copy
import itertools
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.support import Api, RunningStack, local
from tests.e2e.webhooks import Webhooks

pytestmark = [pytest.mark.e2e, pytest.mark.enable_socket]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZED = "^/(admin/|health$)"
_senders = itertools.count(1)


@dataclass
class World:
    api: Api
    ids: dict[str, str]
    counts: Counter[str] = field(default_factory=Counter)


@pytest.fixture(scope="module")
def world(local_stack: RunningStack) -> Iterator[World]:
    api = Api(local_stack.base_url, local_stack.admin_token)
    clinic = api.clinic()
    patient, other = clinic.patient("Ana"), clinic.patient("Ben")
    appointment = clinic.appointment(patient, local(clinic.first_day_after(3), 15))
    Webhooks(local_stack).sms(other["phone"], clinic.sender, "I want to end it all")
    alerts = api.get(f"/admin/clinics/{clinic.clinic_id}/alerts").json()["items"]
    ids = {
        "clinic_id": clinic.clinic_id,
        "patient_id": patient["patient_id"],
        "appointment_id": appointment["appointment_id"],
        "alert_id": alerts[0]["alert_id"],
    }
    found = World(api, ids)
    yield found
    print(f"\nschemathesis: {dict(found.counts)}")


# The checked-in document; test_the_stack_serves_the_checked_in_document holds the served one to it.
# (Loaded here, not through schemathesis.pytest.from_fixture, which fails with this pytest.)
DOCUMENT: dict[str, Any] = json.loads(files("touchpoint").joinpath("openapi.json").read_text())
# The coverage phase (every boundary of every schema, about 1,000 requests here) would take minutes
# on two cores: the examples and the fuzzing phases, positive and negative, keep `make test` bounded.
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT), config=CONFIG).include(path_regex=FUZZED)


@schema.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_the_one_the_document_describes(case: schemathesis.Case[Any], world: World) -> None:
    for name, value in (case.path_parameters or {}).items():
        case.path_parameters[name] = world.ids.get(name, value)
    if isinstance(case.body, dict) and isinstance(case.body.get("sender"), str):
        case.body["sender"] = f"MG{'0a' * 12}{next(_senders):08x}"
    response = case.call_and_validate(
        base_url=world.api.base_url, session=world.api.session, checks=CHECKS, timeout=30
    )
    world.counts[f"{case.method} {case.path}"] += 1
    world.counts[f"status {response.status_code}"] += 1


def test_the_stack_serves_the_checked_in_document(world: World) -> None:
    served = world.api.get("/openapi.json")

    assert served.headers["Content-Type"] == "application/json"
    assert served.json() == DOCUMENT


def test_health_answers_without_a_token_and_only_to_get(local_stack: RunningStack) -> None:
    anonymous = Api(local_stack.base_url, "")
    del anonymous.session.headers["Authorization"]

    up = anonymous.get("/health")
    refused = anonymous.post("/health", {})

    assert (up.status_code, up.json()) == (200, {"status": "ok"})
    assert refused.status_code == 405
    assert refused.headers["Allow"] == "GET"
    assert refused.json()["error"]["code"] == "method_not_allowed"
