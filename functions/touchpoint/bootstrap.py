"""The one wiring point: builds each function's use cases from the adapters.

The handlers, the local stack, the demo and the tests all call these functions; a test passes
the dependencies it replaces (a table, a gateway, a publisher) instead of retyping the wiring.
Built lazily, once per cold start where it is worth keeping: nothing is created at import.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache, partial
from typing import TYPE_CHECKING

import boto3

from touchpoint.adapters.dynamo.table import Table
from touchpoint.settings import (
    AdminSettings,
    DueIndexSettings,
    FromEnv,
    InboundSettings,
    ReconcilerSettings,
    SchedulerSettings,
    SenderSettings,
)

# Each function's modules are imported where it is built, so that a function's cold start
# loads its own use case and adapters and not the other functions' (the webhook's is measured).
if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

    from touchpoint.adapters.dynamo.jobs import DynamoJobs
    from touchpoint.adapters.sns_alerts import PrintedAlerts
    from touchpoint.adapters.sqs_queue import SqsJobQueue
    from touchpoint.adapters.twilio_sms import OutboxSms, TwilioSms
    from touchpoint.adapters.twilio_webhook import SignatureCheck
    from touchpoint.domain.inbound import StatusCallback
    from touchpoint.domain.ports.alerts import AlertPublisher, EscalationPublisher
    from touchpoint.domain.ports.jobs import JobQueue, JobRepository
    from touchpoint.domain.ports.sms import SmsGateway, SmsRecords
    from touchpoint.usecases.admin import Admin
    from touchpoint.usecases.escalation import Escalation
    from touchpoint.usecases.importing import Importer
    from touchpoint.usecases.inbound import Inbound
    from touchpoint.usecases.reconciling import ReconcileResult
    from touchpoint.usecases.scheduling import PassResult
    from touchpoint.usecases.sending import Sender

SECRET_MAX_AGE_SECONDS = 300


# ---- each function's settings, read at its first invocation ----


_settings: dict[type[FromEnv], FromEnv] = {}


def settings[S: FromEnv](kind: type[S]) -> S:
    """The function's settings model, read from the environment once per container."""
    found = _settings.get(kind)
    if not isinstance(found, kind):
        found = _settings[kind] = kind.from_env()
    return found


# ---- clients and adapters kept for the container's life ----


@cache
def table_named(table_name: str) -> Table:
    return Table(boto3.client("dynamodb"), table_name, settings(DueIndexSettings).due_shards)


@cache
def sns_client() -> SNSClient:
    return boto3.client("sns")


@cache
def outbox() -> OutboxSms:
    from touchpoint.adapters.twilio_sms import OutboxSms

    return OutboxSms()


@cache
def printed_alerts() -> PrintedAlerts:
    from touchpoint.adapters.sns_alerts import PrintedAlerts

    return PrintedAlerts()


@cache
def _job_queue(queue_url: str) -> SqsJobQueue:
    from touchpoint.adapters.sqs_queue import SqsJobQueue

    return SqsJobQueue(boto3.client("sqs"), queue_url)


def reset() -> None:
    """Forget every setting, client and adapter kept: the next call reads the environment anew."""
    _settings.clear()
    _secret_refetched_at.clear()
    for cached in (
        table_named,
        sns_client,
        outbox,
        printed_alerts,
        _job_queue,
    ):
        cached.cache_clear()


# ---- the admin function ----


def admin(*, table: Table | None = None) -> Admin:
    from touchpoint.adapters.dynamo.alerts import DynamoAlerts
    from touchpoint.adapters.dynamo.appointments import DynamoAppointments
    from touchpoint.adapters.dynamo.audit import DynamoAudit
    from touchpoint.adapters.dynamo.clinics import DynamoClinics
    from touchpoint.adapters.dynamo.courses import DynamoCourses
    from touchpoint.adapters.dynamo.lists import DynamoLists
    from touchpoint.adapters.dynamo.messages import DynamoMessageLog
    from touchpoint.adapters.dynamo.patients import DynamoPatients
    from touchpoint.adapters.dynamo.surveys import DynamoSurveys
    from touchpoint.domain.instruments import instruments
    from touchpoint.usecases.admin import Admin

    instruments()  # validated at cold start: a broken file fails loudly, before a survey needs it
    store = table or table_named(settings(AdminSettings).table_name)
    return Admin(
        DynamoClinics(store),
        DynamoPatients(store),
        DynamoAppointments(store),
        DynamoMessageLog(store),
        DynamoAlerts(store),
        DynamoSurveys(store),
        DynamoAudit(store),
        DynamoLists(store),
        DynamoCourses(store),
    )


