"""The admin API's gate, at the handler on moto: every admin route answers 401 and changes
nothing without a signed-in admin (an empty authorizer counts as none), and a route the API
does not have is 404.
"""

import functools
import json
from typing import Any

import pytest

from infra.local_http import LambdaContext, http_api_event
from tests.integration import admin_world
from tests.integration.admin_world import (
    CLINIC,
    NOW,
    Api,
    Booked,
)
from tests.integration.moto_table import module_table_fixture
from touchpoint.handlers import admin as admin_handler
from touchpoint.handlers.admin import handler

moto_table = module_table_fixture()

# admin_world's fixtures, under the names the tests ask for.
api = admin_world.api
booked = admin_world.booked


# ---- authorization -------------------------------------------------------------------------

PLACEHOLDERS = {
    "<clinic_id>": "{c}",
    "<patient_id>": "{p}",
    "<appointment_id>": "{a}",
    "<alert_id>": "al_0000",
}
# Every route of the handler's table: a route added there is refused here too.
ROUTES = [
    (route.method, functools.reduce(lambda rule, pair: rule.replace(*pair), PLACEHOLDERS.items(), route.rule))
    for route in admin_handler.routes.routes
]
BODIES: dict[str, Any] = {
    "/admin/clinics": CLINIC | {"sender": "+15005550009"},
    "/admin/clinics/{c}": CLINIC | {"reminders": [{"before": "PT1H"}]},
    "/admin/clinics/{c}/patients": {"first_name": "Bo", "phone": "+15551230009"},
    "/admin/clinics/{c}/appointments": {"patient_id": "{p}", "starts_at": "2026-12-05T10:00:00"},
    "/admin/clinics/{c}/appointments/{a}": {"status": "cancelled"},
}


@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_every_admin_route_answers_401_without_a_signed_in_admin_and_changes_nothing(
    api: Api, booked: Booked, method: str, route: str
) -> None:
    ids = {"{c}": booked.clinic_id, "{p}": booked.patient_id, "{a}": booked.appointment_id}
    path = route
    for placeholder, value in ids.items():
        path = path.replace(placeholder, value)
    body = json.loads(
        json.dumps(BODIES.get(route) if method != "GET" else None).replace("{p}", booked.patient_id)
    )
    before = api.items()

    reply = api.call(method, path, body, authorized=False)

    assert reply.status == 401
    assert reply.error["code"] == "unauthorized"
    assert "Authorization" in reply.error["message"]
    assert api.items() == before


def test_an_empty_authorizer_is_no_authorizer(api: Api) -> None:
    event = http_api_event("POST", "/admin/clinics", "", {}, json.dumps(CLINIC).encode(), NOW)
    event["requestContext"]["authorizer"] = {}

    result = handler(event, LambdaContext("touchpoint-admin"), service=api.service)

    assert result["statusCode"] == 401
    assert api.item_count() == 0


def test_an_unknown_route_is_404(api: Api) -> None:
    reply = api.call("DELETE", "/admin/clinics/cl_1")

    assert reply.status in {404, 405}
    assert "error" in reply.body
