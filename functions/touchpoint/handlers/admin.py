"""Admin API: clinics, patients, appointments and what the clinic reads back."""

import json
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint import bootstrap
from touchpoint.domain.errors import BadRequest, Conflict, DomainError, InvalidInput, InvalidQuery, NotFound
from touchpoint.domain.ids import ID_RULE, is_well_formed_id
from touchpoint.domain.json_input import decode_json
from touchpoint.handlers.identity import caller_name
from touchpoint.handlers.views import (
    alert_view,
    appointment_with_messages_view,
    clinic_view,
    message_view,
    outcome_view,
    patient_view,
    survey_view,
)
from touchpoint.usecases.admin import Admin

logger = Logger()
tracer = Tracer()
app = APIGatewayHttpResolver()

MAX_BODY_BYTES = 64 * 1024


def error(status: int, code: str, message: str, field: str | None = None) -> Response[str]:
    detail = {"code": code, "message": message} | ({"field": field} if field else {})
    return Response(status, "application/json", json.dumps({"error": detail}))


STATUS_OF: dict[type[DomainError], int] = {
    BadRequest: 400,
    InvalidQuery: 400,
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
}


@app.exception_handler(DomainError)
def domain_error(problem: DomainError) -> Response[str]:
    status = STATUS_OF.get(type(problem), 400)
    return error(status, problem.code, problem.message, problem.field)


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
    return datetime.fromtimestamp(app.current_event.request_context.time_epoch / 1000, UTC)


def caller() -> str:
    name = caller_name(app.current_event.raw_event)
    assert name is not None  # the handler admits no request without one
    return name


def body() -> Any:
    raw = app.current_event.decoded_body or ""
    if len(raw.encode()) > MAX_BODY_BYTES:
        raise BadRequest(f"body is larger than {MAX_BODY_BYTES} bytes", "body")
    return decode_json(raw)


@app.post("/admin/clinics")
def create_clinic() -> tuple[dict[str, Any], int]:
    return clinic_view(admin().create_clinic(body(), now())), 201


@app.get("/admin/clinics/<clinic_id>")
def get_clinic(clinic_id: str) -> dict[str, Any]:
    return clinic_view(admin().get_clinic(clinic_id))


@app.put("/admin/clinics/<clinic_id>")
def update_clinic(clinic_id: str) -> dict[str, Any]:
    return clinic_view(admin().update_clinic(clinic_id, body(), now()))


@app.post("/admin/clinics/<clinic_id>/patients")
def create_patient(clinic_id: str) -> tuple[dict[str, Any], int]:
    return patient_view(admin().create_patient(clinic_id, body(), now())), 201


@app.get("/admin/clinics/<clinic_id>/patients/<patient_id>")
def get_patient(clinic_id: str, patient_id: str) -> dict[str, Any]:
    return patient_view(admin().get_patient(clinic_id, patient_id))


@app.get("/admin/clinics/<clinic_id>/patients/<patient_id>/messages")
def patient_messages(clinic_id: str, patient_id: str) -> dict[str, Any]:
    return {"items": [message_view(message) for message in admin().messages_of(clinic_id, patient_id)]}


@app.post("/admin/clinics/<clinic_id>/patients/<patient_id>/opt-out")
def opt_out_patient(clinic_id: str, patient_id: str) -> dict[str, Any]:
    return patient_view(admin().opt_out(clinic_id, patient_id, now()))


@app.get("/admin/clinics/<clinic_id>/patients/<patient_id>/surveys")
def patient_surveys(clinic_id: str, patient_id: str) -> dict[str, Any]:
    at = now()
    return {"items": [survey_view(survey, at) for survey in admin().surveys_of(clinic_id, patient_id)]}


@app.get("/admin/clinics/<clinic_id>/patients/<patient_id>/outcomes")
def patient_outcomes(clinic_id: str, patient_id: str) -> dict[str, Any]:
    return {"items": [outcome_view(outcome) for outcome in admin().outcomes_of(clinic_id, patient_id)]}


@app.get("/admin/clinics/<clinic_id>/alerts")
def clinic_alerts(clinic_id: str) -> dict[str, Any]:
    query = app.current_event.get_query_string_value
    alerts = admin().alerts_of(clinic_id, kind=query("kind"), state=query("state"))
    return {"items": [alert_view(alert) for alert in alerts]}


@app.post("/admin/clinics/<clinic_id>/alerts/<alert_id>/acknowledge")
def acknowledge_alert(clinic_id: str, alert_id: str) -> dict[str, Any]:
    return alert_view(admin().acknowledge_alert(clinic_id, alert_id, body(), by=caller(), now=now()))


@app.post("/admin/clinics/<clinic_id>/appointments")
def create_appointment(clinic_id: str) -> tuple[dict[str, Any], int]:
    return appointment_with_messages_view(admin().create_appointment(clinic_id, body(), now())), 201


@app.get("/admin/clinics/<clinic_id>/appointments/<appointment_id>")
def get_appointment(clinic_id: str, appointment_id: str) -> dict[str, Any]:
    return appointment_with_messages_view(admin().get_appointment(clinic_id, appointment_id))


@app.patch("/admin/clinics/<clinic_id>/appointments/<appointment_id>")
def update_appointment(clinic_id: str, appointment_id: str) -> dict[str, Any]:
    return appointment_with_messages_view(
        admin().update_appointment(clinic_id, appointment_id, body(), now())
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext, service: Admin | None = None) -> dict[str, Any]:
    # The JWT authorizer (Cognito in AWS, the bearer token locally) admits only signed-in admins.
    if caller_name(event) is None:
        message = "sign in first: an Authorization: Bearer <token> header is required"
        return _plain_error(401, "unauthorized", message)
    # An id no one gave out names nothing, and one too long for a DynamoDB key must not reach one.
    if not all(is_well_formed_id(part) for part in str(event.get("rawPath", "")).split("/") if part):
        return _plain_error(404, "not_found", f"no such resource: {ID_RULE}")
    app.append_context(admin=service or bootstrap.admin())
    return app.resolve(event, context)


def _plain_error(status: int, code: str, message: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"error": {"code": code, "message": message}}),
    }
