"""Part of each scheduler pass: an open crisis alert nobody acknowledged is escalated, once per
interval (the clinic's `escalation_minutes`), until someone does."""

from dataclasses import dataclass, replace
from datetime import datetime

from touchpoint.domain.alerts import escalate
from touchpoint.domain.clinic import Clinic
from touchpoint.domain.ports import AlertEscalations, ClinicRepository, EscalationPublisher

MAX_ESCALATIONS_PER_PASS = 100


@dataclass(frozen=True)
class EscalationResult:
    escalated: int = 0
    # Counted, then refused by the topic: taken back and due again, so the next pass retries them.
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
            clinic = clinics.get(alert.clinic_id) or self.clinics.get(alert.clinic_id)
            clinics[alert.clinic_id] = clinic
            counted = escalate(alert, now, clinic.settings.escalation_interval)
            if not self.alerts.move_escalation(alert, counted):
                continue  # acknowledged meanwhile, or another pass counted it
            try:
                self.publisher.escalate(counted, clinic.settings.name)
            except Exception:  # a refused publish must not cost the other alerts theirs
                # Not sent, so not counted: as it was, and due at once for the next pass.
                self.alerts.move_escalation(counted, replace(alert, next_escalation_at=now))
                not_published.append(alert.alert_id)
                continue
            escalated += 1
        return EscalationResult(escalated, tuple(not_published))
