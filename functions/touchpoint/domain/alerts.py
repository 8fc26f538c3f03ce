"""Alerts a clinician must close: raised open, acknowledged once with a note, and an open crisis
alert escalated once per interval until someone does. Pure: `now` always comes in."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from touchpoint.domain.errors import Conflict, InvalidInput, InvalidQuery
from touchpoint.domain.json_input import json_object

MAX_NOTE_CHARS = 2000


class AlertKind(StrEnum):
    CRISIS = "crisis"  # crisis words, or a PHQ-9 item 9 above 0: escalated until acknowledged
    SEVERE_SCORE = "severe_score"  # a questionnaire score in the severe range
    RESCHEDULE_REQUEST = "reschedule_request"  # the patient replied R to a reminder
    CHECKLIST = "checklist"  # a pre-session checklist not ready, or (if the clinic asks) not answered
    # A course's checkpoints (domain/checkpoints.py).
    NO_IMPROVEMENT = "no_improvement"
    WORSENING = "worsening"
    DROP_OUT = "drop_out"


# Alerts that carry the rule which raised them.
WITH_RULE = frozenset({AlertKind.CRISIS, AlertKind.NO_IMPROVEMENT, AlertKind.WORSENING, AlertKind.DROP_OUT})


class AlertState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"


@dataclass(frozen=True)
class Alert:
    alert_id: str
    clinic_id: str
    patient_id: str | None
    kind: AlertKind
    at: datetime
    text: str
    phone: str | None = None  # only for a number no patient has, so the clinic can call back
    first_name: str | None = None  # the patient's, when the alert was raised
    rule: str | None = None  # a crisis alert's reason: the crisis-net rule id, or phq9_item9
    state: AlertState = AlertState.OPEN
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    note: str | None = None
    escalations: int = 0
    escalated_at: datetime | None = None  # the latest escalation
    # While an open crisis alert waits for someone: when the next escalation falls due.
    next_escalation_at: datetime | None = None


def new_alert(
    alert_id: str,
    clinic_id: str,
    kind: AlertKind,
    at: datetime,
    text: str,
    *,
    escalation_interval: timedelta,
    patient_id: str | None = None,
    first_name: str | None = None,
    phone: str | None = None,
    rule: str | None = None,
) -> Alert:
    """An open alert; a crisis one falls due for escalation one interval after it was raised."""
    kind = AlertKind(kind)
    crisis = kind is AlertKind.CRISIS
    return Alert(
        alert_id,
        clinic_id,
        patient_id,
        kind,
        at,
        text,
        phone=phone,
        first_name=first_name,
        rule=rule if kind in WITH_RULE else None,
        next_escalation_at=at + escalation_interval if crisis else None,
    )


def acknowledge(alert: Alert, *, by: str, note: str, at: datetime) -> Alert:
    """The alert closed by `by`, with what they did; it is never escalated again."""
    if alert.state is not AlertState.OPEN:
        raise Conflict(f"alert {alert.alert_id!r} was acknowledged already", "alert_id")
    return replace(
        alert,
        state=AlertState.ACKNOWLEDGED,
        acknowledged_by=by,
        acknowledged_at=at,
        note=note,
        next_escalation_at=None,
    )


def escalate(alert: Alert, now: datetime, interval: timedelta) -> Alert:
    """One more escalation, counted; the next one only a whole interval later."""
    return replace(
        alert,
        escalations=alert.escalations + 1,
        escalated_at=now,
        next_escalation_at=now + interval,
    )


def is_due_for_escalation(alert: Alert, now: datetime) -> bool:
    return (
        alert.state is AlertState.OPEN
        and alert.next_escalation_at is not None
        and alert.next_escalation_at <= now
    )


def parse_acknowledgement(body: object) -> str:
    """The note of `{"note": "..."}`: what the clinician did, required."""
    data = json_object(body, allowed={"note"})
    note = data.get("note")
    if not isinstance(note, str) or not note.strip():
        raise InvalidInput("note is required and must be a non-empty string", "note")
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidInput(f"note must be at most {MAX_NOTE_CHARS} characters", "note")
    return note.strip()


@dataclass(frozen=True)
class AlertFilter:
    kind: AlertKind | None = None
    state: AlertState | None = None

    def matches(self, alert: Alert) -> bool:
        return (self.kind is None or alert.kind == self.kind) and (
            self.state is None or alert.state is self.state
        )


def parse_alert_filter(kind: str | None, state: str | None) -> AlertFilter:
    """`?kind=` and `?state=` of the alerts list; absent means any."""
    if kind is not None and kind not in AlertKind:
        raise InvalidQuery(f"kind must be one of {', '.join(AlertKind)}", "kind")
    if state is not None and state not in AlertState:
        raise InvalidQuery(f"state must be one of {', '.join(AlertState)}", "state")
    return AlertFilter(
        AlertKind(kind) if kind is not None else None, AlertState(state) if state is not None else None
    )
