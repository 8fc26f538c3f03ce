"""Twilio's webhooks: incoming SMS and delivery status callbacks. Public routes, so every
request must carry a valid X-Twilio-Signature; anything else is refused before it is read.

Kept light at cold start: no Twilio REST client, no tracer, no API router.
"""

import base64
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from touchpoint import bootstrap
from touchpoint.domain.inbound import InboundSms, StatusCallback
from touchpoint.usecases.inbox import Inbox

logger = Logger()

INBOUND_PATH = "/twilio/inbound"
STATUS_PATH = "/twilio/status"
ALERT_NOT_PUBLISHED = "alert not published"


def webhook_url(event: dict[str, Any], public_url: str) -> str:
    """The URL Twilio signed: the canonical public URL, else the one this request came to."""
    base = public_url.rstrip("/") or f"https://{event['requestContext']['domainName']}"
    query = event.get("rawQueryString")
    return f"{base}{event['rawPath']}" + (f"?{query}" if query else "")


def form_of(event: dict[str, Any]) -> dict[str, str]:
    body = event.get("body") or ""
    text = base64.b64decode(body).decode("utf-8", "replace") if event.get("isBase64Encoded") else body
    return dict(parse_qsl(text, keep_blank_values=True))


def respond(status: int, body: str = "", content_type: str = "text/plain") -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": content_type}, "body": body}


def twiml(reply: str | None) -> dict[str, Any]:
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return respond(200, str(response), "text/xml")


@logger.inject_lambda_context
def handler(
    event: dict[str, Any],
    context: LambdaContext,
    inbox: Inbox | None = None,
    auth_token: str | None = None,
) -> dict[str, Any]:
    path = event.get("rawPath", "")
    if event["requestContext"]["http"]["method"] != "POST" or path not in (INBOUND_PATH, STATUS_PATH):
        return respond(404, "not found")
    form = form_of(event)
    signature = {name.lower(): value for name, value in (event.get("headers") or {}).items()}.get(
        "x-twilio-signature"
    )
    validator = RequestValidator(auth_token or bootstrap.webhook_auth_token())
    if not signature or not validator.validate(
        webhook_url(event, bootstrap.inbound_settings().public_url), form, signature
    ):
        logger.warning("webhook refused: missing or wrong signature", extra={"path": path})
        return respond(403, "forbidden")
    message_sid = form.get("MessageSid") or form.get("SmsSid")
    if not message_sid:
        return respond(400, "MessageSid is required")
    now = datetime.fromtimestamp(event["requestContext"]["timeEpoch"] / 1000, UTC)
    if path == STATUS_PATH:
        status = form.get("MessageStatus") or form.get("SmsStatus") or ""
        known = bootstrap.status_callbacks()(
            StatusCallback(
                message_sid,
                status.lower(),
                form.get("ErrorCode") or None,
                now,
                to=form.get("To") or None,
                sender=form.get("MessagingServiceSid") or form.get("From") or None,
            ),
        )
        logger.info("status callback", extra={"message_sid": message_sid, "status": status, "known": known})
        return respond(200)
    sms = InboundSms(
        message_sid=message_sid,
        sender=form.get("From", ""),
        to=form.get("To", ""),
        messaging_service_sid=form.get("MessagingServiceSid") or None,
        body=form.get("Body", ""),
    )
    received = (inbox or bootstrap.inbox()).receive(sms, now)
    if received.unpublished_alerts:
        # Stored and listed by the admin API; the metric filter on this message raises an alarm.
        logger.error(ALERT_NOT_PUBLISHED, extra={"alert_ids": list(received.unpublished_alerts)})
    logger.info("inbound message", extra={"message_sid": message_sid, "replied": received.reply is not None})
    return twiml(received.reply)
