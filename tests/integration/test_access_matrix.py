"""Every admin route x every role x the caller's own clinic or another's (contract section 8),
generated from the handler's route table: a route added to the API is in this matrix the moment
it exists, and a route the resolver knows but the table does not fails the first test.

A refusal is a 403 whose body is the error alone, which changes nothing and is audited; an
allowed request is anything but a 401 or 403 (a 404 for an alert id that names nothing is
allowed: the check let it through to the route)."""

from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration import admin_world
from tests.integration.admin_world import CLINIC, Api, Booked, staff
from tests.integration.moto_table import module_table_fixture
from touchpoint.domain.access import Action, Role
from touchpoint.handlers import admin as admin_handler
from touchpoint.handlers.route_table import Route

moto_table = module_table_fixture()
api = admin_world.api
booked = admin_world.booked

# What each role may do: written out here, not read from the domain, so that a change of the
# rules in domain/access.py has to change this table too.
MAY: dict[Action, set[Role]] = {
    Action.LIST_CLINICS: {Role.PLATFORM_ADMIN, Role.CLINIC_ADMIN, Role.CLINICIAN},
    Action.CREATE_CLINIC: {Role.PLATFORM_ADMIN},
    Action.READ_CLINIC: {Role.PLATFORM_ADMIN, Role.CLINIC_ADMIN, Role.CLINICIAN},
    Action.CHANGE_SETTINGS: {Role.PLATFORM_ADMIN, Role.CLINIC_ADMIN},
    Action.READ_PATIENT: {Role.PLATFORM_ADMIN, Role.CLINIC_ADMIN, Role.CLINICIAN},
    Action.MANAGE_PATIENTS: {Role.PLATFORM_ADMIN, Role.CLINIC_ADMIN},
    Action.ACKNOWLEDGE_ALERT: {Role.PLATFORM_ADMIN, Role.CLINIC_ADMIN, Role.CLINICIAN},
    Action.OPT_OUT: {Role.PLATFORM_ADMIN, Role.CLINIC_ADMIN, Role.CLINICIAN},
    Action.READ_AUDIT: {Role.PLATFORM_ADMIN},
    Action.CREATE_USER: {Role.PLATFORM_ADMIN},
}


@dataclass(frozen=True)
class Case:
    route: Route
    role: Role
    whose: str  # "own" or "other": the clinic of the path, the caller's or not

    @property
    def id(self) -> str:
        return f"{self.route.name}-{self.role.value}-{self.whose}"


def cases() -> list[Case]:
    found = []
    for route in admin_handler.routes.routes:
        scoped = "<clinic_id>" in route.rule
        for role in Role:
            for whose in ("own", "other") if scoped else ("own",):
                found.append(Case(route, role, whose))
    return found


def body_for(action: Action, booked: Booked) -> Any:
    return {
        Action.CREATE_CLINIC: CLINIC | {"sender": "+15557770123"},
        Action.CHANGE_SETTINGS: CLINIC,
        Action.MANAGE_PATIENTS: {"first_name": "Bo", "phone": "+15551239999"},
        Action.ACKNOWLEDGE_ALERT: {"note": "Called her back"},
    }.get(action)


# Routes whose action alone does not say what they take.
ROUTE_BODIES: dict[str, Any] = {
    "POST /admin/clinics/<clinic_id>/preview": {"settings": {"discreet": False}},
}

# The console's routes (handlers/console.py) and what they do: a preview is a read of the settings.
CONSOLE_ROUTES = {
    "POST /admin/clinics/<clinic_id>/preview": Action.READ_CLINIC,
    "GET /admin/clinics/<clinic_id>/outcomes": Action.READ_PATIENT,
}


def path_for(rule: str, clinic_id: str, booked: Booked) -> str:
    return (
        rule.replace("<clinic_id>", clinic_id)
        .replace("<patient_id>", booked.patient_id)
        .replace("<appointment_id>", booked.appointment_id)
        .replace("<alert_id>", "al_0000000000")
        .replace("<course_id>", "co_0000000000")
    )


@pytest.fixture
def two_clinics(api: Api, booked: Booked) -> tuple[Booked, str]:
    """Clinic A with a patient and an appointment (`booked`), and clinic B, the other."""
    other = api.clinic(sender="+15557770999")
    api.patient(other, phone="+15551230042")
    return booked, other


def test_every_route_the_resolver_knows_is_in_the_route_table_with_an_action_this_matrix_covers() -> None:
    known = {
        (route.method, route.rule)
        for route in admin_handler.app._static_routes + admin_handler.app._dynamic_routes
    }
    declared = {(route.method, route.pattern.pattern) for route in admin_handler.routes.routes}
    assert len(known) == len(admin_handler.routes.routes) == len(declared)
    assert {route.action for route in admin_handler.routes.routes} <= set(MAY)
    assert set(MAY) - {route.action for route in admin_handler.routes.routes} == {
        Action.CREATE_USER
    }  # local: /_local/users