def importer(service: Admin) -> Importer:
    """Imports through `service`, reading existing records in batches from the table its stores
    write to (the admin function's, or a test's)."""
    from touchpoint.adapters.dynamo.importing import DynamoImportLookup
    from touchpoint.adapters.dynamo.table import Repository
    from touchpoint.usecases.importing import Importer

    store = service.patients
    if not isinstance(store, Repository):
        raise TypeError("imports read the table of the DynamoDB stores")
    return Importer(service, DynamoImportLookup(store.table))


# ---- the scheduler function ----


def job_repository(*, table: Table | None = None) -> DynamoJobs:
    from touchpoint.adapters.dynamo.jobs import DynamoJobs

    return DynamoJobs(table or table_named(settings(SchedulerSettings).table_name))


def job_queue() -> SqsJobQueue:
    return _job_queue(settings(SchedulerSettings).queue_url)


def escalation_service(
    *, table: Table | None = None, publisher: EscalationPublisher | None = None
) -> Escalation:
    from touchpoint.adapters.dynamo.alerts import DynamoAlerts
    from touchpoint.adapters.dynamo.clinics import DynamoClinics
    from touchpoint.usecases.escalation import Escalation

    store = table or table_named(settings(SchedulerSettings).table_name)
    return Escalation(DynamoAlerts(store), DynamoClinics(store), publisher or escalation_publisher())


def escalation_publisher() -> EscalationPublisher:
    from touchpoint.adapters.sns_alerts import SnsAlerts

    wanted = settings(SchedulerSettings)
    topic_arn = wanted.escalations_topic_arn
    return SnsAlerts(sns_client(), topic_arn, wanted.console_url) if topic_arn else printed_alerts()


def scheduler_pass(
    *,
    jobs: JobRepository | None = None,
    queue: JobQueue | None = None,
    escalation: Escalation | None = None,
) -> Callable[[datetime], PassResult]:
    """One pass at the instant given: queue what has fallen due, escalate what is owed."""
    from touchpoint.usecases.scheduling import FULL_LOOKBACK_EVERY, run_scheduler_pass

    repository = jobs or job_repository()
    send_queue = queue or job_queue()
    escalate = escalation or escalation_service()
    lookback = timedelta(hours=settings(SchedulerSettings).scheduler_lookback_hours)
    # The older hours of the look-back every tenth minute; the current and previous hour always.
    return lambda now: run_scheduler_pass(
        repository, send_queue, now, lookback, escalate, FULL_LOOKBACK_EVERY
    )


# ---- the sender function ----


def sender(*, table: Table | None = None, sms: SmsGateway | None = None) -> Sender:
    from touchpoint.adapters.dynamo.jobs import DynamoJobs
    from touchpoint.adapters.dynamo.patients import DynamoPatients
    from touchpoint.domain.instruments import instruments
    from touchpoint.usecases.sending import Sender

    instruments()  # validated at cold start, as for the admin function
    store = table or table_named(settings(SenderSettings).table_name)
    return Sender(DynamoJobs(store), DynamoPatients(store), sms or sms_gateway())


def sms_gateway(config: SenderSettings | ReconcilerSettings | None = None) -> TwilioSms | OutboxSms:
    """Twilio when credentials are configured (directly, or in Secrets Manager), else the outbox:
    each both sends and holds the records of what it sent."""
    from touchpoint.adapters.twilio_sms import TwilioSms

    config = config or settings(SenderSettings)
    public_url = config.public_url if isinstance(config, SenderSettings) else ""
    credentials = twilio_credentials(
        config.twilio_secret_name, config.twilio_account_sid, config.twilio_auth_token
    )
    if credentials is None:
        return outbox()
    return TwilioSms(*credentials, f"{public_url.rstrip('/')}/twilio/status", config.twilio_api_base_url)


def twilio_credentials(
    secret_name: str | None, account_sid: str | None = None, auth_token: str | None = None
) -> tuple[str, str] | None:
    if account_sid and auth_token:
        return account_sid, auth_token
    if not secret_name:
        return None
    from aws_lambda_powertools.utilities import parameters

    # Cached for a few minutes across invocations, so a rotated token takes effect without a deploy.
    secret = parameters.get_secret(secret_name, transform="json", max_age=SECRET_MAX_AGE_SECONDS)
    if not isinstance(secret, dict) or not secret.get("account_sid") or not secret.get("auth_token"):
        raise RuntimeError(f"secret {secret_name} must hold JSON with account_sid and auth_token")
    return str(secret["account_sid"]), str(secret["auth_token"])


