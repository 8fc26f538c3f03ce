"""One reconciliation pass: every send whose outcome is unknown, settled from Twilio's own
Message list (domain/reconciling.py decides; this reads and writes)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from touchpoint.domain.inbound import AWAIT_FINAL_STATUS, LAST_STATUS_CHECK, StatusCallback, is_final
from touchpoint.domain.ports.inbound import StatusChecks, StatusStore
from touchpoint.domain.ports.jobs import UnknownSends
from touchpoint.domain.ports.sms import SmsRecords
from touchpoint.domain.ports.stores import PatientRepository
from touchpoint.domain.reconciling import Adopt, NotSent, SendAgain, Wait, settle, window
from touchpoint.usecases.inbound import apply_status

# Unknown sends this old are still looked at (an outage of the reconciler, or of Twilio's API).
DEFAULT_LOOKBACK = timedelta(hours=24)
# Statuses are fetched by the pass in the first minutes of each hour, over the last hours.
STATUS_CHECK_MINUTES = 5
STATUS_CHECK_LOOKBACK = timedelta(hours=3)


@dataclass(frozen=True)
class ReconcileResult:
    adopted: int = 0  # Twilio had it: now `sent`, with its SID
    sent_again: int = 0  # Twilio never had it: back to pending, sent once more
    not_sent: int = 0  # Twilio never had it, and it is of no use now: `failed`
    waiting: int = 0  # not in Twilio's list yet, which may still be incomplete
    errors: int = 0  # Twilio's list could not be read: looked at again next pass
    statuses_fetched: int = 0  # messages left without a final status, asked about

    def to_dict(self) -> dict[str, int]:
        return {
            "adopted": self.adopted,
            "sent_again": self.sent_again,
            "not_sent": self.not_sent,
            "waiting": self.waiting,
            "errors": self.errors,
            "statuses_fetched": self.statuses_fetched,
        }


class StatusesToCheck(StatusStore, StatusChecks, Protocol):
    pass


class Reconciler:
    def __init__(
        self,
        sends: UnknownSends,
        records: SmsRecords,
        statuses: StatusesToCheck | None = None,
        patients: PatientRepository | None = None,
    ) -> None:
        self.sends = sends
        self.records = records
        self.statuses = statuses
        self.patients = patients

    def run(self, now: datetime, lookback: timedelta = DEFAULT_LOOKBACK) -> ReconcileResult:
        counts = dict.fromkeys(ReconcileResult().to_dict(), 0)
        for ref in self.sends.unknown_due(now, lookback):
            send = self.sends.unknown_send(ref)
            if send is None:
                continue
            since, until = window(send)
            try:
                found = self.records.sent_to(send.context.patient.phone, since, min(until, now))
            except Exception:  # one send's trouble never stops the others
                counts["errors"] += 1
                continue
            match settle(send, found, now):
                case Adopt(record):
                    counts["adopted"] += self.sends.adopt(send, record)
                case SendAgain():
                    counts["sent_again"] += self.sends.send_again(send, now)
                case NotSent(reason):
                    counts["not_sent"] += self.sends.give_up(send, reason)
                case Wait(at):
                    self.sends.look_again(send, at)
                    counts["waiting"] += 1
        if self.statuses is not None and self.patients is not None and now.minute < STATUS_CHECK_MINUTES:
            counts["statuses_fetched"], failed = self._check_statuses(self.statuses, self.patients, now)
            counts["errors"] += failed
        return ReconcileResult(**counts)

    def _check_statuses(
        self, statuses: StatusesToCheck, patients: PatientRepository, now: datetime
    ) -> tuple[int, int]:
        """Once an hour: each message sent a day ago or more without a final status gets the
        status Twilio holds now (a 21610 opts the patient out, as from a callback)."""
        fetched = failed = 0
        for message in statuses.awaiting_final_status(now, STATUS_CHECK_LOOKBACK):
            try:
                record = self.records.status_of(message.twilio_sid or "")
            except Exception:  # asked again at the next hour's pass
                failed += 1
                continue
            fetched += 1
            if record is None:
                statuses.stop_checking(message)
                continue
            callback = StatusCallback(
                record.sid, record.status, record.error_code, now, unsubscribed=record.unsubscribed
            )
            apply_status(statuses, patients, callback)
            if is_final(record.status):
                continue  # the update took it off the checks
            if now - message.at < LAST_STATUS_CHECK:
                statuses.check_again(message, now + AWAIT_FINAL_STATUS)
            else:
                statuses.stop_checking(message)  # it stays as Twilio last said
        return fetched, failed
