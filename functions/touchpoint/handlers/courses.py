"""Treatment courses over the admin API (contract section 11): a clinic's course templates, and a
patient's enrolment, status and outcome. A powertools Router joined to the admin app's route
table (admin.py `routes.include`): the same authorization, audit and error mapping."""

from dataclasses import asdict
from datetime import datetime
from typing import Any

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from touchpoint.domain.access import Action
from touchpoint.domain.course_outcomes import CourseOutcome
from touchpoint.domain.courses import Course, CourseTemplate
from touchpoint.domain.timeutil import format_duration, utc_iso
from touchpoint.handlers.requests import json_body, request_time
from touchpoint.handlers.route_table import RouteTable
from touchpoint.handlers.views import appointment_view, outcome_view
from touchpoint.usecases.admin import Admin
from touchpoint.usecases.courses import CourseReport, Courses

router = APIGatewayHttpRouter()
routes = RouteTable(router)


def _courses() -> Courses:
    service: Admin = router.context["admin"]
    return Courses(service.clinics, service.patients, service.courses, service.surveys, service.listing.lists)


def _now() -> datetime:
    return request_time(router)


def _body() -> Any:
    return json_body(router)


def template_view(template: CourseTemplate) -> dict[str, Any]:
    return {
        "template_id": template.template_id,
        "name": template.name,
        "planned_sessions": template.planned_sessions,
        "within_days": template.within_days,
        "baseline": template.baseline,
        "baseline_reuse_days": template.baseline_reuse_days,
        "measures": list(template.measures),
        "end_of_course": template.end_of_course,
        "checkpoints": asdict(template.checkpoints),
        "baseline_before": format_duration(template.baseline_before),
        "end_of_course_after": format_duration(template.end_of_course_after),
        "created_at": utc_iso(template.created_at),
    }


def course_view(course: Course) -> dict[str, Any]:
    return {
        "course_id": course.course_id,
        "clinic_id": course.clinic_id,
        "patient_id": course.patient_id,
        "template": template_view(course.template),
        "status": course.status.value,
        "sessions_booked": course.sessions,
        "enrolled_at": utc_iso(course.enrolled_at),
        "updated_at": utc_iso(course.updated_at),
    }


def report_view(report: CourseReport) -> dict[str, Any]:
    return course_view(report.course) | {
        "sessions": {
            "done": report.done,
            "booked": len(report.sessions),
            "planned": report.course.template.planned_sessions,
        },
        "appointments": [appointment_view(session) for session in report.sessions],
        "outcomes": [course_outcome_view(each) for each in report.outcomes],
    }


def course_outcome_view(each: CourseOutcome) -> dict[str, Any]:
    """The patient's outcome of one instrument, each point of its series with its course session
    (0: a baseline from before the first)."""
    view = outcome_view(each.outcome)
    view["series"] = [point | {"session": n} for point, n in zip(view["series"], each.sessions, strict=True)]
    return view


@routes.route("POST", "/admin/clinics/<clinic_id>/course-templates", Action.CHANGE_SETTINGS)
def add_course_template(clinic_id: str) -> tuple[dict[str, Any], int]:
    return template_view(_courses().add_template(clinic_id, _body(), _now())), 201


@routes.route("GET", "/admin/clinics/<clinic_id>/course-templates", Action.READ_CLINIC)
def course_templates(clinic_id: str) -> dict[str, Any]:
    return {"items": [template_view(template) for template in _courses().templates(clinic_id)]}


@routes.route("POST", "/admin/clinics/<clinic_id>/patients/<patient_id>/courses", Action.MANAGE_PATIENTS)
def enrol(clinic_id: str, patient_id: str) -> tuple[dict[str, Any], int]:
    return course_view(_courses().enrol(clinic_id, patient_id, _body(), _now())), 201


@routes.route("GET", "/admin/clinics/<clinic_id>/patients/<patient_id>/courses", Action.READ_PATIENT)
def patient_courses(clinic_id: str, patient_id: str) -> dict[str, Any]:
    return {"items": [course_view(course) for course in _courses().of_patient(clinic_id, patient_id)]}


@routes.route(
    "GET", "/admin/clinics/<clinic_id>/patients/<patient_id>/courses/<course_id>", Action.READ_PATIENT
)
def course_report(clinic_id: str, patient_id: str, course_id: str) -> dict[str, Any]:
    return report_view(_courses().report(clinic_id, patient_id, course_id))


@routes.route(
    "PATCH", "/admin/clinics/<clinic_id>/patients/<patient_id>/courses/<course_id>", Action.MANAGE_PATIENTS
)
def change_course(clinic_id: str, patient_id: str, course_id: str) -> dict[str, Any]:
    return course_view(_courses().change(clinic_id, patient_id, course_id, _body(), _now()))
