"""Runs every five minutes: settles every send whose outcome is unknown from Twilio's Message
list (adopted, sent once more, or failed `not_sent`)."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint import bootstrap
from touchpoint.domain.timeutil import parse_utc
from touchpoint.handlers.observability import logger, metrics, observed
from touchpoint.usecases.reconciling import ReconcileResult


@observed
def handler(event: dict[str, Any], context: LambdaContext, reconcile: Any = None) -> dict[str, int]:
    result: ReconcileResult = (reconcile or bootstrap.reconciler())(parse_utc(event["time"]))
    for name, count in result.to_dict().items():
        metrics.add_metric(name=f"Unknown_{name}", unit=MetricUnit.Count, value=count)
    logger.info("reconciliation pass", extra=result.to_dict())
    return result.to_dict()
