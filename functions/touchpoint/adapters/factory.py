"""Builds the adapters once per cold start, lazily: nothing is created at import."""

from functools import cache
from typing import TYPE_CHECKING

import boto3

from touchpoint.adapters.alerts import PrintedAlerts, SnsAlerts
from touchpoint.adapters.dynamo.alerts import DynamoAlerts
from touchpoint.adapters.dynamo.appointments import DynamoAppointments
from touchpoint.adapters.dynamo.clinics import DynamoClinics
from touchpoint.adapters.dynamo.inbound import DynamoInbox
from touchpoint.adapters.dynamo.jobs import DynamoJobs
from touchpoint.adapters.dynamo.messages import DynamoMessageLog
from touchpoint.adapters.dynamo.patients import DynamoPatients
from touchpoint.adapters.dynamo.status import DynamoStatuses
from touchpoint.adapters.dynamo.surveys import DynamoSurveys
from touchpoint.adapters.dynamo.table import Table
from touchpoint.adapters.sms import OutboxSms, TwilioSms
from touchpoint.adapters.sqs import SqsJobQueue
from touchpoint.domain.instruments import instruments
from touchpoint.domain.ports import AlertPublisher, EscalationPublisher, SmsGateway
from touchpoint.settings import Settings
from touchpoint.usecases.admin import Admin
from touchpoint.usecases.escalation import Escalation
from touchpoint.usecases.inbox import Inbox
from touchpoint.usecases.sending import Sender

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

SECRET_MAX_AGE_SECONDS = 300


@cache
def settings() -> Settings:
    return Settings.from_env()


@cache
def table() -> Table:
    return Table(boto3.client("dynamodb"), settings().table_name)


def patients() -> DynamoPatients:
    return DynamoPatients(table())


def admin() -> Admin:
    instruments()  # validated at cold start: a broken file fails loudly, before a survey needs it
    return Admin(
        DynamoClinics(table()),
        DynamoPatients(table()),
        DynamoAppointments(table()),
        DynamoMessageLog(table()),
        DynamoAlerts(table()),
        DynamoSurveys(table()),
    )


def jobs() -> DynamoJobs:
    return DynamoJobs(table())


@cache
def job_queue() -> SqsJobQueue:
    queue_url = settings().queue_url
    if not queue_url:
        raise RuntimeError("QUEUE_URL is not set")
    return SqsJobQueue(boto3.client("sqs"), queue_url)


def sms_gateway() -> SmsGateway:
    """Twilio when credentials are configured (directly, or in Secrets Manager), else the outbox."""
    config = settings()
    status_callback = f"{config.public_url.rstrip('/')}/twilio/status"
    credentials = twilio_credentials(config)
    if credentials is None:
        return outbox()
    return TwilioSms(*credentials, status_callback, config.twilio_api_base_url)


@cache
def outbox() -> OutboxSms:
    return OutboxSms()


def twilio_credentials(config: Settings) -> tuple[str, str] | None:
    if config.twilio_account_sid and config.twilio_auth_token:
        return config.twilio_account_sid, config.twilio_auth_token
    if not config.twilio_secret_name:
        return None
    from aws_lambda_powertools.utilities import parameters

    # Cached for a few minutes across invocations, so a rotated token takes effect without a deploy.
    secret = parameters.get_secret(
        config.twilio_secret_name, transform="json", max_age=SECRET_MAX_AGE_SECONDS
    )
    if not isinstance(secret, dict) or not secret.get("account_sid") or not secret.get("auth_token"):
        raise RuntimeError(
            f"secret {config.twilio_secret_name} must hold JSON with account_sid and auth_token"
        )
    return str(secret["account_sid"]), str(secret["auth_token"])


def webhook_auth_token() -> str:
    """The token Twilio signs webhooks with: the account's auth token."""
    config = settings()
    if config.twilio_auth_token:
        return config.twilio_auth_token
    credentials = twilio_credentials(config)
    if credentials is None:
        raise RuntimeError("no Twilio auth token: set TWILIO_SECRET_NAME (or TWILIO_AUTH_TOKEN locally)")
    return credentials[1]


def inbox() -> Inbox:
    return Inbox(DynamoInbox(table()), alert_publisher())


def statuses() -> DynamoStatuses:
    return DynamoStatuses(table())


def alert_publisher() -> AlertPublisher:
    topic_arn = settings().alerts_topic_arn
    return SnsAlerts(sns_client(), topic_arn) if topic_arn else printed_alerts()


def escalation() -> Escalation:
    return Escalation(DynamoAlerts(table()), DynamoClinics(table()), escalation_publisher())


def escalation_publisher() -> EscalationPublisher:
    topic_arn = settings().escalations_topic_arn
    return SnsAlerts(sns_client(), topic_arn) if topic_arn else printed_alerts()


@cache
def sns_client() -> "SNSClient":
    return boto3.client("sns")


@cache
def printed_alerts() -> PrintedAlerts:
    return PrintedAlerts()


def sender() -> Sender:
    instruments()  # validated at cold start, as for the admin function
    return Sender(jobs(), DynamoPatients(table()), sms_gateway())
