"""The logger, tracer and metrics of the functions run by a schedule or a queue, and the one
decorator that puts all three around their handlers. (The admin API adds its request's
correlation id; the webhook keeps the tracer out of its cold start.)"""

from collections.abc import Callable
from typing import Any, cast

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="Touchpoint")


def observed[F: Callable[..., Any]](handler: F) -> F:
    """Logs with the Lambda context, traces the invocation, flushes the metrics it added."""
    # powertools' decorators keep the handler's signature but are typed loosely.
    return cast(F, logger.inject_lambda_context(tracer.capture_lambda_handler(metrics.log_metrics(handler))))