def test_the_console_routes_are_in_the_matrix_with_their_read_actions() -> None:
    declared = {route.name: route.action for route in admin_handler.routes.routes}

    assert {name: declared.get(name) for name in CONSOLE_ROUTES} == CONSOLE_ROUTES
    assert {case.id for case in cases()} >= {
        f"{name}-{role.value}-{whose}"
        for name in CONSOLE_ROUTES
        for role in Role
        for whose in ("own", "other")
    }


@pytest.mark.parametrize("case", cases(), ids=lambda case: case.id)
def test_each_route_answers_each_role_as_the_rules_say_for_its_own_and_another_clinic(
    api: Api, two_clinics: tuple[Booked, str], case: Case
) -> None:
    booked, other = two_clinics
    own = booked.clinic_id
    member_of = [] if case.role is Role.PLATFORM_ADMIN else [own]
    clinic_of_path = own if case.whose == "own" else other
    path = path_for(case.route.rule, clinic_of_path, booked)
    query = f"clinic_id={own}" if case.route.action is Action.READ_AUDIT else ""
    before = api.items()

    reply = api.call(
        case.route.method,
        path,
        ROUTE_BODIES.get(case.route.name, body_for(case.route.action, booked)),
        claims=staff(case.role, member_of),
        query=query,
    )

    allowed = case.role in MAY[case.route.action] and (
        case.whose == "own" or case.role is Role.PLATFORM_ADMIN or "<clinic_id>" not in case.route.rule
    )
    if allowed:
        assert reply.status not in (401, 403), (reply.status, reply.body)
    else:
        assert reply.status == 403, (reply.status, reply.body)
        assert set(reply.body) == {"error"}, reply.body
        assert reply.body["error"]["code"] == "forbidden", reply.body
        assert api.items() == before, "a refused request changed something"
        [entry] = [item for item in audit_items(api) if item["status"]["N"] == "403"]
        assert entry["action"]["S"] == case.route.action.value
        assert entry["role"]["S"] == case.role.value


def audit_items(api: Api) -> list[dict[str, Any]]:
    pages = api.dynamodb.get_paginator("scan").paginate(TableName=api.table.name)
    return [item for page in pages for item in page["Items"] if item["pk"]["S"].startswith("AUDIT#")]


def test_a_caller_without_a_role_group_may_do_nothing(api: Api, booked: Booked) -> None:
    no_role = {"sub": "sub-x", "username": "x", "cognito:groups": [f"clinic:{booked.clinic_id}"]}

    reply = api.call("GET", f"/admin/clinics/{booked.clinic_id}", claims=no_role)

    assert reply.status == 403
    assert "no role" in reply.body["error"]["message"]


def test_a_user_in_two_role_groups_gets_the_lesser(api: Api, booked: Booked) -> None:
    both = staff(Role.CLINICIAN, [booked.clinic_id]) | {
        "cognito:groups": f"[clinic_admin clinician clinic:{booked.clinic_id}]"
    }

    reply = api.call("PUT", f"/admin/clinics/{booked.clinic_id}", CLINIC, claims=both)

    assert reply.status == 403
    assert "clinician" in reply.body["error"]["message"]


def test_the_clinic_list_holds_what_the_caller_may_see(api: Api, two_clinics: tuple[Booked, str]) -> None:
    booked, other = two_clinics
    third = api.clinic(sender="+15557770555")

    def listed(role: Role, clinics: list[str]) -> list[str]:
        reply = api.call("GET", "/admin/clinics", claims=staff(role, clinics))
        assert reply.status == 200, reply.body
        return [clinic["clinic_id"] for clinic in reply.body["items"]]

    assert sorted(listed(Role.PLATFORM_ADMIN, [])) == sorted([booked.clinic_id, other, third])
    assert listed(Role.CLINIC_ADMIN, [booked.clinic_id]) == [booked.clinic_id]
    assert sorted(listed(Role.CLINICIAN, [other, third, "cl_gone"])) == sorted([other, third])


def test_me_names_the_callers_role_clinics_and_what_the_role_allows(api: Api) -> None:
    clinician = api.call("GET", "/admin/me", claims=staff(Role.CLINICIAN, ["cl_a", "cl_b"], name="dr-1"))
    platform = api.call("GET", "/admin/me")

    assert clinician.status == 200, clinician.body
    assert clinician.body["role"] == "clinician"
    assert clinician.body["clinics"] == ["cl_a", "cl_b"]
    assert "acknowledge_alert" in clinician.body["may"]
    assert "change_settings" not in clinician.body["may"]
    assert "manage_patients" not in clinician.body["may"]
    assert (platform.body["role"], platform.body["clinics"]) == ("platform_admin", None)
    assert set(platform.body["may"]) == {action.value for action in Action}
