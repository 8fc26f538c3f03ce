"""SMS gateways: Twilio's REST API, or an outbox that prints each SMS (no Twilio account needed)."""

import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from touchpoint.domain.delivery import (
    SentSms,
    SmsOutcomeUnknown,
    SmsReceipt,
    SmsRejected,
    SmsRetryLater,
)
from touchpoint.domain.phones import is_messaging_service

# Twilio took nothing: throttled (429), or our credentials were refused (401/403, e.g. mid-rotation).
# Retried later; a message that keeps failing ends in the dead-letter queue and raises the alarm.
RETRY_STATUSES = frozenset({401, 403, 429})
TWILIO_TIMEOUT_SECONDS = 10
# Twilio's error code for a recipient who opted out with the carrier (texted STOP).
UNSUBSCRIBED_RECIPIENT = "21610"
# Messages per page when reading Twilio's records (its largest page: fewest round trips).
RECORDS_PAGE_SIZE = 1000
NOT_FOUND = 404


class TwilioSms:
    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        status_callback: str,
        api_base_url: str | None = None,
        *,
        page_size: int = RECORDS_PAGE_SIZE,
    ) -> None:
        # Imported here: only the sender needs the REST client, and it is heavy at cold start.
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.client = Client(
            account_sid, auth_token, http_client=TwilioHttpClient(timeout=TWILIO_TIMEOUT_SECONDS)
        )
        if api_base_url:
            self.client.api.base_url = api_base_url.rstrip("/")
        self.status_callback = status_callback
        self.page_size = page_size

    def send(self, *, to: str, sender: str, body: str) -> SmsReceipt:
        from requests.exceptions import ConnectTimeout, RequestException
        from twilio.base.exceptions import TwilioRestException

        origin = {"messaging_service_sid": sender} if is_messaging_service(sender) else {"from_": sender}
        try:
            message = self.client.messages.create(
                to=to, body=body, status_callback=self.status_callback, **origin
            )
        except TwilioRestException as error:
            if error.status in RETRY_STATUSES:
                raise SmsRetryLater(str(error.code)) from None
            if error.status >= 500:
                raise SmsOutcomeUnknown(f"Twilio answered {error.status}") from None
            code = str(error.code or error.status)
            raise SmsRejected(
                code,
                f"Twilio refused the message ({error.code})",
                unsubscribed=code == UNSUBSCRIBED_RECIPIENT,
            ) from None
        except ConnectTimeout:
            raise SmsRetryLater("could not connect to Twilio") from None
        except RequestException as error:
            raise SmsOutcomeUnknown(type(error).__name__) from None
        return SmsReceipt(sid=str(message.sid), status=str(message.status or "queued"))

    # ---- Twilio's records (SmsRecords) ----

    def sent_to(self, to: str, since: datetime, until: datetime) -> list[SentSms]:
        """Every message to `to` Twilio sent between `since` and `until` (both included), all
        pages, newest first. Twilio filters to the second: the window asked for is widened to
        whole seconds (the SDK writes the bounds as UTC without a fraction), then cut exactly here."""
        since, until = _utc(since), _utc(until)
        after = since.replace(microsecond=0)
        before = until if until.microsecond == 0 else until.replace(microsecond=0) + timedelta(seconds=1)
        messages = self.client.messages.list(
            to=to, date_sent_after=after, date_sent_before=before, page_size=self.page_size
        )
        found = [_sent_sms(message) for message in messages]
        return [sms for sms in found if sms.sent_at is not None and since <= sms.sent_at <= until]

    def status_of(self, sid: str) -> SentSms | None:
        from twilio.base.exceptions import TwilioRestException

        try:
            message = self.client.messages(sid).fetch()
        except TwilioRestException as error:
            if error.status == NOT_FOUND:
                return None
            raise
        return _sent_sms(message)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a naive datetime cannot bound Twilio's records: give it a time zone")
    return moment.astimezone(UTC)


def _sent_sms(message: Any) -> SentSms:
    """A Twilio MessageInstance as the domain reads it."""
    sent_at = message.date_sent
    if isinstance(sent_at, datetime):
        sent_at = _utc(sent_at) if sent_at.tzinfo is not None else sent_at.replace(tzinfo=UTC)
    else:
        sent_at = None
    error_code = message.error_code
    return SentSms(
        sid=str(message.sid),
        to=str(message.to),
        body=str(message.body or ""),
        status=str(message.status or ""),
        sent_at=sent_at,
        error_code=None if error_code is None else str(error_code),
        unsubscribed=str(error_code) == UNSUBSCRIBED_RECIPIENT,
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class OutboxEntry:
    sid: str
    to: str
    sender: str
    body: str
    sent_at: datetime | None = None  # when the outbox sent it (None: an entry made without one)


OUTBOX_STATUS = "sent"


@dataclass
class OutboxSms:
    """Stands in for Twilio on one machine: prints each SMS as the patient would see it and keeps
    it; its records are the SMS it kept."""

    stream: TextIO = field(default_factory=lambda: sys.stdout)
    sent: list[OutboxEntry] = field(default_factory=list)
    clock: Callable[[], datetime] = utc_now

    def send(self, *, to: str, sender: str, body: str) -> SmsReceipt:
        entry = OutboxEntry(
            sid="SM" + secrets.token_hex(16), to=to, sender=sender, body=body, sent_at=self.clock()
        )
        self.sent.append(entry)
        print(f"[sms] {sender} -> {to}: {body}", file=self.stream, flush=True)
        return SmsReceipt(sid=entry.sid, status=OUTBOX_STATUS)

    def sent_to(self, to: str, since: datetime, until: datetime) -> list[SentSms]:
        """Every SMS to `to` sent between `since` and `until` (both included), newest first."""
        found = [
            _outbox_sms(entry)
            for entry in reversed(self.sent)
            if entry.to == to and entry.sent_at is not None and since <= entry.sent_at <= until
        ]
        return found

    def status_of(self, sid: str) -> SentSms | None:
        for entry in self.sent:
            if entry.sid == sid:
                return _outbox_sms(entry)
        return None


def _outbox_sms(entry: OutboxEntry) -> SentSms:
    return SentSms(sid=entry.sid, to=entry.to, body=entry.body, status=OUTBOX_STATUS, sent_at=entry.sent_at)
