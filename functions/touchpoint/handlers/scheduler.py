"""Runs every minute: queues every job that has fallen due."""

from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint.adapters import factory
from touchpoint.domain.ports import JobQueue, JobRepository
from touchpoint.domain.timeutil import parse_utc
from touchpoint.usecases.scheduling import run_scheduler_pass

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="Touchpoint")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(
    event: dict[str, Any],
    context: LambdaContext,
    jobs: JobRepository | None = None,
    queue: JobQueue | None = None,
) -> dict[str, int]:
    now: datetime = parse_utc(event["time"])
    lookback = timedelta(hours=factory.settings().scheduler_lookback_hours)
    result = run_scheduler_pass(jobs or factory.jobs(), queue or factory.job_queue(), now, lookback)
    metrics.add_metric(name="JobsQueued", unit=MetricUnit.Count, value=result.queued)
    logger.info("scheduler pass", extra=result.to_dict())
    return result.to_dict()
