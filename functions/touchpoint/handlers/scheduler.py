"""Runs every minute: queues every job that has fallen due, and escalates the open crisis alerts
whose time has come."""

from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint import bootstrap
from touchpoint.domain.ports.jobs import JobQueue, JobRepository
from touchpoint.domain.timeutil import parse_utc
from touchpoint.handlers.observability import logger, metrics, observed
from touchpoint.usecases.escalation import Escalation

ESCALATION_NOT_PUBLISHED = "escalation not published"


@observed
def handler(
    event: dict[str, Any],
    context: LambdaContext,
    jobs: JobRepository | None = None,
    queue: JobQueue | None = None,
    escalation: Escalation | None = None,
) -> dict[str, int]:
    now: datetime = parse_utc(event["time"])
    result = bootstrap.scheduler_pass(jobs=jobs, queue=queue, escalation=escalation)(now)
    metrics.add_metric(name="JobsQueued", unit=MetricUnit.Count, value=result.queued)
    metrics.add_metric(name="AlertsEscalated", unit=MetricUnit.Count, value=result.escalations.escalated)
    not_published = result.escalations.not_published
    metrics.add_metric(name="EscalationsNotPublished", unit=MetricUnit.Count, value=len(not_published))
    if not_published:
        # Due again at once: the next pass retries them. Alert ids only, never a phone or a text.
        logger.error(ESCALATION_NOT_PUBLISHED, extra={"alert_ids": list(not_published)})
    logger.info("scheduler pass", extra=result.to_dict())
    return result.to_dict()
