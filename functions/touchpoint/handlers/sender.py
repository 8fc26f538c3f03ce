"""Takes job references off the send queue and sends each SMS at most once."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint import bootstrap
from touchpoint.adapters.sqs_queue import parse_job_message
from touchpoint.handlers.observability import logger, metrics, observed
from touchpoint.usecases.sending import Sender

# A batch whose every message Twilio throttled is an answer, not a crash: report it, raise nothing.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def wall_clock() -> datetime:
    return datetime.now(UTC)


@observed
def handler(
    event: dict[str, Any],
    context: LambdaContext,
    sender: Sender | None = None,
    clock: Callable[[], datetime] = wall_clock,
) -> PartialItemFailureResponse:
    service = sender or bootstrap.sender()

    def send(record: SQSRecord) -> str:
        delivery = service.deliver(parse_job_message(record.body), clock())
        metrics.add_metric(name=f"Messages_{delivery.outcome}", unit=MetricUnit.Count, value=1)
        logger.info(
            "delivery",
            extra={
                "outcome": delivery.outcome,
                "reason": delivery.reason,
                "message_id": record.message_id,
            },
        )
        return delivery.outcome

    return process_partial_response(event=event, record_handler=send, processor=processor, context=context)
