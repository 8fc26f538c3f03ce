"""One reconciliation pass: every send whose outcome is unknown, settled from Twilio's own
Message list (domain/reconciling.py decides; this reads and writes)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from touchpoint.domain.ports.jobs import UnknownSends
from touchpoint.domain.ports.sms import SmsRecords
from touchpoint.domain.reconciling import Adopt, NotSent, SendAgain, Wait, settle, window

# Unknown sends this old are still looked at (an outage of the reconciler, or of Twilio's API).
DEFAULT_LOOKBACK = timedelta(hours=24)


@dataclass(frozen=True)
class ReconcileResult:
    adopted: int = 0  # Twilio had it: now `sent`, with its SID
    sent_again: int = 0  # Twilio never had it: back to pending, sent once more
    not_sent: int = 0  # Twilio never had it, and it is of no use now: `failed`
    waiting: int = 0  # not in Twilio's list yet, which may still be incomplete
    errors: int = 0  # Twilio's list could not be read: looked at again next pass

    def to_dict(self) -> dict[str, int]:
        return {
            "adopted": self.adopted,
            "sent_again": self.sent_again,
            "not_sent": self.not_sent,
            "waiting": self.waiting,
            "errors": self.errors,
        }


class Reconciler:
    def __init__(self, sends: UnknownSends, records: SmsRecords) -> None:
        self.sends = sends
        self.records = records

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
        return ReconcileResult(**counts)
