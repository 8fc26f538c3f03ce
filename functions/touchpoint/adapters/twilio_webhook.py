"""Twilio's webhooks as the HTTP API delivers them (payload format 2.0): the route, the form, the
signature check, the domain objects they carry, and the TwiML answer.

Kept light at cold start: Twilio's request validator and TwiML writer, not its REST client.
"""

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from touchpoint.adapters.twilio_sms import UNSUBSCRIBED_RECIPIENT
from touchpoint.domain.inbound import InboundSms, StatusCallback

INBOUND_PATH = "/twilio/inbound"
STATUS_PATH = "/twilio/status"
ALLOWED_METHOD = "POST"

# What becomes part of a DynamoDB key (the message SID, the numbers, the Messaging Service SID)
# is bounded well below the key limits. Twilio's SIDs are 34 characters (two letters, 32 hex
# digits) and its numbers shorter still; the prefixes are not checked.
MAX_SID_CHARS = 64
MAX_ADDRESS_CHARS = 64
_SID = re.compile(rf"[A-Za-z0-9]{{1,{MAX_SID_CHARS}}}")


@dataclass(frozen=True)
class WebhookRequest:
    path: str
    url: str  # the URL Twilio signed
    form: dict[str, str]
    signature: str | None
    at: datetime  # when the HTTP API received it


class InvalidWebhook(ValueError):
    """A signed request whose form Touchpoint cannot take (HTTP 400); `field` names what is wrong."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class MissingMessageSid(InvalidWebhook):
    """A signed request without the SID that names the message."""

    def __init__(self) -> None:
        super().__init__("MessageSid is required", "MessageSid")


def is_webhook_path(path: str) -> bool:
    return path in (INBOUND_PATH, STATUS_PATH)


def read_request(event: dict[str, Any], public_url: str) -> WebhookRequest | None:
    """The webhook a POST to one of the two routes carries; None for any other request."""
    path = event.get("rawPath", "")
    if event["requestContext"]["http"]["method"] != ALLOWED_METHOD or not is_webhook_path(path):
        return None
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    return WebhookRequest(
        path=path,
        url=_signed_url(event, public_url),
        form=_form(event),
        signature=headers.get("x-twilio-signature"),
        at=datetime.fromtimestamp(event["requestContext"]["timeEpoch"] / 1000, UTC),
    )


class SignatureCheck:
    """Whether Twilio signed the request, with the account's auth token."""

    def __init__(self, auth_token: str) -> None:
        self.validator = RequestValidator(auth_token)

    def __call__(self, request: WebhookRequest) -> bool:
        return bool(request.signature) and self.validator.validate(
            request.url, request.form, request.signature
        )


def inbound_sms(request: WebhookRequest) -> InboundSms:
    form = _bounded(request.form)
    return InboundSms(
        message_sid=_message_sid(form),
        sender=form.get("From", ""),
        to=form.get("To", ""),
        messaging_service_sid=form.get("MessagingServiceSid") or None,
        body=form.get("Body", ""),
    )


def status_callback(request: WebhookRequest) -> StatusCallback:
    form = _bounded(request.form)
    error_code = form.get("ErrorCode") or None
    return StatusCallback(
        _message_sid(form),
        (form.get("MessageStatus") or form.get("SmsStatus") or "").lower(),
        error_code,
        request.at,
        to=form.get("To") or None,
        sender=form.get("MessagingServiceSid") or form.get("From") or None,
        unsubscribed=error_code == UNSUBSCRIBED_RECIPIENT,
    )


def twiml(reply: str | None) -> str:
    """The answer Twilio sends on to the patient: the reply, or nothing."""
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return str(response)


def _message_sid(form: dict[str, str]) -> str:
    sid = form.get("MessageSid") or form.get("SmsSid")
    if not sid:
        raise MissingMessageSid()
    return sid


def _bounded(form: dict[str, str]) -> dict[str, str]:
    """The form, once every field that becomes part of a key is within its limit."""
    for name in ("MessageSid", "SmsSid", "MessagingServiceSid"):
        value = form.get(name)
        if value and _SID.fullmatch(value) is None:
            message = f"{name} must be 1 to {MAX_SID_CHARS} letters and digits"
            raise InvalidWebhook(message, name)
    for name in ("From", "To"):
        if len(form.get(name, "")) > MAX_ADDRESS_CHARS:
            raise InvalidWebhook(f"{name} must be at most {MAX_ADDRESS_CHARS} characters", name)
    return form


def _signed_url(event: dict[str, Any], public_url: str) -> str:
    """The URL Twilio signed: the canonical public URL, else the one this request came to."""
    base = public_url.rstrip("/") or f"https://{event['requestContext']['domainName']}"
    query = event.get("rawQueryString")
    return f"{base}{event['rawPath']}" + (f"?{query}" if query else "")


def _form(event: dict[str, Any]) -> dict[str, str]:
    body = event.get("body") or ""
    text = base64.b64decode(body).decode("utf-8", "replace") if event.get("isBase64Encoded") else body
    return dict(parse_qsl(text, keep_blank_values=True))
