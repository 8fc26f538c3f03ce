"""Admin routes the clinic console reads: who is signed in, a settings preview and the clinic-wide
outcomes (per instrument, and per course template).

A powertools Router with its own route table, joined to the admin app's (admin.py `routes.include`):
the same authorization, audit and error mapping as every admin route.
"""

from datetime import datetime
from typing import Any

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from touchpoint.domain.access import Action, Caller, Role
from touchpoint.domain.clinic_outcomes import InstrumentOutcomes
from touchpoint.domain.course_outcomes import TemplateOutcomes
from touchpoint.domain.preview import Preview, PreviewMessage, SkippedMessage
from touchpoint.domain.timeutil import utc_iso
from touchpoint.handlers.requests import json_body, request_time
from touchpoint.handlers.route_table import RouteTable
from touchpoint.usecases.admin import Admin
from touchpoint.usecases.clinic_outcomes import ClinicOutcomes, Outcomes
from touchpoint.usecases.preview import SettingsPreview

router = APIGatewayHttpRouter()
routes = RouteTable(router)


def _admin() -> Admin:
    service: Admin = router.context["admin"]
    return service


def _now() -> datetime:
    return request_time(router)


def _body() -> Any:
    return json_body(router)


@routes.route("GET", "/admin/me", Action.LIST_CLINICS)
def who_am_i() -> dict[str, Any]:
    """The signed-in user as the API sees them: what the console offers follows `may`."""
    caller: Caller = router.context["caller"]
    return {
        "name": caller.name,
        "role": caller.role.value,
        "clinics": None if caller.role is Role.PLATFORM_ADMIN else sorted(caller.clinics),
        "may": sorted(action.value for action in caller.actions),
    }


@routes.route("POST", "/admin/clinics/<clinic_id>/preview", Action.READ_CLINIC)
def preview_settings(clinic_id: str) -> dict[str, Any]:
    return preview_view(SettingsPreview(_admin().clinics).run(clinic_id, _body(), _now()))


@routes.route("GET", "/admin/clinics/<clinic_id>/outcomes", Action.READ_PATIENT)
def clinic_outcomes(clinic_id: str) -> dict[str, Any]:
    query = router.current_event.get_query_string_value
    service = _admin()
    found = Outcomes(service.clinics, service.listing.lists).of_clinic(
        clinic_id, since=query("from"), until=query("to")
    )
    return clinic_outcomes_view(found)


def _local(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def preview_view(found: Preview) -> dict[str, Any]:
    def message(sent: PreviewMessage) -> dict[str, Any]:
        return {
            "kind": sent.kind.value,
            "instrument": sent.instrument,
            "due_at": utc_iso(sent.due_at),
            "due_at_local": _local(sent.due_at_local),
            "body": sent.body,
            "segments": sent.segments,
            "encoding": sent.encoding,
        }

    def skipped(left: SkippedMessage) -> dict[str, Any]:
        return {
            "kind": left.kind.value,
            "instrument": left.instrument,
            "due_at": utc_iso(left.due_at),
            "due_at_local": _local(left.due_at_local),
            "reason": left.reason,
        }

    return {
        "starts_at": utc_iso(found.starts_at),
        "starts_at_local": _local(found.starts_at_local),
        "messages": [message(sent) for sent in found.messages],
        "skipped": [skipped(left) for left in found.skipped],
    }


def instrument_outcomes_view(summary: InstrumentOutcomes) -> dict[str, Any]:
    return {
        "instrument": summary.instrument,
        "patients_measured": summary.patients_measured,
        "by_session": [
            {"session": s.session, "patients": s.patients, "average_change": s.average_change}
            for s in summary.by_session
        ],
        "responders": summary.responders,
        "remitters": summary.remitters,
        "response_rate": summary.response_rate,
        "remission_rate": summary.remission_rate,
    }


def template_outcomes_view(found: TemplateOutcomes) -> dict[str, Any]:
    return {
        "template_id": found.template.template_id,
        "name": found.template.name,
        "planned_sessions": found.template.planned_sessions,
        "courses": {status.value: count for status, count in found.statuses.items()},
        "instruments": [instrument_outcomes_view(summary) for summary in found.instruments],
    }


def clinic_outcomes_view(found: ClinicOutcomes) -> dict[str, Any]:
    return {
        "instruments": [instrument_outcomes_view(summary) for summary in found.instruments],
        "courses": [template_outcomes_view(template) for template in found.courses],
        "surveys": found.surveys,
        "complete": found.complete,
    }
