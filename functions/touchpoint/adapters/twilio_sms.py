"""SMS gateways: Twilio's REST API, or an outbox that prints each SMS (no Twilio account needed)."""

import secrets
import sys
from dataclasses import dataclass, field
from typing import TextIO

from touchpoint.domain.delivery import SmsOutcomeUnknown, SmsReceipt, SmsRejected, SmsRetryLater
from touchpoint.domain.phones import is_messaging_service

# Twilio took nothing: throttled (429), or our credentials were refused (401/403, e.g. mid-rotation).
# Retried later; a message that keeps failing ends in the dead-letter queue and raises the alarm.
RETRY_STATUSES = frozenset({401, 403, 429})
TWILIO_TIMEOUT_SECONDS = 10
# Twilio's error code for a recipient who opted out with the carrier (texted STOP).
UNSUBSCRIBED_RECIPIENT = "21610"


class TwilioSms:
    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        status_callback: str,
        api_base_url: str | None = None,
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


@dataclass(frozen=True)
class OutboxEntry:
    sid: str
    to: str
    sender: str
    body: str


@dataclass
class OutboxSms:
    """Stands in for Twilio on one machine: prints each SMS as the patient would see it and keeps it."""

    stream: TextIO = field(default_factory=lambda: sys.stdout)
    sent: list[OutboxEntry] = field(default_factory=list)

    def send(self, *, to: str, sender: str, body: str) -> SmsReceipt:
        entry = OutboxEntry(sid="SM" + secrets.token_hex(16), to=to, sender=sender, body=body)
        self.sent.append(entry)
        print(f"[sms] {sender} -> {to}: {body}", file=self.stream, flush=True)
        return SmsReceipt(sid=entry.sid, status="sent")
