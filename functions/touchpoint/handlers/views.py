"""The admin API's output: one explicit view per resource, mapped from the domain.

The domain serialises nothing of its own; the storage adapters map their own items. Renaming a
field here changes what the API answers and nothing that is stored.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from touchpoint.domain.alerts import Alert
from touchpoint.domain.appointment import Appointment, Job
from touchpoint.domain.audit import AuditEntry
from touchpoint.domain.caps import FrequencyCaps
from touchpoint.domain.checklist import Checklist
from touchpoint.domain.clinic import Clinic, ClinicSettings, FollowUpRule, QuietHours, ReminderRule
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.outcomes import Outcome, OutcomePoint, SeriesPoint
from touchpoint.domain.paging import Page
from touchpoint.domain.patient import Patient
from touchpoint.domain.surveys import Survey
from touchpoint.domain.timeutil import format_duration, utc_iso
from touchpoint.usecases.admin import AppointmentView
from touchpoint.usecases.lists import ListedAppointment


def _utc_or_none(at: datetime | None) -> str | None:
    return utc_iso(at) if at else None


def quiet_hours_view(quiet: QuietHours) -> dict[str, str]:
    return {"start": quiet.start.strftime("%H:%M"), "end": quiet.end.strftime("%H:%M")}


def caps_view(caps: FrequencyCaps) -> dict[str, Any]:
    return {
        "per_day": caps.per_day,
        "per_week": caps.per_week,
        "kinds": sorted(kind.value for kind in caps.kinds),
    }


def reminder_view(rule: ReminderRule) -> dict[str, Any]:
    if rule.before is not None:
        return {"before": format_duration(rule.before)}
    assert rule.at is not None
    return {"days_before": rule.days_before, "at": rule.at.strftime("%H:%M")}


def follow_up_view(rule: FollowUpRule) -> dict[str, Any]:
    return {"after": format_duration(rule.after), "survey": rule.survey}


def checklist_view(checklist: Checklist) -> dict[str, Any]:
    return {
        "items": list(checklist.items),
        "before": format_duration(checklist.before),
        "answer_by": format_duration(checklist.answer_by),
        "alert_no_answer": checklist.alert_no_answer,
    }


def settings_view(settings: ClinicSettings) -> dict[str, Any]:
    return {
        "name": settings.name,
        "timezone": settings.timezone.key,
        "sender": settings.sender,
        "phone": settings.phone,
        "quiet_hours": quiet_hours_view(settings.quiet_hours) if settings.quiet_hours else None,
        "reminders": [reminder_view(rule) for rule in settings.reminders],
        "follow_ups": [follow_up_view(rule) for rule in settings.follow_ups],
        "discreet": settings.discreet,
        "survey_expiry_hours": int(settings.survey_expiry.total_seconds() // 3600),
        "escalation_minutes": int(settings.escalation_interval.total_seconds() // 60),
        "frequency_caps": caps_view(settings.frequency_caps) if settings.frequency_caps else None,
        "checklist": checklist_view(settings.checklist) if settings.checklist else None,
        "default_language": settings.default_language,
    }


def clinic_view(clinic: Clinic) -> dict[str, Any]:
    return {
        "clinic_id": clinic.clinic_id,
        **settings_view(clinic.settings),
        "created_at": utc_iso(clinic.created_at),
        "updated_at": utc_iso(clinic.updated_at),
    }


def patient_view(patient: Patient) -> dict[str, Any]:
    return (
        _same(patient, "patient_id", "clinic_id", "first_name", "phone")
        | {
            "timezone": patient.timezone.key,
            "opted_out": patient.opted_out,
            "created_at": utc_iso(patient.created_at),
        }
        | _present(external_id=patient.external_id, language=patient.language)
    )


def job_view(job: Job) -> dict[str, Any]:
    return (
        _same(job, "job_id")
        | {"kind": job.kind.value, "rule": job.rule, "due_at": utc_iso(job.due_at), "state": job.state.value}
        | _present(reason=job.reason, twilio_sid=job.twilio_sid, error_code=job.error_code, survey=job.survey)
    )


def appointment_view(appointment: Appointment) -> dict[str, Any]:
    return (
        _same(appointment, "appointment_id", "clinic_id", "patient_id")
        | {
            "starts_at": utc_iso(appointment.starts_at),
            "duration_minutes": appointment.duration_minutes,
            "status": appointment.status.value,
            "created_at": utc_iso(appointment.created_at),
        }
        | _present(
            external_id=appointment.external_id,
            course_id=appointment.course_id,
            session=appointment.session,
            checklist=appointment.checklist.value if appointment.checklist else None,
        )
    )


def appointment_with_messages_view(view: AppointmentView) -> dict[str, Any]:
    return appointment_view(view.appointment) | {"messages": [job_view(job) for job in view.messages]}


def listed_appointment_view(listed: ListedAppointment) -> dict[str, Any]:
    return (
        appointment_view(listed.appointment)
        | {"first_name": listed.first_name, "starts_at_local": listed.starts_at_local.isoformat()}
        | ({"messages": [job_view(job) for job in listed.messages]} if listed.messages is not None else {})
    )


def page_view[T](page: Page[T], view: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    return {"items": [view(item) for item in page.items], "next_cursor": page.next_cursor}


def message_view(message: MessageRecord) -> dict[str, Any]:
    data = _same(message, "message_id", "patient_id", "direction", "body", "status") | {
        "at": utc_iso(message.at)
    }
    return data | _present(
        twilio_sid=message.twilio_sid,
        job_id=message.job_id,
        appointment_id=message.appointment_id,
        error_code=message.error_code,
    )


def survey_view(survey: Survey, now: datetime) -> dict[str, Any]:
    """`now` because a survey left open past its expiry reads as expired."""
    return {
        "survey_id": survey.survey_id,
        "survey": survey.instrument_id,
        "status": survey.status_at(now).value,
        "answers": list(survey.answers),
        "score": survey.score,
        "severity": survey.severity,
        "appointment_id": survey.appointment_id,
        "session_at": utc_iso(survey.session_at),
        "invited_at": utc_iso(survey.invited_at),
        "expires_at": utc_iso(survey.expires_at),
        "completed_at": _utc_or_none(survey.completed_at),
        "nudged": survey.nudged,
    }


def outcome_point_view(point: OutcomePoint) -> dict[str, Any]:
    return {"score": point.score, "severity": point.severity, "session_at": utc_iso(point.session_at)}


def series_point_view(point: SeriesPoint) -> dict[str, Any]:
    return {
        "appointment_id": point.appointment_id,
        "session_at": utc_iso(point.session_at),
        "score": point.score,
        "severity": point.severity,
    }


def outcome_view(outcome: Outcome) -> dict[str, Any]:
    return {
        "survey": outcome.survey,
        "baseline": outcome_point_view(outcome.baseline),
        "latest": outcome_point_view(outcome.latest),
        "change_percent": outcome.change_percent,
        "response": outcome.response,
        "remission": outcome.remission,
        "series": [series_point_view(point) for point in outcome.series],
    }


def alert_view(alert: Alert) -> dict[str, Any]:
    return {
        **_same(alert, "alert_id", "clinic_id", "patient_id", "first_name"),
        "kind": alert.kind.value,
        "rule": alert.rule,
        "at": utc_iso(alert.at),
        "text": alert.text,
        "phone": alert.phone,
        "state": alert.state.value,
        **_same(alert, "acknowledged_by"),
        "acknowledged_at": _utc_or_none(alert.acknowledged_at),
        **_same(alert, "note", "escalations"),
        "escalated_at": _utc_or_none(alert.escalated_at),
    }


def audit_entry_view(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": utc_iso(entry.at),
        **_same(entry, "actor", "subject", "role"),
        "action": entry.action.value,
        **_same(entry, "clinic_id", "patient_id", "route", "status", "request_id"),
    }


def _same(source: object, *names: str) -> dict[str, Any]:
    """Fields the API names as the domain does, given as they are."""
    return {name: getattr(source, name) for name in names}


def _present(**optional: Any) -> dict[str, Any]:
    """The optional fields that have a value: the API leaves the others out."""
    return {key: value for key, value in optional.items() if value is not None}
