"""Settling a send whose outcome is unknown from the gateway's own records. Pure: the records
and `now` come in.

A send is `unknown` when Twilio may or may not have taken it (a timeout, a 5xx, a sender that
died mid-send). Twilio's Message list says which: a message to the patient's number, with the
same text, sent within the window of the attempt, is the one (adopted, with its SID and
status). None there once the list is complete for the window: it never left, so it is sent
once more if it is still of use, else it fails with reason `not_sent`.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from touchpoint.domain.appointment import Job
from touchpoint.domain.delivery import SendContext, SentSms
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.send_checks import reason_not_to_send

# A reconciler first looks this long after the attempt (a status callback may settle it first).
RECONCILE_AFTER = timedelta(minutes=5)
# Twilio's list is taken as complete for an attempt this long after it: what is not there by
# then was never taken. Until then an unfound send waits for the next look.
LIST_COMPLETE_AFTER = timedelta(minutes=10)
# How far around the attempt a message in Twilio's list can be the one.
WINDOW_BEFORE = timedelta(minutes=1)
WINDOW_AFTER = timedelta(minutes=15)
NOT_SENT = "not_sent"


@dataclass(frozen=True)
class UnknownSend:
    job: Job
    message: MessageRecord  # as logged when the outcome became unknown: the text it carried
    context: SendContext


@dataclass(frozen=True)
class Adopt:
    found: SentSms


@dataclass(frozen=True)
class SendAgain:
    pass


@dataclass(frozen=True)
class NotSent:
    reason: str  # why sending it now is of no use (or that it was sent once more already)


@dataclass(frozen=True)
class Wait:
    until: datetime


Settlement = Adopt | SendAgain | NotSent | Wait


def window(send: UnknownSend) -> tuple[datetime, datetime]:
    """The sent-at times Twilio's list is searched between."""
    return send.message.at - WINDOW_BEFORE, send.message.at + WINDOW_AFTER


def settle(send: UnknownSend, records: list[SentSms], now: datetime) -> Settlement:
    """What to do with the send, given the gateway's messages to the patient in its window."""
    phone = send.context.patient.phone
    same = [record for record in records if record.to == phone and record.body == send.message.body]
    if same:
        return Adopt(min(same, key=lambda record: record.sent_at or now))
    if now < send.message.at + LIST_COMPLETE_AFTER:
        return Wait(send.message.at + LIST_COMPLETE_AFTER)
    if send.job.resent:
        return NotSent(NOT_SENT)  # sent once more already, and lost again: the clinic decides
    reason = reason_not_to_send(
        send.job, send.context.appointment, send.context.patient, send.context.clinic.settings, now
    )
    return NotSent(NOT_SENT) if reason else SendAgain()
