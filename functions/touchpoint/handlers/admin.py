"""Admin API: clinics, patients, appointments and what the clinic reads back.

Every route is declared with `route(method, rule, action)`, which registers it with the resolver
and in the route table. The handler finds a request's route in the table and decides, before any read,
whether the caller may do its action to the clinic of its path (domain/access.py): a caller who
may not gets a 403 and nothing else. Writes and reads of a patient's data then go to the audit
log, refusals too.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint import bootstrap
from touchpoint.domain.access import AUDITED, Action, Caller
from touchpoint.domain.audit import AuditEntry, parse_audit_query
from touchpoint.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    InvalidInput,
    InvalidQuery,
    NotFound,
    PayloadTooLarge,
)
from touchpoint.domain.ids import ID_RULE, is_well_formed_id
from touchpoint.domain.paging import PageQuery, parse_page
from touchpoint.handlers import console, courses, imports
from touchpoint.handlers.identity import caller_name, caller_of
from touchpoint.handlers.requests import json_body, request_time
from touchpoint.handlers.route_table import RouteTable
from touchpoint.handlers.views import (
    alert_view,
    appointment_with_messages_view,
    audit_entry_view,
    clinic_view,
    listed_appointment_view,
    message_view,
    outcome_view,
    page_view,
    patient_view,
    survey_view,
)
from touchpoint.usecases.admin import Admin
from touchpoint.usecases.lists import Export

logger = Logger()
tracer = Tracer()
app = APIGatewayHttpResolver()
routes = RouteTable(app)
route = routes.route
routes.include(console.routes)  # the console's preview, clinic-wide outcomes and who is signed in
routes.include(imports.routes)  # imports from an EHR
routes.include(courses.routes)  # course templates and patients' courses


def error(
    status: int, code: str, message: str, field: str | None = None, existing_id: str | None = None
) -> Response[str]:
    detail = (
        {"code": code, "message": message}
        | ({"field": field} if field else {})
        | ({"existing_id": existing_id} if existing_id else {})
    )
    return Response(status, "application/json", json.dumps({"error": detail}))


STATUS_OF: dict[type[DomainError], int] = {
    BadRequest: 400,
    PayloadTooLarge: 413,
    InvalidQuery: 400,
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
}


@app.exception_handler(DomainError)
def domain_error(problem: DomainError) -> Response[str]:
    status = STATUS_OF.get(type(problem), 400)
    existing_id = problem.existing_id if isinstance(problem, Conflict) else None
    return error(status, problem.code, problem.message, problem.field, existing_id)


@app.not_found
def not_found(_: Exception) -> Response[str]:
    method, path = app.current_event.http_method, app.current_event.path
    # The resolver keeps its routes to itself; a path it knows under other methods answers 405.
    routes = app._static_routes + app._dynamic_routes
    allowed = sorted({route.method for route in routes if route.rule.match(path)})
    if allowed:
        refused = error(405, "method_not_allowed", f"{path} takes {', '.join(allowed)}, not {method}")
        refused.headers["Allow"] = ", ".join(allowed)
        return refused
    return error(404, "not_found", f"no route {method} {path}")


def admin() -> Admin:
    service: Admin = app.context["admin"]
    return service


def now() -> datetime:
    return request_time(app)


def caller() -> Caller:
    found: Caller = app.context["caller"]
    return found


@dataclass
class AuditNote:
    """What a route learns for its audit entry that its path does not say."""

    clinic_id: str | None = None
    patient_id: str | None = None


def audit_note() -> AuditNote:
    note: AuditNote = app.context["audit_note"]
    return note


def page() -> PageQuery:
    query = app.current_event.get_query_string_value
    return parse_page(query("limit"), query("cursor"))


def body() -> Any:
    return json_body(app)


@route("GET", "/admin/clinics", Action.LIST_CLINICS)
def list_clinics() -> dict[str, Any]:
    return page_view(admin().listing.clinics_of(caller(), page()), clinic_view)


@route("POST", "/admin/clinics", Action.CREATE_CLINIC)
def create_clinic() -> tuple[dict[str, Any], int]:
    clinic = admin().create_clinic(body(), now())
    audit_note().clinic_id = clinic.clinic_id
    return clinic_view(clinic), 201


@route("GET", "/admin/clinics/<clinic_id>", Action.READ_CLINIC)
def get_clinic(clinic_id: str) -> dict[str, Any]:
    return clinic_view(admin().get_clinic(clinic_id))


@route("PUT", "/admin/clinics/<clinic_id>", Action.CHANGE_SETTINGS)
def update_clinic(clinic_id: str) -> dict[str, Any]:
    return clinic_view(admin().update_clinic(clinic_id, body(), now()))


@route("PATCH", "/admin/clinics/<clinic_id>", Action.CHANGE_SETTINGS)
def change_clinic(clinic_id: str) -> dict[str, Any]:
    return clinic_view(admin().change_clinic(clinic_id, body(), now()))


@route("POST", "/admin/clinics/<clinic_id>/patients", Action.MANAGE_PATIENTS)
def create_patient(clinic_id: str) -> tuple[dict[str, Any], int]:
    patient = admin().create_patient(clinic_id, body(), now())
    audit_note().patient_id = patient.patient_id
    return patient_view(patient), 201


@route("GET", "/admin/clinics/<clinic_id>/patients/<patient_id>", Action.READ_PATIENT)
def get_patient(clinic_id: str, patient_id: str) -> dict[str, Any]:
    return patient_view(admin().get_patient(clinic_id, patient_id))


@route("PATCH", "/admin/clinics/<clinic_id>/patients/<patient_id>", Action.MANAGE_PATIENTS)
def change_patient(clinic_id: str, patient_id: str) -> dict[str, Any]:
    return patient_view(admin().change_patient(clinic_id, patient_id, body(), now()))


@route("GET", "/admin/clinics/<clinic_id>/patients/<patient_id>/messages", Action.READ_PATIENT)
def patient_messages(clinic_id: str, patient_id: str) -> dict[str, Any]:
    return {"items": [message_view(message) for message in admin().messages_of(clinic_id, patient_id)]}


@route("POST", "/admin/clinics/<clinic_id>/patients/<patient_id>/opt-out", Action.OPT_OUT)
def opt_out_patient(clinic_id: str, patient_id: str) -> dict[str, Any]:
    return patient_view(admin().opt_out(clinic_id, patient_id, now()))


@route("GET", "/admin/clinics/<clinic_id>/patients/<patient_id>/surveys", Action.READ_PATIENT)
def patient_surveys(clinic_id: str, patient_id: str) -> dict[str, Any]:
    at = now()
    return {"items": [survey_view(survey, at) for survey in admin().surveys_of(clinic_id, patient_id)]}


@route("GET", "/admin/clinics/<clinic_id>/patients/<patient_id>/outcomes", Action.READ_PATIENT)
def patient_outcomes(clinic_id: str, patient_id: str) -> dict[str, Any]:
    return {"items": [outcome_view(outcome) for outcome in admin().outcomes_of(clinic_id, patient_id)]}


@route("GET", "/admin/clinics/<clinic_id>/alerts", Action.READ_CLINIC)
def clinic_alerts(clinic_id: str) -> dict[str, Any]:
    query = app.current_event.get_query_string_value
    found = admin().listing.alerts(clinic_id, page(), kind=query("kind"), state=query("state"))
    return page_view(found, alert_view)


@route("GET", "/admin/clinics/<clinic_id>/patients", Action.READ_PATIENT)
def list_patients(clinic_id: str) -> dict[str, Any]:
    query = app.current_event.get_query_string_value
    found = admin().listing.patients(
        clinic_id, page(), phone=query("phone"), external_id=query("external_id"), q=query("q")
    )
    return page_view(found, patient_view)


@route("GET", "/admin/clinics/<clinic_id>/appointments", Action.READ_PATIENT)
def list_appointments(clinic_id: str) -> dict[str, Any]:
    query = app.current_event.get_query_string_value
    found = admin().listing.appointments(
        clinic_id,
        page(),
        since=query("from"),
        until=query("to"),
        status=query("status"),
        patient_id=query("patient_id"),
        include=query("include"),
    )
    return page_view(found, listed_appointment_view)


@route("GET", "/admin/clinics/<clinic_id>/messages", Action.READ_PATIENT)
def clinic_messages(clinic_id: str) -> dict[str, Any]:
    query = app.current_event.get_query_string_value
    found = admin().listing.messages(
        clinic_id, page(), since=query("from"), until=query("to"), status=query("status")
    )
    return page_view(found, message_view)


@route("GET", "/admin/clinics/<clinic_id>/exports/scores.csv", Action.READ_PATIENT)
def export_scores(clinic_id: str) -> Response[str]:
    query = app.current_event.get_query_string_value
    return csv_response(
        admin().exports.scores(clinic_id, since=query("from"), until=query("to"), cursor=query("cursor"))
    )


@route("GET", "/admin/clinics/<clinic_id>/exports/messages.csv", Action.READ_PATIENT)
def export_messages(clinic_id: str) -> Response[str]:
    query = app.current_event.get_query_string_value
    return csv_response(
        admin().exports.messages(clinic_id, since=query("from"), until=query("to"), cursor=query("cursor"))
    )


def csv_response(export: Export) -> Response[str]:
    """The rows, and where the next part starts when the export did not fit in one answer."""
    headers = {"X-Row-Count": str(export.rows)} | (
        {"X-Next-Cursor": export.next_cursor} if export.next_cursor else {}
    )
    return Response(200, "text/csv; charset=utf-8", export.csv, headers=headers)


@route("POST", "/admin/clinics/<clinic_id>/alerts/<alert_id>/acknowledge", Action.ACKNOWLEDGE_ALERT)
def acknowledge_alert(clinic_id: str, alert_id: str) -> dict[str, Any]:
    alert = admin().acknowledge_alert(clinic_id, alert_id, body(), by=caller().name, now=now())
    audit_note().patient_id = alert.patient_id
    return alert_view(alert)


@route("POST", "/admin/clinics/<clinic_id>/appointments", Action.MANAGE_PATIENTS)
def create_appointment(clinic_id: str) -> tuple[dict[str, Any], int]:
    booked = admin().create_appointment(clinic_id, body(), now())
    audit_note().patient_id = booked.appointment.patient_id
    return appointment_with_messages_view(booked), 201


@route("GET", "/admin/clinics/<clinic_id>/appointments/<appointment_id>", Action.READ_PATIENT)
def get_appointment(clinic_id: str, appointment_id: str) -> dict[str, Any]:
    found = admin().get_appointment(clinic_id, appointment_id)
    audit_note().patient_id = found.appointment.patient_id
    return appointment_with_messages_view(found)


@route("PATCH", "/admin/clinics/<clinic_id>/appointments/<appointment_id>", Action.MANAGE_PATIENTS)
def update_appointment(clinic_id: str, appointment_id: str) -> dict[str, Any]:
    changed = admin().update_appointment(clinic_id, appointment_id, body(), now())
    audit_note().patient_id = changed.appointment.patient_id
    return appointment_with_messages_view(changed)


@route("GET", "/admin/audit", Action.READ_AUDIT)
def read_audit() -> dict[str, Any]:
    query = app.current_event.get_query_string_value
    wanted = parse_audit_query(
        query("clinic_id"), query("from"), query("to"), query("limit"), query("cursor")
    )
    audit_note().clinic_id = wanted.clinic_id
    entries, cursor = admin().audit_entries(wanted)
    return {"items": [audit_entry_view(entry) for entry in entries], "next_cursor": cursor}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext, service: Admin | None = None) -> dict[str, Any]:
    if event.get("rawPath") == "/health":  # public (the template's Auth NONE): before any caller check
        if event.get("requestContext", {}).get("http", {}).get("method") != "GET":
            refused = _plain_error(405, "method_not_allowed", "/health takes GET only")
            return refused | {"headers": refused["headers"] | {"Allow": "GET"}}
        return dict(statusCode=200, headers={"Content-Type": "application/json"}, body='{"status": "ok"}')
    # The JWT authorizer (Cognito in AWS, the bearer token locally) admits only signed-in admins.
    if caller_name(event) is None:
        message = "sign in first: an Authorization: Bearer <token> header is required"
        return _plain_error(401, "unauthorized", message)
    signed_in = caller_of(event)
    if signed_in is None:
        message = "your user has no role: ask a platform admin to add it to platform_admin, clinic_admin or clinician"
        return _plain_error(403, "forbidden", message)
    # An id no one gave out names nothing, and one too long for a DynamoDB key must not reach one.
    path = str(event.get("rawPath", ""))
    if not all(part in routes.literals or is_well_formed_id(part) for part in path.split("/") if part):
        return _plain_error(404, "not_found", f"no such resource: {ID_RULE}")
    found = routes.match(str(event.get("requestContext", {}).get("http", {}).get("method", "")), path)
    if found is None:  # no such route: the resolver's JSON 404 or 405, and nothing read
        return app.resolve(event, context)
    declared, params = found
    service = service or bootstrap.admin()
    note = AuditNote(params.get("clinic_id"), params.get("patient_id"))
    if not signed_in.may(declared.action, note.clinic_id):
        result = _plain_error(403, "forbidden", _refusal(signed_in, declared.action, note.clinic_id))
    else:
        app.append_context(admin=service, caller=signed_in, audit_note=note)
        result = app.resolve(event, context)
    if declared.action in AUDITED or result["statusCode"] == 403:
        service.record(
            AuditEntry.of(
                signed_in,
                declared.action,
                declared.name,
                at=_request_time(event),
                status=int(result["statusCode"]),
                request_id=str(event.get("requestContext", {}).get("requestId", "")),
                clinic_id=note.clinic_id,
                patient_id=note.patient_id,
            )
        )
    return result


def _refusal(caller: Caller, action: Action, clinic_id: str | None) -> str:
    if clinic_id is not None and not caller.sees(clinic_id):
        return f"you do not belong to clinic {clinic_id}"
    return f"a {caller.role.value} may not {action.value.replace('_', ' ')}"


def _request_time(event: dict[str, Any]) -> datetime:
    epoch = event.get("requestContext", {}).get("timeEpoch")
    return datetime.fromtimestamp(epoch / 1000, UTC) if isinstance(epoch, int | float) else datetime.now(UTC)


def _plain_error(status: int, code: str, message: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"error": {"code": code, "message": message}}),
    }