# ---- the reconciler function ----


def reconciler(
    *, table: Table | None = None, records: SmsRecords | None = None
) -> Callable[[datetime], ReconcileResult]:
    """One reconciliation pass at the instant given: unknown sends settled from Twilio's list."""
    from touchpoint.adapters.dynamo.patients import DynamoPatients
    from touchpoint.adapters.dynamo.reconciliation import DynamoReconciliation
    from touchpoint.adapters.dynamo.status import DynamoStatuses
    from touchpoint.domain.instruments import instruments
    from touchpoint.usecases.reconciling import Reconciler

    instruments()  # validated at cold start, as for the sender
    config = settings(ReconcilerSettings)
    store = table or table_named(config.table_name)
    found = records or sms_gateway(config)
    lookback = timedelta(hours=config.reconciler_lookback_hours)
    service = Reconciler(DynamoReconciliation(store), found, DynamoStatuses(store), DynamoPatients(store))
    return lambda now: service.run(now, lookback)


# ---- the inbound function ----


def inbound(*, table: Table | None = None, alerts: AlertPublisher | None = None) -> Inbound:
    from touchpoint.adapters.dynamo.inbound import DynamoInbound
    from touchpoint.usecases.inbound import Inbound

    store = table or table_named(settings(InboundSettings).table_name)
    return Inbound(DynamoInbound(store), alerts or alert_publisher())


def alert_publisher() -> AlertPublisher:
    from touchpoint.adapters.sns_alerts import SnsAlerts

    wanted = settings(InboundSettings)
    topic_arn = wanted.alerts_topic_arn
    return SnsAlerts(sns_client(), topic_arn, wanted.console_url) if topic_arn else printed_alerts()


def status_callbacks(*, table: Table | None = None) -> Callable[[StatusCallback], bool]:
    """Applies one delivery status callback; answers whether the message was one of ours."""
    from touchpoint.adapters.dynamo.patients import DynamoPatients
    from touchpoint.adapters.dynamo.status import DynamoStatuses
    from touchpoint.usecases.inbound import apply_status

    store = table or table_named(settings(InboundSettings).table_name)
    return partial(apply_status, DynamoStatuses(store), DynamoPatients(store))


def signature_check(*, auth_token: str | None = None) -> SignatureCheck:
    """Checks webhooks against the token Twilio signs them with: the account's auth token. When
    it comes from the secret, a request that fails the check has the secret read once more."""
    from touchpoint.adapters.twilio_webhook import SignatureCheck

    if auth_token:
        return SignatureCheck(auth_token)
    config = settings(InboundSettings)
    secret_name = None if config.twilio_auth_token else config.twilio_secret_name
    refetch = partial(refetched_auth_token, secret_name) if secret_name else None
    return SignatureCheck(webhook_auth_token(), refetch)


def webhook_auth_token() -> str:
    config = settings(InboundSettings)
    if config.twilio_auth_token:
        return config.twilio_auth_token
    credentials = twilio_credentials(config.twilio_secret_name)
    if credentials is None:
        raise RuntimeError("no Twilio auth token: set TWILIO_SECRET_NAME (or TWILIO_AUTH_TOKEN locally)")
    return credentials[1]


SECRET_REFETCH_INTERVAL_SECONDS = 10.0
_secret_refetched_at: dict[str, float] = {}  # per container: forged requests cannot flood Secrets Manager


def refetched_auth_token(secret_name: str, clock: Callable[[], float] | None = None) -> str | None:
    """The auth token read anew from the secret, past the cache (which it refreshes), so that a
    rotation of Twilio's token does not refuse replies until the cache expires. None when the
    secret was read anew less than SECRET_REFETCH_INTERVAL_SECONDS ago in this container."""
    from time import monotonic

    from aws_lambda_powertools.utilities import parameters

    now = (clock or monotonic)()
    last = _secret_refetched_at.get(secret_name)
    if last is not None and now - last < SECRET_REFETCH_INTERVAL_SECONDS:
        return None
    _secret_refetched_at[secret_name] = now
    try:
        parameters.get_secret(secret_name, transform="json", max_age=SECRET_MAX_AGE_SECONDS, force_fetch=True)
        credentials = twilio_credentials(secret_name)  # the value just fetched, from the cache
    except Exception:  # Secrets Manager out of reach: the request is refused (403), not a 500
        from aws_lambda_powertools import Logger

        Logger().exception("the Twilio secret could not be read again after a failed signature check")
        return None
    return credentials[1] if credentials else None
