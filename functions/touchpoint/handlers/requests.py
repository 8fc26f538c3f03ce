"""What every admin route reads of its request, for the admin app and the routers joined to it."""

from datetime import UTC, datetime
from typing import Any, cast

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from touchpoint.domain.errors import BadRequest
from touchpoint.domain.json_input import decode_json

MAX_BODY_BYTES = 64 * 1024


def request_time(resolver: BaseRouter) -> datetime:
    """When API Gateway took the request: the use cases' `now`."""
    event = cast(APIGatewayProxyEventV2, resolver.current_event)  # an HTTP API's, payload 2.0
    return datetime.fromtimestamp(event.request_context.time_epoch / 1000, UTC)


def json_body(resolver: BaseRouter) -> Any:
    """The request's JSON body, at most MAX_BODY_BYTES (an import's file is read on its own)."""
    raw = resolver.current_event.decoded_body or ""
    if len(raw.encode()) > MAX_BODY_BYTES:
        raise BadRequest(f"body is larger than {MAX_BODY_BYTES} bytes", "body")
    return decode_json(raw)
