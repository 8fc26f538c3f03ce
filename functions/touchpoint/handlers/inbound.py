"""Twilio's webhooks: incoming SMS and delivery status callbacks. Public routes, so every
request must carry a valid X-Twilio-Signature; anything else is refused before it is read.

Kept light at cold start: no Twilio REST client, no tracer, no API router.
"""

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint import bootstrap
from touchpoint.adapters import twilio_webhook
from touchpoint.adapters.twilio_webhook import STATUS_PATH, InvalidWebhook, WebhookRequest
from touchpoint.domain.inbound import StatusCallback
from touchpoint.settings import InboundSettings
from touchpoint.usecases.inbound import Inbound

logger = Logger()

ALERT_NOT_PUBLISHED = "alert not published"


def respond(status: int, body: str = "", content_type: str = "text/plain") -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": content_type}, "body": body}


def refuse(status: int, code: str, message: str, field: str | None = None) -> dict[str, Any]:
    detail = {"code": code, "message": message} | ({"field": field} if field else {})
    return respond(status, json.dumps({"error": detail}), "application/json")


# Every line carries this request's id, and nothing another request appended: the functions share
# one formatter when they share a process (the local stack), and a warm container keeps its keys.
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
def handler(
    event: dict[str, Any],
    context: LambdaContext,
    inbound: Inbound | None = None,
    statuses: Callable[[StatusCallback], bool] | None = None,
    signature_check: Callable[[WebhookRequest], bool] | None = None,
) -> dict[str, Any]:
    public_url = bootstrap.settings(InboundSettings).public_url
    request = twilio_webhook.read_request(event, public_url)
    if request is None:
        path = twilio_webhook.route(event, public_url)
        if twilio_webhook.is_webhook_path(path):
            refused = refuse(405, "method_not_allowed", f"{path} takes {twilio_webhook.ALLOWED_METHOD} only")
            refused["headers"]["Allow"] = twilio_webhook.ALLOWED_METHOD
            return refused
        return refuse(404, "not_found", "no such webhook")
    if not (signature_check or bootstrap.signature_check())(request):
        logger.warning("webhook refused: missing or wrong signature", extra={"path": request.path})
        return respond(403, "forbidden")
    try:
        if request.path == STATUS_PATH:
            callback = twilio_webhook.status_callback(request)
            known = (statuses or bootstrap.status_callbacks())(callback)
            logger.info(
                "status callback",
                extra={"message_sid": callback.message_sid, "status": callback.status, "known": known},
            )
            return respond(200)
        sms = twilio_webhook.inbound_sms(request)
    except InvalidWebhook as invalid:
        return refuse(400, "bad_request", str(invalid), invalid.field)
    received = (inbound or bootstrap.inbound()).receive(sms, request.at)
    if received.unpublished_alerts:
        # Stored and listed by the admin API; the metric filter on this message raises an alarm.
        logger.error(ALERT_NOT_PUBLISHED, extra={"alert_ids": list(received.unpublished_alerts)})
    logger.info(
        "inbound message", extra={"message_sid": sms.message_sid, "replied": received.reply is not None}
    )
    return respond(200, twilio_webhook.twiml(received.reply), "text/xml")
