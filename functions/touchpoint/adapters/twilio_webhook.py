"""Twilio's webhooks as the HTTP API delivers them (payload format 2.0): the route, the form, the
signature check, the domain objects they carry, and the TwiML answer.

Kept light at cold start: Twilio's request validator and TwiML writer, not its REST client.
"""

import base64
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

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
    path: str  # the route: `/twilio/inbound` or `/twilio/status`, whatever the stage or base path
    url: str  # the URL Twilio signed
    pairs: tuple[tuple[str, str], ...]  # every pair of the form, repeated fields too: what Twilio signed
    form: dict[str, str]  # one value a field (the last), for reading
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


def route(event: dict[str, Any], public_url: str) -> str:
    """The path the API's routes name (`/twilio/inbound`): `rawPath` after a named stage's segment
    (`/prod/twilio/inbound`; the `$default` stage has none) or after `public_url`'s base path (a
    custom domain's API mapping key, `/touchpoint`, when API Gateway leaves it in `rawPath`)."""
    path = str(event.get("rawPath") or "/")
    stage = str(event.get("requestContext", {}).get("stage") or "$default")
    prefixes = ([] if stage == "$default" else [f"/{stage}"]) + [urlsplit(public_url).path.rstrip("/")]
    for prefix in prefixes:
        if prefix and path.startswith(f"{prefix}/"):
            path = path.removeprefix(prefix)
    return path


def read_request(event: dict[str, Any], public_url: str) -> WebhookRequest | None:
    """The webhook a POST to one of the two routes carries; None for any other request."""
    path = route(event, public_url)
    if event["requestContext"]["http"]["method"] != ALLOWED_METHOD or not is_webhook_path(path):
        return None
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    pairs = _form_pairs(event)
    return WebhookRequest(
        path=path,
        url=_signed_url(event, public_url, path),
        pairs=pairs,
        form=dict(pairs),
        signature=headers.get("x-twilio-signature"),
        at=datetime.fromtimestamp(event["requestContext"]["timeEpoch"] / 1000, UTC),
    )


class SignatureCheck:
    """Whether Twilio signed the request, with the account's auth token; when it did not, with the
    token `refetch` answers, if it answers one (the secret read anew: Twilio's token was rotated)."""

    def __init__(self, auth_token: str, refetch: Callable[[], str | None] | None = None) -> None:
        self.auth_token = auth_token
        self.refetch = refetch

    def __call__(self, request: WebhookRequest) -> bool:
        if not request.signature:
            return False
        if _signed_with(self.auth_token, request):
            return True
        fresh = self.refetch() if self.refetch else None
        return bool(fresh) and fresh != self.auth_token and _signed_with(str(fresh), request)


class _AllPairs:
    """The form as the validator reads a Flask MultiDict (`getall`): every value of a repeated
    field, since Twilio signs them all. A dict would keep one and fail a genuine request."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in pairs:
            self._values.setdefault(name, []).append(value)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def getall(self, name: str) -> list[str]:
        return self._values[name]


def _signed_with(auth_token: str, request: WebhookRequest) -> bool:
    form = _AllPairs(request.pairs)
    return bool(RequestValidator(auth_token).validate(request.url, form, request.signature))


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


def _signed_url(event: dict[str, Any], public_url: str, path: str) -> str:
    """The URL Twilio signed: the canonical public URL (its base path included) followed by the
    route, else the URL this request came to (`rawPath` holds a named stage's segment)."""
    base = public_url.rstrip("/")
    url = f"{base}{path}" if base else f"https://{event['requestContext']['domainName']}{event['rawPath']}"
    query = event.get("rawQueryString")
    return url + (f"?{query}" if query else "")


def _form_pairs(event: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    body = event.get("body") or ""
    text = base64.b64decode(body).decode("utf-8", "replace") if event.get("isBase64Encoded") else body
    return tuple(parse_qsl(text, keep_blank_values=True))
