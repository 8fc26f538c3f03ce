"""Alerts: the clinic's list of them, the escalation index, and the people told."""

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from touchpoint.domain.alerts import Alert


class AlertLog(Protocol):
    def get(self, clinic_id: str, alert_id: str) -> Alert:
        """NotFound unless the alert is one of this clinic's."""
        ...

    def record_acknowledgement(self, alert: Alert) -> None:
        """Store `alert` as acknowledged, only if the stored one is still open (Conflict if not);
        it leaves the escalation index."""
        ...


class AlertEscalations(Protocol):
    def due_for_escalation(self, now: datetime, limit: int) -> Iterable[Alert]:
        """Open crisis alerts whose next escalation is due by `now`, the longest waiting first."""
        ...

    def move_escalation(self, seen: Alert, new: Alert) -> bool:
        """Give the alert `new`'s escalation count, time and next due time, only if it is still
        open with `seen`'s; False when it is not (acknowledged, or another pass was first)."""
        ...


class AlertPublisher(Protocol):
    def publish(self, alert: Alert) -> None: ...


class EscalationPublisher(Protocol):
    def escalate(self, alert: Alert) -> None:
        """Tell the clinic's people again, louder: the crisis alert is still open."""
        ...
