"""Part of each scheduler pass: an open crisis alert nobody acknowledged is escalated, once per
interval (the clinic's `escalation_minutes`), until someone does."""

from dataclasses import dataclass, replace
from datetime import datetime

from touchpoint.domain.alerts import Alert, escalate
from touchpoint.domain.clinic import Clinic
from touchpoint.domain.ports.alerts import AlertEscalations, EscalationPublisher
from touchpoint.domain.ports.stores import ClinicRepository

MAX_ESCALATIONS_PER_PASS = 100


@dataclass(frozen=True)
class EscalationResult:
    escalated: int = 0
    # Not escalated by this pass (the topic refused it, or its clinic or a write failed): due
    # again, so the next pass retries them; logged by id and alarmed.
    not_published: tuple[str, ...] = ()


class Escalation:
    def __init__(
        self, alerts: AlertEscalations, clinics: ClinicRepository, publisher: EscalationPublisher
    ) -> None:
        self.alerts = alerts
        self.clinics = clinics
        self.publisher = publisher

    def run(self, now: datetime) -> EscalationResult:
        """Count each escalation with a conditional write, then publish it: of two passes at
        once only one counts it, so it goes out once per interval (decision 31)."""
        clinics: dict[str, Clinic] = {}
        escalated = 0
        not_published: list[str] = []
        for alert in self.alerts.due_for_escalation(now, MAX_ESCALATIONS_PER_PASS):
            try:
                sent = self._escalate(alert, clinics, now)
            except Exception:  # one alert that fails (its clinic, a write) must not stop the others
                not_published.append(alert.alert_id)
                continue
            escalated += sent
        return EscalationResult(escalated, tuple(not_published))

    def _escalate(self, alert: Alert, clinics: dict[str, Clinic], now: datetime) -> int:
        """1 if this pass escalated the alert, 0 if it was acknowledged or counted meanwhile."""
        clinic = clinics.get(alert.clinic_id) or self.clinics.get(alert.clinic_id)
        clinics[alert.clinic_id] = clinic
        counted = escalate(alert, now, clinic.settings.escalation_interval)
        if not self.alerts.move_escalation(alert, counted):
            return 0  # acknowledged meanwhile, or another pass counted it
        try:
            self.publisher.escalate(counted)
        except Exception:
            # Not sent, so not counted: as it was, and due at once for the next pass.
            self.alerts.move_escalation(counted, replace(alert, next_escalation_at=now))
            raise
        return 1
