"""Fixtures shared by every test: fake AWS credentials, and AWS emulated by moto."""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from mypy_boto3_dynamodb import DynamoDBClient
from mypy_boto3_secretsmanager import SecretsManagerClient
from mypy_boto3_sns import SNSClient
from mypy_boto3_sqs import SQSClient

from infra.template import CreatedResources, create_aws_resources
from tests.faults.table import print_fault_table

REGION = "us-east-1"


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test can reach a real AWS account, whatever the developer's environment holds."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    # Current botocore puts the account id in DynamoDB endpoints, which moto does not serve.
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")


@dataclass(frozen=True)
class Aws:
    dynamodb: DynamoDBClient
    sqs: SQSClient
    sns: SNSClient
    secretsmanager: SecretsManagerClient


@pytest.fixture
def aws() -> Iterator[Aws]:
    """Clients on a fresh in-process moto account, empty until a test creates something."""
    with mock_aws():
        yield Aws(
            dynamodb=boto3.client("dynamodb", region_name=REGION),
            sqs=boto3.client("sqs", region_name=REGION),
            sns=boto3.client("sns", region_name=REGION),
            secretsmanager=boto3.client("secretsmanager", region_name=REGION),
        )


@pytest.fixture
def aws_resources(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> CreatedResources:
    """The table and send queue of template.yaml on moto, named in TABLE_NAME and QUEUE_URL."""
    created = create_aws_resources(aws, table_name="touchpoint-test", queue_name="touchpoint-send-test")
    monkeypatch.setenv("TABLE_NAME", created["table_name"])
    monkeypatch.setenv("QUEUE_URL", created["queue_url"])
    return created


SESSION_STARTED = time.time()  # this conftest is imported once a run starts


def pytest_terminal_summary(terminalreporter: Any) -> None:
    print_fault_table(terminalreporter)
    print_console_screenshots(terminalreporter)


def print_console_screenshots(terminalreporter: Any) -> None:
    """Where the browser tests left a screenshot of each console view, when they ran."""
    folder = Path(__file__).resolve().parents[1] / ".screenshots" / "console"
    shots = sorted(shot for shot in folder.glob("*.png") if shot.stat().st_mtime >= SESSION_STARTED)
    if shots:
        terminalreporter.write_sep("-", "console screenshots")
        terminalreporter.write_line(f"{folder}: {', '.join(shot.name for shot in shots)}")


# The tests that start processes and drive them for tens of seconds, first: each worker of
# `pytest -n 2 --dist worksteal` (pyproject.toml) then ends on the quick ones, taken from the
# other worker's queue as it runs dry, and the two finish within a few seconds of each other.
SLOW_FIRST = ("tests/faults/", "tests/e2e/", "tests/integration/test_benchmarks.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(SLOW_FIRST))  # stable: order within kept
